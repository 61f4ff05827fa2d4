//! Scanning bytes eight at a time, for the scans every lookup makes.

const SEVEN: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// The high bit of each byte of `w` that is 0, and no other bit.
#[inline(always)]
pub(crate) fn zero_bytes(w: u64) -> u64 {
    !(((w & SEVEN).wrapping_add(SEVEN)) | w | SEVEN)
}

/// `b` in every byte of a word.
#[inline(always)]
pub(crate) const fn splat(b: u8) -> u64 {
    u64::from_le_bytes([b; 8])
}

/// The index of the first `b` in `bytes`, or `bytes.len()`.
#[inline(always)]
pub(crate) fn find_byte(bytes: &[u8], b: u8) -> usize {
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for w in &mut words {
        let z = zero_bytes(u64::from_le_bytes(w.try_into().expect("8 bytes")) ^ splat(b));
        if z != 0 {
            return at + z.trailing_zeros() as usize / 8;
        }
        at += 8;
    }
    let rest = words.remainder();
    at + rest.iter().position(|&c| c == b).unwrap_or(rest.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_byte_wherever_it_is() {
        for len in 0..40 {
            for at in 0..=len {
                let mut v = vec![b'a'; len];
                if at < len {
                    v[at] = b'/';
                    // A second one later, and bytes either side of '/' in value.
                    if at + 3 < len {
                        v[at + 3] = b'/';
                    }
                    if at > 0 {
                        v[at - 1] = b'.';
                    }
                }
                assert_eq!(find_byte(&v, b'/'), at, "len {len} at {at}");
            }
        }
        let all: Vec<u8> = (0..=255).collect();
        for b in 0..=255u8 {
            assert_eq!(find_byte(&all, b), usize::from(b));
        }
    }

    #[test]
    fn zero_bytes_marks_exactly_the_zero_bytes() {
        for pattern in [
            0u64,
            1,
            0x0100,
            0x8000_0000_0000_0080,
            u64::MAX,
            0x00FF_0001_7F80_0100,
        ] {
            let bytes = pattern.to_le_bytes();
            let want = bytes
                .iter()
                .enumerate()
                .filter(|(_, &b)| b == 0)
                .fold(0u64, |m, (i, _)| m | 0x80 << (8 * i));
            assert_eq!(zero_bytes(pattern), want, "{pattern:#x}");
        }
    }
}
