//! Shared subscription groups (MQTT 5.0 §4.8.2): one member per message, in turn.

use super::subscription::{Entry, SubscribeOutcome};

/// The members of one `$share/{name}/{filter}` group, stored at the filter's node.
#[derive(Debug, Clone)]
pub(crate) struct SharedGroup<C> {
    pub(crate) name: Box<str>,
    /// Members in the order they joined; the turn goes down this list and wraps.
    members: Vec<(C, Entry)>,
    /// Index of the member whose turn is next; always `< members.len()` or 0.
    next: usize,
}

impl<C: Copy + Eq> SharedGroup<C> {
    pub(crate) fn new(name: &str) -> Self {
        SharedGroup {
            name: name.into(),
            members: Vec::new(),
            next: 0,
        }
    }

    /// Adds `client`, or replaces its options if it is already a member (its place in
    /// the turn order is kept).
    pub(crate) fn join(&mut self, client: C, entry: Entry) -> SubscribeOutcome {
        match self.members.iter_mut().find(|(c, _)| *c == client) {
            Some((_, old)) => {
                let previous = old.options;
                *old = entry;
                SubscribeOutcome::Replaced { previous }
            }
            None => {
                // A newcomer waits for the current round to reach the end of the list.
                self.members.push((client, entry));
                SubscribeOutcome::New
            }
        }
    }

    /// Removes `client`; false if it was not a member.
    pub(crate) fn leave(&mut self, client: C) -> bool {
        let Some(at) = self.members.iter().position(|(c, _)| *c == client) else {
            return false;
        };
        self.members.remove(at);
        // Keep the turn on the same member: the ones after `at` moved down by one.
        if at < self.next {
            self.next -= 1;
        }
        if self.next >= self.members.len() {
            self.next = 0;
        }
        true
    }

    /// The member whose turn it is, and moves the turn on.
    pub(crate) fn pick(&mut self) -> Option<(C, Entry)> {
        let chosen = *self.members.get(self.next)?;
        self.next = (self.next + 1) % self.members.len();
        Some(chosen)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}
