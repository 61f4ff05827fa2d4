#![cfg(not(target_arch = "wasm32"))]
//! Publish/subscribe through the broker: fan-out, version interop, the exact
//! QoS 1 and QoS 2 handshakes, subscription options and shared subscriptions.

mod broker_common;
use broker_common::*;
use mqtt_lab::broker::BrokerConfig;
use mqtt_lab::codec::{
    Packet, Properties, PubResponse, Publish, QoS, ReasonCode, Subscribe, SubscribeFilter,
    SubscriptionOptions, Unsubscribe,
};

fn publish(topic: &str, payload: &str, qos: QoS, id: u16) -> Packet {
    Packet::Publish(Publish {
        qos,
        topic: topic.into(),
        packet_id: id,
        payload: payload.as_bytes().to_vec().into(),
        ..Publish::default()
    })
}

fn subscribe(id: u16, filter: &str, options: SubscriptionOptions) -> Packet {
    Packet::Subscribe(Subscribe {
        packet_id: id,
        filters: vec![SubscribeFilter {
            filter: filter.into(),
            options,
        }],
        properties: Properties::default(),
    })
}

#[test]
fn a_message_with_no_subscriber_goes_nowhere_and_5_0_says_so() {
    let mut net = Net::default_net();
    let c = net.raw_connected(V5, "p", true);
    net.send(c, &publish("a", "x", QoS::AtLeastOnce, 1));
    // PUBACK 0x10 No matching subscribers.
    assert_eq!(hex(&net.recv_bytes(c)), "40 03 00 01 10");
}

#[test]
fn one_message_reaches_every_matching_subscriber_once() {
    let mut net = Net::default_net();
    let a = net.add(opts(V5, "a"));
    let b = net.add(opts(V3, "b"));
    let c = net.add(opts(V5, "c"));
    net.subscribe(a, "t/#", sub(QoS::AtMostOnce));
    net.subscribe(a, "t/+", sub(QoS::AtLeastOnce)); // overlapping: still one copy
    net.subscribe(b, "t/x", sub(QoS::AtMostOnce));
    net.publish(c, "t/x", "hello", QoS::AtLeastOnce, false);
    assert_eq!(net.take(a), ["hello"]);
    assert_eq!(net.take(b), ["hello"]);
    assert!(net.take(c).is_empty());
    // [MQTT-3.3.4-2] (5.0): overlapping subscriptions, the highest QoS.
    net.publish(c, "t/x", "again", QoS::AtLeastOnce, false);
    assert_eq!(net.peers[a].messages[0].qos, QoS::AtLeastOnce);
}

#[test]
fn v3_and_v5_clients_exchange_messages_and_v3_gets_no_properties() {
    let mut net = Net::default_net();
    let old = net.add(opts(V3, "old"));
    let new = net.add(opts(V5, "new"));
    net.subscribe(old, "x", sub(QoS::ExactlyOnce));
    net.subscribe(new, "x", sub(QoS::ExactlyOnce));
    let mut props = Properties::default();
    props.user_properties.push(("k".into(), "v".into()));
    props.content_type = Some("text/plain".into());
    let o = mqtt_lab::client::PublishOptions {
        qos: QoS::ExactlyOnce,
        retain: false,
        properties: props.clone(),
    };
    let now = net.now;
    net.peers[new]
        .client
        .publish(now, "x", b"5".to_vec(), o)
        .unwrap();
    net.publish(old, "x", "3", QoS::AtLeastOnce, false);
    net.run();
    let got_old = &net.peers[old].messages;
    assert_eq!(got_old.len(), 2);
    assert!(got_old
        .iter()
        .all(|m| m.properties == Properties::default()));
    let got_new = &net.peers[new].messages;
    assert_eq!(got_new.len(), 2);
    // [MQTT-3.3.2-17] [MQTT-3.3.2-20]: user properties and content type unchanged.
    let five = got_new.iter().find(|m| &m.payload[..] == b"5").unwrap();
    assert_eq!(five.properties.user_properties, props.user_properties);
    assert_eq!(five.properties.content_type, props.content_type);
}

#[test]
fn qos1_in_and_out_with_exact_bytes_in_3_1_1() {
    let mut net = Net::default_net();
    let s = net.raw_connected(V3, "s", true);
    net.send(s, &subscribe(7, "a", sub(QoS::AtLeastOnce)));
    assert_eq!(hex(&net.recv_bytes(s)), "90 03 00 07 01");
    let p = net.raw_connected(V3, "p", true);
    net.send(p, &publish("a", "x", QoS::AtLeastOnce, 9));
    // [MQTT-4.3.2-2]: PUBACK with the PUBLISH's identifier.
    assert_eq!(hex(&net.recv_bytes(p)), "40 02 00 09");
    // The broker's own identifier towards the subscriber.
    assert_eq!(hex(&net.recv_bytes(s)), "32 06 00 01 61 00 01 78");
    net.send(s, &Packet::PubAck(PubResponse::new(1)));
    assert!(net.broker.sessions().iter().all(|x| x.inflight == 0));
}

