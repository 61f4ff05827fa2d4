//! Level text interned as small numbers, and the child maps of the subscription trie
//! keyed by them.
//!
//! A topic is matched against many trie nodes at the same level (one per wildcard
//! branch), so the router looks each topic level's text up once, in [`Atoms`], and
//! then finds children by comparing `u32`s. The set of distinct level texts is small
//! next to the number of filters (a hundred thousand filters over "building/7/…" share
//! a few dozen words), so that one lookup stays in cache.

use core::hash::{BuildHasherDefault, Hasher};
use std::collections::HashMap;

/// The number standing for one distinct level text.
pub(crate) type Atom = u32;

/// Every exact level text some filter in the trie uses, with how many trie edges use
/// it, so a text is forgotten when its last filter goes.
#[derive(Debug, Default)]
pub(crate) struct Atoms {
    ids: HashMap<Box<str>, Atom, BuildHasherDefault<TextHasher>>,
    /// Edges using each atom; 0 for a free one.
    refs: Vec<u32>,
    free: Vec<Atom>,
}

impl Atoms {
    /// The atom for `level`, if any filter uses that text.
    #[inline]
    pub(crate) fn get(&self, level: &str) -> Option<Atom> {
        self.ids.get(level).copied()
    }

    /// The atom for `level`, counting one more edge that uses it.
    pub(crate) fn acquire(&mut self, level: &str) -> Atom {
        if let Some(&atom) = self.ids.get(level) {
            self.refs[atom as usize] += 1;
            return atom;
        }
        let atom = match self.free.pop() {
            Some(atom) => atom,
            None => {
                self.refs.push(0);
                Atom::try_from(self.refs.len() - 1).expect("fewer than 2^32 level texts")
            }
        };
        self.refs[atom as usize] = 1;
        self.ids.insert(level.into(), atom);
        atom
    }

    /// Counts one edge fewer using `level`'s atom; forgets the text after its last.
    pub(crate) fn release(&mut self, level: &str, atom: Atom) {
        let refs = &mut self.refs[atom as usize];
        *refs -= 1;
        if *refs == 0 {
            self.ids.remove(level);
            self.free.push(atom);
        }
    }
}

/// Up to this many children live in a sorted vector; more go in a hash map.
const FEW: usize = 16;

/// The exact-level children of a trie node.
#[derive(Debug)]
pub(crate) enum Children<V> {
    /// Sorted by atom: a binary search over a few `u32`s in one cache line or two.
    Few(Vec<(Atom, V)>),
    /// For nodes with many children (a level holding device ids, say). Boxed so the
    /// common case stays the size of a `Vec`.
    #[allow(clippy::box_collection)]
    Many(Box<HashMap<Atom, V, BuildHasherDefault<AtomHasher>>>),
}

impl<V> Default for Children<V> {
    fn default() -> Self {
        Children::Few(Vec::new())
    }
}

impl<V: Copy> Children<V> {
    #[inline]
    pub(crate) fn get(&self, atom: Atom) -> Option<V> {
        match self {
            Children::Few(v) => v
                .binary_search_by_key(&atom, |&(a, _)| a)
                .ok()
                .map(|at| v[at].1),
            Children::Many(m) => m.get(&atom).copied(),
        }
    }

    /// Adds a child that is not there yet.
    pub(crate) fn insert(&mut self, atom: Atom, value: V) {
        match self {
            Children::Few(v) if v.len() < FEW => {
                let at = v
                    .binary_search_by_key(&atom, |&(a, _)| a)
                    .expect_err("child is new");
                v.insert(at, (atom, value));
            }
            Children::Few(v) => {
                let mut m: HashMap<Atom, V, BuildHasherDefault<AtomHasher>> = v.drain(..).collect();
                m.insert(atom, value);
                *self = Children::Many(Box::new(m));
            }
            Children::Many(m) => {
                m.insert(atom, value);
            }
        }
    }

    pub(crate) fn remove(&mut self, atom: Atom) {
        match self {
            Children::Few(v) => {
                if let Ok(at) = v.binary_search_by_key(&atom, |&(a, _)| a) {
                    v.remove(at);
                }
            }
            Children::Many(m) => {
                m.remove(&atom);
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Children::Few(v) => v.is_empty(),
            Children::Many(m) => m.is_empty(),
        }
    }
}

/// Hashes level text a word at a time, like [`LevelMap`](super::level_map::LevelMap)'s
/// hasher, but reads the last partial word with two overlapping loads instead of a
/// byte copy: the interner hashes every level of every topic looked up.
#[derive(Default, Clone, Copy)]
pub(crate) struct TextHasher(u64);

impl TextHasher {
    #[inline]
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

impl Hasher for TextHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while let Some((word, tail)) = rest.split_first_chunk::<8>() {
            self.mix(u64::from_le_bytes(*word));
            rest = tail;
        }
        let n = rest.len();
        let word = if n >= 4 {
            let lo = u32::from_le_bytes(rest[..4].try_into().expect("4 bytes"));
            let hi = u32::from_le_bytes(rest[n - 4..].try_into().expect("4 bytes"));
            u64::from(lo) | u64::from(hi) << 32
        } else if n > 0 {
            u64::from(rest[0]) | u64::from(rest[n / 2]) << 8 | u64::from(rest[n - 1]) << 16
        } else {
            return;
        };
        // The length keeps "ab" and "abb" (same bytes read) apart.
        self.mix(word ^ (n as u64) << 59);
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i));
    }

    #[inline]
    fn finish(&self) -> u64 {
        // Fold the well-mixed high bits down: hashbrown takes its bucket from the low bits.
        self.0 ^ (self.0 >> 29)
    }
}

/// Hashes one [`Atom`] with a multiply: atoms are small dense numbers, not chosen by
/// clients, so no stronger mixing is needed.
#[derive(Default, Clone, Copy)]
pub(crate) struct AtomHasher(u64);

impl Hasher for AtomHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u32(u32::from(b));
        }
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        let h = (self.0 ^ u64::from(i)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        // hashbrown takes the bucket from the low bits and a tag from the top 7.
        self.0 = h ^ (h >> 32);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_grow_from_a_vector_into_a_map_and_keep_every_child() {
        let mut c = Children::default();
        for atom in (0..100).rev() {
            c.insert(atom, atom + 1000);
        }
        assert!(matches!(c, Children::Many(_)));
        for atom in 0..100 {
            assert_eq!(c.get(atom), Some(atom + 1000));
        }
        assert_eq!(c.get(100), None);
        for atom in 0..100 {
            c.remove(atom);
        }
        assert!(c.is_empty());
    }

    #[test]
    fn atoms_are_forgotten_after_their_last_edge_and_reused() {
        let mut a = Atoms::default();
        let x = a.acquire("x");
        assert_eq!(a.acquire("x"), x);
        let y = a.acquire("y");
        a.release("x", x);
        assert_eq!(a.get("x"), Some(x));
        a.release("x", x);
        assert_eq!(a.get("x"), None);
        assert_eq!(a.acquire("z"), x);
        assert_eq!(a.get("y"), Some(y));
    }
}
