//! Read-only pictures of a simulation at `now`, for drawing.

use super::core::Simulation;
use super::event::Flight;
use super::link::LinkConfig;
use super::peer::{Driver, PeerId};
use super::Millis;
use crate::broker::{ConnId, RetainedInfo, SessionInfo, SubscriptionInfo};
use crate::client::ConnectionState;

/// Where a peer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerState {
    /// A client core's state.
    Client(ConnectionState),
    /// A script or external peer with an open transport.
    Open,
    /// A script or external peer without one.
    Closed,
}

/// One peer.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerSnapshot {
    /// Its id.
    pub id: PeerId,
    /// Its label.
    pub label: String,
    /// `"client"`, `"script"` or `"external"`.
    pub kind: &'static str,
    /// Where it is.
    pub state: PeerState,
    /// Its transport, if its end believes one open.
    pub conn: Option<ConnId>,
    /// Its MQTT client identifier (the assigned one once assigned), once known.
    pub client_id: Option<String>,
    /// The broker's subscriptions for that client identifier.
    pub subscriptions: Vec<String>,
    /// QoS 1/2 messages it sent and awaits acknowledgement for (client cores).
    pub inflight: usize,
    /// Messages waiting to be sent (client cores).
    pub queued: usize,
    /// Its link.
    pub link: LinkConfig,
    /// Whether the link is partitioned.
    pub partitioned: bool,
}

/// One packet in flight and how far it has got.
#[derive(Debug, Clone, PartialEq)]
pub struct FlightView {
    /// The packet's flight.
    pub flight: Flight,
    /// From 0.0 (leaving) to 1.0 (arriving).
    pub progress: f64,
}

/// Everything a page draws.
#[derive(Debug, Clone, PartialEq)]
pub struct SimSnapshot {
    /// The virtual time.
    pub now: Millis,
    /// Every peer, in the order added.
    pub peers: Vec<PeerSnapshot>,
    /// The broker's sessions.
    pub sessions: Vec<SessionInfo>,
    /// The broker's subscriptions.
    pub subscriptions: Vec<SubscriptionInfo>,
    /// The broker's retained messages.
    pub retained: Vec<RetainedInfo>,
    /// Packets in flight, in sending order.
    pub flights: Vec<FlightView>,
}

impl Simulation {
    /// A picture of everything at `now`.
    pub fn snapshot(&self) -> SimSnapshot {
        let subscriptions = self.broker.subscriptions();
        let peers = self
            .peers
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (kind, state, client_id, inflight, queued) = match &p.driver {
                    Driver::Client(c) => (
                        "client",
                        PeerState::Client(c.state()),
                        Some(c.options().client_id.clone()).filter(|s| !s.is_empty()),
                        c.inflight_messages(),
                        c.queued_messages(),
                    ),
                    d => (
                        if matches!(d, Driver::Script(_)) {
                            "script"
                        } else {
                            "external"
                        },
                        if p.conn.is_some() {
                            PeerState::Open
                        } else {
                            PeerState::Closed
                        },
                        p.client_id.clone(),
                        0,
                        0,
                    ),
                };
                let subs = subscriptions
                    .iter()
                    .filter(|s| Some(&s.client_id) == client_id.as_ref())
                    .map(|s| s.filter.clone())
                    .collect();
                PeerSnapshot {
                    id: PeerId(i),
                    label: p.label.clone(),
                    kind,
                    state,
                    conn: p.conn,
                    client_id,
                    subscriptions: subs,
                    inflight,
                    queued,
                    link: p.link.cfg.clone(),
                    partitioned: p.link.partitioned,
                }
            })
            .collect();
        SimSnapshot {
            now: self.now,
            peers,
            sessions: self.broker.sessions(),
            subscriptions,
            retained: self.broker.retained(),
            flights: self
                .flights
                .values()
                .map(|(f, _)| FlightView {
                    flight: f.clone(),
                    progress: f.progress(self.now),
                })
                .collect(),
        }
    }
}
