//! [`Simulation`]: the clock, the scheduled arrivals and the pump that moves
//! bytes between the peers and the broker.

use super::event::{Direction, DropWhy, Flight, SimEvent};
use super::frames;
use super::peer::{ClientSpec, Driver, ExternalOutput, Peer, PeerId};
use super::rng::Rng;
use super::Millis;
use crate::broker::{Broker, BrokerConfig, ConnId};
use crate::client::Event;
use crate::codec::Packet;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Something due at a time, besides the cores' own deadlines.
#[derive(Debug, Clone)]
pub(crate) enum Due {
    /// A flight reaches the end of its link.
    Arrive(u64),
    /// The broker learns that the peer closed (or lost) the transport.
    BrokerSeesClose(ConnId),
    /// The peer learns that the broker closed the transport.
    PeerSeesClose(PeerId, ConnId),
    /// An attempt to open a transport on a link that is down fails.
    OpenFails(PeerId),
    /// A byte script's step is due.
    ScriptSend(PeerId, ConnId, usize),
}

/// A deterministic virtual network around one broker; see the [module documentation](super).
pub struct Simulation {
    pub(crate) now: Millis,
    pub(crate) broker: Broker,
    pub(crate) peers: Vec<Peer>,
    pub(crate) rng: Rng,
    /// What is due, by (time, order of scheduling).
    pub(crate) due: BTreeMap<(Millis, u64), Due>,
    pub(crate) seq: u64,
    pub(crate) flights: BTreeMap<u64, (Flight, u64)>,
    pub(crate) next_flight: u64,
    /// Connections the broker has open, and every connection's peer.
    pub(crate) open_at_broker: BTreeSet<ConnId>,
    pub(crate) conn_peer: BTreeMap<ConnId, PeerId>,
    pub(crate) events: VecDeque<SimEvent>,
    pub(crate) external: VecDeque<ExternalOutput>,
}

impl core::fmt::Debug for Simulation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Simulation")
            .field("now", &self.now)
            .field("peers", &self.peers.len())
            .field("in_flight", &self.flights.len())
            .finish_non_exhaustive()
    }
}

/// Steps at one instant after which [`Simulation::run_until`] gives up, so that
/// a deadline that never moves cannot hang the page.
const MAX_STEPS_PER_RUN: usize = 1_000_000;

impl Simulation {
    /// A simulation at time 0 with a broker configured by `cfg`. `seed` drives
    /// every random draw (loss, duplication, the broker's assigned identifiers).
    pub fn new(cfg: BrokerConfig, seed: u64) -> Self {
        Simulation {
            now: 0,
            broker: Broker::new(cfg, seed),
            peers: Vec::new(),
            rng: Rng::new(seed),
            due: BTreeMap::new(),
            seq: 0,
            flights: BTreeMap::new(),
            next_flight: 0,
            open_at_broker: BTreeSet::new(),
            conn_peer: BTreeMap::new(),
            events: VecDeque::new(),
            external: VecDeque::new(),
        }
    }

    /// The virtual time, in milliseconds.
    pub fn now(&self) -> Millis {
        self.now
    }

    /// The broker, to read (its snapshots, its configuration).
    pub fn broker(&self) -> &Broker {
        &self.broker
    }

    /// Adds a peer; it does nothing until [`Simulation::connect`].
    pub fn add_client(&mut self, spec: ClientSpec) -> PeerId {
        self.peers.push(Peer::new(spec));
        PeerId(self.peers.len() - 1)
    }

    /// The peer with this label, if any.
    pub fn peer_by_label(&self, label: &str) -> Option<PeerId> {
        self.peers.iter().position(|p| p.label == label).map(PeerId)
    }

    /// The label of `peer`.
    pub fn label(&self, peer: PeerId) -> Option<&str> {
        self.peers.get(peer.0).map(|p| p.label.as_str())
    }

