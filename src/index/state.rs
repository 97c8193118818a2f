//! The stored form of a fragment's summary state: the JSON at the head of a fragment's first part.
//!
//! This is a storage contract (items written months ago must read back), so it is pinned here, apart from
//! the in-memory fragments: field names, their order, and the evidence as a list of reason names are
//! exactly what the index has always written. Lines are stored apart (`part.rs`), never in the state.
//! Pure.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::fragment::{
    ApiFragment, Detail, FragmentCore, LambdaFragment, LineSource, Report, ReportStatus, api_fields, lambda_fields,
    report_fields,
};
use crate::reason::{EvidenceSet, FailureReason};
use crate::redact::Redacted;

/// An API fragment's stored state.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ApiState<'a> {
    #[serde(borrow)]
    pub(super) request_id: Cow<'a, str>,
    #[serde(borrow)]
    pub(super) extended_request_id: Option<Redacted<'a>>,
    #[serde(borrow)]
    pub(super) api_id: Option<Redacted<'a>>,
    #[serde(borrow)]
    pub(super) stage: Option<Redacted<'a>>,
    #[serde(borrow)]
    pub(super) method: Option<Redacted<'a>>,
    #[serde(borrow)]
    pub(super) resource_path: Option<Redacted<'a>>,
    pub(super) status: Option<u16>,
    pub(super) gateway_response_status: Option<u16>,
    pub(super) integration_latency_ms: Option<u64>,
    pub(super) response_latency_ms: Option<u64>,
    pub(super) started_ms: Option<i64>,
    pub(super) completed_ms: Option<i64>,
    pub(super) integration_status: Option<u16>,
    pub(super) backend_status: Option<u16>,
    pub(super) lambda_integration: Option<bool>,
    #[serde(borrow)]
    pub(super) lambda_request_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) xray_trace_id: Option<Redacted<'a>>,
    #[serde(with = "evidence_names")]
    pub(super) evidence: EvidenceSet,
    #[serde(borrow)]
    pub(super) details: Vec<Detail<'a>>,
    pub(super) first_timestamp_ms: Option<i64>,
    pub(super) last_timestamp_ms: Option<i64>,
    pub(super) complete: bool,
    #[serde(default)]
    pub(super) completed_by: Option<LineSource>,
    pub(super) line_count: u64,
    // Added later: absent from older items, and left out when unknown so REST items keep their bytes.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub(super) route_key: Option<Redacted<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub(super) connection_id: Option<Redacted<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub(super) event_type: Option<Redacted<'a>>,
    // Response streaming (REST, November 2025): only access logs that log the new variables have them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) streamed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) time_to_all_headers_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) time_to_first_content_ms: Option<u64>,
}

// Both directions take their source apart whole and build the target whole, over the one field list
// (`api_fields`): a field added to the fragment does not compile until the state stores it.
impl<'a> From<&ApiFragment<'a>> for ApiState<'a> {
    fn from(f: &ApiFragment<'a>) -> Self {
        macro_rules! to_state {
            ($($group:ident: $($field:ident),*;)*) => {{
                let ApiFragment { $($($field,)*)* core } = f;
                ApiState {
                    $($($field: Clone::clone($field),)*)*
                    evidence: core.evidence(),
                    details: core.details().to_vec(),
                    first_timestamp_ms: core.first_timestamp_ms(),
                    last_timestamp_ms: core.last_timestamp_ms(),
                    line_count: core.line_count(),
                }
            }};
        }
        api_fields!(to_state)
    }
}

impl<'a> From<ApiState<'a>> for ApiFragment<'a> {
    fn from(s: ApiState<'a>) -> Self {
        macro_rules! from_state {
            ($($group:ident: $($field:ident),*;)*) => {{
                let ApiState { $($($field,)*)* evidence, details, first_timestamp_ms, last_timestamp_ms, line_count } = s;
                ApiFragment {
                    $($($field,)*)*
                    core: FragmentCore::restore(evidence, details, first_timestamp_ms, last_timestamp_ms, line_count),
                }
            }};
        }
        api_fields!(from_state)
    }
}

/// A REPORT's stored figures.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ReportState<'a> {
    pub(super) duration_ms: Option<f64>,
    pub(super) billed_duration_ms: Option<u64>,
    pub(super) memory_size_mb: Option<u64>,
    pub(super) max_memory_used_mb: Option<u64>,
    pub(super) init_duration_ms: Option<f64>,
    /// Older items may hold a status this version does not know: it reads back as none.
    #[serde(deserialize_with = "lenient_status")]
    pub(super) status: Option<ReportStatus>,
    #[serde(borrow)]
    pub(super) error_type: Option<Redacted<'a>>,
}

fn lenient_status<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ReportStatus>, D::Error> {
    let s: Option<Cow<'de, str>> = Option::deserialize(d)?;
    Ok(s.as_deref().and_then(ReportStatus::from_name))
}

