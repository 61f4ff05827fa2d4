//! A panic shows its message in the page: the panic hook (src/web/panic.rs)
//! fills the `[data-boot-error]` alert and fires `mqttlab:panic`.
#![cfg(target_arch = "wasm32")]

use js_sys::{Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn deliberate_panic() {
    panic!("deliberate panic for the test, 42");
}

#[wasm_bindgen_test]
async fn a_panic_shows_its_message_in_the_page_alert() {
    let window = web_sys::window().expect("a window");
    let doc = window.document().expect("a document");
    let alert = doc.create_element("div").unwrap();
    alert.set_attribute("data-boot-error", "").unwrap();
    alert.set_attribute("hidden", "").unwrap();
    doc.body().unwrap().append_child(&alert).unwrap();

    // The test harness installs its own hook; ours goes on top and keeps it.
    mqtt_lab::web::install_panic_hook();
    let seen = Promise::new(&mut |resolve, _| {
        window
            .add_event_listener_with_callback("mqttlab:panic", &resolve)
            .unwrap();
    });
    // The deliberate panic runs from the event loop, as a socket or timer
    // callback of the app would: it ends that callback only.
    let boom = Closure::once_into_js(deliberate_panic);
    window
        .set_timeout_with_callback_and_timeout_and_arguments_0(boom.unchecked_ref(), 0)
        .unwrap();
    let event = JsFuture::from(seen).await.expect("the panic event");

    let detail = Reflect::get(&event, &"detail".into()).unwrap();
    let detail = detail.as_string().expect("the message as detail");
    assert!(
        detail.contains("deliberate panic for the test, 42"),
        "{detail}"
    );
    assert!(
        detail.contains("tests/wasm_panic.rs"),
        "with its location: {detail}"
    );
    assert!(!alert.has_attribute("hidden"), "the alert is shown");
    let text = alert.text_content().unwrap_or_default();
    assert!(text.contains("internal error"), "{text}");
    assert!(text.contains("deliberate panic for the test, 42"), "{text}");

    // The module still answers calls that do not touch what panicked.
    assert_eq!(mqtt_lab::web::version(), env!("CARGO_PKG_VERSION"));
}
