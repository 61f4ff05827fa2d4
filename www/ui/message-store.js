// Every message the page's connections receive, bounded: the last `perTopic`
// of each topic and the last `total` overall, so a flood (a busy `#`) keeps
// memory and rendering flat. Also the topic tree of everything seen, with
// all-time counts, last value and a retained marker.
//
// Events (one per animation frame at most):
//   'change'  — messages were added, dropped, cleared or the filter changed
//   'topics'  — a topic was first seen (the tree grows)

let nextSeq = 1;

export class MessageStore extends EventTarget {
  constructor({ perTopic = 100, total = 5000 } = {}) {
    super();
    this.perTopic = perTopic;
    this.total = total;
    this.paused = false;
    this.skipped = 0; // arrived while paused
    this.received = 0; // all time
    this.topicFilter = '';
    this.search = '';
    this.list = []; // oldest first; may hold dropped entries until compacted
    this.live = 0;
    this.topics = new Map(); // topic -> { topic, count, last, retained, history: [] }
    this.root = { name: '', path: '', children: new Map(), stats: null, total: 0 };
    this.#dirty = false;
    this.#newTopics = false;
  }

  #dirty;
  #newTopics;
  #frame = 0;
  #view = null;

  /**
   * Adds a message: { conn, connName, topic, payload: Uint8Array, qos, retain,
   * dup, properties, bytes?, packet?, protocolVersion, time, colour }.
   */
  add(m) {
    m.seq = nextSeq++;
    m.time ??= Date.now();
    this.received++;
    let t = this.topics.get(m.topic);
    if (!t) {
      t = { topic: m.topic, count: 0, last: null, retained: false, history: [] };
      this.topics.set(m.topic, t);
      this.#insertTopic(m.topic, t);
      this.#newTopics = true;
    }
    t.count++;
    t.last = m;
    if (m.retain) t.retained = true;
    for (let n = t.node; n; n = n.parent) n.total++;
    t.history.push(m);
    if (t.history.length > this.perTopic) this.#drop(t.history.shift());
    if (this.paused) {
      this.skipped++;
    } else {
      m.inList = true;
      this.list.push(m);
      this.live++;
      // The bound holds even when no frame comes to trim (a page too busy to draw).
      if (this.list.length >= 2 * this.total) this.#trim();
    }
    this.#changed();
  }

  /** The messages the list shows (filter and search applied), oldest first. */
  view() {
    if (this.#view) return this.#view;
    this.#trim();
    const f = this.topicFilter.toLowerCase();
    const s = this.search.toLowerCase();
    let v = this.list;
    if (f || s) {
      v = v.filter((m) => (!f || m.topic.toLowerCase().includes(f)) && (!s || searchText(m).includes(s)));
    }
    this.#view = v;
    return v;
  }

  setFilter(topicFilter, search) {
    this.topicFilter = topicFilter;
    this.search = search;
    this.#view = null;
    this.#changed();
  }

  setPaused(paused) {
    this.paused = paused;
    if (!paused) this.skipped = 0;
    this.#changed();
  }

  setPerTopic(n) {
    this.perTopic = Math.max(1, n | 0);
    for (const t of this.topics.values()) {
      while (t.history.length > this.perTopic) this.#drop(t.history.shift());
    }
    this.#changed();
  }

  clear() {
    for (const m of this.list) m.dropped = true;
    this.list = [];
    this.live = 0;
    this.#holes = 0;
    for (const t of this.topics.values()) t.history = [];
    this.#changed();
  }

  /** The tree node for `path` ('' is the root). */
  node(path) {
    let n = this.root;
    if (!path) return n;
    for (const level of path.split('/')) {
      n = n.children.get(level);
      if (!n) return undefined;
    }
    return n;
  }

  #insertTopic(topic, stats) {
    let n = this.root;
    let path = '';
    for (const level of topic.split('/')) {
      path = n === this.root ? level : `${path}/${level}`;
      let c = n.children.get(level);
      if (!c) {
        c = { name: level, path, children: new Map(), stats: null, total: 0, parent: n };
        n.children.set(level, c);
      }
      n = c;
    }
    n.stats = stats;
    stats.node = n;
  }

  #drop(m) {
    if (!m || m.dropped) return;
    m.dropped = true;
    if (m.inList) {
      this.live--;
      this.#holes++;
    }
  }

  #holes = 0; // dropped messages still in the list

  /**
   * Compacts the list and applies the overall bound (once per frame at most).
   * What falls out of the list leaves its topic's history too, where it is
   * among the oldest: a flood costs a slice per frame, not a search per message.
   */
  #trim() {
    if (this.list.length === this.live && this.live <= this.total) return;
    let kept = this.#holes ? this.list.filter((m) => !m.dropped) : this.list;
    this.#holes = 0;
    if (kept.length > this.total) {
      const gone = kept.slice(0, kept.length - this.total);
      kept = kept.slice(-this.total);
      const touched = new Set();
      for (const m of gone) {
        m.dropped = true;
        touched.add(this.topics.get(m.topic));
      }
      for (const t of touched) {
        if (!t) continue;
        let i = 0;
        while (i < t.history.length && t.history[i].dropped) i++;
        if (i) t.history.splice(0, i);
        // Messages that arrived while paused are in the history, not the list.
        if (t.history.some((x) => x.dropped)) t.history = t.history.filter((x) => !x.dropped);
      }
    }
    this.list = kept;
    this.live = kept.length;
  }

  #changed() {
    this.#view = null;
    this.#dirty = true;
    if (this.#frame) return;
    const fire = () => {
      this.#frame = 0;
      this.#trim();
      if (this.#newTopics) {
        this.#newTopics = false;
        this.dispatchEvent(new Event('topics'));
      }
      if (this.#dirty) {
        this.#dirty = false;
        this.dispatchEvent(new Event('change'));
      }
    };
    // requestAnimationFrame stops in a hidden tab; a timer keeps the bounds applied there.
    this.#frame = document.visibilityState === 'visible' ? requestAnimationFrame(fire) : setTimeout(fire, 200);
  }
}

const decoder = new TextDecoder();
function searchText(m) {
  m.searchText ??= decoder.decode(m.payload.subarray(0, 4096)).toLowerCase();
  return m.searchText;
}
