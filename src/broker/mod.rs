//! The MQTT broker: a sans-IO state machine for many connections, 3.1.1 and 5.0.
//!
//! [`Broker`] never touches a socket, a clock or a random source (client
//! identifiers it assigns come from a PRNG seeded by the host), so a run
//! replays exactly. Its host (the page, a native TCP/WebSocket server, a test)
//! owns the transports and the timer and drives it:
//!
//! ```text
//! let mut broker = Broker::new(BrokerConfig::default(), seed);
//! on transport accepted  -> let conn = broker.open(now)
//! on bytes received      -> broker.handle_bytes(conn, now, &bytes)
//! on transport lost      -> broker.handle_closed(conn, now)
//! on timer               -> broker.handle_timeout(now)
//! then, every time:
//!   1. while let Some((conn, buf)) = broker.poll_transmit() { send buf on conn }
//!   2. while let Some(conn) = broker.poll_close()          { close conn's transport }
//!   3. while let Some(ev) = broker.poll_event()            { show it }
//!   4. match broker.poll_timeout() { Some(t) => arm one timer for t, None => disarm }
//! ```
//!
//! Both protocol versions share one broker: each connection speaks the version
//! of its CONNECT, and messages cross between versions (a 3.1.1 receiver gets
//! them without properties).
//!
//! # Policies
//! - **Queue full.** Each session holds at most `max_queued_messages` messages,
//!   and `max_queued_bytes` bytes of topics and payloads, that wait to be sent
//!   (offline, beyond the client's Receive Maximum or `max_inflight`, or while
//!   the host reports its transport backed up with
//!   [`Broker::handle_backpressure`]). When a new message does not fit, the
//!   oldest queued QoS 0 messages are dropped to make room; if that cannot make
//!   enough, the new message is dropped. Either way
//!   [`BrokerEvent::MessageDropped`] says which and why, and no other session
//!   is affected.
//! - **Retained store full.** A retained message that would take the store past
//!   its limits is not retained. A 5.0 publisher at QoS 1 or 2 gets 0x97 Quota
//!   exceeded in PUBACK/PUBREC and the message is not delivered; at QoS 0, and
//!   from 3.1.1 (which has no way to say it), it is delivered without being retained.
//! - **Limits.** Every limit of [`BrokerConfig`] answers the offending client
//!   alone: a refused CONNECT, SUBACK or PUBACK reason code, or a DISCONNECT
//!   with the reason code (5.0) and a closed connection; [`Broker::stats`]
//!   shows what the broker holds.
//! - **Takeover.** A CONNECT with the client identifier of a live connection
//!   closes the older one (5.0: DISCONNECT 0x8E first). The old connection's
//!   Will is handled as for any connection closed by the server: published
//!   now when it has no Will Delay, cancelled when the new connection resumes
//!   the session before the delay ends.
//! - **Will delay.** A Will is published when its delay or the session ends,
//!   whichever comes first, unless the client reconnects in time.
//! - **Restart.** [`Broker::restart`] drops every connection without Wills (the
//!   broker itself goes away); with `keep_sessions` it keeps sessions (their
//!   expiry counts from the restart) and retained messages, as a broker with
//!   persistence would; without, it forgets both.
//! - **Topic Aliases out** (5.0, `assign_topic_aliases`): a client that sent
//!   a Topic Alias Maximum gets PUBLISHes with aliases 1..=its maximum; the
//!   first use of an alias carries the topic name, later ones an empty name.
//!   When all are taken the least recently used alias moves to the new topic
//!   and is announced again. Aliases belong to the network connection, so a
//!   resumed session starts without them, and re-sent (DUP) messages carry
//!   the full topic name and no alias.
//! - **Incoming QoS 2** uses method B of the specification (§4.3.3): the
//!   message is delivered on PUBLISH and its packet identifier kept until
//!   PUBREL, so a re-sent PUBLISH is acknowledged but not delivered again.

mod alias;
mod auth;
mod config;
mod connect;
mod connection;
mod core;
mod deliver;
mod error;
mod event;
mod inbound;
mod session;
mod snapshot;
mod subscribe;
mod timers;

pub use self::core::{Broker, ConnId};
pub use auth::{AuthDecision, Authenticator, PasswordTable};
pub use config::BrokerConfig;
pub use event::{BrokerEvent, CloseReason, DropReason, SessionEndReason};
pub use snapshot::{BrokerStats, RetainedInfo, SessionInfo, SubscriptionInfo};

/// Milliseconds on the host's monotonic clock.
pub type Millis = crate::client::Millis;
