//! The JavaScript API (wasm-bindgen). The only layer that knows about the browser.
use wasm_bindgen::prelude::*;
pub mod topic;

/// The version of this package.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
