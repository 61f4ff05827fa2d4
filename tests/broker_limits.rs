#![cfg(not(target_arch = "wasm32"))]
//! Retained messages, topic aliases, Receive Maximum and Maximum Packet Size
//! both ways, and protocol violations that close only the offending connection.

mod broker_common;
use broker_common::*;
use mqtt_lab::broker::{BrokerConfig, BrokerEvent, DropReason};
use mqtt_lab::codec::{
    Packet, Properties, Publish, QoS, ReasonCode, RetainHandling, Subscribe, SubscribeFilter,
    SubscriptionOptions,
};

fn publish(topic: &str, payload: &[u8], qos: QoS, id: u16, props: Properties) -> Packet {
    Packet::Publish(Publish {
        qos,
        topic: topic.into(),
        packet_id: id,
        payload: payload.to_vec().into(),
        properties: props,
        ..Publish::default()
    })
}

fn retained(topic: &str, payload: &str) -> Packet {
    let mut p = publish(
        topic,
        payload.as_bytes(),
        QoS::AtLeastOnce,
        1,
        Properties::default(),
    );
    if let Packet::Publish(x) = &mut p {
        x.retain = true;
    }
    p
}

fn subscribe(filter: &str, options: SubscriptionOptions) -> Packet {
    Packet::Subscribe(Subscribe {
        packet_id: 1,
        filters: vec![SubscribeFilter {
            filter: filter.into(),
            options,
        }],
        properties: Properties::default(),
    })
}

fn alias(n: u16) -> Properties {
    Properties {
        topic_alias: Some(n),
        ..Properties::default()
    }
}

fn disconnect_code(got: &[Packet]) -> Option<ReasonCode> {
    got.iter().find_map(|p| match p {
        Packet::Disconnect(d) => Some(d.reason_code),
        _ => None,
    })
}

fn retained_payloads(got: &[Packet]) -> Vec<(String, bool)> {
    got.iter()
        .filter_map(|p| match p {
            Packet::Publish(p) => Some((String::from_utf8_lossy(&p.payload).into(), p.retain)),
            _ => None,
        })
        .collect()
}

#[test]
fn retained_message_is_set_replaced_deleted_and_sent_on_subscribe() {
    let mut net = Net::default_net();
    let p = net.raw_connected(V3, "p", true);
    net.send(p, &retained("r/1", "first"));
    net.send(p, &retained("r/1", "second"));
    net.send(p, &retained("r/2", "other"));
    net.send(p, &retained("r/2", ""));
    assert_eq!(net.broker.retained().len(), 1);
    let s = net.raw_connected(V3, "s", true);
    net.send(s, &subscribe("r/#", sub(QoS::AtLeastOnce)));
    // [MQTT-3.3.1-5] [MQTT-3.3.1-6] [MQTT-3.3.1-8] (3.1.1): the last retained
    // message, RETAIN set; [MQTT-3.3.1-10] [MQTT-3.3.1-11]: empty one deletes.
    let got = net.recv(s);
    assert!(matches!(got[0], Packet::SubAck(_)));
    assert_eq!(retained_payloads(&got), [("second".into(), true)]);
}

#[test]
fn retain_handling_0_1_2() {
    let mut net = Net::default_net();
    let p = net.raw_connected(V5, "p", true);
    net.send(p, &retained("h", "kept"));
    let s = net.raw_connected(V5, "s", true);
    let rh = |r| SubscriptionOptions {
        retain_handling: r,
        ..sub(QoS::AtMostOnce)
    };
    // [MQTT-3.3.1-9] (5.0): 0 sends at every subscribe.
    net.send(s, &subscribe("h", rh(RetainHandling::SendAtSubscribe)));
    net.send(s, &subscribe("h", rh(RetainHandling::SendAtSubscribe)));
    assert_eq!(retained_payloads(&net.recv(s)).len(), 2);
    // [MQTT-3.3.1-10] (5.0): 1 only when the subscription is new.
    net.send(s, &subscribe("h", rh(RetainHandling::SendIfNew)));
    assert!(retained_payloads(&net.recv(s)).is_empty());
    net.send(s, &subscribe("h/#", rh(RetainHandling::SendIfNew)));
    assert_eq!(retained_payloads(&net.recv(s)), [("kept".into(), true)]);
    // [MQTT-3.3.1-11] (5.0): 2 never.
    net.send(s, &subscribe("+", rh(RetainHandling::DoNotSend)));
    assert!(retained_payloads(&net.recv(s)).is_empty());
}

