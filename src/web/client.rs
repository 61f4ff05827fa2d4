//! [`WasmClient`]: the sans-IO MQTT [`Client`] driven by a browser WebSocket,
//! one `setTimeout` timer and `performance.now()`.
//!
//! Socket and timer callbacks only feed the core; one pump then drains it:
//! every queued packet goes out as one binary WebSocket frame, every event
//! goes to the single JavaScript callback (`sink(kind, ...args)`), and the timer
//! is re-armed from `poll_timeout`. Commands from JavaScript (publish,
//! subscribe...) schedule the pump as a microtask, so a burst of publishes
//! made in one task leaves as one frame.
//!
//! Time is `performance.now()`, real elapsed time: a timer that a background
//! tab delayed by minutes still finds the right deadlines due when it fires.
//!
//! Every callback holds a `Weak` reference and every closure is owned by the
//! client (the socket's by [`Socket`], which detaches them when dropped), so
//! nothing leaks and several clients can live side by side.

use super::client_batch::{MessageBatch, Ready};
use super::client_options::{check_url, kind_error, read_options};
use super::from_js::{opt_str, props_from_js, subscription_options, to_bytes};
use super::shape::{bytes_js, packet_to_js, props_to_js};
use crate::client::PublishOptions;
use crate::client::{Client, ClientError, CloseReason, ConnectionState, Event, Millis};
use crate::codec::{Packet, PacketType, ProtocolVersion, QoS, ReasonCode};
use js_sys::{Array, Float64Array, Function, Uint32Array, Uint8Array};
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
    #[wasm_bindgen(js_name = queueMicrotask)]
    fn queue_microtask(callback: &Function);

    /// The one JavaScript callback that receives every event: `sink(kind, ...args)`
    /// (the kinds are the `K_*` constants, mirrored in `www/lib/mqtt.js`).
    #[wasm_bindgen(extends = Function, typescript_type = "(kind: number, ...args: any[]) => void")]
    #[derive(Clone)]
    pub type ClientSink;
    #[wasm_bindgen(method, catch, js_name = call)]
    fn emit(
        this: &ClientSink,
        ctx: &JsValue,
        kind: u32,
        a: &JsValue,
        b: &JsValue,
        c: &JsValue,
    ) -> Result<JsValue, JsValue>;
    // The messages of one pump at once (see client_batch.rs).
    #[wasm_bindgen(method, catch, js_name = call)]
    #[allow(clippy::too_many_arguments)]
    fn emit_messages(
        this: &ClientSink,
        ctx: &JsValue,
        kind: u32,
        index: &Uint32Array,
        data: &Uint8Array,
        topics: &Array,
        topic_base: u32,
        properties: &Array,
    ) -> Result<JsValue, JsValue>;
}

// The sink's event kinds; www/lib/mqtt.js has the same table.
const K_CONNECT: u32 = 1; // (sessionPresent, properties?)
const K_PUBLISHED: u32 = 3; // (token, reasonCode | Error)
const K_SUBSCRIBED: u32 = 4; // (token, Uint8Array of reason codes, names of the codes if one failed)
const K_UNSUBSCRIBED: u32 = 5; // (token, Uint8Array of reason codes, names of the codes if one failed)
const K_LOST: u32 = 6; // (Error)
const K_OFFLINE: u32 = 7; // ()
const K_RECONNECTING: u32 = 8; // (attempt, delayMs)
const K_CLOSED: u32 = 9; // ("end" | "lost" | "fatal" | "gaveup", Error?)
const K_ERROR: u32 = 10; // (Error)
const K_SENT: u32 = 11; // (packet, bytes)
const K_RECEIVED: u32 = 12; // (packet, bytes)
const K_OPENING: u32 = 13; // (how many sockets this client opened before)
const K_MESSAGES: u32 = 14; // (index, data, new topics, topicBase, properties): see client_batch.rs
const K_PUBLISHED_MANY: u32 = 15; // (Float64Array [token, reasonCode, token, reasonCode, ...])

