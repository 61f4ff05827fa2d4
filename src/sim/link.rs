//! A link between one peer and the broker: its configuration and the state the
//! faults change.

use super::event::Direction;
use super::Millis;

/// How a link behaves. See the [module documentation](super) for the loss model.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkConfig {
    /// One-way latency in milliseconds.
    pub latency_ms: Millis,
    /// Probability (0.0 to 1.0) that a packet is lost, which breaks the connection.
    pub loss: f64,
    /// Probability (0.0 to 1.0) that a PUBLISH arrives twice.
    pub duplicate: f64,
    /// Whether the link works at all; a link going down breaks its connection
    /// and refuses new ones until it comes back up.
    pub up: bool,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            latency_ms: 20,
            loss: 0.0,
            duplicate: 0.0,
            up: true,
        }
    }
}

impl LinkConfig {
    /// A working link with this latency and no loss.
    pub fn latency(ms: Millis) -> Self {
        LinkConfig {
            latency_ms: ms,
            ..LinkConfig::default()
        }
    }
}

/// A link's configuration and the state of its faults.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    pub cfg: LinkConfig,
    /// Nothing gets through either way, and nobody is told.
    pub partitioned: bool,
    /// Nothing sent before this time leaves before it ([`Simulation::delay`](super::Simulation::delay)).
    pub hold_until: Millis,
    /// Packets to drop on purpose, per direction.
    pub drop_next: [u32; 2],
    /// Packets to lose as the link's own loss does (breaking the connection), per direction.
    pub lose_next: [u32; 2],
    /// The latest arrival scheduled per direction, so that order is kept.
    pub last_arrival: [Millis; 2],
}

impl Link {
    pub fn new(cfg: LinkConfig) -> Self {
        Link {
            cfg,
            partitioned: false,
            hold_until: 0,
            drop_next: [0, 0],
            lose_next: [0, 0],
            last_arrival: [0, 0],
        }
    }

    /// When something sent now in `dir` arrives, keeping the direction in order.
    pub fn schedule(&mut self, now: Millis, dir: Direction) -> Millis {
        let at = now.max(self.hold_until) + self.cfg.latency_ms;
        let at = at.max(self.last_arrival[dir as usize]);
        self.last_arrival[dir as usize] = at;
        at
    }
}
