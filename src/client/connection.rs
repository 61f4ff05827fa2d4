//! [`Client`]: the state machine of one client connection, its inputs
//! (`handle_*`), commands and pollers.

use super::alias::{InAliases, OutAliases};
use super::auth::Authenticator;
use super::error::ClientError;
use super::event::{CloseReason, Event, Token};
use super::keepalive::{KeepAlive, KeepAliveAction};
use super::options::{ClientOptions, PublishOptions};
use super::reconnect::{backoff_delay, Rng};
use super::session::{Queued, Request, Session};
use super::Millis;
use crate::codec::{
    Decoder, Packet, Properties, ProtocolVersion, Publish, QoS, ReasonCode, SubscribeFilter,
    SubscriptionOptions,
};
use bytes::Bytes;
use std::collections::VecDeque;

/// Where the connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    /// Not started, or stopped (after `disconnect` or giving up).
    Idle,
    /// The host was asked to open a transport.
    Opening,
    /// CONNECT was sent; CONNACK (or AUTH) is awaited.
    Connecting,
    /// CONNACK accepted the connection.
    Connected,
    /// Waiting to reconnect.
    WaitingToReconnect,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum State {
    Idle,
    Opening { since: Millis },
    Connecting { since: Millis },
    Connected,
    WaitReconnect { at: Millis },
}

/// What the server said it accepts, for the current connection.
#[derive(Debug, Clone, Copy)]
pub(super) struct ServerLimits {
    pub receive_maximum: u16,
    pub maximum_packet_size: Option<u32>,
    pub maximum_qos: QoS,
    pub retain_available: bool,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            receive_maximum: u16::MAX,
            maximum_packet_size: None,
            maximum_qos: QoS::ExactlyOnce,
            retain_available: true,
        }
    }
}

/// One MQTT client connection, sans I/O: bytes, time and transport changes come
/// in through `handle_*`; bytes to send, events and the next deadline come out
/// through the pollers. See the [module documentation](super) for the host loop.
pub struct Client {
    pub(super) opts: ClientOptions,
    pub(super) version: ProtocolVersion,
    pub(super) state: State,
    pub(super) session: Session,
    pub(super) decoder: Decoder,
    pub(super) out: Vec<u8>,
    pub(super) events: VecDeque<Event>,
    pub(super) keepalive: KeepAlive,
    pub(super) out_aliases: OutAliases,
    pub(super) in_aliases: InAliases,
    pub(super) server: ServerLimits,
    pub(super) auth: Option<Box<dyn Authenticator>>,
    next_token: u64,
    rng: Rng,
    /// Failed connection attempts in a row.
    attempt: u32,
    /// Whether the last connection reached CONNACK (for [`Event::Offline`]).
    online: bool,
}

impl core::fmt::Debug for Client {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("client_id", &self.opts.client_id)
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client that does nothing until [`Client::connect`].
    pub fn new(options: ClientOptions) -> Self {
        let version = options.protocol;
        Client {
            rng: Rng::new(options.random_seed),
            decoder: Decoder::new(version),
            version,
            opts: options,
            state: State::Idle,
            session: Session::default(),
            out: Vec::new(),
            events: VecDeque::new(),
            keepalive: KeepAlive::default(),
            out_aliases: OutAliases::default(),
            in_aliases: InAliases::default(),
            server: ServerLimits::default(),
            auth: None,
            next_token: 0,
            attempt: 0,
            online: false,
        }
    }

    /// Uses `auth` for MQTT 5.0 extended authentication on every CONNECT.
    pub fn set_authenticator(&mut self, auth: Box<dyn Authenticator>) {
        self.auth = Some(auth);
    }

    /// The options in force (the client identifier is the assigned one once the
    /// server assigned one).
    pub fn options(&self) -> &ClientOptions {
        &self.opts
    }

    /// Turns packet tracing ([`Event::PacketSent`] / [`Event::PacketReceived`])
    /// on or off from now on, e.g. when an inspector starts or stops listening.
    pub fn set_trace_packets(&mut self, on: bool) {
        self.opts.trace_packets = on;
    }

    /// Where the connection is.
    pub fn state(&self) -> ConnectionState {
        match self.state {
            State::Idle => ConnectionState::Idle,
            State::Opening { .. } => ConnectionState::Opening,
            State::Connecting { .. } => ConnectionState::Connecting,
            State::Connected => ConnectionState::Connected,
            State::WaitReconnect { .. } => ConnectionState::WaitingToReconnect,
        }
    }

