//! The JavaScript API (wasm-bindgen). The only layer that knows about the browser.
use wasm_bindgen::prelude::*;
pub mod topic;

mod bench;
mod codec;
mod from_js;
mod shape;
mod sim;
mod sim_shape;
mod types;

pub use bench::BrokerBench;
pub use codec::{annotate, decode, encode, reason_code_name, Parser};
pub use sim::Simulation;

/// The version of this package.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
