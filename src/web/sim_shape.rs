//! The simulation's events and snapshots as plain JavaScript objects, packets
//! in the codec's mqtt-packet shape.

use super::shape::{bytes_js, packet_to_js, props_to_js, set};
use crate::broker::{BrokerEvent, CloseReason, SessionEndReason};
use crate::client::{ConnectionState, Event};
use crate::sim::{Direction, Flight, PeerId, PeerState, SimEvent, SimSnapshot, Simulation};
use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;

fn num(v: u64) -> JsValue {
    JsValue::from_f64(v as f64)
}

fn label(sim: &Simulation, p: PeerId) -> JsValue {
    JsValue::from_str(sim.label(p).unwrap_or(""))
}

pub(crate) fn direction(d: Direction) -> &'static str {
    match d {
        Direction::ToBroker => "toBroker",
        Direction::ToPeer => "toClient",
    }
}

fn event(kind: &str, at: u64) -> Object {
    let o = Object::new();
    set(&o, "type", kind);
    set(&o, "at", num(at));
    o
}

pub(crate) fn flight_to_js(sim: &Simulation, f: &Flight) -> Object {
    let o = Object::new();
    let client = label(sim, f.peer);
    let (from, to) = match f.direction {
        Direction::ToBroker => (client.clone(), JsValue::from_str("broker")),
        Direction::ToPeer => (JsValue::from_str("broker"), client.clone()),
    };
    set(&o, "id", num(f.id));
    set(&o, "client", client);
    set(&o, "from", from);
    set(&o, "to", to);
    set(&o, "direction", direction(f.direction));
    set(&o, "conn", num(f.conn.0));
    set(&o, "sentAt", num(f.sent_at));
    set(&o, "arrivesAt", num(f.arrives_at));
    set(&o, "bytes", bytes_js(&f.bytes));
    let packet = match &f.packet {
        Some(p) => JsValue::from(packet_to_js(p, f.version)),
        None => JsValue::NULL,
    };
    set(&o, "packet", packet);
    set(&o, "protocolVersion", f.version.level());
    set(&o, "lost", f.lost.is_some());
    if let Some(why) = f.lost {
        set(&o, "lossReason", why.as_str());
    }
    set(&o, "duplicate", f.duplicate);
    o
}

pub(crate) fn sim_event_to_js(sim: &Simulation, e: &SimEvent) -> Object {
    match e {
        SimEvent::PacketSent(f) => {
            let o = flight_to_js(sim, f);
            set(&o, "type", "packetSent");
            set(&o, "at", num(f.sent_at));
            o
        }
        SimEvent::PacketDelivered {
            flight,
            peer,
            direction: d,
            at,
        } => {
            let o = event("packetDelivered", *at);
            set(&o, "id", num(*flight));
            set(&o, "client", label(sim, *peer));
            set(&o, "direction", direction(*d));
            o
        }
        SimEvent::PacketDropped {
            flight,
            peer,
            direction: d,
            at,
            why,
        } => {
            let o = event("packetDropped", *at);
            set(&o, "id", num(*flight));
            set(&o, "client", label(sim, *peer));
            set(&o, "direction", direction(*d));
            set(&o, "why", why.as_str());
            o
        }
        SimEvent::TransportOpened { peer, conn, at } => {
            let o = event("transportOpened", *at);
            set(&o, "client", label(sim, *peer));
            set(&o, "conn", num(conn.0));
            o
        }
        SimEvent::TransportClosed {
            peer,
            conn,
            noticed_by,
            at,
        } => {
            let o = event("transportClosed", *at);
            set(&o, "client", label(sim, *peer));
            set(&o, "conn", num(conn.0));
            let by = match noticed_by {
                Direction::ToBroker => "broker",
                Direction::ToPeer => "client",
            };
            set(&o, "noticedBy", by);
            o
        }
        SimEvent::OpenFailed { peer, at } => {
            let o = event("openFailed", *at);
            set(&o, "client", label(sim, *peer));
            o
        }
        SimEvent::Client {
            peer,
            at,
            event: ev,
        } => {
            let o = event("client", *at);
            set(&o, "client", label(sim, *peer));
            client_event(&o, ev);
            o
        }
        SimEvent::Broker(ev) => broker_event(ev),
    }
}

