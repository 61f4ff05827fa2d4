// The simulation, ready to use: loads the wasm package once and hands out
// `Simulation`s (see src/web/sim.rs for its methods).
//
//   import { createSimulation } from './lib/sim.js';
//   const sim = await createSimulation({ seed: 1 });
//   sim.addClient('alice', { clientId: 'alice', protocolVersion: 5 }, { latency: 40 });
//   sim.connect('alice');
//   sim.runFor(100);
//   sim.drainEvents();   // [{ type: 'packetSent', from, to, sentAt, arrivesAt, packet, bytes, ... }, ...]
import init, { Simulation } from '../pkg/mqtt_lab.js';

let ready;

/** Loads the wasm module (once). */
export function loadWasm() {
  ready ??= init();
  return ready;
}

/** A new `Simulation` once the wasm module is loaded. */
export async function createSimulation(options = {}) {
  await loadWasm();
  return new Simulation(options);
}

export { Simulation };
