//! CONNECT: identifiers, authentication, takeover, sessions and CONNACK.

use super::alias::OutAliases;
use super::auth::AuthDecision;
use super::connection::Phase;
use super::core::Broker;
use super::deliver::outgoing_publish;
use super::error::Violation;
use super::event::{BrokerEvent, CloseReason, SessionEndReason};
use super::session::{SessionKey, Stage};
use super::{ConnId, Millis};
use crate::codec::{
    ConnAck, Connect, Disconnect, Packet, Properties, PubResponse, QoS, ReasonCode,
};
use crate::topic::validate_topic_name;

/// A CONNECT refusal: the 5.0 reason code and the 3.1.1 return code.
struct Refusal {
    v5: ReasonCode,
    v3: u8,
    why: &'static str,
}

const fn refusal(v5: u8, v3: u8, why: &'static str) -> Refusal {
    Refusal {
        v5: ReasonCode(v5),
        v3,
        why,
    }
}

impl Broker {
    pub(crate) fn on_connect(
        &mut self,
        conn: ConnId,
        now: Millis,
        mut c: Connect,
    ) -> Result<(), Violation> {
        let v5 = c.protocol.is_v5();
        if let Some(cn) = self.conns.get_mut(&conn) {
            cn.version = c.protocol;
        }
        if let Err(r) = self.check_connect(&mut c) {
            self.refuse(conn, now, v5, r);
            return Ok(());
        }
        let assigned = c.client_id.is_empty();
        if assigned {
            c.client_id = self.assign_client_id();
        }
        // Session takeover [MQTT-3.1.4-2]: the older connection goes first.
        if let Some(&key) = self.by_client_id.get(&c.client_id) {
            if let Some(old) = self.sessions.get(&key).and_then(|s| s.conn) {
                self.take_over(old, now);
            }
        }
        let existing = self.by_client_id.get(&c.client_id).copied();
        let resumed = match existing {
            Some(key) if !c.clean_start => Some(key),
            Some(key) => {
                // [MQTT-3.1.2-4]: Clean Start discards the stored session.
                self.end_session(key, now, SessionEndReason::CleanStart);
                None
            }
            None => None,
        };
        let key = match resumed {
            Some(key) => key,
            None => self.create_session(&c.client_id, c.protocol),
        };
        let expiry = if v5 {
            c.properties
                .session_expiry_interval
                .unwrap_or(0)
                .min(self.cfg.max_session_expiry)
        } else if c.clean_start {
            0
        } else {
            u32::MAX
        };
        let client_id = c.client_id.clone();
        if let Some(s) = self.sessions.get_mut(&key) {
            s.conn = Some(conn);
            s.version = c.protocol;
            s.expiry = expiry;
            s.connect_expiry_zero = expiry == 0;
            s.expires_at = None;
            if s.will_at.take().is_some() {
                // [MQTT-3.1.3-9]: the client came back before the Will Delay ended.
                self.events.push_back(BrokerEvent::WillCancelled {
                    client_id: client_id.clone(),
                    at: now,
                });
            }
            s.will = c.will.take();
        }
        self.events.push_back(match resumed {
            Some(_) => BrokerEvent::SessionResumed {
                client_id: client_id.clone(),
                at: now,
            },
            None => BrokerEvent::SessionCreated {
                client_id: client_id.clone(),
                assigned,
                at: now,
            },
        });
        let keep_alive = match (v5, self.cfg.server_keep_alive) {
            (true, Some(k)) => k,
            _ => c.keep_alive,
        };
        let p = &c.properties;
        if let Some(cn) = self.conns.get_mut(&conn) {
            cn.phase = Phase::Connected(key);
            cn.client_id = Some(client_id.clone());
            cn.keep_alive_ms = (keep_alive > 0).then_some(u64::from(keep_alive) * 1000);
            let receive_max = p.receive_maximum.unwrap_or(u16::MAX);
            cn.send_window = usize::from(receive_max.min(self.cfg.max_inflight).max(1));
            if let Some(m) = p.maximum_packet_size {
                cn.max_packet_out = m as usize;
            }
            // [MQTT-3.1.2-27]: no Topic Alias Maximum, no aliases.
            let alias_max = p.topic_alias_maximum.unwrap_or(0);
            if v5 && self.cfg.assign_topic_aliases && alias_max > 0 {
                cn.aliases_out = OutAliases::up_to(alias_max);
            }
        }
        let mut props = Properties::default();
        if v5 {
            self.connack_properties(&mut props);
            if assigned {
                props.assigned_client_identifier = Some(client_id);
            }
            if self.cfg.server_keep_alive.is_some() {
                props.server_keep_alive = Some(keep_alive);
            }
            if expiry != p.session_expiry_interval.unwrap_or(0) {
                props.session_expiry_interval = Some(expiry);
            }
        }
        // [MQTT-3.2.2-2]/[MQTT-3.2.2-3] (3.1.1), [MQTT-3.2.2-2]/[MQTT-3.2.2-3] (5.0).
        let ack = ConnAck {
            session_present: resumed.is_some(),
            reason_code: ReasonCode::SUCCESS,
            properties: props,
        };
        self.send(conn, now, Packet::ConnAck(ack));
        if resumed.is_some() {
            self.resend_inflight(key, conn, now);
        }
        self.pump(key, now);
        Ok(())
    }

