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
    /// Texts of up to 15 bytes, packed into a number (see [`pack`]): most levels are
    /// short, and comparing numbers needs no call to `memcmp`.
    short: HashMap<u128, Atom, BuildHasherDefault<AtomHasher>>,
    long: HashMap<Box<[u8]>, Atom, BuildHasherDefault<TextHasher>>,
    /// Edges using each atom; 0 for a free one.
    refs: Vec<u32>,
    free: Vec<Atom>,
}

impl Atoms {
    /// The atom for `level`, if any filter uses that text.
    #[inline]
    pub(crate) fn get(&self, level: &[u8]) -> Option<Atom> {
        match pack(level) {
            Some(key) => self.short.get(&key).copied(),
            None => self.long.get(level).copied(),
        }
    }

    /// The atom for `level`, counting one more edge that uses it.
    pub(crate) fn acquire(&mut self, level: &[u8]) -> Atom {
        if let Some(atom) = self.get(level) {
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
        match pack(level) {
            Some(key) => self.short.insert(key, atom),
            None => self.long.insert(level.into(), atom),
        };
        atom
    }

    /// Counts one edge fewer using `level`'s atom; forgets the text after its last.
    pub(crate) fn release(&mut self, level: &[u8], atom: Atom) {
        let refs = &mut self.refs[atom as usize];
        *refs -= 1;
        if *refs == 0 {
            match pack(level) {
                Some(key) => self.short.remove(&key),
                None => self.long.remove(level),
            };
            self.free.push(atom);
        }
    }
}

/// A level text of up to 15 bytes as one number, different for every text: its bytes in
/// order from the lowest, and its length in the top byte. Reads a few (overlapping)
/// words rather than byte by byte.
#[inline]
fn pack(b: &[u8]) -> Option<u128> {
    let n = b.len();
    let word4 = |s: &[u8]| u64::from(u32::from_le_bytes(s.try_into().expect("4 bytes")));
    let word8 = |s: &[u8]| u64::from_le_bytes(s.try_into().expect("8 bytes"));
    let (lo, hi) = match n {
        0 => (0, 0),
        1..=3 => (
            u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16,
            0,
        ),
        // The second word overlaps the first; shifting drops the bytes read twice.
        4..=7 => (
            word4(&b[..4]) | (word4(&b[n - 4..]) >> (8 * (8 - n))) << 32,
            0,
        ),
        8 => (word8(b), 0),
        9..=15 => (word8(&b[..8]), word8(&b[n - 8..]) >> (8 * (16 - n))),
        _ => return None,
    };
    // For 1..=3 bytes the low three bytes are b[0], b[n/2], b[n-1]: with the length
    // known that is every byte once; the unused bytes above stay 0.
    Some(u128::from(lo) | u128::from(hi) << 64 | (n as u128) << 120)
}

/// Up to this many children live in a sorted vector; more go in a hash map.
const FEW: usize = 64;

/// The exact-level children of a trie node.
#[derive(Debug)]
pub(crate) enum Children<V> {
    /// A single child, in the node itself: many levels have just one ("building/+/floor"),
    /// and a lookup there then reads no other memory.
    One(Atom, V),
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
            Children::One(a, child) => (*a == atom).then_some(*child),
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
            Children::Few(v) if v.is_empty() => *self = Children::One(atom, value),
            Children::One(a, child) => {
                let (a, child) = (*a, *child);
                let mut v = vec![(a, child), (atom, value)];
                v.sort_unstable_by_key(|&(a, _)| a);
                *self = Children::Few(v);
            }
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
            Children::One(a, _) => {
                if *a == atom {
                    *self = Children::default();
                }
            }
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
            Children::One(..) => false,
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

/// Hashes an [`Atom`] or a packed short text with a multiply per word: fast, and good
/// enough for keys that are small numbers or short level names.
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
        self.write_u64(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        let h = (self.0.rotate_left(23) ^ i).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        // hashbrown takes the bucket from the low bits and a tag from the top 7.
        self.0 = h ^ (h >> 32);
    }

    #[inline]
    fn write_u128(&mut self, i: u128) {
        self.write_u64(i as u64);
        self.write_u64((i >> 64) as u64);
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
        let mut one = Children::default();
        one.insert(7, 70);
        assert!(matches!(one, Children::One(7, 70)));
        assert_eq!((one.get(7), one.get(8)), (Some(70), None));
        one.insert(3, 30);
        assert_eq!((one.get(7), one.get(3)), (Some(70), Some(30)));
        for atom in 0..100 {
            c.remove(atom);
        }
        assert!(c.is_empty());
    }

    #[test]
    fn packed_texts_differ_whenever_the_texts_differ() {
        let mut texts: Vec<String> = vec![String::new()];
        for len in 1..=15 {
            for fill in [b'a', b'z'] {
                for at in 0..len {
                    let mut t = vec![fill; len];
                    t[at] = b'q';
                    texts.push(String::from_utf8(t).unwrap());
                }
                texts.push(String::from_utf8(vec![fill; len]).unwrap());
            }
        }
        texts.push("\u{0}".into());
        texts.push("\u{0}\u{0}".into());
        texts.sort_unstable();
        texts.dedup();
        let mut keys: Vec<u128> = texts.iter().map(|t| pack(t.as_bytes()).unwrap()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), texts.len());
        assert_eq!(pack("x".repeat(16).as_bytes()), None);
    }

    #[test]
    fn atoms_are_forgotten_after_their_last_edge_and_reused() {
        let mut a = Atoms::default();
        let x = a.acquire(b"x");
        assert_eq!(a.acquire(b"x"), x);
        let y = a.acquire(b"y");
        a.release(b"x", x);
        assert_eq!(a.get(b"x"), Some(x));
        a.release(b"x", x);
        assert_eq!(a.get(b"x"), None);
        assert_eq!(a.acquire(b"z"), x);
        assert_eq!(a.get(b"y"), Some(y));
        let long = b"a level longer than fifteen bytes";
        let l = a.acquire(long);
        assert_eq!(a.get(long), Some(l));
        a.release(long, l);
        assert_eq!(a.get(long), None);
    }
}
