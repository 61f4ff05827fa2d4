//! The JavaScript API (wasm-bindgen). The only layer that knows about the browser.
use wasm_bindgen::prelude::*;
#[cfg(feature = "inspector")]
pub mod topic;

#[cfg(feature = "inspector")]
mod bench;
mod client;
mod client_batch;
mod client_options;
#[cfg(feature = "inspector")]
mod codec;
mod panic;
// Parts of these only serve the codec API.
#[cfg_attr(not(feature = "inspector"), allow(dead_code))]
mod from_js;
#[cfg_attr(not(feature = "inspector"), allow(dead_code))]
mod shape;
#[cfg(feature = "inspector")]
mod sim;
#[cfg(feature = "inspector")]
mod sim_batch;
#[cfg(feature = "inspector")]
mod sim_shape;
// Type declarations only (text for the .d.ts file): the client's types use them too.
mod types;

#[cfg(feature = "inspector")]
pub use bench::BrokerBench;
pub use client::{check_broker_url, ClientSink, WasmClient};
#[cfg(feature = "inspector")]
pub use codec::{annotate, decode, encode, reason_code_name, Parser};
pub use panic::{install_panic_hook, panic_text};
#[cfg(feature = "inspector")]
pub use sim::Simulation;

/// The version of this package.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
