//! The commands a page gives: connect and the client operations, the external
//! transport, and the faults.

use super::core::{Due, Simulation};
use super::event::Direction;
use super::link::LinkConfig;
use super::peer::{ClientSpec, Driver, PeerId, PeerKind, SimError};
use crate::client::{Client, PublishOptions, Token};
use crate::codec::{Properties, ReasonCode, SubscriptionOptions};
use bytes::Bytes;

impl Simulation {
    fn client_mut(&mut self, peer: PeerId) -> Result<&mut Client, SimError> {
        match &mut self
            .peers
            .get_mut(peer.0)
            .ok_or(SimError::NoSuchPeer(peer))?
            .driver
        {
            Driver::Client(c) => Ok(c),
            _ => Err(SimError::NotAClient(peer)),
        }
    }

    fn check(&self, peer: PeerId) -> Result<(), SimError> {
        if peer.0 < self.peers.len() {
            Ok(())
        } else {
            Err(SimError::NoSuchPeer(peer))
        }
    }

    /// Starts a peer: a client core connects (and keeps reconnecting by its
    /// policy); a script opens its transport and schedules its steps from now;
    /// an external peer opens its transport.
    pub fn connect(&mut self, peer: PeerId) -> Result<(), SimError> {
        self.check(peer)?;
        let now = self.now;
        match &mut self.peers[peer.0].driver {
            Driver::Client(c) => c.connect(now),
            Driver::Script(steps) => {
                let times: Vec<_> = steps.iter().map(|s| s.at).collect();
                if let Some(conn) = self.open_transport(peer) {
                    for (i, at) in times.into_iter().enumerate() {
                        self.schedule(now + at, Due::ScriptSend(peer, conn, i));
                    }
                }
            }
            Driver::External => {
                self.open_transport(peer);
            }
        }
        self.pump();
        Ok(())
    }

    /// Publishes from a client core.
    pub fn publish(
        &mut self,
        peer: PeerId,
        topic: &str,
        payload: impl Into<Bytes>,
        options: PublishOptions,
    ) -> Result<Token, SimError> {
        let now = self.now;
        let token = self
            .client_mut(peer)?
            .publish(now, topic, payload, options)?;
        self.pump();
        Ok(token)
    }

    /// Subscribes a client core.
    pub fn subscribe(
        &mut self,
        peer: PeerId,
        filters: Vec<(String, SubscriptionOptions)>,
        properties: Properties,
    ) -> Result<Token, SimError> {
        let now = self.now;
        let token = self.client_mut(peer)?.subscribe(now, filters, properties)?;
        self.pump();
        Ok(token)
    }

    /// Unsubscribes a client core.
    pub fn unsubscribe(
        &mut self,
        peer: PeerId,
        filters: Vec<String>,
        properties: Properties,
    ) -> Result<Token, SimError> {
        let now = self.now;
        let token = self
            .client_mut(peer)?
            .unsubscribe(now, filters, properties)?;
        self.pump();
        Ok(token)
    }

    /// A client core sends DISCONNECT with `reason` and stops; a script or an
    /// external peer closes its transport.
    pub fn disconnect(&mut self, peer: PeerId, reason: ReasonCode) -> Result<(), SimError> {
        self.check(peer)?;
        let now = self.now;
        match &mut self.peers[peer.0].driver {
            Driver::Client(c) => c.disconnect(now, reason),
            _ => self.close_from_peer(peer),
        }
        self.pump();
        Ok(())
    }

    /// Adds an external peer (bytes from the host) and opens its transport.
    /// If the link is down, [`ExternalOutput::Closed`](super::ExternalOutput::Closed)
    /// follows after the latency.
    pub fn open_external(&mut self, label: impl Into<String>, link: LinkConfig) -> PeerId {
        let peer = self.add_client(ClientSpec {
            id: label.into(),
            kind: PeerKind::External,
            link,
        });
        self.open_transport(peer);
        self.pump();
        peer
    }

    /// Bytes an external peer sends (ignored if its transport is not open).
    pub fn external_send(&mut self, peer: PeerId, bytes: Vec<u8>) {
        if let Some(conn) = self.peers.get(peer.0).and_then(|p| p.conn) {
            self.transmit(peer, Direction::ToBroker, conn, bytes);
            self.pump();
        }
    }

