//! Smoke test of the wasm build in headless Chromium: the module loads and its
//! exported functions can be called.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn version_matches_the_crate_version() {
    assert_eq!(mqtt_lab::web::version(), env!("CARGO_PKG_VERSION"));
}
