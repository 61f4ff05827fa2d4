//! Fuzz harnesses for MQTT Lab: plain functions that take the fuzzer's bytes
//! and panic when an invariant breaks. The cargo-fuzz targets in
//! `fuzz_targets/` call them; the main crate's `tests/fuzz_regressions.rs`
//! includes this file to replay every input that once crashed, and
//! `examples/fuzz_seeds.rs` writes the seed corpora from [`seeds`].
//!
//! - [`decoder`]: the streaming decoder, fed in chunks of every size, and the
//!   annotator; a packet that decodes must encode again to the same packet.
//! - [`topic`]: validation and matching against a naive matcher, the
//!   explainer, the subscription trie and the retained store.
//! - [`broker`]: the broker fed scripted bytes from four connections (see
//!   [`script`]): what it sends must decode, and its limits must hold.
//! - [`client`]: the client core fed scripted bytes from a broker, with user
//!   commands and time in between: what it sends must decode.
#![forbid(unsafe_code)]

mod broker;
mod client;
mod decoder;
pub mod samples;
pub mod script;
mod topic;

pub use broker::{broker, fuzz_broker_config};
pub use client::client;
pub use decoder::decoder;
pub use topic::topic;

/// The seed inputs of every target, as (target, name, bytes).
pub fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let mut out = Vec::new();
    for (name, bytes) in decoder::seeds() {
        out.push(("decoder", name, bytes));
    }
    for (name, bytes) in topic::seeds() {
        out.push(("topic", name, bytes));
    }
    for (name, bytes) in broker::seeds() {
        out.push(("broker", name, bytes));
    }
    for (name, bytes) in client::seeds() {
        out.push(("client", name, bytes));
    }
    out
}

/// Runs the harness of `target` on `data`; `false` for an unknown target.
pub fn run(target: &str, data: &[u8]) -> bool {
    match target {
        "decoder" => decoder(data),
        "topic" => topic(data),
        "broker" => broker(data),
        "client" => client(data),
        _ => return false,
    }
    true
}