/// A Lambda fragment's stored state.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct LambdaState<'a> {
    #[serde(borrow)]
    pub(super) request_id: Cow<'a, str>,
    #[serde(borrow)]
    pub(super) function_name: Option<Redacted<'a>>,
    #[serde(borrow)]
    pub(super) report: Option<ReportState<'a>>,
    #[serde(borrow)]
    pub(super) error_type: Option<Redacted<'a>>,
    #[serde(borrow)]
    pub(super) xray_trace_id: Option<Redacted<'a>>,
    #[serde(borrow)]
    pub(super) api_request_id: Option<Cow<'a, str>>,
    #[serde(with = "evidence_names")]
    pub(super) evidence: EvidenceSet,
    #[serde(borrow)]
    pub(super) details: Vec<Detail<'a>>,
    pub(super) first_timestamp_ms: Option<i64>,
    pub(super) last_timestamp_ms: Option<i64>,
    pub(super) line_count: u64,
}

impl<'a> From<&Report<'a>> for ReportState<'a> {
    fn from(r: &Report<'a>) -> Self {
        macro_rules! to_state {
            ($($f:ident),*) => {{
                let Report { $($f),* } = r;
                ReportState { $($f: Clone::clone($f)),* }
            }};
        }
        report_fields!(to_state)
    }
}

impl<'a> From<ReportState<'a>> for Report<'a> {
    fn from(r: ReportState<'a>) -> Self {
        macro_rules! from_state {
            ($($f:ident),*) => {{
                let ReportState { $($f),* } = r;
                Report { $($f),* }
            }};
        }
        report_fields!(from_state)
    }
}

impl<'a> From<&LambdaFragment<'a>> for LambdaState<'a> {
    fn from(f: &LambdaFragment<'a>) -> Self {
        macro_rules! to_state {
            (key: $key:ident; text: $($t:ident),*; id: $($i:ident),*; report: $r:ident;) => {{
                let LambdaFragment { $key, $($t,)* $($i,)* $r, core } = f;
                LambdaState {
                    $key: $key.clone(),
                    $($t: $t.clone(),)*
                    $($i: $i.clone(),)*
                    $r: $r.as_ref().map(ReportState::from),
                    evidence: core.evidence(),
                    details: core.details().to_vec(),
                    first_timestamp_ms: core.first_timestamp_ms(),
                    last_timestamp_ms: core.last_timestamp_ms(),
                    line_count: core.line_count(),
                }
            }};
        }
        lambda_fields!(to_state)
    }
}

impl<'a> From<LambdaState<'a>> for LambdaFragment<'a> {
    fn from(s: LambdaState<'a>) -> Self {
        macro_rules! from_state {
            (key: $key:ident; text: $($t:ident),*; id: $($i:ident),*; report: $r:ident;) => {{
                let LambdaState { $key, $($t,)* $($i,)* $r, evidence, details, first_timestamp_ms, last_timestamp_ms, line_count } = s;
                LambdaFragment {
                    $key,
                    $($t,)*
                    $($i,)*
                    $r: $r.map(Report::from),
                    core: FragmentCore::restore(evidence, details, first_timestamp_ms, last_timestamp_ms, line_count),
                }
            }};
        }
        lambda_fields!(from_state)
    }
}

/// Evidence sets are stored as the list of reason names, so stored fragments stay readable.
mod evidence_names {
    use super::*;

    pub(super) fn serialize<S: Serializer>(set: &EvidenceSet, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(set.iter())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<EvidenceSet, D::Error> {
        let mut set = EvidenceSet::default();
        for r in Vec::<FailureReason>::deserialize(d)? {
            set.insert(r);
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_states_round_trip_with_evidence_as_names() {
        let mut f = ApiFragment::new("r");
        f.core.touch(1);
        f.core.add_evidence(FailureReason::LambdaTimeout, 1, "x".into());
        f.status = Some(502);
        let json = serde_json::to_string(&ApiState::from(&f)).unwrap();
        assert!(json.contains(r#""evidence":["LambdaTimeout"]"#), "{json}");
        let back: ApiState<'_> = serde_json::from_str(&json).unwrap();
        assert_eq!(ApiFragment::from(back), f);
    }

    #[test]
    fn an_unknown_stored_report_status_reads_back_as_none() {
        let json = r#"{"request_id":"l","function_name":null,"report":{"duration_ms":1.0,"billed_duration_ms":1,
            "memory_size_mb":128,"max_memory_used_mb":1,"init_duration_ms":null,"status":"weird","error_type":null},
            "error_type":null,"xray_trace_id":null,"api_request_id":null,"evidence":[],"details":[],
            "first_timestamp_ms":1,"last_timestamp_ms":1,"line_count":1}"#;
        let s: LambdaState<'_> = serde_json::from_str(json).unwrap();
        let f = LambdaFragment::from(s);
        assert_eq!(f.report.unwrap().status, None);
    }
}
