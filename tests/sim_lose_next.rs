//! `lose_next`: a chosen packet lost the way a lossy link loses one (the
//! connection breaks), which is what the QoS lesson shows: QoS 0 is gone,
//! QoS 1 may arrive twice, QoS 2 arrives exactly once.
#![cfg(not(target_arch = "wasm32"))]

mod sim_common;

use mqtt_lab::codec::QoS;
use mqtt_lab::sim::{Direction, DropWhy, LinkConfig, SimEvent};
use sim_common::*;

/// A publisher with a persistent session and a subscriber to `t`, both up;
/// the publisher's next packet in `dir` is lost, then it publishes at `qos`.
fn lose_then_publish(qos: QoS, dir: Direction) -> (Vec<SimEvent>, Vec<String>) {
    let mut s = sim();
    let p = add(
        &mut s,
        "pub",
        persistent(V3, "pub"),
        LinkConfig::latency(50),
    );
    let r = add(&mut s, "sub", opts(V3, "sub"), LinkConfig::latency(50));
    s.run_for(500);
    sub(&mut s, r, "t", QoS::ExactlyOnce);
    s.run_for(500);
    s.lose_next(p, dir, 1).unwrap();
    publish(&mut s, p, "t", "m", qos, false);
    s.run_for(5_000);
    let log = drain(&mut s);
    let got = received(&log, r);
    (log, got)
}

fn lost(log: &[SimEvent]) -> usize {
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

#[test]
fn a_lost_qos0_publish_breaks_the_connection_and_is_gone() {
    let (log, got) = lose_then_publish(QoS::AtMostOnce, Direction::ToBroker);
    assert_eq!(lost(&log), 1);
    assert!(got.is_empty(), "QoS 0 is never sent again: {got:?}");
}

#[test]
fn a_lost_qos1_publish_is_sent_again_after_reconnecting() {
    let (log, got) = lose_then_publish(QoS::AtLeastOnce, Direction::ToBroker);
    assert_eq!(lost(&log), 1);
    assert_eq!(got, ["m"]);
}

#[test]
fn a_lost_puback_makes_qos1_arrive_twice() {
    let (log, got) = lose_then_publish(QoS::AtLeastOnce, Direction::ToPeer);
    assert_eq!(lost(&log), 1, "the PUBACK");
    assert_eq!(got, ["m", "m"], "sent again with DUP, delivered again");
}

#[test]
fn a_lost_pubrec_still_delivers_qos2_exactly_once() {
    let (log, got) = lose_then_publish(QoS::ExactlyOnce, Direction::ToPeer);
    assert_eq!(lost(&log), 1, "the PUBREC");
    assert_eq!(got, ["m"]);
}

#[test]
fn lose_next_counts_down_and_then_the_link_works() {
    let mut s = sim();
    let a = add(&mut s, "a", opts(V5, "a"), LinkConfig::latency(10));
    s.run_for(100);
    s.lose_next(a, Direction::ToBroker, 1).unwrap();
    publish(&mut s, a, "t", "x", QoS::AtMostOnce, false);
    s.run_for(2_000);
    publish(&mut s, a, "t", "y", QoS::AtMostOnce, false);
    s.run_for(200);
    let log = drain(&mut s);
    assert_eq!(lost(&log), 1, "only the first packet is lost");
    assert!(is_connected(&s, a), "it reconnected and stays connected");
}