    /// Messages waiting for a connection or a slot in the server's window.
    pub fn queued_messages(&self) -> usize {
        self.session.queue.len()
    }

    /// QoS 1 and 2 messages sent and not yet acknowledged.
    pub fn inflight_messages(&self) -> usize {
        self.session.inflight.len()
    }

    // ---- lifecycle ---------------------------------------------------------

    /// Starts connecting: emits [`Event::OpenTransport`]. While waiting to
    /// reconnect, reconnects now. Otherwise does nothing.
    pub fn connect(&mut self, now: Millis) {
        match self.state {
            State::Idle => {
                self.attempt = 0;
                self.open(now);
            }
            State::WaitReconnect { .. } => self.open(now),
            _ => {}
        }
    }

    fn open(&mut self, now: Millis) {
        self.state = State::Opening { since: now };
        self.events.push_back(Event::OpenTransport);
    }

    /// The transport the client asked for is open: CONNECT is queued.
    pub fn handle_connected(&mut self, now: Millis) {
        let State::Opening { since } = self.state else {
            return;
        };
        // Bytes meant for an earlier connection must never reach this one.
        self.out.clear();
        self.decoder = Decoder::new(self.version);
        if let Some(max) = self.opts.properties.maximum_packet_size {
            if self.version.is_v5() {
                self.decoder.set_max_packet_size(max as usize);
            }
        }
        self.server = ServerLimits::default();
        self.out_aliases.reset(0);
        let our_alias_max = if self.version.is_v5() {
            self.opts.properties.topic_alias_maximum.unwrap_or(0)
        } else {
            0
        };
        self.in_aliases.reset(our_alias_max);
        self.keepalive = KeepAlive::start(self.opts.keep_alive, self.opts.ping_timeout_ms, now);
        self.state = State::Connecting { since };
        let connect = self.connect_packet();
        if let Err(e) = self.write(now, &connect) {
            self.fail(now, e);
        }
    }

    /// The transport closed (or could not be opened). `reason` is the host's
    /// description (e.g. the WebSocket close code and reason).
    pub fn handle_closed(&mut self, now: Millis, reason: &str) {
        match self.state {
            State::Opening { .. } | State::Connecting { .. } | State::Connected => {
                self.out.clear();
                self.lost(
                    now,
                    ClientError::TransportClosed {
                        reason: reason.to_owned(),
                    },
                );
            }
            State::Idle | State::WaitReconnect { .. } => {}
        }
    }

    /// Bytes arrived from the server, any number of packets, possibly cut anywhere.
    pub fn handle_bytes(&mut self, now: Millis, bytes: &[u8]) {
        if !self.transport_up() {
            return;
        }
        self.decoder.feed(bytes);
        while self.transport_up() {
            match self.decoder.next_frame() {
                Ok(None) => break,
                Ok(Some((packet, frame))) => {
                    let result = if self.opts.trace_packets {
                        self.events.push_back(Event::PacketReceived {
                            packet: Box::new(packet.clone()),
                            bytes: frame,
                        });
                        self.handle_packet(now, packet)
                    } else {
                        self.handle_packet(now, packet)
                    };
                    if let Err(e) = result {
                        self.fail(now, e);
                    }
                }
                Err(e) => {
                    let code = e.reason_code();
                    let err = if code == ReasonCode::MALFORMED_PACKET {
                        ClientError::MalformedPacket(e)
                    } else {
                        ClientError::protocol(code, e.to_string())
                    };
                    self.fail(now, err);
                }
            }
        }
    }

    /// Time passed: runs whatever deadline is due at `now` (connect timeout,
    /// PINGREQ, PINGRESP deadline, reconnection). Calling it late or early is
    /// harmless: only `now` counts.
    pub fn handle_timeout(&mut self, now: Millis) {
        match self.state {
            State::Opening { since } | State::Connecting { since } => {
                let limit = self.opts.connect_timeout_ms;
                if limit > 0 && now >= since.saturating_add(limit) {
                    let waited_ms = now.saturating_sub(since);
                    self.fail(now, ClientError::ConnectTimeout { waited_ms });
                }
            }
            State::Connected => match self.keepalive.poll(now) {
                KeepAliveAction::Nothing => {}
                KeepAliveAction::SendPing => {
                    if let Err(e) = self.write(now, &Packet::PingReq) {
                        self.fail(now, e);
                    } else {
                        self.keepalive.on_ping_sent(now);
                    }
                }
                KeepAliveAction::Lost(waited_ms) => {
                    self.fail(now, ClientError::KeepAliveTimeout { waited_ms })
                }
            },
            State::WaitReconnect { at } if now >= at => self.open(now),
            State::WaitReconnect { .. } | State::Idle => {}
        }
    }

