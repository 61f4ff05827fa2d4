//! Packets as JavaScript objects, in the shape of mqtt-packet (the codec under
//! MQTT.js): `cmd`, `messageId`, `properties` with camelCase names, and so on.

use crate::codec::*;
use bytes::Bytes;
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Sets a property. Names are interned: each crosses into JavaScript once, and
/// later uses take the cached string instead of decoding it again.
pub(crate) fn set(o: &Object, k: &str, v: impl Into<JsValue>) {
    let _ = Reflect::set(o, &JsValue::from_str(wasm_bindgen::intern(k)), &v.into());
}

pub(crate) fn get(o: &JsValue, k: &str) -> JsValue {
    if !o.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(o, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
}

/// A JavaScript `Error` with a readable message and, when it has one, the MQTT
/// 5.0 reason code in `reasonCode`.
pub(crate) fn js_error(msg: &str, reason_code: Option<u8>) -> JsValue {
    let e = js_sys::Error::new(msg);
    if let Some(rc) = reason_code {
        let _ = Reflect::set(&e, &JsValue::from_str("reasonCode"), &JsValue::from(rc));
    }
    e.into()
}

pub(crate) fn decode_error(e: &DecodeError, v5: bool) -> JsValue {
    let err = js_error(&e.to_string(), Some(e.reason_code().0));
    if let Some(s) = e.spec_ref(v5) {
        let _ = Reflect::set(&err, &JsValue::from_str("specRef"), &JsValue::from_str(s));
    }
    err
}

pub(crate) fn bytes_js(b: &[u8]) -> Uint8Array {
    Uint8Array::from(b)
}

fn uprops(o: &Object, list: &[(String, String)]) {
    if list.is_empty() {
        return;
    }
    let up: Object = Object::create(JsValue::NULL.unchecked_ref::<Object>());
    for (k, v) in list {
        let key = JsValue::from_str(k);
        let cur = Reflect::get(&up, &key).unwrap_or(JsValue::UNDEFINED);
        let val = JsValue::from_str(v);
        if cur.is_undefined() {
            let _ = Reflect::set(&up, &key, &val);
        } else if Array::is_array(&cur) {
            Array::from(&cur).push(&val);
        } else {
            let arr = Array::of2(&cur, &val);
            let _ = Reflect::set(&up, &key, &arr);
        }
    }
    set(o, "userProperties", up);
}

/// Properties as an object, or `None` when there are none (mqtt-packet omits them).
pub(crate) fn props_to_js(p: &Properties) -> Option<Object> {
    if p.is_empty() {
        return None;
    }
    let o = Object::new();
    let b = |v: Option<u8>| v.map(|v| JsValue::from_bool(v != 0));
    let n = |v: Option<u32>| v.map(|v| JsValue::from_f64(f64::from(v)));
    let n16 = |v: Option<u16>| v.map(|v| JsValue::from_f64(f64::from(v)));
    let s = |v: &Option<String>| v.as_deref().map(JsValue::from_str);
    let bin = |v: &Option<Bytes>| v.as_deref().map(|b| JsValue::from(bytes_js(b)));
    let entries: [(&str, Option<JsValue>); 26] = [
        ("payloadFormatIndicator", b(p.payload_format_indicator)),
        ("messageExpiryInterval", n(p.message_expiry_interval)),
        ("contentType", s(&p.content_type)),
        ("responseTopic", s(&p.response_topic)),
        ("correlationData", bin(&p.correlation_data)),
        ("sessionExpiryInterval", n(p.session_expiry_interval)),
        ("assignedClientIdentifier", s(&p.assigned_client_identifier)),
        ("serverKeepAlive", n16(p.server_keep_alive)),
        ("authenticationMethod", s(&p.authentication_method)),
        ("authenticationData", bin(&p.authentication_data)),
        (
            "requestProblemInformation",
            b(p.request_problem_information),
        ),
        ("willDelayInterval", n(p.will_delay_interval)),
        (
            "requestResponseInformation",
            b(p.request_response_information),
        ),
        ("responseInformation", s(&p.response_information)),
        ("serverReference", s(&p.server_reference)),
        ("reasonString", s(&p.reason_string)),
        ("receiveMaximum", n16(p.receive_maximum)),
        ("topicAliasMaximum", n16(p.topic_alias_maximum)),
        ("topicAlias", n16(p.topic_alias)),
        ("maximumQoS", p.maximum_qos.map(JsValue::from)),
        ("retainAvailable", b(p.retain_available)),
        ("maximumPacketSize", n(p.maximum_packet_size)),
        (
            "wildcardSubscriptionAvailable",
            b(p.wildcard_subscription_available),
        ),
        (
            "subscriptionIdentifiersAvailable",
            b(p.subscription_identifiers_available),
        ),
        (
            "sharedSubscriptionAvailable",
            b(p.shared_subscription_available),
        ),
        (
            "subscriptionIdentifier",
            match p.subscription_identifiers.as_slice() {
                [] => None,
                [one] => Some(JsValue::from_f64(f64::from(*one))),
                many => Some(
                    many.iter()
                        .map(|&v| JsValue::from_f64(f64::from(v)))
                        .collect::<Array>()
                        .into(),
                ),
            },
        ),
    ];
    for (k, v) in entries {
        if let Some(v) = v {
            set(&o, k, v);
        }
    }
    uprops(&o, &p.user_properties);
    Some(o)
}

fn put_props(o: &Object, p: &Properties) {
    if let Some(po) = props_to_js(p) {
        set(o, "properties", po);
    }
}

fn codes(c: &[ReasonCode]) -> Array {
    c.iter().map(|c| JsValue::from(c.0)).collect()
}

/// A packet as an mqtt-packet-shaped object.
pub(crate) fn packet_to_js(p: &Packet, v: ProtocolVersion) -> Object {
    let o = Object::new();
    let v5 = v.is_v5();
    set(&o, "cmd", cmd_name(p.packet_type()));
    match p {
        Packet::Connect(c) => {
            set(
                &o,
                "protocolId",
                if c.protocol == ProtocolVersion::V3_1 {
                    "MQIsdp"
                } else {
                    "MQTT"
                },
            );
            set(&o, "protocolVersion", c.protocol.level());
            set(&o, "clean", c.clean_start);
            set(&o, "clientId", c.client_id.as_str());
            set(&o, "keepalive", c.keep_alive);
            if let Some(u) = &c.username {
                set(&o, "username", u.as_str());
            }
            if let Some(pw) = &c.password {
                set(&o, "password", bytes_js(pw));
            }
            if let Some(w) = &c.will {
                let wo = Object::new();
                set(&wo, "topic", w.topic.as_str());
                set(&wo, "payload", bytes_js(&w.payload));
                set(&wo, "qos", w.qos.as_u8());
                set(&wo, "retain", w.retain);
                put_props(&wo, &w.properties);
                set(&o, "will", wo);
            }
            put_props(&o, &c.properties);
        }
        Packet::ConnAck(c) => {
            set(&o, "sessionPresent", c.session_present);
            set(
                &o,
                if v5 { "reasonCode" } else { "returnCode" },
                c.reason_code.0,
            );
            put_props(&o, &c.properties);
        }
        Packet::Publish(m) => {
            set(&o, "qos", m.qos.as_u8());
            set(&o, "dup", m.dup);
            set(&o, "retain", m.retain);
            set(&o, "topic", m.topic.as_str());
            set(&o, "payload", bytes_js(&m.payload));
            if m.qos != QoS::AtMostOnce {
                set(&o, "messageId", m.packet_id);
            }
            put_props(&o, &m.properties);
        }
        Packet::PubAck(r) | Packet::PubRec(r) | Packet::PubRel(r) | Packet::PubComp(r) => {
            set(&o, "messageId", r.packet_id);
            if v5 {
                set(&o, "reasonCode", r.reason_code.0);
            }
            put_props(&o, &r.properties);
        }
        Packet::Subscribe(s) => {
            set(&o, "messageId", s.packet_id);
            let subs: Array = s
                .filters
                .iter()
                .map(|f| {
                    let so = Object::new();
                    set(&so, "topic", f.filter.as_str());
                    set(&so, "qos", f.options.qos.as_u8());
                    if v5 {
                        set(&so, "nl", f.options.no_local);
                        set(&so, "rap", f.options.retain_as_published);
                        set(&so, "rh", f.options.retain_handling as u8);
                    }
                    JsValue::from(so)
                })
                .collect();
            set(&o, "subscriptions", subs);
            put_props(&o, &s.properties);
        }
        Packet::SubAck(s) => {
            set(&o, "messageId", s.packet_id);
            set(&o, "granted", codes(&s.reason_codes));
            put_props(&o, &s.properties);
        }
        Packet::Unsubscribe(u) => {
            set(&o, "messageId", u.packet_id);
            let list: Array = u.filters.iter().map(|f| JsValue::from_str(f)).collect();
            set(&o, "unsubscriptions", list);
            put_props(&o, &u.properties);
        }
        Packet::UnsubAck(u) => {
            set(&o, "messageId", u.packet_id);
            if v5 {
                set(&o, "granted", codes(&u.reason_codes));
            }
            put_props(&o, &u.properties);
        }
        Packet::PingReq | Packet::PingResp => {}
        Packet::Disconnect(d) => {
            if v5 {
                set(&o, "reasonCode", d.reason_code.0);
            }
            put_props(&o, &d.properties);
        }
        Packet::Auth(a) => {
            set(&o, "reasonCode", a.reason_code.0);
            put_props(&o, &a.properties);
        }
    }
    o
}

/// The mqtt-packet `cmd` for a packet type.
pub(crate) fn cmd_name(t: PacketType) -> &'static str {
    use PacketType::*;
    match t {
        Connect => "connect",
        ConnAck => "connack",
        Publish => "publish",
        PubAck => "puback",
        PubRec => "pubrec",
        PubRel => "pubrel",
        PubComp => "pubcomp",
        Subscribe => "subscribe",
        SubAck => "suback",
        Unsubscribe => "unsubscribe",
        UnsubAck => "unsuback",
        PingReq => "pingreq",
        PingResp => "pingresp",
        Disconnect => "disconnect",
        Auth => "auth",
    }
}
