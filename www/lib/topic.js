// The topic router for JavaScript callers that route many messages: a broker, the
// page's benchmarks. It wraps the wasm TopicRouter and talks to it through two
// buffers in wasm memory instead of wasm-bindgen's per-call copies: topic names are
// written straight into the router's input buffer, and answers are read from its
// output buffer. A lookup then costs one call into wasm and, for `match`, one array. `matchBatch` and `matchCountBatch` look up a whole batch of topics (say, the
// messages of one chunk of bytes) in a single call.

import { TopicRouter as WasmTopicRouter, checkTopicName, wasmMemory } from '../pkg/mqtt_lab.js';

const encoder = new TextEncoder();

/** A subscription router; clients are numbers (0 to 2^32 - 1). */
export class TopicRouter {
  #router = new WasmTopicRouter();
  #memory = wasmMemory();
  // Views of wasm memory: all of it as words, and the router's input buffer.
  #words = new Uint32Array(0);
  #input = new Uint8Array(0);
  #inputAt = 0;
  #capacity = 0;

  /**
   * Subscribes `clientId` to `filter` with maximum QoS `qos`. Returns true for a new
   * subscription, false when it replaced one. Throws an Error saying why when the
   * filter or the QoS is invalid.
   * @param {number} clientId
   * @param {string} filter
   * @param {0|1|2} [qos]
   */
  subscribe(clientId, filter, qos = 0) {
    return this.#router.subscribe(clientId, filter, qos);
  }

  /** Removes `clientId`'s subscription to exactly `filter`; false if it had none. */
  unsubscribe(clientId, filter) {
    return this.#router.unsubscribe(clientId, filter);
  }

  /** Removes every subscription of `clientId`; returns how many there were. */
  unsubscribeAll(clientId) {
    return this.#router.unsubscribeAll(clientId);
  }

  /** How many subscriptions there are. */
  get size() {
    return this.#router.size;
  }

  /** How many trie nodes are in use (0 when empty). */
  get nodeCount() {
    return this.#router.nodeCount;
  }

  /**
   * The clients a message to `topic` goes to: each client once for its ordinary
   * subscriptions, then one chosen member per matching shared group. Throws an Error
   * saying why when `topic` is not a valid topic name.
   * @param {string} topic
   * @returns {number[]}
   */
  match(topic) {
    const at = this.#run(topic, 1, true);
    const words = this.#words;
    // A plain array: a typed array of more than 64 bytes costs V8 a separate
    // allocation, more than the rest of a lookup's work in JavaScript.
    // (Sized up front: growing by push costs three times as much.)
    const n = words[at];
    const clients = new Array(n);
    for (let i = 0; i < n; i++) clients[i] = words[at + 1 + i];
    return clients;
  }

  /**
   * How many deliveries a message to `topic` makes (`match(topic).length`), without
   * building an array.
   * @param {string} topic
   * @returns {number}
   */
  matchCount(topic) {
    // (Not `this.#words[this.#run(...)]`: that reads #words before the call
    // that may replace it.)
    const at = this.#run(topic, 1, false);
    return this.#words[at];
  }

  /**
   * `match` for many topics in one call into wasm. Returns one array: for each topic
   * in order, its number of deliveries followed by its clients. Throws an Error
   * naming the first invalid topic, having matched none (so no shared group's turn
   * moves).
   * @param {string[]} topics
   * @returns {Uint32Array}
   */
  matchBatch(topics) {
    if (topics.length === 0) return new Uint32Array(0);
    const at = this.#run(topics, topics.length, true);
    const words = this.#words;
    let end = at;
    for (let i = 0; i < topics.length; i++) end += 1 + words[end];
    return words.slice(at, end);
  }

  /**
   * `matchCount` for many topics in one call into wasm: one count per topic, in
   * order. Throws like `matchBatch`.
   * @param {string[]} topics
   * @returns {Uint32Array}
   */
  matchCountBatch(topics) {
    if (topics.length === 0) return new Uint32Array(0);
    const at = this.#run(topics, topics.length, false);
    return this.#words.slice(at, at + topics.length);
  }

  /** Frees the router's wasm memory; the router is unusable afterwards. */
  free() {
    this.#router.free();
  }

  // Matches `topics` (one name, or an array of `count`); returns where the answers
  // start in #words. Throws an Error saying which topic is invalid, and why.
  #run(topics, count, clients) {
    const text = count === 1 && typeof topics === 'string' ? topics : topics.join('\0');
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (text.length * 3 > this.#capacity) this.#grow(text.length * 3);
    else if (this.#input.byteLength === 0) this.#views();
    const at = this.#router.matchInput(encoder.encodeInto(text, this.#input).written, count, clients);
    if (at < 0) this.#fail(at, typeof topics === 'string' ? [topics] : topics);
    // The call may have grown wasm memory, which detaches the views.
    if (this.#input.byteLength === 0) this.#views();
    return at >>> 2;
  }

  // Makes the input buffer hold at least `most` bytes.
  #grow(most) {
    this.#capacity = Math.max(most, 2 * this.#capacity, 256);
    this.#inputAt = this.#router.inputBuffer(this.#capacity);
    this.#views();
  }

  // Makes the views of wasm memory again (when it grows, the old ones are detached
  // and read as empty).
  #views() {
    const buffer = this.#memory.buffer;
    this.#words = new Uint32Array(buffer);
    this.#input = new Uint8Array(buffer, this.#inputAt, this.#capacity);
  }

  #fail(n, topics) {
    // A name holding U+0000 reads as two, and the router counts one name too many.
    const nul = n === -0x80000000;
    const i = nul ? topics.findIndex((t) => t.includes('\0')) : -1 - n;
    const why = nul ? checkTopicName(topics[i]) : this.#router.inputError();
    throw new Error(topics.length > 1 ? `topic ${i + 1} of the batch: ${why}` : why);
  }
}