    /// What the broker allows, for CONNACK (5.0).
    fn connack_properties(&self, props: &mut Properties) {
        let cfg = &self.cfg;
        props.receive_maximum = Some(cfg.receive_maximum.max(1));
        if cfg.maximum_qos != QoS::ExactlyOnce {
            props.maximum_qos = Some(cfg.maximum_qos.as_u8());
        }
        props.retain_available = Some(u8::from(cfg.retain_available));
        props.maximum_packet_size = Some(cfg.max_packet_size);
        props.topic_alias_maximum = Some(cfg.topic_alias_maximum);
        props.wildcard_subscription_available = Some(1);
        props.subscription_identifiers_available = Some(1);
        props.shared_subscription_available = Some(1);
    }

    /// The checks that refuse a CONNECT with a CONNACK code.
    fn check_connect(&mut self, c: &mut Connect) -> Result<(), Refusal> {
        let v5 = c.protocol.is_v5();
        if c.properties.authentication_method.is_some() {
            return Err(refusal(
                0x8C,
                0x05,
                "extended authentication is not supported",
            ));
        }
        let connected = self
            .conns
            .values()
            .filter(|c| c.session().is_some())
            .count();
        if connected >= self.cfg.max_connections {
            return Err(refusal(0x89, 0x03, "too many connections"));
        }
        // [MQTT-3.1.3-8] (3.1.1): an empty identifier needs Clean Session 1.
        if c.client_id.is_empty() && !v5 && !c.clean_start {
            return Err(refusal(
                0x85,
                0x02,
                "an empty client identifier needs a clean session",
            ));
        }
        let decision =
            self.auth
                .authenticate(&c.client_id, c.username.as_deref(), c.password.as_deref());
        match decision {
            AuthDecision::Allow => {}
            AuthDecision::BadCredentials => {
                return Err(refusal(0x86, 0x04, "bad user name or password"))
            }
            AuthDecision::NotAuthorized => return Err(refusal(0x87, 0x05, "not authorized")),
        }
        if let Some(w) = &c.will {
            if validate_topic_name(&w.topic).is_err() || !self.cfg.topic_fits(&w.topic) {
                return Err(refusal(
                    0x90,
                    0x02,
                    "the Will topic is not a valid topic name",
                ));
            }
            // [MQTT-3.2.2-12]: a Will QoS above the broker's maximum is refused.
            if w.qos > self.cfg.maximum_qos {
                return Err(refusal(0x9B, 0x05, "the Will QoS is above the Maximum QoS"));
            }
            // [MQTT-3.2.2-13]
            if w.retain && !self.cfg.retain_available {
                return Err(refusal(0x9A, 0x05, "retained messages are not supported"));
            }
        }
        Ok(())
    }

    /// Answers CONNECT with a refusal and closes [MQTT-3.2.2-6] (3.1.1: Session
    /// Present 0 with a non-zero code) / [MQTT-3.2.2-7] (5.0: close after it).
    fn refuse(&mut self, conn: ConnId, now: Millis, v5: bool, r: Refusal) {
        let code = if v5 { r.v5 } else { ReasonCode(r.v3) };
        let mut properties = Properties::default();
        if v5 {
            properties.reason_string = Some(r.why.to_owned());
        }
        let ack = ConnAck {
            session_present: false,
            reason_code: code,
            properties,
        };
        self.send(conn, now, Packet::ConnAck(ack));
        self.close_conn(conn, now, CloseReason::Refused(code));
    }

    /// Closes a connection whose session another connection claims; a 5.0
    /// client learns why (DISCONNECT 0x8E).
    fn take_over(&mut self, old: ConnId, now: Millis) {
        if self.conns.get(&old).is_some_and(|c| c.is_v5()) {
            let d = Disconnect {
                reason_code: ReasonCode::SESSION_TAKEN_OVER,
                properties: Properties::default(),
            };
            self.send(old, now, Packet::Disconnect(d));
        }
        self.close_conn(old, now, CloseReason::TakenOver);
    }

    /// Sends the unacknowledged messages of a resumed session again, PUBLISH
    /// with DUP set and PUBREL as they were [MQTT-4.4.0-1] (3.1.1: [MQTT-4.4.0-1]).
    /// A PUBLISH goes with its full topic name and no alias: the alias it may
    /// have had belonged to the previous connection [MQTT-3.3.2-7].
    fn resend_inflight(&mut self, key: SessionKey, conn: ConnId, now: Millis) {
        let Some(s) = self.sessions.get(&key) else {
            return;
        };
        let list: Vec<_> = s.inflight.iter().cloned().collect();
        for m in list {
            match m.stage {
                Stage::Comp => {
                    let rel = PubResponse::new(m.packet_id);
                    self.send(conn, now, Packet::PubRel(rel));
                }
                Stage::Ack | Stage::Rec => {
                    let v5 = self.conns.get(&conn).is_some_and(|c| c.is_v5());
                    let mut p = outgoing_publish(&m.delivery, m.packet_id, now, v5);
                    p.dup = true;
                    self.send(conn, now, Packet::Publish(p));
                }
            }
        }
    }
}
