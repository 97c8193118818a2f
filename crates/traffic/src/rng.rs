//! The generator's random source: MT19937 (Matsumoto and Nishimura, 1998) with the derivations CPython's
//! `random.Random` builds on it (`getrandbits`, `random`, `randint`, `uniform`, `choice`), written out here so
//! that a seed gives the same draws on every platform and with every dependency version.
//!
//! Why these and not a smaller generator: the traffic the project's first figures were measured on was
//! produced by a Python script seeded the same way. The traffic is no longer byte-identical to it (its
//! execution environments change the draws), but the generator stays a pure function of its seed.

/// The MT19937 state size, in 32-bit words.
const N: usize = 624;
/// The MT19937 middle-word offset.
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// A seeded Mersenne Twister with CPython's derived draws.
#[derive(Clone)]
pub struct Rng {
    state: Box<[u32; N]>,
    index: usize,
}

impl Rng {
    /// Seeded as `random.Random(seed)` seeds from a non-negative integer: `init_by_array` over the seed's
    /// 32-bit words, least significant first (one word `[0]` for zero).
    pub fn new(seed: u64) -> Self {
        let (low, high) = (seed as u32, (seed >> 32) as u32);
        let key: &[u32] = if high == 0 { &[low] } else { &[low, high] };
        let mut rng = Self::from_word(19_650_218);
        rng.mix_key(key);
        rng
    }

    /// `init_genrand`.
    fn from_word(s: u32) -> Self {
        let mut state = Box::new([0u32; N]);
        state[0] = s;
        for i in 1..N {
            state[i] = 1_812_433_253u32
                .wrapping_mul(state[i - 1] ^ (state[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        Self { state, index: N }
    }

    /// `init_by_array`.
    fn mix_key(&mut self, key: &[u32]) {
        let mt = &mut self.state;
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            mt[i] = (mt[i] ^ (mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            mt[i] = (mt[i] ^ (mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = UPPER_MASK; // a non-zero initial state
    }

    /// The next 32 raw bits (`genrand_uint32`).
    pub fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            self.twist();
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn twist(&mut self) {
        let mt = &mut self.state;
        for k in 0..N {
            let y = (mt[k] & UPPER_MASK) | (mt[(k + 1) % N] & LOWER_MASK);
            let mag = if y & 1 == 1 { MATRIX_A } else { 0 };
            mt[k] = mt[(k + M) % N] ^ (y >> 1) ^ mag;
        }
        self.index = 0;
    }

    /// `getrandbits(bits)` as 32-bit words, least significant first; the last word holds the remaining
    /// `bits % 32` bits (the top bits of its draw), as CPython builds its integer.
    fn bits(&mut self, bits: u32) -> Vec<u32> {
        let mut words = Vec::with_capacity(bits.div_ceil(32) as usize);
        let mut left = bits;
        while left > 0 {
            let r = self.next_u32();
            words.push(if left < 32 { r >> (32 - left) } else { r });
            left = left.saturating_sub(32);
        }
        words
    }

    /// `getrandbits(bits)` for `bits <= 64`.
    fn bits_u64(&mut self, bits: u32) -> u64 {
        debug_assert!(bits <= 64);
        self.bits(bits)
            .iter()
            .rev()
            .fold(0u64, |acc, &w| (acc << 32) | u64::from(w))
    }

    /// 128 random bits (`getrandbits(128)`).
    pub fn u128(&mut self) -> u128 {
        self.bits(128)
            .iter()
            .rev()
            .fold(0u128, |acc, &w| (acc << 32) | u128::from(w))
    }

    /// `"%0*x" % (digits, getrandbits(4 * digits))`: `digits` lowercase hex digits.
    pub fn hex(&mut self, digits: usize) -> String {
        let words = self.bits(4 * digits as u32);
        let mut out = String::with_capacity(digits);
        let top_digits = digits - 8 * (words.len() - 1);
        for (i, w) in words.iter().rev().enumerate() {
            let width = if i == 0 { top_digits } else { 8 };
            out.push_str(&format!("{w:0width$x}"));
        }
        out
    }

    /// A uniform integer in `0..n` (`_randbelow`: rejection over `n.bit_length()` bits). `n > 0`.
    pub fn below(&mut self, n: u64) -> u64 {
        let k = u64::BITS - n.leading_zeros();
        loop {
            let r = self.bits_u64(k);
            if r < n {
                return r;
            }
        }
    }

    /// A uniform integer in `lo..=hi` (`randint`).
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// A uniform float in `[0, 1)` with 53 random bits (`random`).
    pub fn unit(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `uniform(lo, hi)`: `lo + (hi - lo) * random()`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// One element of `items` (`choice`). `items` is not empty.
    pub fn choose<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A version-4 UUID from 128 random bits (`uuid.UUID(int=getrandbits(128), version=4)`).
    pub fn uuid(&mut self) -> String {
        let mut v = self.u128();
        v &= !(0xc000u128 << 48);
        v |= 0x8000u128 << 48;
        v &= !(0xf000u128 << 64);
        v |= 4u128 << 76;
        let h = format!("{v:032x}");
        format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
    }
}

/// `round(x, 2)`: the nearest value with two decimals, rounded from `x`'s exact binary value (as both
/// CPython's `round` and Rust's formatting do).
pub fn round2(x: f64) -> f64 {
    format!("{x:.2}").parse().unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference output of MT19937 seeded with `init_by_array({0x123, 0x234, 0x345, 0x456})`
    /// (mt19937ar.out, the authors' test vector): its first five draws.
    #[test]
    fn matches_the_reference_implementations_test_vector() {
        let mut rng = Rng::from_word(19_650_218);
        rng.mix_key(&[0x123, 0x234, 0x345, 0x456]);
        let first: Vec<u32> = (0..5).map(|_| rng.next_u32()).collect();
        assert_eq!(
            first,
            [1_067_595_299, 955_945_823, 477_289_528, 4_107_218_783, 4_228_976_476]
        );
    }

    /// Draws of `random.Random(seed)` as CPython 3.11 gives them (`random()`, `randint`, `getrandbits`
    /// through `"%0*x"`, `uuid.UUID(int=getrandbits(128), version=4)`, `uniform`, `choice`).
    #[test]
    fn matches_cpython() {
        assert_eq!(Rng::new(1).unit(), 0.134_364_244_112_401_22);
        assert_eq!(Rng::new(1).int(5, 60), 13);
        assert_eq!(Rng::new(1).hex(8), "2265b1f5");
        assert_eq!(Rng::new(1).hex(14), "91b7582265b1f5");
        let mut rng = Rng::new((1 << 40) + 7);
        assert_eq!(rng.uuid(), "f01c56bb-d09e-4ab5-bf50-a4629d1bb0da");
        assert_eq!(rng.uniform(250.0, 1500.0), 1_431.264_385_949_109);
        assert_eq!(*rng.choose(&['a', 'b', 'c', 'd', 'e', 'f']), 'e');
        let mut rng = Rng::new(0);
        let long = rng.hex(600);
        assert_eq!((long.len(), &long[..20]), (600, "66194cb1d71037d1b83e"));
        assert!(long.ends_with("f6fbed82c07cd"), "{long}");
        assert_eq!(rng.int(1, 50), 46);
    }

    #[test]
    fn round2_rounds_to_two_decimals() {
        assert_eq!(round2(1.005), 1.0); // 1.005 is 1.00499999... in binary
        assert_eq!(round2(12.3456), 12.35);
    }
}
