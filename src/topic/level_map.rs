//! The map from an exact topic level to a child node, shared by both tries.

use core::hash::{BuildHasherDefault, Hasher};
use std::collections::HashMap;

/// Children of a trie node keyed by their exact level text.
///
/// The hasher is a small multiply-rotate hash, several times faster than SipHash on
/// short level strings. It is not keyed, so a client that chooses thousands of
/// colliding level names can slow its own node down; this router serves a page, not
/// the open internet, and the benchmark is dominated by these lookups.
pub(crate) type LevelMap<V> = HashMap<Box<str>, V, BuildHasherDefault<LevelHasher>>;

/// See [`LevelMap`].
#[derive(Default, Clone, Copy)]
pub(crate) struct LevelHasher(u64);

/// An odd constant with well-spread bits (from the golden ratio family).
const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

impl LevelHasher {
    #[inline]
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(MULTIPLIER);
    }
}

impl Hasher for LevelHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let tail = chunks.remainder();
        if !tail.is_empty() {
            let mut word = [0u8; 8];
            word[..tail.len()].copy_from_slice(tail);
            self.mix(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i));
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // Fold the well-mixed high bits down: hashbrown takes its bucket from the low bits.
        self.0 ^ (self.0 >> 29)
    }
}
