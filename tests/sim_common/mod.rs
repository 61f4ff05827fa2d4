//! Helpers shared by the simulation tests.
#![allow(dead_code)]

use mqtt_lab::broker::BrokerConfig;
use mqtt_lab::client::{ClientOptions, Event, PublishOptions, ReconnectPolicy};
use mqtt_lab::codec::{Properties, ProtocolVersion, QoS, SubscriptionOptions};
use mqtt_lab::sim::{ClientSpec, LinkConfig, PeerId, SimEvent, Simulation};

pub const V3: ProtocolVersion = ProtocolVersion::V3_1_1;
pub const V5: ProtocolVersion = ProtocolVersion::V5;

/// Options that reconnect quickly and without jitter.
pub fn opts(v: ProtocolVersion, id: &str) -> ClientOptions {
    let mut o = ClientOptions::new(v, id);
    o.reconnect = ReconnectPolicy {
        initial_delay_ms: 100,
        max_delay_ms: 1_000,
        jitter: 0.0,
        max_attempts: None,
    };
    o.auto_topic_alias = false;
    o.keep_alive = 10;
    o
}

/// Persistent-session options (3.1.1 Clean Session 0; 5.0 with a session expiry).
pub fn persistent(v: ProtocolVersion, id: &str) -> ClientOptions {
    let mut o = opts(v, id);
    o.clean_start = false;
    o.properties.session_expiry_interval = Some(3_600);
    o
}

pub fn sim() -> Simulation {
    Simulation::new(BrokerConfig::default(), 42)
}

/// Adds a client core and connects it.
pub fn add(s: &mut Simulation, label: &str, o: ClientOptions, link: LinkConfig) -> PeerId {
    let p = s.add_client(ClientSpec::client(label, o, link));
    s.connect(p).unwrap();
    p
}

pub fn sub(s: &mut Simulation, p: PeerId, filter: &str, qos: QoS) {
    let o = SubscriptionOptions {
        qos,
        ..Default::default()
    };
    s.subscribe(p, vec![(filter.into(), o)], Properties::default())
        .unwrap();
}

pub fn publish(s: &mut Simulation, p: PeerId, topic: &str, payload: &str, qos: QoS, retain: bool) {
    let o = PublishOptions {
        qos,
        retain,
        properties: Properties::default(),
    };
    s.publish(p, topic, payload.as_bytes().to_vec(), o).unwrap();
}

/// Drains the event log.
pub fn drain(s: &mut Simulation) -> Vec<SimEvent> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

/// The payloads `p` received in `log`, in order.
pub fn received(log: &[SimEvent], p: PeerId) -> Vec<String> {
    log.iter()
        .filter_map(|e| match e {
            SimEvent::Client {
                peer,
                event: Event::Message(m),
                ..
            } if *peer == p => Some(String::from_utf8_lossy(&m.payload).into_owned()),
            _ => None,
        })
        .collect()
}

/// Whether `p` is connected (CONNACK accepted).
pub fn is_connected(s: &Simulation, p: PeerId) -> bool {
    matches!(
        s.snapshot().peers[p.0].state,
        mqtt_lab::sim::PeerState::Client(mqtt_lab::client::ConnectionState::Connected)
    )
}
