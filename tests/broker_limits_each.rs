#![cfg(not(target_arch = "wasm32"))]
//! Every limit of `BrokerConfig`: the client that reaches it gets the MQTT 5.0
//! reason code (or the 3.1.1 behaviour), and two bystanders, a 5.0 publisher
//! and a 3.1.1 subscriber, carry on as if nothing happened.

mod broker_common;
use broker_common::*;
use mqtt_lab::broker::{BrokerConfig, BrokerEvent, CloseReason, ConnId, DropReason};
use mqtt_lab::codec::{
    Packet, Properties, ProtocolVersion, PubResponse, Publish, QoS, ReasonCode, Subscribe,
    SubscribeFilter,
};
use mqtt_lab::topic::RetainedLimits;

/// The bystanders: peer 0 publishes (5.0), peer 1 subscribes to `live` (3.1.1).
fn bystanders(net: &mut Net) {
    let a = net.add(opts(V5, "bystander-pub"));
    let b = net.add(opts(V3, "bystander-sub"));
    assert_eq!((a, b), (0, 1));
    net.subscribe(b, "live", sub(QoS::AtLeastOnce));
}

/// The bystanders are still connected and a message still goes from one to the other.
fn still_served(net: &mut Net, tag: &str) {
    net.publish(0, "live", tag, QoS::AtLeastOnce, false);
    assert_eq!(net.take(1), [tag.to_owned()], "{tag}");
    assert!(net.connected(0) && net.connected(1), "{tag}");
}

fn publish(topic: &str, payload: &[u8], qos: QoS, id: u16, retain: bool) -> Packet {
    Packet::Publish(Publish {
        qos,
        retain,
        topic: topic.into(),
        packet_id: if qos == QoS::AtMostOnce { 0 } else { id },
        payload: payload.to_vec().into(),
        ..Publish::default()
    })
}

fn subscribe(filters: &[&str], qos: QoS) -> Packet {
    Packet::Subscribe(Subscribe {
        packet_id: 9,
        filters: filters
            .iter()
            .map(|f| SubscribeFilter {
                filter: (*f).into(),
                options: sub(qos),
            })
            .collect(),
        properties: Properties::default(),
    })
}

/// A raw connection that CONNECTs with 5.0 properties set by `f`.
fn raw_with(
    net: &mut Net,
    v: ProtocolVersion,
    id: &str,
    f: impl FnOnce(&mut Properties),
) -> ConnId {
    let c = net.raw(v);
    let mut p = connect(v, id, true);
    if let Packet::Connect(x) = &mut p {
        f(&mut x.properties);
    }
    net.send(c, &p);
    let got = net.recv(c);
    assert!(matches!(got.first(), Some(Packet::ConnAck(a)) if a.reason_code.0 == 0));
    c
}

fn disconnect_code(got: &[Packet]) -> Option<u8> {
    got.iter().find_map(|p| match p {
        Packet::Disconnect(d) => Some(d.reason_code.0),
        _ => None,
    })
}

fn connack(got: &[Packet]) -> (u8, Option<String>) {
    match got.first() {
        Some(Packet::ConnAck(a)) => (a.reason_code.0, a.properties.reason_string.clone()),
        other => panic!("expected CONNACK, got {other:?}"),
    }
}

fn suback(got: &[Packet]) -> Vec<u8> {
    got.iter()
        .find_map(|p| match p {
            Packet::SubAck(s) => Some(s.reason_codes.iter().map(|r| r.0).collect()),
            _ => None,
        })
        .expect("a SUBACK")
}

fn ack_code(got: &[Packet]) -> Option<u8> {
    got.iter().find_map(|p| match p {
        Packet::PubAck(r) | Packet::PubRec(r) => Some(r.reason_code.0),
        _ => None,
    })
}

fn payloads(got: &[Packet]) -> Vec<String> {
    got.iter()
        .filter_map(|p| match p {
            Packet::Publish(p) => Some(String::from_utf8_lossy(&p.payload).into_owned()),
            _ => None,
        })
        .collect()
}

fn dropped(net: &Net, why: DropReason) -> usize {
    net.count(|e| matches!(e, BrokerEvent::MessageDropped { why: w, .. } if *w == why))
}

