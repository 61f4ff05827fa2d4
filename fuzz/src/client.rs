//! The client core fed bytes from a broker.
//!
//! Input: one options byte, then a script (`script`; the connection
//! number is ignored). Options: bit 0 the version (3.1.1 / 5.0), bit 1 an
//! empty client identifier, bit 2 clean start, bit 3 keep alive 10 s, bit 4
//! reconnection, bit 5 automatic Topic Aliases, bit 6 packet tracing.
//! Action 5 is a user command (publish, subscribe or unsubscribe, from its
//! operand); action 7 disconnects (even operand) or connects again (odd).
//!
//! Checks: every transport the client opens carries CONNECT first and then
//! only whole packets that a server's decoder accepts; nothing is written
//! while no transport is open; a publish while not connected does not grow
//! the queue past the offline limit.

use super::samples::{bytes, every_packet, publish};
use super::script::{Script, Step, Steps};
use mqtt_lab::client::{
    Client, ClientOptions, ConnectionState, Event, PublishOptions, ReconnectPolicy,
};
use mqtt_lab::codec::{
    ConnAck, Decoder, Packet, Properties, ProtocolVersion, PubResponse, QoS, ReasonCode, SubAck,
    SubscriptionOptions,
};

const OFFLINE_QUEUE: usize = 8;

/// Topics and filters the commands use: valid, invalid, `$`, shared, long.
const TOPICS: [&str; 8] = [
    "a",
    "home/kitchen/temp",
    "home/+/temp",
    "$SYS/x",
    "",
    "a/#/b",
    "$share/g/home/#",
    "x/y/z/w/v/u/t/s/r/q/p/o/n/m/l/k/j/i/h/g/f/e/d/c/b/a",
];

fn options(b: u8) -> ClientOptions {
    let v = if b & 1 == 0 {
        ProtocolVersion::V3_1_1
    } else {
        ProtocolVersion::V5
    };
    let mut o = ClientOptions::new(v, if b & 2 != 0 { "" } else { "fuzz" });
    o.clean_start = b & 4 != 0;
    o.keep_alive = if b & 8 != 0 { 10 } else { 0 };
    o.reconnect = if b & 16 != 0 {
        ReconnectPolicy::default()
    } else {
        ReconnectPolicy::off()
    };
    o.auto_topic_alias = b & 32 != 0;
    o.trace_packets = b & 64 != 0;
    o.offline_queue_limit = OFFLINE_QUEUE;
    o.connect_timeout_ms = 5_000;
    if v.is_v5() {
        o.properties.topic_alias_maximum = Some(4);
        o.properties.receive_maximum = Some(4);
        o.properties.maximum_packet_size = Some(4096);
    }
    o
}

struct Harness {
    client: Client,
    now: u64,
    /// The server's view of the open transport, if one is open.
    transport: Option<Decoder>,
}

impl Harness {
    fn drain(&mut self) {
        loop {
            let mut moved = false;
            while let Some(buf) = self.client.poll_transmit() {
                moved = true;
                let Some(d) = self.transport.as_mut() else {
                    panic!("{} bytes written with no transport open", buf.len());
                };
                d.feed(&buf);
                loop {
                    match d.next() {
                        Ok(Some(_)) => {}
                        Ok(None) => break,
                        Err(e) => panic!("the client sent bytes a server refuses: {e}"),
                    }
                }
                assert_eq!(d.buffered(), 0, "the client sent part of a packet");
            }
            while let Some(ev) = self.client.poll_event() {
                moved = true;
                match ev {
                    Event::OpenTransport => {
                        assert!(self.transport.is_none(), "a second transport");
                        self.transport = Some(Decoder::server());
                        self.client.handle_connected(self.now);
                    }
                    Event::CloseTransport => {
                        assert!(self.transport.take().is_some(), "closing no transport");
                    }
                    _ => {}
                }
            }
            if !moved {
                break;
            }
        }
    }

    fn command(&mut self, arg: u8) {
        let topic = TOPICS[usize::from(arg >> 5)];
        let qos = QoS::from_u8((arg >> 2) & 3).unwrap_or(QoS::ExactlyOnce);
        let now = self.now;
        // Refusals (a bad topic, a full queue) are answers, not failures.
        let _ = match arg & 3 {
            0 | 1 => {
                let o = PublishOptions {
                    qos,
                    retain: arg & 1 == 1,
                    properties: Properties::default(),
                };
                self.client
                    .publish(now, topic, b"x".to_vec(), o)
                    .map(|_| ())
            }
            2 => {
                let o = SubscriptionOptions {
                    qos,
                    no_local: arg & 16 != 0,
                    ..SubscriptionOptions::default()
                };
                self.client
                    .subscribe(now, vec![(topic.to_owned(), o)], Properties::default())
                    .map(|_| ())
            }
            _ => self
                .client
                .unsubscribe(now, vec![topic.to_owned()], Properties::default())
                .map(|_| ()),
        };
    }
}

