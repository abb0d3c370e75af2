//! A tiny seeded random number generator (xorshift64*) for the examples,
//! standing in for Python's `random` module: the same seed gives the same
//! run, so the example tests can check exact output.

#![allow(dead_code)] // each example uses part of it

/// A seeded pseudo-random generator; not for cryptography.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (any value, 0 included).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// A generator seeded from the clock.
    pub fn from_time() -> Rng {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Rng::new(nanos)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Python's `random.randint(lo, hi)`: uniform in `lo..=hi`.
    pub fn randint(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    /// `n` random bytes as hex, like `os.urandom(n).hex()`.
    pub fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| format!("{:02x}", self.next() as u8))
            .collect()
    }
}
