#![cfg(not(target_arch = "wasm32"))]
//! CONNECT, CONNACK, extended authentication, keepalive and connect timeout.

mod client_common;
use client_common::{hex, Harness};

use bytes::Bytes;
use mqtt_lab::client::{
    Authenticator, ClientError, ClientOptions, CloseReason, ConnectionState, Event, ReconnectPolicy,
};
use mqtt_lab::codec::{
    Auth, ConnAck, LastWill, Packet, Properties, ProtocolVersion, QoS, ReasonCode,
};

fn full_options(protocol: ProtocolVersion) -> ClientOptions {
    ClientOptions {
        username: Some("u".into()),
        password: Some(Bytes::from_static(b"p")),
        will: Some(LastWill {
            topic: "w".into(),
            payload: Bytes::from_static(b"bye"),
            qos: QoS::AtLeastOnce,
            retain: false,
            properties: Properties::default(),
        }),
        ..ClientOptions::new(protocol, "c1")
    }
}

#[test]
fn connect_v311_bytes_with_will_username_password() {
    // [MQTT-3.1.2-9] will flag and fields; [MQTT-3.1.2-19] [MQTT-3.1.2-21] user name, password.
    let mut h = Harness::open(full_options(ProtocolVersion::V3_1_1));
    h.expect_sent(
        "10 1C 00 04 4D 51 54 54 04 CE 00 3C 00 02 63 31 00 01 77 00 03 62 79 65 00 01 75 00 01 70",
    );
    assert_eq!(h.client.state(), ConnectionState::Connecting);
}

#[test]
fn connect_v5_bytes_with_properties_and_will_properties() {
    let mut o = full_options(ProtocolVersion::V5);
    o.properties.session_expiry_interval = Some(3600);
    o.properties.receive_maximum = Some(10);
    let will = o.will.as_mut().unwrap();
    will.qos = QoS::AtMostOnce;
    will.properties.will_delay_interval = Some(5);
    let mut h = Harness::open(o);
    h.expect_sent(
        "10 2B 00 04 4D 51 54 54 05 C6 00 3C 08 11 00 00 0E 10 21 00 0A \
         00 02 63 31 05 18 00 00 00 05 00 01 77 00 03 62 79 65 00 01 75 00 01 70",
    );
}

#[test]
fn connack_accepted_reports_server_limits() {
    let mut h = Harness::open(ClientOptions::new(ProtocolVersion::V5, ""));
    h.sent();
    let props = Properties {
        receive_maximum: Some(20),
        topic_alias_maximum: Some(4),
        maximum_qos: Some(1),
        retain_available: Some(0),
        assigned_client_identifier: Some("auto-1".into()),
        server_keep_alive: Some(30),
        maximum_packet_size: Some(1024),
        ..Properties::default()
    };
    h.connack(false, props);
    let ev = h.events();
    let Event::Connected(c) = &ev[0] else {
        panic!("{ev:?}")
    };
    assert!(!c.session_present);
    assert_eq!(c.receive_maximum, 20);
    assert_eq!(c.topic_alias_maximum, 4);
    assert_eq!(c.maximum_qos, QoS::AtLeastOnce);
    assert!(!c.retain_available);
    assert_eq!(c.keep_alive, 30);
    assert_eq!(c.maximum_packet_size, Some(1024));
    assert_eq!(c.assigned_client_id.as_deref(), Some("auto-1"));
    assert_eq!(h.client.options().client_id, "auto-1");
    assert_eq!(h.client.state(), ConnectionState::Connected);
}

#[test]
fn connack_refused_v311_code_5_says_not_authorized() {
    let mut h = Harness::open(ClientOptions::new(ProtocolVersion::V3_1_1, "c"));
    h.sent();
    h.feed_raw(&hex("20 02 00 05"));
    let ev = h.events();
    assert_eq!(ev[0], Event::CloseTransport);
    let Event::ConnectionLost { error } = &ev[1] else {
        panic!("{ev:?}")
    };
    assert!(error.to_string().contains("not authorized"), "{error}");
    // Bad credentials are not retried.
    assert!(matches!(
        ev.last(),
        Some(Event::Closed {
            why: CloseReason::Fatal(ClientError::ConnectionRefused { .. })
        })
    ));
    assert_eq!(h.sent(), b"");
}

#[test]
fn connack_refused_v5_bad_user_name_or_password_in_words() {
    let mut h = Harness::open(ClientOptions::new(ProtocolVersion::V5, "c"));
    h.sent();
    h.feed_raw(&hex("20 03 00 86 00"));
    let ev = h.events();
    let Event::ConnectionLost { error } = &ev[1] else {
        panic!("{ev:?}")
    };
    assert_eq!(
        error.to_string(),
        "the server refused the connection: Bad User Name or Password"
    );
    assert_eq!(h.client.state(), ConnectionState::Idle);
}

#[test]
fn connack_refused_server_busy_is_retried() {
    let mut h = Harness::open(ClientOptions::new(ProtocolVersion::V5, "c"));
    h.feed(&Packet::ConnAck(ConnAck {
        reason_code: ReasonCode::SERVER_BUSY,
        ..ConnAck::default()
    }));
    let ev = h.events();
    assert!(
        matches!(ev.last(), Some(Event::Reconnecting { attempt: 1, .. })),
        "{ev:?}"
    );
}

#[test]
fn packets_before_connack_are_a_protocol_error() {
    // [MQTT-3.2.0-1]
    let mut h = Harness::open(ClientOptions::new(ProtocolVersion::V5, "c"));
    h.sent();
    h.feed(&Packet::PingResp);
    h.expect_sent("E0 01 82");
    assert!(matches!(
        h.events()[1],
        Event::ConnectionLost {
            error: ClientError::ProtocolViolation { .. }
        }
    ));
}