fn client_event(o: &Object, e: &Event) {
    let name = match e {
        Event::Connected(c) => {
            set(o, "sessionPresent", c.session_present);
            "connect"
        }
        Event::Message(m) => {
            set(o, "topic", m.topic.as_str());
            set(o, "payload", bytes_js(&m.payload));
            set(o, "qos", m.qos as u8);
            set(o, "retain", m.retain);
            set(o, "dup", m.dup);
            if let Some(p) = props_to_js(&m.properties) {
                set(o, "properties", p);
            }
            "message"
        }
        Event::PublishComplete { token, result } => {
            set(o, "token", num(token.0));
            match result {
                Ok(code) => set(o, "reasonCode", code.0),
                Err(err) => set(o, "error", err.to_string()),
            }
            "publishComplete"
        }
        Event::SubscribeComplete {
            token,
            reason_codes,
        } => {
            set(o, "token", num(token.0));
            let codes: Array = reason_codes.iter().map(|c| JsValue::from(c.0)).collect();
            set(o, "granted", codes);
            "subscribeComplete"
        }
        Event::UnsubscribeComplete { token, .. } => {
            set(o, "token", num(token.0));
            "unsubscribeComplete"
        }
        Event::ConnectionLost { error } => {
            set(o, "error", error.to_string());
            "connectionLost"
        }
        Event::Offline => "offline",
        Event::Reconnecting { attempt, delay_ms } => {
            set(o, "attempt", *attempt);
            set(o, "delay", num(*delay_ms));
            "reconnecting"
        }
        Event::Closed { why } => {
            set(o, "why", format!("{why:?}"));
            "close"
        }
        Event::Error(err) => {
            set(o, "error", err.to_string());
            "error"
        }
        other => {
            set(o, "detail", format!("{other:?}"));
            "other"
        }
    };
    set(o, "event", name);
}

fn close_reason(r: &CloseReason) -> String {
    match r {
        CloseReason::Disconnected(c) => format!("DISCONNECT ({})", c.name()),
        CloseReason::TakenOver => "taken over".into(),
        CloseReason::KeepAliveTimeout => "keepalive timeout".into(),
        CloseReason::ConnectTimeout => "no CONNECT in time".into(),
        CloseReason::Refused(c) => format!("refused ({})", c.name()),
        CloseReason::ProtocolError { detail, .. } => format!("protocol error: {detail}"),
        CloseReason::TransportLost => "transport lost".into(),
        CloseReason::Restart => "broker restart".into(),
    }
}

fn broker_event(e: &BrokerEvent) -> Object {
    let o = Object::new();
    set(&o, "type", "broker");
    let s = |k: &str, v: &str| set(&o, k, v);
    let name = match e {
        BrokerEvent::ConnectionOpened { conn, at } => {
            set(&o, "at", num(*at));
            set(&o, "conn", num(conn.0));
            "connectionOpened"
        }
        BrokerEvent::ConnectionClosed {
            conn,
            client_id,
            at,
            reason,
        } => {
            set(&o, "at", num(*at));
            set(&o, "conn", num(conn.0));
            if let Some(c) = client_id {
                s("clientId", c);
            }
            s("reason", &close_reason(reason));
            "connectionClosed"
        }
        BrokerEvent::PacketIn { at, .. } | BrokerEvent::PacketOut { at, .. } => {
            set(&o, "at", num(*at));
            "packet"
        }
        BrokerEvent::DecodeFailed {
            conn, at, error, ..
        } => {
            set(&o, "at", num(*at));
            set(&o, "conn", num(conn.0));
            s("error", &error.to_string());
            "decodeFailed"
        }
        BrokerEvent::SessionCreated {
            client_id,
            assigned,
            at,
        } => {
            set(&o, "at", num(*at));
            s("clientId", client_id);
            set(&o, "assigned", *assigned);
            "sessionCreated"
        }
        BrokerEvent::SessionResumed { client_id, at } => {
            set(&o, "at", num(*at));
            s("clientId", client_id);
            "sessionResumed"
        }
        BrokerEvent::SessionEnded { client_id, at, why } => {
            set(&o, "at", num(*at));
            s("clientId", client_id);
            let why = match why {
                SessionEndReason::Expired => "expired",
                SessionEndReason::CleanStart => "cleanStart",
                SessionEndReason::ConnectionEnded => "connectionEnded",
                SessionEndReason::Restart => "restart",
            };
            s("why", why);
            "sessionEnded"
        }
        BrokerEvent::SubscriptionAdded {
            client_id,
            filter,
            options,
            at,
        } => {
            set(&o, "at", num(*at));
            s("clientId", client_id);
            s("filter", filter);
            set(&o, "qos", options.qos as u8);
            "subscriptionAdded"
        }
        BrokerEvent::SubscriptionRemoved {
            client_id,
            filter,
            at,
        } => {
            set(&o, "at", num(*at));
            s("clientId", client_id);
            s("filter", filter);
            "subscriptionRemoved"
        }
        BrokerEvent::RetainedSet { topic, at } => {
            set(&o, "at", num(*at));
            s("topic", topic);
            "retainedSet"
        }
        BrokerEvent::RetainedCleared { topic, at } => {
            set(&o, "at", num(*at));
            s("topic", topic);
            "retainedCleared"
        }
        BrokerEvent::WillPublished {
            client_id,
            topic,
            at,
        } => {
            set(&o, "at", num(*at));
            s("clientId", client_id);
            s("topic", topic);
            "willPublished"
        }
        BrokerEvent::WillCancelled { client_id, at } => {
            set(&o, "at", num(*at));
            s("clientId", client_id);
            "willCancelled"
        }
        BrokerEvent::MessageDropped {
            client_id,
            topic,
            at,
            why,
        } => {
            set(&o, "at", num(*at));
            s("clientId", client_id);
            s("topic", topic);
            s("why", &format!("{why:?}"));
            "messageDropped"
        }
    };
    set(&o, "event", name);
    o
}