fn now() -> Millis {
    performance_now() as Millis
}

/// An MQTT client connection over a browser WebSocket. Used by `www/lib/mqtt.js`;
/// applications use that module's `connect()`.
#[wasm_bindgen]
pub struct WasmClient {
    shared: Rc<Shared>,
}

/// What the callbacks reach through their `Weak`.
struct Shared {
    sink: ClientSink,
    /// Opens the transport instead of `new WebSocket` (see [`Socket::open`]).
    open_socket: Option<Function>,
    url: String,
    version: ProtocolVersion,
    inner: RefCell<Inner>,
}

struct Inner {
    core: Client,
    socket: Option<Socket>,
    socket_open: bool,
    sockets_opened: u32,
    /// The `kind` for the next transport error ("unreachable" when the socket never opened).
    transport_kind: &'static str,
    timer: Timer,
    pump_cb: Closure<dyn FnMut()>,
    pump_queued: bool,
    pumping: bool,
    /// Receive buffer, reused across frames.
    rx: Vec<u8>,
    /// Messages not handed to JavaScript yet.
    batch: MessageBatch,
    /// Publishes completed with a reason code and not yet reported:
    /// `[token, code, token, code, ...]`.
    published: Vec<f64>,
    /// JavaScript listens to `packetsend` / `packetreceive`.
    trace: bool,
    /// Messages carry the bytes of their PUBLISH (the `messageBytes` option).
    message_bytes: bool,
}

/// The one `setTimeout`, armed for the earliest deadline the core asked for.
struct Timer {
    callback: Closure<dyn FnMut()>,
    id: Option<JsValue>,
    at: Option<Millis>,
}

impl Timer {
    fn cancel(&mut self) {
        if let Some(id) = self.id.take() {
            clear_timeout(&id);
        }
        self.at = None;
    }

    /// Arms for `deadline` unless an earlier wake-up is already set: firing
    /// early is harmless (the core re-checks against `now`), and at thousands
    /// of packets a second the keepalive deadline moves on every send.
    fn arm(&mut self, deadline: Option<Millis>) {
        let Some(t) = deadline else { return };
        if self.at.is_some_and(|armed| armed <= t) {
            return;
        }
        self.cancel();
        let delay = t.saturating_sub(now()).min(i32::MAX as u64);
        self.id = Some(set_timeout(
            self.callback.as_ref().unchecked_ref(),
            delay as f64,
        ));
        self.at = Some(t);
    }
}

/// A WebSocket and the closures its handlers call. Dropping it detaches the
/// handlers (so a late event can never reach a freed closure) and closes it.
struct Socket {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Socket {
    /// Opens a WebSocket to `url`, or, with `open_socket`, whatever that
    /// function returns for `(url, "mqtt")`: an object with the part of the
    /// WebSocket interface used here (`www/lib/ws-transport.js`'s
    /// `WorkerSocket`, whose socket lives in a Worker). The calls below reach
    /// it by property name, as they reach a WebSocket.
    fn open(
        url: &str,
        weak: &Weak<Shared>,
        open_socket: Option<&Function>,
    ) -> Result<Socket, JsValue> {
        // [MQTT-6.0.0-3]: the WebSocket subprotocol is "mqtt".
        let ws = match open_socket {
            Some(f) => f
                .call2(&JsValue::UNDEFINED, &url.into(), &"mqtt".into())?
                .unchecked_into::<WebSocket>(),
            None => WebSocket::new_with_str(url, "mqtt")?,
        };
        ws.set_binary_type(BinaryType::Arraybuffer);
        let w = weak.clone();
        let on_open = Closure::<dyn FnMut()>::new(move || {
            if let Some(s) = w.upgrade() {
                s.on_open();
            }
        });
        let w = weak.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Some(s) = w.upgrade() {
                s.on_message(e);
            }
        });
        let w = weak.clone();
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |e: CloseEvent| {
            if let Some(s) = w.upgrade() {
                s.on_close(e);
            }
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Socket {
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        })
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        if matches!(
            self.ws.ready_state(),
            WebSocket::CONNECTING | WebSocket::OPEN
        ) {
            let _ = self.ws.close_with_code(1000);
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.timer.cancel();
    }
}

