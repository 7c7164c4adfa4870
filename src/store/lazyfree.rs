//! Freeing big values off the shard thread (Redis's lazyfree): dropping a collection of
//! millions of elements takes milliseconds that a shard's other clients would wait.
//! Values above a size threshold are sent to one background thread to be dropped.

use super::Value;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Mutex, OnceLock};

/// Elements above which a value is freed in the background (Redis: 64).
pub const LAZYFREE_THRESHOLD: usize = 64;

/// Something to drop. Only dropping it matters, so the payload is never read.
type Garbage = Box<dyn Send>;

fn sender() -> &'static Mutex<Sender<Garbage>> {
    static TX: OnceLock<Mutex<Sender<Garbage>>> = OnceLock::new();
    TX.get_or_init(|| {
        let (tx, rx) = channel::<Garbage>();
        std::thread::Builder::new()
            .name("lazyfree".into())
            .spawn(move || {
                for g in rx {
                    drop(g);
                }
            })
            .expect("spawn lazyfree thread");
        Mutex::new(tx)
    })
}

/// Drop `v` here if small, else on the background thread.
pub fn free_value(v: Value) {
    if v.size_hint() <= LAZYFREE_THRESHOLD {
        return;
    }
    if let Ok(tx) = sender().lock() {
        let _ = tx.send(Box::new(v));
    }
}

/// Drop anything big (a whole keyspace after FLUSHALL) on the background thread.
pub fn free_later<T: Send + 'static>(x: T) {
    if let Ok(tx) = sender().lock() {
        let _ = tx.send(Box::new(x));
    }
}
