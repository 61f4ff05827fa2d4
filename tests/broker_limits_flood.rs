#![cfg(not(target_arch = "wasm32"))]
//! A flood: one client publishes as fast as the broker takes it to subscribers
//! that are slow in every way a subscriber can be (never acknowledging, a
//! transport backed up, offline), while a healthy subscriber and a bystander
//! keep working. What the broker holds (its own count of queued messages and
//! bytes, not the process's memory) stays within its limits throughout.

mod broker_common;
use broker_common::*;
use mqtt_lab::broker::{BrokerConfig, BrokerEvent, DropReason};
use mqtt_lab::codec::{Packet, Properties, Publish, QoS, Subscribe, SubscribeFilter};

const MESSAGES: u32 = 10_000;
const PAYLOAD: usize = 100;

fn subscribe(filter: &str, qos: QoS) -> Packet {
    Packet::Subscribe(Subscribe {
        packet_id: 1,
        filters: vec![SubscribeFilter {
            filter: filter.into(),
            options: sub(qos),
        }],
        properties: Properties::default(),
    })
}

fn count_publishes(got: &[Packet]) -> usize {
    got.iter()
        .filter(|p| matches!(p, Packet::Publish(_)))
        .count()
}

#[test]
fn flood_to_slow_subscribers_keeps_the_broker_bounded_and_others_served() {
    let cfg = BrokerConfig {
        max_queued_messages: 500,
        max_queued_bytes: 32 * 1024,
        ..BrokerConfig::default()
    };
    let (max_msgs, max_bytes) = (cfg.max_queued_messages, cfg.max_queued_bytes);
    let mut net = Net::new(cfg);
    // Bystanders on another topic: peer 0 publishes, peer 1 (3.1.1) subscribes.
    let a = net.add(opts(V5, "a"));
    let b = net.add(opts(V3, "b"));
    net.subscribe(b, "other", sub(QoS::AtLeastOnce));

    // Slow 1: QoS 1 with Receive Maximum 4, never acknowledges.
    let never_acks = net.raw(V5);
    let mut c = connect(V5, "never-acks", true);
    if let Packet::Connect(x) = &mut c {
        x.properties.receive_maximum = Some(4);
    }
    net.send(never_acks, &c);
    net.send(never_acks, &subscribe("flood/#", QoS::AtLeastOnce));
    // Slow 2: QoS 0, its transport backed up.
    let backed_up = net.raw_connected(V3, "backed-up", true);
    net.send(backed_up, &subscribe("flood/#", QoS::AtMostOnce));
    net.broker.handle_backpressure(backed_up, net.now, true);
    // Slow 3: a persistent session that went away.
    let away = net.raw_connected(V3, "away", false);
    net.send(away, &subscribe("flood/#", QoS::AtLeastOnce));
    net.crash_raw(away);
    // Healthy: QoS 0, reads everything.
    let healthy = net.raw_connected(V5, "healthy", true);
    net.send(healthy, &subscribe("flood/#", QoS::AtMostOnce));
    for c in [never_acks, backed_up, healthy] {
        net.recv(c);
    }

    let flooder = net.raw_connected(V5, "flooder", true);
    let payload = vec![b'x'; PAYLOAD];
    let mut healthy_got = 0;
    let mut peak = (0, 0);
    for i in 0..MESSAGES {
        let qos = if i % 2 == 0 {
            QoS::AtMostOnce
        } else {
            QoS::AtLeastOnce
        };
        let p = Publish {
            qos,
            topic: format!("flood/{}", i % 10),
            packet_id: if qos == QoS::AtMostOnce {
                0
            } else {
                (i % 60_000 + 1) as u16
            },
            payload: payload.clone().into(),
            ..Publish::default()
        };
        net.send(flooder, &Packet::Publish(p));
        if i % 500 == 499 {
            let st = net.broker.stats();
            // Three slow sessions, each within its own limits.
            assert!(st.most_queued_messages <= max_msgs, "{st:?}");
            assert!(st.most_queued_bytes <= max_bytes, "{st:?}");
            assert!(st.queued_bytes <= 3 * max_bytes, "{st:?}");
            assert!(st.most_inflight <= 4, "{st:?}");
            peak = (peak.0.max(st.queued_messages), peak.1.max(st.queued_bytes));
            // The healthy subscriber has everything so far; the flooder its PUBACKs.
            healthy_got += count_publishes(&net.recv(healthy));
            assert_eq!(healthy_got, i as usize + 1);
            net.recv(flooder);
            // The bystanders still talk, in the middle of the flood.
            net.publish(a, "other", &i.to_string(), QoS::AtLeastOnce, false);
            assert_eq!(net.take(b), [i.to_string()]);
        }
    }
    assert!(net.connected(a) && net.connected(b));
    assert!(!net.is_closed(flooder) && !net.is_closed(never_acks) && !net.is_closed(backed_up));
    let dropped = net.count(|e| {
        matches!(
            e,
            BrokerEvent::MessageDropped {
                why: DropReason::QueueFull,
                ..
            }
        )
    });
    assert!(dropped > 0);
    println!(
        "{MESSAGES} messages of {PAYLOAD} bytes: peak {} queued messages / {} bytes in the broker, {dropped} dropped for slow sessions",
        peak.0, peak.1
    );

    // The backed-up transport drains: the messages it kept go out, and the queue empties.
    net.broker.handle_backpressure(backed_up, net.now, false);
    let got = count_publishes(&net.recv(backed_up));
    assert!(got > 0 && got <= max_msgs, "{got}");
    // The slow subscriber's window is full (QoS 0 messages went out until a
    // QoS 1 message found it full) and its queue within limits.
    let qos1 = net
        .recv(never_acks)
        .iter()
        .filter(|p| matches!(p, Packet::Publish(p) if p.qos == QoS::AtLeastOnce))
        .count();
    assert_eq!(qos1, 4);
    let sessions = net.broker.sessions();
    let queued = |id: &str| sessions.iter().find(|s| s.client_id == id).unwrap().queued;
    assert_eq!(queued("backed-up"), 0);
    assert!(queued("never-acks") <= max_msgs);
    assert!(queued("away") <= max_msgs);
}
