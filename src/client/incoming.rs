//! Packets from the server: one place decides what each means in the current
//! state, and turns "wrong packet now" into a protocol error.

use super::connection::{Client, State};
use super::error::ClientError;
use super::event::{Connected, Event, Message, Token};
use super::outgoing::request_packet;
use super::session::{Awaiting, Request};
use super::Millis;
use crate::codec::{
    Auth, ConnAck, Packet, Properties, PubResponse, Publish, QoS, ReasonCode, SubAck, UnsubAck,
};

impl Client {
    /// Handles one decoded packet; an `Err` ends the connection.
    pub(super) fn handle_packet(&mut self, now: Millis, packet: Packet) -> Result<(), ClientError> {
        let connecting = matches!(self.state, State::Connecting { .. });
        match packet {
            Packet::ConnAck(ack) if connecting => self.on_connack(now, ack),
            Packet::Auth(auth) if connecting => self.on_auth(now, auth),
            Packet::Disconnect(d) => Err(ClientError::ServerDisconnect {
                code: d.reason_code,
                reason_string: d.properties.reason_string,
            }),
            // [MQTT-3.2.0-1]: CONNACK is the server's first packet (5.0 allows AUTH).
            p if connecting => Err(ClientError::protocol(
                ReasonCode::PROTOCOL_ERROR,
                format!("{} arrived before CONNACK", p.packet_type().name()),
            )),
            Packet::Publish(p) => self.on_publish(now, p),
            Packet::PubAck(r) => self.on_puback(now, r),
            Packet::PubRec(r) => self.on_pubrec(now, r),
            Packet::PubRel(r) => self.on_pubrel(now, r),
            Packet::PubComp(r) => self.on_pubcomp(now, r),
            Packet::SubAck(s) => self.on_suback(s),
            Packet::UnsubAck(u) => self.on_unsuback(u),
            Packet::PingResp => {
                self.keepalive.on_pingresp();
                Ok(())
            }
            p => Err(ClientError::protocol(
                ReasonCode::PROTOCOL_ERROR,
                format!(
                    "the server sent {}, which a server never sends now",
                    p.packet_type().name()
                ),
            )),
        }
    }

    fn on_connack(&mut self, now: Millis, ack: ConnAck) -> Result<(), ClientError> {
        let v5 = self.version.is_v5();
        let code = ack.reason_code;
        if code.0 != 0 {
            return Err(ClientError::ConnectionRefused {
                code,
                words: if v5 {
                    code.name()
                } else {
                    ReasonCode::v3_connack_text(code.0)
                },
                reason_string: ack.properties.reason_string,
            });
        }
        let props = &ack.properties;
        if let Some(auth) = self.auth.as_mut().filter(|_| v5) {
            auth.finish(props.authentication_data.clone())
                .map_err(ClientError::AuthFailed)?;
        }
        self.server.receive_maximum = props.receive_maximum.unwrap_or(u16::MAX);
        self.server.maximum_packet_size = props.maximum_packet_size;
        self.server.maximum_qos = props
            .maximum_qos
            .and_then(QoS::from_u8)
            .unwrap_or(QoS::ExactlyOnce);
        self.server.retain_available = props.retain_available != Some(0);
        let alias_max = props.topic_alias_maximum.unwrap_or(0);
        self.out_aliases.reset(if self.opts.auto_topic_alias {
            alias_max
        } else {
            0
        });
        // [MQTT-3.2.2-21]: the Server Keep Alive replaces the client's.
        let keep_alive = props.server_keep_alive.unwrap_or(self.opts.keep_alive);
        self.keepalive
            .set_interval(keep_alive, self.opts.ping_timeout_ms);
        if let Some(id) = &props.assigned_client_identifier {
            // Reconnections must name the session the server created.
            if self.opts.client_id.is_empty() {
                self.opts.client_id = id.clone();
            }
        }
        self.on_online();
        self.events.push_back(Event::Connected(Box::new(Connected {
            session_present: ack.session_present,
            keep_alive,
            receive_maximum: self.server.receive_maximum,
            maximum_packet_size: self.server.maximum_packet_size,
            topic_alias_maximum: alias_max,
            maximum_qos: self.server.maximum_qos,
            retain_available: self.server.retain_available,
            assigned_client_id: props.assigned_client_identifier.clone(),
            properties: ack.properties,
        })));
        self.resume(now, ack.session_present)
    }

