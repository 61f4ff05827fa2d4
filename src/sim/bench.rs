//! [`BrokerBench`]: a fixed workload for measuring the broker's routing speed,
//! the same natively (`benches/broker.rs`) and in wasm (`benches/broker_node.mjs`).

use super::Millis;
use crate::broker::{Broker, BrokerConfig, ConnId};
use crate::codec::{
    Connect, Packet, ProtocolVersion, Publish, QoS, Subscribe, SubscribeFilter, SubscriptionOptions,
};

/// `clients` connected MQTT 3.1.1 clients, each subscribed to one of
/// `clients / fanout` topics (so each topic has `fanout` subscribers), and one
/// more connection that publishes pre-encoded QoS 0 PUBLISH packets to those
/// topics in turn. The subscribers' bytes are drained and discarded.
/// With `fanout` 0 nobody subscribes (idle sessions only).
pub struct BrokerBench {
    broker: Broker,
    publisher: ConnId,
    frames: Vec<Vec<u8>>,
    next: usize,
    now: Millis,
}

impl core::fmt::Debug for BrokerBench {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BrokerBench")
            .field("topics", &self.frames.len())
            .finish_non_exhaustive()
    }
}

const V: ProtocolVersion = ProtocolVersion::V3_1_1;

fn bytes(p: Packet) -> Vec<u8> {
    p.to_bytes(V).expect("a valid packet")
}

impl BrokerBench {
    /// Connects and subscribes everyone (not part of what is measured).
    pub fn new(clients: usize, fanout: usize) -> Self {
        let cfg = BrokerConfig {
            max_connections: clients + 1,
            ..BrokerConfig::default()
        };
        let mut broker = Broker::new(cfg, 1);
        let topics = clients.checked_div(fanout).map_or(0, |t| t.max(1));
        let connect = |id: String| {
            bytes(Packet::Connect(Box::new(Connect {
                protocol: V,
                clean_start: true,
                keep_alive: 0,
                client_id: id,
                ..Connect::default()
            })))
        };
        for i in 0..clients {
            let conn = broker.open(0);
            broker.handle_bytes(conn, 0, &connect(format!("c{i}")));
            if topics > 0 {
                let sub = Packet::Subscribe(Subscribe {
                    packet_id: 1,
                    filters: vec![SubscribeFilter {
                        filter: format!("bench/{}", i % topics),
                        options: SubscriptionOptions::default(),
                    }],
                    properties: Default::default(),
                });
                broker.handle_bytes(conn, 0, &bytes(sub));
            }
            while broker.poll_transmit().is_some() {}
            while broker.poll_event().is_some() {}
        }
        let publisher = broker.open(0);
        broker.handle_bytes(publisher, 0, &connect("publisher".into()));
        while broker.poll_transmit().is_some() {}
        while broker.poll_event().is_some() {}
        let frames = (0..topics.max(1))
            .map(|k| {
                bytes(Packet::Publish(Publish {
                    dup: false,
                    qos: QoS::AtMostOnce,
                    retain: false,
                    topic: format!("bench/{k}"),
                    packet_id: 0,
                    payload: bytes::Bytes::from_static(b"21.5 degrees, ok"),
                    properties: Default::default(),
                }))
            })
            .collect();
        BrokerBench {
            broker,
            publisher,
            frames,
            next: 0,
            now: 0,
        }
    }

    /// Publishes `n` messages, draining what the broker sends after each;
    /// returns how many deliveries (subscriber transmits) that made.
    pub fn publish(&mut self, n: usize) -> usize {
        let mut delivered = 0;
        for _ in 0..n {
            let frame = &self.frames[self.next];
            self.next = (self.next + 1) % self.frames.len();
            self.broker.handle_bytes(self.publisher, self.now, frame);
            while let Some(out) = self.broker.poll_transmit() {
                delivered += usize::from(!out.1.is_empty());
            }
        }
        // Nothing is traced, but keep the event queue from growing regardless.
        while self.broker.poll_event().is_some() {}
        self.now += 1;
        delivered
    }

    /// How many connections the broker holds.
    pub fn connections(&self) -> usize {
        self.broker.connection_count()
    }
}
