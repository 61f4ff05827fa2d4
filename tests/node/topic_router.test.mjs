// TopicRouter from www/lib/topic.js (topics and answers through buffers in wasm
// memory) against the plain wasm-bindgen TopicRouter and the spec matcher: the same
// answers one topic at a time and in batches, the same errors, and views of wasm
// memory that survive its growth.
import test from 'node:test';
import assert from 'node:assert/strict';
import { lab } from './wasm.mjs';
import { rng } from './gen.mjs';
import { TopicRouter } from '../../www/lib/topic.js';

const LEVELS = ['a', 'b', '', 'é', '$SYS', 'sport', '漢字', 'x y', 'a-rather-long-level-name-of-more-than-forty-bytes'];

function randomTopic(r) {
  const n = r.int(1, 5);
  const parts = [];
  for (let i = 0; i < n; i++) parts.push(r.pick(LEVELS));
  return parts.join('/') || 'a';
}

function randomFilter(r) {
  const n = r.int(1, 5);
  const parts = [];
  for (let i = 0; i < n; i++) parts.push(r.chance(0.3) ? '+' : r.pick(LEVELS));
  if (r.chance(0.3)) parts.push('#');
  return parts.join('/') || '+';
}

const sorted = (a) => Array.from(a).sort((x, y) => x - y);

test('matches like the plain router and the spec matcher, one topic and in batches', () => {
  const r = rng(2024);
  const fast = new TopicRouter();
  const plain = new lab.TopicRouter();
  const subs = [];
  for (let i = 0; i < 400; i++) {
    const client = r.int(0, 60);
    const filter = randomFilter(r);
    const qos = r.int(0, 2);
    assert.equal(fast.subscribe(client, filter, qos), plain.subscribe(client, filter, qos));
    subs.push([client, filter]);
  }
  assert.equal(fast.size, plain.size);
  const topics = Array.from({ length: 300 }, () => randomTopic(r));
  const batch = fast.matchBatch(topics);
  const counts = fast.matchCountBatch(topics);
  let at = 0;
  topics.forEach((t, k) => {
    const want = sorted(new Set(subs.filter(([, f]) => lab.topicMatches(f, t)).map(([c]) => c)));
    assert.deepEqual(sorted(fast.match(t)), want, t);
    assert.deepEqual(sorted(plain.match(t)), want, t);
    assert.equal(fast.matchCount(t), want.length, t);
    const n = batch[at];
    assert.deepEqual(sorted(batch.subarray(at + 1, at + 1 + n)), want, t);
    assert.equal(counts[k], want.length, t);
    at += 1 + n;
  });
  assert.equal(at, batch.length);
  for (const [client, filter] of subs) fast.unsubscribe(client, filter);
  assert.equal(fast.size, 0);
  assert.equal(fast.nodeCount, 0);
  assert.deepEqual(fast.matchBatch([]), new Uint32Array(0));
});

test('refuses invalid topics with the reason, naming the topic of a batch, having matched none', () => {
  const fast = new TopicRouter();
  for (const c of [1, 2, 3]) fast.subscribe(c, '$share/g/jobs/+', 1);
  const turn = () => fast.match('jobs/x')[0];
  const first = turn();
  assert.throws(() => fast.match('a/#'), (e) => e.message === lab.checkTopicName('a/#'));
  assert.throws(() => fast.matchCount(''), (e) => e.message === lab.checkTopicName(''));
  assert.throws(() => fast.match('a\0b'), (e) => e.message === lab.checkTopicName('a\0b'));
  assert.throws(
    () => fast.matchBatch(['jobs/1', 'jobs/2', 'sport/+']),
    (e) => e.message === `topic 3 of the batch: ${lab.checkTopicName('sport/+')}`,
  );
  assert.throws(
    () => fast.matchCountBatch(['jobs/1', 'jo\0bs']),
    (e) => e.message === `topic 2 of the batch: ${lab.checkTopicName('jo\0bs')}`,
  );
  assert.throws(() => fast.matchCountBatch(['jobs/1', '']), /topic 2 of the batch/);
  // The refused calls moved no shared group's turn: the next member follows `first`.
  assert.equal(turn(), (first % 3) + 1);
});

test('keeps working when wasm memory grows, between calls and inside one', () => {
  const fast = new TopicRouter();
  assert.equal(fast.matchCount('t'), 0);
  // 60,000 subscribers to one filter: the answer (240 KB) outgrows the output buffer,
  // and growing it can grow wasm memory in the middle of the call.
  for (let c = 0; c < 60_000; c++) fast.subscribe(c, 't/#', 0);
  const all = fast.match('t/x');
  assert.equal(all.length, 60_000);
  assert.equal(all[59_999], 59_999);
  const batch = fast.matchBatch(['t/1', 'u', 't']);
  assert.deepEqual([batch[0], batch[60_001], batch[60_002]], [60_000, 0, 60_000]);
  // 40 answers of 60,000 clients (9.6 MB) grow wasm memory inside the call.
  const before = lab.wasmMemory().buffer;
  const big = fast.matchBatch(Array(40).fill('t/x'));
  assert.notEqual(lab.wasmMemory().buffer, before, 'memory grew during matchBatch');
  assert.equal(big.length, 40 * 60_001);
  assert.deepEqual([big[0], big[60_000], big[39 * 60_001], big[big.length - 1]], [60_000, 59_999, 60_000, 59_999]);
  // A topic longer than the input buffer so far, with characters of 2 to 4 bytes.
  const long = `t/${'é漢😀'.repeat(5000)}`;
  assert.equal(fast.matchCount(long), 60_000);
  assert.deepEqual(fast.matchCountBatch([long, 'v', long]), new Uint32Array([60_000, 0, 60_000]));
  // Memory grown by other wasm work between two lookups.
  const other = new lab.TopicRouter();
  for (let c = 0; c < 20_000; c++) other.subscribe(c, `grow/${c}/and/grow`, 0);
  assert.equal(fast.matchCount('t/y'), 60_000);
  assert.equal(fast.unsubscribeAll(7), 1);
  assert.equal(fast.match('t/z').length, 59_999);
});
