//! Reading the JavaScript `connect(url, options)` arguments: the WebSocket URL
//! and the options object, with MQTT.js's names, into [`ClientOptions`].

use super::from_js::{opt_bool, opt_num, opt_str, props_from_js, to_bytes};
use super::shape::{get, js_error, set};
use crate::client::{ClientOptions, ReconnectPolicy};
use crate::codec::{Connect, LastWill, Packet, ProtocolVersion, QoS};
use wasm_bindgen::prelude::*;

type R<T> = Result<T, JsValue>;

/// An `Error` with a `kind` (a short category a program can test) and,
/// when there is one, the MQTT reason code in `reasonCode` and `code`
/// (MQTT.js puts CONNACK return codes in `code`).
pub(crate) fn kind_error(msg: &str, kind: &str, reason_code: Option<u8>) -> JsValue {
    let e = js_error(msg, reason_code);
    let o: &js_sys::Object = e.unchecked_ref();
    set(o, "kind", kind);
    if let Some(rc) = reason_code {
        set(o, "code", rc);
    }
    e
}

fn option_error(msg: String) -> JsValue {
    kind_error(&msg, "invalid_option", None)
}

/// Checks that `url` is a WebSocket URL the page may open, and returns it
/// normalised (`http:` / `https:` become `ws:` / `wss:`, as browsers do).
///
/// A browser cannot open a TCP socket, so `mqtt://` and friends are refused
/// with the way out; a `ws://` URL from an `https:` page would be blocked as
/// mixed content, with no cause given, so it is refused here with one.
pub(crate) fn check_url(url: &str) -> R<String> {
    const WS_ONLY: &str = "browsers can only open WebSocket connections: use ws:// or wss:// \
        with the broker's WebSocket port, often with the path /mqtt \
        (e.g. ws://localhost:8080/mqtt or wss://broker.example:8884/mqtt)";
    let bad = |why: &str| kind_error(&format!("invalid URL {url:?}: {why}"), "invalid_url", None);
    let parsed = web_sys::Url::new(url).map_err(|_| {
        if url.contains("://") {
            bad("it is not a valid URL")
        } else {
            bad(&format!("it has no scheme; {WS_ONLY}"))
        }
    })?;
    let scheme = parsed.protocol();
    let secure = match scheme.as_str() {
        "ws:" | "http:" => false,
        "wss:" | "https:" => true,
        "mqtt:" | "mqtts:" | "tcp:" | "ssl:" | "tls:" => {
            return Err(bad(&format!(
                "{} is MQTT over TCP; {WS_ONLY}",
                scheme.trim_end_matches(':')
            )))
        }
        other => {
            return Err(bad(&format!(
                "the scheme {} is not a WebSocket scheme; {WS_ONLY}",
                other.trim_end_matches(':')
            )))
        }
    };
    if parsed.hostname().is_empty() {
        return Err(bad("it names no host"));
    }
    if !parsed.hash().is_empty() {
        return Err(bad("a WebSocket URL cannot have a #fragment"));
    }
    parsed.set_protocol(if secure { "wss:" } else { "ws:" });
    if !secure && page_protocol().as_deref() == Some("https:") {
        let wss = web_sys::Url::new(&parsed.href()).map_err(|_| bad("it is not a valid URL"))?;
        wss.set_protocol("wss:");
        return Err(kind_error(
            &format!(
                "this page was loaded over https://, so the browser blocks the insecure \
                 {} (mixed content): use wss:// with the broker's TLS WebSocket port, \
                 e.g. {}",
                parsed.href(),
                wss.href()
            ),
            "mixed_content",
            None,
        ));
    }
    Ok(parsed.href())
}

/// `location.protocol` of the page (or worker), if there is one.
fn page_protocol() -> Option<String> {
    let location = get(&js_sys::global(), "location");
    get(&location, "protocol").as_string()
}

fn random_hex(n: usize) -> String {
    (0..n)
        .map(|_| {
            let d = (js_sys::Math::random() * 16.0) as u32;
            char::from_digit(d.min(15), 16).unwrap_or('0')
        })
        .collect()
}

fn num(o: &JsValue, k: &str, max: u64, default: u64) -> R<u64> {
    Ok(opt_num(o, k, max)?.unwrap_or(default))
}

fn qos(o: &JsValue, k: &str) -> R<QoS> {
    let n = num(o, k, 2, 0)?;
    Ok(QoS::from_u8(n as u8).unwrap_or_default())
}

/// What `connect` needs besides the core's options.
pub(crate) struct WebOptions {
    pub core: ClientOptions,
    /// `messageBytes`: hand each message's PUBLISH bytes to JavaScript too.
    pub message_bytes: bool,
}

