//! Keepalive (§3.1.2.10 / §3.1.2.10): PINGREQ when the client has sent nothing
//! for the keep alive, and a deadline for the PINGRESP.
//!
//! Every decision compares deadlines with the `now` the host passes in, never
//! with how many timer callbacks ran. A background tab whose timers are
//! throttled calls `handle_timeout` late: the late call sends the PINGREQ at
//! once, and the connection only counts as lost once a PINGREQ has been
//! unanswered for the whole ping timeout, measured from when it was sent.

use super::Millis;

/// The keepalive clock of one connection.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeepAlive {
    /// Keep alive in milliseconds; 0 is off.
    interval: Millis,
    /// How long a PINGRESP may take.
    ping_timeout: Millis,
    /// When the client last wrote a packet.
    last_sent: Millis,
    /// When the unanswered PINGREQ was sent.
    ping_sent: Option<Millis>,
}

/// What the keepalive wants done at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeepAliveAction {
    Nothing,
    SendPing,
    /// No PINGRESP for this long.
    Lost(Millis),
}

impl KeepAlive {
    /// Starts the clock for a connection with keep alive `secs` (0: off).
    /// `ping_timeout`: `None` means half the keep alive, at least one second.
    pub fn start(secs: u16, ping_timeout: Option<Millis>, now: Millis) -> Self {
        let interval = Millis::from(secs) * 1000;
        KeepAlive {
            interval,
            ping_timeout: ping_timeout.unwrap_or((interval / 2).max(1000)),
            last_sent: now,
            ping_sent: None,
        }
    }

    /// Replaces the keep alive (a Server Keep Alive from CONNACK), keeping the
    /// ping timeout rule: an explicit one stays, the default follows the new value.
    pub fn set_interval(&mut self, secs: u16, ping_timeout: Option<Millis>) {
        self.interval = Millis::from(secs) * 1000;
        self.ping_timeout = ping_timeout.unwrap_or((self.interval / 2).max(1000));
    }

    /// The client wrote a packet.
    pub fn on_sent(&mut self, now: Millis) {
        self.last_sent = now;
    }

    /// A PINGRESP arrived.
    pub fn on_pingresp(&mut self) {
        self.ping_sent = None;
    }

    /// The next time `poll` has something to do.
    pub fn deadline(&self) -> Option<Millis> {
        if self.interval == 0 {
            return None;
        }
        Some(match self.ping_sent {
            Some(t) => t.saturating_add(self.ping_timeout),
            None => self.last_sent.saturating_add(self.interval),
        })
    }

    /// What to do at `now`. On `SendPing` the caller writes a PINGREQ and
    /// calls [`KeepAlive::on_ping_sent`].
    pub fn poll(&self, now: Millis) -> KeepAliveAction {
        match (self.deadline(), self.ping_sent) {
            (Some(d), Some(t)) if now >= d => KeepAliveAction::Lost(now.saturating_sub(t)),
            (Some(d), None) if now >= d => KeepAliveAction::SendPing,
            _ => KeepAliveAction::Nothing,
        }
    }

    /// A PINGREQ was written at `now`.
    pub fn on_ping_sent(&mut self, now: Millis) {
        self.ping_sent = Some(now);
        self.last_sent = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pings_after_keep_alive_of_silence_and_sending_postpones_it() {
        let mut k = KeepAlive::start(10, None, 0);
        assert_eq!(k.deadline(), Some(10_000));
        k.on_sent(4_000);
        assert_eq!(k.poll(10_000), KeepAliveAction::Nothing);
        assert_eq!(k.poll(14_000), KeepAliveAction::SendPing);
    }

    #[test]
    fn a_late_call_sends_the_ping_instead_of_declaring_loss() {
        let mut k = KeepAlive::start(10, None, 0);
        // A throttled timer fires ten minutes late.
        assert_eq!(k.poll(600_000), KeepAliveAction::SendPing);
        k.on_ping_sent(600_000);
        assert_eq!(k.deadline(), Some(605_000));
        assert_eq!(k.poll(604_999), KeepAliveAction::Nothing);
        k.on_pingresp();
        assert_eq!(k.poll(700_000), KeepAliveAction::SendPing);
    }

    #[test]
    fn unanswered_ping_is_lost_after_the_ping_timeout() {
        let mut k = KeepAlive::start(4, Some(1_500), 0);
        k.on_ping_sent(4_000);
        assert_eq!(k.poll(5_499), KeepAliveAction::Nothing);
        assert_eq!(k.poll(5_500), KeepAliveAction::Lost(1_500));
    }

    #[test]
    fn keep_alive_zero_never_pings() {
        let k = KeepAlive::start(0, None, 0);
        assert_eq!(k.deadline(), None);
        assert_eq!(k.poll(u64::MAX), KeepAliveAction::Nothing);
    }
}