fn close_code_meaning(code: u16) -> &'static str {
    match code {
        1000 => "normal closure",
        1001 => "going away",
        1002 => "WebSocket protocol error",
        1003 => "unsupported data",
        1005 => "no status code",
        1006 => "abnormal closure, no close frame",
        1007 => "invalid frame data",
        1008 => "policy violation",
        1009 => "message too big",
        1011 => "server error",
        1015 => "TLS handshake failure",
        _ => "application code",
    }
}

impl Shared {
    fn on_open(self: &Rc<Self>) {
        {
            let mut me = self.inner.borrow_mut();
            me.socket_open = true;
            me.core.handle_connected(now());
        }
        self.pump();
    }

    fn on_message(self: &Rc<Self>, e: MessageEvent) {
        let data = e.data();
        {
            let mut guard = self.inner.borrow_mut();
            let me = &mut *guard;
            if let Some(buf) = data.dyn_ref::<js_sys::ArrayBuffer>() {
                let view = Uint8Array::new(buf);
                me.rx.resize(view.length() as usize, 0);
                view.copy_to(&mut me.rx);
                me.core.handle_bytes(now(), &me.rx);
            } else {
                me.socket = None;
                me.socket_open = false;
                me.transport_kind = "protocol_error";
                me.core.handle_closed(
                    now(),
                    "the server sent a text WebSocket frame; MQTT travels in binary frames [MQTT-6.0.0-1]",
                );
            }
        }
        self.pump();
    }

    fn on_close(self: &Rc<Self>, e: CloseEvent) {
        {
            let mut me = self.inner.borrow_mut();
            let was_open = std::mem::replace(&mut me.socket_open, false);
            // Dropping the socket here drops this very closure: wasm-bindgen
            // defers freeing it until the call returns.
            me.socket = None;
            let (code, why) = (e.code(), e.reason());
            let why = if why.is_empty() {
                String::new()
            } else {
                format!(": {why}")
            };
            // www/lib/ws-transport.js marks the close of a socket whose Worker could not start.
            let worker_failed = js_sys::Reflect::get(&e, &JsValue::from_str("workerFailed"))
                .is_ok_and(|v| v.is_truthy());
            let text = if !was_open && worker_failed {
                me.transport_kind = "worker_failed";
                format!(
                    "the WebSocket to {} could not be opened{why}. With transport: 'worker' the \
                     socket lives in a Worker, and this page could not start it: a \
                     Content-Security-Policy may forbid workers from this origin, or \
                     lib/ws-worker.js is not served beside lib/mqtt.js. transport: 'main' (or \
                     leaving the option out) uses a WebSocket on the page's thread",
                    self.url
                )
            } else if !was_open {
                me.transport_kind = "unreachable";
                format!(
                    "the WebSocket to {} could not be opened (close code {code}{why}). The browser \
                     does not tell why; it may be that nothing is listening at that address \
                     and port, that a firewall or proxy blocks it, that the path is wrong \
                     (many brokers serve MQTT at /mqtt), that the server does not accept \
                     the WebSocket subprotocol \"mqtt\", or, for wss://, that the browser does \
                     not trust the server's TLS certificate",
                    self.url
                )
            } else if me.core.state() == ConnectionState::Connecting {
                me.transport_kind = "transport_closed";
                format!(
                    "the WebSocket closed before CONNACK (code {code}, {}{why}): is {} an \
                     MQTT WebSocket endpoint, and does the broker accept this CONNECT?",
                    close_code_meaning(code),
                    self.url
                )
            } else {
                me.transport_kind = "transport_closed";
                format!(
                    "the WebSocket closed (code {code}, {}{why})",
                    close_code_meaning(code)
                )
            };
            me.core.handle_closed(now(), &text);
        }
        self.pump();
    }

