//! The MQTT 3.1.1 + 5.0 packet codec.

mod types;

pub use types::{ProtocolVersion, QoS, RetainHandling, SubscriptionOptions};
