//! What the simulation reports: [`SimEvent`]s and the [`Flight`] of each packet.

use super::peer::PeerId;
use super::Millis;
use crate::broker::{BrokerEvent, ConnId};
use crate::client::Event;
use crate::codec::{Packet, ProtocolVersion};
use bytes::Bytes;

/// Which way a packet travels on its link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the peer to the broker.
    ToBroker = 0,
    /// From the broker to the peer.
    ToPeer = 1,
}

/// Why a packet did not arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DropWhy {
    /// The link lost it, and with it the connection broke (see the loss model).
    Lost,
    /// The link was partitioned: lost without anyone being told.
    Partitioned,
    /// Dropped on purpose by [`Simulation::drop_next`](super::Simulation::drop_next).
    DroppedOnPurpose,
    /// It was in flight when its connection broke.
    ConnectionBroken,
    /// It arrived after its receiver had closed the connection.
    TransportClosed,
}

impl DropWhy {
    /// A short name for the page (`"lost"`, `"partitioned"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            DropWhy::Lost => "lost",
            DropWhy::Partitioned => "partitioned",
            DropWhy::DroppedOnPurpose => "dropped",
            DropWhy::ConnectionBroken => "connectionBroken",
            DropWhy::TransportClosed => "transportClosed",
        }
    }
}

/// One packet on its way: what a page animates.
#[derive(Debug, Clone, PartialEq)]
pub struct Flight {
    /// Unique in the simulation, in sending order.
    pub id: u64,
    /// The peer at the other end of the broker.
    pub peer: PeerId,
    /// The broker's name for the connection it travels on.
    pub conn: ConnId,
    /// Which way it goes.
    pub direction: Direction,
    /// When it left.
    pub sent_at: Millis,
    /// When it arrives (or, if lost, when it vanishes).
    pub arrives_at: Millis,
    /// Its bytes: one whole packet, or bytes that do not frame as one.
    pub bytes: Bytes,
    /// The decoded packet, if the bytes are one valid packet.
    pub packet: Option<Packet>,
    /// The protocol version the bytes were decoded with.
    pub version: ProtocolVersion,
    /// Why it will not arrive, decided when it was sent (`None`: it arrives).
    pub lost: Option<DropWhy>,
    /// Whether this is the link's duplicate of the flight before it.
    pub duplicate: bool,
}

impl Flight {
    /// How far along its link it is at `now`, from 0.0 (leaving) to 1.0 (arriving).
    pub fn progress(&self, now: Millis) -> f64 {
        if self.arrives_at <= self.sent_at {
            return 1.0;
        }
        let done = now.saturating_sub(self.sent_at) as f64;
        (done / (self.arrives_at - self.sent_at) as f64).min(1.0)
    }
}

/// Something that happened in the simulation, in order.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SimEvent {
    /// A packet left (when its fate is `lost`, it will vanish at `arrives_at`).
    PacketSent(Box<Flight>),
    /// A packet arrived and was handed to its receiver.
    PacketDelivered {
        /// The flight's id.
        flight: u64,
        /// Its peer.
        peer: PeerId,
        /// Its direction.
        direction: Direction,
        /// When.
        at: Millis,
    },
    /// A packet did not arrive.
    PacketDropped {
        /// The flight's id.
        flight: u64,
        /// Its peer.
        peer: PeerId,
        /// Its direction.
        direction: Direction,
        /// When.
        at: Millis,
        /// Why.
        why: DropWhy,
    },
    /// A peer's transport to the broker opened.
    TransportOpened {
        /// The peer.
        peer: PeerId,
        /// The broker's connection.
        conn: ConnId,
        /// When.
        at: Millis,
    },
    /// One end learned that the transport closed.
    TransportClosed {
        /// The peer.
        peer: PeerId,
        /// The connection.
        conn: ConnId,
        /// Which end learned it: `ToBroker` for the broker, `ToPeer` for the peer.
        noticed_by: Direction,
        /// When.
        at: Millis,
    },
    /// A transport could not be opened (the link is down).
    OpenFailed {
        /// The peer.
        peer: PeerId,
        /// When.
        at: Millis,
    },
    /// A client core reported an event (messages, completions, errors, reconnects).
    Client {
        /// The peer.
        peer: PeerId,
        /// When.
        at: Millis,
        /// What the client said.
        event: Event,
    },
    /// The broker reported an event (sessions, subscriptions, retained, Wills...).
    Broker(BrokerEvent),
}
