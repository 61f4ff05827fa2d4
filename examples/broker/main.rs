//! The sans-IO broker core served natively over TCP and WebSocket, so real
//! MQTT clients (mosquitto_pub/sub, paho, MQTT.js, ...) can talk to it.
//!
//! ```sh
//! cargo run --release --example broker -- --listen 127.0.0.1:1883 --ws 127.0.0.1:8083 \
//!     [--user name:password ...] [--allow-anonymous false] [--trace]
//! ```
//!
//! Port 0 picks a free port; the `listening on tcp|ws ADDR` lines on stderr
//! tell which. Ctrl-C or SIGTERM ends it.
//!
//! Threads: one per listener accepts; each connection gets a reading thread
//! and a writing thread. Readers send what they read to the one broker thread,
//! which owns the `Broker`, hands its output to the writers through
//! channels, and sleeps on its channel until the broker's next deadline.
//! Nothing but the broker thread touches the broker, so it needs no lock.
//!
//! Native only: under wasm32 (where `cargo clippy --tests` also builds it)
//! it is an empty program.

#[cfg(not(target_arch = "wasm32"))]
mod host;
#[cfg(not(target_arch = "wasm32"))]
mod ws;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    host::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
