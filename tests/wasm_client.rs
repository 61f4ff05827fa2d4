//! The client's JavaScript boundary (WasmClient), run in a browser by
//! wasm-bindgen-test: URL and option checks that need no broker.
#![cfg(target_arch = "wasm32")]

use js_sys::{Function, Reflect};
use mqtt_lab::web::{check_broker_url, ClientSink, WasmClient};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap()
}

fn sink() -> ClientSink {
    Function::new_no_args("").unchecked_into()
}

fn options(js: &str) -> JsValue {
    Function::new_no_args(&format!("return {js};"))
        .call0(&JsValue::NULL)
        .unwrap()
}

/// The `kind` and `message` of the Error that `WasmClient::new` throws.
fn refusal(url: &str, opts: &str) -> (String, String) {
    let e = WasmClient::new(url, options(opts), sink(), None)
        .err()
        .expect("WasmClient::new should throw");
    assert!(e.is_instance_of::<js_sys::Error>());
    (
        get(&e, "kind").as_string().unwrap(),
        get(&e, "message").as_string().unwrap(),
    )
}

#[wasm_bindgen_test]
fn tcp_schemes_are_refused_with_the_websocket_way_out() {
    for url in [
        "mqtt://broker:1883",
        "mqtts://broker:8883",
        "tcp://127.0.0.1:1883",
    ] {
        let (kind, msg) = refusal(url, "{}");
        assert_eq!(kind, "invalid_url");
        assert!(
            msg.contains("browsers can only open WebSocket connections: use ws:// or wss://"),
            "{msg}"
        );
        assert!(msg.contains("/mqtt"), "{msg}");
    }
}

#[wasm_bindgen_test]
fn urls_without_scheme_or_host_are_refused() {
    assert_eq!(refusal("localhost:8080", "{}").0, "invalid_url");
    assert_eq!(refusal("ws://", "{}").0, "invalid_url");
    assert_eq!(refusal("ftp://x", "{}").0, "invalid_url");
}

#[wasm_bindgen_test]
fn websocket_urls_are_normalised() {
    assert_eq!(
        check_broker_url("ws://Example.com:8080/mqtt").unwrap(),
        "ws://example.com:8080/mqtt"
    );
    assert_eq!(check_broker_url("https://h/mqtt").unwrap(), "wss://h/mqtt");
    // The test page is served over http://, so ws:// is not mixed content here.
    assert_eq!(check_broker_url("http://h:1/").unwrap(), "ws://h:1/");
}

#[wasm_bindgen_test]
fn invalid_options_are_refused_with_the_field_named() {
    let url = "ws://127.0.0.1:9/mqtt";
    let cases = [
        (
            "{ protocolVersion: 6 }",
            "protocolVersion must be 4 (MQTT 3.1.1), 5 (MQTT 5.0) or 3",
        ),
        (
            "{ keepalive: 70000 }",
            "keepalive must be a whole number from 0 to 65535",
        ),
        (
            "{ reconnectPeriod: -1 }",
            "reconnectPeriod must be a whole number",
        ),
        ("{ clientId: 5 }", "clientId must be a string"),
        (
            "{ clean: false, clientId: '' }",
            "a persistent session (clean: false) needs a clientId",
        ),
        ("{ will: 'x' }", "will must be an object"),
        ("{ will: { payload: 'x' } }", "will.topic must be a string"),
        (
            "{ will: { topic: 'a/#' } }",
            "the CONNECT these options make is invalid",
        ),
        (
            "{ properties: { sessionExpiryInterval: 5 } }",
            "set protocolVersion: 5",
        ),
        (
            "{ protocolVersion: 4, password: 'p' }",
            "the CONNECT these options make is invalid",
        ),
        ("'fast'", "options must be an object"),
    ];
    for (opts, want) in cases {
        let (kind, msg) = refusal(url, opts);
        assert_eq!(kind, "invalid_option", "{opts}");
        assert!(msg.contains(want), "{opts}: {msg}");
    }
}

#[wasm_bindgen_test]
fn a_valid_client_reports_its_settings_and_opens_nothing_before_start() {
    let c = WasmClient::new(
        "ws://127.0.0.1:9/mqtt",
        options(
            "{ protocolVersion: 5, clientId: 'me', properties: { sessionExpiryInterval: 60 } }",
        ),
        sink(),
        None,
    )
    .unwrap();
    assert_eq!(c.client_id(), "me");
    assert_eq!(c.protocol_version(), 5);
    assert_eq!(c.state(), "idle");
    assert_eq!(c.url(), "ws://127.0.0.1:9/mqtt");
    let generated = WasmClient::new("ws://h/", JsValue::UNDEFINED, sink(), None).unwrap();
    assert!(generated.client_id().starts_with("mqttlab_"));
    assert_eq!(generated.client_id().len(), "mqttlab_".len() + 8);
    assert_eq!(generated.protocol_version(), 4, "MQTT.js defaults to 3.1.1");
}

#[wasm_bindgen_test]
fn commands_with_invalid_arguments_throw_with_a_kind() {
    let c = WasmClient::new("ws://127.0.0.1:9/", JsValue::UNDEFINED, sink(), None).unwrap();
    let e = c
        .publish("a/+", JsValue::from_str("x"), 0, false, JsValue::UNDEFINED)
        .unwrap_err();
    assert_eq!(get(&e, "kind").as_string().unwrap(), "invalid_topic");
    let e = c
        .publish("a", JsValue::from_str("x"), 3, false, JsValue::UNDEFINED)
        .unwrap_err();
    assert_eq!(get(&e, "kind").as_string().unwrap(), "invalid_option");
    let e = c.unsubscribe(vec![], JsValue::UNDEFINED).unwrap_err();
    assert_eq!(get(&e, "kind").as_string().unwrap(), "invalid_filter");
    // Offline, a valid publish waits in the queue and gets a token.
    let t = c
        .publish("a", JsValue::from_str("x"), 1, false, JsValue::UNDEFINED)
        .unwrap();
    assert!(t >= 1.0);
    assert_eq!(c.queued(), 1);
}
