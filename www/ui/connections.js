// The page's own MQTT connections: one model for both kinds, a simulated
// client of the in-page broker (SimConnection) or a WebSocket client of a real
// broker through lib/mqtt.js (RemoteConnection). Each one is an EventTarget
// ('change' when its state or subscriptions change) and hands every message it
// receives to `onMessage`.
import { SUB_COLOURS, toBytes } from './format.js';

export const PRESETS = [
  { id: 'inpage', label: 'In this page (simulated)', url: '', note: 'A broker running inside this page: no network needed.' },
  { id: 'mosquitto', label: 'test.mosquitto.org', url: 'wss://test.mosquitto.org:8081', ws: 'ws://test.mosquitto.org:8080',
    note: 'Public test broker. Anonymous clients may not subscribe to "#". Ports 8090/8091 need a login (rw/readwrite, ro/readonly, wo/writeonly).' },
  { id: 'hivemq', label: 'broker.hivemq.com', url: 'wss://broker.hivemq.com:8884/mqtt', ws: 'ws://broker.hivemq.com:8000/mqtt',
    note: 'Public broker by HiVEMQ; everyone sees everything you publish.' },
  { id: 'emqx', label: 'broker.emqx.io', url: 'wss://broker.emqx.io:8084/mqtt', ws: 'ws://broker.emqx.io:8083/mqtt',
    note: 'Public broker by EMQX, MQTT 5 ready.' },
  { id: 'eclipse', label: 'mqtt.eclipseprojects.io', url: 'wss://mqtt.eclipseprojects.io:443/mqtt', ws: 'ws://mqtt.eclipseprojects.io:80/mqtt',
    note: 'Public Eclipse broker; the path must be /mqtt.' },
  { id: 'custom', label: 'Another broker (ws:// or wss:// URL)', url: '', note: 'Any MQTT broker with a WebSocket listener.' },
];

export const STATE_TEXT = {
  idle: 'not connected',
  opening: 'connecting',
  connecting: 'connecting',
  connected: 'connected',
  reconnecting: 'reconnecting',
  offline: 'offline',
  closed: 'closed',
};

let nextId = 1;
let nextColour = 0;

export function randomClientId() {
  const a = new Uint8Array(4);
  crypto.getRandomValues(a);
  return `mqttlab-${[...a].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Problems with a broker URL, in words, or undefined. `warning` does not block. */
export function checkUrl(url, pageProtocol = location.protocol) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return { error: `"${url}" is not a URL. It looks like ws://host:port/path or wss://host:port/path.` };
  }
  if (u.protocol === 'mqtt:' || u.protocol === 'tcp:' || u.protocol === 'mqtts:') {
    return { error: 'A browser cannot open raw TCP connections: use the broker\'s WebSocket port (ws:// or wss://).' };
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    return { error: `The URL must start with ws:// or wss://, not ${u.protocol}//.` };
  }
  if (u.protocol === 'ws:' && pageProtocol === 'https:') {
    return { error: 'This page was served over https, so the browser only lets it open wss:// connections (a ws:// one would be "mixed content"). Use the broker\'s wss:// port.' };
  }
  return {};
}

/** Settings without what must not be stored. */
function storable(settings) {
  const s = { ...settings };
  if (!s.rememberPassword) delete s.password;
  return s;
}

class Connection extends EventTarget {
  constructor(settings) {
    super();
    this.id = `c${nextId++}`;
    this.settings = settings;
    this.state = 'idle';
    this.why = '';
    this.subscriptions = [];
    this.onMessage = () => {};
    this.received = 0;
  }

  get name() {
    return this.settings.name || this.settings.clientId;
  }

  get v5() {
    return Number(this.settings.protocolVersion) === 5;
  }

  setState(state, why = this.why) {
    this.state = state;
    this.why = why;
    this.changed();
  }

  changed() {
    this.#colours.clear();
    this.dispatchEvent(new Event('change'));
  }

  /**
   * The colour of the subscription whose filter matches `topic` first. Remembered
   * per topic (a flood repeats topics) until the subscriptions change.
   */
  colourFor(topic, matches) {
    let c = this.#colours.get(topic);
    if (c !== undefined) return c;
    c = -1;
    for (const s of this.subscriptions) {
      if (s.state !== 'refused' && matches(s.filter, topic)) { c = s.colour; break; }
    }
    if (this.#colours.size >= 10_000) this.#colours.clear();
    this.#colours.set(topic, c);
    return c;
  }

  #colours = new Map(); // topic -> colour

  newSubscription(sub) {
    const existing = this.subscriptions.find((s) => s.filter === sub.filter);
    const s = existing ?? { colour: nextColour++ % SUB_COLOURS.length };
    Object.assign(s, sub, { state: 'pending', why: '' });
    if (!existing) this.subscriptions.push(s);
    this.changed();
    return s;
  }

  granted(s, code, why) {
    if (code >= 0x80) {
      s.state = 'refused';
      s.why = why || `The broker refused the subscription (reason code 0x${code.toString(16)}).`;
    } else {
      s.state = 'granted';
      s.grantedQos = code;
    }
    this.changed();
  }

  deliver(m) {
    this.received++;
    m.conn = this.id;
    m.connName = this.name;
    this.onMessage(m);
  }
}

/** A client of the in-page broker. */
export class SimConnection extends Connection {
  kind = 'inpage';

