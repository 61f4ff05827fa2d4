//! Router benchmarks: 100,000 subscriptions (90% exact, 8% `+`, 2% `#`), match
//! throughput over 1,000 fixed topics, and the cost of subscribe + unsubscribe.
//!
//! The workload is built by formula, not by a random generator, so
//! `benches/topic_node.mjs` builds exactly the same one for the wasm-vs-qlobber run.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use mqtt_lab::codec::SubscriptionOptions;
use mqtt_lab::topic::{Match, Router};
use std::hint::black_box;
use std::time::Duration;

#[path = "support/topic_workload.rs"]
mod workload;
use workload::{filters, topics};

fn router() -> Router<u32> {
    let mut r = Router::new();
    for (i, f) in filters().iter().enumerate() {
        r.subscribe(i as u32, f, SubscriptionOptions::default(), None)
            .unwrap();
    }
    r
}

fn bench(c: &mut Criterion) {
    let mut r = router();
    let topics = topics();
    let mut out: Vec<Match<u32>> = Vec::new();
    let total: usize = topics
        .iter()
        .map(|t| {
            r.matches_into(t, &mut out);
            out.len()
        })
        .sum();
    eprintln!(
        "{} subscriptions, {} nodes; 1,000 topics give {total} matches",
        r.subscription_count(),
        r.node_count()
    );

    let mut g = c.benchmark_group("router_100k");
    g.throughput(Throughput::Elements(topics.len() as u64));
    g.bench_function("match_1000_topics", |b| {
        b.iter(|| {
            let mut n = 0;
            for t in &topics {
                r.matches_into(black_box(t), &mut out);
                n += out.len();
            }
            n
        })
    });
    g.bench_function("match_count_1000_topics", |b| {
        b.iter(|| {
            let mut n = 0;
            for t in &topics {
                n += r.match_count(black_box(t));
            }
            n
        })
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("subscribe_then_unsubscribe", |b| {
        let mut i = 0u32;
        b.iter(|| {
            i = i.wrapping_add(1);
            let f = "building/3/floor/+/room/7/sensor/new";
            r.subscribe(200_000 + i % 64, f, SubscriptionOptions::default(), None)
                .unwrap();
            r.unsubscribe(200_000 + i % 64, f)
        })
    });
    g.finish();

    let filters = filters();
    let mut g = c.benchmark_group("router_build");
    g.sample_size(10);
    g.throughput(Throughput::Elements(filters.len() as u64));
    g.bench_function("subscribe_100k", |b| {
        b.iter_batched(
            Router::<u32>::new,
            |mut r| {
                for (i, f) in filters.iter().enumerate() {
                    r.subscribe(i as u32, f, SubscriptionOptions::default(), None)
                        .unwrap();
                }
                r
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);