#[test]
fn maximum_packet_size_closes_only_the_sender_0x95() {
    let mut net = Net::new(BrokerConfig {
        max_packet_size: 256,
        ..BrokerConfig::default()
    });
    bystanders(&mut net);
    for v in [V5, V3] {
        let c = net.raw_connected(v, &format!("big{}", v.level()), true);
        // Refused from the fixed header: the 300 bytes are never buffered.
        net.send_bytes(c, &[0x30, 0xAC, 0x02, 0x00, 0x01, b't']);
        assert!(net.is_closed(c));
        let got = net.recv(c);
        // 5.0: DISCONNECT 0x95 Packet too large [MQTT-3.2.2-15]; 3.1.1: closed.
        let want = if v.is_v5() { Some(0x95) } else { None };
        assert_eq!(disconnect_code(&got), want, "{v}");
        still_served(&mut net, &format!("after {v}"));
    }
}

#[test]
fn connections_beyond_the_maximum_are_refused_0x89_or_0x03() {
    let mut net = Net::new(BrokerConfig {
        max_connections: 3,
        ..BrokerConfig::default()
    });
    bystanders(&mut net);
    let third = net.raw_connected(V5, "third", true);
    for (v, code) in [(V5, 0x89), (V3, 0x03)] {
        let c = net.raw(v);
        net.send(c, &connect(v, "one-too-many", true));
        let (got, why) = connack(&net.recv(c));
        assert_eq!(got, code, "{v}");
        if v.is_v5() {
            assert_eq!(why.as_deref(), Some("too many connections"));
        }
        assert!(net.is_closed(c));
        still_served(&mut net, &format!("after {v}"));
    }
    // A place freed is a place taken.
    net.crash_raw(third);
    net.raw_connected(V3, "next", true);
}

#[test]
fn transports_waiting_for_connect_beyond_the_maximum_are_closed_at_once() {
    let mut net = Net::new(BrokerConfig {
        max_pending_connections: 2,
        ..BrokerConfig::default()
    });
    bystanders(&mut net);
    let a = net.raw(V5);
    let b = net.raw(V5);
    let c = net.raw(V5);
    net.run();
    assert!(!net.is_closed(a) && !net.is_closed(b));
    assert!(net.is_closed(c), "the third waiting transport is closed");
    assert!(
        net.recv_bytes(c).is_empty(),
        "nothing can be sent before CONNECT"
    );
    assert_eq!(
        net.count(|e| matches!(
            e,
            BrokerEvent::ConnectionClosed {
                reason: CloseReason::Refused(ReasonCode::SERVER_BUSY),
                ..
            }
        )),
        1
    );
    // The waiting ones still connect, and then make room.
    net.send(a, &connect(V5, "a", true));
    assert_eq!(connack(&net.recv(a)).0, 0);
    let d = net.raw_connected(V3, "d", true);
    assert!(!net.is_closed(d));
    still_served(&mut net, "pending");
}

#[test]
fn subscriptions_beyond_the_maximum_are_refused_in_suback_0x97_or_0x80() {
    let mut net = Net::new(BrokerConfig {
        max_subscriptions_per_client: 2,
        ..BrokerConfig::default()
    });
    bystanders(&mut net);
    for (v, refused) in [(V5, 0x97), (V3, 0x80)] {
        let c = net.raw_connected(v, &format!("many{}", v.level()), true);
        net.send(c, &subscribe(&["a", "b", "c"], QoS::AtLeastOnce));
        assert_eq!(suback(&net.recv(c)), [1, 1, refused], "{v}");
        // Subscribing again to a filter it has replaces it: still allowed.
        net.send(c, &subscribe(&["b"], QoS::ExactlyOnce));
        assert_eq!(suback(&net.recv(c)), [2], "{v}");
        assert!(!net.is_closed(c), "the connection stays");
        still_served(&mut net, &format!("after {v}"));
    }
}

