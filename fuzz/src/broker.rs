//! The broker fed bytes from four connections (input format in `script`).
//!
//! Checks after every step: every byte the broker sends decodes, as whole
//! packets, in the version of the connection's CONNECT; nothing is sent on a
//! connection after the broker asked for it to be closed; and its limits hold
//! (connections, queued messages and bytes, in-flight messages, subscriptions,
//! retained messages and bytes, incoming QoS 2 awaiting PUBREL). The limits are
//! set small so that the fuzzer reaches them. Action 5 with an odd operand
//! reports the connection's transport backed up (operand bit 1) or drained.

use super::samples::{bytes, connect, every_packet, publish, subscribe};
use super::script::{Script, Step, Steps};
use mqtt_lab::broker::{Broker, BrokerConfig, ConnId};
use mqtt_lab::codec::{
    Decoder, Packet, ProtocolVersion, PubResponse, QoS, SubscribeFilter, SubscriptionOptions,
};
use mqtt_lab::topic::RetainedLimits;
use std::collections::BTreeSet;

/// The broker configuration of the fuzz target: every limit small.
pub fn fuzz_broker_config() -> BrokerConfig {
    BrokerConfig {
        max_connections: 3,
        max_pending_connections: 2,
        connect_timeout_ms: 5_000,
        max_packet_size: 2048,
        receive_maximum: 4,
        max_inflight: 3,
        max_queued_messages: 6,
        max_queued_bytes: 200,
        max_subscriptions_per_client: 4,
        max_topic_levels: 8,
        max_topic_length: 40,
        topic_alias_maximum: 4,
        retained: RetainedLimits {
            max_messages: 4,
            max_bytes: 512,
        },
        ..BrokerConfig::default()
    }
}

struct Slot {
    id: ConnId,
    /// What we sent, decoded as the broker does, to learn the version.
    mirror: Decoder,
    /// What the broker sent, once the version is known.
    out: Option<Decoder>,
    closed: bool,
}

struct Harness {
    broker: Broker,
    now: u64,
    slots: Vec<Slot>,
    /// Connections the broker asked to close.
    closed: BTreeSet<ConnId>,
}

impl Harness {
    fn open(&mut self, i: usize) {
        let id = self.broker.open(self.now);
        self.slots[i] = Slot {
            id,
            mirror: Decoder::server(),
            out: None,
            closed: false,
        };
    }

    fn slot_of(&mut self, id: ConnId) -> Option<&mut Slot> {
        self.slots.iter_mut().find(|s| s.id == id)
    }

    /// Moves everything the broker has to say, checking it.
    fn drain(&mut self) {
        while let Some((id, buf)) = self.broker.poll_transmit() {
            assert!(
                !self.closed.contains(&id),
                "bytes for {id:?} after its close"
            );
            assert!(!buf.is_empty(), "an empty transmit");
            let Some(slot) = self.slot_of(id) else {
                continue;
            };
            let v = slot.mirror.version().unwrap_or(ProtocolVersion::V3_1_1);
            let d = slot.out.get_or_insert_with(|| Decoder::new(v));
            d.feed(&buf);
            loop {
                match d.next() {
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(e) => panic!("the broker sent bytes that do not decode in {v}: {e}"),
                }
            }
            assert_eq!(d.buffered(), 0, "the broker sent part of a packet");
        }
        while let Some(id) = self.broker.poll_close() {
            assert!(self.closed.insert(id), "{id:?} closed twice");
            if let Some(slot) = self.slot_of(id) {
                slot.closed = true;
            }
        }
        while self.broker.poll_event().is_some() {}
    }

    /// The limits, from the broker's totals (cheap: after every step).
    fn check_stats(&self) {
        let cfg = self.broker.config();
        let st = self.broker.stats();
        assert!(st.most_queued_messages <= cfg.max_queued_messages, "{st:?}");
        assert!(st.most_queued_bytes <= cfg.max_queued_bytes, "{st:?}");
        assert!(st.most_inflight <= usize::from(cfg.max_inflight), "{st:?}");
        assert!(st.retained_messages <= cfg.retained.max_messages, "{st:?}");
        assert!(st.retained_bytes <= cfg.retained.max_bytes, "{st:?}");
        assert!(
            st.connections <= cfg.max_connections + cfg.max_pending_connections,
            "{st:?}"
        );
        assert_eq!(st.transmit_bytes, 0, "everything was taken");
    }

