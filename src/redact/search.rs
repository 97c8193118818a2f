//! The one multi-pattern search a line gets for every fragment of the redactor's rules.

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
        if let Some(s) = aho_corasick::packed::Searcher::new(patterns.iter()) {
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
