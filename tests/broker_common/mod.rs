//! A test network: one broker, N sans-IO clients and raw-byte connections,
//! bytes moved in memory and virtual time advanced to the next deadline.
#![allow(dead_code)]

use mqtt_lab::broker::{Broker, BrokerConfig, BrokerEvent, ConnId};
use mqtt_lab::client::{Client, ClientOptions, Event, Message, Millis, ReconnectPolicy};
use mqtt_lab::codec::{
    Connect, Decoder, Packet, Properties, ProtocolVersion, QoS, SubscriptionOptions,
};
use std::collections::BTreeMap;

pub const V3: ProtocolVersion = ProtocolVersion::V3_1_1;
pub const V5: ProtocolVersion = ProtocolVersion::V5;

/// A client core with what it has received.
pub struct Peer {
    pub client: Client,
    pub conn: Option<ConnId>,
    pub messages: Vec<Message>,
    pub events: Vec<Event>,
}

/// A connection driven with raw packets.
pub struct Raw {
    pub version: ProtocolVersion,
    pub decoder: Decoder,
    pub inbox: Vec<u8>,
    pub closed: bool,
}

pub struct Net {
    pub broker: Broker,
    pub now: Millis,
    pub peers: Vec<Peer>,
    pub raws: BTreeMap<ConnId, Raw>,
    pub events: Vec<BrokerEvent>,
}

/// Client options without automatic reconnection.
pub fn opts(v: ProtocolVersion, id: &str) -> ClientOptions {
    let mut o = ClientOptions::new(v, id);
    o.reconnect = ReconnectPolicy::off();
    o.auto_topic_alias = false;
    o
}

pub fn sub(qos: QoS) -> SubscriptionOptions {
    SubscriptionOptions {
        qos,
        ..Default::default()
    }
}

/// A CONNECT for raw connections.
pub fn connect(v: ProtocolVersion, id: &str, clean: bool) -> Packet {
    Packet::Connect(Box::new(Connect {
        protocol: v,
        clean_start: clean,
        keep_alive: 0,
        client_id: id.into(),
        ..Connect::default()
    }))
}

