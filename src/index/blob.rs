//! The `data` attribute's bytes: a part's JSON (`part.rs`) compressed with raw deflate and a preset
//! dictionary.
//!
//! Format (version byte 1): `0x01` followed by raw deflate (RFC 1951, no zlib header) of
//! `{"t0":<first line ms>,"s":<state>,"l":[[<ms after t0>,"<e|a|l>","<message>"],...]}` (`s` only in part 0),
//! compressed with `dictionary.txt` as the preset dictionary. The dictionary holds fixed text of AWS logs
//! (execution-log phrases, public header names, Lambda platform lines) and the state's JSON keys; it
//! halves the size of a typical request's lines, which keeps most items within one write unit. It must
//! never change: a new dictionary needs a new version byte. Python reads it with
//! `zlib.decompressobj(-15, zdict=open("src/index/dictionary.txt","rb").read()).decompress(blob[1:])`.
//! Pure.

use std::cell::RefCell;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// The preset dictionary of format version 1. Frozen (a test pins its checksum).
pub(crate) static DICTIONARY: &[u8] = include_bytes!("dictionary.txt");

/// First byte of a version-1 blob.
pub(crate) const FORMAT_V1: u8 = 1;

/// Deflate level of blobs: on the few kilobytes of a fragment, levels 3–9 give the same write units and 6 is
/// the cheapest of them (`docs/performance.md`); 1 and 2 push most execution-log fragments past one unit.
const LEVEL: u32 = 6;

/// Level tried first when a small part could keep its item within one write unit, the least any item costs:
/// then no stronger level can save a unit, and level 1 costs half as much CPU (the dictionary is set either
/// way). Measured on Lambda-log fragments: same write units as level 6, 1.2 ms instead of 2.5 ms per batch.
const FAST_LEVEL: u32 = 1;

/// Level 1 with the dictionary shrinks parts 2.8–4.3× on the generator's traffic: a part more than this many
/// times larger than its room would not fit, so trying would only add the cost of a second compression.
const FAST_TRY_MAX_RATIO: usize = 3;

/// A stored blob never decodes to more than this: parts are cut at [`super::part::PART_JSON_BUDGET`] bytes of JSON, so
/// anything larger is corrupt or hostile (a deflate bomb), and is refused instead of filling memory.
pub(crate) const MAX_DECODED_BLOB_BYTES: usize = 4 * 1024 * 1024;

/// Why a stored blob could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// Empty, or a version byte this build does not know.
    #[error("unknown data format (first byte {0:?})")]
    UnknownFormat(Option<u8>),
    /// The deflate stream is corrupt or truncated.
    #[error("corrupt compressed data: {0}")]
    Inflate(String),
    /// Decoding would pass [`MAX_DECODED_BLOB_BYTES`].
    #[error("compressed data decodes to more than {MAX_DECODED_BLOB_BYTES} bytes")]
    TooLarge,
    /// The JSON inside is not a fragment.
    #[error("stored fragment is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
}

thread_local! {
    // One compressor per level and thread, reset between blobs: allocating the deflate state (window, hash
    // chains) for each of a batch's hundreds of fragments cost more than compressing them.
    static COMPRESSOR: RefCell<Compress> = RefCell::new(Compress::new(Compression::new(LEVEL), false));
    static FAST_COMPRESSOR: RefCell<Compress> = RefCell::new(Compress::new(Compression::new(FAST_LEVEL), false));
}

/// Compresses `json` into a version-1 blob.
pub(crate) fn compress(json: &[u8]) -> Vec<u8> {
    COMPRESSOR.with(|c| compress_with(&mut c.borrow_mut(), json))
}

/// Compresses `json` into a version-1 blob, cheaply when a blob of at most `room` bytes (what keeps its item
/// within one write unit) is within reach, as small as [`compress`] makes it otherwise. Every level decodes
/// the same way.
pub(crate) fn compress_within(json: &[u8], room: usize) -> Vec<u8> {
    if json.len() <= room.saturating_mul(FAST_TRY_MAX_RATIO) {
        let fast = FAST_COMPRESSOR.with(|c| compress_with(&mut c.borrow_mut(), json));
        if fast.len() <= room {
            return fast;
        }
    }
    compress(json)
}

