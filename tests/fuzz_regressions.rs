#![cfg(not(target_arch = "wasm32"))]
//! The fuzz harnesses (`fuzz/src`) run as plain tests: on their seeds, and on
//! every input that once made a target fail, kept in `tests/data/fuzz/<target>/`.
//! A crash found by `cargo +nightly fuzz run <target>` is fixed and its input
//! copied there, so it stays fixed.

#[allow(dead_code, unused_imports)]
#[path = "../fuzz/src/lib.rs"]
mod harness;

use std::path::Path;

const TARGETS: [&str; 4] = ["decoder", "topic", "broker", "client"];

#[test]
fn every_seed_passes_its_harness() {
    let seeds = harness::seeds();
    for target in TARGETS {
        let n = seeds.iter().filter(|(t, ..)| *t == target).count();
        assert!(n >= 5, "{target} has only {n} seeds");
    }
    for (target, name, bytes) in seeds {
        assert!(harness::run(target, &bytes), "{target}/{name}");
    }
}

#[test]
fn decoder_seeds_cover_every_packet_type_of_every_version() {
    // 15 types in 5.0 (AUTH), 14 in 3.1.1 and 3.1; PUBLISH at three QoS.
    let seeds = harness::seeds();
    let single = |level: &str| {
        seeds
            .iter()
            .filter(|(t, n, _)| *t == "decoder" && n.starts_with(level) && !n.contains("stream"))
            .count()
    };
    assert_eq!(single("3-"), 16);
    assert_eq!(single("4-"), 16);
    assert_eq!(single("5-"), 17);
}

#[test]
fn inputs_that_once_crashed_a_target_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut n = 0;
    for target in TARGETS {
        let Ok(dir) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        let mut files: Vec<_> = dir.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let bytes = std::fs::read(&f).expect("readable");
            println!("{target}: {}", f.display());
            assert!(harness::run(target, &bytes));
            n += 1;
        }
    }
    println!("{n} inputs replayed");
}