    fn on_timer(self: &Rc<Self>) {
        {
            let mut me = self.inner.borrow_mut();
            me.timer.id = None;
            me.timer.at = None;
            me.core.handle_timeout(now());
        }
        self.pump();
    }

    fn schedule_pump(&self) {
        let mut me = self.inner.borrow_mut();
        if !me.pump_queued && !me.pumping {
            me.pump_queued = true;
            queue_microtask(me.pump_cb.as_ref().unchecked_ref());
        }
    }

    /// Drains the core: bytes, then events (to the sink), then the timer.
    /// No borrow is held while JavaScript runs, so listeners may call back in;
    /// a pump started from inside a listener returns at once and the outer
    /// one picks up what it left.
    fn pump(self: &Rc<Self>) {
        {
            let Ok(mut me) = self.inner.try_borrow_mut() else {
                return;
            };
            if me.pumping {
                return;
            }
            me.pumping = true;
            me.pump_queued = false;
        }
        loop {
            let next = self.next_event(&mut self.inner.borrow_mut());
            match next {
                Some(ev) => self.handle(ev),
                // Listeners of the batch may publish or subscribe: drain
                // again, since a pump scheduled while this one runs returns at once.
                None if self.flush_messages() => {}
                None => break,
            }
        }
        let mut me = self.inner.borrow_mut();
        me.pumping = false;
        let deadline = me.core.poll_timeout();
        me.timer.arm(deadline);
    }

    /// Messages join the batch; anything else goes out after the messages
    /// before it, so JavaScript sees events in order.
    fn handle(&self, ev: Event) {
        let ev = {
            let mut me = self.inner.borrow_mut();
            match ev {
                Event::Message(m) => {
                    let frame = me.batch.frame.take();
                    me.batch.push(*m, frame);
                    return;
                }
                Event::PacketReceived { packet, bytes } => {
                    me.batch.frame = (me.message_bytes && matches!(*packet, Packet::Publish(_)))
                        .then(|| bytes.clone());
                    if !me.trace {
                        return;
                    }
                    Event::PacketReceived { packet, bytes }
                }
                Event::PacketSent { .. } if !me.trace => return,
                // Successful completions are only resolved promises, whose
                // callbacks run after the pump whenever in it they are
                // resolved: they go to JavaScript in one call at the end.
                Event::PublishComplete {
                    token,
                    result: Ok(code),
                } => {
                    me.published.push(token.0 as f64);
                    me.published.push(f64::from(code.0));
                    return;
                }
                ev => ev,
            }
        };
        self.flush_messages();
        self.dispatch(ev);
    }

    /// Hands the batched messages and completed publishes to JavaScript (no
    /// borrow held while it runs). Returns whether there was anything.
    fn flush_messages(&self) -> bool {
        let published = {
            let mut me = self.inner.borrow_mut();
            if me.published.is_empty() {
                None
            } else {
                let done = Float64Array::from(&me.published[..]);
                me.published.clear();
                Some(done)
            }
        };
        let any = published.is_some();
        if let Some(done) = published {
            let u = &JsValue::UNDEFINED;
            if let Err(e) = self.sink.emit(u, K_PUBLISHED_MANY, &done, u, u) {
                web_sys::console::error_2(&"mqtt: the event sink threw".into(), &e);
            }
        }
        let ready: Ready = {
            let mut me = self.inner.borrow_mut();
            if me.batch.is_empty() {
                return any;
            }
            me.batch.take()
        };
        let r = self.sink.emit_messages(
            &JsValue::UNDEFINED,
            K_MESSAGES,
            &ready.index,
            &ready.data,
            &ready.topics,
            ready.topic_base,
            &ready.properties,
        );
        if let Err(e) = r {
            web_sys::console::error_2(&"mqtt: the event sink threw".into(), &e);
        }
        true
    }