pub fn hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Net {
    pub fn new(cfg: BrokerConfig) -> Self {
        Net {
            broker: Broker::new(cfg, 7),
            now: 0,
            peers: Vec::new(),
            raws: BTreeMap::new(),
            events: Vec::new(),
        }
    }

    pub fn default_net() -> Self {
        Self::new(BrokerConfig::default())
    }

    /// Adds a client and connects it; returns its index.
    pub fn add(&mut self, o: ClientOptions) -> usize {
        let mut client = Client::new(o);
        client.connect(self.now);
        self.peers.push(Peer {
            client,
            conn: None,
            messages: Vec::new(),
            events: Vec::new(),
        });
        self.run();
        self.peers.len() - 1
    }

    /// Opens a raw connection.
    pub fn raw(&mut self, v: ProtocolVersion) -> ConnId {
        let id = self.broker.open(self.now);
        self.raws.insert(
            id,
            Raw {
                version: v,
                decoder: Decoder::new(v),
                inbox: Vec::new(),
                closed: false,
            },
        );
        id
    }

    /// A raw connection that sent CONNECT and got its CONNACK (drained).
    pub fn raw_connected(&mut self, v: ProtocolVersion, id: &str, clean: bool) -> ConnId {
        let c = self.raw(v);
        self.send(c, &connect(v, id, clean));
        let got = self.recv(c);
        assert!(matches!(got.first(), Some(Packet::ConnAck(a)) if a.reason_code.0 == 0));
        c
    }

    /// Encodes `p` as the raw connection's version and hands it to the broker.
    pub fn send(&mut self, c: ConnId, p: &Packet) {
        let v = self.raws[&c].version;
        let bytes = p.to_bytes(v).expect("encodable");
        self.send_bytes(c, &bytes);
    }

    pub fn send_bytes(&mut self, c: ConnId, bytes: &[u8]) {
        self.broker.handle_bytes(c, self.now, bytes);
        self.run();
    }

    /// Bytes the broker sent to a raw connection since the last call.
    pub fn recv_bytes(&mut self, c: ConnId) -> Vec<u8> {
        self.run();
        core::mem::take(&mut self.raws.get_mut(&c).expect("raw").inbox)
    }

    /// Packets the broker sent to a raw connection since the last call.
    pub fn recv(&mut self, c: ConnId) -> Vec<Packet> {
        let bytes = self.recv_bytes(c);
        let raw = self.raws.get_mut(&c).expect("raw");
        raw.decoder.feed(&bytes);
        let mut out = Vec::new();
        while let Some(p) = raw.decoder.next().expect("broker sends valid packets") {
            out.push(p);
        }
        out
    }

    pub fn is_closed(&self, c: ConnId) -> bool {
        self.raws[&c].closed
    }

    /// Moves bytes and events until nothing moves.
    pub fn run(&mut self) {
        loop {
            let mut moved = false;
            for i in 0..self.peers.len() {
                while let Some(ev) = self.peers[i].client.poll_event() {
                    moved = true;
                    match ev {
                        Event::OpenTransport => {
                            let id = self.broker.open(self.now);
                            self.peers[i].conn = Some(id);
                            self.peers[i].client.handle_connected(self.now);
                        }
                        Event::CloseTransport => {
                            if let Some(id) = self.peers[i].conn.take() {
                                self.broker.handle_closed(id, self.now);
                            }
                        }
                        Event::Message(m) => self.peers[i].messages.push(*m),
                        other => self.peers[i].events.push(other),
                    }
                }
                while let Some(bytes) = self.peers[i].client.poll_transmit() {
                    moved = true;
                    if let Some(id) = self.peers[i].conn {
                        self.broker.handle_bytes(id, self.now, &bytes);
                    }
                }
            }
            while let Some((id, bytes)) = self.broker.poll_transmit() {
                moved = true;
                if let Some(r) = self.raws.get_mut(&id) {
                    r.inbox.extend_from_slice(&bytes);
                } else if let Some(p) = self.peers.iter_mut().find(|p| p.conn == Some(id)) {
                    p.client.handle_bytes(self.now, &bytes);
                }
            }
            while let Some(id) = self.broker.poll_close() {
                moved = true;
                if let Some(r) = self.raws.get_mut(&id) {
                    r.closed = true;
                } else if let Some(p) = self.peers.iter_mut().find(|p| p.conn == Some(id)) {
                    p.conn = None;
                    p.client.handle_closed(self.now, "closed by the broker");
                }
            }
            while let Some(e) = self.broker.poll_event() {
                self.events.push(e);
            }
            if !moved {
                return;
            }
        }
    }

    /// The earliest deadline of the broker and the clients.
    pub fn next_deadline(&self) -> Option<Millis> {
        let clients = self.peers.iter().filter_map(|p| p.client.poll_timeout());
        self.broker.poll_timeout().into_iter().chain(clients).min()
    }

    /// Advances virtual time by `ms`, stopping at every deadline on the way.
    pub fn advance(&mut self, ms: Millis) {
        let end = self.now + ms;
        loop {
            let next = self.next_deadline().filter(|&t| t <= end);
            self.now = next.unwrap_or(end).max(self.now);
            self.broker.handle_timeout(self.now);
            for p in &mut self.peers {
                p.client.handle_timeout(self.now);
            }
            self.run();
            if next.is_none() {
                return;
            }
        }
    }

    /// The transport of peer `i` breaks: both sides see it go.
    pub fn crash(&mut self, i: usize) {
        if let Some(id) = self.peers[i].conn.take() {
            self.broker.handle_closed(id, self.now);
            self.peers[i].client.handle_closed(self.now, "crash");
        }
        self.run();
    }

    /// The raw connection's transport breaks.
    pub fn crash_raw(&mut self, c: ConnId) {
        self.broker.handle_closed(c, self.now);
        self.raws.get_mut(&c).expect("raw").closed = true;
        self.run();
    }

    pub fn subscribe(&mut self, i: usize, filter: &str, o: SubscriptionOptions) {
        self.subscribe_with(i, filter, o, Properties::default());
    }

    pub fn subscribe_with(
        &mut self,
        i: usize,
        filter: &str,
        o: SubscriptionOptions,
        p: Properties,
    ) {
        let now = self.now;
        self.peers[i]
            .client
            .subscribe(now, vec![(filter.into(), o)], p)
            .expect("subscribe");
        self.run();
    }

    pub fn publish(&mut self, i: usize, topic: &str, payload: &str, qos: QoS, retain: bool) {
        let now = self.now;
        let o = mqtt_lab::client::PublishOptions {
            qos,
            retain,
            properties: Properties::default(),
        };
        self.peers[i]
            .client
            .publish(now, topic, payload.as_bytes().to_vec(), o)
            .expect("publish");
        self.run();
    }

    /// Payloads peer `i` received, as strings, drained.
    pub fn take(&mut self, i: usize) -> Vec<String> {
        self.peers[i]
            .messages
            .drain(..)
            .map(|m| String::from_utf8_lossy(&m.payload).into_owned())
            .collect()
    }

    pub fn connected(&self, i: usize) -> bool {
        self.peers[i].conn.is_some()
            && self.peers[i].client.state() == mqtt_lab::client::ConnectionState::Connected
    }

    /// Broker events matching `f`, counted.
    pub fn count(&self, f: impl Fn(&BrokerEvent) -> bool) -> usize {
        self.events.iter().filter(|e| f(e)).count()
    }
}
