#![cfg(not(target_arch = "wasm32"))]
//! Sessions across connections: offline queueing, redelivery with DUP,
//! expiry, Will messages and their delay, the queue-full policy, restart.

mod broker_common;
use broker_common::*;
use mqtt_lab::broker::{BrokerConfig, BrokerEvent, DropReason, SessionEndReason};
use mqtt_lab::codec::{
    Disconnect, LastWill, Packet, Properties, PubResponse, Publish, QoS, ReasonCode,
};

fn persistent(v: mqtt_lab::codec::ProtocolVersion, id: &str, expiry: u32) -> Packet {
    let mut p = connect(v, id, false);
    if let Packet::Connect(c) = &mut p {
        c.properties.session_expiry_interval = (v == V5).then_some(expiry);
    }
    p
}

fn with_will(mut p: Packet, delay: Option<u32>) -> Packet {
    if let Packet::Connect(c) = &mut p {
        let mut properties = Properties::default();
        if c.protocol == V5 {
            properties.will_delay_interval = delay;
        }
        c.will = Some(LastWill {
            topic: "will".into(),
            payload: b"gone".to_vec().into(),
            qos: QoS::AtLeastOnce,
            retain: false,
            properties,
        });
    }
    p
}

fn publishes(got: &[Packet]) -> Vec<&Publish> {
    got.iter()
        .filter_map(|p| match p {
            Packet::Publish(p) => Some(p),
            _ => None,
        })
        .collect()
}

/// A watcher on "will" and a publisher client.
fn watch(net: &mut Net) -> usize {
    let w = net.add(opts(V5, "watcher"));
    net.subscribe(w, "will", sub(QoS::AtLeastOnce));
    w
}

#[test]
fn persistent_session_queues_while_offline_and_resends_unacked_with_dup() {
    let mut net = Net::default_net();
    for v in [V3, V5] {
        let id = format!("p{v:?}");
        let s = net.raw(v);
        net.send(s, &persistent(v, &id, 600));
        net.recv(s);
        net.send(
            s,
            &Packet::Subscribe(mqtt_lab::codec::Subscribe {
                packet_id: 1,
                filters: vec![mqtt_lab::codec::SubscribeFilter {
                    filter: "q".into(),
                    options: sub(QoS::ExactlyOnce),
                }],
                properties: Properties::default(),
            }),
        );
        net.recv(s);
        let p = net.add(opts(V5, &format!("pub{v:?}")));
        net.publish(p, "q", "one", QoS::AtLeastOnce, false);
        net.publish(p, "q", "two", QoS::ExactlyOnce, false);
        let first = net.recv(s);
        let ids: Vec<u16> = publishes(&first).iter().map(|p| p.packet_id).collect();
        assert_eq!(ids.len(), 2);
        // PUBREC for "two" only: it waits for PUBCOMP; "one" waits for PUBACK.
        net.send(s, &Packet::PubRec(PubResponse::new(ids[1])));
        assert!(matches!(net.recv(s).as_slice(), [Packet::PubRel(_)]));
        net.crash_raw(s);
        net.publish(p, "q", "three", QoS::AtLeastOnce, false);
        net.publish(p, "q", "zero", QoS::AtMostOnce, false);
        let s = net.raw(v);
        net.send(s, &persistent(v, &id, 600));
        let got = net.recv(s);
        assert!(matches!(&got[0], Packet::ConnAck(a) if a.session_present));
        // [MQTT-4.4.0-1]: unacknowledged PUBLISH again with DUP=1 [MQTT-3.3.1-1]
        // and the same identifier, and PUBREL again; then what was queued.
        assert!(matches!(&got[1], Packet::Publish(x) if x.dup && x.packet_id == ids[0]));
        assert!(matches!(&got[2], Packet::PubRel(r) if r.packet_id == ids[1]));
        let queued: Vec<_> = publishes(&got[3..])
            .iter()
            .map(|p| (p.payload.clone(), p.dup))
            .collect();
        assert_eq!(
            queued,
            [
                (b"three".to_vec().into(), false),
                (b"zero".to_vec().into(), false)
            ]
        );
        net.crash_raw(s);
    }
}

