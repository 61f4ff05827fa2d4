//! The simulation's JavaScript API: the `Simulation` class. Peers are named by
//! the label given to `addClient`, `addScript` or `openSocket`; options use
//! MQTT.js's names; packets come out in the codec's mqtt-packet shape.

use super::codec::version_opt;
use super::from_js::{opt_bool, opt_num, opt_str, props_from_js, to_bytes};
use super::shape::{get, js_error, set};
use super::sim_batch::Batcher;
use super::sim_shape::{sim_event_to_js, snapshot_to_js};
use crate::broker::BrokerConfig;
use crate::client::{ClientOptions, PublishOptions, ReconnectPolicy};
use crate::codec::{LastWill, Properties, QoS, ReasonCode, RetainHandling, SubscriptionOptions};
use crate::sim::{self, ClientSpec, Direction, ExternalOutput, LinkConfig, PeerId, ScriptStep};
use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

type R<T> = Result<T, JsValue>;

/// A deterministic virtual network and clock around one in-page broker.
///
/// ```js
/// const sim = new Simulation({ seed: 1 });
/// sim.addClient('alice', { clientId: 'alice', protocolVersion: 5 }, { latency: 40 });
/// sim.connect('alice');
/// sim.runFor(100);
/// for (const e of sim.drainEvents()) console.log(e.type, e);
/// ```
#[wasm_bindgen]
pub struct Simulation {
    sim: sim::Simulation,
    batch: Batcher,
}

fn float(o: &JsValue, k: &str) -> R<Option<f64>> {
    let v = get(o, k);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_f64()
        .filter(|x| x.is_finite() && *x >= 0.0)
        .map(Some)
        .ok_or_else(|| js_error(&format!("{k} must be a number of at least 0"), None))
}

/// `{ latency, loss, duplicate, up }` over `base`.
fn link_from_js(o: &JsValue, base: LinkConfig) -> R<LinkConfig> {
    let p = |k| -> R<Option<f64>> {
        let v = float(o, k)?;
        match v {
            Some(x) if x > 1.0 => Err(js_error(&format!("{k} must be from 0 to 1"), None)),
            _ => Ok(v),
        }
    };
    Ok(LinkConfig {
        latency_ms: float(o, "latency")?.map_or(base.latency_ms, |x| x.round() as u64),
        loss: p("loss")?.unwrap_or(base.loss),
        duplicate: p("duplicate")?.unwrap_or(base.duplicate),
        up: opt_bool(o, "up")?.unwrap_or(base.up),
    })
}

fn qos(o: &JsValue) -> R<QoS> {
    let n = opt_num(o, "qos", 2)?.unwrap_or(0);
    Ok(QoS::from_u8(n as u8).unwrap_or_default())
}

/// MQTT.js connect options: clientId, protocolVersion (4 by default), clean,
/// keepalive, reconnectPeriod, connectTimeout, username, password, will, properties.
fn client_options(o: &JsValue) -> R<ClientOptions> {
    let mut opts = ClientOptions::new(version_opt(o)?, opt_str(o, "clientId")?.unwrap_or_default());
    opts.clean_start = opt_bool(o, "clean")?.unwrap_or(true);
    if let Some(k) = opt_num(o, "keepalive", u64::from(u16::MAX))? {
        opts.keep_alive = k as u16;
    }
    if let Some(ms) = opt_num(o, "reconnectPeriod", u64::from(u32::MAX))? {
        opts.reconnect = if ms == 0 {
            ReconnectPolicy::off()
        } else {
            ReconnectPolicy {
                initial_delay_ms: ms,
                ..ReconnectPolicy::default()
            }
        };
    }
    if let Some(ms) = opt_num(o, "connectTimeout", u64::from(u32::MAX))? {
        opts.connect_timeout_ms = ms;
    }
    opts.username = opt_str(o, "username")?;
    let pw = get(o, "password");
    if !pw.is_undefined() && !pw.is_null() {
        opts.password = Some(to_bytes(&pw, "password")?);
    }
    let will = get(o, "will");
    if !will.is_undefined() && !will.is_null() {
        opts.will = Some(LastWill {
            topic: opt_str(&will, "topic")?
                .ok_or_else(|| js_error("will.topic must be a string", None))?,
            payload: to_bytes(&get(&will, "payload"), "will.payload")?,
            qos: qos(&will)?,
            retain: opt_bool(&will, "retain")?.unwrap_or(false),
            properties: props_from_js(&will)?,
        });
    }
    opts.properties = props_from_js(o)?;
    if let Some(seed) = opt_num(o, "seed", u64::from(u32::MAX))? {
        opts.random_seed = seed;
    }
    opts.auto_topic_alias = false;
    Ok(opts)
}