#[test]
fn topic_alias_from_the_client_is_resolved_per_connection() {
    let mut net = Net::default_net();
    let s = net.raw_connected(V5, "s", true);
    net.send(s, &subscribe("long/topic", sub(QoS::AtMostOnce)));
    net.recv(s);
    let p = net.raw_connected(V5, "p", true);
    net.send(
        p,
        &publish("long/topic", b"1", QoS::AtMostOnce, 0, alias(3)),
    );
    net.send(p, &publish("", b"2", QoS::AtMostOnce, 0, alias(3)));
    let got = net.recv(s);
    let topics: Vec<_> = got
        .iter()
        .filter_map(|p| match p {
            Packet::Publish(p) => Some((p.topic.clone(), p.properties.topic_alias)),
            _ => None,
        })
        .collect();
    // [MQTT-3.3.2-12] (5.0); the alias is not forwarded.
    assert_eq!(
        topics,
        [("long/topic".into(), None), ("long/topic".into(), None)]
    );
    // Another connection does not share the mapping.
    let q = net.raw_connected(V5, "q", true);
    net.send(q, &publish("", b"3", QoS::AtMostOnce, 0, alias(3)));
    assert_eq!(
        disconnect_code(&net.recv(q)),
        Some(ReasonCode::PROTOCOL_ERROR)
    );
}

#[test]
fn topic_alias_above_the_maximum_is_refused_with_0x94() {
    let mut net = Net::default_net();
    let p = net.raw_connected(V5, "p", true);
    net.send(p, &publish("t", b"x", QoS::AtMostOnce, 0, alias(17)));
    // [MQTT-3.3.2-10] (5.0)
    assert_eq!(
        disconnect_code(&net.recv(p)),
        Some(ReasonCode::TOPIC_ALIAS_INVALID)
    );
    assert!(net.is_closed(p));
}

#[test]
fn client_exceeding_the_brokers_receive_maximum_is_disconnected_with_0x93() {
    let cfg = BrokerConfig {
        receive_maximum: 2,
        ..BrokerConfig::default()
    };
    let mut net = Net::new(cfg);
    let p = net.raw_connected(V5, "p", true);
    for id in 1..=3 {
        net.send(
            p,
            &publish("t", b"x", QoS::ExactlyOnce, id, Properties::default()),
        );
    }
    let got = net.recv(p);
    assert_eq!(
        disconnect_code(&got),
        Some(ReasonCode::RECEIVE_MAXIMUM_EXCEEDED)
    );
}

#[test]
fn broker_sends_no_more_than_the_clients_receive_maximum() {
    let mut net = Net::default_net();
    let s = net.raw(V5);
    let mut c = connect(V5, "s", true);
    if let Packet::Connect(x) = &mut c {
        x.properties.receive_maximum = Some(2);
    }
    net.send(s, &c);
    net.send(s, &subscribe("w", sub(QoS::AtLeastOnce)));
    net.recv(s);
    let p = net.raw_connected(V5, "p", true);
    for id in 1..=5 {
        net.send(
            p,
            &publish("w", b"x", QoS::AtLeastOnce, id, Properties::default()),
        );
    }
    // [MQTT-3.3.4-9] (5.0)
    let got = net.recv(s);
    assert_eq!(got.len(), 2);
    let ids: Vec<u16> = got
        .iter()
        .filter_map(|p| match p {
            Packet::Publish(p) => Some(p.packet_id),
            _ => None,
        })
        .collect();
    net.send(
        s,
        &Packet::PubAck(mqtt_lab::codec::PubResponse::new(ids[0])),
    );
    assert_eq!(net.recv(s).len(), 1);
}

