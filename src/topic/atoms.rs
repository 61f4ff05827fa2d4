//! Level text interned as small numbers, which the subscription trie's edges are
//! keyed by.
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
    short: ShortTable,
    long: HashMap<Box<[u8]>, Atom, BuildHasherDefault<TextHasher>>,
    /// Edges using each atom; 0 for a free one.
    refs: Vec<u32>,
    free: Vec<Atom>,
}

impl Atoms {
    /// The atom for `level`, if any filter uses that text.
    #[inline(always)]
    pub(crate) fn get(&self, level: &[u8]) -> Option<Atom> {
        match pack(level) {
            Some(key) => self.short.get(key),
            None => self.get_long(level),
        }
    }

    /// [`Atoms::get`] for a text already packed (see [`pack`]).
    #[inline(always)]
    pub(crate) fn get_packed(&self, key: u128) -> Option<Atom> {
        self.short.get(key)
    }

    /// [`Atoms::get`] for a text of more than 15 bytes, kept out of line so the short
    /// case inlines into the walk.
    #[cold]
    #[inline(never)]
    fn get_long(&self, level: &[u8]) -> Option<Atom> {
        self.long.get(level).copied()
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
                Atom::try_from(self.refs.len() - 1)
                    .ok()
                    .filter(|&a| a != NO_ATOM)
                    .expect("fewer than 2^32 - 1 level texts")
            }
        };
        self.refs[atom as usize] = 1;
        match pack(level) {
            Some(key) => self.short.insert(key, atom),
            None => {
                self.long.insert(level.into(), atom);
            }
        };
        atom
    }

    /// Counts one edge fewer using `level`'s atom; forgets the text after its last.
    pub(crate) fn release(&mut self, level: &[u8], atom: Atom) {
        let refs = &mut self.refs[atom as usize];
        *refs -= 1;
        if *refs == 0 {
            match pack(level) {
                Some(key) => self.short.remove(key),
                None => {
                    self.long.remove(level);
                }
            };
            self.free.push(atom);
        }
    }
}

/// Marks an empty slot of [`ShortTable`]; never handed out as an atom.
pub(crate) const NO_ATOM: Atom = Atom::MAX;

/// A hash table from packed short texts to atoms, made for the lookup every topic level
/// pays: open addressing with linear probing in one flat array, at most half full, so a
/// lookup is a multiply and usually one or two slot reads, all in one cache line.
/// Removal shifts the following entries back, so there are no tombstones to pile up
/// under subscribe/unsubscribe churn.
#[derive(Debug, Default)]
struct ShortTable {
    /// Power-of-two length (or empty); a slot holds its key and atom, or `NO_ATOM`.
    slots: Vec<(u128, Atom)>,
    len: usize,
}

impl ShortTable {
    /// The slot where the search for `key` starts.
    #[inline]
    fn home(&self, key: u128) -> usize {
        let x = (key as u64) ^ ((key >> 64) as u64).rotate_left(31);
        let h = x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        // The high bits of the product are the well-mixed ones.
        (h >> 32) as usize & (self.slots.len() - 1)
    }

    #[inline(always)]
    fn get(&self, key: u128) -> Option<Atom> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let (k, atom) = self.slots[i];
            if atom == NO_ATOM {
                return None;
            }
            if k == key {
                return Some(atom);
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds a key that is not in the table.
    fn insert(&mut self, key: u128, atom: Atom) {
        if (self.len + 1) * 2 > self.slots.len() {
            let size = (self.slots.len() * 2).max(16);
            let old = core::mem::replace(&mut self.slots, vec![(0, NO_ATOM); size]);
            for (k, a) in old {
                if a != NO_ATOM {
                    self.place(k, a);
                }
            }
        }
        self.place(key, atom);
        self.len += 1;
    }

    fn place(&mut self, key: u128, atom: Atom) {
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        while self.slots[i].1 != NO_ATOM {
            i = (i + 1) & mask;
        }
        self.slots[i] = (key, atom);
    }

    fn remove(&mut self, key: u128) {
        if self.get(key).is_none() {
            return;
        }
        let mask = self.slots.len() - 1;
        let mut hole = self.home(key);
        while self.slots[hole].0 != key || self.slots[hole].1 == NO_ATOM {
            hole = (hole + 1) & mask;
        }
        // Move back every later entry of the run whose home is not between the hole
        // and its slot, so that no search stops early at the hole.
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let (k, a) = self.slots[j];
            if a == NO_ATOM {
                break;
            }
            let home = self.home(k);
            // Distances along the run, modulo the table size.
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                self.slots[hole] = (k, a);
                hole = j;
            }
        }
        self.slots[hole] = (0, NO_ATOM);
        self.len -= 1;
    }
}

/// A level text of up to 15 bytes as one number, different for every text: its bytes in
/// order from the lowest (zeros after them), and its length in the top byte. Reads a few (overlapping)
/// words rather than byte by byte.
#[inline(always)]
fn pack(b: &[u8]) -> Option<u128> {
    let n = b.len();
    let word4 = |s: &[u8]| u64::from(u32::from_le_bytes(s.try_into().expect("4 bytes")));
    let word8 = |s: &[u8]| u64::from_le_bytes(s.try_into().expect("8 bytes"));
    let (lo, hi) = match n {
        0 => (0, 0),
        // Bytes 0, n/2 and n-1 in their places: with the length known, every byte once
        // (or twice over itself).
        1..=3 => (
            u64::from(b[0])
                | u64::from(b[n / 2]) << (4 * (n & 2))
                | u64::from(b[n - 1]) << (8 * (n - 1)),
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
    Some(packed(lo, hi, n))
}

/// The packed form of a text of `n` bytes (at most 15) whose bytes, in order from the
/// lowest, are those of `lo` then `hi`, the bytes past the end 0.
#[inline(always)]
pub(crate) fn packed(lo: u64, hi: u64, n: usize) -> u128 {
    u128::from(lo) | u128::from(hi) << 64 | (n as u128) << 120
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

#[cfg(test)]
mod tests {
    use super::*;

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
        // The bytes in order, zero-padded: what a lookup builds from a word it loaded.
        for t in &texts {
            let mut word = [0u8; 16];
            word[..t.len()].copy_from_slice(t.as_bytes());
            let (lo, hi) = (
                u64::from_le_bytes(word[..8].try_into().unwrap()),
                u64::from_le_bytes(word[8..].try_into().unwrap()),
            );
            assert_eq!(pack(t.as_bytes()), Some(packed(lo, hi, t.len())), "{t:?}");
        }
    }

    #[test]
    fn short_table_agrees_with_a_map_through_inserts_and_removals() {
        // Many keys with the same home slot and runs that wrap around the end.
        let mut t = ShortTable::default();
        let mut model = std::collections::BTreeMap::new();
        let mut x = 12345u64;
        for step in 0..20_000u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let key = u128::from(x >> 58); // 64 distinct keys: long probe runs
            if model.contains_key(&key) && step % 3 != 0 {
                t.remove(key);
                model.remove(&key);
            } else if let std::collections::btree_map::Entry::Vacant(e) = model.entry(key) {
                t.insert(key, step);
                e.insert(step);
            }
            for k in 0..64u128 {
                assert_eq!(t.get(k), model.get(&k).copied(), "step {step}, key {k}");
            }
        }
        assert_eq!(t.len, model.len());
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
