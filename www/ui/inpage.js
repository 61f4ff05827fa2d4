// The in-page broker with its cast: a temperature sensor, a dashboard and a
// phone, all simulated clients of the wasm Simulation, driven in real time by
// InPageBroker. Routes the simulation's events to the client they concern and
// keeps per-client counts for the "Broker & clients" view.
//
// A message a simulated client receives comes as a `client`/`message` event
// with the bytes of the PUBLISH the broker sent it, so the inspector can show them.
import { createSimulation } from '../lib/sim.js';
import { InPageBroker } from '../lib/broker.js';

const SENSOR = 'temperature-sensor';
const LIVING = 'home/livingroom/temperature';
const STATUS = 'home/livingroom/sensor/status';

export class InPageLab extends EventTarget {
  /** label -> { label, role, description, received, sent, last, handler } */
  clients = new Map();
  #changeQueued = false;

  constructor(sim, broker) {
    super();
    this.sim = sim;
    this.broker = broker;
    broker.addEventListener('events', (e) => this.#route(e.detail));
  }

  /** A simulation label not used yet, close to `wanted`. */
  uniqueLabel(wanted) {
    let label = wanted || 'client';
    for (let i = 2; this.clients.has(label); i++) label = `${wanted}-${i}`;
    return label;
  }

  /** Adds a simulated client; `handler(event)` gets its client events (messages carry `bytes`). */
  addClient(label, options, link, { role = 'sim', description = '', handler } = {}) {
    this.sim.addClient(label, options, link);
    this.clients.set(label, { label, role, description, received: 0, sent: 0, last: null, handler });
    this.#queueChange();
  }

  snapshot() {
    return this.sim.snapshot();
  }

  /** Stops the broker's pump and frees the simulation; the lab is unusable afterwards. */
  destroy() {
    this.broker.stop();
    clearInterval(this.sensorTimer);
    this.destroyed = true;
    // Later, so that a handler still running for this lab finds it alive.
    setTimeout(() => this.sim.free?.(), 0);
  }

  #route(events) {
    for (const e of events) {
      if (e.type === 'packetSent') {
        if (e.direction === 'toBroker' && e.cmd === 'publish') {
          const c = this.clients.get(e.client);
          if (c) c.sent++;
        }
      } else if (e.type === 'client') {
        const c = this.clients.get(e.client);
        if (!c) continue;
        if (e.event === 'message') {
          c.received++;
          c.last = e;
        }
        c.handler?.(e);
      }
    }
    if (events.length) this.#queueChange();
  }

  #queueChange() {
    if (this.#changeQueued) return;
    this.#changeQueued = true;
    setTimeout(() => {
      this.#changeQueued = false;
      this.dispatchEvent(new Event('change'));
    }, 200);
  }
}

/**
 * A lab of its own (for a lesson or a scenario): a fresh simulation with a
 * fixed seed, so it plays the same way every time, and the given clients
 * (`[{ label, options, link, role, description, handler }]`), not connected.
 * Its broker runs in real time unless `start` is false.
 */
export async function createLab({ seed = 1, clients = [], speed = 1, start = true } = {}) {
  const sim = await createSimulation({ seed });
  const broker = new InPageBroker({ simulation: sim, speed, socketLink: { latency: 20 } });
  const lab = new InPageLab(sim, broker);
  for (const c of clients) lab.addClient(c.label, c.options, c.link, c);
  if (start) broker.start();
  return lab;
}

/** Starts the in-page broker with the sensor, the dashboard and the phone. */
export async function startInPageLab({ seed = 1 } = {}) {
  const sim = await createSimulation({ seed });
  const broker = new InPageBroker({ simulation: sim, speed: 1, socketLink: { latency: 20 } });
  const lab = new InPageLab(sim, broker);

  let sensorUp = false;
  lab.addClient(SENSOR, {
    clientId: SENSOR,
    protocolVersion: 4,
    keepalive: 30,
    will: { topic: STATUS, payload: 'offline', qos: 1, retain: true },
  }, { latency: 40 }, {
    role: 'sensor',
    description: `publishes ${LIVING} every 3 seconds`,
    handler(e) {
      if (e.event === 'connect') {
        sensorUp = true;
        sim.publish(SENSOR, STATUS, 'online', { qos: 1, retain: true });
        publishTemperature();
      } else if (e.event === 'connectionLost' || e.event === 'close' || e.event === 'offline') {
        sensorUp = false;
      }
    },
  });
  lab.addClient('dashboard', { clientId: 'dashboard', protocolVersion: 5, keepalive: 30 }, { latency: 25 }, {
    role: 'dashboard', description: 'shows everything under home/',
  });
  lab.addClient('phone', { clientId: 'phone', protocolVersion: 5, keepalive: 30 }, { latency: 90 }, {
    role: 'phone', description: 'wants every room\'s temperature',
  });

  sim.connect(SENSOR);
  sim.connect('dashboard');
  sim.subscribe('dashboard', { 'home/#': { qos: 1 } });
  sim.connect('phone');
  sim.subscribe('phone', { 'home/+/temperature': { qos: 0 } });

  const t0 = performance.now();
  function publishTemperature() {
    if (!sensorUp || broker.paused) return;
    const minutes = (performance.now() - t0) / 60000;
    const value = 21 + 1.5 * Math.sin(minutes * Math.PI) + (Math.random() - 0.5) * 0.4;
    sim.publish(SENSOR, LIVING, value.toFixed(1), { qos: 1 });
  }
  lab.sensorTimer = setInterval(publishTemperature, 3000);

  broker.start();
  return lab;
}
