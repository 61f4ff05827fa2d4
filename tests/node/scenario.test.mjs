// Scenarios: the validator refuses what is wrong with a sentence that says
// where, the link encoding round-trips any text, every lesson's scenario is
// valid, and the runner plays a scenario on a simulation at its virtual times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lab as pkg } from './wasm.mjs';
import {
  validateScenario, parseScenario, encodeScenario, decodeScenarioHash, scenarioHash, compactScenario, LIMITS,
} from '../../www/ui/scenario.js';
import { ScenarioPlayer, virtualTimers, describeStep } from '../../www/ui/scenario-runner.js';
import { LESSONS } from '../../www/ui/lessons-content.js';
import { InPageLab } from '../../www/ui/inpage.js';
import { InPageBroker } from '../../www/lib/broker.js';

const checks = { checkTopicName: pkg.checkTopicName, checkTopicFilter: pkg.checkTopicFilter };
const ok = (s) => {
  const r = validateScenario(s, checks);
  assert.equal(r.error, undefined);
  return r.scenario;
};
const bad = (s, re) => {
  const r = validateScenario(s, checks);
  assert.equal(r.ok, false, `refused: ${JSON.stringify(s).slice(0, 80)}`);
  assert.match(r.error, re);
};

test('a minimal scenario gets every default', () => {
  const s = ok({ clients: [{ id: 'a' }] });
  assert.deepEqual(s, {
    format: 1, title: '', seed: 1, steps: [],
    clients: [{
      id: 'a', role: '', version: 5, clean: true, sessionExpiry: 0, keepalive: 60, reconnect: true, connect: true,
      link: { latency: 300, loss: 0, duplicate: 0, up: true }, subscribe: [],
    }],
  });
});

test('every lesson scenario is valid and survives a link', () => {
  assert.equal(LESSONS.length, 8);
  for (const l of LESSONS) {
    const s = ok(l.scenario);
    const back = decodeScenarioHash(scenarioHash(compactScenario(s)), checks);
    assert.equal(back.error, undefined, l.id);
    assert.deepEqual(back.scenario, s, l.id);
    assert.ok(l.tries.length >= 2, `${l.id} has try-it steps`);
  }
});

test('steps are sorted by time, keeping the written order at one time', () => {
  const s = ok({
    clients: [{ id: 'a' }],
    steps: [
      { at: 500, do: 'note', note: 'second' },
      { at: 100, do: 'note', note: 'first' },
      { at: 500, do: 'note', note: 'third' },
    ],
  });
  assert.deepEqual(s.steps.map((x) => x.note), ['first', 'second', 'third']);
});

