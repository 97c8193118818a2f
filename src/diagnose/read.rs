//! Numbers and names read from evidence lines, only at the positions AWS writes them: the text after a
//! fixed phrase, up to the next space. Anything else is not read. Pure.

/// The text after the first `key` in `line`.
fn after<'l>(line: &'l str, key: &str) -> Option<&'l str> {
    line.find(key).map(|i| &line[i + key.len()..])
}

/// The token after `key`: up to the next space, without trailing punctuation.
pub(super) fn token_after<'l>(line: &'l str, key: &str) -> Option<&'l str> {
    let rest = after(line, key)?.trim_start();
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let t = rest[..end].trim_end_matches([',', '.', ';', ')', ':']);
    (!t.is_empty()).then_some(t)
}

/// A decimal number after `key` (`Limit: 5.00` → 5.0).
fn number_after(line: &str, key: &str) -> Option<f64> {
    token_after(line, key)?.parse().ok().filter(|v: &f64| v.is_finite())
}

/// `Task timed out after 1.00 seconds` (Lambda's runtime; also quoted by API Gateway's failure line): the
/// function's timeout as Lambda states it, in ms.
pub(super) fn timed_out_after_ms(line: &str) -> Option<u64> {
    let s = number_after(line, "Task timed out after ")?;
    (s >= 0.0 && after(line, "Task timed out after ")?.contains(" seconds")).then(|| (s * 1000.0).round() as u64)
}

/// The first IAM role ARN in the line (`… assume the provided role arn:aws:iam::123456789012:role/x`).
pub(super) fn role_arn(line: &str) -> Option<&str> {
    let i = line.find("arn:aws")?;
    let arn = token_after(&line[i..], "")?;
    arn.contains(":role/").then_some(arn)
}

/// The principal of an IAM denial (`User: arn:aws:sts::… is not authorized …`).
pub(super) fn denied_principal(line: &str) -> Option<&str> {
    token_after(line, "User: ").filter(|p| p.starts_with("arn:") || *p == "anonymous")
}

/// The usage plan a throttle or quota line names (`for Usage Plan ID nnpegc`).
pub(super) fn usage_plan_id(line: &str) -> Option<&str> {
    token_after(line, "Usage Plan ID ")
}

/// A usage plan's rate limit and burst (`Limit: 5.00 Burst: 10`).
pub(super) fn throttle_limits(line: &str) -> Option<(f64, u64)> {
    let rate = number_after(line, "Limit: ")?;
    let burst = token_after(line, "Burst: ")?.parse().ok()?;
    Some((rate, burst))
}

/// A usage plan's quota and its period when logged (`Limit: 200 Period: DAY`, `Limit: 1000 Remaining: 0`).
pub(super) fn quota_limit(line: &str) -> Option<(u64, Option<&str>)> {
    let limit = token_after(line, "Limit: ")?.parse().ok()?;
    Some((limit, token_after(line, "Period: ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_are_read_only_where_aws_writes_them() {
        let timeout = "2023-10-30T12:58:42.123Z 5e2e4d2a-0b8c-4a8e-9f3b-1a2b3c4d5e6f Task timed out after 1.00 seconds";
        assert_eq!(timed_out_after_ms(timeout), Some(1000));
        assert_eq!(timed_out_after_ms("Task timed out after 900.02 seconds"), Some(900_020));
        assert_eq!(timed_out_after_ms("Task timed out after soon"), None);
        assert_eq!(timed_out_after_ms("Task timed out after 3"), None);
        let assume = "Execution failed due to configuration error: API Gateway does not have permission to assume \
                      the provided role arn:aws:iam::123456789012:role/apigw-sqs";
        assert_eq!(role_arn(assume), Some("arn:aws:iam::123456789012:role/apigw-sqs"));
        assert_eq!(role_arn("arn:aws:lambda:us-east-1:1:function:f"), None);
        let deny = "User: arn:aws:sts::123456789012:assumed-role/r/s is not authorized to perform: \
                    execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:a/b/GET/";
        assert_eq!(
            denied_principal(deny),
            Some("arn:aws:sts::123456789012:assumed-role/r/s")
        );
        assert_eq!(denied_principal("User: somebody is not authorized"), None);
        let throttle = "API Key ****F0yrv6 exceeded throttle limit for API Stage rohkz08x02/dev: Key throttle limit \
                        exceeded for Usage Plan ID nnpegc, RestApi rohkz08x02, Stage dev, Resource f646q2, HttpMethod \
                        GET. Limit: 5.00 Burst: 10";
        assert_eq!(usage_plan_id(throttle), Some("nnpegc"));
        assert_eq!(throttle_limits(throttle), Some((5.0, 10)));
        let quota = "API Key ***apikey exceeded quota limit for API Stage xxxxx/prod: Key quota exhausted for Usage \
                     Plan ID xxxx. Limit: 200 Period: DAY";
        assert_eq!(quota_limit(quota), Some((200, Some("DAY"))));
        assert_eq!(
            quota_limit("Key quota exhausted for Usage Plan ID k2x9pq. Limit: 1000 Remaining: 0"),
            Some((1000, None))
        );
        assert_eq!(quota_limit("Limit: lots"), None);
    }
}