#[test]
fn queued_messages_beyond_the_maximum_are_dropped_for_that_session_only() {
    let mut net = Net::new(BrokerConfig {
        max_queued_messages: 3,
        ..BrokerConfig::default()
    });
    bystanders(&mut net);
    net.subscribe(1, "flood", sub(QoS::AtLeastOnce));
    // A slow subscriber: one message in flight, never acknowledged.
    let slow = raw_with(&mut net, V5, "slow", |p| p.receive_maximum = Some(1));
    net.send(slow, &subscribe(&["flood"], QoS::AtLeastOnce));
    net.recv(slow);
    let p = net.raw_connected(V5, "pub", true);
    for i in 1..=10u16 {
        net.send(
            p,
            &publish(
                "flood",
                i.to_string().as_bytes(),
                QoS::AtLeastOnce,
                i,
                false,
            ),
        );
    }
    // The publisher is not told anything is wrong: its messages were delivered.
    let acks = net.recv(p);
    assert_eq!(acks.len(), 10);
    assert!(acks
        .iter()
        .all(|a| matches!(a, Packet::PubAck(r) if r.reason_code.0 == 0)));
    assert_eq!(payloads(&net.recv(slow)), ["1"]);
    let st = net.broker.stats();
    assert_eq!(st.most_queued_messages, 3);
    assert_eq!(dropped(&net, DropReason::QueueFull), 6);
    // The bystander got all ten.
    assert_eq!(net.take(1).len(), 10);
    still_served(&mut net, "queue");
    // The slow subscriber acknowledges: the oldest kept messages follow (QoS 1
    // messages are never dropped to make room, so the newest were).
    net.send(slow, &Packet::PubAck(PubResponse::new(1)));
    assert_eq!(payloads(&net.recv(slow)), ["2"]);
}

#[test]
fn queued_bytes_beyond_the_maximum_drop_the_oldest_qos0_messages() {
    let mut net = Net::new(BrokerConfig {
        max_queued_bytes: 100,
        ..BrokerConfig::default()
    });
    bystanders(&mut net);
    let slow = net.raw_connected(V3, "slow", true);
    net.send(slow, &subscribe(&["b"], QoS::AtMostOnce));
    net.recv(slow);
    // The host says the slow client's transport is backed up.
    net.broker.handle_backpressure(slow, net.now, true);
    let p = net.raw_connected(V5, "pub", true);
    for i in 0..10u8 {
        // 1 byte of topic + 30 of payload: three fit in 100 bytes.
        net.send(p, &publish("b", &[b'0' + i; 30], QoS::AtMostOnce, 0, false));
    }
    assert!(
        payloads(&net.recv(slow)).is_empty(),
        "nothing sent while backed up"
    );
    let st = net.broker.stats();
    assert_eq!((st.most_queued_messages, st.most_queued_bytes), (3, 93));
    assert_eq!(dropped(&net, DropReason::QueueFull), 7);
    still_served(&mut net, "bytes");
    // Drained: the newest three go out, in order.
    net.broker.handle_backpressure(slow, net.now, false);
    let got: Vec<u8> = payloads(&net.recv(slow))
        .iter()
        .map(|s| s.as_bytes()[0])
        .collect();
    assert_eq!(got, [b'7', b'8', b'9']);
    assert_eq!(net.broker.stats().queued_bytes, 0);
    // A message bigger than the whole limit is refused, and nothing else is dropped.
    net.broker.handle_backpressure(slow, net.now, true);
    net.send(p, &publish("b", b"small", QoS::AtMostOnce, 0, false));
    net.send(p, &publish("b", &[1; 200], QoS::AtMostOnce, 0, false));
    assert_eq!(net.broker.stats().most_queued_messages, 1);
}

