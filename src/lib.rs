//! MQTT Lab: an MQTT 3.1.1 + 5.0 codec, topic router, client and broker that run
//! natively and in the browser (WebAssembly).
//!
//! The layers, each depending only on those below it:
//! - [`codec`]: bytes to packets and back, for both protocol versions; no I/O, no time.
//! - [`topic`]: topic names, filters, matching, the subscription trie and the retained store.
//! - [`broker`] and [`client`]: sans-IO state machines; [`sim`]: a virtual network and clock around them.
//! - `web` (wasm32 only): the JavaScript API, built with wasm-bindgen.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod broker;
pub mod client;
pub mod codec;
pub mod sim;
pub mod topic;

#[cfg(target_arch = "wasm32")]
pub mod web;