    /// The limits, from the listings (after the last step).
    fn check_limits(&self) {
        let cfg = self.broker.config();
        let sessions = self.broker.sessions();
        let online = sessions.iter().filter(|s| s.conn.is_some()).count();
        assert!(online <= cfg.max_connections, "{online} sessions online");
        for s in &sessions {
            assert!(s.queued <= cfg.max_queued_messages, "{s:?}");
            assert!(s.inflight <= usize::from(cfg.max_inflight), "{s:?}");
            assert!(s.subscriptions <= cfg.max_subscriptions_per_client, "{s:?}");
            assert!(
                s.awaiting_pubrel <= usize::from(cfg.receive_maximum),
                "{s:?}"
            );
        }
        let retained = self.broker.retained();
        assert!(retained.len() <= cfg.retained.max_messages);
        let bytes: usize = retained
            .iter()
            .map(|r| r.topic.len() + r.payload.len() + r.properties.encoded_len())
            .sum();
        assert!(bytes <= cfg.retained.max_bytes, "{bytes} retained bytes");
    }
}

/// See the module docs.
pub fn broker(data: &[u8]) {
    let broker = Broker::new(fuzz_broker_config(), 1);
    let mut h = Harness {
        broker,
        now: 0,
        slots: Vec::new(),
        closed: BTreeSet::new(),
    };
    for _ in 0..4 {
        let id = h.broker.open(0);
        h.slots.push(Slot {
            id,
            mirror: Decoder::server(),
            out: None,
            closed: false,
        });
    }
    h.drain();
    for step in Steps::new(data) {
        match step {
            Step::Bytes { conn, bytes } => {
                // Bytes on a closed connection come on a new one.
                if h.slots[conn].closed {
                    h.open(conn);
                }
                let slot = &mut h.slots[conn];
                slot.mirror.feed(bytes);
                while let Ok(Some(_)) = slot.mirror.next() {}
                let id = slot.id;
                h.broker.handle_bytes(id, h.now, bytes);
            }
            Step::Close { conn } => {
                let id = h.slots[conn].id;
                h.broker.handle_closed(id, h.now);
                h.slots[conn].closed = true;
            }
            // Odd: the host's transport backs up or drains; even: a new transport.
            Step::Open { conn, arg } if arg & 1 == 1 => {
                let id = h.slots[conn].id;
                h.broker.handle_backpressure(id, h.now, arg & 2 != 0);
            }
            Step::Open { conn, .. } => {
                if h.slots[conn].closed {
                    h.open(conn);
                }
            }
            Step::Advance { quarters } => {
                h.now += u64::from(quarters) * 250;
                h.broker.handle_timeout(h.now);
            }
            Step::Special { arg } => {
                h.broker.restart(h.now, arg & 1 == 1);
            }
        }
        // The broker's own deadline, if it has passed.
        if h.broker.poll_timeout().is_some_and(|t| t <= h.now) {
            h.broker.handle_timeout(h.now);
        }
        h.drain();
        h.check_stats();
    }
    h.check_limits();
}