    /// Sends what is queued and handles transport requests; returns the next
    /// event for JavaScript.
    fn next_event(self: &Rc<Self>, me: &mut Inner) -> Option<Event> {
        loop {
            if let Some(bytes) = me.core.poll_transmit() {
                if let (true, Some(s)) = (me.socket_open, &me.socket) {
                    // One frame for everything the core queued [MQTT-6.0.0-2 allows
                    // several packets per frame].
                    let _ = s.ws.send_with_u8_array(&bytes);
                }
            }
            match me.core.poll_event()? {
                Event::OpenTransport => {
                    me.socket = None;
                    me.socket_open = false;
                    match Socket::open(&self.url, &Rc::downgrade(self), self.open_socket.as_ref()) {
                        Ok(s) => me.socket = Some(s),
                        Err(e) => {
                            let why = js_sys::Error::from(e).message();
                            me.transport_kind = "unreachable";
                            me.core.handle_closed(
                                now(),
                                &format!(
                                    "the browser refused to open a WebSocket to {}: {why}",
                                    self.url
                                ),
                            );
                        }
                    }
                    me.sockets_opened += 1;
                    return Some(Event::OpenTransport);
                }
                Event::CloseTransport => {
                    me.socket = None;
                    me.socket_open = false;
                }
                ev => return Some(ev),
            }
        }
    }

    fn dispatch(&self, ev: Event) {
        let u = &JsValue::UNDEFINED;
        let num = |n: f64| JsValue::from_f64(n);
        let token = |t: crate::client::Token| JsValue::from_f64(t.0 as f64);
        let emit =
            |kind: u32, a: &JsValue, b: &JsValue, c: &JsValue| self.sink.emit(u, kind, a, b, c);
        let r = match ev {
            Event::PublishComplete { token: t, result } => {
                let r = match result {
                    Ok(code) => num(f64::from(code.0)),
                    Err(e) => self.error_js(&e),
                };
                emit(K_PUBLISHED, &token(t), &r, u)
            }
            Event::SubscribeComplete {
                token: t,
                reason_codes,
            } => emit(
                K_SUBSCRIBED,
                &token(t),
                &codes(&reason_codes),
                &failure_names(&reason_codes, PacketType::SubAck),
            ),
            Event::UnsubscribeComplete {
                token: t,
                reason_codes,
            } => emit(
                K_UNSUBSCRIBED,
                &token(t),
                &codes(&reason_codes),
                &failure_names(&reason_codes, PacketType::UnsubAck),
            ),
            Event::Connected(c) => {
                let props = props_to_js(&c.properties).map_or(JsValue::UNDEFINED, JsValue::from);
                emit(K_CONNECT, &c.session_present.into(), &props, u)
            }
            Event::ConnectionLost { error } => emit(K_LOST, &self.error_js(&error), u, u),
            Event::Offline => emit(K_OFFLINE, u, u, u),
            Event::Reconnecting { attempt, delay_ms } => emit(
                K_RECONNECTING,
                &num(f64::from(attempt)),
                &num(delay_ms as f64),
                u,
            ),
            Event::Closed { why } => {
                let (name, err) = match &why {
                    CloseReason::Disconnected => ("end", JsValue::UNDEFINED),
                    CloseReason::Lost(e) => ("lost", self.error_js(e)),
                    CloseReason::Fatal(e) => ("fatal", self.error_js(e)),
                    CloseReason::GaveUp {
                        attempts,
                        last_error,
                    } => {
                        let (_, rc) = error_kind(last_error);
                        let msg = format!(
                            "gave up reconnecting after {attempts} failed attempt(s); the last: {last_error}"
                        );
                        ("gaveup", kind_error(&msg, "gave_up", rc))
                    }
                };
                emit(K_CLOSED, &name.into(), &err, u)
            }
            Event::Error(e) => emit(K_ERROR, &self.error_js(&e), u, u),
            Event::PacketSent { packet, bytes } => emit(
                K_SENT,
                &packet_to_js(&packet, self.version).into(),
                &bytes_js(&bytes).into(),
                u,
            ),
            Event::PacketReceived { packet, bytes } => emit(
                K_RECEIVED,
                &packet_to_js(&packet, self.version).into(),
                &bytes_js(&bytes).into(),
                u,
            ),
            Event::OpenTransport => {
                let n = self.inner.borrow().sockets_opened - 1;
                emit(K_OPENING, &num(f64::from(n)), u, u)
            }
            _ => Ok(JsValue::UNDEFINED),
        };
        if let Err(e) = r {
            // The JavaScript side catches its listeners' exceptions; this is a last resort.
            web_sys::console::error_2(&"mqtt: the event sink threw".into(), &e);
        }
    }

