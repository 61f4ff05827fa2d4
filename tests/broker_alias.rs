#![cfg(not(target_arch = "wasm32"))]
//! Topic Aliases the broker assigns to its 5.0 subscribers (§3.3.2.3.4): the
//! exact PUBLISH bytes, the client's limit, the end of a connection, and the
//! client core resolving them end to end.

mod broker_common;
use broker_common::*;
use mqtt_lab::broker::{BrokerConfig, BrokerEvent, ConnId};
use mqtt_lab::codec::{
    Connect, Packet, Properties, ProtocolVersion, Publish, QoS, Subscribe, SubscribeFilter,
};

/// A CONNECT with a Topic Alias Maximum (5.0) and a session that outlives
/// the connection.
fn connect_with(v: ProtocolVersion, id: &str, clean: bool, alias_max: Option<u16>) -> Packet {
    Packet::Connect(Box::new(Connect {
        protocol: v,
        clean_start: clean,
        client_id: id.into(),
        properties: Properties {
            topic_alias_maximum: alias_max,
            session_expiry_interval: Some(60),
            ..Properties::default()
        },
        ..Connect::default()
    }))
}

/// A raw subscriber to `t/#` at `qos`; its CONNACK and SUBACK are drained.
fn subscriber(net: &mut Net, v: ProtocolVersion, alias_max: Option<u16>, qos: QoS) -> ConnId {
    let c = net.raw(v);
    net.send(c, &connect_with(v, "s", true, alias_max));
    net.send(
        c,
        &Packet::Subscribe(Subscribe {
            packet_id: 1,
            filters: vec![SubscribeFilter {
                filter: "t/#".into(),
                options: sub(qos),
            }],
            properties: Properties::default(),
        }),
    );
    net.recv_bytes(c);
    c
}

/// A raw publisher sending QoS `qos` messages with payload "x".
fn publish(net: &mut Net, p: ConnId, topic: &str, qos: QoS) {
    net.send(
        p,
        &Packet::Publish(Publish {
            qos,
            topic: topic.into(),
            packet_id: if qos == QoS::AtMostOnce { 0 } else { 9 },
            payload: b"x".to_vec().into(),
            ..Publish::default()
        }),
    );
    net.recv_bytes(p);
}

fn alias_of(p: &Packet) -> (String, Option<u16>) {
    match p {
        Packet::Publish(p) => (p.topic.clone(), p.properties.topic_alias),
        other => panic!("not a PUBLISH: {other:?}"),
    }
}

#[test]
fn the_first_publish_carries_topic_and_alias_later_ones_only_the_alias() {
    let mut net = Net::default_net();
    let s = subscriber(&mut net, V5, Some(2), QoS::AtMostOnce);
    let p = net.raw_connected(V5, "p", true);
    publish(&mut net, p, "t/a", QoS::AtMostOnce);
    // Topic "t/a", properties: Topic Alias (0x23) 1, payload "x".
    assert_eq!(
        hex(&net.recv_bytes(s)),
        "30 0A 00 03 74 2F 61 03 23 00 01 78"
    );
    publish(&mut net, p, "t/a", QoS::AtMostOnce);
    // An empty topic name and the alias.
    assert_eq!(hex(&net.recv_bytes(s)), "30 07 00 00 03 23 00 01 78");
}

#[test]
fn a_client_without_topic_alias_maximum_gets_no_alias() {
    // [MQTT-3.1.2-27] (5.0): absent or zero, no aliases.
    for max in [None, Some(0)] {
        let mut net = Net::default_net();
        let s = subscriber(&mut net, V5, max, QoS::AtMostOnce);
        let p = net.raw_connected(V5, "p", true);
        for _ in 0..2 {
            publish(&mut net, p, "t/a", QoS::AtMostOnce);
            assert_eq!(hex(&net.recv_bytes(s)), "30 07 00 03 74 2F 61 00 78");
        }
    }
}

#[test]
fn a_3_1_1_client_gets_no_alias() {
    let mut net = Net::default_net();
    let s = subscriber(&mut net, V3, None, QoS::AtMostOnce);
    let p = net.raw_connected(V5, "p", true);
    for _ in 0..2 {
        publish(&mut net, p, "t/a", QoS::AtMostOnce);
        assert_eq!(hex(&net.recv_bytes(s)), "30 06 00 03 74 2F 61 78");
    }
}

#[test]
fn the_broker_assigns_none_when_configured_not_to() {
    let cfg = BrokerConfig {
        assign_topic_aliases: false,
        ..BrokerConfig::default()
    };
    let mut net = Net::new(cfg);
    let s = subscriber(&mut net, V5, Some(10), QoS::AtMostOnce);
    let p = net.raw_connected(V5, "p", true);
    for _ in 0..2 {
        publish(&mut net, p, "t/a", QoS::AtMostOnce);
        assert_eq!(hex(&net.recv_bytes(s)), "30 07 00 03 74 2F 61 00 78");
    }
}

