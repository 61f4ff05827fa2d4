//! Packets from clients after CONNECT: PUBLISH and its acknowledgements,
//! PINGREQ, DISCONNECT, and the packets a server must never receive.

use super::connection::Phase;
use super::core::Broker;
use super::error::Violation;
use super::event::{BrokerEvent, CloseReason, DropReason};
use super::session::{AppMessage, SessionKey, Stage};
use super::{ConnId, Millis};
use crate::codec::{Disconnect, Packet, PubResponse, Publish, QoS, ReasonCode};
use crate::topic::validate_topic_name;
use std::sync::Arc;

impl Broker {
    /// Dispatches one decoded packet: the place that decides which packets are
    /// allowed now.
    pub(crate) fn on_packet(
        &mut self,
        conn: ConnId,
        now: Millis,
        packet: Packet,
    ) -> Result<(), Violation> {
        let Some(c) = self.conns.get(&conn) else {
            return Ok(());
        };
        let key = match (c.phase, packet) {
            (Phase::AwaitConnect, Packet::Connect(connect)) => {
                return self.on_connect(conn, now, *connect)
            }
            // The decoder already refuses these [MQTT-3.1.0-1], [MQTT-3.1.0-2].
            (Phase::AwaitConnect, p) => {
                return Err(Violation::protocol(format!(
                    "{} before CONNECT",
                    p.packet_type().name()
                )))
            }
            (Phase::Connected(_), Packet::Connect(_)) => {
                return Err(Violation::protocol("a second CONNECT"))
            }
            (Phase::Connected(key), p) => (key, p),
        };
        let (key, packet) = key;
        match packet {
            Packet::Publish(p) => self.on_publish(conn, key, now, p),
            Packet::PubAck(r) => {
                self.complete(key, r.packet_id, Stage::Ack, now);
                Ok(())
            }
            Packet::PubRec(r) => {
                self.on_pubrec(conn, key, now, r);
                Ok(())
            }
            Packet::PubRel(r) => {
                self.on_pubrel(conn, key, now, r.packet_id);
                Ok(())
            }
            Packet::PubComp(r) => {
                self.complete(key, r.packet_id, Stage::Comp, now);
                Ok(())
            }
            Packet::Subscribe(s) => self.on_subscribe(conn, key, now, s),
            Packet::Unsubscribe(u) => {
                self.on_unsubscribe(conn, key, now, u);
                Ok(())
            }
            Packet::PingReq => {
                // [MQTT-3.12.4-1]
                self.send(conn, now, Packet::PingResp);
                Ok(())
            }
            Packet::Disconnect(d) => self.on_disconnect(conn, key, now, d),
            Packet::Auth(_) => Err(Violation::protocol(
                "AUTH without an Authentication Method in CONNECT",
            )),
            p => Err(Violation::protocol(format!(
                "{} is sent by servers, not clients",
                p.packet_type().name()
            ))),
        }
    }

