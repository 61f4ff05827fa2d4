//! QoS 1 and 2 over links that break, and sessions across broker restarts.
#![cfg(not(target_arch = "wasm32"))]

mod sim_common;

use mqtt_lab::broker::BrokerEvent;
use mqtt_lab::client::Event;
use mqtt_lab::codec::{Packet, QoS};
use mqtt_lab::sim::{DropWhy, LinkConfig, SimEvent, Simulation};
use sim_common::*;
use std::collections::BTreeMap;

fn lossy(loss: f64) -> LinkConfig {
    LinkConfig {
        latency_ms: 20,
        loss,
        duplicate: 0.0,
        up: true,
    }
}

/// Publishes `n` messages at `qos` over lossy links on both sides and runs
/// until everything settled; returns (log, publisher, subscriber).
fn lossy_delivery(
    qos: QoS,
    seed: u64,
    v: mqtt_lab::codec::ProtocolVersion,
) -> (Vec<SimEvent>, mqtt_lab::sim::PeerId, mqtt_lab::sim::PeerId) {
    let mut s = Simulation::new(Default::default(), seed);
    let subscriber = add(&mut s, "sub", persistent(v, "sub"), lossy(0.0));
    let publisher = add(&mut s, "pub", persistent(v, "pub"), lossy(0.0));
    s.run_for(200);
    sub(&mut s, subscriber, "data/#", qos);
    s.run_for(200);
    s.set_link(subscriber, lossy(0.15)).unwrap();
    s.set_link(publisher, lossy(0.15)).unwrap();
    for i in 0..40 {
        publish(&mut s, publisher, "data/x", &format!("{i}"), qos, false);
        s.run_for(50);
    }
    s.run_for(60_000);
    let mut log = drain(&mut s);
    // Settle on clean links so that the last breaks heal.
    s.set_link(subscriber, lossy(0.0)).unwrap();
    s.set_link(publisher, lossy(0.0)).unwrap();
    s.run_for(60_000);
    log.extend(drain(&mut s));
    (log, publisher, subscriber)
}

fn counts(got: &[String]) -> BTreeMap<u32, usize> {
    let mut m = BTreeMap::new();
    for g in got {
        *m.entry(g.parse().unwrap()).or_default() += 1;
    }
    m
}

fn broken_connections(log: &[SimEvent]) -> usize {
    log.iter()
        .filter(|e| {
            matches!(
                e,
                SimEvent::PacketDropped {
                    why: DropWhy::Lost,
                    ..
                }
            )
        })
        .count()
}

fn dup_publishes(log: &[SimEvent]) -> usize {
    log.iter()
        .filter(|e| matches!(e, SimEvent::PacketSent(f) if matches!(&f.packet, Some(Packet::Publish(p)) if p.dup)))
        .count()
}

#[test]
fn qos1_arrives_at_least_once_over_links_that_keep_breaking() {
    for v in [V3, V5] {
        let (log, publisher, subscriber) = lossy_delivery(QoS::AtLeastOnce, 1, v);
        assert!(
            broken_connections(&log) >= 5,
            "the links broke often: {}",
            broken_connections(&log)
        );
        assert!(
            dup_publishes(&log) > 0,
            "unacknowledged messages went again with DUP"
        );
        let got = counts(&received(&log, subscriber));
        assert_eq!(
            got.keys().copied().collect::<Vec<_>>(),
            (0..40).collect::<Vec<_>>(),
            "{v:?}"
        );
        let completed = log
            .iter()
            .filter(|e| matches!(e, SimEvent::Client { peer, event: Event::PublishComplete { result: Ok(_), .. }, .. } if *peer == publisher))
            .count();
        assert_eq!(completed, 40);
    }
}

#[test]
fn qos2_arrives_exactly_once_over_links_that_keep_breaking() {
    for (v, seed) in [(V3, 2), (V5, 3), (V5, 4)] {
        let (log, publisher, subscriber) = lossy_delivery(QoS::ExactlyOnce, seed, v);
        assert!(broken_connections(&log) >= 5);
        assert!(dup_publishes(&log) > 0);
        let got = counts(&received(&log, subscriber));
        assert_eq!(got.len(), 40, "{v:?} seed {seed}: every message arrived");
        assert!(
            got.values().all(|&n| n == 1),
            "{v:?} seed {seed}: none twice: {got:?}"
        );
        // Every publish completes successfully. When the PUBCOMP for a re-sent
        // PUBREL was lost with its connection, the broker has already forgotten
        // the identifier and answers the next PUBREL with 0x92 (Packet
        // Identifier not found): the client counts that as done, since PUBREC
        // had already made the broker responsible for the message.
        let mut ok = 0;
        for e in &log {
            if let SimEvent::Client {
                peer,
                event: Event::PublishComplete { result, .. },
                ..
            } = e
            {
                if *peer == publisher {
                    match result {
                        Ok(_) => ok += 1,
                        Err(e) => panic!("{v:?} seed {seed}: {e:?}"),
                    }
                }
            }
        }
        assert_eq!(ok, 40);
    }
}