    /// Ends the session's connection on purpose: sends DISCONNECT with `reason`
    /// (5.0; use [`ReasonCode::DISCONNECT_WITH_WILL`] to have the Will published)
    /// and stops. Messages in flight are kept for a later [`Client::connect`]
    /// that resumes the session.
    pub fn disconnect(&mut self, now: Millis, reason: ReasonCode) {
        match self.state {
            State::Connecting { .. } | State::Connected => {
                let d = crate::codec::Disconnect {
                    reason_code: if self.version.is_v5() {
                        reason
                    } else {
                        ReasonCode::NORMAL_DISCONNECTION
                    },
                    properties: Properties::default(),
                };
                let _ = self.write(now, &Packet::Disconnect(d));
                self.events.push_back(Event::CloseTransport);
            }
            State::Opening { .. } => self.events.push_back(Event::CloseTransport),
            State::Idle => return,
            State::WaitReconnect { .. } => {}
        }
        self.go_offline();
        self.state = State::Idle;
        self.attempt = 0;
        self.events.push_back(Event::Closed {
            why: CloseReason::Disconnected,
        });
    }

    fn transport_up(&self) -> bool {
        matches!(self.state, State::Connecting { .. } | State::Connected)
    }

    /// The client itself ends the connection because of `error`: in 5.0 it
    /// tells the server why with DISCONNECT where a reason code fits
    /// [MQTT-4.13.2-1]; in 3.1.1 it just closes [MQTT-4.8.0-1].
    pub(super) fn fail(&mut self, now: Millis, error: ClientError) {
        if self.transport_up() && self.version.is_v5() {
            if let Some(code) = error.disconnect_code() {
                let d = crate::codec::Disconnect {
                    reason_code: code,
                    properties: Properties::default(),
                };
                let _ = self.write(now, &Packet::Disconnect(d));
            }
        }
        self.events.push_back(Event::CloseTransport);
        self.lost(now, error);
    }

    fn go_offline(&mut self) {
        if self.online {
            self.online = false;
            self.events.push_back(Event::Offline);
        }
    }

    /// The connection is gone: report it and schedule a reconnection, or stop.
    fn lost(&mut self, now: Millis, error: ClientError) {
        self.events.push_back(Event::ConnectionLost {
            error: error.clone(),
        });
        self.go_offline();
        self.state = State::Idle;
        let policy = &self.opts.reconnect;
        let why = if !error.is_retryable() {
            CloseReason::Fatal(error)
        } else if !policy.enabled() {
            CloseReason::Lost(error)
        } else {
            self.attempt += 1;
            match policy.max_attempts {
                Some(n) if self.attempt > n => CloseReason::GaveUp {
                    attempts: n,
                    last_error: error,
                },
                _ => {
                    let delay_ms = backoff_delay(policy, self.attempt, self.rng.next_unit());
                    self.state = State::WaitReconnect {
                        at: now.saturating_add(delay_ms),
                    };
                    self.events.push_back(Event::Reconnecting {
                        attempt: self.attempt,
                        delay_ms,
                    });
                    return;
                }
            }
        };
        self.attempt = 0;
        self.events.push_back(Event::Closed { why });
    }

    /// Called on a successful CONNACK.
    pub(super) fn on_online(&mut self) {
        self.state = State::Connected;
        self.attempt = 0;
        self.online = true;
    }

    // ---- commands ----------------------------------------------------------

    fn token(&mut self) -> Token {
        self.next_token += 1;
        Token(self.next_token)
    }

    /// Publishes a message. It is sent now if the client is connected and the
    /// server's Receive Maximum allows; otherwise it waits (while offline, up to
    /// `offline_queue_limit` messages). Completion is reported by
    /// [`Event::PublishComplete`] with the returned token.
    pub fn publish(
        &mut self,
        now: Millis,
        topic: &str,
        payload: impl Into<Bytes>,
        options: PublishOptions,
    ) -> Result<Token, ClientError> {
        check_topic(topic)?;
        let mut properties = options.properties;
        properties.topic_alias = None;
        let publish = Publish {
            dup: false,
            qos: options.qos,
            retain: options.retain,
            topic: topic.to_owned(),
            // A placeholder so that validation sees a complete packet.
            packet_id: u16::from(options.qos != QoS::AtMostOnce),
            payload: payload.into(),
            properties,
        };
        Packet::Publish(publish.clone()).validate(self.version)?;
        if matches!(self.state, State::Connected) {
            self.check_publish_now(&publish)?;
        } else if self.session.queue.len() >= self.opts.offline_queue_limit {
            return Err(ClientError::OfflineQueueFull {
                limit: self.opts.offline_queue_limit,
            });
        }
        let token = self.token();
        self.session.queue.push_back(Queued { token, publish });
        self.flush_queue(now);
        Ok(token)
    }

