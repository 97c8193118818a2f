//! A fragment's parts as JSON: `{"t0":<first line ms>,"s":<state>,"l":[[<ms after t0>,"<e|a|l>","<message>"],...]}`
//! (`s`, the stored state of `state.rs`, only in part 0), each part at most [`PART_JSON_BUDGET`] bytes,
//! written straight into one buffer and compressed by `blob.rs`. Pure.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::blob::{CodecError, compress_within};
use crate::fragment::{Line, LineSource};
use crate::redact::Redacted;

/// JSON bytes per part before compression. Deflate expands incompressible input by well under 1%, so a
/// part's compressed blob stays far below DynamoDB's 400 KB item limit with room for the other attributes
/// (at most a few KB). The margin absorbs the estimate's approximations.
pub(crate) const PART_JSON_BUDGET: usize = 256 * 1024;

/// A stored line is cut to this many bytes of JSON (CloudWatch events can reach 1 MB; API Gateway's own
/// lines are at most 1 KB). The cut is marked in the message, never silent.
pub(crate) const MAX_LINE_JSON_BYTES: usize = 64 * 1024;

/// Appended to text the indexer shortened.
pub(crate) const TRUNCATION_MARKER: &str = " [apigw-log-indexer: truncated]";

/// One letter per source keeps the stored JSON small.
const fn source_letter(s: LineSource) -> &'static str {
    match s {
        LineSource::Execution => "e",
        LineSource::Access => "a",
        LineSource::Lambda => "l",
    }
}

fn source_of(letter: &str) -> Option<LineSource> {
    Some(match letter {
        "e" => LineSource::Execution,
        "a" => LineSource::Access,
        "l" => LineSource::Lambda,
        _ => return None,
    })
}

/// Cuts `text` to at most `max` bytes (on a character boundary) and marks the cut.
pub(crate) fn truncate_marked(text: &str, max: usize) -> Cow<'_, str> {
    crate::redact::truncate_with(text, max, TRUNCATION_MARKER)
}

/// Builds a fragment's parts: each part's JSON is written straight into one buffer (no string per line)
/// and compressed when the next line would pass [`PART_JSON_BUDGET`]. Part 0 carries the state.
pub(crate) struct PartsBuilder<'s> {
    t0: i64,
    state_json: &'s str,
    buf: Vec<u8>,
    /// JSON bytes counted against the budget: the state (part 0), and each line plus its separator.
    size: usize,
    lines_in_part: usize,
    /// Bytes part 0's blob may take and keep its item within one write unit (see [`compress_within`]).
    room0: usize,
    parts: Vec<Vec<u8>>,
}

impl<'s> PartsBuilder<'s> {
    /// Starts part 0 of a fragment whose line offsets are relative to `t0`. `room0`: the bytes part 0's blob
    /// may take and keep its item within one write unit (0 if it cannot).
    pub(crate) fn new(t0: i64, state_json: &'s str, room0: usize, size_hint: usize) -> Self {
        let mut b = Self {
            t0,
            state_json,
            buf: Vec::with_capacity((state_json.len() + size_hint + 64).min(PART_JSON_BUDGET + 1024)),
            size: state_json.len(),
            lines_in_part: 0,
            room0,
            parts: Vec::new(),
        };
        b.open_part();
        b
    }

    fn open_part(&mut self) {
        self.buf.clear();
        self.buf.extend_from_slice(b"{\"t0\":");
        self.buf
            .extend_from_slice(itoa::Buffer::new().format(self.t0).as_bytes());
        if self.parts.is_empty() {
            self.buf.extend_from_slice(b",\"s\":");
            self.buf.extend_from_slice(self.state_json.as_bytes());
        }
        self.buf.extend_from_slice(b",\"l\":[");
        self.lines_in_part = 0;
    }

    fn close_part(&mut self) {
        self.buf.extend_from_slice(b"]}");
        // Later parts go on items of their own, but only a fragment of over 256 KB has them.
        let room = if self.parts.is_empty() { self.room0 } else { 0 };
        self.parts.push(compress_within(&self.buf, room));
    }

