//! The global allocator: mimalloc, wrapped to count the bytes handed out, so INFO's
//! `used_memory` reports what the allocator holds for us (as Redis's zmalloc does).
//!
//! Counting uses one relaxed atomic add per allocation and free on a counter chosen by
//! thread, so shards do not share a cache line.

use mimalloc::MiMalloc;
use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

pub struct Counting;

const STRIPES: usize = 64;

#[repr(align(64))]
struct Stripe(AtomicI64);

static COUNTERS: [Stripe; STRIPES] = [const { Stripe(AtomicI64::new(0)) }; STRIPES];
static NEXT_STRIPE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);

thread_local! {
    static STRIPE: Cell<usize> = const { Cell::new(usize::MAX) };
}

#[inline]
fn stripe() -> &'static AtomicI64 {
    let i = STRIPE
        .try_with(|s| {
            let mut i = s.get();
            if i == usize::MAX {
                i = NEXT_STRIPE.fetch_add(1, Ordering::Relaxed) % STRIPES;
                s.set(i);
            }
            i
        })
        .unwrap_or(0);
    &COUNTERS[i].0
}

unsafe impl GlobalAlloc for Counting {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = MiMalloc.alloc(layout);
        if !p.is_null() {
            stripe().fetch_add(usable(p) as i64, Ordering::Relaxed);
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = MiMalloc.alloc_zeroed(layout);
        if !p.is_null() {
            stripe().fetch_add(usable(p) as i64, Ordering::Relaxed);
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        stripe().fetch_sub(usable(ptr) as i64, Ordering::Relaxed);
        MiMalloc.dealloc(ptr, layout)
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = usable(ptr) as i64;
        let p = MiMalloc.realloc(ptr, layout, new_size);
        if !p.is_null() {
            stripe().fetch_add(usable(p) as i64 - old, Ordering::Relaxed);
        }
        p
    }
}

#[inline]
fn usable(p: *mut u8) -> usize {
    // SAFETY: p was returned by mimalloc and is live.
    unsafe { libmimalloc_sys::mi_usable_size(p as *const _) }
}

/// Bytes currently allocated by the whole process.
pub fn allocated() -> u64 {
    let n: i64 = COUNTERS.iter().map(|c| c.0.load(Ordering::Relaxed)).sum();
    let n = n.max(0);
    PEAK.fetch_max(n, Ordering::Relaxed);
    n as u64
}

/// Highest `allocated()` seen so far (sampled when INFO or the cron reads it).
pub fn peak() -> u64 {
    allocated();
    PEAK.load(Ordering::Relaxed) as u64
}

/// Memory mimalloc holds from the OS: committed pages, including free pages its
/// per-thread heaps keep for reuse (what `allocated()` does not count).
pub fn committed() -> u64 {
    let mut commit: usize = 0;
    // SAFETY: every out-parameter but one is null (allowed); `commit` outlives the call.
    unsafe {
        libmimalloc_sys::mi_process_info(
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut commit,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    commit as u64
}

/// Purge the calling thread's free pages (mimalloc heaps are per thread).
pub fn collect() {
    // SAFETY: a plain call into the allocator on the current thread.
    unsafe { libmimalloc_sys::mi_collect(false) };
}

/// Resident set size from /proc/self/statm.
pub fn rss() -> u64 {
    let page = 4096;
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |p| p * page)
}