#[test]
fn keepalive_sends_pingreq_when_nothing_was_sent_for_keep_alive() {
    let mut o = ClientOptions::new(ProtocolVersion::V3_1_1, "c");
    o.keep_alive = 10;
    let mut h = Harness::connected(o);
    // [MQTT-3.1.2-23]: a control packet within each keep alive.
    assert_eq!(h.client.poll_timeout(), Some(10_000));
    h.timeout(9_999);
    assert_eq!(h.sent(), b"");
    h.timeout(10_000);
    h.expect_sent("C0 00");
    assert_eq!(h.client.poll_timeout(), Some(15_000));
    h.feed_raw(&hex("D0 00"));
    assert_eq!(h.client.poll_timeout(), Some(20_000));
}

#[test]
fn keepalive_lost_when_no_pingresp_within_half_keep_alive() {
    let mut o = ClientOptions::new(ProtocolVersion::V5, "c");
    o.keep_alive = 10;
    o.reconnect = ReconnectPolicy::off();
    let mut h = Harness::connected(o);
    h.timeout(10_000);
    h.expect_sent("C0 00");
    h.timeout(14_999);
    assert!(h.events().is_empty());
    h.timeout(15_000);
    let ev = h.events();
    assert_eq!(ev[0], Event::CloseTransport);
    let Event::ConnectionLost { error } = &ev[1] else {
        panic!("{ev:?}")
    };
    assert_eq!(error, &ClientError::KeepAliveTimeout { waited_ms: 5_000 });
    assert!(error.to_string().contains("no PINGRESP within 5000 ms"));
    assert_eq!(ev[2], Event::Offline);
    assert!(matches!(
        ev[3],
        Event::Closed {
            why: CloseReason::Lost(_)
        }
    ));
}

#[test]
fn keepalive_late_timer_call_pings_at_once_instead_of_declaring_loss() {
    // A throttled background tab: the timer for 10 s fires at 10 minutes.
    let mut o = ClientOptions::new(ProtocolVersion::V3_1_1, "c");
    o.keep_alive = 10;
    let mut h = Harness::connected(o);
    h.timeout(600_000);
    h.expect_sent("C0 00");
    assert!(h.events().is_empty());
    h.feed_raw(&hex("D0 00"));
    // The next call is late again, far past the PINGRESP deadline: still fine.
    h.timeout(1_200_000);
    h.expect_sent("C0 00");
    assert!(h.events().is_empty());
    assert_eq!(h.client.state(), ConnectionState::Connected);
}

#[test]
fn server_keep_alive_replaces_the_clients() {
    // [MQTT-3.2.2-21]
    let mut o = ClientOptions::new(ProtocolVersion::V5, "c");
    o.keep_alive = 60;
    let h = Harness::connected_with(
        o,
        Properties {
            server_keep_alive: Some(5),
            ..Properties::default()
        },
    );
    assert_eq!(h.client.poll_timeout(), Some(5_000));
}

#[test]
fn keep_alive_zero_arms_no_timer() {
    let mut o = ClientOptions::new(ProtocolVersion::V3_1_1, "c");
    o.keep_alive = 0;
    let h = Harness::connected(o);
    assert_eq!(h.client.poll_timeout(), None);
}

#[test]
fn connect_timeout_when_no_connack() {
    let mut o = ClientOptions::new(ProtocolVersion::V3_1_1, "c");
    o.connect_timeout_ms = 5_000;
    let mut h = Harness::open(o);
    assert_eq!(h.client.poll_timeout(), Some(5_000));
    h.timeout(5_000);
    let ev = h.events();
    assert_eq!(ev[0], Event::CloseTransport);
    assert_eq!(
        ev[1],
        Event::ConnectionLost {
            error: ClientError::ConnectTimeout { waited_ms: 5_000 }
        }
    );
    assert!(matches!(ev[2], Event::Reconnecting { attempt: 1, .. }));
}

struct Scram {
    steps: Vec<Option<Bytes>>,
}

impl Authenticator for Scram {
    fn start(&mut self) -> (String, Option<Bytes>) {
        ("SCRAM".into(), Some(Bytes::from_static(b"hi")))
    }
    fn step(&mut self, data: Option<Bytes>) -> Result<Option<Bytes>, String> {
        self.steps.push(data);
        Ok(Some(Bytes::from_static(b"proof")))
    }
}

#[test]
fn extended_auth_exchanges_auth_packets_before_connack() {
    // [MQTT-4.12.0-1]
    let mut client = mqtt_lab::client::Client::new(ClientOptions::new(ProtocolVersion::V5, "c"));
    client.set_authenticator(Box::new(Scram { steps: vec![] }));
    client.connect(0);
    let _ = client.poll_event();
    client.handle_connected(0);
    let mut h = Harness {
        client,
        version: ProtocolVersion::V5,
        now: 0,
    };
    let connect = h.sent_packets();
    let Packet::Connect(c) = &connect[0] else {
        panic!()
    };
    assert_eq!(c.properties.authentication_method.as_deref(), Some("SCRAM"));
    h.feed(&Packet::Auth(Auth {
        reason_code: ReasonCode::CONTINUE_AUTHENTICATION,
        properties: Properties {
            authentication_method: Some("SCRAM".into()),
            authentication_data: Some(Bytes::from_static(b"challenge")),
            ..Properties::default()
        },
    }));
    // AUTH 0x18, properties: method "SCRAM", data "proof".
    h.expect_sent("F0 12 18 10 15 00 05 53 43 52 41 4D 16 00 05 70 72 6F 6F 66");
    h.connack(false, Properties::default());
    assert!(matches!(h.events()[0], Event::Connected(_)));
}