#[test]
fn clean_session_3_1_1_and_expiry_0_5_0_end_with_the_connection() {
    let mut net = Net::default_net();
    let a = net.raw_connected(V3, "c3", true);
    let b = net.raw_connected(V5, "c5", false); // expiry absent = 0
    net.crash_raw(a);
    net.crash_raw(b);
    // [MQTT-3.1.2-6] (3.1.1); 5.0 §3.1.2.11.2: expiry 0 ends at close.
    assert!(net.broker.sessions().is_empty());
}

#[test]
fn session_expires_after_its_interval_and_disconnect_may_change_it() {
    let mut net = Net::default_net();
    let c = net.raw(V5);
    net.send(c, &persistent(V5, "e", 10));
    net.recv(c);
    let props = Properties {
        session_expiry_interval: Some(20),
        ..Properties::default()
    };
    net.send(
        c,
        &Packet::Disconnect(Disconnect {
            reason_code: ReasonCode::SUCCESS,
            properties: props,
        }),
    );
    net.advance(19_999);
    assert_eq!(net.broker.sessions().len(), 1);
    net.advance(1);
    assert!(net.broker.sessions().is_empty());
    assert_eq!(
        net.count(|e| matches!(
            e,
            BrokerEvent::SessionEnded {
                why: SessionEndReason::Expired,
                ..
            }
        )),
        1
    );
}

#[test]
fn disconnect_may_not_raise_an_expiry_that_connect_set_to_0() {
    let mut net = Net::default_net();
    let c = net.raw_connected(V5, "z", true);
    let props = Properties {
        session_expiry_interval: Some(5),
        ..Properties::default()
    };
    net.send(
        c,
        &Packet::Disconnect(Disconnect {
            reason_code: ReasonCode::SUCCESS,
            properties: props,
        }),
    );
    // [MQTT-3.14.2-2]
    match net.recv(c).as_slice() {
        [Packet::Disconnect(d)] => assert_eq!(d.reason_code, ReasonCode::PROTOCOL_ERROR),
        other => panic!("{other:?}"),
    }
}

#[test]
fn will_is_published_when_the_transport_is_lost() {
    let mut net = Net::default_net();
    let w = watch(&mut net);
    for v in [V3, V5] {
        let c = net.raw(v);
        net.send(c, &with_will(connect(v, &format!("w{v:?}"), true), None));
        net.recv(c);
        net.crash_raw(c);
    }
    // [MQTT-3.1.2-8]
    assert_eq!(net.take(w), ["gone", "gone"]);
}

#[test]
fn will_is_published_on_keep_alive_timeout() {
    let mut net = Net::default_net();
    let w = watch(&mut net);
    let c = net.raw(V3);
    let mut p = with_will(connect(V3, "k", true), None);
    if let Packet::Connect(x) = &mut p {
        x.keep_alive = 2;
    }
    net.send(c, &p);
    net.advance(3_000);
    assert!(net.is_closed(c));
    assert_eq!(net.take(w), ["gone"]);
}

#[test]
fn will_is_not_published_after_a_normal_disconnect() {
    let mut net = Net::default_net();
    let w = watch(&mut net);
    for v in [V3, V5] {
        let c = net.raw(v);
        net.send(c, &with_will(connect(v, &format!("n{v:?}"), true), None));
        net.send(c, &Packet::Disconnect(Disconnect::default()));
        assert!(net.is_closed(c));
    }
    // [MQTT-3.1.2-10] (3.1.1 and 5.0)
    assert!(net.take(w).is_empty());
    let c = net.raw(V5);
    net.send(c, &with_will(connect(V5, "w4", true), None));
    net.send(
        c,
        &Packet::Disconnect(Disconnect {
            reason_code: ReasonCode::DISCONNECT_WITH_WILL,
            properties: Properties::default(),
        }),
    );
    // 5.0 §3.14.2.1: reason 0x04 asks for the Will.
    assert_eq!(net.take(w), ["gone"]);
}

#[test]
fn will_delay_is_cancelled_by_a_reconnect_in_time() {
    let mut net = Net::default_net();
    let w = watch(&mut net);
    let c = net.raw(V5);
    net.send(c, &with_will(persistent(V5, "d", 300), Some(5)));
    net.recv(c);
    net.crash_raw(c);
    net.advance(4_000);
    let c = net.raw(V5);
    net.send(c, &persistent(V5, "d", 300));
    net.advance(10_000);
    // [MQTT-3.1.3-9] (5.0)
    assert!(net.take(w).is_empty());
    assert_eq!(
        net.count(|e| matches!(e, BrokerEvent::WillCancelled { .. })),
        1
    );
    // Without a reconnect it goes out when the delay ends.
    let c2 = net.raw(V5);
    net.send(c2, &with_will(persistent(V5, "d3", 300), Some(5)));
    net.crash_raw(c2);
    net.advance(4_999);
    assert!(net.take(w).is_empty());
    net.advance(1);
    assert_eq!(net.take(w), ["gone"]);
}