    /// Appends a line, starting a new part first when it would pass the budget.
    pub(crate) fn push(&mut self, line: &Line<'_>) {
        let mark = self.buf.len();
        let sep = usize::from(self.lines_in_part > 0);
        if sep == 1 {
            self.buf.push(b',');
        }
        write_line_json(&mut self.buf, line, self.t0);
        let json_len = self.buf.len() - mark - sep;
        if self.size + json_len + 1 > PART_JSON_BUDGET && (self.lines_in_part > 0 || self.parts.is_empty()) {
            // Rare (a fragment of over 256 KB): move the line to a fresh part.
            let line_json = self.buf[mark + sep..].to_vec();
            self.buf.truncate(mark);
            self.close_part();
            self.open_part();
            self.buf.extend_from_slice(&line_json);
            self.size = 0;
        }
        self.size += json_len + 1;
        self.lines_in_part += 1;
    }

    /// Compresses the last part; returns every part's blob, part 0 first.
    pub(crate) fn finish(mut self) -> Vec<Vec<u8>> {
        self.close_part();
        self.parts
    }
}

/// Writes a line's compact JSON (`[dt,"e","message"]`) to `buf`, the message cut to keep the JSON within
/// [`MAX_LINE_JSON_BYTES`].
fn write_line_json(buf: &mut Vec<u8>, line: &Line<'_>, t0: i64) {
    let mark = buf.len();
    let mut message: Cow<'_, str> = Cow::Borrowed(&line.message);
    loop {
        buf.push(b'[');
        buf.extend_from_slice(
            itoa::Buffer::new()
                .format(line.timestamp_ms.saturating_sub(t0))
                .as_bytes(),
        );
        buf.extend_from_slice(b",\"");
        buf.extend_from_slice(source_letter(line.source).as_bytes());
        buf.extend_from_slice(b"\",");
        // Writing a str into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *buf, &*message);
        buf.push(b']');
        // JSON escaping can grow a message up to six-fold, so measure the JSON, and halve until it fits.
        if buf.len() - mark <= MAX_LINE_JSON_BYTES || message.len() <= TRUNCATION_MARKER.len() {
            return;
        }
        buf.truncate(mark);
        let keep = (message.len() / 2).max(TRUNCATION_MARKER.len());
        message = truncate_marked(&line.message, keep.min(MAX_LINE_JSON_BYTES));
    }
}

/// One line's JSON alone, as [`PartsBuilder`] writes it.
#[cfg(test)]
fn line_json(line: &Line<'_>, t0: i64) -> String {
    let mut buf = Vec::new();
    write_line_json(&mut buf, line, t0);
    String::from_utf8(buf).expect("JSON is UTF-8")
}

/// Assembles a part's JSON from its already-serialized pieces (tests compare [`PartsBuilder`] with it).
#[cfg(test)]
fn part_json(t0: i64, state_json: Option<&str>, line_jsons: &[String]) -> String {
    let mut out = String::new();
    out.push_str("{\"t0\":");
    out.push_str(&t0.to_string());
    if let Some(s) = state_json {
        out.push_str(",\"s\":");
        out.push_str(s);
    }
    out.push_str(",\"l\":[");
    out.push_str(&line_jsons.join(","));
    out.push_str("]}");
    out
}

/// A decoded part: the state (part 0 only) and the lines.
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "S: Deserialize<'de>"))]
pub(crate) struct Part<'a, S> {
    /// Timestamp the line offsets are relative to.
    pub t0: i64,
    /// The fragment's state, without lines.
    #[serde(default = "Option::default")]
    pub s: Option<S>,
    /// `[dt, source letter, message]`.
    #[serde(borrow)]
    pub l: Vec<(i64, Cow<'a, str>, Redacted<'a>)>,
}

impl<'a, S> Part<'a, S> {
    /// The stored lines as [`Line`]s (event IDs are not stored: the item key holds the first one).
    pub(crate) fn lines(&mut self) -> impl Iterator<Item = Line<'a>> + '_ {
        let t0 = self.t0;
        self.l.drain(..).map(move |(dt, letter, message)| Line {
            timestamp_ms: t0.saturating_add(dt),
            event_id: Cow::Borrowed(""),
            source: source_of(&letter).unwrap_or(LineSource::Execution),
            message,
        })
    }
}