/// See the module docs.
pub fn client(data: &[u8]) {
    let Some((&opts, script)) = data.split_first() else {
        return;
    };
    let mut h = Harness {
        client: Client::new(options(opts)),
        now: 0,
        transport: None,
    };
    h.client.connect(0);
    h.drain();
    for step in Steps::new(script) {
        match step {
            Step::Bytes { bytes, .. } => h.client.handle_bytes(h.now, bytes),
            Step::Close { .. } => {
                if h.transport.take().is_some() {
                    h.client.handle_closed(h.now, "closed by the fuzzer");
                }
            }
            Step::Open { arg, .. } => {
                // Not connected, a publish waits in the offline queue, up to its
                // limit (messages accepted while connected may already exceed it).
                let offline = h.client.state() != ConnectionState::Connected;
                let before = h.client.queued_messages();
                h.command(arg);
                if offline {
                    assert!(h.client.queued_messages() <= before.max(OFFLINE_QUEUE));
                }
            }
            Step::Advance { quarters } => {
                h.now += u64::from(quarters) * 250;
                h.client.handle_timeout(h.now);
            }
            Step::Special { arg } => {
                if arg & 1 == 0 {
                    let reason = if arg & 2 == 0 {
                        ReasonCode::SUCCESS
                    } else {
                        ReasonCode::DISCONNECT_WITH_WILL
                    };
                    h.client.disconnect(h.now, reason);
                } else {
                    h.client.connect(h.now);
                }
            }
        }
        if h.client.poll_timeout().is_some_and(|t| t <= h.now) {
            h.client.handle_timeout(h.now);
        }
        h.drain();
    }
}

/// A broker's side of sessions of both versions: CONNACK, then every packet a
/// server sends, with user commands and time in between.
pub(crate) fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (v, opts) in [
        (ProtocolVersion::V3_1_1, 0b1000u8),
        (ProtocolVersion::V5, 0b111001),
    ] {
        let mut s = Script::with_prefix(&[opts]);
        let every = every_packet(v);
        s.send(0, &bytes(&every[1], v)); // CONNACK
        s.open(0, 2 | (1 << 2) | (2 << 5)); // subscribe home/+/temp, QoS 1
        s.open(0, 1 << 2 | (1 << 5)); // publish QoS 1
        s.open(0, 2 << 2 | (1 << 5)); // publish QoS 2
        s.send(
            0,
            &bytes(
                &Packet::SubAck(SubAck {
                    packet_id: 1,
                    reason_codes: vec![ReasonCode(1)],
                    properties: Properties::default(),
                }),
                v,
            ),
        );
        s.send(0, &bytes(&Packet::PubAck(PubResponse::new(2)), v));
        s.send(0, &bytes(&Packet::PubRec(PubResponse::new(3)), v));
        s.send(0, &bytes(&Packet::PubComp(PubResponse::new(3)), v));
        for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let p = publish(v, "home/kitchen/temp", qos, 9, false);
            s.send(0, &bytes(&Packet::Publish(p), v));
        }
        s.send(0, &bytes(&Packet::PubRel(PubResponse::new(9)), v));
        s.advance(44); // keep alive: PINGREQ
        s.send(0, &bytes(&Packet::PingResp, v));
        s.open(0, 3 | (2 << 5)); // unsubscribe
        s.send(0, &bytes(&every[12], v)); // UNSUBACK
                                          // Lost, then offline publishes, then back with a session.
        s.close(0);
        s.open(0, 1 << 2);
        s.special(1);
        let back = ConnAck {
            session_present: true,
            reason_code: ReasonCode::SUCCESS,
            properties: Properties::default(),
        };
        s.send(0, &bytes(&Packet::ConnAck(back), v));
        s.send(0, &bytes(&every[15], v)); // DISCONNECT from the server
        out.push((format!("session-{}", v.level()), s.bytes));
    }
    // Every packet type from the server after CONNACK, client-only types included.
    for (v, opts) in [(ProtocolVersion::V3_1_1, 0u8), (ProtocolVersion::V5, 1)] {
        let mut s = Script::with_prefix(&[opts]);
        for p in every_packet(v).iter().skip(1) {
            s.send(0, &bytes(p, v));
        }
        out.push((format!("every-packet-{}", v.level()), s.bytes));
    }
    // 5.0 Topic Aliases from the server.
    let v = ProtocolVersion::V5;
    let mut s = Script::with_prefix(&[1]);
    s.send(0, &bytes(&every_packet(v)[1], v));
    let mut first = publish(v, "home/alias", QoS::AtMostOnce, 0, false);
    first.properties.topic_alias = Some(2);
    let mut again = first.clone();
    again.topic.clear();
    s.send(0, &bytes(&Packet::Publish(first), v));
    s.send(0, &bytes(&Packet::Publish(again), v));
    out.push(("alias-5".into(), s.bytes));
    out
}