test('the validator says what is wrong and where', () => {
  bad(null, /the scenario must be an object, not null/);
  bad([], /the scenario must be an object, not a list/);
  bad({ clients: [] }, /at least one client/);
  bad({ clients: [{ id: 'a' }], extra: 1 }, /unknown field "extra"/);
  bad({ format: 2, clients: [{ id: 'a' }] }, /format 2; this page reads format 1/);
  bad({ clients: [{ id: 'a' }, { id: 'a' }] }, /two clients are called "a"/);
  bad({ clients: [{ id: '' }] }, /clients\[0\]\.id must not be empty/);
  bad({ clients: [{ id: 'a b' }] }, /clients\[0\]\.id "a b" must start with a letter or digit/);
  bad({ clients: [{ id: 'a', version: 3 }] }, /clients\[0\]\.version must be one of 4, 5, not the number 3/);
  bad({ clients: [{ id: 'a', keepalive: -1 }] }, /keepalive must be a whole number from 0 to 65535/);
  bad({ clients: [{ id: 'a', keepalive: 1.5 }] }, /keepalive must be a whole number/);
  bad({ clients: [{ id: 'a', link: { loss: 2 } }] }, /clients\[0\]\.link\.loss must be a number from 0 to 1/);
  bad({ clients: [{ id: 'a', link: { latency: '5' } }] }, /link\.latency must be a whole number from 0 to 60000, not the text "5"/);
  bad({ clients: [{ id: 'a', clean: 'no' }] }, /clean must be true or false/);
  bad({ clients: [{ id: 'a', subscribe: ['a/#/b'] }] }, /subscribe\[0\]\.filter "a\/#\/b" is not a valid topic filter: '#' must be the last level/);
  bad({ clients: [{ id: 'a', subscribe: [{ filter: '$share/g/x', nl: true }] }] }, /No Local cannot be used on a shared subscription/);
  bad({ clients: [{ id: 'a', will: { topic: 'x/#' } }] }, /will\.topic "x\/#" is not a valid topic name/);
  bad({ clients: [{ id: 'a', version: 4, sessionExpiry: 10 }] }, /sessionExpiry is an MQTT 5 setting/);
  bad({ clients: [{ id: 'a', version: 4, reply: 'x' }] }, /reply needs MQTT 5/);
  bad({ clients: [{ id: 'a' }], steps: {} }, /steps must be a list, not an object/);
  bad({ clients: [{ id: 'a' }], steps: [5] }, /steps\[0\] must be an object, not the number 5/);
  bad({ clients: [{ id: 'a' }], steps: [{ do: 'fly', client: 'a' }] }, /steps\[0\]\.do must be one of publish, subscribe/);
  bad({ clients: [{ id: 'a' }], steps: [{ do: 'publish', client: 'b', topic: 't' }] }, /steps\[0\]\.client "b" is not one of the clients \(a\)/);
  bad({ clients: [{ id: 'a' }], steps: [{ do: 'publish', client: 'a' }] }, /steps\[0\]\.topic is missing/);
  bad({ clients: [{ id: 'a' }], steps: [{ do: 'publish', client: 'a', topic: 't', qos: 3 }] }, /steps\[0\]\.qos must be a whole number from 0 to 2/);
  bad({ clients: [{ id: 'a' }], steps: [{ do: 'publish', client: 'a', topic: 't', filter: 'x' }] }, /unknown field "filter"/);
  bad({ clients: [{ id: 'a', version: 4 }], steps: [{ do: 'publish', client: 'a', topic: 't', expiry: 5 }] }, /expiry is an MQTT 5 property; client "a" speaks 3\.1\.1/);
  bad({ clients: [{ id: 'a' }], steps: [{ do: 'loseNext', client: 'a' }] }, /direction is missing/);
  bad({ clients: [{ id: 'a' }], steps: [{ do: 'loseNext', client: 'a', direction: 'up' }] }, /direction must be one of "toBroker", "toClient"/);
  bad({ clients: [{ id: 'a' }], steps: [{ do: 'restartBroker', client: 'a' }] }, /acts on the broker and takes no client/);
  bad({ clients: [{ id: 'a' }], steps: [{ do: 'note' }] }, /needs its note/);
  bad({ clients: [{ id: 'a' }], steps: [{ at: -5, do: 'note', note: 'x' }] }, /steps\[0\]\.at must be a whole number from 0/);
  bad({ clients: Array.from({ length: LIMITS.clients + 1 }, (_, i) => ({ id: `c${i}` })) }, /at most 12/);
  bad({ title: 'x'.repeat(121), clients: [{ id: 'a' }] }, /title is too long \(121 characters; at most 120\)/);
});

test('JSON text and links are refused with a message, never an exception', () => {
  assert.match(parseScenario('{').error, /not valid JSON/);
  assert.match(parseScenario(42).error, /must be JSON text/);
  assert.match(parseScenario('x'.repeat(LIMITS.linkChars + 1)).error, /too long/);
  assert.match(decodeScenarioHash('#scenario=').error, /holds no scenario/);
  assert.match(decodeScenarioHash('#scenario=abc$').error, /damaged: it holds characters/);
  assert.match(decodeScenarioHash('#scenario=a').error, /damaged: it was cut short/);
  assert.match(decodeScenarioHash(`#scenario=${Buffer.from([0xff, 0xfe, 0x00]).toString('base64url')}`).error, /not UTF-8/);
  assert.match(decodeScenarioHash(`#scenario=${Buffer.from('[1,2]').toString('base64url')}`).error, /must be an object, not a list/);
  // Random bytes never throw.
  for (let i = 0; i < 300; i++) {
    const bytes = Buffer.from(Array.from({ length: 1 + (i % 40) }, (_, j) => (i * 31 + j * 7) % 256));
    const r = decodeScenarioHash(`#scenario=${bytes.toString('base64url')}`, checks);
    assert.equal(r.ok, false);
    assert.equal(typeof r.error, 'string');
  }
});