/// Sessions of both versions: publish/subscribe at every QoS, retained
/// messages, shared subscriptions, acknowledgements, Wills, keep alive and
/// takeover.
pub(crate) fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let v3 = ProtocolVersion::V3_1_1;
    let v5 = ProtocolVersion::V5;
    for (a, b) in [(v3, v3), (v5, v5), (v3, v5), (v5, v3)] {
        let mut s = Script::default();
        let sub = subscribe(
            a,
            1,
            &[
                ("home/#", QoS::ExactlyOnce),
                ("home/+/temp", QoS::AtLeastOnce),
                ("$share/g/home/#", QoS::AtMostOnce),
            ],
        );
        s.send(
            0,
            &bytes(&Packet::Connect(Box::new(connect(a, "sub", false, 2))), a),
        );
        s.send(0, &bytes(&Packet::Subscribe(sub), a));
        s.send(
            1,
            &bytes(&Packet::Connect(Box::new(connect(b, "pub", true, 0))), b),
        );
        for (qos, id) in [
            (QoS::AtMostOnce, 0),
            (QoS::AtLeastOnce, 1),
            (QoS::ExactlyOnce, 2),
        ] {
            let p = publish(b, "home/kitchen/temp", qos, id, qos == QoS::AtLeastOnce);
            s.send(1, &bytes(&Packet::Publish(p), b));
        }
        s.send(1, &bytes(&Packet::PubRel(PubResponse::new(2)), b));
        for id in 1..=4 {
            s.send(0, &bytes(&Packet::PubAck(PubResponse::new(id)), a));
            s.send(0, &bytes(&Packet::PubRec(PubResponse::new(id)), a));
            s.send(0, &bytes(&Packet::PubComp(PubResponse::new(id)), a));
        }
        s.send(0, &bytes(&Packet::PingReq, a));
        // A late subscriber gets the retained message.
        s.send(
            2,
            &bytes(&Packet::Connect(Box::new(connect(a, "late", true, 0))), a),
        );
        let late = subscribe(a, 5, &[("home/kitchen/temp", QoS::AtLeastOnce)]);
        s.send(2, &bytes(&Packet::Subscribe(late), a));
        // The subscriber vanishes: its Will goes out; it comes back for its session.
        s.close(0);
        s.advance(12);
        s.send(
            0,
            &bytes(&Packet::Connect(Box::new(connect(a, "sub", false, 0))), a),
        );
        s.send(0, &bytes(&every_packet(a)[11], a)); // UNSUBSCRIBE
                                                    // Takeover of "pub", then silence past the keep alive.
        s.send(
            3,
            &bytes(&Packet::Connect(Box::new(connect(b, "pub", false, 1))), b),
        );
        s.advance(40);
        s.send(2, &bytes(&every_packet(a)[15], a)); // DISCONNECT
        s.special(1);
        out.push((format!("session-{}-{}", a.level(), b.level()), s.bytes));
    }
    // Every packet type from a client, after CONNECT (the server-only ones are violations).
    for v in [v3, v5] {
        let mut s = Script::default();
        for p in every_packet(v) {
            s.send(0, &bytes(&p, v));
        }
        out.push((format!("every-packet-{}", v.level()), s.bytes));
    }
    // Limits: many subscriptions, a queue that fills, retained messages that overflow.
    let mut s = Script::default();
    s.send(
        0,
        &bytes(
            &Packet::Connect(Box::new(connect(v5, "slow", false, 0))),
            v5,
        ),
    );
    let filters: Vec<SubscribeFilter> = ["a/1", "a/2", "a/3", "a/4", "a/5", "a/#"]
        .iter()
        .map(|f| SubscribeFilter {
            filter: (*f).into(),
            options: SubscriptionOptions {
                qos: QoS::AtLeastOnce,
                ..SubscriptionOptions::default()
            },
        })
        .collect();
    let sub = mqtt_lab::codec::Subscribe {
        packet_id: 1,
        filters,
        properties: Default::default(),
    };
    s.send(0, &bytes(&Packet::Subscribe(sub), v5));
    s.send(
        1,
        &bytes(&Packet::Connect(Box::new(connect(v5, "fast", true, 0))), v5),
    );
    for i in 0..12u16 {
        let p = publish(v5, &format!("a/{}", i % 6), QoS::AtLeastOnce, i + 1, true);
        s.send(1, &bytes(&Packet::Publish(p), v5));
    }
    s.send(
        2,
        &bytes(
            &Packet::Connect(Box::new(connect(v3, "third", true, 0))),
            v3,
        ),
    );
    s.send(
        3,
        &bytes(
            &Packet::Connect(Box::new(connect(v3, "fourth", true, 0))),
            v3,
        ),
    );
    out.push(("limits".into(), s.bytes));
    out
}