    /// Subscribes to `filters`; sent now if connected, else after CONNACK.
    /// Completion is reported by [`Event::SubscribeComplete`].
    pub fn subscribe(
        &mut self,
        now: Millis,
        filters: Vec<(String, SubscriptionOptions)>,
        properties: Properties,
    ) -> Result<Token, ClientError> {
        if filters.is_empty() {
            return Err(ClientError::InvalidFilter {
                filter: String::new(),
                why: "SUBSCRIBE needs at least one filter",
            });
        }
        for (f, _) in &filters {
            check_filter(f)?;
        }
        let filters = filters
            .into_iter()
            .map(|(filter, options)| SubscribeFilter { filter, options })
            .collect();
        let token = self.token();
        let request = Request::Subscribe {
            token: Some(token),
            filters,
            properties,
        };
        self.request(now, request)?;
        Ok(token)
    }

    /// Unsubscribes from `filters`; sent now if connected, else after CONNACK.
    /// Completion is reported by [`Event::UnsubscribeComplete`].
    pub fn unsubscribe(
        &mut self,
        now: Millis,
        filters: Vec<String>,
        properties: Properties,
    ) -> Result<Token, ClientError> {
        if filters.is_empty() {
            return Err(ClientError::InvalidFilter {
                filter: String::new(),
                why: "UNSUBSCRIBE needs at least one filter",
            });
        }
        for f in &filters {
            check_filter(f)?;
        }
        let token = self.token();
        let request = Request::Unsubscribe {
            token,
            filters,
            properties,
        };
        self.request(now, request)?;
        Ok(token)
    }

    // ---- pollers -----------------------------------------------------------

    /// All bytes to send, every queued packet in one buffer (one WebSocket frame).
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        if self.out.is_empty() {
            None
        } else {
            Some(core::mem::take(&mut self.out))
        }
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When to call [`Client::handle_timeout`] next, if ever (an absolute time
    /// on the host's clock, which may already be past).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Millis> {
        match self.state {
            State::Opening { since } | State::Connecting { since } => {
                let limit = self.opts.connect_timeout_ms;
                (limit > 0).then(|| since.saturating_add(limit))
            }
            State::Connected => self.keepalive.deadline(),
            State::WaitReconnect { at } => Some(at),
            State::Idle => None,
        }
    }
}

/// [MQTT-4.7.3-1]: a topic name is at least one character; [MQTT-3.3.2-2]: it
/// has no wildcards; [MQTT-1.5.3-2] no U+0000.
fn check_topic(topic: &str) -> Result<(), ClientError> {
    let why = if topic.is_empty() {
        "a topic name cannot be empty"
    } else if topic.contains(['+', '#']) {
        "a topic name cannot contain the wildcards '+' or '#'"
    } else if topic.contains('\0') {
        "a topic name cannot contain U+0000"
    } else if topic.len() > u16::MAX as usize {
        "a topic name is at most 65,535 bytes"
    } else {
        return Ok(());
    };
    Err(ClientError::InvalidTopic {
        topic: topic.to_owned(),
        why,
    })
}

/// [MQTT-4.7.1-2] / [MQTT-4.7.1-3]: `#` last and alone in its level, `+` alone
/// in its level; [MQTT-4.7.3-1] not empty.
fn check_filter(filter: &str) -> Result<(), ClientError> {
    let bad = |why| {
        Err(ClientError::InvalidFilter {
            filter: filter.to_owned(),
            why,
        })
    };
    if filter.is_empty() {
        return bad("a topic filter cannot be empty");
    }
    if filter.contains('\0') {
        return bad("a topic filter cannot contain U+0000");
    }
    let levels: Vec<&str> = filter.split('/').collect();
    for (i, level) in levels.iter().enumerate() {
        if level.contains('#') && (*level != "#" || i + 1 != levels.len()) {
            return bad("'#' must be the last level and alone in it");
        }
        if level.contains('+') && *level != "+" {
            return bad("'+' must be alone in its level");
        }
    }
    Ok(())
}