#[test]
fn a_duplicated_publish_is_delivered_twice_at_qos1_and_once_at_qos2() {
    let mut s = sim();
    let subscriber = add(&mut s, "sub", opts(V5, "sub"), LinkConfig::latency(10));
    let dup_link = LinkConfig {
        duplicate: 1.0,
        ..LinkConfig::latency(10)
    };
    let publisher = add(&mut s, "pub", opts(V5, "pub"), dup_link);
    s.run_for(100);
    sub(&mut s, subscriber, "t/#", QoS::ExactlyOnce);
    s.run_for(100);
    publish(&mut s, publisher, "t/1", "one", QoS::AtLeastOnce, false);
    publish(&mut s, publisher, "t/2", "two", QoS::ExactlyOnce, false);
    s.run_for(1_000);
    let log = drain(&mut s);
    assert_eq!(received(&log, subscriber), ["one", "one", "two"]);
}

/// A persistent subscriber, a broker restart while it is away, then a message.
fn restart_with(keep_sessions: bool) -> (Vec<SimEvent>, bool) {
    let mut s = sim();
    let subscriber = add(
        &mut s,
        "sub",
        persistent(V5, "sub"),
        LinkConfig::latency(10),
    );
    let publisher = add(&mut s, "pub", opts(V3, "pub"), LinkConfig::latency(10));
    s.run_for(100);
    sub(&mut s, subscriber, "alerts/#", QoS::AtLeastOnce);
    publish(
        &mut s,
        publisher,
        "alerts/retained",
        "kept?",
        QoS::AtLeastOnce,
        true,
    );
    s.run_for(100);
    drain(&mut s);
    s.restart_broker(keep_sessions);
    // Both clients reconnect by themselves (after 100 ms).
    s.run_for(2_000);
    let connected = is_connected(&s, subscriber) && is_connected(&s, publisher);
    publish(
        &mut s,
        publisher,
        "alerts/fire",
        "fire",
        QoS::AtLeastOnce,
        false,
    );
    s.run_for(1_000);
    (drain(&mut s), connected)
}

#[test]
fn a_persistent_session_survives_a_restart_that_keeps_sessions() {
    let (log, connected) = restart_with(true);
    assert!(connected);
    assert!(log.iter().any(|e| matches!(e, SimEvent::Broker(BrokerEvent::SessionResumed { client_id, .. }) if client_id == "sub")));
    let sub = mqtt_lab::sim::PeerId(0);
    assert_eq!(received(&log, sub), ["fire"]);
}

#[test]
fn a_restart_without_sessions_forgets_subscriptions_and_retained_messages() {
    let (log, connected) = restart_with(false);
    assert!(connected);
    assert!(log.iter().any(|e| matches!(e, SimEvent::Broker(BrokerEvent::SessionEnded { client_id, .. }) if client_id == "sub")));
    // The client saw Session Present = 0 and subscribed again (resubscribe is
    // on), so the message still arrives; the retained message is gone.
    let sub = mqtt_lab::sim::PeerId(0);
    assert_eq!(received(&log, sub), ["fire"]);
    let resubscribed = log.iter().any(|e| {
        matches!(e,
        SimEvent::PacketSent(f) if f.peer == sub && matches!(f.packet, Some(Packet::Subscribe(_))))
    });
    assert!(resubscribed);
}

#[test]
fn retained_messages_survive_only_a_restart_that_keeps_them() {
    for keep in [true, false] {
        let mut s = sim();
        let p = add(&mut s, "p", opts(V5, "p"), LinkConfig::latency(10));
        s.run_for(100);
        publish(&mut s, p, "r", "x", QoS::AtMostOnce, true);
        s.run_for(100);
        s.restart_broker(keep);
        s.run_for(100);
        assert_eq!(s.snapshot().retained.len(), usize::from(keep));
    }
}
