//! The subscriptions stored under one filter: its clients' entries and its shared groups.

use core::slice;

use super::shared::SharedGroup;
use super::subscription::{Entry, SubscribeOutcome};

/// One ordinary subscription, as a lookup reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sub<C> {
    pub(crate) client: C,
    pub(crate) entry: Entry,
    /// Whether the client has other ordinary subscriptions, which may match the same
    /// topics: a lookup then merges this one with the client's others. Most clients
    /// of a busy router have one, and their matches need no merging at all.
    pub(crate) merge: bool,
}

/// The subscriptions whose filter ends at one place in the router.
///
/// Most filters have a single subscriber, so one subscription is kept inline and a
/// lookup reads no other memory for it; shared groups are rare and live behind a
/// pointer, which keeps this at 32 bytes on 64-bit targets.
#[derive(Debug)]
pub(crate) struct Payload<C> {
    /// Ordinary subscriptions, sorted by client.
    subs: Subs<C>,
    /// Shared subscription groups, if any. Boxed on purpose: a thin pointer keeps
    /// the payload at 32 bytes, and most nodes have no group.
    #[allow(clippy::box_collection)]
    shared: Option<Box<Vec<SharedGroup<C>>>>,
}

#[derive(Debug)]
enum Subs<C> {
    None,
    One(Sub<C>),
    /// Two or more, sorted by client.
    Many(Vec<Sub<C>>),
}

impl<C> Default for Payload<C> {
    fn default() -> Self {
        Payload {
            subs: Subs::None,
            shared: None,
        }
    }
}

impl<C: Copy + Ord> Payload<C> {
    /// The ordinary subscriptions, sorted by client.
    #[inline]
    pub(crate) fn subs(&self) -> &[Sub<C>] {
        match &self.subs {
            Subs::None => &[],
            Subs::One(one) => slice::from_ref(one),
            Subs::Many(v) => v,
        }
    }

    /// [`Payload::subs`], to change one in place.
    fn subs_mut(&mut self) -> &mut [Sub<C>] {
        match &mut self.subs {
            Subs::None => &mut [],
            Subs::One(one) => slice::from_mut(one),
            Subs::Many(v) => v,
        }
    }

    /// Whether this holds neither subscriptions nor groups.
    pub(crate) fn is_empty(&self) -> bool {
        matches!(self.subs, Subs::None) && self.shared.is_none()
    }

    /// Adds `client`'s subscription, or replaces its entry [MQTT-3.8.4-3].
    pub(crate) fn subscribe(&mut self, client: C, entry: Entry, merge: bool) -> SubscribeOutcome {
        let at = match self.subs().binary_search_by_key(&client, |s| s.client) {
            Ok(at) => {
                let slot = &mut self.subs_mut()[at];
                let previous = slot.entry.options;
                slot.entry = entry;
                return SubscribeOutcome::Replaced { previous };
            }
            Err(at) => at,
        };
        let sub = Sub {
            client,
            entry,
            merge,
        };
        self.subs = match core::mem::replace(&mut self.subs, Subs::None) {
            Subs::None => Subs::One(sub),
            Subs::One(first) => {
                let mut v = Vec::with_capacity(2);
                v.push(first);
                v.insert(at, sub);
                Subs::Many(v)
            }
            Subs::Many(mut v) => {
                v.insert(at, sub);
                Subs::Many(v)
            }
        };
        SubscribeOutcome::New
    }

    /// Sets whether `client`'s subscription here must be merged with its others.
    pub(crate) fn set_merge(&mut self, client: C, merge: bool) {
        if let Ok(at) = self.subs().binary_search_by_key(&client, |s| s.client) {
            self.subs_mut()[at].merge = merge;
        }
    }

    /// Removes `client`'s ordinary subscription; false if it had none.
    pub(crate) fn unsubscribe(&mut self, client: C) -> bool {
        let Ok(at) = self.subs().binary_search_by_key(&client, |s| s.client) else {
            return false;
        };
        self.subs = match core::mem::replace(&mut self.subs, Subs::None) {
            Subs::One(_) | Subs::None => Subs::None,
            Subs::Many(mut v) => {
                v.remove(at);
                // Back inline at one, so a filter that once had many subscribers
                // does not keep their memory.
                match v.as_slice() {
                    [only] => Subs::One(*only),
                    _ => {
                        v.shrink_to(v.len() * 2);
                        Subs::Many(v)
                    }
                }
            }
        };
        true
    }

    /// The shared groups, for picking their members.
    #[inline]
    pub(crate) fn groups_mut(&mut self) -> &mut [SharedGroup<C>] {
        match &mut self.shared {
            Some(groups) => groups,
            None => &mut [],
        }
    }

    /// Adds `client` to group `name` (created if new), or replaces its entry there.
    pub(crate) fn join(&mut self, name: &str, client: C, entry: Entry) -> SubscribeOutcome {
        let groups = self.shared.get_or_insert_with(Default::default);
        let at = match groups.iter().position(|g| &*g.name == name) {
            Some(at) => at,
            None => {
                groups.push(SharedGroup::new(name));
                groups.len() - 1
            }
        };
        groups[at].join(client, entry)
    }

    /// Removes `client` from group `name`; false if it was not a member. A group left
    /// without members is dropped.
    pub(crate) fn leave(&mut self, name: &str, client: C) -> bool {
        let Some(groups) = &mut self.shared else {
            return false;
        };
        let Some(at) = groups.iter().position(|g| &*g.name == name) else {
            return false;
        };
        let left = groups[at].leave(client);
        if groups[at].is_empty() {
            groups.swap_remove(at);
        }
        if groups.is_empty() {
            self.shared = None;
        }
        left
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::SubscriptionOptions;
    use core::num::NonZeroU32;

    fn entry(id: u32) -> Entry {
        Entry {
            options: SubscriptionOptions::default(),
            identifier: NonZeroU32::new(id),
        }
    }

    #[test]
    fn keeps_clients_sorted_from_one_inline_to_many_and_back() {
        let mut p = Payload::default();
        assert!(p.is_empty());
        for c in [5u32, 1, 9, 3] {
            assert!(p.subscribe(c, entry(c), false).is_new());
        }
        assert!(!p.subscribe(9, entry(90), false).is_new());
        p.set_merge(3, true);
        let clients: Vec<(u32, bool)> = p.subs().iter().map(|s| (s.client, s.merge)).collect();
        assert_eq!(clients, [(1, false), (3, true), (5, false), (9, false)]);
        assert_eq!(p.subs()[3].entry.identifier, NonZeroU32::new(90));
        for c in [1, 9, 3] {
            assert!(p.unsubscribe(c));
        }
        assert!(!p.unsubscribe(3));
        assert!(matches!(p.subs, Subs::One(Sub { client: 5, .. })));
        assert!(p.unsubscribe(5));
        assert!(p.is_empty());
    }

    #[test]
    fn groups_come_and_go() {
        let mut p = Payload::<u32>::default();
        assert!(p.join("g", 1, entry(1)).is_new());
        assert!(p.join("h", 1, entry(1)).is_new());
        assert_eq!(p.groups_mut().len(), 2);
        assert!(!p.leave("g", 2));
        assert!(p.leave("g", 1));
        assert!(p.leave("h", 1));
        assert!(p.is_empty());
    }
}
