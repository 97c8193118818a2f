//! CloudWatch Logs adapter of the log-lines port: `FilterLogEvents` over one group (and stream), bounded
//! by a window, a filter pattern and a page cap.

use super::logs::CloudWatchLogs;
use super::sdk_error::onboard_error;
use crate::ports::log_lines::{Fetched, FetchedLine, LinesQuery, LogLines, MAX_FILTER_CALLS, id_pattern};
use crate::ports::{OnboardError, OnboardResult};

impl LogLines for CloudWatchLogs {
    async fn fetch(&self, q: &LinesQuery) -> OnboardResult<Fetched> {
        let pattern = id_pattern(&q.request_id).ok_or_else(|| OnboardError::Precondition {
            problem: format!("{:?} is not a request ID a filter pattern can match", q.request_id),
            fix: "look up an API Gateway or Lambda request ID (letters, digits and hyphens)".into(),
        })?;
        let mut out = Fetched::default();
        let mut token: Option<String> = None;
        loop {
            if out.calls == MAX_FILTER_CALLS {
                out.truncated = true;
                break;
            }
            let page = self
                .client
                .filter_log_events()
                .log_group_name(&q.group)
                .set_log_stream_names(q.stream.clone().map(|s| vec![s]))
                .start_time(q.start_ms)
                .end_time(q.end_ms)
                .filter_pattern(&pattern)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| onboard_error("CloudWatch Logs", "FilterLogEvents", e))?;
            out.calls += 1;
            out.lines.extend(page.events().iter().map(|e| FetchedLine {
                timestamp_ms: e.timestamp().unwrap_or(0),
                stream: e.log_stream_name().unwrap_or_default().to_string(),
                message: e.message().unwrap_or_default().to_string(),
            }));
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        out.lines.sort_by_key(|l| l.timestamp_ms);
        Ok(out)
    }
}
