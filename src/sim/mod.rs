//! A deterministic virtual network and clock around one [`Broker`](crate::broker::Broker):
//! the classroom's "watch it happen" engine, in plain Rust (no browser).
//!
//! A [`Simulation`] owns the broker and any number of peers, each joined to the
//! broker by a [`Link`](LinkConfig) with a latency, a loss and a duplication
//! probability, and an up/down state. A peer is one of:
//! - a [`Client`](crate::client::Client) core ([`PeerKind::Client`]), driven
//!   through [`Simulation::publish`], [`Simulation::subscribe`], ...;
//! - a script of raw bytes sent at given times ([`PeerKind::Script`]), to show
//!   what a broker does with a malformed or out-of-order packet;
//! - an external transport ([`PeerKind::External`]) whose bytes come from the
//!   host, such as a WebSocket-shaped object handed to MQTT.js in the page.
//!
//! Every packet travels as its own [`Flight`] with a departure and an arrival
//! time, so a page can draw it moving along its link.
//!
//! # Time
//! The clock is virtual ([`Simulation::now`], milliseconds). [`Simulation::step`]
//! jumps to the next thing that happens (a packet arrives, a close notice
//! arrives, a scripted send is due, or a client or broker deadline passes),
//! processes exactly that one thing and its immediate consequences, and returns.
//! [`Simulation::run_until`] and [`Simulation::run_for`] step until a time.
//! Pausing is not stepping. Running at a speed is the host's business: on each
//! animation frame call `run_until(start_virtual + (performance.now() - start_real) * speed)`.
//! The same seed and the same calls give the same [`SimEvent`] log.
//!
//! # The loss model: MQTT runs over a reliable, ordered transport
//! Each direction of a link delivers in order (a packet never overtakes an
//! earlier one, even when latency changes). A packet that the dice say is lost
//! ([`LinkConfig::loss`]) is not silently skipped, because TCP would retransmit
//! it: the loss stands for a connection that broke. The packet disappears when
//! it would have arrived, and at that moment the connection breaks for both
//! ends (the broker's `handle_closed` fires the Will; the client sees the
//! transport close). Packets still in flight on it are dropped. A client core
//! then reconnects by its [`ReconnectPolicy`](crate::client::ReconnectPolicy)
//! and resumes its session: unacknowledged QoS 1 and 2 messages go again with
//! DUP, which is exactly what QoS 1/2 exist for.
//!
//! Silent loss without a close happens only in a [`partition`](Simulation::partition)
//! (a cable pulled in the middle: nothing gets through, nobody is told, so
//! keepalive is what notices) and with [`drop_next`](Simulation::drop_next), a
//! deliberate fault a TCP link never produces, to show what the handshakes and
//! timeouts would face without a reliable transport.
//!
//! Duplication ([`LinkConfig::duplicate`]) applies to PUBLISH packets only: the
//! copy arrives right after the original, byte for byte. TCP never duplicates
//! either; it shows what each QoS does with a repeated packet (QoS 0 and 1
//! deliver it again, the broker's QoS 2 state delivers it once).
//!
//! Opening a transport takes no time when the link is up (the TCP and
//! WebSocket handshakes are not drawn); on a link that is down it fails after
//! the latency; in a partition it never completes, and the client's connect
//! timeout ends the attempt.

mod bench;
mod core;
mod event;
mod faults;
mod frames;
mod link;
mod peer;
mod rng;
mod snapshot;

pub use self::core::Simulation;
pub use bench::BrokerBench;
pub use event::{Direction, DropWhy, Flight, SimEvent};
pub use link::LinkConfig;
pub use peer::{ClientSpec, ExternalOutput, PeerId, PeerKind, ScriptStep, SimError};
pub use snapshot::{FlightView, PeerSnapshot, PeerState, SimSnapshot};

/// Milliseconds of virtual time.
pub type Millis = crate::client::Millis;