fn state_name(s: PeerState) -> &'static str {
    match s {
        PeerState::Client(ConnectionState::Idle) => "idle",
        PeerState::Client(ConnectionState::Opening) => "opening",
        PeerState::Client(ConnectionState::Connecting) => "connecting",
        PeerState::Client(ConnectionState::Connected) => "connected",
        PeerState::Client(ConnectionState::WaitingToReconnect) => "reconnecting",
        PeerState::Open => "open",
        PeerState::Closed => "closed",
    }
}

pub(crate) fn snapshot_to_js(sim: &Simulation, snap: &SimSnapshot) -> Object {
    let o = Object::new();
    set(&o, "now", num(snap.now));
    let clients: Array = snap
        .peers
        .iter()
        .map(|p| {
            let c = Object::new();
            set(&c, "id", p.label.as_str());
            set(&c, "kind", p.kind);
            set(&c, "state", state_name(p.state));
            if let Some(id) = &p.client_id {
                set(&c, "clientId", id.as_str());
            }
            let subs: Array = p
                .subscriptions
                .iter()
                .map(|s| JsValue::from_str(s))
                .collect();
            set(&c, "subscriptions", subs);
            set(&c, "inflight", p.inflight as u32);
            set(&c, "queued", p.queued as u32);
            set(&c, "link", link_to_js(&p.link));
            set(&c, "partitioned", p.partitioned);
            JsValue::from(c)
        })
        .collect();
    set(&o, "clients", clients);
    let broker = Object::new();
    let sessions: Array = snap
        .sessions
        .iter()
        .map(|s| {
            let x = Object::new();
            set(&x, "clientId", s.client_id.as_str());
            set(&x, "online", s.conn.is_some());
            set(&x, "protocolVersion", s.version.level());
            set(&x, "subscriptions", s.subscriptions as u32);
            set(&x, "queued", s.queued as u32);
            set(&x, "inflight", s.inflight as u32);
            set(&x, "hasWill", s.has_will);
            JsValue::from(x)
        })
        .collect();
    set(&broker, "sessions", sessions);
    let subs: Array = snap
        .subscriptions
        .iter()
        .map(|s| {
            let x = Object::new();
            set(&x, "clientId", s.client_id.as_str());
            set(&x, "filter", s.filter.as_str());
            set(&x, "qos", s.options.qos as u8);
            JsValue::from(x)
        })
        .collect();
    set(&broker, "subscriptions", subs);
    let retained: Array = snap
        .retained
        .iter()
        .map(|r| {
            let x = Object::new();
            set(&x, "topic", r.topic.as_str());
            set(&x, "payload", bytes_js(&r.payload));
            set(&x, "qos", r.qos as u8);
            JsValue::from(x)
        })
        .collect();
    set(&broker, "retained", retained);
    set(&o, "broker", broker);
    let flights: Array = snap
        .flights
        .iter()
        .map(|f| {
            let x = flight_to_js(sim, &f.flight);
            set(&x, "progress", f.progress);
            JsValue::from(x)
        })
        .collect();
    set(&o, "inFlight", flights);
    o
}

pub(crate) fn link_to_js(l: &crate::sim::LinkConfig) -> Object {
    let o = Object::new();
    set(&o, "latency", num(l.latency_ms));
    set(&o, "loss", l.loss);
    set(&o, "duplicate", l.duplicate);
    set(&o, "up", l.up);
    o
}
