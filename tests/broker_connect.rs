#![cfg(not(target_arch = "wasm32"))]
//! CONNECT and CONNACK: identifiers, refusals, authentication, takeover,
//! session present, the CONNECT timeout and keep alive.

mod broker_common;
use broker_common::*;
use mqtt_lab::broker::{BrokerConfig, BrokerEvent, CloseReason, PasswordTable};
use mqtt_lab::codec::{Connect, Packet, ReasonCode};

fn connack(net: &mut Net, c: mqtt_lab::broker::ConnId) -> mqtt_lab::codec::ConnAck {
    match net.recv(c).into_iter().next() {
        Some(Packet::ConnAck(a)) => a,
        other => panic!("expected CONNACK, got {other:?}"),
    }
}

#[test]
fn empty_client_id_in_5_0_is_assigned_and_returned() {
    let mut net = Net::default_net();
    let c = net.raw(V5);
    net.send(c, &connect(V5, "", true));
    let a = connack(&mut net, c);
    assert_eq!(a.reason_code, ReasonCode::SUCCESS);
    // [MQTT-3.1.3-6] [MQTT-3.1.3-7] (5.0)
    let id = a
        .properties
        .assigned_client_identifier
        .expect("assigned id");
    assert!(net.broker.sessions().iter().any(|s| s.client_id == id));
}

#[test]
fn empty_client_id_in_3_1_1_needs_clean_session() {
    let mut net = Net::default_net();
    let ok = net.raw(V3);
    net.send(ok, &connect(V3, "", true));
    // [MQTT-3.1.3-6] (3.1.1): assigned internally, CONNACK says nothing of it.
    assert_eq!(hex(&net.recv_bytes(ok)), "20 02 00 00");
    let bad = net.raw(V3);
    net.send(bad, &connect(V3, "", false));
    // [MQTT-3.1.3-8] (3.1.1): 0x02 identifier rejected, then close.
    assert_eq!(hex(&net.recv_bytes(bad)), "20 02 00 02");
    assert!(net.is_closed(bad));
    assert!(!net.is_closed(ok));
}

#[test]
fn unsupported_protocol_level_is_refused_with_0x01() {
    let mut net = Net::default_net();
    let c = net.raw(V3);
    // CONNECT "MQTT" level 6.
    net.send_bytes(
        c,
        &[0x10, 0x0C, 0, 4, b'M', b'Q', b'T', b'T', 6, 2, 0, 0, 0, 0],
    );
    // [MQTT-3.1.2-2] (3.1.1)
    assert_eq!(hex(&net.recv_bytes(c)), "20 02 00 01");
    assert!(net.is_closed(c));
}

#[test]
fn first_packet_other_than_connect_closes_without_answer() {
    let mut net = Net::default_net();
    let c = net.raw(V3);
    net.send_bytes(c, &[0xC0, 0x00]); // PINGREQ
                                      // [MQTT-3.1.0-1]
    assert!(net.recv_bytes(c).is_empty());
    assert!(net.is_closed(c));
}

#[test]
fn second_connect_is_a_protocol_error() {
    let mut net = Net::default_net();
    let c5 = net.raw_connected(V5, "a", true);
    net.send(c5, &connect(V5, "a", true));
    // [MQTT-3.1.0-2]: 5.0 gets DISCONNECT 0x82 before the close.
    match net.recv(c5).as_slice() {
        [Packet::Disconnect(d)] => assert_eq!(d.reason_code, ReasonCode::PROTOCOL_ERROR),
        other => panic!("{other:?}"),
    }
    assert!(net.is_closed(c5));
    let c3 = net.raw_connected(V3, "b", true);
    net.send(c3, &connect(V3, "b", true));
    assert!(net.recv_bytes(c3).is_empty());
    assert!(net.is_closed(c3));
}

#[test]
fn password_table_refuses_bad_credentials_and_anonymous_clients() {
    let mut net = Net::default_net();
    net.broker
        .set_authenticator(Box::new(PasswordTable::new().with_user("ann", b"pw")));
    let with = |user: Option<&str>, pass: &[u8], v| {
        Packet::Connect(Box::new(Connect {
            protocol: v,
            client_id: "x".into(),
            username: user.map(Into::into),
            password: user.map(|_| pass.to_vec().into()),
            ..Connect::default()
        }))
    };
    for (v, bad, anon) in [(V3, "20 02 00 04", "20 02 00 05"), (V5, "86", "87")] {
        let c = net.raw(v);
        net.send(c, &with(Some("ann"), b"nope", v));
        let got = hex(&net.recv_bytes(c));
        assert!(got.starts_with("20") && got.contains(bad), "{got}");
        assert!(net.is_closed(c));
        let c = net.raw(v);
        net.send(c, &with(None, b"", v));
        let got = hex(&net.recv_bytes(c));
        assert!(got.contains(anon), "{got}");
        let c = net.raw(v);
        net.send(c, &with(Some("ann"), b"pw", v));
        assert!(matches!(net.recv(c).as_slice(), [Packet::ConnAck(a)] if a.reason_code.0 == 0));
    }
}

#[test]
fn refused_connack_has_session_present_0() {
    let mut net = Net::default_net();
    let c = net.raw_connected(V3, "keep", false);
    net.crash_raw(c);
    net.broker
        .set_authenticator(Box::new(PasswordTable::new().with_user("u", b"p")));
    let c = net.raw(V3);
    net.send(c, &connect(V3, "keep", false));
    // [MQTT-3.2.2-4] (3.1.1) / [MQTT-3.2.2-6] (5.0)
    assert_eq!(hex(&net.recv_bytes(c)), "20 02 00 05");
}

