//! `slotcore-bench`: the project's load tool, with memtier_benchmark's knob names so
//! results can be cross-checked. See `slotcore-bench --help` and `slotcore_bench/`.

mod slotcore_bench;

fn main() {
    std::process::exit(slotcore_bench::main());
}