  constructor(lab, settings) {
    super(settings);
    this.lab = lab;
    this.label = lab.uniqueLabel(settings.clientId);
    const v = Number(settings.protocolVersion);
    const options = {
      clientId: settings.clientId,
      protocolVersion: v,
      clean: settings.clean,
      keepalive: Number(settings.keepalive),
      reconnectPeriod: settings.reconnect ? 1000 : 0,
    };
    if (settings.username) options.username = settings.username;
    if (settings.password) options.password = settings.password;
    if (settings.will?.topic) options.will = { ...settings.will };
    if (v === 5 && settings.sessionExpiry) options.properties = { sessionExpiryInterval: Number(settings.sessionExpiry) };
    lab.addClient(this.label, options, { latency: 30 }, {
      role: 'you', description: 'driven by you', handler: (e) => this.#event(e),
    });
  }

  get where() {
    return 'in this page';
  }

  connect() {
    this.setState('connecting', '');
    this.lab.sim.connect(this.label);
  }

  #event(e) {
    switch (e.event) {
      case 'connect': this.setState('connected', ''); break;
      case 'connectionLost': this.setState('offline', `Connection lost: ${e.error}`); break;
      case 'offline': if (this.state !== 'closed') this.setState('offline'); break;
      case 'reconnecting': this.setState('reconnecting', `Trying again (attempt ${e.attempt})…`); break;
      case 'close': if (this.state !== 'closed') this.setState('closed', this.why || 'Closed.'); break;
      case 'error': this.setState(this.state, e.error); break;
      case 'subscribeComplete': {
        const s = this.subscriptions.find((x) => x.token === e.token);
        if (s) this.granted(s, e.granted[0]);
        break;
      }
      case 'message':
        this.deliver({
          topic: e.topic,
          payload: toBytes(e.payload),
          qos: e.qos,
          retain: e.retain,
          dup: e.dup,
          properties: e.properties,
          bytes: e.bytes,
          protocolVersion: e.protocolVersion ?? Number(this.settings.protocolVersion),
        });
        break;
      default:
    }
  }

  subscribe(sub) {
    const s = this.newSubscription(sub);
    const opts = { qos: sub.qos };
    if (this.v5) Object.assign(opts, { nl: sub.nl, rap: sub.rap, rh: sub.rh });
    s.token = this.lab.sim.subscribe(this.label, { [sub.filter]: opts });
    return Promise.resolve();
  }

  unsubscribe(filter) {
    this.subscriptions = this.subscriptions.filter((s) => s.filter !== filter);
    this.lab.sim.unsubscribe(this.label, filter);
    this.changed();
    return Promise.resolve();
  }

  publish(topic, payload, opts) {
    this.lab.sim.publish(this.label, topic, payload, opts);
    return Promise.resolve();
  }

  end() {
    this.lab.sim.disconnect(this.label);
    this.setState('closed', 'You disconnected.');
  }
}

/** A WebSocket connection to a real broker, through lib/mqtt.js. */
export class RemoteConnection extends Connection {
  kind = 'remote';
  client = null;

  get where() {
    return this.settings.url;
  }