#[test]
fn retained_messages_beyond_the_store_are_refused_0x97_or_delivered_unretained() {
    let mut net = Net::new(BrokerConfig {
        retained: RetainedLimits {
            max_messages: 2,
            max_bytes: 1000,
        },
        ..BrokerConfig::default()
    });
    bystanders(&mut net);
    let s = net.raw_connected(V5, "watcher", true);
    net.send(s, &subscribe(&["r/#"], QoS::AtLeastOnce));
    net.recv(s);
    let p5 = net.raw_connected(V5, "p5", true);
    let p3 = net.raw_connected(V3, "p3", true);
    net.send(p5, &publish("r/1", b"one", QoS::AtLeastOnce, 1, true));
    net.send(p5, &publish("r/2", b"two", QoS::AtLeastOnce, 2, true));
    assert_eq!(ack_code(&net.recv(p5)), Some(0));
    // 5.0 QoS 1 and 2: refused with 0x97 Quota exceeded, delivered to nobody.
    net.send(p5, &publish("r/3", b"three", QoS::AtLeastOnce, 3, true));
    assert_eq!(ack_code(&net.recv(p5)), Some(0x97));
    net.send(p5, &publish("r/3", b"three", QoS::ExactlyOnce, 4, true));
    assert_eq!(ack_code(&net.recv(p5)), Some(0x97));
    // The refused QoS 2 exchange is over: the same identifier starts a new one.
    net.send(p5, &publish("r/1", b"uno", QoS::ExactlyOnce, 4, true));
    assert_eq!(ack_code(&net.recv(p5)), Some(0));
    net.send(p5, &Packet::PubRel(PubResponse::new(4)));
    assert_eq!(payloads(&net.recv(s)), ["one", "two", "uno"]);
    // 5.0 QoS 0 and 3.1.1: delivered, not retained.
    net.send(p5, &publish("r/4", b"four", QoS::AtMostOnce, 0, true));
    net.send(p3, &publish("r/5", b"five", QoS::AtLeastOnce, 5, true));
    assert_eq!(ack_code(&net.recv(p3)), Some(0));
    assert_eq!(payloads(&net.recv(s)), ["four", "five"]);
    assert_eq!(dropped(&net, DropReason::RetainedStoreFull), 4);
    let topics: Vec<String> = net.broker.retained().into_iter().map(|r| r.topic).collect();
    assert_eq!(topics, ["r/1", "r/2"]);
    // Deleting one makes room.
    net.send(p3, &publish("r/2", b"", QoS::AtLeastOnce, 6, true));
    net.send(p3, &publish("r/5", b"five", QoS::AtLeastOnce, 7, true));
    let topics: Vec<String> = net.broker.retained().into_iter().map(|r| r.topic).collect();
    assert_eq!(topics, ["r/1", "r/5"]);
    assert!(!net.is_closed(p5) && !net.is_closed(p3));
    still_served(&mut net, "retained");
}

#[test]
fn retained_bytes_beyond_the_store_are_refused_0x97() {
    let mut net = Net::new(BrokerConfig {
        retained: RetainedLimits {
            max_messages: 100,
            max_bytes: 64,
        },
        ..BrokerConfig::default()
    });
    bystanders(&mut net);
    let p = net.raw_connected(V5, "p", true);
    // Accepted: 0x10 No matching subscribers, as nobody listens.
    net.send(p, &publish("a", &[1; 40], QoS::AtLeastOnce, 1, true));
    assert_eq!(ack_code(&net.recv(p)), Some(0x10));
    net.send(p, &publish("b", &[1; 40], QoS::AtLeastOnce, 2, true));
    assert_eq!(ack_code(&net.recv(p)), Some(0x97));
    // A replacement counts only the difference.
    net.send(p, &publish("a", &[2; 60], QoS::AtLeastOnce, 3, true));
    assert_eq!(ack_code(&net.recv(p)), Some(0x10));
    // Topic, payload and the (empty) property block's length byte.
    let st = net.broker.stats();
    assert_eq!((st.retained_messages, st.retained_bytes), (1, 1 + 60 + 1));
    still_served(&mut net, "retained bytes");
}

