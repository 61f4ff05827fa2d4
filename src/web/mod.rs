//! The JavaScript API (wasm-bindgen). The only layer that knows about the browser.
use wasm_bindgen::prelude::*;
pub mod topic;

mod client;
mod client_options;
mod codec;
mod from_js;
mod shape;

pub use client::{check_broker_url, ClientSink, WasmClient};
pub use codec::{annotate, decode, encode, reason_code_name, Parser};

/// The version of this package.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
