//! The values the router takes and gives: subscription entries and matches.

use core::num::NonZeroU32;

use crate::codec::{QoS, SubscriptionOptions};

/// What one subscription stores: its options and its identifier (MQTT 5.0), in eight
/// bytes (an identifier is never 0 [MQTT-3.8.2-?]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) options: SubscriptionOptions,
    pub(crate) identifier: Option<NonZeroU32>,
}

/// What [`Router::subscribe`](super::Router::subscribe) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscribeOutcome {
    /// The client had no subscription with this filter; one was added.
    New,
    /// The client already had this filter; its options were replaced [MQTT-3.8.4-3].
    Replaced {
        /// The options it had before.
        previous: SubscriptionOptions,
    },
}

impl SubscribeOutcome {
    /// Whether the subscription did not exist before (for Retain Handling 1).
    pub fn is_new(&self) -> bool {
        matches!(self, SubscribeOutcome::New)
    }
}

/// One subscription of a client, as listed by
/// [`Router::subscriptions_of`](super::Router::subscriptions_of).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The filter exactly as subscribed, including any `$share/{ShareName}/` prefix.
    pub filter: String,
    /// The subscription options.
    pub options: SubscriptionOptions,
    /// The Subscription Identifier sent with SUBSCRIBE (MQTT 5.0), if any.
    pub subscription_identifier: Option<u32>,
}

/// A client that should receive a message, with the options to deliver it by.
///
/// A client appears once per message for all its ordinary (non-shared) subscriptions
/// that match, combined like this:
/// - `qos`: the maximum of the matching subscriptions [MQTT-3.3.4-2];
/// - `subscription_identifiers`: all their identifiers, sorted, without repeats
///   [MQTT-3.3.4-3]; empty when none was given;
/// - `no_local`: true only if *every* matching subscription asked for No Local, so
///   the broker skips the publisher's own message only when no subscription wants it;
/// - `retain_as_published`: true if *any* matching subscription asked for it, so a
///   subscriber that asked to see the RETAIN flag sees it.
///
/// Each shared subscription group that matches adds one more `Match`, with
/// `shared: true`, for the member chosen for this message; it is never merged with the
/// client's ordinary match, because MQTT delivers it as a separate subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match<C> {
    /// The client to deliver to.
    pub client: C,
    /// The highest QoS the client accepts for this message.
    pub qos: QoS,
    /// Whether to skip delivery when this client is the publisher.
    pub no_local: bool,
    /// Whether to keep the RETAIN flag as published.
    pub retain_as_published: bool,
    /// The Subscription Identifiers to send with the message.
    pub subscription_identifiers: Vec<u32>,
    /// Whether this delivery comes from a shared subscription group.
    pub shared: bool,
}

impl<C> Match<C> {
    pub(crate) fn new(client: C, entry: Entry, shared: bool) -> Self {
        Match::with_identifiers(client, entry, shared, Vec::new())
    }

    /// [`Match::new`] building its identifier list in `ids` (cleared first), so a
    /// caller can reuse one list's memory.
    pub(crate) fn with_identifiers(
        client: C,
        entry: Entry,
        shared: bool,
        mut ids: Vec<u32>,
    ) -> Self {
        ids.clear();
        ids.extend(entry.identifier.map(NonZeroU32::get));
        Match {
            client,
            qos: entry.options.qos,
            no_local: entry.options.no_local,
            retain_as_published: entry.options.retain_as_published,
            subscription_identifiers: ids,
            shared,
        }
    }

    /// Makes this match the one [`Match::new`] would make, keeping the identifier
    /// list's memory for the next lookup.
    pub(crate) fn reset(&mut self, client: C, entry: Entry, shared: bool) {
        self.client = client;
        self.qos = entry.options.qos;
        self.no_local = entry.options.no_local;
        self.retain_as_published = entry.options.retain_as_published;
        self.subscription_identifiers.clear();
        self.subscription_identifiers
            .extend(entry.identifier.map(NonZeroU32::get));
        self.shared = shared;
    }

    /// Folds another matching subscription of the same client into this match.
    pub(crate) fn merge(&mut self, entry: Entry) {
        self.qos = self.qos.max(entry.options.qos);
        self.no_local &= entry.options.no_local;
        self.retain_as_published |= entry.options.retain_as_published;
        if let Some(id) = entry.identifier.map(NonZeroU32::get) {
            if let Err(at) = self.subscription_identifiers.binary_search(&id) {
                self.subscription_identifiers.insert(at, id);
            }
        }
    }
}
