//! A small driver for client tests: feeds server packets built with the codec
//! and collects what the client transmits and reports.
#![allow(dead_code)]

use mqtt_lab::client::{Client, ClientOptions, Event, Millis};
use mqtt_lab::codec::{ConnAck, Decoder, Packet, Properties, ProtocolVersion, ReasonCode};

/// Parses "10 1C 00 04" into bytes.
pub fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).expect("hex byte"))
        .collect()
}

/// Formats bytes as "10 1C 00 04", for readable assertion failures.
pub fn show(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

pub struct Harness {
    pub client: Client,
    pub version: ProtocolVersion,
    pub now: Millis,
}

impl Harness {
    /// A client asked to connect at time 0 whose transport opened; the CONNECT
    /// is left in the transmit buffer.
    pub fn open(options: ClientOptions) -> Self {
        let version = options.protocol;
        let mut client = Client::new(options);
        client.connect(0);
        assert_eq!(client.poll_event(), Some(Event::OpenTransport));
        client.handle_connected(0);
        Harness {
            client,
            version,
            now: 0,
        }
    }

    /// A client connected with a plain CONNACK; CONNECT and events drained.
    pub fn connected(options: ClientOptions) -> Self {
        Self::connected_with(options, Properties::default())
    }

    /// A client connected with a CONNACK carrying `props`.
    pub fn connected_with(options: ClientOptions, props: Properties) -> Self {
        let mut h = Self::open(options);
        h.sent();
        h.connack(false, props);
        h.events();
        h
    }

    pub fn connack(&mut self, session_present: bool, properties: Properties) {
        self.feed(&Packet::ConnAck(ConnAck {
            session_present,
            reason_code: ReasonCode::SUCCESS,
            properties,
        }));
    }

    /// Encodes `packet` as the server would and hands it to the client.
    pub fn feed(&mut self, packet: &Packet) {
        let bytes = packet.to_bytes(self.version).expect("encodable");
        self.client.handle_bytes(self.now, &bytes);
    }

    pub fn feed_raw(&mut self, bytes: &[u8]) {
        self.client.handle_bytes(self.now, bytes);
    }

    /// Everything transmitted since the last call.
    pub fn sent(&mut self) -> Vec<u8> {
        let mut all = Vec::new();
        while let Some(b) = self.client.poll_transmit() {
            all.extend(b);
        }
        all
    }

    /// Asserts the exact bytes transmitted since the last call.
    pub fn expect_sent(&mut self, expected: &str) {
        assert_eq!(show(&self.sent()), show(&hex(expected)));
    }

    /// The packets transmitted since the last call.
    pub fn sent_packets(&mut self) -> Vec<Packet> {
        let mut d = Decoder::new(self.version);
        d.feed(&self.sent());
        let mut v = Vec::new();
        while let Some(p) = d.next().expect("client sends valid packets") {
            v.push(p);
        }
        v
    }

    pub fn events(&mut self) -> Vec<Event> {
        let mut v = Vec::new();
        while let Some(e) = self.client.poll_event() {
            v.push(e);
        }
        v
    }

    pub fn at(&mut self, now: Millis) -> &mut Self {
        self.now = now;
        self
    }

    pub fn timeout(&mut self, now: Millis) {
        self.now = now;
        self.client.handle_timeout(now);
    }
}
