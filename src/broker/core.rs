//! The broker: connections, sessions, the router and the retained store, and
//! the host-facing calls.

use super::auth::{Anonymous, Authenticator};
use super::config::BrokerConfig;
use super::connection::Conn;
use super::error::Violation;
use super::event::{BrokerEvent, CloseReason, SessionEndReason};
use super::session::{AppMessage, Session, SessionKey};
use super::Millis;
use crate::codec::{DecodeError, Disconnect, Packet, Properties, ReasonCode};
use crate::topic::{Match, RetainedSize, RetainedStore, Router};
use bytes::Bytes;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

/// Names one transport, from [`Broker::open`] to its close. Never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

/// A retained message, sized for the store's byte limit.
#[derive(Debug, Clone)]
pub(crate) struct Retained(pub(crate) Arc<AppMessage>);

impl RetainedSize for Retained {
    fn retained_size(&self) -> usize {
        self.0.payload.len() + self.0.properties.encoded_len()
    }
}

/// A sans-IO MQTT 3.1.1 + 5.0 broker; see the [module documentation](super).
pub struct Broker {
    pub(crate) cfg: BrokerConfig,
    pub(crate) auth: Box<dyn Authenticator>,
    pub(crate) conns: BTreeMap<ConnId, Conn>,
    pub(crate) sessions: BTreeMap<SessionKey, Session>,
    pub(crate) by_client_id: BTreeMap<String, SessionKey>,
    next_session: SessionKey,
    next_conn: u64,
    rng: u64,
    pub(crate) router: Router<SessionKey>,
    pub(crate) retained: RetainedStore<Retained>,
    pub(crate) retained_topics: BTreeSet<String>,
    /// Connections with bytes in `out`, in the order they got them.
    dirty: VecDeque<ConnId>,
    /// The last bytes of connections already closed.
    final_tx: VecDeque<(ConnId, Vec<u8>)>,
    closes: VecDeque<ConnId>,
    pub(crate) events: VecDeque<BrokerEvent>,
    /// Scratch for router lookups.
    pub(crate) matches: Vec<Match<SessionKey>>,
}

impl core::fmt::Debug for Broker {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Broker")
            .field("connections", &self.conns.len())
            .field("sessions", &self.sessions.len())
            .field("retained", &self.retained_topics.len())
            .finish_non_exhaustive()
    }
}

impl Broker {
    /// A broker with `cfg`, letting every client in. `seed` drives the only
    /// randomness: the client identifiers it assigns.
    pub fn new(cfg: BrokerConfig, seed: u64) -> Self {
        Broker {
            retained: RetainedStore::new(cfg.retained),
            cfg,
            auth: Box::new(Anonymous),
            conns: BTreeMap::new(),
            sessions: BTreeMap::new(),
            by_client_id: BTreeMap::new(),
            next_session: 0,
            next_conn: 0,
            rng: seed ^ 0x9E37_79B9_7F4A_7C15,
            router: Router::new(),
            retained_topics: BTreeSet::new(),
            dirty: VecDeque::new(),
            final_tx: VecDeque::new(),
            closes: VecDeque::new(),
            events: VecDeque::new(),
            matches: Vec::new(),
        }
    }

    /// Replaces the authentication hook (for instance with a
    /// [`PasswordTable`](super::PasswordTable)).
    pub fn set_authenticator(&mut self, auth: Box<dyn Authenticator>) {
        self.auth = auth;
    }

    /// The configuration.
    pub fn config(&self) -> &BrokerConfig {
        &self.cfg
    }

    /// A transport was accepted; CONNECT must arrive within `connect_timeout_ms`.
    /// Beyond `max_pending_connections` transports waiting for CONNECT, the
    /// new one is closed at once ([`Broker::poll_close`] returns it).
    pub fn open(&mut self, now: Millis) -> ConnId {
        self.next_conn += 1;
        let id = ConnId(self.next_conn);
        self.events
            .push_back(BrokerEvent::ConnectionOpened { conn: id, at: now });
        let pending = self.conns.values().filter(|c| c.session().is_none());
        if pending.count() >= self.cfg.max_pending_connections {
            self.closes.push_back(id);
            self.events.push_back(BrokerEvent::ConnectionClosed {
                conn: id,
                client_id: None,
                at: now,
                reason: CloseReason::Refused(ReasonCode::SERVER_BUSY),
            });
            return id;
        }
        let max = self.cfg.max_packet_size as usize;
        self.conns.insert(id, Conn::new(id, now, max));
        id
    }