    fn error_js(&self, e: &ClientError) -> JsValue {
        let (kind, rc) = error_kind(e);
        let kind = if kind == "transport_closed" {
            self.inner.borrow().transport_kind
        } else {
            kind
        };
        let mut msg = match e {
            // The host's reasons (on_close) are whole sentences already.
            ClientError::TransportClosed { reason } => reason.clone(),
            _ => e.to_string(),
        };
        if let ClientError::ConnectTimeout { .. } = e {
            msg.push_str(&format!(
                " from {}: check that it is the broker's MQTT WebSocket endpoint (port and \
                 path, often /mqtt), or raise connectTimeout",
                self.url
            ));
        }
        kind_error(&msg, kind, rc)
    }
}

/// A short category for an error (the `kind` of the JavaScript `Error`) and
/// its MQTT reason code, if it has one.
fn error_kind(e: &ClientError) -> (&'static str, Option<u8>) {
    use ClientError as E;
    match e {
        E::ConnectionRefused { code, .. } => ("connection_refused", Some(code.0)),
        E::ServerDisconnect { code, .. } => ("server_disconnect", Some(code.0)),
        E::PublishRejected { code, .. } => ("publish_rejected", Some(code.0)),
        E::MalformedPacket(d) => ("malformed_packet", Some(d.reason_code().0)),
        E::ProtocolViolation { code, .. } => ("protocol_error", Some(code.0)),
        E::KeepAliveTimeout { .. } => ("keepalive_timeout", None),
        E::ConnectTimeout { .. } => ("connect_timeout", None),
        E::TransportClosed { .. } => ("transport_closed", None),
        E::AuthFailed(_) => ("auth_failed", None),
        E::InvalidTopic { .. } => ("invalid_topic", None),
        E::InvalidFilter { .. } => ("invalid_filter", None),
        E::OfflineQueueFull { .. } => ("queue_full", None),
        E::PacketTooLarge { .. } => ("packet_too_large", None),
        E::QosNotSupported { .. } => ("qos_not_supported", None),
        E::RetainNotSupported => ("retain_not_supported", None),
        E::PacketIdsExhausted => ("packet_ids_exhausted", None),
        E::NotConnected(_) => ("not_connected", None),
        E::Encode(_) => ("encode", None),
    }
}

/// The names of all codes when at least one is a failure (≥ 0x80), else `undefined`.
fn failure_names(c: &[ReasonCode], packet: PacketType) -> JsValue {
    if c.iter().all(|c| c.0 < 0x80) {
        return JsValue::UNDEFINED;
    }
    c.iter()
        .map(|c| JsValue::from_str(&format!("0x{:02X} {}", c.0, c.name_in(packet))))
        .collect::<Array>()
        .into()
}

fn codes(c: &[ReasonCode]) -> JsValue {
    let bytes: Vec<u8> = c.iter().map(|c| c.0).collect();
    Uint8Array::from(&bytes[..]).into()
}