  async connect() {
    const s = this.settings;
    const problem = checkUrl(s.url);
    if (problem.error) {
      this.setState('closed', problem.error);
      return;
    }
    this.setState('connecting', '');
    let mqtt;
    try {
      mqtt = await import('../lib/mqtt.js');
    } catch (e) {
      this.setState('closed', `The WebSocket MQTT client (lib/mqtt.js) could not be loaded: ${e.message}`);
      return;
    }
    const v = Number(s.protocolVersion);
    const options = {
      clientId: s.clientId,
      protocolVersion: v,
      clean: s.clean,
      keepalive: Number(s.keepalive),
      reconnectPeriod: s.reconnect ? 2000 : 0,
      connectTimeout: 10_000,
      messageBytes: true, // for the inspector
      // The WebSocket in a Worker, which hands the page its messages in
      // batches: a broker that sends each packet as a WebSocket message of its
      // own (mosquitto) would otherwise fill the page's thread at a few
      // thousand messages a second (BENCHMARKS.md, "The page under a flood").
      transport: 'worker',
    };
    if (s.username) options.username = s.username;
    if (s.password) options.password = s.password;
    if (s.will?.topic) options.will = { ...s.will };
    if (v === 5 && s.sessionExpiry) options.properties = { sessionExpiryInterval: Number(s.sessionExpiry) };
    let client;
    try {
      client = mqtt.connect(s.url, options);
    } catch (e) {
      this.setState('closed', humanError(e));
      return;
    }
    this.client = client;
    client.on('connect', () => {
      this.setState('connected', '');
      // Subscriptions made before a reconnect without a session are sent again.
      for (const sub of this.subscriptions) if (sub.state === 'pending') this.#sendSubscribe(sub);
    });
    client.on('reconnect', () => this.setState('reconnecting', this.why));
    client.on('offline', () => { if (this.state !== 'closed') this.setState('offline', this.why); });
    client.on('close', () => {
      if (this.state === 'closed') return;
      this.setState(s.reconnect && !this.ended ? 'reconnecting' : 'closed', this.why || 'The connection closed.');
    });
    client.on('error', (err) => this.setState(this.state, humanError(err)));
    client.on('message', (topic, payload, packet, bytes) => {
      // Copies of their own: the views share a buffer with the whole batch received.
      const own = bytes ? bytes.slice() : null;
      this.deliver({
        topic,
        payload: own ? own.subarray(own.length - payload.length) : toBytes(payload).slice(),
        qos: packet?.qos ?? 0,
        retain: !!packet?.retain,
        dup: !!packet?.dup,
        properties: packet?.properties,
        bytes: own,
        protocolVersion: v,
      });
    });
  }

  async #sendSubscribe(s) {
    if (!this.client || this.state !== 'connected') return;
    const opts = { qos: s.qos };
    if (this.v5) Object.assign(opts, { nl: s.nl, rap: s.rap, rh: s.rh });
    try {
      const granted = await this.client.subscribe(s.filter, opts);
      const g = Array.isArray(granted) ? granted[0] : undefined;
      const code = typeof g === 'number' ? g : g?.qos ?? g?.reasonCode ?? s.qos;
      this.granted(s, code);
    } catch (e) {
      s.state = 'refused';
      s.why = humanError(e);
      this.changed();
    }
  }

  subscribe(sub) {
    const s = this.newSubscription(sub);
    return this.#sendSubscribe(s);
  }

  async unsubscribe(filter) {
    this.subscriptions = this.subscriptions.filter((s) => s.filter !== filter);
    this.changed();
    if (this.client && this.state === 'connected') await this.client.unsubscribe(filter);
  }

  publish(topic, payload, opts) {
    if (!this.client) return Promise.reject(new Error('Not connected.'));
    return this.client.publish(topic, payload, opts);
  }

  end() {
    this.ended = true;
    Promise.resolve(this.client?.end?.()).catch(() => {});
    this.setState('closed', 'You disconnected.');
  }
}

/** An error as a sentence for the person looking at the page. */
export function humanError(err) {
  const msg = err?.message || String(err);
  if (err?.reasonCode !== undefined && !/0x[0-9a-f]{2}/i.test(msg)) {
    return `${msg} (reason code 0x${Number(err.reasonCode).toString(16).padStart(2, '0')})`;
  }
  return msg;
}

const STORAGE_KEY = 'mqttlab.connections.v1';

/** The list of connections and which one the forms act on. */
export class ConnectionStore extends EventTarget {
  list = [];
  selected = null;

  add(conn) {
    this.list.push(conn);
    conn.addEventListener('change', () => this.dispatchEvent(new Event('change')));
    this.selected ??= conn;
    this.save();
    this.dispatchEvent(new Event('change'));
    return conn;
  }

  remove(conn) {
    if (conn.state !== 'closed' && conn.state !== 'idle') conn.end();
    this.list = this.list.filter((c) => c !== conn);
    if (this.selected === conn) this.selected = this.list[0] ?? null;
    this.save();
    this.dispatchEvent(new Event('change'));
  }

  select(conn) {
    this.selected = conn;
    this.dispatchEvent(new Event('change'));
  }

  get(id) {
    return this.list.find((c) => c.id === id);
  }

  /** Remembers the remote connections' settings (passwords only when asked). */
  save() {
    try {
      const saved = this.list.filter((c) => c.kind === 'remote').map((c) => storable(c.settings));
      localStorage.setItem(STORAGE_KEY, JSON.stringify(saved));
    } catch {
      // Storage full or disabled: settings are just not remembered.
    }
  }

  static saved() {
    try {
      const v = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]');
      return Array.isArray(v) ? v : [];
    } catch {
      return [];
    }
  }
}

export function rememberForm(settings) {
  try {
    localStorage.setItem('mqttlab.form.v1', JSON.stringify(storable(settings)));
  } catch { /* not remembered */ }
}

export function rememberedForm() {
  try {
    return JSON.parse(localStorage.getItem('mqttlab.form.v1') ?? 'null');
  } catch {
    return null;
  }
}