/// A filter, an array of filters, or MQTT.js's `{ filter: { qos } }` map.
fn filters_from_js(f: &JsValue, o: &JsValue) -> R<Vec<(String, SubscriptionOptions)>> {
    let defaults = sub_options(o)?;
    if let Some(s) = f.as_string() {
        return Ok(vec![(s, defaults)]);
    }
    if Array::is_array(f) {
        return Array::from(f)
            .iter()
            .map(|x| {
                x.as_string()
                    .map(|s| (s, defaults))
                    .ok_or_else(|| js_error("each filter must be a string", None))
            })
            .collect();
    }
    if f.is_object() {
        let keys = Object::keys(f.unchecked_ref::<Object>());
        return keys
            .iter()
            .map(|k| {
                let name = k.as_string().unwrap_or_default();
                Ok((name.clone(), sub_options(&get(f, &name))?))
            })
            .collect();
    }
    Err(js_error(
        "filters must be a string, an array or an object",
        None,
    ))
}

fn sub_options(o: &JsValue) -> R<SubscriptionOptions> {
    let rh = opt_num(o, "rh", 2)?.unwrap_or(0);
    Ok(SubscriptionOptions {
        qos: qos(o)?,
        no_local: opt_bool(o, "nl")?.unwrap_or(false),
        retain_as_published: opt_bool(o, "rap")?.unwrap_or(false),
        retain_handling: match rh {
            1 => RetainHandling::SendIfNew,
            2 => RetainHandling::DoNotSend,
            _ => RetainHandling::SendAtSubscribe,
        },
    })
}

fn direction_from_js(direction: &str) -> R<Direction> {
    match direction {
        "toBroker" => Ok(Direction::ToBroker),
        "toClient" => Ok(Direction::ToPeer),
        _ => Err(js_error("direction must be 'toBroker' or 'toClient'", None)),
    }
}

fn err(e: impl core::fmt::Display) -> JsValue {
    js_error(&e.to_string(), None)
}

