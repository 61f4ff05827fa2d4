//! The MQTT client: one connection's sans-IO state machine, for 3.1.1 and 5.0.
//!
//! [`Client`] never touches a socket, a clock, a timer or a random source. Its
//! host (the browser transport in `web`, a native event loop, or a test) owns
//! all of those and drives it.
//!
//! # The host contract
//!
//! ```text
//! client.connect(now)                    // once, to start
//! loop {
//!     on transport open       -> client.handle_connected(now)
//!     on bytes received       -> client.handle_bytes(now, &bytes)
//!     on transport closed     -> client.handle_closed(now, "why")
//!     on timer                -> client.handle_timeout(now)
//!     on a user command       -> client.publish / subscribe / unsubscribe / disconnect
//!     then, every time:
//!       1. while let Some(buf) = client.poll_transmit() { transport.send(buf) }
//!       2. while let Some(ev)  = client.poll_event()    { ... }
//!            Event::OpenTransport  -> open a new transport (WebSocket)
//!            Event::CloseTransport -> close it (after step 1 sent the last bytes),
//!                                     and do not report that close with handle_closed
//!            other events          -> the application
//!       3. match client.poll_timeout() { Some(t) => arm one timer for t, None => disarm }
//! }
//! ```
//!
//! `now` is any monotonic millisecond clock ([`Millis`], e.g. `performance.now()`).
//! `poll_transmit` returns every queued packet in one buffer, so a burst goes
//! out as one WebSocket frame.
//!
//! # Time: keepalive and throttled timers
//! Deadlines are compared with the `now` passed in, never counted in timer
//! callbacks. PINGREQ is due when nothing was sent for the keep alive (the
//! Server Keep Alive from CONNACK if any). The connection counts as lost when a
//! PINGRESP has not arrived `ping_timeout_ms` after the PINGREQ was sent (by
//! default half the keep alive, at least one second), so the server's 1.5 ×
//! keep alive and the client's detection coincide. A background tab whose timer
//! fires minutes late sends PINGREQ on that late call; it does not declare the
//! connection dead for the time it was asleep.
//!
//! # Reconnection
//! When a connection is lost (not after [`Client::disconnect`]) the client
//! emits [`Event::ConnectionLost`], [`Event::Offline`] if it had been
//! connected, then [`Event::Reconnecting`]`{attempt, delay_ms}` and a deadline;
//! at that deadline `handle_timeout` emits [`Event::OpenTransport`]. Delays
//! follow [`ReconnectPolicy`]; after `max_attempts` failures in a row, or for
//! an error reconnecting cannot fix ([`ClientError::is_retryable`]), it emits
//! [`Event::Closed`]. A successful CONNACK resets the count. After reconnecting
//! the client resumes the session (unacknowledged PUBLISH re-sent with DUP,
//! PUBREL re-sent), or, if the server has no session, re-subscribes and
//! publishes unacknowledged messages afresh; messages published while offline
//! (up to `offline_queue_limit`) go out after CONNACK.

mod alias;
mod auth;
mod connection;
mod error;
mod event;
mod incoming;
mod keepalive;
mod options;
mod outgoing;
mod reconnect;
mod session;

pub use auth::Authenticator;
pub use connection::{Client, ConnectionState};
pub use error::ClientError;
pub use event::{CloseReason, Connected, Event, Message, Token};
pub use options::{ClientOptions, PublishOptions, ReconnectPolicy};
pub use reconnect::backoff_delay;

/// Milliseconds on the host's monotonic clock.
pub type Millis = u64;
