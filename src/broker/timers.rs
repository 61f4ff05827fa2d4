//! Time: the CONNECT timeout, keep alive, delayed Wills, session expiry, and restart.

use super::connection::Phase;
use super::core::Broker;
use super::event::{CloseReason, SessionEndReason};
use super::Millis;
use crate::codec::{Disconnect, Packet, Properties, ReasonCode};
use crate::topic::{RetainedStore, Router};

impl Broker {
    /// Time passed: closes connections that stayed silent too long, publishes
    /// delayed Wills and ends expired sessions.
    pub fn handle_timeout(&mut self, now: Millis) {
        let mut silent = Vec::new();
        let mut no_connect = Vec::new();
        for c in self.conns.values() {
            match c.phase {
                Phase::AwaitConnect => {
                    if now >= c.opened_at.saturating_add(self.cfg.connect_timeout_ms) {
                        no_connect.push(c.id);
                    }
                }
                Phase::Connected(_) => {
                    if c.keep_alive_deadline().is_some_and(|t| now >= t) {
                        silent.push((c.id, c.is_v5()));
                    }
                }
            }
        }
        for id in no_connect {
            self.close_conn(id, now, CloseReason::ConnectTimeout);
        }
        // [MQTT-3.1.2-24]: 1.5 × keep alive without a packet; 5.0 clients are
        // told why (DISCONNECT 0x8D) before the close.
        for (id, v5) in silent {
            if v5 {
                let d = Disconnect {
                    reason_code: ReasonCode::KEEP_ALIVE_TIMEOUT,
                    properties: Properties::default(),
                };
                self.send(id, now, Packet::Disconnect(d));
            }
            self.close_conn(id, now, CloseReason::KeepAliveTimeout);
        }
        self.fire_timers(now);
    }

    /// Publishes Wills whose delay ended and ends sessions that expired.
    pub(crate) fn fire_timers(&mut self, now: Millis) {
        let due_wills: Vec<_> = self
            .sessions
            .values()
            .filter(|s| s.will_at.is_some_and(|t| t <= now))
            .map(|s| s.key)
            .collect();
        for key in due_wills {
            self.publish_will(key, now);
        }
        let expired: Vec<_> = self
            .sessions
            .values()
            .filter(|s| s.conn.is_none() && s.expires_at.is_some_and(|t| t <= now))
            .map(|s| s.key)
            .collect();
        for key in expired {
            let why = match self.sessions.get(&key) {
                Some(s) if s.expiry == 0 => SessionEndReason::ConnectionEnded,
                _ => SessionEndReason::Expired,
            };
            self.end_session(key, now, why);
        }
    }

    /// When to call [`Broker::handle_timeout`] next, if ever.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Millis> {
        let conns = self.conns.values().filter_map(|c| match c.phase {
            Phase::AwaitConnect => Some(c.opened_at.saturating_add(self.cfg.connect_timeout_ms)),
            Phase::Connected(_) => c.keep_alive_deadline(),
        });
        let sessions = self.sessions.values().flat_map(|s| {
            let expiry = if s.conn.is_none() { s.expires_at } else { None };
            [s.will_at, expiry].into_iter().flatten()
        });
        conns.chain(sessions).min()
    }

    /// Restarts the broker: every connection is dropped (5.0 clients are sent
    /// DISCONNECT 0x8B Server shutting down) without publishing Wills. With
    /// `keep_sessions` the sessions (expiry counting from now) and retained
    /// messages survive, as with persistence; without, both are lost.
    pub fn restart(&mut self, now: Millis, keep_sessions: bool) {
        let ids: Vec<_> = self.conns.keys().copied().collect();
        for id in ids {
            if self
                .conns
                .get(&id)
                .is_some_and(|c| c.is_v5() && c.session().is_some())
            {
                let d = Disconnect {
                    reason_code: ReasonCode::SERVER_SHUTTING_DOWN,
                    properties: Properties::default(),
                };
                self.send(id, now, Packet::Disconnect(d));
            }
            self.close_conn(id, now, CloseReason::Restart);
        }
        if !keep_sessions {
            let keys: Vec<_> = self.sessions.keys().copied().collect();
            for key in keys {
                self.end_session(key, now, SessionEndReason::Restart);
            }
            self.router = Router::new();
            self.retained = RetainedStore::new(self.cfg.retained);
            self.retained_topics.clear();
        }
    }
}
