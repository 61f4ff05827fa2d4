//! The peers of a simulation: client cores, byte scripts and external transports.

use super::link::{Link, LinkConfig};
use super::Millis;
use crate::broker::ConnId;
use crate::client::{Client, ClientError, ClientOptions};
use crate::codec::ProtocolVersion;
use bytes::Bytes;

/// Names a peer of a [`Simulation`](super::Simulation): its index, in the order added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerId(pub usize);

/// One step of a byte script: send `bytes` at `at` ms after the transport opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptStep {
    /// Milliseconds after [`Simulation::connect`](super::Simulation::connect).
    pub at: Millis,
    /// The bytes, sent as they are (they may be malformed on purpose).
    pub bytes: Bytes,
}

/// What drives a peer.
#[derive(Debug)]
#[non_exhaustive]
pub enum PeerKind {
    /// A client core with these options.
    Client(Box<ClientOptions>),
    /// Raw bytes at given times; what comes back is only logged.
    Script(Vec<ScriptStep>),
    /// Bytes from the host ([`Simulation::external_send`](super::Simulation::external_send));
    /// what arrives for it is handed back by [`Simulation::poll_external`](super::Simulation::poll_external).
    External,
}

/// A peer to add: a label for the page, what drives it, and its link.
#[derive(Debug)]
pub struct ClientSpec {
    /// A name for the page ("alice", "sensor-1"); need not be the MQTT client identifier.
    pub id: String,
    /// What drives it.
    pub kind: PeerKind,
    /// Its link to the broker.
    pub link: LinkConfig,
}

impl ClientSpec {
    /// A client core with `options` on `link`.
    pub fn client(id: impl Into<String>, options: ClientOptions, link: LinkConfig) -> Self {
        ClientSpec {
            id: id.into(),
            kind: PeerKind::Client(Box::new(options)),
            link,
        }
    }

    /// A byte script on `link`.
    pub fn script(id: impl Into<String>, steps: Vec<ScriptStep>, link: LinkConfig) -> Self {
        ClientSpec {
            id: id.into(),
            kind: PeerKind::Script(steps),
            link,
        }
    }
}

/// What the simulation hands to the host for an external peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternalOutput {
    /// Bytes arrived for it.
    Bytes(PeerId, Bytes),
    /// Its transport closed (or could not open).
    Closed(PeerId),
}

/// A command that could not be carried out.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// No peer has this id.
    #[error("no such peer {0:?}")]
    NoSuchPeer(PeerId),
    /// The command needs a client core and the peer is a script or external.
    #[error("peer {0:?} is not a client core")]
    NotAClient(PeerId),
    /// The client refused the command.
    #[error(transparent)]
    Client(#[from] ClientError),
}

pub(crate) enum Driver {
    Client(Box<Client>),
    Script(Vec<ScriptStep>),
    External,
}

pub(crate) struct Peer {
    pub label: String,
    pub driver: Driver,
    pub link: Link,
    /// The transport this end believes open.
    pub conn: Option<ConnId>,
    /// The version of its last CONNECT (to decode what the broker sends it).
    pub version: ProtocolVersion,
    /// The client identifier of its last CONNECT.
    pub client_id: Option<String>,
}

impl Peer {
    pub fn new(spec: ClientSpec) -> Self {
        let (driver, version) = match spec.kind {
            PeerKind::Client(o) => {
                let v = o.protocol;
                (Driver::Client(Box::new(Client::new(*o))), v)
            }
            PeerKind::Script(s) => (Driver::Script(s), ProtocolVersion::V5),
            PeerKind::External => (Driver::External, ProtocolVersion::V5),
        };
        Peer {
            label: spec.id,
            driver,
            link: Link::new(spec.link),
            conn: None,
            version,
            client_id: None,
        }
    }

    pub fn client(&self) -> Option<&Client> {
        match &self.driver {
            Driver::Client(c) => Some(c),
            _ => None,
        }
    }
}