    fn on_publish(
        &mut self,
        conn: ConnId,
        key: SessionKey,
        now: Millis,
        mut p: Publish,
    ) -> Result<(), Violation> {
        let Some(c) = self.conns.get_mut(&conn) else {
            return Ok(());
        };
        let v5 = c.is_v5();
        if let Some(alias) = p.properties.topic_alias.take() {
            // [MQTT-3.3.2-8]/[MQTT-3.3.2-12]: we accept 1..=our maximum; 0 or above is invalid.
            if alias == 0 || alias > self.cfg.topic_alias_maximum {
                return Err(Violation::new(
                    ReasonCode::TOPIC_ALIAS_INVALID,
                    format!(
                        "Topic Alias {alias} is outside 1..={}",
                        self.cfg.topic_alias_maximum
                    ),
                ));
            }
            if p.topic.is_empty() {
                match c.aliases_in.get(&alias) {
                    Some(t) => p.topic = t.clone(),
                    None => {
                        return Err(Violation::protocol(format!(
                            "Topic Alias {alias} was never set on this connection"
                        )))
                    }
                }
            } else {
                // [MQTT-3.3.2-12]: a topic with an alias (re)defines the mapping.
                c.aliases_in.insert(alias, p.topic.clone());
            }
        }
        // [MQTT-3.2.2-11] (5.0): a QoS above the advertised maximum.
        if p.qos > self.cfg.maximum_qos {
            return Err(Violation::new(
                ReasonCode::QOS_NOT_SUPPORTED,
                "QoS above the Maximum QoS in CONNACK",
            ));
        }
        // [MQTT-3.2.2-14] (5.0)
        if p.retain && !self.cfg.retain_available {
            return Err(Violation::new(
                ReasonCode::RETAIN_NOT_SUPPORTED,
                "RETAIN set but Retain Available is 0",
            ));
        }
        p.check_payload_format()?;
        let Some(s) = self.sessions.get_mut(&key) else {
            return Ok(());
        };
        if p.qos == QoS::ExactlyOnce {
            // Method B: the identifier is kept until PUBREL; a re-sent PUBLISH
            // is acknowledged again but not delivered again [MQTT-4.3.3-9] (5.0).
            if s.incoming_qos2.contains(&p.packet_id) {
                self.send(conn, now, Packet::PubRec(PubResponse::new(p.packet_id)));
                return Ok(());
            }
            // [MQTT-3.3.4-7] (5.0): no more than Receive Maximum unacknowledged.
            if s.incoming_qos2.len() >= usize::from(self.cfg.receive_maximum.max(1)) {
                return Err(Violation::new(
                    ReasonCode::RECEIVE_MAXIMUM_EXCEEDED,
                    format!(
                        "more than Receive Maximum ({}) QoS 2 messages unacknowledged",
                        self.cfg.receive_maximum
                    ),
                ));
            }
        }
        let topic_ok = validate_topic_name(&p.topic).is_ok() && self.cfg.topic_fits(&p.topic);
        if !topic_ok {
            if !v5 {
                return Err(Violation::new(
                    ReasonCode::TOPIC_NAME_INVALID,
                    "topic name beyond the broker's limits",
                ));
            }
            let client_id = s.client_id.clone();
            self.events.push_back(BrokerEvent::MessageDropped {
                client_id,
                topic: p.topic.clone(),
                at: now,
                why: DropReason::TopicRefused,
            });
            self.acknowledge(conn, now, &p, ReasonCode::TOPIC_NAME_INVALID);
            return Ok(());
        }
        if p.qos == QoS::ExactlyOnce {
            s.incoming_qos2.insert(p.packet_id);
        }
        let expires_at = p
            .properties
            .message_expiry_interval
            .map(|e| now.saturating_add(u64::from(e) * 1000));
        let mut properties = core::mem::take(&mut p.properties);
        properties.subscription_identifiers.clear();
        let msg = Arc::new(AppMessage {
            topic: core::mem::take(&mut p.topic),
            payload: p.payload.clone(),
            qos: p.qos,
            retain: p.retain,
            properties,
            expires_at,
            publisher: Some(key),
        });
        // A retained message the store cannot take: a 5.0 publisher that waits
        // for an acknowledgement learns it (0x97) and the message goes nowhere;
        // otherwise it is delivered, not retained (MessageDropped says so).
        if msg.retain && !self.retain(&msg, now) && v5 && p.qos != QoS::AtMostOnce {
            if let Some(s) = self.sessions.get_mut(&key) {
                // A PUBREC with an error code ends the QoS 2 exchange [MQTT-4.3.3-4] (5.0).
                s.incoming_qos2.remove(&p.packet_id);
            }
            self.acknowledge(conn, now, &p, ReasonCode::QUOTA_EXCEEDED);
            return Ok(());
        }
        let n = self.route(msg, now);
        let code = if n == 0 && v5 {
            ReasonCode::NO_MATCHING_SUBSCRIBERS
        } else {
            ReasonCode::SUCCESS
        };
        self.acknowledge(conn, now, &p, code);
        Ok(())
    }