#[wasm_bindgen]
impl Simulation {
    /// `new Simulation({ seed })`: a broker at virtual time 0. The seed drives
    /// loss and duplication; the same seed and calls replay the same events.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> R<Simulation> {
        let seed = opt_num(&options, "seed", u64::from(u32::MAX))?.unwrap_or(1);
        Ok(Simulation {
            sim: sim::Simulation::new(BrokerConfig::default(), seed),
            batch: Batcher::default(),
        })
    }

    fn peer(&self, id: &str) -> R<PeerId> {
        self.sim
            .peer_by_label(id)
            .ok_or_else(|| js_error(&format!("no client named {id:?}"), None))
    }

    fn fresh(&self, id: &str) -> R<()> {
        if self.sim.peer_by_label(id).is_some() {
            return Err(js_error(&format!("a client named {id:?} exists"), None));
        }
        Ok(())
    }

    /// Adds a simulated client (MQTT.js option names) on a link
    /// `{ latency (ms), loss (0..1), duplicate (0..1), up }`. It connects on `connect(id)`.
    #[wasm_bindgen(js_name = addClient)]
    pub fn add_client(&mut self, id: &str, options: JsValue, link: JsValue) -> R<()> {
        self.fresh(id)?;
        let spec = ClientSpec::client(
            id,
            client_options(&options)?,
            link_from_js(&link, LinkConfig::default())?,
        );
        self.sim.add_client(spec);
        Ok(())
    }

    /// Adds a byte script: `[{ at: ms after connect, bytes: Uint8Array }]`.
    #[wasm_bindgen(js_name = addScript)]
    pub fn add_script(&mut self, id: &str, steps: JsValue, link: JsValue) -> R<()> {
        self.fresh(id)?;
        let steps = Array::from(&steps)
            .iter()
            .map(|s| {
                Ok(ScriptStep {
                    at: opt_num(&s, "at", u64::from(u32::MAX))?.unwrap_or(0),
                    bytes: to_bytes(&get(&s, "bytes"), "bytes")?,
                })
            })
            .collect::<R<Vec<_>>>()?;
        let link = link_from_js(&link, LinkConfig::default())?;
        self.sim.add_client(ClientSpec::script(id, steps, link));
        Ok(())
    }

    /// Opens a transport for bytes from the page (a WebSocket stand-in).
    /// What arrives for it comes out of `takeSocketOutput()`.
    #[wasm_bindgen(js_name = openSocket)]
    pub fn open_socket(&mut self, id: &str, link: JsValue) -> R<()> {
        self.fresh(id)?;
        let link = link_from_js(&link, LinkConfig::latency(0))?;
        self.sim.open_external(id, link);
        Ok(())
    }

    /// Bytes the page sends on a socket opened with `openSocket`.
    #[wasm_bindgen(js_name = socketSend)]
    pub fn socket_send(&mut self, id: &str, bytes: &[u8]) -> R<()> {
        let p = self.peer(id)?;
        self.sim.external_send(p, bytes.to_vec());
        Ok(())
    }

    /// `[{ id, data: Uint8Array } | { id, closed: true }]` for the page's sockets.
    #[wasm_bindgen(js_name = takeSocketOutput)]
    pub fn take_socket_output(&mut self) -> Array {
        let out = Array::new();
        while let Some(x) = self.sim.poll_external() {
            let o = Object::new();
            match x {
                ExternalOutput::Bytes(p, b) => {
                    set(&o, "id", self.sim.label(p).unwrap_or(""));
                    set(&o, "data", super::shape::bytes_js(&b));
                }
                ExternalOutput::Closed(p) => {
                    set(&o, "id", self.sim.label(p).unwrap_or(""));
                    set(&o, "closed", true);
                }
            }
            out.push(&o);
        }
        out
    }

    /// Starts a client (a script starts its clock; a socket reopens).
    pub fn connect(&mut self, id: &str) -> R<()> {
        let p = self.peer(id)?;
        self.sim.connect(p).map_err(err)
    }

    /// Publishes from a simulated client; returns its token.
    /// `options`: `{ qos, retain, properties }`.
    pub fn publish(&mut self, id: &str, topic: &str, payload: JsValue, options: JsValue) -> R<f64> {
        let p = self.peer(id)?;
        let o = PublishOptions {
            qos: qos(&options)?,
            retain: opt_bool(&options, "retain")?.unwrap_or(false),
            properties: props_from_js(&options)?,
        };
        let payload = to_bytes(&payload, "payload")?;
        let t = self.sim.publish(p, topic, payload, o).map_err(err)?;
        Ok(t.0 as f64)
    }

    /// Subscribes: a filter, an array of filters or `{ filter: { qos, nl, rap, rh } }`;
    /// `options`: `{ qos, nl, rap, rh, properties }`. Returns its token.
    pub fn subscribe(&mut self, id: &str, filters: JsValue, options: JsValue) -> R<f64> {
        let p = self.peer(id)?;
        let f = filters_from_js(&filters, &options)?;
        let t = self
            .sim
            .subscribe(p, f, props_from_js(&options)?)
            .map_err(err)?;
        Ok(t.0 as f64)
    }

    /// Unsubscribes from a filter or an array of filters.
    pub fn unsubscribe(&mut self, id: &str, filters: JsValue) -> R<f64> {
        let p = self.peer(id)?;
        let f = filters_from_js(&filters, &JsValue::UNDEFINED)?
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        let t = self
            .sim
            .unsubscribe(p, f, Properties::default())
            .map_err(err)?;
        Ok(t.0 as f64)
    }

    /// Sends DISCONNECT (with `reasonCode`, 0 by default) and stops the client;
    /// closes a script's or a socket's transport.
    pub fn disconnect(&mut self, id: &str, reason_code: Option<u8>) -> R<()> {
        let p = self.peer(id)?;
        let rc = ReasonCode(reason_code.unwrap_or(0));
        self.sim.disconnect(p, rc).map_err(err)
    }

    /// Processes the next thing that happens; returns the new time, or
    /// `undefined` when nothing is pending.
    pub fn step(&mut self) -> Option<f64> {
        self.sim.step().map(|t| t as f64)
    }

    /// Runs everything due up to `ms` of virtual time.
    #[wasm_bindgen(js_name = runUntil)]
    pub fn run_until(&mut self, ms: f64) {
        self.sim.run_until(ms.max(0.0) as u64);
    }

    /// Runs for `ms` of virtual time.
    #[wasm_bindgen(js_name = runFor)]
    pub fn run_for(&mut self, ms: f64) {
        self.sim.run_for(ms.max(0.0) as u64);
    }

    /// The virtual time in milliseconds.
    #[wasm_bindgen(getter)]
    pub fn now(&self) -> f64 {
        self.sim.now() as f64
    }

    /// When the next thing happens, if anything is pending.
    #[wasm_bindgen(js_name = nextEventTime)]
    pub fn next_event_time(&self) -> Option<f64> {
        self.sim.next_event_time().map(|t| t as f64)
    }

    /// The transport dies without DISCONNECT (the broker notices one latency later).
    #[wasm_bindgen(js_name = cutLink)]
    pub fn cut_link(&mut self, id: &str) -> R<()> {
        let p = self.peer(id)?;
        self.sim.cut_link(p).map_err(err)
    }

    /// Changes the link: `{ latency, loss, duplicate, up }`; missing fields keep their value.
    #[wasm_bindgen(js_name = setLink)]
    pub fn set_link(&mut self, id: &str, link: JsValue) -> R<()> {
        let p = self.peer(id)?;
        let base = self.sim.snapshot().peers[p.0].link.clone();
        self.sim
            .set_link(p, link_from_js(&link, base)?)
            .map_err(err)
    }

    /// Silently drops the next `n` packets going `'toBroker'` or `'toClient'`.
    #[wasm_bindgen(js_name = dropNext)]
    pub fn drop_next(&mut self, id: &str, direction: &str, n: u32) -> R<()> {
        let p = self.peer(id)?;
        let d = match direction {
            "toBroker" => Direction::ToBroker,
            "toClient" => Direction::ToPeer,
            _ => return Err(js_error("direction must be 'toBroker' or 'toClient'", None)),
        };
        self.sim.drop_next(p, d, n).map_err(err)
    }

    /// Loses the next `n` packets going `'toBroker'` or `'toClient'` as the
    /// link's loss does: each vanishes and the connection breaks (as under TCP).
    #[wasm_bindgen(js_name = loseNext)]
    pub fn lose_next(&mut self, id: &str, direction: &str, n: u32) -> R<()> {
        let p = self.peer(id)?;
        self.sim
            .lose_next(p, direction_from_js(direction)?, n)
            .map_err(err)
    }

    /// Stalls the link for `ms`.
    pub fn delay(&mut self, id: &str, ms: f64) -> R<()> {
        let p = self.peer(id)?;
        self.sim.delay(p, ms.max(0.0) as u64).map_err(err)
    }

    /// Nothing gets through either way and nobody is told.
    pub fn partition(&mut self, id: &str) -> R<()> {
        let p = self.peer(id)?;
        self.sim.partition(p).map_err(err)
    }

    /// Ends a partition.
    pub fn heal(&mut self, id: &str) -> R<()> {
        let p = self.peer(id)?;
        self.sim.heal(p).map_err(err)
    }

    /// Restarts the broker, keeping sessions and retained messages or not.
    #[wasm_bindgen(js_name = restartBroker)]
    pub fn restart_broker(&mut self, keep_sessions: bool) {
        self.sim.restart_broker(keep_sessions);
    }

    /// `{ now, clients: [...], broker: { sessions, subscriptions, retained }, inFlight: [...] }`.
    pub fn snapshot(&self) -> Object {
        snapshot_to_js(&self.sim, &self.sim.snapshot())
    }

    /// Every event since the last call, oldest first, as plain objects with a
    /// `type` (`packetSent`, `packetDelivered`, `packetDropped`, `transportOpened`,
    /// `transportClosed`, `openFailed`, `client`, `broker`).
    ///
    /// Each object is built from Rust, one boundary crossing per property: fine
    /// for a lesson, slow for a flood. `drainEventBatch` is the fast way.
    #[wasm_bindgen(js_name = drainEvents)]
    pub fn drain_events(&mut self) -> Array {
        let out = Array::new();
        while let Some(e) = self.sim.poll_event() {
            let o = sim_event_to_js(&self.sim, &e);
            if let Some((bytes, version)) = self.batch.observe(&e) {
                set(&o, "bytes", super::shape::bytes_js(&bytes));
                set(&o, "protocolVersion", version.level());
            }
            out.push(&o);
        }
        out
    }

    /// Every event since the last call (and since `drainEvents`) as one compact
    /// batch: `{ count, nums: Float64Array, bytes: Uint8Array, labels, labelBase,
    /// topics, topicBase, others }`. `www/lib/sim-events.js` (`SimEventReader`)
    /// turns it into the objects `drainEvents` returns; the layout is described
    /// in `src/web/sim_batch.rs`.
    #[wasm_bindgen(js_name = drainEventBatch)]
    pub fn drain_event_batch(&mut self) -> Object {
        self.batch.drain(&mut self.sim)
    }
}
