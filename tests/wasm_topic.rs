//! The topic layer's JavaScript API, run in a browser by wasm-bindgen-test.
#![cfg(target_arch = "wasm32")]

use js_sys::Reflect;
use mqtt_lab::web::topic::{
    check_topic_filter, check_topic_name, explain_match, topic_matches, TopicRouter,
};
use wasm_bindgen::{JsCast, JsError, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap()
}

fn message(e: JsError) -> String {
    let v: JsValue = e.into();
    String::from(v.dyn_into::<js_sys::Error>().unwrap().message())
}

#[wasm_bindgen_test]
fn topic_matches_follows_the_spec() {
    // 3.1.1 §4.7.1.2: "sport/#" matches "sport"; [MQTT-4.7.2-1]: "#" skips "$SYS/...".
    assert!(topic_matches("sport/#", "sport"));
    assert!(topic_matches("+/+", "/finance"));
    assert!(!topic_matches("+", "/finance"));
    assert!(!topic_matches("#", "$SYS/uptime"));
}

#[wasm_bindgen_test]
fn checks_explain_invalid_filters_and_names() {
    assert_eq!(check_topic_filter("a/+/#"), None);
    assert_eq!(
        check_topic_filter("a/#/b").as_deref(),
        Some("'#' must be the last level of a filter, on its own: 'a/#/b' has it at level 2")
    );
    assert_eq!(check_topic_name("a/b"), None);
    assert!(check_topic_name("a/+").unwrap().contains("wildcard '+'"));
}

#[wasm_bindgen_test]
fn explain_match_returns_levels_as_objects() {
    let e = explain_match("home/+/temp", "home/kitchen/temp").unwrap();
    assert_eq!(get(&e, "matches"), JsValue::TRUE);
    let levels: js_sys::Array = get(&e, "levels").dyn_into().unwrap();
    assert_eq!(levels.length(), 3);
    let second = levels.get(1);
    assert_eq!(get(&second, "level").as_f64(), Some(2.0));
    assert_eq!(get(&second, "filter").as_string().as_deref(), Some("+"));
    assert_eq!(
        get(&second, "topic").as_string().as_deref(),
        Some("kitchen")
    );
    assert_eq!(get(&second, "ok"), JsValue::TRUE);
    assert_eq!(
        get(&second, "text").as_string().as_deref(),
        Some("level 2: '+' matches any one level: 'kitchen'")
    );
    let ended = explain_match("a/b", "a").unwrap();
    let last = js_sys::Array::from(&get(&ended, "levels")).get(1);
    assert!(get(&last, "topic").is_undefined());
    assert!(get(&ended, "summary")
        .as_string()
        .unwrap()
        .contains("does not match"));
}

#[wasm_bindgen_test]
fn router_subscribes_matches_and_unsubscribes() {
    let mut r = TopicRouter::new();
    assert!(r.subscribe(1, "home/+/temp", 0).unwrap());
    assert!(r.subscribe(2, "home/#", 1).unwrap());
    assert!(!r.subscribe(2, "home/#", 2).unwrap());
    r.subscribe(3, "garden/#", 0).unwrap();
    assert_eq!(r.size(), 3);
    // Each client once; the order of ordinary subscribers is not promised.
    let mut both = r.match_topic("home/kitchen/temp").unwrap().to_vec();
    both.sort_unstable();
    assert_eq!(both, [1, 2]);
    assert_eq!(r.match_count("home/kitchen/temp").unwrap(), 2);
    assert_eq!(r.match_count("garden").unwrap(), 1);
    assert!(r.unsubscribe(2, "home/#"));
    assert!(!r.unsubscribe(2, "home/#"));
    assert_eq!(r.match_topic("home/kitchen/temp").unwrap().to_vec(), [1]);
    assert_eq!(r.unsubscribe_all(1), 1);
    assert_eq!(r.unsubscribe_all(3), 1);
    assert_eq!((r.size(), r.node_count()), (0, 0));
}

#[wasm_bindgen_test]
fn router_throws_readable_errors() {
    let mut r = TopicRouter::new();
    let e = r.subscribe(1, "sport+", 0).unwrap_err();
    assert!(message(e).starts_with("'+' must fill a whole level"));
    let e = r.subscribe(1, "a", 3).unwrap_err();
    assert_eq!(message(e), "QoS must be 0, 1 or 2, not 3");
    let e = r.match_topic("a/#").unwrap_err();
    assert!(message(e).contains("must not contain the wildcard '#'"));
    assert_eq!(r.size(), 0);
}
