//! Reconnection delays: exponential backoff with a cap and seeded jitter.

use super::options::ReconnectPolicy;
use super::Millis;

/// A small deterministic generator (SplitMix64) for the jitter; the seed comes
/// from the host, so the core itself has no source of randomness.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// A value in [0, 1).
    pub fn next_unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The delay before attempt number `attempt` (1 for the first), given a
/// random value `unit` in [0, 1): `d = min(initial × 2^(attempt-1), max)`,
/// then `d - d × jitter × unit`, which lies in `[d × (1 - jitter), d]`.
pub fn backoff_delay(policy: &ReconnectPolicy, attempt: u32, unit: f64) -> Millis {
    let shift = attempt.saturating_sub(1).min(63);
    let base = policy
        .initial_delay_ms
        .saturating_mul(1u64.checked_shl(shift).unwrap_or(u64::MAX))
        .min(policy.max_delay_ms.max(policy.initial_delay_ms));
    let jitter = policy.jitter.clamp(0.0, 1.0);
    let cut = (base as f64 * jitter * unit.clamp(0.0, 1.0)) as Millis;
    base - cut.min(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(jitter: f64) -> ReconnectPolicy {
        ReconnectPolicy {
            initial_delay_ms: 1000,
            max_delay_ms: 10_000,
            jitter,
            max_attempts: None,
        }
    }

    #[test]
    fn delays_double_then_stop_at_the_cap() {
        let p = policy(0.0);
        let d: Vec<_> = (1..=6).map(|n| backoff_delay(&p, n, 0.5)).collect();
        assert_eq!(d, vec![1000, 2000, 4000, 8000, 10_000, 10_000]);
        assert_eq!(backoff_delay(&p, 200, 0.5), 10_000);
    }

    #[test]
    fn jitter_stays_within_its_fraction() {
        let p = policy(0.5);
        let mut rng = Rng::new(7);
        for n in 1..=20 {
            let d = backoff_delay(&p, n, rng.next_unit());
            let full = backoff_delay(&policy(0.0), n, 0.0);
            assert!(d <= full && d >= full / 2, "attempt {n}: {d} vs {full}");
        }
    }

    #[test]
    fn rng_is_deterministic_and_in_unit_range() {
        let mut a = Rng::new(1);
        let mut b = Rng::new(1);
        for _ in 0..100 {
            let x = a.next_unit();
            assert_eq!(x, b.next_unit());
            assert!((0.0..1.0).contains(&x));
        }
    }
}
