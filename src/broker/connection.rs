//! One transport's state: its decoder, its phase and what its client asked for.

use super::alias::OutAliases;
use super::session::SessionKey;
use super::{ConnId, Millis};
use crate::codec::{Decoder, ProtocolVersion};
use std::collections::BTreeMap;

/// The phase of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Open, waiting for CONNECT.
    AwaitConnect,
    /// CONNACK accepted it; attached to this session.
    Connected(SessionKey),
}

/// A connection as the broker sees it.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) id: ConnId,
    pub(crate) decoder: Decoder,
    pub(crate) phase: Phase,
    /// Known from CONNECT; 3.1.1 until then.
    pub(crate) version: ProtocolVersion,
    pub(crate) client_id: Option<String>,
    pub(crate) opened_at: Millis,
    pub(crate) last_recv: Millis,
    /// The keep alive in force, in ms; `None` when off.
    pub(crate) keep_alive_ms: Option<Millis>,
    /// The client's Receive Maximum, capped by the broker's `max_inflight`.
    pub(crate) send_window: usize,
    /// The client's Maximum Packet Size.
    pub(crate) max_packet_out: usize,
    /// Topic Aliases the client set (5.0), alias → topic.
    pub(crate) aliases_in: BTreeMap<u16, String>,
    /// Topic Aliases the broker assigns to this client (5.0).
    pub(crate) aliases_out: OutAliases,
    /// Bytes to transmit.
    pub(crate) out: Vec<u8>,
    /// The host reported its transport backed up ([`Broker::handle_backpressure`](super::Broker::handle_backpressure)).
    pub(crate) busy: bool,
}

impl Conn {
    pub(crate) fn new(id: ConnId, now: Millis, max_packet_in: usize) -> Self {
        Conn {
            id,
            decoder: Decoder::server().with_max_packet_size(max_packet_in),
            phase: Phase::AwaitConnect,
            version: ProtocolVersion::V3_1_1,
            client_id: None,
            opened_at: now,
            last_recv: now,
            keep_alive_ms: None,
            send_window: 1,
            max_packet_out: crate::codec::MAX_PACKET_SIZE,
            aliases_in: BTreeMap::new(),
            aliases_out: OutAliases::none(),
            out: Vec::new(),
            busy: false,
        }
    }

    /// The session it is attached to, once connected.
    pub(crate) fn session(&self) -> Option<SessionKey> {
        match self.phase {
            Phase::Connected(k) => Some(k),
            Phase::AwaitConnect => None,
        }
    }

    /// When the keep alive runs out: 1.5 × the keep alive after the last packet
    /// [MQTT-3.1.2-24] (3.1.1 and 5.0 alike).
    pub(crate) fn keep_alive_deadline(&self) -> Option<Millis> {
        let ka = self.keep_alive_ms?;
        Some(self.last_recv.saturating_add(ka + ka / 2))
    }

    pub(crate) fn is_v5(&self) -> bool {
        self.version.is_v5()
    }
}