/// Parses a decompressed part.
pub(crate) fn parse_part<'a, S: Deserialize<'a>>(json: &'a [u8]) -> Result<Part<'a, S>, CodecError> {
    Ok(serde_json::from_slice(json)?)
}

/// Serializes a state (without its lines) for part 0.
pub(crate) fn state_json<S: Serialize>(state: &S) -> String {
    serde_json::to_string(state).unwrap_or_else(|_| "{}".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fragment::ApiFragment;
    use crate::index::blob::{compress, decompress};
    use crate::index::state::ApiState;

    #[test]
    fn parts_parse_back_into_states_and_lines() {
        let mut s = ApiFragment::new("r1");
        s.status = Some(502);
        s.core.touch(1000);
        let line = Line {
            timestamp_ms: 1003,
            event_id: "e1".into(),
            source: LineSource::Lambda,
            message: "REPORT RequestId: x\tDuration: 1.00 ms\n\"quoted\"".into(),
        };
        let json = part_json(1000, Some(&state_json(&ApiState::from(&s))), &[line_json(&line, 1000)]);
        let bytes = decompress(&compress(json.as_bytes())).unwrap();
        let mut part: Part<'_, ApiState<'_>> = parse_part(&bytes).unwrap();
        assert_eq!(ApiFragment::from(part.s.take().unwrap()), s);
        let lines: Vec<Line<'_>> = part.lines().collect();
        assert_eq!(lines.len(), 1);
        assert_eq!((lines[0].timestamp_ms, lines[0].source), (1003, LineSource::Lambda));
        assert_eq!(lines[0].message, line.message);
    }

    /// The parts as the straightforward construction gives them: each line serialized alone, then joined.
    fn reference_parts(state_json: &str, lines: &[Line<'_>], t0: i64) -> Vec<String> {
        let mut parts = Vec::new();
        let mut current: Vec<String> = Vec::new();
        let mut size = state_json.len();
        for line in lines {
            let json = line_json(line, t0);
            if size + json.len() + 1 > PART_JSON_BUDGET && (!current.is_empty() || parts.is_empty()) {
                let state = parts.is_empty().then_some(state_json);
                parts.push(part_json(t0, state, &current));
                current.clear();
                size = 0;
            }
            size += json.len() + 1;
            current.push(json);
        }
        let state = parts.is_empty().then_some(state_json);
        parts.push(part_json(t0, state, &current));
        parts
    }

    #[test]
    fn parts_builder_writes_the_reference_json() {
        let line = |i: i64, message: String| Line {
            timestamp_ms: 1000 + i,
            event_id: "e".into(),
            source: [LineSource::Execution, LineSource::Access, LineSource::Lambda][i.rem_euclid(3) as usize],
            message: message.into(),
        };
        let cases: Vec<Vec<Line<'_>>> = vec![
            vec![],
            vec![line(0, "Method completed with status: 200".into())],
            vec![
                line(-5, "tab\t \"quote\" \\ \u{1} é \u{2028}".into()),
                line(3, String::new()),
            ],
            // Passes the part budget several times, with a line over the per-line cap among them.
            (0..700)
                .map(|i| {
                    line(
                        i,
                        if i == 350 {
                            "\"".repeat(40_000)
                        } else {
                            format!("{i} {}", "x".repeat(900))
                        },
                    )
                })
                .collect(),
        ];
        // The line format is serde_json's encoding of the tuple (what `Part` reads back).
        for l in &cases[2] {
            let tuple = (l.timestamp_ms - 1000, source_letter(l.source), &*l.message);
            assert_eq!(line_json(l, 1000), serde_json::to_string(&tuple).unwrap());
        }
        for lines in &cases {
            let state = r#"{"request_id":"r"}"#;
            let mut builder = PartsBuilder::new(1000, state, 0, 0);
            for l in lines {
                builder.push(l);
            }
            let got: Vec<String> = builder
                .finish()
                .iter()
                .map(|blob| String::from_utf8(decompress(blob).unwrap()).unwrap())
                .collect();
            assert_eq!(got, reference_parts(state, lines, 1000), "{} lines", lines.len());
            assert!(got.iter().all(|p| p.len() <= PART_JSON_BUDGET + 64));
        }
    }

    #[test]
    fn huge_lines_are_cut_with_a_marker() {
        let message = "\u{1}é".repeat(100_000);
        let line = Line {
            timestamp_ms: 0,
            event_id: "e".into(),
            source: LineSource::Execution,
            message: message.into(),
        };
        let json = line_json(&line, 0);
        assert!(json.len() <= MAX_LINE_JSON_BYTES, "{}", json.len());
        assert!(json.contains(TRUNCATION_MARKER.trim()));
        assert_eq!(truncate_marked("short", 100), "short");
    }
}