    /// After CONNACK: re-send what the session still owes, re-subscribe, send
    /// requests and messages that waited.
    fn resume(&mut self, now: Millis, session_present: bool) -> Result<(), ClientError> {
        if !session_present {
            // The server has no session: incoming QoS 2 state is void [MQTT-3.2.2-5]
            // (5.0 numbering [MQTT-3.2.2-6]) and a PUBREL would name an unknown id.
            self.session.incoming_qos2.clear();
        }
        for id in self.session.inflight_in_order() {
            let out = &self.session.inflight[&id];
            let (state, token, publish) = (out.state, out.token, out.publish.clone());
            match (state, session_present) {
                // [MQTT-4.4.0-1]: re-send unacknowledged PUBLISH with DUP and PUBREL.
                (Awaiting::Comp, true) => self.send_pubrel(now, id, ReasonCode::SUCCESS)?,
                (_, true) => self.resend(now, id, token, &publish, true),
                // The server took the message (PUBREC) before losing the session.
                (Awaiting::Comp, false) => {
                    self.session.inflight.remove(&id);
                    self.complete(token, Ok(ReasonCode::SUCCESS));
                }
                // A new session: the message is published afresh.
                (_, false) => self.resend(now, id, token, &publish, false),
            }
        }
        let mut pending: Vec<u16> = self.session.requests.keys().copied().collect();
        pending.sort_unstable();
        if !session_present && self.opts.resubscribe {
            for (filters, properties) in self.session.resubscribe_groups() {
                self.request(
                    now,
                    Request::Subscribe {
                        token: None,
                        filters,
                        properties,
                    },
                )?;
            }
        }
        for id in pending {
            let packet = request_packet(id, &self.session.requests[&id]);
            self.write(now, &packet)?;
        }
        self.flush_queue(now);
        Ok(())
    }

    /// Re-sends a message in flight; one the new connection's limits refuse
    /// (e.g. a smaller Maximum Packet Size) fails alone, not the connection.
    fn resend(&mut self, now: Millis, id: u16, token: Token, publish: &Publish, dup: bool) {
        if let Err(e) = self.send_publish(now, publish, dup) {
            self.session.inflight.remove(&id);
            self.complete(token, Err(e));
        }
    }

    fn on_auth(&mut self, now: Millis, auth: Auth) -> Result<(), ClientError> {
        if auth.reason_code != ReasonCode::CONTINUE_AUTHENTICATION {
            return Err(ClientError::protocol(
                ReasonCode::PROTOCOL_ERROR,
                format!("AUTH with {} before CONNACK", auth.reason_code),
            ));
        }
        let Some(authenticator) = self.auth.as_mut() else {
            return Err(ClientError::AuthFailed(
                "the server asked for more authentication data, and no authenticator is set".into(),
            ));
        };
        let data = authenticator
            .step(auth.properties.authentication_data)
            .map_err(ClientError::AuthFailed)?;
        let reply = Auth {
            reason_code: ReasonCode::CONTINUE_AUTHENTICATION,
            properties: Properties {
                authentication_method: auth.properties.authentication_method,
                authentication_data: data,
                ..Properties::default()
            },
        };
        self.write(now, &Packet::Auth(reply))
    }

    fn on_publish(&mut self, now: Millis, p: Publish) -> Result<(), ClientError> {
        let topic = match p.properties.topic_alias {
            Some(alias) if self.version.is_v5() => self.in_aliases.resolve(alias, &p.topic)?,
            _ => p.topic,
        };
        let id = p.packet_id;
        let message = Message {
            topic,
            payload: p.payload,
            qos: p.qos,
            retain: p.retain,
            dup: p.dup,
            properties: p.properties,
        };
        match p.qos {
            QoS::AtMostOnce => self.deliver(message),
            QoS::AtLeastOnce => {
                // [MQTT-4.3.2-2]: PUBACK with the PUBLISH's packet identifier.
                self.deliver(message);
                self.write(now, &Packet::PubAck(PubResponse::new(id)))?;
            }
            QoS::ExactlyOnce => {
                if !self.session.incoming_qos2.contains(&id) {
                    let max = self.receive_maximum();
                    if self.session.incoming_qos2.len() >= max as usize {
                        // [MQTT-3.3.4-9]: the server exceeded our Receive Maximum.
                        return Err(ClientError::protocol(
                            ReasonCode::RECEIVE_MAXIMUM_EXCEEDED,
                            format!("more than {max} QoS 2 messages in flight from the server"),
                        ));
                    }
                    // [MQTT-4.3.3-9] (3.1.1 [MQTT-4.3.3-2]): deliver once, on
                    // PUBLISH; re-sends of this id before PUBREL are not delivered.
                    self.session.incoming_qos2.insert(id);
                    self.deliver(message);
                }
                self.write(now, &Packet::PubRec(PubResponse::new(id)))?;
            }
        }
        Ok(())
    }

    fn receive_maximum(&self) -> u16 {
        if self.version.is_v5() {
            self.opts.properties.receive_maximum.unwrap_or(u16::MAX)
        } else {
            u16::MAX
        }
    }

    fn deliver(&mut self, message: Message) {
        self.events.push_back(Event::Message(Box::new(message)));
    }

    fn unknown_ack(&mut self, kind: &str, id: u16) {
        self.events.push_back(Event::Error(ClientError::protocol(
            ReasonCode::PACKET_IDENTIFIER_NOT_FOUND,
            format!("{kind} for packet identifier {id}, which is not awaiting one"),
        )));
    }

    fn ack_result(r: PubResponse) -> Result<ReasonCode, ClientError> {
        if r.reason_code.is_error() {
            Err(ClientError::PublishRejected {
                code: r.reason_code,
                reason_string: r.properties.reason_string,
            })
        } else {
            Ok(r.reason_code)
        }
    }

