//! Filters without wildcards, by their text: a topic's own subscribers in one lookup.

use core::hash::Hasher;

use super::atoms::TextHasher;
use super::payload::Payload;

/// A hash table from filter text to the subscriptions of that filter.
///
/// Open addressing with linear probing, at most three quarters full (eight bytes a
/// slot, so a probe run rarely leaves its cache line). A slot holds the entry's
/// index and the high half of its hash, so a probe rejects other filters without
/// reading their text, and a hit compares the text a word at a time (the byte loop
/// `memcmp` compiles to in WebAssembly is several times slower). Entries sit in one
/// dense vector; removal moves the last entry into the hole and shifts later slots
/// of the probe run back, so no tombstones pile up under subscribe/unsubscribe churn.
#[derive(Debug)]
pub(crate) struct ExactFilters<C> {
    /// Power-of-two length (or empty): `(hash >> 32, entry index + 1)`, 0 when empty.
    slots: Vec<(u32, u32)>,
    entries: Vec<Entry<C>>,
}

/// One filter: 64 bytes in wasm32 (where the router runs in the page), aligned there to
/// a cache line, so a lookup that finds its filter reads one line for it.
#[derive(Debug)]
#[cfg_attr(target_pointer_width = "32", repr(align(64)))]
struct Entry<C> {
    payload: Payload<C>,
    text: Text,
}

#[cfg(target_pointer_width = "32")]
const _: () = assert!(core::mem::size_of::<Entry<u32>>() == 64);

/// Filter texts up to this long are kept in their entry.
const INLINE: usize = 38;

/// A filter's text: in the entry itself when short, as most are, so that a lookup that
/// finds its filter reads no other memory.
#[derive(Debug)]
enum Text {
    Inline(u8, [u8; INLINE]),
    Heap(Box<str>),
}

impl Text {
    fn new(text: &str) -> Text {
        match u8::try_from(text.len()) {
            Ok(n) if text.len() <= INLINE => {
                let mut bytes = [0; INLINE];
                bytes[..text.len()].copy_from_slice(text.as_bytes());
                Text::Inline(n, bytes)
            }
            _ => Text::Heap(text.into()),
        }
    }

    #[inline]
    fn as_bytes(&self) -> &[u8] {
        match self {
            Text::Inline(n, bytes) => &bytes[..usize::from(*n)],
            Text::Heap(text) => text.as_bytes(),
        }
    }
}

impl<C> Default for ExactFilters<C> {
    fn default() -> Self {
        ExactFilters {
            slots: Vec::new(),
            entries: Vec::new(),
        }
    }
}

/// The hash of a filter or topic text.
#[inline]
fn hash(text: &[u8]) -> u64 {
    let mut h = TextHasher::default();
    h.write(text);
    // Spread the bits: the slot comes from the low half, the tag from the high half.
    let x = h.finish();
    x ^ (x >> 32).wrapping_mul(0x9E37_79B9)
}

/// Whether two texts are equal, compared eight bytes at a time.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut x, mut y) = (a, b);
    while let (Some((wa, ra)), Some((wb, rb))) =
        (x.split_first_chunk::<8>(), y.split_first_chunk::<8>())
    {
        if wa != wb {
            return false;
        }
        (x, y) = (ra, rb);
    }
    x == y
}

impl<C: Copy + Ord> ExactFilters<C> {
    /// How many filters there are.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The slot holding `text`'s entry, if there is one.
    #[inline]
    fn find(&self, text: &str, h: u64) -> Option<usize> {
        self.find_bytes(text.as_bytes(), h)
    }