/// Reads the options object (MQTT.js names; `undefined` means all defaults).
/// Every refusal is an `Error` with `kind` `"invalid_option"`.
pub(crate) fn read_options(o: &JsValue) -> R<WebOptions> {
    read(o).inspect_err(|e| {
        if get(e, "kind").is_undefined() {
            set(e.unchecked_ref(), "kind", "invalid_option");
        }
    })
}

fn read(o: &JsValue) -> R<WebOptions> {
    if !o.is_undefined() && !o.is_null() && !o.is_object() {
        return Err(option_error("options must be an object".into()));
    }
    const U32: u64 = u32::MAX as u64;
    let level = num(o, "protocolVersion", 255, 4)? as u8;
    let protocol = ProtocolVersion::from_level(level).ok_or_else(|| {
        option_error(format!(
            "protocolVersion must be 4 (MQTT 3.1.1), 5 (MQTT 5.0) or 3 (MQTT 3.1), not {level}"
        ))
    })?;
    let client_id = opt_str(o, "clientId")?.unwrap_or_else(|| format!("mqttlab_{}", random_hex(8)));
    let clean_start = opt_bool(o, "clean")?.unwrap_or(true);
    let password = match get(o, "password") {
        v if v.is_undefined() || v.is_null() => None,
        v => Some(to_bytes(&v, "password")?),
    };
    let will = match get(o, "will") {
        w if w.is_undefined() || w.is_null() => None,
        w if w.is_object() => Some(LastWill {
            topic: opt_str(&w, "topic")?
                .ok_or_else(|| option_error("will.topic must be a string".into()))?,
            payload: match get(&w, "payload") {
                p if p.is_undefined() || p.is_null() => Default::default(),
                p => to_bytes(&p, "will.payload")?,
            },
            qos: qos(&w, "qos")?,
            retain: opt_bool(&w, "retain")?.unwrap_or(false),
            properties: props_from_js(&w)?,
        }),
        _ => {
            return Err(option_error(
                "will must be an object { topic, payload, qos, retain }".into(),
            ))
        }
    };
    let initial_delay_ms = num(o, "reconnectPeriod", U32, 1_000)?;
    let reconnect = ReconnectPolicy {
        initial_delay_ms,
        max_delay_ms: num(o, "maxReconnectDelay", U32, 30_000)?.max(initial_delay_ms),
        max_attempts: opt_num(o, "maxReconnectAttempts", U32)?.map(|n| n as u32),
        ..ReconnectPolicy::default()
    };
    let core = ClientOptions {
        protocol,
        client_id,
        clean_start,
        keep_alive: num(o, "keepalive", u64::from(u16::MAX), 60)? as u16,
        ping_timeout_ms: opt_num(o, "pingTimeout", U32)?,
        username: opt_str(o, "username")?,
        password,
        will,
        properties: props_from_js(o)?,
        reconnect,
        connect_timeout_ms: num(o, "connectTimeout", U32, 30_000)?,
        offline_queue_limit: num(o, "queueLimit", U32, 1_000)? as usize,
        resubscribe: opt_bool(o, "resubscribe")?.unwrap_or(true),
        auto_topic_alias: opt_bool(o, "autoAssignTopicAlias")?.unwrap_or(true),
        trace_packets: opt_bool(o, "trace")?.unwrap_or(false),
        random_seed: (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64,
    };
    check_connect(&core)?;
    let message_bytes = opt_bool(o, "messageBytes")?.unwrap_or(false);
    Ok(WebOptions {
        core,
        message_bytes,
    })
}

/// Refuses options whose CONNECT the codec would refuse, before any socket opens.
fn check_connect(opts: &ClientOptions) -> R<()> {
    let v5 = opts.protocol.is_v5();
    if !opts.clean_start && opts.client_id.is_empty() {
        // [MQTT-3.1.3-7] (3.1.1); in 5.0 the server would assign an identifier
        // and the session could never be resumed under it on the first reconnect.
        return Err(option_error(
            "a persistent session (clean: false) needs a clientId".into(),
        ));
    }
    if !v5 && !opts.properties.is_empty() {
        return Err(option_error(
            "properties are MQTT 5.0 CONNECT properties: set protocolVersion: 5 to use them".into(),
        ));
    }
    let connect = Connect {
        protocol: opts.protocol,
        clean_start: opts.clean_start,
        keep_alive: opts.keep_alive,
        client_id: opts.client_id.clone(),
        will: opts.will.clone().map(|mut w| {
            if !v5 {
                w.properties = Default::default();
            }
            w
        }),
        username: opts.username.clone(),
        password: opts.password.clone(),
        properties: opts.properties.clone(),
    };
    Packet::Connect(Box::new(connect))
        .validate(opts.protocol)
        .map_err(|e| option_error(format!("the CONNECT these options make is invalid: {e}")))
}