    fn on_puback(&mut self, now: Millis, r: PubResponse) -> Result<(), ClientError> {
        let id = r.packet_id;
        match self.session.inflight.get(&id) {
            Some(o) if o.state == Awaiting::Ack => {
                let token = o.token;
                self.session.inflight.remove(&id);
                self.complete(token, Self::ack_result(r));
                self.flush_queue(now);
            }
            _ => self.unknown_ack("PUBACK", id),
        }
        Ok(())
    }

    fn on_pubrec(&mut self, now: Millis, r: PubResponse) -> Result<(), ClientError> {
        let id = r.packet_id;
        match self.session.inflight.get_mut(&id) {
            Some(o) if o.state == Awaiting::Rec && r.reason_code.is_error() => {
                // 5.0 §4.3.3: a failed PUBREC ends the exchange and frees the slot.
                let token = o.token;
                self.session.inflight.remove(&id);
                self.complete(token, Self::ack_result(r));
                self.flush_queue(now);
                Ok(())
            }
            Some(o) if o.state != Awaiting::Ack => {
                // [MQTT-4.3.3-3]: answer PUBREC with PUBREL (again, if PUBREC repeats).
                o.state = Awaiting::Comp;
                self.send_pubrel(now, id, ReasonCode::SUCCESS)
            }
            _ => {
                // 5.0: PUBREL "Packet Identifier not found" lets the server finish.
                let code = if self.version.is_v5() {
                    ReasonCode::PACKET_IDENTIFIER_NOT_FOUND
                } else {
                    ReasonCode::SUCCESS
                };
                self.send_pubrel(now, id, code)
            }
        }
    }

    fn on_pubcomp(&mut self, now: Millis, r: PubResponse) -> Result<(), ClientError> {
        let id = r.packet_id;
        match self.session.inflight.get(&id) {
            Some(o) if o.state == Awaiting::Comp => {
                let token = o.token;
                self.session.inflight.remove(&id);
                // The server took charge of the message at PUBREC. A PUBCOMP with
                // 0x92 (Packet Identifier not found) answers a PUBREL re-sent after
                // the first PUBCOMP was lost: the server had already finished, so
                // the message was delivered, once (5.0 §4.3.3, §4.4).
                let result = if r.reason_code == ReasonCode::PACKET_IDENTIFIER_NOT_FOUND {
                    Ok(r.reason_code)
                } else {
                    Self::ack_result(r)
                };
                self.complete(token, result);
                self.flush_queue(now);
            }
            _ => self.unknown_ack("PUBCOMP", id),
        }
        Ok(())
    }

    fn on_pubrel(&mut self, now: Millis, r: PubResponse) -> Result<(), ClientError> {
        let id = r.packet_id;
        let mut comp = PubResponse::new(id);
        // [MQTT-4.3.3-11] (3.1.1 [MQTT-4.3.3-2]): PUBREL releases the id; PUBCOMP answers.
        if !self.session.incoming_qos2.remove(&id) && self.version.is_v5() {
            comp.reason_code = ReasonCode::PACKET_IDENTIFIER_NOT_FOUND;
        }
        self.write(now, &Packet::PubComp(comp))
    }

    fn on_suback(&mut self, s: SubAck) -> Result<(), ClientError> {
        match self.session.requests.remove(&s.packet_id) {
            Some(Request::Subscribe {
                token,
                filters,
                properties,
            }) => {
                for (f, code) in filters.into_iter().zip(&s.reason_codes) {
                    if !code.is_error() {
                        self.session.add_subscription(f, properties.clone());
                    }
                }
                match token {
                    Some(token) => self.events.push_back(Event::SubscribeComplete {
                        token,
                        reason_codes: s.reason_codes,
                    }),
                    None => {
                        if let Some(code) = s.reason_codes.iter().find(|c| c.is_error()) {
                            self.events.push_back(Event::Error(ClientError::protocol(
                                *code,
                                "the server refused a re-subscription after reconnecting",
                            )));
                        }
                    }
                }
                Ok(())
            }
            other => {
                if let Some(r) = other {
                    self.session.requests.insert(s.packet_id, r);
                }
                self.unknown_ack("SUBACK", s.packet_id);
                Ok(())
            }
        }
    }

    fn on_unsuback(&mut self, u: UnsubAck) -> Result<(), ClientError> {
        match self.session.requests.remove(&u.packet_id) {
            Some(Request::Unsubscribe { token, filters, .. }) => {
                for f in &filters {
                    self.session.remove_subscription(f);
                }
                let reason_codes = if u.reason_codes.is_empty() {
                    vec![ReasonCode::SUCCESS; filters.len()]
                } else {
                    u.reason_codes
                };
                self.events.push_back(Event::UnsubscribeComplete {
                    token,
                    reason_codes,
                });
                Ok(())
            }
            other => {
                if let Some(r) = other {
                    self.session.requests.insert(u.packet_id, r);
                }
                self.unknown_ack("UNSUBACK", u.packet_id);
                Ok(())
            }
        }
    }
}