    #[inline]
    fn find_bytes(&self, text: &[u8], h: u64) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let tag = (h >> 32) as u32;
        let mut i = h as usize & mask;
        loop {
            let (t, index) = self.slots[i];
            if index == 0 {
                return None;
            }
            if t == tag && same(self.entries[index as usize - 1].text.as_bytes(), text) {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
    }

    /// The subscriptions of the filter `text`, if it has any.
    #[inline]
    pub(crate) fn get_mut(&mut self, text: &str) -> Option<&mut Payload<C>> {
        let slot = self.find(text, hash(text.as_bytes()))?;
        let index = self.slots[slot].1 as usize - 1;
        Some(&mut self.entries[index].payload)
    }

    /// The subscriptions of the filter `text`, made empty first if it had none.
    pub(crate) fn get_or_insert(&mut self, text: &str) -> &mut Payload<C> {
        let h = hash(text.as_bytes());
        let index = match self.find(text, h) {
            Some(slot) => self.slots[slot].1 as usize - 1,
            None => {
                if (self.entries.len() + 1) * 4 > self.slots.len() * 3 {
                    self.grow();
                }
                self.entries.push(Entry {
                    text: Text::new(text),
                    payload: Payload::default(),
                });
                let index = self.entries.len();
                let index32 = u32::try_from(index).expect("fewer than 2^32 filters");
                self.place(h, index32);
                index - 1
            }
        };
        &mut self.entries[index].payload
    }

    /// Forgets the filter `text` (when its last subscription has gone).
    pub(crate) fn remove(&mut self, text: &str) {
        let Some(slot) = self.find(text, hash(text.as_bytes())) else {
            return;
        };
        let index = self.slots[slot].1 as usize - 1;
        self.clear_slot(slot);
        let last = self.entries.len() - 1;
        if index != last {
            // The last entry is about to move into `index`: point its slot there.
            let moved = self.entries[last].text.as_bytes();
            let at = self
                .find_bytes(moved, hash(moved))
                .expect("every entry has a slot");
            self.slots[at].1 = index as u32 + 1;
        }
        self.entries.swap_remove(index);
    }

    fn place(&mut self, h: u64, index: u32) {
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        while self.slots[i].1 != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = ((h >> 32) as u32, index);
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(16);
        self.slots = vec![(0, 0); size];
        for (i, e) in self.entries.iter().enumerate() {
            let index = i as u32 + 1;
            let h = hash(e.text.as_bytes());
            let mask = size - 1;
            let mut at = h as usize & mask;
            while self.slots[at].1 != 0 {
                at = (at + 1) & mask;
            }
            self.slots[at] = ((h >> 32) as u32, index);
        }
    }

    /// Empties a slot, moving back each later slot of the run that may move, so that
    /// no search stops early at the hole.
    fn clear_slot(&mut self, mut hole: usize) {
        let mask = self.slots.len() - 1;
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let (tag, index) = self.slots[j];
            if index == 0 {
                break;
            }
            let home = hash(self.entries[index as usize - 1].text.as_bytes()) as usize & mask;
            // Distances along the run, modulo the table size.
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                self.slots[hole] = (tag, index);
                hole = j;
            }
        }
        self.slots[hole] = (0, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::SubscriptionOptions;
    use crate::topic::subscription::Entry as Sub;

    #[test]
    fn agrees_with_a_map_through_inserts_and_removals() {
        let mut t = ExactFilters::<u32>::default();
        let mut model = std::collections::BTreeMap::new();
        let sub = Sub {
            options: SubscriptionOptions::default(),
            identifier: None,
        };
        let mut x = 99u64;
        for step in 0..20_000u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            // Texts of every length up to 50, inline and not, so the word compare meets
            // every tail.
            let text = format!("{}", x >> 44).repeat(1 + (x >> 60) as usize % 7);
            let text = &text[..text.len().min(50)];
            if model.contains_key(text) {
                t.remove(text);
                model.remove(text);
            } else {
                t.get_or_insert(text).subscribe(step, sub, false);
                model.insert(text.to_string(), step);
            }
            if step % 97 == 0 {
                for (k, &client) in &model {
                    let p = t.get_mut(k).expect("present");
                    assert_eq!(p.subs()[0].client, client);
                }
                assert!(t.get_mut("absent").is_none());
            }
        }
        assert_eq!(t.len(), model.len());
        for k in model.keys() {
            t.remove(k);
        }
        assert_eq!(t.len(), 0);
        assert!(t.slots.iter().all(|&(_, i)| i == 0));
    }

    #[test]
    fn compares_texts_of_every_length() {
        for n in 0..40 {
            let a = "x".repeat(n);
            assert!(same(a.as_bytes(), a.as_bytes()));
            for at in 0..n {
                let mut b = a.clone().into_bytes();
                b[at] = b'y';
                assert!(!same(a.as_bytes(), &b));
            }
            assert!(!same(a.as_bytes(), "x".repeat(n + 1).as_bytes()));
        }
    }
}
