//! A panic anywhere in the WebAssembly shows in the page instead of leaving it
//! dead: the message goes to the console, into the page's `[data-boot-error]`
//! alert (if the page has one), and out as a `mqttlab:panic` event on `window`
//! whose `detail` is the message.
//!
//! The release build aborts on panic, so the call that panicked ends with a
//! JavaScript `RuntimeError: unreachable`; the object it was using may refuse
//! further calls, while the rest of the page (other connections, the in-page
//! broker) usually carries on. Reloading the page starts again.

use std::sync::atomic::{AtomicBool, Ordering};
use wasm_bindgen::prelude::*;

/// Set while the hook reports, so a hook chained twice reports once.
static REPORTING: AtomicBool = AtomicBool::new(false);

/// Runs when the module is instantiated (`await init()` in the page).
#[wasm_bindgen(start)]
fn start() {
    install_panic_hook();
}

/// Installs the panic hook, keeping the one installed before it (which runs
/// after it). The module does it at start; call it again after another hook
/// replaced it.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !REPORTING.swap(true, Ordering::SeqCst) {
            report(&info.to_string());
            REPORTING.store(false, Ordering::SeqCst);
        }
        previous(info);
    }));
}

/// The text shown in the page for a panic with `message`.
pub fn panic_text(message: &str) -> String {
    format!(
        "MQTT Lab hit an internal error (a bug, not something you did): {message}. \
         What was running when it happened has stopped; the rest of the page may \
         still work. Reload the page to start again."
    )
}

fn report(message: &str) {
    web_sys::console::error_1(&JsValue::from_str(&format!("MQTT Lab panicked: {message}")));
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Some(el) = window
        .document()
        .and_then(|d| d.query_selector("[data-boot-error]").ok().flatten())
    {
        el.set_text_content(Some(&panic_text(message)));
        let _ = el.remove_attribute("hidden");
    }
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&JsValue::from_str(message));
    if let Ok(ev) = web_sys::CustomEvent::new_with_event_init_dict("mqttlab:panic", &init) {
        let _ = window.dispatch_event(&ev);
    }
}