    // ---- faults ------------------------------------------------------------

    /// The peer's transport dies without DISCONNECT: the peer sees it now, the
    /// broker one latency later (so the Will fires). The link stays up, so a
    /// client core reconnects by its policy.
    pub fn cut_link(&mut self, peer: PeerId) -> Result<(), SimError> {
        self.check(peer)?;
        let now = self.now;
        let p = &mut self.peers[peer.0];
        if let Some(conn) = p.conn {
            match &mut p.driver {
                Driver::Client(c) => c.handle_closed(now, "the link was cut"),
                Driver::External => self.external.push_back(super::ExternalOutput::Closed(peer)),
                Driver::Script(_) => {}
            }
            self.events.push_back(super::SimEvent::TransportClosed {
                peer,
                conn,
                noticed_by: Direction::ToPeer,
                at: now,
            });
            self.close_from_peer(peer);
        }
        self.pump();
        Ok(())
    }

    /// Replaces the link's configuration. Taking it down cuts the transport.
    pub fn set_link(&mut self, peer: PeerId, cfg: LinkConfig) -> Result<(), SimError> {
        self.check(peer)?;
        let down = !cfg.up;
        self.peers[peer.0].link.cfg = cfg;
        if down {
            self.cut_link(peer)?;
        }
        Ok(())
    }

    /// Silently drops the next `n` packets sent in `direction` on the peer's
    /// link (no close): a fault TCP never produces, shown for contrast.
    pub fn drop_next(
        &mut self,
        peer: PeerId,
        direction: Direction,
        n: u32,
    ) -> Result<(), SimError> {
        self.check(peer)?;
        self.peers[peer.0].link.drop_next[direction as usize] += n;
        Ok(())
    }

    /// Loses the next `n` packets sent in `direction` on the peer's link the
    /// way [`LinkConfig::loss`] does: each vanishes when it would have arrived
    /// and the connection breaks for both ends, as it would under TCP. The
    /// same fault as a loss probability, but chosen, so a lesson can show
    /// exactly which packet went missing.
    pub fn lose_next(
        &mut self,
        peer: PeerId,
        direction: Direction,
        n: u32,
    ) -> Result<(), SimError> {
        self.check(peer)?;
        self.peers[peer.0].link.lose_next[direction as usize] += n;
        Ok(())
    }

    /// Stalls the link for `extra_ms`: what is in flight arrives that much
    /// later, and what is sent during the stall leaves when it ends.
    pub fn delay(&mut self, peer: PeerId, extra_ms: u64) -> Result<(), SimError> {
        self.check(peer)?;
        let now = self.now;
        let mut moved = Vec::new();
        for (id, (f, seq)) in self.flights.iter_mut() {
            if f.peer == peer {
                self.due.remove(&(f.arrives_at, *seq));
                f.arrives_at += extra_ms;
                moved.push((*id, f.arrives_at, *seq));
            }
        }
        for (id, at, seq) in moved {
            self.due.insert((at, seq), Due::Arrive(id));
        }
        let link = &mut self.peers[peer.0].link;
        link.hold_until = link.hold_until.max(now + extra_ms);
        for a in &mut link.last_arrival {
            *a += extra_ms;
        }
        Ok(())
    }

    /// Nothing gets through the peer's link either way, and neither end is
    /// told: only keepalive notices. Packets already in flight still arrive.
    pub fn partition(&mut self, peer: PeerId) -> Result<(), SimError> {
        self.check(peer)?;
        self.peers[peer.0].link.partitioned = true;
        Ok(())
    }

    /// Ends a partition.
    pub fn heal(&mut self, peer: PeerId) -> Result<(), SimError> {
        self.check(peer)?;
        self.peers[peer.0].link.partitioned = false;
        Ok(())
    }

    /// Restarts the broker ([`Broker::restart`](crate::broker::Broker::restart)):
    /// every connection drops without Wills; with `keep_sessions` sessions and
    /// retained messages survive.
    pub fn restart_broker(&mut self, keep_sessions: bool) {
        self.broker.restart(self.now, keep_sessions);
        self.pump();
    }
}
