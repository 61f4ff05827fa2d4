//! A client's protocol violation, and the reason code it earns.
//!
//! Every handler returns `Result<(), Violation>`; `Broker::violation` is the one
//! place that turns one into a DISCONNECT (5.0) and a closed connection.

use crate::codec::{DecodeError, ReasonCode};

/// What a client did wrong, as the reason code of the DISCONNECT it gets (5.0)
/// and a sentence for the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Violation {
    pub(crate) reason: ReasonCode,
    pub(crate) detail: String,
}

impl Violation {
    pub(crate) fn new(reason: ReasonCode, detail: impl Into<String>) -> Self {
        Violation {
            reason,
            detail: detail.into(),
        }
    }

    /// A Protocol Error (0x82).
    pub(crate) fn protocol(detail: impl Into<String>) -> Self {
        Self::new(ReasonCode::PROTOCOL_ERROR, detail)
    }
}

impl From<DecodeError> for Violation {
    fn from(e: DecodeError) -> Self {
        Violation::new(e.reason_code(), e.to_string())
    }
}
