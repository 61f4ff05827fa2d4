// Scenarios: a plain JSON description of a simulated setup (clients with their
// options and links, their subscriptions, and steps at given times: publishes,
// subscriptions, connects, faults), which lessons are built from and which a
// teacher can share as a link (`#scenario=<base64url of the JSON>`).
//
// This module has no DOM and no wasm: it validates and encodes. Validation is
// strict because a scenario may come from a link anyone can write: every field
// is checked for its type and range, unknown fields are refused, and the
// result is a new object holding only checked values. Topic names and filters
// are checked by the functions passed in `checks` (the wasm topic layer's
// `checkTopicName` / `checkTopicFilter`), so the rules are MQTT's own.
//
// {
//   "title": "Retained messages",
//   "seed": 4,
//   "clients": [
//     { "id": "sensor", "version": 5, "link": { "latency": 400 },
//       "will": { "topic": "home/sensor/status", "payload": "offline", "qos": 1, "retain": true } },
//     { "id": "display", "subscribe": ["home/#", { "filter": "alerts/+", "qos": 1 }] },
//     { "id": "late", "connect": false }
//   ],
//   "steps": [
//     { "at": 1000, "do": "publish", "client": "sensor", "topic": "home/temp", "payload": "21.5", "retain": true,
//       "note": "The sensor publishes a retained reading." },
//     { "at": 3000, "do": "connect", "client": "late" },
//     { "at": 3000, "do": "subscribe", "client": "late", "filter": "home/#" },
//     { "at": 5000, "do": "cutLink", "client": "sensor" }
//   ]
// }

/** The version of the format; a link carries it so a later format can read older links. */
export const SCENARIO_FORMAT = 1;

/** Limits that keep a scenario from a link small enough for a page to play. */
export const LIMITS = Object.freeze({
  clients: 12,
  steps: 200,
  subscriptionsPerClient: 8,
  text: 300,
  topic: 200,
  payload: 2000,
  at: 3_600_000,
  latency: 60_000,
  linkChars: 24_000,
});

/** What each step kind takes besides `at`, `do`, `client` and `note`. */
const STEP_FIELDS = {
  publish: ['topic', 'payload', 'qos', 'retain', 'expiry', 'responseTopic', 'correlationData', 'contentType'],
  subscribe: ['filter', 'qos', 'nl', 'rap', 'rh'],
  unsubscribe: ['filter'],
  connect: [],
  disconnect: [],
  cutLink: [],
  loseNext: ['direction', 'count'],
  dropNext: ['direction', 'count'],
  delay: ['ms'],
  setLink: ['latency', 'loss', 'duplicate', 'up'],
  partition: [],
  heal: [],
  restartBroker: ['keepSessions'],
  note: [],
};

/** Step kinds that act on no client. */
const BROKER_STEPS = new Set(['restartBroker', 'note']);

/** The step kinds, for editors and documentation. */
export const STEP_KINDS = Object.freeze(Object.keys(STEP_FIELDS));

const CLIENT_FIELDS = ['id', 'role', 'version', 'clean', 'sessionExpiry', 'keepalive', 'reconnect',
  'will', 'link', 'connect', 'subscribe', 'reply'];
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

class Invalid extends Error {}

/** Describes a value for an error message without echoing much of it. */
function kindOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return v.length > 24 ? 'a long text' : `the text ${JSON.stringify(v)}`;
  if (typeof v === 'number') return `the number ${v}`;
  return `${typeof v === 'object' ? 'an object' : `a ${typeof v}`}`;
}

/**
 * Reads one object, field by field. `where` names it in messages
 * ("clients[1].link"). Every accessor throws `Invalid` with a plain sentence.
 */
