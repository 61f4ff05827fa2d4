//! Runs the `benches/topic.rs` workload's lookups a given number of times, for
//! instruction counting: `valgrind --tool=callgrind target/release/examples/topic_lookups N`
//! with `--toggle-collect=topic_lookups::lookups`, divided by N × 1,000, is the cost of
//! one `matches_into`; add `count` after N (and toggle `topic_lookups::counts`) for
//! `match_count`.

use mqtt_lab::codec::SubscriptionOptions;
use mqtt_lab::topic::{Match, Router};
use std::hint::black_box;

#[path = "../benches/support/topic_workload.rs"]
mod workload;

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .map_or(10, |a| a.parse().expect("rounds is a number"));
    let mut r = Router::<u32>::new();
    for (i, f) in workload::filters().iter().enumerate() {
        r.subscribe(i as u32, f, SubscriptionOptions::default(), None)
            .unwrap();
    }
    let topics = workload::topics();
    let total = if std::env::args().nth(2).as_deref() == Some("count") {
        counts(&mut r, &topics, rounds)
    } else {
        lookups(&mut r, &topics, rounds)
    };
    println!("{total} matches");
}

/// The measured part, kept out of line so `--toggle-collect=*lookups*` can isolate it.
#[inline(never)]
fn lookups(r: &mut Router<u32>, topics: &[String], rounds: usize) -> usize {
    let mut out: Vec<Match<u32>> = Vec::new();
    let mut total = 0;
    for _ in 0..rounds {
        for t in topics {
            r.matches_into(black_box(t), &mut out);
            total += out.len();
        }
    }
    total
}

/// [`lookups`] with [`Router::match_count`].
#[inline(never)]
fn counts(r: &mut Router<u32>, topics: &[String], rounds: usize) -> usize {
    let mut total = 0;
    for _ in 0..rounds {
        for t in topics {
            total += r.match_count(black_box(t));
        }
    }
    total
}
