// Test page: MQTT.js in the page, connected to the in-page broker through
// createWebsocket, next to simulated clients. Tests drive it through window.lab.
import mqtt from '../vendor/mqtt.esm.js';
import { createSimulation } from '../lib/sim.js';
import { InPageBroker, createWebSocket } from '../lib/broker.js';

const sim = await createSimulation({ seed: 7 });
const broker = new InPageBroker({ simulation: sim, speed: 1, socketLink: { latency: 5 } });
const events = [];
broker.addEventListener('events', (e) => events.push(...e.detail));
broker.start();

/** Connects MQTT.js to the in-page broker; resolves once connected. */
function connectMqttJs(options = {}) {
  const client = mqtt.connect('ws://in-page.invalid/mqtt', {
    createWebsocket: createWebSocket(broker),
    reconnectPeriod: 0,
    ...options,
  });
  const messages = [];
  client.on('message', (topic, payload, packet) => {
    messages.push({ topic, payload: new TextDecoder().decode(payload), qos: packet.qos, retain: packet.retain });
  });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve({ client, messages }));
    client.once('error', reject);
  });
}

/** Payloads a simulated client received, from the event log. */
function simMessages(id) {
  return events
    .filter((e) => e.type === 'client' && e.client === id && e.event === 'message')
    .map((e) => ({ topic: e.topic, payload: new TextDecoder().decode(e.payload), qos: e.qos, retain: e.retain }));
}

/** Resolves when `check()` is truthy, polling every 10 ms (rejects after `ms`). */
function until(check, ms = 5000) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const poll = () => {
      const v = check();
      if (v) resolve(v);
      else if (performance.now() - t0 > ms) reject(new Error(`timed out waiting for ${check}`));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

window.lab = { mqtt, sim, broker, events, connectMqttJs, simMessages, until };
document.querySelector('[data-status]').textContent = 'ready';