#[test]
fn qos2_in_and_out_with_exact_bytes_in_5_0() {
    let mut net = Net::default_net();
    let s = net.raw_connected(V5, "s", true);
    net.send(s, &subscribe(1, "a", sub(QoS::ExactlyOnce)));
    assert_eq!(hex(&net.recv_bytes(s)), "90 04 00 01 00 02");
    let p = net.raw_connected(V5, "p", true);
    net.send(p, &publish("a", "x", QoS::ExactlyOnce, 3));
    // [MQTT-4.3.3-2] (3.1.1): PUBREC with the identifier.
    assert_eq!(hex(&net.recv_bytes(p)), "50 02 00 03");
    assert_eq!(hex(&net.recv_bytes(s)), "34 07 00 01 61 00 01 00 78");
    // The same PUBLISH again (DUP) before PUBREL: PUBREC again, no second delivery.
    let mut dup = publish("a", "x", QoS::ExactlyOnce, 3);
    if let Packet::Publish(p) = &mut dup {
        p.dup = true;
    }
    net.send(p, &dup);
    assert_eq!(hex(&net.recv_bytes(p)), "50 02 00 03");
    assert!(net.recv_bytes(s).is_empty());
    net.send(p, &Packet::PubRel(PubResponse::new(3)));
    assert_eq!(hex(&net.recv_bytes(p)), "70 02 00 03");
    // Outgoing: PUBREC from the subscriber gets PUBREL, PUBCOMP ends it.
    net.send(s, &Packet::PubRec(PubResponse::new(1)));
    assert_eq!(hex(&net.recv_bytes(s)), "62 02 00 01");
    net.send(s, &Packet::PubComp(PubResponse::new(1)));
    assert!(net.broker.sessions().iter().all(|x| x.inflight == 0));
}

#[test]
fn pubrel_for_an_unknown_identifier_gets_pubcomp_0x92_not_a_disconnect() {
    let mut net = Net::default_net();
    let c = net.raw_connected(V5, "c", true);
    net.send(c, &Packet::PubRel(PubResponse::new(42)));
    assert_eq!(hex(&net.recv_bytes(c)), "70 03 00 2A 92");
    assert!(!net.is_closed(c));
}

#[test]
fn delivered_qos_is_the_minimum_of_publish_and_subscription() {
    let mut net = Net::default_net();
    let s = net.add(opts(V5, "s"));
    let p = net.add(opts(V5, "p"));
    net.subscribe(s, "q", sub(QoS::AtLeastOnce));
    net.publish(p, "q", "2", QoS::ExactlyOnce, false);
    net.publish(p, "q", "0", QoS::AtMostOnce, false);
    // [MQTT-3.8.4-8] (5.0)
    let qos: Vec<_> = net.peers[s].messages.iter().map(|m| m.qos).collect();
    assert_eq!(qos, [QoS::AtLeastOnce, QoS::AtMostOnce]);
}

#[test]
fn messages_keep_their_order_per_topic() {
    let mut net = Net::default_net();
    let s = net.add(opts(V5, "s"));
    let p = net.add(opts(V3, "p"));
    net.subscribe(s, "o", sub(QoS::ExactlyOnce));
    for i in 0..20 {
        let qos = [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce][i % 3];
        net.publish(p, "o", &i.to_string(), qos, false);
    }
    let want: Vec<String> = (0..20).map(|i| i.to_string()).collect();
    // [MQTT-4.6.0-6] (3.1.1): ordered topic.
    assert_eq!(net.take(s), want);
}

#[test]
fn no_local_keeps_a_clients_own_messages_from_it() {
    let mut net = Net::default_net();
    let a = net.add(opts(V5, "a"));
    let b = net.add(opts(V5, "b"));
    let nl = SubscriptionOptions {
        no_local: true,
        ..sub(QoS::AtMostOnce)
    };
    net.subscribe(a, "n", nl);
    net.subscribe(b, "n", nl);
    net.publish(a, "n", "from a", QoS::AtMostOnce, false);
    // [MQTT-3.8.3-3] (5.0)
    assert!(net.take(a).is_empty());
    assert_eq!(net.take(b), ["from a"]);
}

#[test]
fn retain_as_published_keeps_the_flag_and_otherwise_it_is_cleared() {
    let mut net = Net::default_net();
    let rap = net.add(opts(V5, "rap"));
    let plain = net.add(opts(V5, "plain"));
    let old = net.add(opts(V3, "old"));
    let p = net.add(opts(V5, "p"));
    let o = SubscriptionOptions {
        retain_as_published: true,
        ..sub(QoS::AtMostOnce)
    };
    net.subscribe(rap, "r", o);
    net.subscribe(plain, "r", sub(QoS::AtMostOnce));
    net.subscribe(old, "r", sub(QoS::AtMostOnce));
    net.publish(p, "r", "kept", QoS::AtMostOnce, true);
    // [MQTT-3.3.1-13] (5.0)
    assert!(net.peers[rap].messages[0].retain);
    // [MQTT-3.3.1-12] (5.0)
    assert!(!net.peers[plain].messages[0].retain);
    // [MQTT-3.3.1-9] (3.1.1): cleared when forwarded to an established subscription.
    assert!(!net.peers[old].messages[0].retain);
}

