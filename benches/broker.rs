//! Broker benchmarks: routed deliveries per second with 1,000 and 10,000
//! connected clients at fan-out 1 and 100 (QoS 0, pre-encoded PUBLISH bytes,
//! the subscribers' bytes drained and discarded), and the heap bytes of an idle
//! session, counted by a counting global allocator.
//!
//!   cargo bench --bench broker

use criterion::{criterion_group, Criterion, Throughput};
use mqtt_lab::sim::BrokerBench;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};
use std::time::Duration;

/// Counts the bytes currently allocated.
struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - l.size() as isize, Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Heap bytes per connected, idle client: with no subscription, and with one.
fn memory_per_session() {
    const N: usize = 10_000;
    for (fanout, what) in [(0, "no subscription"), (1, "one subscription")] {
        let before = LIVE.load(Relaxed);
        let b = BrokerBench::new(N, fanout);
        let after = LIVE.load(Relaxed);
        assert_eq!(b.connections(), N + 1);
        println!(
            "broker/idle session ({what}): {} bytes per connected client ({N} clients, counted allocations)",
            (after - before) / N as isize
        );
        drop(b);
    }
}

fn routing(c: &mut Criterion) {
    let mut g = c.benchmark_group("broker/route");
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(3));
    for clients in [1_000, 10_000] {
        for fanout in [1, 100] {
            let mut b = BrokerBench::new(clients, fanout);
            assert_eq!(
                b.publish(1),
                fanout,
                "each publish reaches `fanout` subscribers"
            );
            g.throughput(Throughput::Elements(fanout as u64));
            g.bench_function(format!("{clients} clients, fan-out {fanout}"), |bench| {
                bench.iter(|| b.publish(1))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, routing);

fn main() {
    memory_per_session();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