class Reader {
  constructor(value, where, allowed) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new Invalid(`${where} must be an object, not ${kindOf(value)}.`);
    }
    for (const k of Object.keys(value)) {
      if (!allowed.includes(k)) {
        const shown = k.length > 30 ? `${k.slice(0, 30)}…` : k;
        throw new Invalid(`${where} has an unknown field "${shown}" (allowed: ${allowed.join(', ')}).`);
      }
    }
    this.v = value;
    this.where = where;
  }

  has(k) {
    return this.v[k] !== undefined && this.v[k] !== null;
  }

  name(k) {
    return `${this.where}.${k}`;
  }

  str(k, { required = false, max = LIMITS.text, min = 0, def } = {}) {
    if (!this.has(k)) {
      if (required) throw new Invalid(`${this.name(k)} is missing.`);
      return def;
    }
    const s = this.v[k];
    if (typeof s !== 'string') throw new Invalid(`${this.name(k)} must be text, not ${kindOf(s)}.`);
    if (s.length > max) throw new Invalid(`${this.name(k)} is too long (${s.length} characters; at most ${max}).`);
    if (s.length < min) throw new Invalid(`${this.name(k)} must not be empty.`);
    return s;
  }

  int(k, { min = 0, max, def, required = false } = {}) {
    if (!this.has(k)) {
      if (required) throw new Invalid(`${this.name(k)} is missing.`);
      return def;
    }
    const n = this.v[k];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      throw new Invalid(`${this.name(k)} must be a whole number from ${min} to ${max}, not ${kindOf(n)}.`);
    }
    return n;
  }

  frac(k, { def } = {}) {
    if (!this.has(k)) return def;
    const n = this.v[k];
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 1) {
      throw new Invalid(`${this.name(k)} must be a number from 0 to 1, not ${kindOf(n)}.`);
    }
    return n;
  }

  bool(k, { def } = {}) {
    if (!this.has(k)) return def;
    const b = this.v[k];
    if (typeof b !== 'boolean') throw new Invalid(`${this.name(k)} must be true or false, not ${kindOf(b)}.`);
    return b;
  }

  oneOf(k, values, { def, required = false } = {}) {
    if (!this.has(k)) {
      if (required) throw new Invalid(`${this.name(k)} is missing.`);
      return def;
    }
    const v = this.v[k];
    if (!values.includes(v)) {
      throw new Invalid(`${this.name(k)} must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}, not ${kindOf(v)}.`);
    }
    return v;
  }

  list(k, max) {
    if (!this.has(k)) return [];
    const a = this.v[k];
    if (!Array.isArray(a)) throw new Invalid(`${this.name(k)} must be a list, not ${kindOf(a)}.`);
    if (a.length > max) throw new Invalid(`${this.name(k)} has ${a.length} entries; at most ${max}.`);
    return a;
  }
}

function topicName(r, k, checks, { required = true } = {}) {
  const t = r.str(k, { required, max: LIMITS.topic });
  if (t === undefined) return undefined;
  const why = checks.checkTopicName?.(t);
  if (why) throw new Invalid(`${r.name(k)} "${t}" is not a valid topic name: ${why}`);
  return t;
}

function topicFilter(r, k, checks) {
  const f = r.str(k, { required: true, max: LIMITS.topic });
  const why = checks.checkTopicFilter?.(f);
  if (why) throw new Invalid(`${r.name(k)} "${f}" is not a valid topic filter: ${why}`);
  return f;
}

function subscription(value, where, checks) {
  if (typeof value === 'string') value = { filter: value };
  const r = new Reader(value, where, ['filter', 'qos', 'nl', 'rap', 'rh']);
  const s = { filter: topicFilter(r, 'filter', checks), qos: r.int('qos', { max: 2, def: 0 }) };
  const nl = r.bool('nl');
  const rap = r.bool('rap');
  const rh = r.int('rh', { max: 2 });
  if (nl !== undefined) s.nl = nl;
  if (rap !== undefined) s.rap = rap;
  if (rh !== undefined) s.rh = rh;
  if (s.nl && s.filter.startsWith('$share/')) {
    throw new Invalid(`${where}: No Local cannot be used on a shared subscription.`);
  }
  return s;
}

function link(value, where, { partial = false } = {}) {
  const r = new Reader(value, where, ['latency', 'loss', 'duplicate', 'up']);
  const l = {
    latency: r.int('latency', { max: LIMITS.latency, def: partial ? undefined : 300 }),
    loss: r.frac('loss', { def: partial ? undefined : 0 }),
    duplicate: r.frac('duplicate', { def: partial ? undefined : 0 }),
    up: r.bool('up', { def: partial ? undefined : true }),
  };
  for (const k of Object.keys(l)) if (l[k] === undefined) delete l[k];
  return l;
}

function client(value, i, checks) {
  const where = `clients[${i}]`;
  const r = new Reader(value, where, CLIENT_FIELDS);
  const id = r.str('id', { required: true, max: 32, min: 1 });
  if (!ID_RE.test(id)) {
    throw new Invalid(`${where}.id "${id}" must start with a letter or digit and use only letters, digits, '_', '.' and '-' (at most 32).`);
  }
  const c = {
    id,
    role: r.str('role', { max: 80, def: '' }),
    version: r.oneOf('version', [4, 5], { def: 5 }),
    clean: r.bool('clean', { def: true }),
    sessionExpiry: r.int('sessionExpiry', { max: 4294967295, def: 0 }),
    keepalive: r.int('keepalive', { max: 65535, def: 60 }),
    reconnect: r.bool('reconnect', { def: true }),
    connect: r.bool('connect', { def: true }),
    link: r.has('link') ? link(r.v.link, `${where}.link`) : link({}, `${where}.link`),
    subscribe: r.list('subscribe', LIMITS.subscriptionsPerClient)
      .map((s, j) => subscription(s, `${where}.subscribe[${j}]`, checks)),
  };
  if (r.has('will')) {
    const w = new Reader(r.v.will, `${where}.will`, ['topic', 'payload', 'qos', 'retain']);
    c.will = {
      topic: topicName(w, 'topic', checks),
      payload: w.str('payload', { max: LIMITS.payload, def: '' }),
      qos: w.int('qos', { max: 2, def: 0 }),
      retain: w.bool('retain', { def: false }),
    };
  }
  if (r.has('reply')) {
    c.reply = r.str('reply', { max: LIMITS.payload });
    if (c.version !== 5) throw new Invalid(`${where}.reply needs MQTT 5 (version 5): response topics are a 5.0 feature.`);
  }
  if (c.version === 4 && c.sessionExpiry) {
    throw new Invalid(`${where}.sessionExpiry is an MQTT 5 setting; with version 4 use "clean": false for a persistent session.`);
  }
  return c;
}

