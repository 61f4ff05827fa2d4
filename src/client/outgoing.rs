//! Writing packets: CONNECT, the publish queue and its window, requests, and
//! the checks against the server's limits.

use super::connection::{Client, State};
use super::error::ClientError;
use super::event::{Event, Token};
use super::session::{Awaiting, Request};
use super::Millis;
use crate::codec::{
    Connect, Packet, PubResponse, Publish, QoS, ReasonCode, Subscribe, Unsubscribe,
};
use bytes::Bytes;

impl Client {
    /// Encodes `packet` into the transmit buffer, unless it is larger than the
    /// server's Maximum Packet Size [MQTT-3.1.2-24].
    pub(super) fn write(&mut self, now: Millis, packet: &Packet) -> Result<(), ClientError> {
        if let Some(max) = self.server.maximum_packet_size {
            let size = packet.encoded_len(self.version);
            if size > max as usize {
                return Err(ClientError::PacketTooLarge {
                    size,
                    max: max as usize,
                });
            }
        }
        let start = self.out.len();
        packet.encode(self.version, &mut self.out)?;
        self.keepalive.on_sent(now);
        if self.opts.trace_packets {
            self.events.push_back(Event::PacketSent {
                packet: Box::new(packet.clone()),
                bytes: Bytes::copy_from_slice(&self.out[start..]),
            });
        }
        Ok(())
    }

    /// The CONNECT for a new connection.
    pub(super) fn connect_packet(&mut self) -> Packet {
        let v5 = self.version.is_v5();
        let mut properties = if v5 {
            self.opts.properties.clone()
        } else {
            Default::default()
        };
        if v5 {
            if let Some(auth) = self.auth.as_mut() {
                let (method, data) = auth.start();
                properties.authentication_method = Some(method);
                properties.authentication_data = data;
            }
        }
        let mut will = self.opts.will.clone();
        if let (Some(w), false) = (will.as_mut(), v5) {
            w.properties = Default::default();
        }
        Packet::Connect(Box::new(Connect {
            protocol: self.version,
            clean_start: self.opts.clean_start,
            keep_alive: self.opts.keep_alive,
            client_id: self.opts.client_id.clone(),
            will,
            username: self.opts.username.clone(),
            password: self.opts.password.clone(),
            properties,
        }))
    }

    /// Checks a message against what the server said it accepts.
    pub(super) fn check_publish_now(&self, publish: &Publish) -> Result<(), ClientError> {
        // [MQTT-3.2.2-11]: no QoS above the server's Maximum QoS.
        if publish.qos > self.server.maximum_qos {
            return Err(ClientError::QosNotSupported {
                requested: publish.qos,
                max: self.server.maximum_qos,
            });
        }
        // [MQTT-3.2.2-14]: no retained message when Retain Available is 0.
        if publish.retain && !self.server.retain_available {
            return Err(ClientError::RetainNotSupported);
        }
        if let Some(max) = self.server.maximum_packet_size {
            // Checked with the full topic: an alias only makes the packet smaller.
            let size = Packet::Publish(publish.clone()).encoded_len(self.version);
            if size > max as usize {
                return Err(ClientError::PacketTooLarge {
                    size,
                    max: max as usize,
                });
            }
        }
        Ok(())
    }

    /// Writes a PUBLISH, giving its topic an alias if the server accepts them.
    pub(super) fn send_publish(
        &mut self,
        now: Millis,
        publish: &Publish,
        dup: bool,
    ) -> Result<(), ClientError> {
        let mut p = publish.clone();
        p.dup = dup && p.qos != QoS::AtMostOnce;
        if self.version.is_v5() {
            if let Some((alias, first)) = self.out_aliases.lookup_or_assign(&p.topic) {
                p.properties.topic_alias = Some(alias);
                if !first {
                    p.topic.clear();
                }
            }
        }
        self.write(now, &Packet::Publish(p))
    }

    /// Sends waiting messages while the server's Receive Maximum allows
    /// [MQTT-4.9.0-2]; the rest wait for acknowledgements to free slots.
    pub(super) fn flush_queue(&mut self, now: Millis) {
        while matches!(self.state, State::Connected) {
            let Some(front) = self.session.queue.front() else {
                return;
            };
            let qos = front.publish.qos;
            if qos != QoS::AtMostOnce
                && self.session.inflight.len() >= self.server.receive_maximum as usize
            {
                return;
            }
            if let Err(e) = self.check_publish_now(&front.publish) {
                let q = self.session.queue.pop_front().expect("front exists");
                self.complete(q.token, Err(e));
                continue;
            }
            let packet_id = if qos == QoS::AtMostOnce {
                0
            } else {
                match self.session.next_packet_id() {
                    Some(id) => id,
                    None => return,
                }
            };
            let mut q = self.session.queue.pop_front().expect("front exists");
            q.publish.packet_id = packet_id;
            match self.send_publish(now, &q.publish, false) {
                Err(e) => self.complete(q.token, Err(e)),
                Ok(()) if qos == QoS::AtMostOnce => self.complete(q.token, Ok(ReasonCode::SUCCESS)),
                Ok(()) => {
                    let state = if qos == QoS::AtLeastOnce {
                        Awaiting::Ack
                    } else {
                        Awaiting::Rec
                    };
                    self.session.track(q.token, q.publish, state);
                }
            }
        }
    }

    /// Reports the end of a publish.
    pub(super) fn complete(&mut self, token: Token, result: Result<ReasonCode, ClientError>) {
        self.events
            .push_back(Event::PublishComplete { token, result });
    }

    /// Gives a SUBSCRIBE / UNSUBSCRIBE an identifier and sends it if connected.
    pub(super) fn request(&mut self, now: Millis, request: Request) -> Result<(), ClientError> {
        let id = self
            .session
            .next_packet_id()
            .ok_or(ClientError::PacketIdsExhausted)?;
        let packet = request_packet(id, &request);
        packet.validate(self.version)?;
        if matches!(self.state, State::Connected) {
            self.write(now, &packet)?;
        }
        self.session.requests.insert(id, request);
        Ok(())
    }

    /// Writes a PUBREL (or the packet again after a reconnection).
    pub(super) fn send_pubrel(
        &mut self,
        now: Millis,
        id: u16,
        code: ReasonCode,
    ) -> Result<(), ClientError> {
        let mut r = PubResponse::new(id);
        r.reason_code = code;
        self.write(now, &Packet::PubRel(r))
    }
}

/// The packet for a stored request.
pub(super) fn request_packet(packet_id: u16, request: &Request) -> Packet {
    match request {
        Request::Subscribe {
            filters,
            properties,
            ..
        } => Packet::Subscribe(Subscribe {
            packet_id,
            filters: filters.clone(),
            properties: properties.clone(),
        }),
        Request::Unsubscribe {
            filters,
            properties,
            ..
        } => Packet::Unsubscribe(Unsubscribe {
            packet_id,
            filters: filters.clone(),
            properties: properties.clone(),
        }),
    }
}
