//! Reading mqtt-packet-shaped JavaScript objects into packets, with an error
//! that names the field when a value has the wrong type or range.

use super::shape::{get, js_error};
use crate::codec::*;
use bytes::Bytes;
use js_sys::{Array, Object, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

type R<T> = Result<T, JsValue>;

fn bad(field: &str, what: &str) -> JsValue {
    js_error(&format!("{field} must be {what}"), None)
}

pub(crate) fn opt_str(o: &JsValue, k: &str) -> R<Option<String>> {
    let v = get(o, k);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_string().map(Some).ok_or_else(|| bad(k, "a string"))
}

pub(crate) fn opt_bool(o: &JsValue, k: &str) -> R<Option<bool>> {
    let v = get(o, k);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Some(b));
    }
    // mqtt-packet accepts 0/1 for its boolean properties.
    match v.as_f64() {
        Some(n) if n == 0.0 || n == 1.0 => Ok(Some(n == 1.0)),
        _ => Err(bad(k, "a boolean")),
    }
}

pub(crate) fn opt_num(o: &JsValue, k: &str, max: u64) -> R<Option<u64>> {
    num_value(&get(o, k), k, max)
}

fn num_value(v: &JsValue, k: &str, max: u64) -> R<Option<u64>> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= max as f64 => Ok(Some(n as u64)),
        _ => Err(bad(k, &format!("a whole number from 0 to {max}"))),
    }
}

/// Bytes from a Uint8Array (or any typed array view, or an ArrayBuffer) or a string (UTF-8).
pub(crate) fn to_bytes(v: &JsValue, k: &str) -> R<Bytes> {
    if let Some(s) = v.as_string() {
        return Ok(Bytes::from(s.into_bytes()));
    }
    if let Some(u) = v.dyn_ref::<Uint8Array>() {
        return Ok(Bytes::from(u.to_vec()));
    }
    if let Some(ab) = v.dyn_ref::<js_sys::ArrayBuffer>() {
        return Ok(Bytes::from(Uint8Array::new(ab).to_vec()));
    }
    if ArrayBufferViewLike::is(v) {
        let buf = get(v, "buffer");
        let off = get(v, "byteOffset").as_f64().unwrap_or(0.0) as u32;
        let len = get(v, "byteLength").as_f64().unwrap_or(0.0) as u32;
        if let Some(ab) = buf.dyn_ref::<js_sys::ArrayBuffer>() {
            return Ok(Bytes::from(
                Uint8Array::new_with_byte_offset_and_length(ab, off, len).to_vec(),
            ));
        }
    }
    Err(bad(k, "a Uint8Array or a string"))
}

struct ArrayBufferViewLike;
impl ArrayBufferViewLike {
    fn is(v: &JsValue) -> bool {
        js_sys::ArrayBuffer::is_view(v)
    }
}

fn opt_bytes(o: &JsValue, k: &str) -> R<Option<Bytes>> {
    let v = get(o, k);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    to_bytes(&v, k).map(Some)
}

fn qos(o: &JsValue, k: &str) -> R<QoS> {
    let n = opt_num(o, k, 2)?.unwrap_or(0);
    Ok(QoS::from_u8(n as u8).unwrap_or_default())
}

/// The options of one subscription, `{ qos, nl, rap, rh }` as mqtt-packet names
/// them; absent ones take their defaults (QoS 0, off, off, send at subscribe).
pub(crate) fn subscription_options(o: &JsValue) -> R<SubscriptionOptions> {
    let rh = opt_num(o, "rh", 2)?.unwrap_or(0) as u8;
    Ok(SubscriptionOptions {
        qos: qos(o, "qos")?,
        no_local: opt_bool(o, "nl")?.unwrap_or(false),
        retain_as_published: opt_bool(o, "rap")?.unwrap_or(false),
        retain_handling: RetainHandling::from_u8(rh).unwrap_or_default(),
    })
}

fn byte_bool(o: &JsValue, k: &str) -> R<Option<u8>> {
    Ok(opt_bool(o, k)?.map(u8::from))
}

