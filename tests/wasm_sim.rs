//! The simulation's JavaScript API (`Simulation`), run in a browser by wasm-bindgen-test.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Object, Reflect, Uint8Array};
use mqtt_lab::web::Simulation;
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

fn two_clients() -> Simulation {
    let mut sim = Simulation::new(obj(&[("seed", 3.into())])).unwrap();
    let link = obj(&[("latency", 25.into())]);
    for (id, v) in [("alice", 5), ("bob", 4)] {
        let o = obj(&[("clientId", id.into()), ("protocolVersion", v.into())]);
        sim.add_client(id, o, link.clone()).unwrap();
        sim.connect(id).unwrap();
    }
    sim.run_for(100.0);
    sim
}

#[wasm_bindgen_test]
fn a_message_goes_from_one_simulated_client_to_another() {
    let mut sim = two_clients();
    sim.subscribe("bob", "room/#".into(), obj(&[("qos", 1.into())]))
        .unwrap();
    sim.run_for(100.0);
    sim.publish("alice", "room/1", "hello".into(), obj(&[("qos", 1.into())]))
        .unwrap();
    let mut steps = 0;
    let mut got = None;
    let mut log = Vec::new();
    while got.is_none() && steps < 100 {
        sim.step().expect("something pending");
        steps += 1;
        for e in sim.drain_events().iter() {
            if get(&e, "type") == "client" && get(&e, "event") == "message" {
                let p: Uint8Array = get(&e, "payload").dyn_into().unwrap();
                got = Some((get(&e, "client"), get(&e, "topic"), p.to_vec()));
            }
            log.push(e);
        }
    }
    let (client, topic, payload) = got.expect("delivered");
    assert_eq!(client, "bob");
    assert_eq!(topic, "room/1");
    assert_eq!(payload, b"hello");
    // The PUBLISH travelled twice, as its own packet, in the codec's shape.
    let publishes: Vec<_> = log
        .iter()
        .filter(|e| get(e, "type") == "packetSent")
        .filter(|e| get(&get(e, "packet"), "cmd") == "publish")
        .collect();
    assert_eq!(publishes.len(), 2);
    assert_eq!(get(publishes[0], "from"), "alice");
    assert_eq!(get(publishes[0], "to"), "broker");
    assert_eq!(get(publishes[1], "to"), "bob");
    assert_eq!(get(&get(publishes[1], "packet"), "qos"), 1);
    let sent = get(publishes[0], "sentAt").as_f64().unwrap();
    let arrives = get(publishes[0], "arrivesAt").as_f64().unwrap();
    assert_eq!(arrives - sent, 25.0);
    assert!(get(publishes[0], "bytes").is_instance_of::<Uint8Array>());
}

#[wasm_bindgen_test]
fn the_snapshot_shows_clients_sessions_and_packets_in_flight() {
    let mut sim = two_clients();
    sim.subscribe("bob", "t".into(), JsValue::UNDEFINED)
        .unwrap();
    sim.run_for(10.0);
    let snap = sim.snapshot();
    assert_eq!(get(&snap, "now"), 110);
    let clients = Array::from(&get(&snap, "clients"));
    assert_eq!(clients.length(), 2);
    assert_eq!(get(&clients.get(0), "state"), "connected");
    let in_flight = Array::from(&get(&snap, "inFlight"));
    assert_eq!(in_flight.length(), 1);
    assert_eq!(get(&in_flight.get(0), "progress").as_f64(), Some(0.4));
    let sessions = Array::from(&get(&get(&snap, "broker"), "sessions"));
    assert_eq!(sessions.length(), 2);
}

#[wasm_bindgen_test]
fn faults_and_errors_are_reported() {
    let mut sim = two_clients();
    assert!(sim.cut_link("nobody").is_err());
    assert!(sim.drop_next("alice", "sideways", 1).is_err());
    sim.drain_events();
    sim.cut_link("alice").unwrap();
    sim.run_for(100.0);
    let events = sim.drain_events();
    let closed = events
        .iter()
        .any(|e| get(&e, "type") == "broker" && get(&e, "event") == "connectionClosed");
    assert!(closed);
}
