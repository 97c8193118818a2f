//! The multi-pattern searches a line gets for the fragments of the redactor's rules.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::RedactorError;

/// Finds the fragments: Teddy (SIMD) where the CPU has it, the automaton otherwise.
#[derive(Debug, Clone)]
pub(super) enum Search {
    Packed(aho_corasick::packed::Searcher),
    Automaton(AhoCorasick),
}

impl Search {
    pub(super) fn new<P: AsRef<[u8]>>(patterns: &[P]) -> Result<Self, RedactorError> {
        let packed = fat_teddy(patterns).or_else(|| aho_corasick::packed::Searcher::new(patterns.iter()));
        if let Some(s) = packed {
            return Ok(Self::Packed(s));
        }
        AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(patterns)
            .map(Self::Automaton)
            .map_err(RedactorError::Build)
    }

    /// Where each match starts, leftmost-first, not overlapping.
    pub(super) fn each(&self, hay: &[u8], mut f: impl FnMut(usize, usize)) {
        match self {
            Self::Packed(s) => s.find_iter(hay).for_each(|m| f(m.start(), m.end())),
            Self::Automaton(a) => a.find_iter(hay).for_each(|m| f(m.start(), m.end())),
        }
    }
}

/// Fat Teddy (16 buckets, AVX2) even for fewer than the 33 patterns at which aho-corasick picks it: with 8
/// buckets, the names' 19 fragments share buckets with each other and the search stops to compare more often.
/// Over the bench batches' lowercased lines the names' search took 186 µs as slim Teddy and 151 µs as fat
/// (`docs/performance.md`). Only where AVX2 is: elsewhere (arm64) demanding fat Teddy would give no Teddy at all.
#[cfg(target_arch = "x86_64")]
fn fat_teddy<P: AsRef<[u8]>>(patterns: &[P]) -> Option<aho_corasick::packed::Searcher> {
    if !std::arch::is_x86_feature_detected!("avx2") {
        return None;
    }
    let mut config = aho_corasick::packed::Config::new();
    config.only_teddy(true).only_teddy_fat(Some(true));
    config.builder().extend(patterns.iter()).build()
}

#[cfg(not(target_arch = "x86_64"))]
fn fat_teddy<P: AsRef<[u8]>>(_: &[P]) -> Option<aho_corasick::packed::Searcher> {
    None
}
