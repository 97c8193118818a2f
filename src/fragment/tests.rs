use super::*;

fn fragment(id: &str, ts: i64, f: impl FnOnce(&mut ApiFragment<'static>)) -> ApiFragment<'static> {
    let mut s = ApiFragment::new(id.to_string());
    s.core.touch(ts);
    f(&mut s);
    s
}

#[test]
fn merging_fragments_is_order_independent() {
    let a = fragment("r", 20, |s| {
        s.status = Some(502);
        s.complete = true;
        s.core
            .add_evidence(FailureReason::MalformedProxyResponse, 20, "Malformed".into());
    });
    let b = fragment("r", 10, |s| {
        s.method = Some("GET".into());
        s.core
            .add_evidence(FailureReason::LambdaThrottled, 10, "Rate Exceeded.".into());
    });
    let mut ab = a.clone();
    ab.merge(b.clone());
    let mut ba = b;
    ba.merge(a);
    let sorted = |f: &ApiFragment<'static>| {
        let mut d = f.core.details().to_vec();
        d.sort_by_key(|d| d.reason);
        d
    };
    assert_eq!(sorted(&ab), sorted(&ba));
    assert_eq!((ab.status, &ab.method), (ba.status, &ba.method));
    assert_eq!(ab.core.first_timestamp_ms(), Some(10));
    assert_eq!(ab.core.last_timestamp_ms(), Some(20));
    assert_eq!(ab.core.line_count(), 2);
    assert_eq!(ab.core.evidence().winner(), Some(FailureReason::LambdaThrottled));
}

#[test]
fn the_earliest_evidence_line_is_kept_per_reason() {
    let mut s = ApiFragment::new("r");
    s.core.add_evidence(FailureReason::Throttled, 5, "later".into());
    s.core.add_evidence(FailureReason::Throttled, 1, "first".into());
    assert_eq!(s.core.details().len(), 1);
    assert_eq!(s.core.details()[0].message, "first");
}

#[test]
fn restored_details_keep_one_line_per_reason() {
    let d = |ts, m: &'static str| Detail {
        reason: FailureReason::LambdaError,
        timestamp_ms: ts,
        message: m.into(),
    };
    let core = FragmentCore::restore(EvidenceSet::default(), vec![d(5, "b"), d(1, "a")], None, None, 2);
    assert_eq!(core.details(), &[d(1, "a")]);
}

/// An API request's list of lines grows to what a request usually has once it holds eight: no fragment takes
/// more room per line than a one-line one does (four lines' room), and the growth changes no line.
#[test]
fn a_request_s_lines_grow_to_a_request_s_size_past_eight() {
    let line = |n: i64| Line {
        timestamp_ms: n,
        event_id: Cow::Owned(n.to_string()),
        source: LineSource::Execution,
        message: "m".into(),
    };
    let mut lines = FragmentCore::default();
    let mut rooms = Vec::new();
    for n in 0..30 {
        lines.push_line_of(24, line(n));
        let room = lines.lines.capacity();
        assert!(room <= 4 * lines.lines.len(), "{room} for {} lines", lines.lines.len());
        rooms.push(room);
    }
    rooms.dedup();
    assert_eq!(rooms, [4, 8, 24, 48]);
    assert!(lines.lines.iter().map(|l| l.timestamp_ms).eq(0..30));
}