/// Reads a `properties` object.
pub(crate) fn props_from_js(o: &JsValue) -> R<Properties> {
    let p = get(o, "properties");
    if p.is_undefined() || p.is_null() {
        return Ok(Properties::default());
    }
    if !p.is_object() {
        return Err(bad("properties", "an object"));
    }
    const U16: u64 = u16::MAX as u64;
    const U32: u64 = u32::MAX as u64;
    let n32 = |k| opt_num(&p, k, U32).map(|v| v.map(|v| v as u32));
    let n16 = |k| opt_num(&p, k, U16).map(|v| v.map(|v| v as u16));
    let mut props = Properties {
        payload_format_indicator: byte_bool(&p, "payloadFormatIndicator")?,
        message_expiry_interval: n32("messageExpiryInterval")?,
        content_type: opt_str(&p, "contentType")?,
        response_topic: opt_str(&p, "responseTopic")?,
        correlation_data: opt_bytes(&p, "correlationData")?,
        session_expiry_interval: n32("sessionExpiryInterval")?,
        assigned_client_identifier: opt_str(&p, "assignedClientIdentifier")?,
        server_keep_alive: n16("serverKeepAlive")?,
        authentication_method: opt_str(&p, "authenticationMethod")?,
        authentication_data: opt_bytes(&p, "authenticationData")?,
        request_problem_information: byte_bool(&p, "requestProblemInformation")?,
        will_delay_interval: n32("willDelayInterval")?,
        request_response_information: byte_bool(&p, "requestResponseInformation")?,
        response_information: opt_str(&p, "responseInformation")?,
        server_reference: opt_str(&p, "serverReference")?,
        reason_string: opt_str(&p, "reasonString")?,
        receive_maximum: n16("receiveMaximum")?,
        topic_alias_maximum: n16("topicAliasMaximum")?,
        topic_alias: n16("topicAlias")?,
        maximum_qos: opt_num(&p, "maximumQoS", 1)?.map(|v| v as u8),
        retain_available: byte_bool(&p, "retainAvailable")?,
        maximum_packet_size: n32("maximumPacketSize")?,
        wildcard_subscription_available: byte_bool(&p, "wildcardSubscriptionAvailable")?,
        subscription_identifiers_available: byte_bool(&p, "subscriptionIdentifiersAvailable")?,
        shared_subscription_available: byte_bool(&p, "sharedSubscriptionAvailable")?,
        ..Default::default()
    };
    let sid = get(&p, "subscriptionIdentifier");
    let max = u64::from(VARINT_MAX);
    if Array::is_array(&sid) {
        for v in Array::from(&sid).iter() {
            let n = num_value(&v, "subscriptionIdentifier", max)?;
            props.subscription_identifiers.extend(n.map(|n| n as u32));
        }
    } else if let Some(n) = opt_num(&p, "subscriptionIdentifier", max)? {
        props.subscription_identifiers.push(n as u32);
    }
    let up = get(&p, "userProperties");
    if up.is_object() {
        let entries = Object::entries(up.unchecked_ref());
        for e in entries.iter() {
            let e = Array::from(&e);
            let k = e.get(0).as_string().unwrap_or_default();
            let v = e.get(1);
            if Array::is_array(&v) {
                for item in Array::from(&v).iter() {
                    props.user_properties.push((k.clone(), js_to_string(&item)));
                }
            } else {
                props.user_properties.push((k, js_to_string(&v)));
            }
        }
    } else if !up.is_undefined() && !up.is_null() {
        return Err(bad("userProperties", "an object of strings"));
    }
    Ok(props)
}

fn js_to_string(v: &JsValue) -> String {
    v.as_string()
        .unwrap_or_else(|| String::from(js_sys::JsString::from(v.clone())))
}

fn message_id(o: &JsValue) -> R<u16> {
    Ok(opt_num(o, "messageId", u64::from(u16::MAX))?.unwrap_or(0) as u16)
}

fn reason(o: &JsValue, k: &str) -> R<ReasonCode> {
    Ok(ReasonCode(opt_num(o, k, 255)?.unwrap_or(0) as u8))
}

fn codes(o: &JsValue, k: &str) -> R<Vec<ReasonCode>> {
    let v = get(o, k);
    if v.is_undefined() {
        return Ok(vec![]);
    }
    if !Array::is_array(&v) {
        return Err(bad(k, "an array of numbers"));
    }
    Array::from(&v)
        .iter()
        .map(|c| match c.as_f64() {
            Some(n) if (0.0..=255.0).contains(&n) && n.fract() == 0.0 => Ok(ReasonCode(n as u8)),
            _ => Err(bad(k, "an array of numbers from 0 to 255")),
        })
        .collect()
}