#[wasm_bindgen]
impl WasmClient {
    /// A client for `url` (ws:// or wss://) with MQTT.js-style `options`, that
    /// reports everything to `sink(kind, ...args)`. Nothing happens until
    /// [`WasmClient::start`]. With `open_socket`, each connection's transport
    /// is `open_socket(url, "mqtt")` instead of `new WebSocket(url, "mqtt")`
    /// (see [`Socket::open`]). Throws an `Error` with `kind` `"invalid_url"`,
    /// `"mixed_content"` or `"invalid_option"`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        url: &str,
        options: JsValue,
        sink: ClientSink,
        open_socket: Option<Function>,
    ) -> Result<WasmClient, JsValue> {
        let url = check_url(url)?;
        let web = read_options(&options)?;
        let message_bytes = web.message_bytes;
        let mut opts = web.core;
        let trace = opts.trace_packets;
        opts.trace_packets |= message_bytes;
        let version = opts.protocol;
        let shared = Rc::new_cyclic(|weak: &Weak<Shared>| {
            let w = weak.clone();
            let pump_cb = Closure::<dyn FnMut()>::new(move || {
                if let Some(s) = w.upgrade() {
                    s.pump();
                }
            });
            let w = weak.clone();
            let timer_cb = Closure::<dyn FnMut()>::new(move || {
                if let Some(s) = w.upgrade() {
                    s.on_timer();
                }
            });
            Shared {
                sink,
                open_socket,
                url,
                version,
                inner: RefCell::new(Inner {
                    core: Client::new(opts),
                    socket: None,
                    socket_open: false,
                    sockets_opened: 0,
                    transport_kind: "transport_closed",
                    timer: Timer {
                        callback: timer_cb,
                        id: None,
                        at: None,
                    },
                    pump_cb,
                    pump_queued: false,
                    pumping: false,
                    rx: Vec::new(),
                    batch: MessageBatch::default(),
                    published: Vec::new(),
                    trace,
                    message_bytes,
                }),
            }
        });
        Ok(WasmClient { shared })
    }

    /// Opens the connection (or, while waiting to reconnect, reconnects now).
    pub fn start(&self) {
        self.shared.inner.borrow_mut().core.connect(now());
        self.shared.schedule_pump();
    }

    /// Publishes a message; returns the token that its `K_PUBLISHED` event carries.
    /// `options` is read only for its `properties` (pass `undefined` when there are none).
    /// Throws an `Error` with a `kind` when the message cannot be sent at all.
    pub fn publish(
        &self,
        topic: &str,
        payload: JsValue,
        qos: u8,
        retain: bool,
        options: JsValue,
    ) -> Result<f64, JsValue> {
        let qos = QoS::from_u8(qos)
            .ok_or_else(|| kind_error("qos must be 0, 1 or 2", "invalid_option", None))?;
        let payload = if payload.is_undefined() || payload.is_null() {
            Default::default()
        } else {
            to_bytes(&payload, "payload")?
        };
        let opts = PublishOptions {
            qos,
            retain,
            properties: props_from_js(&options)?,
        };
        let r = self
            .shared
            .inner
            .borrow_mut()
            .core
            .publish(now(), topic, payload, opts);
        self.command(r)
    }

    /// Subscribes to `filters`, an array of `{ topic, qos, nl, rap, rh }`;
    /// `options.properties` may hold a `subscriptionIdentifier` and `userProperties`.
    pub fn subscribe(&self, filters: Array, options: JsValue) -> Result<f64, JsValue> {
        let mut list = Vec::with_capacity(filters.length() as usize);
        for f in filters.iter() {
            let topic = opt_str(&f, "topic")?.ok_or_else(|| {
                kind_error("each filter needs a topic string", "invalid_filter", None)
            })?;
            list.push((topic, subscription_options(&f)?));
        }
        let props = props_from_js(&options)?;
        let r = self
            .shared
            .inner
            .borrow_mut()
            .core
            .subscribe(now(), list, props);
        self.command(r)
    }

    /// Unsubscribes from `filters`; `options.properties` may hold `userProperties`.
    pub fn unsubscribe(&self, filters: Vec<String>, options: JsValue) -> Result<f64, JsValue> {
        let props = props_from_js(&options)?;
        let r = self
            .shared
            .inner
            .borrow_mut()
            .core
            .unsubscribe(now(), filters, props);
        self.command(r)
    }

    /// Sends DISCONNECT with `reason_code` (5.0; 0x04 asks the server to
    /// publish the Will) and stops; `K_CLOSED` with `"end"` follows.
    pub fn end(&self, reason_code: u8) {
        self.shared
            .inner
            .borrow_mut()
            .core
            .disconnect(now(), ReasonCode(reason_code));
        self.shared.schedule_pump();
    }

    /// Closes the WebSocket without DISCONNECT, as a network failure would:
    /// the server publishes the Will and the client reconnects as after any
    /// loss. For tests and for showing the Will at work.
    #[wasm_bindgen(js_name = dropTransport)]
    pub fn drop_transport(&self) {
        let me = self.shared.inner.borrow();
        if let Some(s) = &me.socket {
            let _ =
                s.ws.close_with_code_and_reason(4000, "transport dropped on purpose");
        }
    }

    /// Turns packet tracing (`K_SENT` / `K_RECEIVED`) on or off.
    #[wasm_bindgen(js_name = setTrace)]
    pub fn set_trace(&self, on: bool) {
        let mut me = self.shared.inner.borrow_mut();
        me.trace = on;
        let packets = on || me.message_bytes;
        me.core.set_trace_packets(packets);
    }

    /// `"idle"`, `"opening"`, `"connecting"`, `"connected"` or `"waiting"` (to reconnect).
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> String {
        match self.shared.inner.borrow().core.state() {
            ConnectionState::Idle => "idle",
            ConnectionState::Opening => "opening",
            ConnectionState::Connecting => "connecting",
            ConnectionState::Connected => "connected",
            ConnectionState::WaitingToReconnect => "waiting",
        }
        .into()
    }

    /// The client identifier (the server's assigned one once it assigned one).
    #[wasm_bindgen(getter, js_name = clientId)]
    pub fn client_id(&self) -> String {
        self.shared.inner.borrow().core.options().client_id.clone()
    }

    /// 3, 4 or 5.
    #[wasm_bindgen(getter, js_name = protocolVersion)]
    pub fn protocol_version(&self) -> u8 {
        self.shared.version.level()
    }

    /// The URL in use (normalised).
    #[wasm_bindgen(getter)]
    pub fn url(&self) -> String {
        self.shared.url.clone()
    }

    /// QoS 1 and 2 messages sent and not yet acknowledged.
    #[wasm_bindgen(getter)]
    pub fn inflight(&self) -> u32 {
        self.shared.inner.borrow().core.inflight_messages() as u32
    }

    /// Messages waiting for the connection or for room in the server's window.
    #[wasm_bindgen(getter)]
    pub fn queued(&self) -> u32 {
        self.shared.inner.borrow().core.queued_messages() as u32
    }

    fn command(&self, r: Result<crate::client::Token, ClientError>) -> Result<f64, JsValue> {
        match r {
            Ok(t) => {
                self.shared.schedule_pump();
                Ok(t.0 as f64)
            }
            Err(e) => Err(self.shared.error_js(&e)),
        }
    }
}

/// Checks a WebSocket URL as `connect` does: returns it normalised, or throws
/// the `Error` (`kind` `"invalid_url"` or `"mixed_content"`) that `connect`
/// would report.
#[wasm_bindgen(js_name = checkBrokerUrl)]
pub fn check_broker_url(url: &str) -> Result<String, JsValue> {
    check_url(url)
}