/// Topic length and depth refuse a PUBLISH, a SUBSCRIBE filter and a Will topic.
fn topic_limit(cfg: BrokerConfig, too_long: &str, tag: &str) {
    let mut net = Net::new(cfg);
    bystanders(&mut net);
    // 5.0 PUBLISH at QoS 1: PUBACK 0x90 Topic Name invalid; the connection stays.
    let p5 = net.raw_connected(V5, "p5", true);
    net.send(p5, &publish(too_long, b"x", QoS::AtLeastOnce, 1, false));
    assert_eq!(ack_code(&net.recv(p5)), Some(0x90), "{tag}");
    assert!(!net.is_closed(p5));
    assert_eq!(dropped(&net, DropReason::TopicRefused), 1);
    // SUBSCRIBE: 0x8F Topic Filter invalid (5.0), 0x80 (3.1.1).
    net.send(p5, &subscribe(&[too_long, "ok"], QoS::AtLeastOnce));
    assert_eq!(suback(&net.recv(p5)), [0x8F, 1], "{tag}");
    let s3 = net.raw_connected(V3, "s3", true);
    net.send(s3, &subscribe(&[too_long], QoS::AtLeastOnce));
    assert_eq!(suback(&net.recv(s3)), [0x80], "{tag}");
    // 3.1.1 PUBLISH: no way to refuse it but closing the connection.
    net.send(s3, &publish(too_long, b"x", QoS::AtLeastOnce, 1, false));
    assert!(net.is_closed(s3), "{tag}");
    // A Will topic: CONNACK 0x90 (5.0) / 0x02 (3.1.1, identifier rejected is
    // the nearest return code it has).
    for (v, code) in [(V5, 0x90), (V3, 0x02)] {
        let c = net.raw(v);
        let mut p = connect(v, "w", true);
        if let Packet::Connect(x) = &mut p {
            x.will = Some(mqtt_lab::codec::LastWill {
                topic: too_long.into(),
                payload: b"bye".to_vec().into(),
                qos: QoS::AtMostOnce,
                retain: false,
                properties: Properties::default(),
            });
        }
        net.send(c, &p);
        assert_eq!(connack(&net.recv(c)).0, code, "{tag} {v}");
    }
    still_served(&mut net, tag);
}

#[test]
fn topic_longer_than_the_maximum_is_refused_0x90_0x8f() {
    let cfg = BrokerConfig {
        max_topic_length: 16,
        ..BrokerConfig::default()
    };
    topic_limit(cfg, "a/very/long/topic/name", "length");
}

#[test]
fn topic_deeper_than_the_maximum_is_refused_0x90_0x8f() {
    let cfg = BrokerConfig {
        max_topic_levels: 3,
        ..BrokerConfig::default()
    };
    topic_limit(cfg, "a/b/c/d", "depth");
}

#[test]
fn messages_in_flight_to_a_client_stay_within_max_inflight() {
    let mut net = Net::new(BrokerConfig {
        max_inflight: 2,
        ..BrokerConfig::default()
    });
    bystanders(&mut net);
    // The client would take 50; the broker sends 2 at a time.
    let s = raw_with(&mut net, V5, "s", |p| p.receive_maximum = Some(50));
    net.send(s, &subscribe(&["w"], QoS::AtLeastOnce));
    net.recv(s);
    let p = net.raw_connected(V5, "p", true);
    for i in 1..=5u16 {
        net.send(
            p,
            &publish("w", i.to_string().as_bytes(), QoS::AtLeastOnce, i, false),
        );
    }
    assert_eq!(payloads(&net.recv(s)), ["1", "2"]);
    assert_eq!(net.broker.stats().most_inflight, 2);
    net.send(s, &Packet::PubAck(PubResponse::new(1)));
    assert_eq!(payloads(&net.recv(s)), ["3"]);
    still_served(&mut net, "inflight");
}

#[test]
fn messages_in_flight_from_a_client_beyond_receive_maximum_end_it_0x93() {
    let mut net = Net::new(BrokerConfig {
        receive_maximum: 2,
        ..BrokerConfig::default()
    });
    bystanders(&mut net);
    for v in [V5, V3] {
        let c = net.raw_connected(v, &format!("eager{}", v.level()), true);
        for id in 1..=3 {
            net.send(c, &publish("q2", b"x", QoS::ExactlyOnce, id, false));
        }
        let got = net.recv(c);
        // [MQTT-3.3.4-7] (5.0): DISCONNECT 0x93 Receive Maximum exceeded; 3.1.1 is closed.
        let want = if v.is_v5() { Some(0x93) } else { None };
        assert_eq!(disconnect_code(&got), want, "{v}");
        assert!(net.is_closed(c));
        still_served(&mut net, &format!("after {v}"));
    }
}