#[test]
fn packet_larger_than_the_brokers_maximum_is_refused_with_0x95() {
    let cfg = BrokerConfig {
        max_packet_size: 100,
        ..BrokerConfig::default()
    };
    let mut net = Net::new(cfg);
    let p = net.raw_connected(V5, "p", true);
    net.send(
        p,
        &publish("t", &[0; 200], QoS::AtMostOnce, 0, Properties::default()),
    );
    assert_eq!(
        disconnect_code(&net.recv(p)),
        Some(ReasonCode::PACKET_TOO_LARGE)
    );
    assert!(net.is_closed(p));
}

#[test]
fn message_larger_than_the_clients_maximum_is_dropped_for_that_client() {
    let mut net = Net::default_net();
    let small = net.raw(V5);
    let mut c = connect(V5, "small", true);
    if let Packet::Connect(x) = &mut c {
        x.properties.maximum_packet_size = Some(50);
    }
    net.send(small, &c);
    net.send(small, &subscribe("big", sub(QoS::AtLeastOnce)));
    net.recv(small);
    let big = net.raw_connected(V5, "big", true);
    net.send(big, &subscribe("big", sub(QoS::AtLeastOnce)));
    net.recv(big);
    let p = net.raw_connected(V5, "p", true);
    net.send(
        p,
        &publish("big", &[7; 100], QoS::AtLeastOnce, 1, Properties::default()),
    );
    net.send(
        p,
        &publish("big", b"ok", QoS::AtLeastOnce, 2, Properties::default()),
    );
    // [MQTT-3.1.2-24] [MQTT-3.1.2-25] (5.0)
    assert_eq!(retained_payloads(&net.recv(small)).len(), 1);
    assert_eq!(retained_payloads(&net.recv(big)).len(), 2);
    assert_eq!(
        net.count(|e| matches!(
            e,
            BrokerEvent::MessageDropped {
                why: DropReason::PacketTooLarge,
                ..
            }
        )),
        1
    );
}

/// Each violation closes its own connection; two clients keep talking.
#[test]
fn every_protocol_violation_closes_only_the_offending_connection() {
    let mut net = Net::default_net();
    let a = net.add(opts(V5, "a"));
    let b = net.add(opts(V3, "b"));
    net.subscribe(b, "live", sub(QoS::AtLeastOnce));
    let cases: Vec<(mqtt_lab::codec::ProtocolVersion, Vec<u8>, Option<u8>)> = vec![
        // Reserved packet type 0 (malformed).
        (V5, vec![0x00, 0x00], Some(0x81)),
        // PUBLISH QoS 3 [MQTT-3.3.1-4].
        (V3, vec![0x36, 0x03, 0x00, 0x01, b'a'], None),
        // PUBREL with flags 0000 [MQTT-3.6.1-1].
        (V5, vec![0x60, 0x02, 0x00, 0x01], Some(0x81)),
        // Wildcard in a topic name [MQTT-3.3.2-2].
        (V5, vec![0x30, 0x04, 0x00, 0x01, b'#', 0x00], Some(0x90)),
        // CONNACK from a client.
        (V5, vec![0x20, 0x03, 0x00, 0x00, 0x00], Some(0x82)),
        // AUTH with no method.
        (V5, vec![0xF0, 0x00], Some(0x82)),
        // SUBSCRIBE with no filter [MQTT-3.8.3-3].
        (V3, vec![0x82, 0x02, 0x00, 0x01], None),
        // Remaining Length over four bytes.
        (V5, vec![0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], Some(0x81)),
    ];
    for (i, (v, bytes, code)) in cases.into_iter().enumerate() {
        let c = net.raw_connected(v, &format!("bad{i}"), true);
        net.send_bytes(c, &bytes);
        assert!(net.is_closed(c), "case {i}");
        // [MQTT-4.13.1-1] (5.0): DISCONNECT with the reason; 3.1.1 [MQTT-4.8.0-1]: just close.
        let got = net.recv(c);
        assert_eq!(
            disconnect_code(&got).map(|r| r.0),
            code,
            "case {i}: {got:?}"
        );
        net.publish(a, "live", &i.to_string(), QoS::AtLeastOnce, false);
        assert_eq!(net.take(b), [i.to_string()]);
    }
    assert!(net.connected(a) && net.connected(b));
}