fn compress_with(c: &mut Compress, json: &[u8]) -> Vec<u8> {
    c.reset();
    let mut out = Vec::with_capacity(json.len() / 2 + 64);
    out.push(FORMAT_V1);
    // Setting a dictionary on a fresh raw stream cannot fail with a zlib backend; if it ever did, the data
    // would still be compressed, just without the dictionary, and decoding would report it corrupt.
    let _ = c.set_dictionary(DICTIONARY);
    loop {
        let consumed = c.total_in() as usize;
        if out.capacity() - out.len() < 64 {
            out.reserve(json.len() / 4 + 256);
        }
        match c.compress_vec(&json[consumed.min(json.len())..], &mut out, FlushCompress::Finish) {
            Ok(Status::StreamEnd) => return out,
            Ok(_) => {}
            // Compressing into a Vec with spare capacity has no failure mode left; stop rather than spin.
            Err(_) => return out,
        }
    }
}

/// Decompresses a version-1 blob.
pub fn decompress(blob: &[u8]) -> Result<Vec<u8>, CodecError> {
    let (&version, deflated) = blob.split_first().ok_or(CodecError::UnknownFormat(None))?;
    if version != FORMAT_V1 {
        return Err(CodecError::UnknownFormat(Some(version)));
    }
    let mut d = Decompress::new(false);
    d.set_dictionary(DICTIONARY)
        .map_err(|e| CodecError::Inflate(e.to_string()))?;
    let mut out = Vec::with_capacity((deflated.len() * 4 + 64).min(MAX_DECODED_BLOB_BYTES + 1));
    loop {
        if out.len() > MAX_DECODED_BLOB_BYTES {
            return Err(CodecError::TooLarge);
        }
        if out.capacity() == out.len() {
            // Grow by doubling, but never past the cap + 1 (one byte over is how the cap is detected).
            out.reserve_exact(out.len().max(4096).min(MAX_DECODED_BLOB_BYTES + 1 - out.len()));
        }
        let before = (d.total_in(), d.total_out());
        let consumed = (d.total_in() as usize).min(deflated.len());
        match d.decompress_vec(&deflated[consumed..], &mut out, FlushDecompress::Finish) {
            Ok(Status::StreamEnd) if out.len() <= MAX_DECODED_BLOB_BYTES => return Ok(out),
            Ok(Status::StreamEnd) => return Err(CodecError::TooLarge),
            Ok(_) if (d.total_in(), d.total_out()) == before && out.len() < out.capacity() => {
                return Err(CodecError::Inflate("truncated stream".into()));
            }
            Ok(_) => {}
            Err(e) => return Err(CodecError::Inflate(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_is_frozen() {
        // FNV-1a of dictionary.txt. Changing the dictionary makes every stored blob unreadable: add a new
        // format version instead.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in DICTIONARY {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        assert_eq!((DICTIONARY.len(), h), (6461, 0x4ec8_461c_ad02_d279), "{h:#x}");
    }

    #[test]
    fn blobs_round_trip_and_are_deterministic() {
        let text = br#"{"t0":5,"l":[[0,"e","Method completed with status: 502"]]}"#;
        let blob = compress(text);
        assert_eq!(blob[0], FORMAT_V1);
        assert!(blob.len() < text.len() / 2, "{}", blob.len());
        assert_eq!(compress(text), blob);
        assert_eq!(decompress(&blob).unwrap(), text);
        let big = vec![b'x'; 300_000];
        assert_eq!(decompress(&compress(&big)).unwrap(), big);
    }

    #[test]
    fn compress_within_takes_the_fast_level_only_when_its_blob_fits() {
        let line = |i: u32| {
            format!(r#"[{i},"l","REPORT RequestId: 18072e8c-35bf-492d-89e9-c6166{i:07}\tDuration: {i}.5 ms"]"#)
        };
        let json = format!(
            r#"{{"t0":5,"l":[{}]}}"#,
            (0..20).map(line).collect::<Vec<_>>().join(",")
        );
        let json = json.as_bytes();
        let best = compress(json);
        let room = json.len() / 2;
        let fast = compress_within(json, room);
        assert_ne!(fast, best, "room for the fast level: it is used");
        assert!(fast.len() <= room);
        assert_eq!(decompress(&fast).unwrap(), json);
        // No room that a blob could fit, or no room at all: the smallest blob, as compress makes it.
        assert_eq!(compress_within(json, best.len() - 1), best);
        assert_eq!(compress_within(json, 0), best);
    }

    #[test]
    fn corrupt_blobs_are_errors() {
        assert!(matches!(decompress(&[]), Err(CodecError::UnknownFormat(None))));
        assert!(matches!(
            decompress(&[9, 1, 2]),
            Err(CodecError::UnknownFormat(Some(9)))
        ));
        let blob = compress(&vec![b'y'; 10_000]);
        assert!(decompress(&blob[..blob.len() / 2]).is_err());
        let bomb = compress(&vec![0u8; MAX_DECODED_BLOB_BYTES + 10]);
        assert!(matches!(decompress(&bomb), Err(CodecError::TooLarge)));
    }
}
