// The broker routing benchmark of benches/broker.rs, in wasm under Node:
// routed deliveries per second with 1,000 and 10,000 connected clients at
// fan-out 1 and 100 (QoS 0 PUBLISH, subscribers' bytes drained and discarded).
//
//   ./scripts/build            # www/pkg
//   node benches/broker_node.mjs
import fs from 'node:fs';
import { initSync, BrokerBench } from '../www/pkg/mqtt_lab.js';

initSync({ module: fs.readFileSync(new URL('../www/pkg/mqtt_lab_bg.wasm', import.meta.url)) });

for (const clients of [1000, 10000]) {
  for (const fanout of [1, 100]) {
    const bench = new BrokerBench(clients, fanout);
    bench.publish(2000); // warm up
    let deliveries = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < 2000) {
      deliveries += bench.publish(fanout === 1 ? 10000 : 100);
      t = performance.now();
    }
    const perSecond = deliveries / ((t - t0) / 1000);
    console.log(`broker/route wasm: ${clients} clients, fan-out ${fanout}: ` +
      `${(perSecond / 1e6).toFixed(2)} M deliveries/s`);
    bench.free();
  }
}