/// Reads an mqtt-packet-shaped object.
pub(crate) fn packet_from_js(o: &JsValue, v: ProtocolVersion) -> R<Packet> {
    if !o.is_object() {
        return Err(bad("the packet", "an object with a `cmd`"));
    }
    let cmd = opt_str(o, "cmd")?.ok_or_else(|| bad("cmd", "a packet name such as 'publish'"))?;
    let props = props_from_js(o)?;
    let ack = |o: &JsValue, props: Properties| -> R<PubResponse> {
        Ok(PubResponse {
            packet_id: message_id(o)?,
            reason_code: reason(o, "reasonCode")?,
            properties: props,
        })
    };
    Ok(match cmd.as_str() {
        "connect" => {
            let level = opt_num(o, "protocolVersion", 255)?.map_or(v.level(), |l| l as u8);
            let protocol = ProtocolVersion::from_level(level)
                .ok_or_else(|| bad("protocolVersion", "3, 4 or 5"))?;
            let will = get(o, "will");
            let will = if will.is_object() {
                Some(LastWill {
                    topic: opt_str(&will, "topic")?.ok_or_else(|| bad("will.topic", "a string"))?,
                    payload: opt_bytes(&will, "payload")?.unwrap_or_default(),
                    qos: qos(&will, "qos")?,
                    retain: opt_bool(&will, "retain")?.unwrap_or(false),
                    properties: props_from_js(&will)?,
                })
            } else {
                None
            };
            Packet::Connect(Box::new(Connect {
                protocol,
                clean_start: opt_bool(o, "clean")?.unwrap_or(true),
                keep_alive: opt_num(o, "keepalive", u64::from(u16::MAX))?.unwrap_or(60) as u16,
                client_id: opt_str(o, "clientId")?.unwrap_or_default(),
                will,
                username: opt_str(o, "username")?,
                password: opt_bytes(o, "password")?,
                properties: props,
            }))
        }
        "connack" => Packet::ConnAck(ConnAck {
            session_present: opt_bool(o, "sessionPresent")?.unwrap_or(false),
            reason_code: if v.is_v5() {
                reason(o, "reasonCode")?
            } else {
                reason(o, "returnCode")?
            },
            properties: props,
        }),
        "publish" => Packet::Publish(Publish {
            dup: opt_bool(o, "dup")?.unwrap_or(false),
            qos: qos(o, "qos")?,
            retain: opt_bool(o, "retain")?.unwrap_or(false),
            topic: opt_str(o, "topic")?.unwrap_or_default(),
            packet_id: message_id(o)?,
            payload: opt_bytes(o, "payload")?.unwrap_or_default(),
            properties: props,
        }),
        "puback" => Packet::PubAck(ack(o, props)?),
        "pubrec" => Packet::PubRec(ack(o, props)?),
        "pubrel" => Packet::PubRel(ack(o, props)?),
        "pubcomp" => Packet::PubComp(ack(o, props)?),
        "subscribe" => {
            let subs = get(o, "subscriptions");
            if !Array::is_array(&subs) {
                return Err(bad("subscriptions", "an array of { topic, qos }"));
            }
            let mut filters = Vec::new();
            for s in Array::from(&subs).iter() {
                filters.push(SubscribeFilter {
                    filter: opt_str(&s, "topic")?
                        .ok_or_else(|| bad("subscriptions[].topic", "a string"))?,
                    options: subscription_options(&s)?,
                });
            }
            Packet::Subscribe(Subscribe {
                packet_id: message_id(o)?,
                filters,
                properties: props,
            })
        }
        "suback" => Packet::SubAck(SubAck {
            packet_id: message_id(o)?,
            reason_codes: codes(o, "granted")?,
            properties: props,
        }),
        "unsubscribe" => {
            let list = get(o, "unsubscriptions");
            if !Array::is_array(&list) {
                return Err(bad("unsubscriptions", "an array of strings"));
            }
            let filters = Array::from(&list)
                .iter()
                .map(|f| {
                    f.as_string()
                        .ok_or_else(|| bad("unsubscriptions[]", "a string"))
                })
                .collect::<R<Vec<_>>>()?;
            Packet::Unsubscribe(Unsubscribe {
                packet_id: message_id(o)?,
                filters,
                properties: props,
            })
        }
        "unsuback" => Packet::UnsubAck(UnsubAck {
            packet_id: message_id(o)?,
            reason_codes: codes(o, "granted")?,
            properties: props,
        }),
        "pingreq" => Packet::PingReq,
        "pingresp" => Packet::PingResp,
        "disconnect" => Packet::Disconnect(Disconnect {
            reason_code: reason(o, "reasonCode")?,
            properties: props,
        }),
        "auth" => Packet::Auth(Auth {
            reason_code: reason(o, "reasonCode")?,
            properties: props,
        }),
        other => {
            return Err(bad(
                "cmd",
                &format!("a packet name such as 'publish', not {other:?}"),
            ))
        }
    })
}