    /// The host's transport for `conn` cannot take more bytes for now (`busy`),
    /// or can again. While busy, messages for that client wait in its session's
    /// queue (within `max_queued_messages` and `max_queued_bytes`, dropping the
    /// oldest QoS 0 messages first) instead of piling up in the host; once not
    /// busy, they go out.
    pub fn handle_backpressure(&mut self, conn: ConnId, now: Millis, busy: bool) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        c.busy = busy;
        if let (false, Some(key)) = (busy, c.session()) {
            self.pump(key, now);
        }
    }

    /// Bytes arrived on `conn`, cut anywhere. Bytes for a connection already
    /// closed are ignored.
    pub fn handle_bytes(&mut self, conn: ConnId, now: Millis, bytes: &[u8]) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        c.last_recv = now;
        c.decoder.feed(bytes);
        loop {
            let Some(c) = self.conns.get_mut(&conn) else {
                return;
            };
            let client_id = c.client_id.clone();
            match c.decoder.next_frame() {
                Ok(None) => return,
                Ok(Some((packet, frame))) => {
                    if self.cfg.trace_packets {
                        self.events.push_back(BrokerEvent::PacketIn {
                            conn,
                            client_id,
                            at: now,
                            packet: Box::new(packet.clone()),
                            bytes: frame,
                        });
                    }
                    if let Err(v) = self.on_packet(conn, now, packet) {
                        self.violation(conn, now, v);
                        return;
                    }
                }
                Err(error) => {
                    self.events.push_back(BrokerEvent::DecodeFailed {
                        conn,
                        client_id,
                        at: now,
                        error: error.clone(),
                        bytes: Bytes::copy_from_slice(bytes),
                    });
                    self.decode_failed(conn, now, error);
                    return;
                }
            }
        }
    }

    /// The transport of `conn` closed without the broker asking: the Will, if
    /// any, is published (after its delay).
    pub fn handle_closed(&mut self, conn: ConnId, now: Millis) {
        if self.conns.contains_key(&conn) {
            self.close_conn(conn, now, CloseReason::TransportLost);
        }
    }

    /// Bytes to send: everything queued for one connection, in one buffer.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<(ConnId, Vec<u8>)> {
        while let Some(id) = self.dirty.pop_front() {
            if let Some(c) = self.conns.get_mut(&id) {
                if !c.out.is_empty() {
                    return Some((id, core::mem::take(&mut c.out)));
                }
            }
        }
        self.final_tx.pop_front()
    }

    /// A connection whose transport the host must close, after sending what
    /// [`Broker::poll_transmit`] returned for it.
    #[must_use]
    pub fn poll_close(&mut self) -> Option<ConnId> {
        self.closes.pop_front()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<BrokerEvent> {
        self.events.pop_front()
    }

    /// The last bytes of closed connections not yet taken by `poll_transmit`.
    pub(crate) fn final_tx_bytes(&self) -> usize {
        self.final_tx.iter().map(|(_, b)| b.len()).sum()
    }

    // ---- shared helpers ------------------------------------------------------

    /// Encodes `packet` onto `conn`'s transmit buffer. A packet bigger than the
    /// client's Maximum Packet Size loses its Reason String and User Properties
    /// [MQTT-3.1.2-25]; if still too big it is not sent. Returns whether it was.
    pub(crate) fn send(&mut self, conn: ConnId, now: Millis, mut packet: Packet) -> bool {
        let Some(c) = self.conns.get_mut(&conn) else {
            return false;
        };
        let v = c.version;
        if packet.encoded_len(v) > c.max_packet_out {
            strip_diagnostics(&mut packet);
            if packet.encoded_len(v) > c.max_packet_out {
                return false;
            }
        }
        let start = c.out.len();
        if packet.encode(v, &mut c.out).is_err() {
            c.out.truncate(start);
            return false;
        }
        if start == 0 {
            self.dirty.push_back(conn);
        }
        if self.cfg.trace_packets {
            let bytes = Bytes::copy_from_slice(&c.out[start..]);
            self.events.push_back(BrokerEvent::PacketOut {
                conn,
                client_id: c.client_id.clone(),
                at: now,
                packet: Box::new(packet),
                bytes,
            });
        }
        true
    }

    /// The one place a protocol violation ends a connection: 5.0 clients past
    /// CONNECT get DISCONNECT with the reason code [MQTT-4.13.1-1]; 3.1.1
    /// clients are just closed [MQTT-4.8.0-1].
    pub(crate) fn violation(&mut self, conn: ConnId, now: Millis, v: Violation) {
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        if c.is_v5() && c.session().is_some() {
            let d = Disconnect {
                reason_code: v.reason,
                properties: Properties {
                    reason_string: Some(v.detail.clone()),
                    ..Properties::default()
                },
            };
            self.send(conn, now, Packet::Disconnect(d));
        }
        let reason = CloseReason::ProtocolError {
            reason: v.reason,
            detail: v.detail,
        };
        self.close_conn(conn, now, reason);
    }

    /// Bytes that did not decode. An unknown protocol level gets the 3.1.1
    /// refusal 0x01, which every version of client understands [MQTT-3.1.2-2].
    /// Only a connection that has not CONNECTed yet gets it: a later CONNECT
    /// is a protocol violation whatever its level [MQTT-3.1.0-2].
    fn decode_failed(&mut self, conn: ConnId, now: Millis, error: DecodeError) {
        let awaiting = self.conns.get(&conn).is_some_and(|c| c.session().is_none());
        if matches!(error, DecodeError::UnsupportedProtocolLevel(_)) && awaiting {
            if let Some(c) = self.conns.get_mut(&conn) {
                if c.out.is_empty() {
                    self.dirty.push_back(conn);
                }
                c.out.extend_from_slice(&[0x20, 0x02, 0x00, 0x01]);
            }
            self.close_conn(conn, now, CloseReason::Refused(ReasonCode(0x01)));
            return;
        }
        self.violation(conn, now, Violation::from(error));
    }

    /// Ends a connection: its last bytes go out, the host is told to close it,
    /// and its session goes offline (publishing or scheduling its Will unless
    /// the client disconnected normally or the broker is restarting).
    pub(crate) fn close_conn(&mut self, conn: ConnId, now: Millis, reason: CloseReason) {
        let Some(mut c) = self.conns.remove(&conn) else {
            return;
        };
        if !c.out.is_empty() {
            self.final_tx.push_back((conn, core::mem::take(&mut c.out)));
        }
        self.closes.push_back(conn);
        // [MQTT-3.1.2-8]: the Will goes out whenever the connection ends
        // without a DISCONNECT (or with reason 0x04); [MQTT-3.1.2-10]: a normal
        // DISCONNECT removes it. A restarting broker sends nothing.
        let with_will = match &reason {
            CloseReason::Restart => false,
            CloseReason::Disconnected(code) => *code == ReasonCode::DISCONNECT_WITH_WILL,
            _ => true,
        };
        self.events.push_back(BrokerEvent::ConnectionClosed {
            conn,
            client_id: c.client_id.clone(),
            at: now,
            reason,
        });
        let Some(key) = c.session() else {
            return;
        };
        let Some(s) = self.sessions.get_mut(&key) else {
            return;
        };
        s.conn = None;
        if s.expiry != u32::MAX {
            s.expires_at = Some(now.saturating_add(u64::from(s.expiry) * 1000));
        }
        if with_will {
            if let Some(will) = &s.will {
                let delay = will.properties.will_delay_interval.unwrap_or(0);
                s.will_at = Some(now.saturating_add(u64::from(delay) * 1000));
            }
        } else if s.will.take().is_some() {
            let client_id = s.client_id.clone();
            self.events
                .push_back(BrokerEvent::WillCancelled { client_id, at: now });
        }
        // A Will with no delay goes now; a session with expiry 0 ends now.
        self.fire_timers(now);
    }

    /// Discards a session: its subscriptions, queue and in-flight messages. A
    /// pending Will is published first (the session's end ends its delay).
    pub(crate) fn end_session(&mut self, key: SessionKey, now: Millis, why: SessionEndReason) {
        if why != SessionEndReason::Restart {
            self.publish_will(key, now);
        }
        let Some(s) = self.sessions.remove(&key) else {
            return;
        };
        self.by_client_id.remove(&s.client_id);
        self.router.unsubscribe_all(key);
        self.events.push_back(BrokerEvent::SessionEnded {
            client_id: s.client_id,
            at: now,
            why,
        });
    }

    /// A new session key and an empty session for `client_id`.
    pub(crate) fn create_session(
        &mut self,
        client_id: &str,
        version: crate::codec::ProtocolVersion,
    ) -> SessionKey {
        self.next_session += 1;
        let key = self.next_session;
        self.sessions
            .insert(key, Session::new(key, client_id.to_owned(), version));
        self.by_client_id.insert(client_id.to_owned(), key);
        key
    }

    /// A client identifier nobody uses, from the seeded PRNG (splitmix64).
    pub(crate) fn assign_client_id(&mut self) -> String {
        loop {
            self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.rng;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            let id = format!("auto-{:012x}", z & 0xFFFF_FFFF_FFFF);
            if !self.by_client_id.contains_key(&id) {
                return id;
            }
        }
    }
}

/// Drops the optional diagnostics of a packet (Reason String, User Properties),
/// which a server may leave out to fit the client's Maximum Packet Size.
fn strip_diagnostics(packet: &mut Packet) {
    let props = match packet {
        Packet::ConnAck(c) => &mut c.properties,
        Packet::PubAck(r) | Packet::PubRec(r) | Packet::PubRel(r) | Packet::PubComp(r) => {
            &mut r.properties
        }
        Packet::SubAck(s) => &mut s.properties,
        Packet::UnsubAck(u) => &mut u.properties,
        Packet::Disconnect(d) => &mut d.properties,
        Packet::Auth(a) => &mut a.properties,
        _ => return,
    };
    props.reason_string = None;
    props.user_properties.clear();
}