    /// PUBACK (QoS 1) or PUBREC (QoS 2) for an incoming PUBLISH [MQTT-4.3.2-2], [MQTT-4.3.3-2].
    fn acknowledge(&mut self, conn: ConnId, now: Millis, p: &Publish, code: ReasonCode) {
        let mut r = PubResponse::new(p.packet_id);
        r.reason_code = code;
        match p.qos {
            QoS::AtMostOnce => {}
            QoS::AtLeastOnce => {
                self.send(conn, now, Packet::PubAck(r));
            }
            QoS::ExactlyOnce => {
                self.send(conn, now, Packet::PubRec(r));
            }
        }
    }

    /// PUBREL: the end of an incoming QoS 2 exchange; PUBCOMP answers it
    /// [MQTT-4.3.3-11] (5.0), with 0x92 when the identifier is unknown.
    fn on_pubrel(&mut self, conn: ConnId, key: SessionKey, now: Millis, packet_id: u16) {
        let known = self
            .sessions
            .get_mut(&key)
            .is_some_and(|s| s.incoming_qos2.remove(&packet_id));
        let mut r = PubResponse::new(packet_id);
        if !known && self.conns.get(&conn).is_some_and(|c| c.is_v5()) {
            r.reason_code = ReasonCode::PACKET_IDENTIFIER_NOT_FOUND;
        }
        self.send(conn, now, Packet::PubComp(r));
    }

    /// PUBREC for an outgoing QoS 2 message: PUBREL follows [MQTT-4.3.3-3], unless
    /// the client refused the message (a reason code of 0x80 or more).
    fn on_pubrec(&mut self, conn: ConnId, key: SessionKey, now: Millis, r: PubResponse) {
        let Some(s) = self.sessions.get_mut(&key) else {
            return;
        };
        let found = s
            .inflight
            .iter_mut()
            .find(|m| m.packet_id == r.packet_id && m.stage != Stage::Ack);
        let mut rel = PubResponse::new(r.packet_id);
        match found {
            Some(_) if r.reason_code.is_error() => {
                self.complete(key, r.packet_id, Stage::Rec, now);
                return;
            }
            Some(m) => m.stage = Stage::Comp,
            None => rel.reason_code = ReasonCode::PACKET_IDENTIFIER_NOT_FOUND,
        }
        if !self.conns.get(&conn).is_some_and(|c| c.is_v5()) {
            rel.reason_code = ReasonCode::SUCCESS;
        }
        self.send(conn, now, Packet::PubRel(rel));
    }

    /// Forgets an acknowledged outgoing message and sends what its slot allows.
    /// An acknowledgement that matches nothing is ignored.
    fn complete(&mut self, key: SessionKey, packet_id: u16, stage: Stage, now: Millis) {
        let Some(s) = self.sessions.get_mut(&key) else {
            return;
        };
        let at = s
            .inflight
            .iter()
            .position(|m| m.packet_id == packet_id && m.stage == stage);
        if let Some(at) = at {
            s.inflight.remove(at);
            self.pump(key, now);
        }
    }

    fn on_disconnect(
        &mut self,
        conn: ConnId,
        key: SessionKey,
        now: Millis,
        d: Disconnect,
    ) -> Result<(), Violation> {
        if let Some(s) = self.sessions.get_mut(&key) {
            if let Some(e) = d.properties.session_expiry_interval {
                // [MQTT-3.14.2-2]: expiry 0 at CONNECT may not be raised now.
                if s.connect_expiry_zero && e != 0 {
                    return Err(Violation::protocol(
                        "Session Expiry Interval set in DISCONNECT after 0 in CONNECT",
                    ));
                }
                s.expiry = e.min(self.cfg.max_session_expiry);
            }
        }
        // [MQTT-3.14.4-1]: the server closes the connection after DISCONNECT.
        self.close_conn(conn, now, CloseReason::Disconnected(d.reason_code));
        Ok(())
    }
}