    /// The next event, oldest first.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<SimEvent> {
        self.events.pop_front()
    }

    /// The next output for an external peer.
    #[must_use]
    pub fn poll_external(&mut self) -> Option<ExternalOutput> {
        self.external.pop_front()
    }

    /// When the next thing happens, if anything is pending.
    pub fn next_event_time(&self) -> Option<Millis> {
        let due = self.due.keys().next().map(|k| k.0);
        let clients = self
            .peers
            .iter()
            .filter_map(|p| p.client().and_then(|c| c.poll_timeout()));
        due.into_iter()
            .chain(self.broker.poll_timeout())
            .chain(clients)
            .min()
            .map(|t| t.max(self.now))
    }

    /// Jumps to the next thing that happens and processes exactly that one;
    /// returns the new time, or `None` (time unchanged) when nothing is pending.
    pub fn step(&mut self) -> Option<Millis> {
        let t = self.next_event_time()?;
        self.now = t;
        let first_due = self.due.first_key_value().map(|(k, _)| k.0);
        if first_due.is_some_and(|d| d <= t) {
            let (_, item) = self.due.pop_first().expect("checked above");
            self.process(item);
        } else {
            self.run_deadlines();
        }
        self.pump();
        Some(self.now)
    }

    /// Steps through everything due up to `t`, then sets the clock to `t`
    /// (never backwards).
    pub fn run_until(&mut self, t: Millis) {
        let mut steps = 0;
        while self.next_event_time().is_some_and(|n| n <= t) && steps < MAX_STEPS_PER_RUN {
            self.step();
            steps += 1;
        }
        self.now = self.now.max(t);
    }

    /// [`Simulation::run_until`] `now + ms`.
    pub fn run_for(&mut self, ms: Millis) {
        self.run_until(self.now + ms);
    }

    fn run_deadlines(&mut self) {
        let now = self.now;
        if self.broker.poll_timeout().is_some_and(|t| t <= now) {
            self.broker.handle_timeout(now);
        }
        for p in &mut self.peers {
            if let Driver::Client(c) = &mut p.driver {
                if c.poll_timeout().is_some_and(|t| t <= now) {
                    c.handle_timeout(now);
                }
            }
        }
    }

    pub(crate) fn schedule(&mut self, at: Millis, item: Due) -> u64 {
        self.seq += 1;
        self.due.insert((at, self.seq), item);
        self.seq
    }

    fn process(&mut self, item: Due) {
        let now = self.now;
        match item {
            Due::Arrive(id) => self.arrive(id),
            Due::BrokerSeesClose(conn) => self.broker_close(conn),
            Due::PeerSeesClose(peer, conn) => self.peer_close(peer, conn),
            Due::OpenFails(peer) => {
                self.events
                    .push_back(SimEvent::OpenFailed { peer, at: now });
                let p = &mut self.peers[peer.0];
                match &mut p.driver {
                    Driver::Client(c) if p.conn.is_none() => {
                        c.handle_closed(now, "connection refused: the link is down");
                    }
                    Driver::External => self.external.push_back(ExternalOutput::Closed(peer)),
                    _ => {}
                }
            }
            Due::ScriptSend(peer, conn, i) => {
                let p = &self.peers[peer.0];
                if p.conn == Some(conn) {
                    if let Driver::Script(steps) = &p.driver {
                        let bytes = steps[i].bytes.to_vec();
                        self.transmit(peer, Direction::ToBroker, conn, bytes);
                    }
                }
            }
        }
    }

    /// Opens a transport for `peer` now, as its driver asked.
    pub(crate) fn open_transport(&mut self, peer: PeerId) -> Option<ConnId> {
        let now = self.now;
        let link = &self.peers[peer.0].link;
        if !link.cfg.up {
            let at = now + link.cfg.latency_ms;
            self.schedule(at, Due::OpenFails(peer));
            return None;
        }
        if link.partitioned {
            // The handshake never completes; the connect timeout ends the attempt.
            return None;
        }
        let conn = self.broker.open(now);
        self.open_at_broker.insert(conn);
        self.conn_peer.insert(conn, peer);
        let p = &mut self.peers[peer.0];
        p.conn = Some(conn);
        p.link.last_arrival = [now, now];
        self.events.push_back(SimEvent::TransportOpened {
            peer,
            conn,
            at: now,
        });
        if let Driver::Client(c) = &mut p.driver {
            c.handle_connected(now);
        }
        Some(conn)
    }

    /// The peer's end closes now; the broker learns it one latency later,
    /// unless the link is partitioned (then its keepalive has to notice).
    pub(crate) fn close_from_peer(&mut self, peer: PeerId) {
        let Some(conn) = self.peers[peer.0].conn.take() else {
            return;
        };
        let link = &mut self.peers[peer.0].link;
        if !link.partitioned {
            let at = link.schedule(self.now, Direction::ToBroker);
            self.schedule(at, Due::BrokerSeesClose(conn));
        }
    }

    fn broker_close(&mut self, conn: ConnId) {
        if self.open_at_broker.remove(&conn) {
            self.broker.handle_closed(conn, self.now);
            if let Some(&peer) = self.conn_peer.get(&conn) {
                self.events.push_back(SimEvent::TransportClosed {
                    peer,
                    conn,
                    noticed_by: Direction::ToBroker,
                    at: self.now,
                });
            }
        }
    }

    fn peer_close(&mut self, peer: PeerId, conn: ConnId) {
        let now = self.now;
        let p = &mut self.peers[peer.0];
        if p.conn != Some(conn) {
            return;
        }
        p.conn = None;
        self.events.push_back(SimEvent::TransportClosed {
            peer,
            conn,
            noticed_by: Direction::ToPeer,
            at: now,
        });
        match &mut p.driver {
            Driver::Client(c) => c.handle_closed(now, "the connection closed"),
            Driver::External => self.external.push_back(ExternalOutput::Closed(peer)),
            Driver::Script(_) => {}
        }
    }

    /// The connection breaks for both ends now; what is in flight on it is lost.
    pub(crate) fn break_connection(&mut self, conn: ConnId) {
        let ids: Vec<u64> = self
            .flights
            .iter()
            .filter(|(_, (f, _))| f.conn == conn)
            .map(|(&id, _)| id)
            .collect();
        for id in ids {
            if let Some((f, seq)) = self.flights.remove(&id) {
                self.due.remove(&(f.arrives_at, seq));
                self.events.push_back(SimEvent::PacketDropped {
                    flight: id,
                    peer: f.peer,
                    direction: f.direction,
                    at: self.now,
                    why: DropWhy::ConnectionBroken,
                });
            }
        }
        // Close notices already on their way are overtaken by the break.
        self.due.retain(
            |_, d| !matches!(d, Due::BrokerSeesClose(c) | Due::PeerSeesClose(_, c) if *c == conn),
        );
        self.broker_close(conn);
        if let Some(&peer) = self.conn_peer.get(&conn) {
            self.peer_close(peer, conn);
        }
    }

    fn arrive(&mut self, id: u64) {
        let Some((f, _)) = self.flights.remove(&id) else {
            return;
        };
        let now = self.now;
        let dropped = |why| SimEvent::PacketDropped {
            flight: id,
            peer: f.peer,
            direction: f.direction,
            at: now,
            why,
        };
        if let Some(why) = f.lost {
            self.events.push_back(dropped(why));
            if why == DropWhy::Lost {
                self.break_connection(f.conn);
            }
            return;
        }
        let open = match f.direction {
            Direction::ToBroker => self.open_at_broker.contains(&f.conn),
            Direction::ToPeer => self.peers[f.peer.0].conn == Some(f.conn),
        };
        if !open {
            self.events.push_back(dropped(DropWhy::TransportClosed));
            return;
        }
        self.events.push_back(SimEvent::PacketDelivered {
            flight: id,
            peer: f.peer,
            direction: f.direction,
            at: now,
        });
        match f.direction {
            Direction::ToBroker => self.broker.handle_bytes(f.conn, now, &f.bytes),
            Direction::ToPeer => match &mut self.peers[f.peer.0].driver {
                Driver::Client(c) => c.handle_bytes(now, &f.bytes),
                Driver::External => self
                    .external
                    .push_back(ExternalOutput::Bytes(f.peer, f.bytes.clone())),
                Driver::Script(_) => {}
            },
        }
    }

    /// Sends `bytes` on `conn` in `dir`, one flight per packet.
    pub(crate) fn transmit(&mut self, peer: PeerId, dir: Direction, conn: ConnId, bytes: Vec<u8>) {
        let mut version = self.peers[peer.0].version;
        let pieces = frames::split(bytes, &mut version);
        self.peers[peer.0].version = version;
        for (bytes, packet) in pieces {
            if let Some(Packet::Connect(c)) = &packet {
                self.peers[peer.0].client_id = Some(c.client_id.clone());
            }
            let link = &mut self.peers[peer.0].link;
            let lost = if link.partitioned {
                Some(DropWhy::Partitioned)
            } else if link.drop_next[dir as usize] > 0 {
                link.drop_next[dir as usize] -= 1;
                Some(DropWhy::DroppedOnPurpose)
            } else if link.lose_next[dir as usize] > 0 {
                link.lose_next[dir as usize] -= 1;
                Some(DropWhy::Lost)
            } else if self.rng.chance(link.cfg.loss) {
                Some(DropWhy::Lost)
            } else {
                None
            };
            let duplicate = lost.is_none()
                && matches!(packet, Some(Packet::Publish(_)))
                && self.rng.chance(link.cfg.duplicate);
            let copies = if duplicate { 2 } else { 1 };
            for copy in 0..copies {
                let link = &mut self.peers[peer.0].link;
                let arrives_at = link.schedule(self.now, dir) + copy;
                link.last_arrival[dir as usize] = arrives_at;
                self.next_flight += 1;
                let flight = Flight {
                    id: self.next_flight,
                    peer,
                    conn,
                    direction: dir,
                    sent_at: self.now,
                    arrives_at,
                    bytes: bytes.clone(),
                    packet: packet.clone(),
                    version,
                    lost,
                    duplicate: copy == 1,
                };
                let seq = self.schedule(arrives_at, Due::Arrive(flight.id));
                self.events
                    .push_back(SimEvent::PacketSent(Box::new(flight.clone())));
                self.flights.insert(flight.id, (flight, seq));
            }
        }
    }

    /// Moves bytes, closes and events between the cores until nothing moves.
    pub(crate) fn pump(&mut self) {
        loop {
            let mut moved = false;
            for i in 0..self.peers.len() {
                let peer = PeerId(i);
                while let Driver::Client(c) = &mut self.peers[i].driver {
                    if let Some(bytes) = c.poll_transmit() {
                        moved = true;
                        if let Some(conn) = self.peers[i].conn {
                            self.transmit(peer, Direction::ToBroker, conn, bytes);
                        }
                        continue;
                    }
                    let Some(ev) = c.poll_event() else { break };
                    moved = true;
                    match ev {
                        Event::OpenTransport => {
                            self.open_transport(peer);
                        }
                        Event::CloseTransport => self.close_from_peer(peer),
                        event => self.events.push_back(SimEvent::Client {
                            peer,
                            at: self.now,
                            event,
                        }),
                    }
                }
            }
            while let Some((conn, bytes)) = self.broker.poll_transmit() {
                moved = true;
                if let Some(&peer) = self.conn_peer.get(&conn) {
                    if self.open_at_broker.contains(&conn) {
                        self.transmit(peer, Direction::ToPeer, conn, bytes);
                    }
                }
            }
            while let Some(conn) = self.broker.poll_close() {
                moved = true;
                if self.open_at_broker.remove(&conn) {
                    if let Some(&peer) = self.conn_peer.get(&conn) {
                        let link = &mut self.peers[peer.0].link;
                        if !link.partitioned {
                            let at = link.schedule(self.now, Direction::ToPeer);
                            self.schedule(at, Due::PeerSeesClose(peer, conn));
                        }
                    }
                }
            }
            while let Some(e) = self.broker.poll_event() {
                self.events.push_back(SimEvent::Broker(e));
            }
            if !moved {
                return;
            }
        }
    }
}