function step(value, i, ids, checks) {
  const where = `steps[${i}]`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Invalid(`${where} must be an object, not ${kindOf(value)}.`);
  }
  const kind = value.do;
  if (!Object.hasOwn(STEP_FIELDS, kind)) {
    throw new Invalid(`${where}.do must be one of ${STEP_KINDS.join(', ')}, not ${kindOf(kind)}.`);
  }
  const r = new Reader(value, where, ['at', 'do', 'client', 'note', ...STEP_FIELDS[kind]]);
  const s = { at: r.int('at', { max: LIMITS.at, def: 0 }), do: kind };
  const note = r.str('note', { max: LIMITS.text });
  if (note !== undefined) s.note = note;
  if (BROKER_STEPS.has(kind)) {
    if (r.has('client')) throw new Invalid(`${where}: "${kind}" acts on the broker and takes no client.`);
  } else {
    s.client = r.str('client', { required: true, max: 32 });
    if (!ids.has(s.client)) throw new Invalid(`${where}.client "${s.client}" is not one of the clients (${[...ids.keys()].join(', ')}).`);
  }
  const version = ids.get(s.client);
  switch (kind) {
    case 'publish': {
      s.topic = topicName(r, 'topic', checks);
      s.payload = r.str('payload', { max: LIMITS.payload, def: '' });
      s.qos = r.int('qos', { max: 2, def: 0 });
      s.retain = r.bool('retain', { def: false });
      const v5 = {
        expiry: r.int('expiry', { max: 4294967295 }),
        responseTopic: topicName(r, 'responseTopic', checks, { required: false }),
        correlationData: r.str('correlationData', { max: LIMITS.text }),
        contentType: r.str('contentType', { max: LIMITS.text }),
      };
      for (const [k, v] of Object.entries(v5)) {
        if (v === undefined) continue;
        if (version !== 5) throw new Invalid(`${where}.${k} is an MQTT 5 property; client "${s.client}" speaks 3.1.1.`);
        s[k] = v;
      }
      break;
    }
    case 'subscribe':
      Object.assign(s, subscription(Object.fromEntries(
        ['filter', 'qos', 'nl', 'rap', 'rh'].filter((k) => r.has(k)).map((k) => [k, r.v[k]]),
      ), where, checks));
      break;
    case 'unsubscribe':
      s.filter = topicFilter(r, 'filter', checks);
      break;
    case 'loseNext':
    case 'dropNext':
      s.direction = r.oneOf('direction', ['toBroker', 'toClient'], { required: true });
      s.count = r.int('count', { min: 1, max: 100, def: 1 });
      break;
    case 'delay':
      s.ms = r.int('ms', { min: 1, max: LIMITS.latency, required: true });
      break;
    case 'setLink':
      Object.assign(s, link(Object.fromEntries(
        ['latency', 'loss', 'duplicate', 'up'].filter((k) => r.has(k)).map((k) => [k, r.v[k]]),
      ), where, { partial: true }));
      break;
    case 'restartBroker':
      s.keepSessions = r.bool('keepSessions', { def: true });
      break;
    default:
  }
  if (kind === 'note' && s.note === undefined) throw new Invalid(`${where}: a "note" step needs its note.`);
  return s;
}

/**
 * Checks a scenario (an object already parsed from JSON). Returns
 * `{ ok: true, scenario }` with a clean copy holding every default, or
 * `{ ok: false, error }` with one sentence saying what is wrong and where.
 * Never throws.
 */