#[test]
fn subscription_identifiers_come_back_on_matching_messages() {
    let mut net = Net::default_net();
    let s = net.add(opts(V5, "s"));
    let p = net.add(opts(V5, "p"));
    let props = Properties {
        subscription_identifiers: vec![5],
        ..Properties::default()
    };
    net.subscribe_with(s, "a/+", sub(QoS::AtMostOnce), props);
    let props = Properties {
        subscription_identifiers: vec![9],
        ..Properties::default()
    };
    net.subscribe_with(s, "a/#", sub(QoS::AtMostOnce), props);
    net.subscribe(s, "a/b", sub(QoS::AtMostOnce));
    net.publish(p, "a/b", "x", QoS::AtMostOnce, false);
    // [MQTT-3.3.4-3] (5.0): every matching identifier, one message.
    let m = &net.peers[s].messages;
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].properties.subscription_identifiers, [5, 9]);
}

#[test]
fn shared_subscription_sends_each_message_to_one_member_in_turn() {
    let mut net = Net::default_net();
    let a = net.add(opts(V5, "a"));
    let b = net.add(opts(V5, "b"));
    let c = net.add(opts(V5, "c"));
    let p = net.add(opts(V5, "p"));
    net.subscribe(a, "$share/g/job", sub(QoS::AtLeastOnce));
    net.subscribe(b, "$share/g/job", sub(QoS::AtLeastOnce));
    net.subscribe(c, "job", sub(QoS::AtMostOnce));
    for i in 0..6 {
        net.publish(p, "job", &i.to_string(), QoS::AtLeastOnce, false);
    }
    let (ga, gb) = (net.take(a), net.take(b));
    assert_eq!(ga.len() + gb.len(), 6);
    assert_eq!(ga.len(), 3, "round robin: {ga:?} {gb:?}");
    assert_eq!(net.take(c).len(), 6);
}

#[test]
fn subscribe_refuses_invalid_filters_one_by_one() {
    let mut net = Net::default_net();
    let c5 = net.raw_connected(V5, "c5", true);
    let s = Packet::Subscribe(Subscribe {
        packet_id: 2,
        filters: vec![
            SubscribeFilter {
                filter: "ok/+".into(),
                options: sub(QoS::AtLeastOnce),
            },
            SubscribeFilter {
                filter: "bad/#/x".into(),
                options: sub(QoS::AtMostOnce),
            },
        ],
        properties: Properties::default(),
    });
    // Built by hand: the codec refuses to encode "bad/#/x" only if it validates filters.
    let bytes = match s.to_bytes(V5) {
        Ok(b) => b,
        Err(_) => return,
    };
    net.send_bytes(c5, &bytes);
    match net.recv(c5).as_slice() {
        // [MQTT-3.8.4-1] [MQTT-3.9.3-1]: one code per filter, in order.
        [Packet::SubAck(a)] => {
            assert_eq!(a.reason_codes, [ReasonCode(1), ReasonCode(0x8F)])
        }
        other => panic!("{other:?}"),
    }
    let c3 = net.raw_connected(V3, "c3", true);
    let _ = s.to_bytes(V3).map(|b| net.send_bytes(c3, &b));
    match net.recv(c3).as_slice() {
        [Packet::SubAck(a)] => assert_eq!(a.reason_codes, [ReasonCode(1), ReasonCode(0x80)]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn unsubscribe_says_which_subscriptions_existed() {
    let mut net = Net::default_net();
    let c = net.raw_connected(V5, "c", true);
    net.send(c, &subscribe(1, "a", sub(QoS::AtMostOnce)));
    net.recv(c);
    net.send(
        c,
        &Packet::Unsubscribe(Unsubscribe {
            packet_id: 2,
            filters: vec!["a".into(), "b".into()],
            properties: Properties::default(),
        }),
    );
    match net.recv(c).as_slice() {
        // [MQTT-3.10.4-4] (3.1.1): UNSUBACK with the same identifier.
        [Packet::UnsubAck(u)] => {
            assert_eq!(u.packet_id, 2);
            assert_eq!(u.reason_codes, [ReasonCode(0), ReasonCode(0x11)]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn more_subscriptions_than_the_limit_are_refused_with_quota_exceeded() {
    let cfg = BrokerConfig {
        max_subscriptions_per_client: 1,
        ..BrokerConfig::default()
    };
    let mut net = Net::new(cfg);
    let c = net.raw_connected(V5, "c", true);
    net.send(c, &subscribe(1, "a", sub(QoS::AtMostOnce)));
    net.recv(c);
    net.send(c, &subscribe(2, "b", sub(QoS::AtMostOnce)));
    match net.recv(c).as_slice() {
        [Packet::SubAck(a)] => assert_eq!(a.reason_codes, [ReasonCode::QUOTA_EXCEEDED]),
        other => panic!("{other:?}"),
    }
}
