//! The stored form of a fragment's summary state: the JSON at the head of a fragment's first part.
//!
//! This is a storage contract (items written months ago must read back), so it is pinned here, apart from
//! the in-memory fragments: field names, their order, and the evidence as a list of reason names are
//! exactly what the index has always written. Lines are stored apart (`part.rs`), never in the state.
//! Pure.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::fragment::{ApiFragment, Detail, FragmentCore, LambdaFragment, LineSource, Report, ReportStatus};
use crate::reason::{EvidenceSet, FailureReason};

/// An API fragment's stored state.
#[derive(Debug, Serialize, Deserialize)]
pub struct ApiState<'a> {
    #[serde(borrow)]
    pub(super) request_id: Cow<'a, str>,
    #[serde(borrow)]
    pub(super) extended_request_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) api_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) stage: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) method: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) resource_path: Option<Cow<'a, str>>,
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
    pub(super) xray_trace_id: Option<Cow<'a, str>>,
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
    pub(super) route_key: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub(super) connection_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub(super) event_type: Option<Cow<'a, str>>,
}

impl<'a> From<&ApiFragment<'a>> for ApiState<'a> {
    fn from(f: &ApiFragment<'a>) -> Self {
        Self {
            request_id: f.request_id.clone(),
            extended_request_id: f.extended_request_id.clone(),
            api_id: f.api_id.clone(),
            stage: f.stage.clone(),
            method: f.method.clone(),
            resource_path: f.resource_path.clone(),
            status: f.status,
            gateway_response_status: f.gateway_response_status,
            integration_latency_ms: f.integration_latency_ms,
            response_latency_ms: f.response_latency_ms,
            started_ms: f.started_ms,
            completed_ms: f.completed_ms,
            integration_status: f.integration_status,
            backend_status: f.backend_status,
            lambda_integration: f.lambda_integration,
            lambda_request_id: f.lambda_request_id.clone(),
            xray_trace_id: f.xray_trace_id.clone(),
            evidence: f.core.evidence(),
            details: f.core.details().to_vec(),
            first_timestamp_ms: f.core.first_timestamp_ms(),
            last_timestamp_ms: f.core.last_timestamp_ms(),
            complete: f.complete,
            completed_by: f.completed_by,
            line_count: f.core.line_count(),
            route_key: f.route_key.clone(),
            connection_id: f.connection_id.clone(),
            event_type: f.event_type.clone(),
        }
    }
}

impl<'a> From<ApiState<'a>> for ApiFragment<'a> {
    fn from(s: ApiState<'a>) -> Self {
        Self {
            request_id: s.request_id,
            extended_request_id: s.extended_request_id,
            api_id: s.api_id,
            stage: s.stage,
            method: s.method,
            resource_path: s.resource_path,
            status: s.status,
            gateway_response_status: s.gateway_response_status,
            integration_latency_ms: s.integration_latency_ms,
            response_latency_ms: s.response_latency_ms,
            started_ms: s.started_ms,
            completed_ms: s.completed_ms,
            integration_status: s.integration_status,
            backend_status: s.backend_status,
            lambda_integration: s.lambda_integration,
            lambda_request_id: s.lambda_request_id,
            xray_trace_id: s.xray_trace_id,
            route_key: s.route_key,
            connection_id: s.connection_id,
            event_type: s.event_type,
            complete: s.complete,
            completed_by: s.completed_by,
            core: FragmentCore::restore(
                s.evidence,
                s.details,
                s.first_timestamp_ms,
                s.last_timestamp_ms,
                s.line_count,
            ),
        }
    }
}

/// A REPORT's stored figures.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReportState<'a> {
    pub(super) duration_ms: Option<f64>,
    pub(super) billed_duration_ms: Option<u64>,
    pub(super) memory_size_mb: Option<u64>,
    pub(super) max_memory_used_mb: Option<u64>,
    pub(super) init_duration_ms: Option<f64>,
    /// Older items may hold a status this version does not know: it reads back as none.
    #[serde(deserialize_with = "lenient_status")]
    pub(super) status: Option<ReportStatus>,
    #[serde(borrow)]
    pub(super) error_type: Option<Cow<'a, str>>,
}

fn lenient_status<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ReportStatus>, D::Error> {
    let s: Option<Cow<'de, str>> = Option::deserialize(d)?;
    Ok(s.as_deref().and_then(ReportStatus::from_name))
}

/// A Lambda fragment's stored state.
#[derive(Debug, Serialize, Deserialize)]
pub struct LambdaState<'a> {
    #[serde(borrow)]
    pub(super) request_id: Cow<'a, str>,
    #[serde(borrow)]
    pub(super) function_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) report: Option<ReportState<'a>>,
    #[serde(borrow)]
    pub(super) error_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(super) xray_trace_id: Option<Cow<'a, str>>,
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

impl<'a> From<&LambdaFragment<'a>> for LambdaState<'a> {
    fn from(f: &LambdaFragment<'a>) -> Self {
        Self {
            request_id: f.request_id.clone(),
            function_name: f.function_name.clone(),
            report: f.report.as_ref().map(|r| ReportState {
                duration_ms: r.duration_ms,
                billed_duration_ms: r.billed_duration_ms,
                memory_size_mb: r.memory_size_mb,
                max_memory_used_mb: r.max_memory_used_mb,
                init_duration_ms: r.init_duration_ms,
                status: r.status,
                error_type: r.error_type.clone(),
            }),
            error_type: f.error_type.clone(),
            xray_trace_id: f.xray_trace_id.clone(),
            api_request_id: f.api_request_id.clone(),
            evidence: f.core.evidence(),
            details: f.core.details().to_vec(),
            first_timestamp_ms: f.core.first_timestamp_ms(),
            last_timestamp_ms: f.core.last_timestamp_ms(),
            line_count: f.core.line_count(),
        }
    }
}

impl<'a> From<LambdaState<'a>> for LambdaFragment<'a> {
    fn from(s: LambdaState<'a>) -> Self {
        Self {
            request_id: s.request_id,
            function_name: s.function_name,
            report: s.report.map(|r| Report {
                duration_ms: r.duration_ms,
                billed_duration_ms: r.billed_duration_ms,
                memory_size_mb: r.memory_size_mb,
                max_memory_used_mb: r.max_memory_used_mb,
                init_duration_ms: r.init_duration_ms,
                status: r.status,
                error_type: r.error_type,
            }),
            error_type: s.error_type,
            xray_trace_id: s.xray_trace_id,
            api_request_id: s.api_request_id,
            core: FragmentCore::restore(
                s.evidence,
                s.details,
                s.first_timestamp_ms,
                s.last_timestamp_ms,
                s.line_count,
            ),
        }
    }
}

/// Evidence sets are stored as the list of reason names, so stored fragments stay readable.
mod evidence_names {
    use super::*;

    pub fn serialize<S: Serializer>(set: &EvidenceSet, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(set.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<EvidenceSet, D::Error> {
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