#[test]
fn session_present_reflects_a_stored_session() {
    let mut net = Net::default_net();
    for v in [V3, V5] {
        let persistent = |v| {
            let mut p = connect(v, "sp", false);
            if let Packet::Connect(c) = &mut p {
                c.properties.session_expiry_interval = Some(100);
            }
            p
        };
        let c = net.raw(v);
        net.send(c, &persistent(v));
        // [MQTT-3.2.2-2] (5.0): no session yet → 0.
        assert!(!connack(&mut net, c).session_present);
        net.crash_raw(c);
        let c = net.raw(v);
        net.send(c, &persistent(v));
        // [MQTT-3.2.2-2] (3.1.1) / [MQTT-3.2.2-3] (5.0): resumed → 1.
        assert!(connack(&mut net, c).session_present);
        net.crash_raw(c);
        let c = net.raw(v);
        net.send(c, &connect(v, "sp", true));
        // [MQTT-3.2.2-1] (3.1.1) / [MQTT-3.1.2-4] (5.0): clean → 0, old session gone.
        assert!(!connack(&mut net, c).session_present);
        net.crash_raw(c);
    }
}

#[test]
fn same_client_id_takes_the_session_over() {
    let mut net = Net::default_net();
    let old5 = net.raw_connected(V5, "dup", false);
    let new5 = net.raw_connected(V5, "dup", false);
    // [MQTT-3.1.4-3] (5.0): DISCONNECT 0x8E to the old connection, then close.
    match net.recv(old5).as_slice() {
        [Packet::Disconnect(d)] => assert_eq!(d.reason_code, ReasonCode::SESSION_TAKEN_OVER),
        other => panic!("{other:?}"),
    }
    assert!(net.is_closed(old5));
    assert!(!net.is_closed(new5));
    let old3 = net.raw_connected(V3, "dup3", true);
    let _new3 = net.raw_connected(V3, "dup3", true);
    // [MQTT-3.1.4-2] (3.1.1): the existing client is disconnected.
    assert!(net.recv_bytes(old3).is_empty());
    assert!(net.is_closed(old3));
    assert_eq!(
        net.count(|e| matches!(
            e,
            BrokerEvent::ConnectionClosed {
                reason: CloseReason::TakenOver,
                ..
            }
        )),
        2
    );
}

#[test]
fn a_transport_that_never_sends_connect_is_closed_after_the_timeout() {
    let mut net = Net::default_net();
    let c = net.raw(V3);
    net.advance(9_999);
    assert!(!net.is_closed(c));
    net.advance(1);
    assert!(net.is_closed(c));
}

#[test]
fn keep_alive_runs_out_after_one_and_a_half_times() {
    let mut net = Net::default_net();
    for v in [V3, V5] {
        let c = net.raw(v);
        let mut p = connect(v, &format!("ka{v:?}"), true);
        if let Packet::Connect(x) = &mut p {
            x.keep_alive = 10;
        }
        net.send(c, &p);
        net.recv(c);
        let start = net.now;
        net.advance(14_999);
        assert!(!net.is_closed(c));
        net.advance(1);
        // [MQTT-3.1.2-24] (3.1.1) / [MQTT-3.1.2-22] (5.0)
        assert!(net.is_closed(c));
        assert_eq!(net.now - start, 15_000);
        let got = net.recv(c);
        if v == V5 {
            assert!(
                matches!(got.as_slice(), [Packet::Disconnect(d)] if d.reason_code == ReasonCode::KEEP_ALIVE_TIMEOUT)
            );
        } else {
            assert!(got.is_empty());
        }
    }
}

#[test]
fn pingreq_gets_pingresp_and_keeps_the_connection() {
    let mut net = Net::default_net();
    let c = net.raw_connected(V3, "p", true);
    net.send_bytes(c, &[0xC0, 0x00]);
    // [MQTT-3.12.4-1]
    assert_eq!(hex(&net.recv_bytes(c)), "D0 00");
}

#[test]
fn connack_advertises_the_broker_limits_and_server_keep_alive() {
    let cfg = BrokerConfig {
        server_keep_alive: Some(30),
        maximum_qos: mqtt_lab::codec::QoS::AtLeastOnce,
        ..BrokerConfig::default()
    };
    let mut net = Net::new(cfg);
    let c = net.raw(V5);
    net.send(c, &connect(V5, "lim", true));
    let p = connack(&mut net, c).properties;
    assert_eq!(p.receive_maximum, Some(64));
    assert_eq!(p.maximum_qos, Some(1));
    assert_eq!(p.retain_available, Some(1));
    assert_eq!(p.maximum_packet_size, Some(1024 * 1024));
    assert_eq!(p.topic_alias_maximum, Some(16));
    assert_eq!(p.shared_subscription_available, Some(1));
    // [MQTT-3.1.2-21] (5.0): the client must use the Server Keep Alive.
    assert_eq!(p.server_keep_alive, Some(30));
}

#[test]
fn connections_beyond_the_limit_are_refused_as_busy() {
    let cfg = BrokerConfig {
        max_connections: 1,
        ..BrokerConfig::default()
    };
    let mut net = Net::new(cfg);
    let _a = net.raw_connected(V5, "a", true);
    let b = net.raw(V5);
    net.send(b, &connect(V5, "b", true));
    assert_eq!(connack(&mut net, b).reason_code, ReasonCode::SERVER_BUSY);
    assert!(net.is_closed(b));
}