test('the link encoding round-trips any text, in URL-safe characters', () => {
  const s = ok({
    title: 'ünïcødé ✓ <b>&"\'',
    clients: [{ id: 'a', role: '日本語 🙂' }],
    steps: [{ at: 1, do: 'publish', client: 'a', topic: 'x/ü', payload: '\u{1F600}'.repeat(10), correlationData: 'a+b/c=d' }],
  });
  const code = encodeScenario(s);
  assert.match(code, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeScenarioHash(`#scenario=${code}`, checks).scenario, s);
  assert.deepEqual(decodeScenarioHash(code, checks).scenario, s);
});

test('describeStep says what a step does in words', () => {
  assert.equal(describeStep({ do: 'publish', client: 'a', topic: 't', payload: 'p', qos: 1, retain: true }), 'a publishes "p" to t (QoS 1, retained)');
  assert.equal(describeStep({ do: 'loseNext', client: 'a', direction: 'toClient', count: 1 }), 'the next packet from the broker to a will be lost (the connection breaks)');
});

/** A lab without a page: the broker's pump is driven by runFor in small steps, as frames would. */
function labFor(seed) {
  const sim = new pkg.Simulation({ seed });
  const broker = new InPageBroker({ simulation: sim });
  return new InPageLab(sim, broker);
}
function run(lab, ms) {
  for (let t = 0; t < ms; t += 50) lab.broker.runFor(50);
}

test('virtual timers fire at their exact virtual time, between the simulation\'s events', () => {
  const sim = new pkg.Simulation({ seed: 1 });
  const t = virtualTimers(sim);
  assert.equal(virtualTimers(sim), t, 'installed once');
  const seen = [];
  t.at(250, () => seen.push(sim.now));
  t.at(100, () => seen.push(sim.now));
  t.at(100, () => seen.push(-sim.now));
  sim.runUntil(1000);
  assert.deepEqual(seen, [100, -100, 250]);
  t.at(1500, () => seen.push(sim.now));
  assert.equal(sim.step(), 1500, 'a step with nothing else pending reaches the timer');
  assert.deepEqual(seen.at(-1), 1500);
});

test('the runner plays the QoS lesson: QoS 0 lost, QoS 1 twice, QoS 2 once', () => {
  const lesson = LESSONS.find((l) => l.id === 'qos');
  const s = ok(lesson.scenario);
  const lab = labFor(s.seed);
  const player = new ScenarioPlayer(lab, s).start();
  const got = [];
  lab.broker.addEventListener('events', (e) => {
    for (const x of e.detail) if (x.type === 'client' && x.event === 'message') got.push(x.topic);
  });
  let done = false;
  player.addEventListener('done', () => { done = true; });
  run(lab, 25_000);
  assert.ok(done);
  assert.deepEqual(got, ['lab/qos1', 'lab/qos1', 'lab/qos2']);
});

test('a client with reply answers a request to its response topic with the same correlation data', () => {
  const s = ok({
    clients: [{ id: 'svc', reply: 'pong', subscribe: ['ping'] }, { id: 'asker', subscribe: ['answers/asker'] }],
    steps: [{ at: 1000, do: 'publish', client: 'asker', topic: 'ping', payload: '?', qos: 1, responseTopic: 'answers/asker', correlationData: 'n-7' }],
  });
  const lab = labFor(2);
  new ScenarioPlayer(lab, s).start();
  const got = [];
  lab.broker.addEventListener('events', (e) => {
    for (const x of e.detail) {
      if (x.type === 'client' && x.event === 'message' && x.client === 'asker') {
        got.push([x.topic, new TextDecoder().decode(x.payload), new TextDecoder().decode(x.properties.correlationData)]);
      }
    }
  });
  run(lab, 4000);
  assert.deepEqual(got, [['answers/asker', 'pong', 'n-7']]);
});

test('steps done by hand are kept with their times for the shared link', () => {
  const s = ok({ clients: [{ id: 'a' }], steps: [{ at: 2000, do: 'note', note: 'later' }] });
  const lab = labFor(3);
  const player = new ScenarioPlayer(lab, s).start();
  run(lab, 1000);
  assert.equal(player.act({ do: 'publish', client: 'a', topic: 'x', payload: 'y', qos: 0 }), null);
  assert.match(player.act({ do: 'publish', client: 'nobody', topic: 'x' }), /no client named "nobody"/);
  const shared = player.withManualSteps();
  assert.deepEqual(shared.steps.map((x) => [x.do, x.at]), [['publish', 1000], ['note', 2000]]);
  assert.equal(validateScenario(compactScenario(shared), checks).ok, true);
});