#[test]
fn aliases_stay_within_the_clients_maximum_reusing_the_least_recently_used() {
    // [MQTT-3.1.2-26] [MQTT-3.3.2-11] (5.0): never above the client's maximum.
    let mut net = Net::default_net();
    let s = subscriber(&mut net, V5, Some(2), QoS::AtMostOnce);
    let p = net.raw_connected(V5, "p", true);
    let mut got = Vec::new();
    for t in ["t/a", "t/b", "t/c", "t/b", "t/a", "t/a"] {
        publish(&mut net, p, t, QoS::AtMostOnce);
        got.extend(net.recv(s).iter().map(alias_of));
    }
    let want = [
        ("t/a", 1),
        ("t/b", 2),
        ("t/c", 1), // both taken: t/a, the least recently used, gives up 1
        ("", 2),
        ("t/a", 1), // t/c is now the least recently used
        ("", 1),
    ];
    let want: Vec<_> = want.iter().map(|&(t, a)| (t.to_owned(), Some(a))).collect();
    assert_eq!(got, want);
}

#[test]
fn a_new_connection_starts_without_aliases_even_when_the_session_resumes() {
    // [MQTT-3.3.2-7] (5.0): mappings do not carry over to another network connection.
    let mut net = Net::default_net();
    let s = subscriber(&mut net, V5, Some(2), QoS::AtLeastOnce);
    let p = net.raw_connected(V5, "p", true);
    publish(&mut net, p, "t/a", QoS::AtMostOnce);
    publish(&mut net, p, "t/a", QoS::AtMostOnce);
    assert_eq!(
        net.recv(s).iter().map(alias_of).collect::<Vec<_>>(),
        [("t/a".into(), Some(1)), (String::new(), Some(1))]
    );
    // A QoS 1 message the subscriber never acknowledges.
    publish(&mut net, p, "t/a", QoS::AtLeastOnce);
    assert_eq!(hex(&net.recv_bytes(s)), "32 09 00 00 00 01 03 23 00 01 78");
    net.crash_raw(s);

    let s2 = net.raw(V5);
    net.send(s2, &connect_with(V5, "s", false, Some(2)));
    let got = net.recv_bytes(s2);
    // CONNACK with Session Present, then the re-sent PUBLISH: DUP, the full
    // topic and no alias.
    let resent = "3A 09 00 03 74 2F 61 00 01 00 78";
    assert!(hex(&got).starts_with("20 "), "{}", hex(&got));
    assert!(hex(&got).ends_with(resent), "{}", hex(&got));
    // The next message to the topic announces the alias anew.
    publish(&mut net, p, "t/a", QoS::AtMostOnce);
    assert_eq!(
        hex(&net.recv_bytes(s2)),
        "30 0A 00 03 74 2F 61 03 23 00 01 78"
    );
}

#[test]
fn client_cores_receive_every_message_with_its_topic() {
    let cfg = BrokerConfig {
        trace_packets: true,
        ..BrokerConfig::default()
    };
    let mut net = Net::new(cfg);
    let mut o = opts(V5, "s");
    o.properties.topic_alias_maximum = Some(2);
    let s = net.add(o);
    let p = net.add(opts(V5, "p"));
    net.subscribe(s, "t/#", sub(QoS::AtLeastOnce));
    let topics = ["t/a", "t/b", "t/a", "t/c", "t/a", "t/b", "t/b", "t/d"];
    for (n, t) in topics.iter().enumerate() {
        let qos = [QoS::AtMostOnce, QoS::AtLeastOnce][n % 2];
        net.publish(p, t, "x", qos, false);
    }
    let got: Vec<_> = net.peers[s].messages.drain(..).map(|m| m.topic).collect();
    assert_eq!(got, topics);
    let aliased = net.count(|e| {
        matches!(e, BrokerEvent::PacketOut { packet, .. }
            if matches!(&**packet, Packet::Publish(p) if p.properties.topic_alias.is_some()))
    });
    assert_eq!(aliased, topics.len());

    // A new connection (clean start): the client resets its aliases, and
    // would fail on an alias it was never told; the broker starts afresh.
    net.crash(s);
    net.peers[s].client.connect(net.now);
    net.run();
    net.subscribe(s, "t/#", sub(QoS::AtLeastOnce));
    net.publish(p, "t/b", "x", QoS::AtMostOnce, false);
    net.publish(p, "t/b", "x", QoS::AtMostOnce, false);
    let got: Vec<_> = net.peers[s].messages.drain(..).map(|m| m.topic).collect();
    assert_eq!(got, ["t/b", "t/b"]);
    assert!(net.connected(s));
}
