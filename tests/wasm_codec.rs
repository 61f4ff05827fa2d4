//! The codec's JavaScript API (decode, encode, annotate, Parser), run in a
//! browser by wasm-bindgen-test.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Object, Reflect, Uint8Array};
use mqtt_lab::web::{annotate, decode, encode, reason_code_name, Parser};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap()
}

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

fn v(level: u8) -> JsValue {
    obj(&[("protocolVersion", JsValue::from(level))])
}

#[wasm_bindgen_test]
fn decode_gives_an_mqtt_packet_shaped_publish() {
    // QoS 1 PUBLISH "a/b", id 10, payload "hi" (3.1.1).
    let bytes = [
        0x32, 0x09, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x0A, b'h', b'i',
    ];
    let p = decode(&bytes, v(4)).unwrap();
    assert_eq!(get(&p, "cmd"), "publish");
    assert_eq!(get(&p, "topic"), "a/b");
    assert_eq!(get(&p, "qos"), 1);
    assert_eq!(get(&p, "messageId"), 10);
    assert_eq!(get(&p, "retain"), false);
    let payload: Uint8Array = get(&p, "payload").dyn_into().unwrap();
    assert_eq!(payload.to_vec(), b"hi");
}

#[wasm_bindgen_test]
fn encode_then_decode_keeps_v5_properties() {
    let up = obj(&[("room", JsValue::from("kitchen"))]);
    let props = obj(&[
        ("userProperties", up),
        ("messageExpiryInterval", JsValue::from(60)),
        ("contentType", JsValue::from("text/plain")),
    ]);
    let packet = obj(&[
        ("cmd", JsValue::from("publish")),
        ("topic", JsValue::from("home/temp")),
        ("payload", JsValue::from("21.5")),
        ("qos", JsValue::from(0)),
        ("properties", props),
    ]);
    let bytes = encode(packet, v(5)).unwrap();
    let back = decode(&bytes.to_vec(), v(5)).unwrap();
    let p = get(&back, "properties");
    assert_eq!(get(&p, "messageExpiryInterval"), 60);
    assert_eq!(get(&p, "contentType"), "text/plain");
    assert_eq!(get(&get(&p, "userProperties"), "room"), "kitchen");
}

#[wasm_bindgen_test]
fn decode_errors_are_errors_with_a_reason_code() {
    // [MQTT-3.3.1-4]: QoS 3 is malformed.
    let err = decode(&[0x36, 0x05, 0x00, 0x01, b'a', 0x00, 0x01], v(4)).unwrap_err();
    let e: js_sys::Error = err.dyn_into().unwrap();
    assert!(String::from(e.message()).contains("QoS"));
    assert_eq!(get(&e, "reasonCode"), 0x81);
    assert_eq!(get(&e, "specRef"), "MQTT-3.3.1-4");
}

#[wasm_bindgen_test]
fn encode_names_the_field_that_is_wrong() {
    let packet = obj(&[
        ("cmd", JsValue::from("publish")),
        ("topic", JsValue::from(7)),
    ]);
    let e: js_sys::Error = encode(packet, v(4)).unwrap_err().dyn_into().unwrap();
    assert!(
        String::from(e.message()).contains("topic"),
        "{}",
        String::from(e.message())
    );
    let bad = obj(&[
        ("cmd", JsValue::from("publish")),
        ("topic", JsValue::from("a/+")),
    ]);
    assert!(
        encode(bad, v(4)).is_err(),
        "[MQTT-3.3.2-2] wildcards in a topic name"
    );
}

#[wasm_bindgen_test]
fn annotate_marks_the_bytes_at_fault() {
    // A 3.1.1 PUBLISH whose topic is "+" [MQTT-3.3.2-2].
    let a = annotate(&[0x30, 0x03, 0x00, 0x01, b'+'], v(4)).unwrap();
    let fields = Array::from(&get(&a, "fields"));
    assert!(fields.length() >= 3);
    let err = get(&a, "error");
    assert_eq!(get(&err, "reasonCode"), 0x90);
    assert_eq!(get(&err, "start"), 4);
    assert_eq!(get(&err, "end"), 5);
    assert!(get(&a, "packet").is_undefined());
}

#[wasm_bindgen_test]
fn parser_reassembles_packets_split_across_chunks() {
    let mut p = Parser::new(v(4)).unwrap();
    let bytes = [
        0xD0, 0x00, 0x32, 0x09, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x0A, b'h', b'i',
    ];
    let mut got = Vec::new();
    for chunk in bytes.chunks(3) {
        for pkt in p.parse(chunk).unwrap().iter() {
            got.push(get(&pkt, "cmd").as_string().unwrap());
        }
    }
    assert_eq!(got, ["pingresp", "publish"]);
    assert_eq!(p.buffered(), 0);
}

#[wasm_bindgen_test]
fn reason_codes_have_their_spec_names() {
    assert_eq!(
        reason_code_name(0x87, Some("suback".into())),
        "Not authorized"
    );
    assert_eq!(
        reason_code_name(0x00, Some("disconnect".into())),
        "Normal disconnection"
    );
    assert_eq!(
        reason_code_name(0x00, Some("suback".into())),
        "Granted QoS 0"
    );
}