#[test]
fn will_goes_out_when_the_session_ends_before_the_delay() {
    let mut net = Net::default_net();
    let w = watch(&mut net);
    let c = net.raw(V5);
    net.send(c, &with_will(persistent(V5, "s", 2), Some(60)));
    net.crash_raw(c);
    net.advance(2_000);
    assert_eq!(net.take(w), ["gone"]);
}

#[test]
fn a_full_queue_drops_the_oldest_qos0_then_refuses_new_messages() {
    let cfg = BrokerConfig {
        max_queued_messages: 2,
        ..BrokerConfig::default()
    };
    let mut net = Net::new(cfg);
    let s = net.add({
        let mut o = opts(V3, "slow");
        o.clean_start = false;
        o
    });
    net.subscribe(s, "f", sub(QoS::AtLeastOnce));
    net.crash(s);
    let p = net.add(opts(V5, "p"));
    net.publish(p, "f", "a0", QoS::AtMostOnce, false);
    net.publish(p, "f", "b1", QoS::AtLeastOnce, false);
    net.publish(p, "f", "c1", QoS::AtLeastOnce, false); // drops a0
    net.publish(p, "f", "d1", QoS::AtLeastOnce, false); // refused
    let dropped = net.count(|e| {
        matches!(
            e,
            BrokerEvent::MessageDropped {
                why: DropReason::QueueFull,
                ..
            }
        )
    });
    assert_eq!(dropped, 2);
    net.peers[s].client.connect(net.now);
    net.run();
    assert_eq!(net.take(s), ["b1", "c1"]);
}

#[test]
fn expired_messages_are_dropped_and_the_rest_carry_the_time_left() {
    let mut net = Net::default_net();
    let s = net.raw(V5);
    net.send(s, &persistent(V5, "x", 600));
    net.send(
        s,
        &Packet::Subscribe(mqtt_lab::codec::Subscribe {
            packet_id: 1,
            filters: vec![mqtt_lab::codec::SubscribeFilter {
                filter: "m".into(),
                options: sub(QoS::AtLeastOnce),
            }],
            properties: Properties::default(),
        }),
    );
    net.crash_raw(s);
    let p = net.raw_connected(V5, "p", true);
    for (payload, expiry) in [("short", 5), ("long", 60)] {
        let properties = Properties {
            message_expiry_interval: Some(expiry),
            ..Properties::default()
        };
        net.send(
            p,
            &Packet::Publish(Publish {
                qos: QoS::AtLeastOnce,
                topic: "m".into(),
                packet_id: 1,
                payload: payload.as_bytes().to_vec().into(),
                properties,
                ..Publish::default()
            }),
        );
    }
    net.advance(10_000);
    let s = net.raw(V5);
    net.send(s, &persistent(V5, "x", 600));
    let got = net.recv(s);
    let pubs = publishes(&got);
    // [MQTT-3.3.2-5]: expired → not sent; [MQTT-3.3.2-6]: 60 s less the 10 waited.
    assert_eq!(pubs.len(), 1);
    assert_eq!(&pubs[0].payload[..], b"long");
    assert_eq!(pubs[0].properties.message_expiry_interval, Some(50));
}

#[test]
fn restart_keeps_or_forgets_sessions_and_retained_messages() {
    let mut net = Net::default_net();
    let c = net.raw(V5);
    net.send(c, &persistent(V5, "keep", 600));
    let p = net.raw_connected(V5, "p", true);
    net.send(
        p,
        &Packet::Publish(Publish {
            retain: true,
            topic: "r".into(),
            payload: b"x".to_vec().into(),
            ..Publish::default()
        }),
    );
    net.broker.restart(net.now, true);
    net.run();
    assert!(net.is_closed(c) && net.is_closed(p));
    assert_eq!(net.broker.connection_count(), 0);
    assert_eq!(net.broker.sessions().len(), 1);
    assert_eq!(net.broker.retained().len(), 1);
    net.broker.restart(net.now, false);
    assert!(net.broker.sessions().is_empty());
    assert!(net.broker.retained().is_empty());
}