export function validateScenario(value, checks = {}) {
  try {
    const r = new Reader(value, 'the scenario', ['format', 'title', 'seed', 'clients', 'steps']);
    const format = r.int('format', { min: 1, max: 1000, def: SCENARIO_FORMAT });
    if (format !== SCENARIO_FORMAT) {
      throw new Invalid(`the scenario is in format ${format}; this page reads format ${SCENARIO_FORMAT}.`);
    }
    const clients = r.list('clients', LIMITS.clients).map((c, i) => client(c, i, checks));
    if (clients.length === 0) throw new Invalid('the scenario needs at least one client in "clients".');
    const ids = new Map();
    for (const c of clients) {
      if (ids.has(c.id)) throw new Invalid(`two clients are called "${c.id}"; each needs its own id.`);
      ids.set(c.id, c.version);
    }
    const steps = r.list('steps', LIMITS.steps).map((s, i) => step(s, i, ids, checks));
    // A stable sort: steps at the same time keep their written order.
    steps.sort((a, b) => a.at - b.at);
    return {
      ok: true,
      scenario: {
        format,
        title: r.str('title', { max: 120, def: '' }),
        seed: r.int('seed', { max: 2 ** 31 - 1, def: 1 }),
        clients,
        steps,
      },
    };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: e.message };
    return { ok: false, error: `the scenario could not be read (${e?.message ?? e}).` };
  }
}

/** Parses JSON text and validates it; never throws. */
export function parseScenario(text, checks = {}) {
  if (typeof text !== 'string') return { ok: false, error: 'the scenario must be JSON text.' };
  if (text.length > LIMITS.linkChars) {
    return { ok: false, error: `the scenario is too long (${text.length} characters; at most ${LIMITS.linkChars}).` };
  }
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `the scenario is not valid JSON: ${e.message}` };
  }
  return validateScenario(value, checks);
}

// ---- links -------------------------------------------------------------------

function toBase64Url(bytes) {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Invalid('the link is damaged: it holds characters that base64url does not use.');
  if (text.length % 4 === 1) throw new Invalid('the link is damaged: it was cut short.');
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const bin = atob(b64);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** A scenario as the base64url text of its JSON, for a link. */
export function encodeScenario(scenario) {
  return toBase64Url(new TextEncoder().encode(JSON.stringify(scenario)));
}

/** The hash part of a link that opens `scenario`: `#scenario=...`. */
export function scenarioHash(scenario) {
  return `#scenario=${encodeScenario(scenario)}`;
}

/** Whether a location hash asks for a scenario. */
export function isScenarioHash(hash) {
  return typeof hash === 'string' && hash.startsWith('#scenario=');
}

/**
 * Reads `#scenario=...` (or just the code). Returns `{ ok, scenario }` or
 * `{ ok: false, error }`; never throws, whatever the text.
 */
export function decodeScenarioHash(hash, checks = {}) {
  const code = String(hash ?? '').replace(/^#?scenario=/, '');
  if (!code) return { ok: false, error: 'the link holds no scenario after "#scenario=".' };
  if (code.length > LIMITS.linkChars) {
    return { ok: false, error: `the link is too long (${code.length} characters; at most ${LIMITS.linkChars}).` };
  }
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(fromBase64Url(code));
  } catch (e) {
    return { ok: false, error: e instanceof Invalid ? e.message : 'the link is damaged: its scenario is not UTF-8 text.' };
  }
  return parseScenario(text, checks);
}

/**
 * The scenario as it would be written by hand: defaults left out, so a link
 * and the editor stay short.
 */
export function compactScenario(s) {
  const clientDefaults = { role: '', version: 5, clean: true, sessionExpiry: 0, keepalive: 60, reconnect: true, connect: true };
  const linkDefaults = { latency: 300, loss: 0, duplicate: 0, up: true };
  const out = { format: s.format ?? SCENARIO_FORMAT };
  if (s.title) out.title = s.title;
  out.seed = s.seed;
  out.clients = s.clients.map((c) => {
    const o = { id: c.id };
    for (const [k, d] of Object.entries(clientDefaults)) if (c[k] !== undefined && c[k] !== d) o[k] = c[k];
    const l = {};
    for (const [k, d] of Object.entries(linkDefaults)) if (c.link?.[k] !== undefined && c.link[k] !== d) l[k] = c.link[k];
    if (Object.keys(l).length) o.link = l;
    if (c.will) o.will = c.will;
    if (c.subscribe?.length) o.subscribe = c.subscribe.map((x) => (Object.keys(x).length === 2 && x.qos === 0 ? x.filter : x));
    if (c.reply !== undefined) o.reply = c.reply;
    return o;
  });
  out.steps = s.steps.map((x) => {
    const o = {};
    for (const [k, v] of Object.entries(x)) {
      if (v === undefined) continue;
      if ((k === 'qos' && v === 0) || (k === 'retain' && v === false) || (k === 'payload' && v === '')) continue;
      if (k === 'count' && v === 1) continue;
      o[k] = v;
    }
    return o;
  });
  return out;
}
