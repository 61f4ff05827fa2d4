//! `BrokerBench` for JavaScript: the broker routing workload of
//! `benches/broker.rs`, to time the same thing in wasm (`benches/broker_node.mjs`).

use crate::sim;
use wasm_bindgen::prelude::*;

/// `clients` connected clients, `fanout` subscribers per topic, one publisher.
#[wasm_bindgen]
pub struct BrokerBench(sim::BrokerBench);

#[wasm_bindgen]
impl BrokerBench {
    /// Connects and subscribes everyone.
    #[wasm_bindgen(constructor)]
    pub fn new(clients: u32, fanout: u32) -> BrokerBench {
        BrokerBench(sim::BrokerBench::new(clients as usize, fanout as usize))
    }

    /// Publishes `n` QoS 0 messages; returns the deliveries made.
    pub fn publish(&mut self, n: u32) -> u32 {
        self.0.publish(n as usize) as u32
    }
}
