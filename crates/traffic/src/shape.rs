//! The API the traffic comes from: the API Gateway workshop's observability module, a REST API stage `dev`
//! with `GET /generate-data` behind a Lambda proxy integration.

/// The REST API's ID.
pub const API_ID: &str = "a1b2c3d4e5";
/// Its stage.
pub const STAGE: &str = "dev";
/// The region every ARN and host names.
pub const REGION: &str = "eu-west-1";
/// The account that owns the log groups (the one AWS documentation uses).
pub const ACCOUNT: &str = "123456789012";
/// The integrated function.
pub const FUNCTION: &str = "module-4-observability-FunctionForDataPoints-1ABCDEF2GHIJ";
/// The execution-log group API Gateway writes for the stage.
pub const EXEC_GROUP: &str = "API-Gateway-Execution-Logs_a1b2c3d4e5/dev";
/// The function's log group.
pub const LAMBDA_GROUP: &str = "/aws/lambda/module-4-observability-FunctionForDataPoints-1ABCDEF2GHIJ";
/// The subscription filter name the deliveries carry.
pub const SUBSCRIPTION_FILTER: &str = "apigw-log-indexer";

/// API Gateway cuts an execution-log event at 1024 bytes, ending it with [`TRUNCATED`].
pub const EXEC_EVENT_MAX_BYTES: usize = 1024;
/// What API Gateway appends to an execution-log event it cut.
pub const TRUNCATED: &str = " [TRUNCATED]";

/// `message` as API Gateway logs it: cut to [`EXEC_EVENT_MAX_BYTES`] (on a character boundary), ending in
/// [`TRUNCATED`], when longer.
pub fn cut(message: String) -> String {
    if message.len() <= EXEC_EVENT_MAX_BYTES {
        return message;
    }
    let mut end = EXEC_EVENT_MAX_BYTES - TRUNCATED.len();
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = message;
    out.truncate(end);
    out.push_str(TRUNCATED);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_name_the_api_and_the_function() {
        assert_eq!(EXEC_GROUP, format!("API-Gateway-Execution-Logs_{API_ID}/{STAGE}"));
        assert_eq!(LAMBDA_GROUP, format!("/aws/lambda/{FUNCTION}"));
    }

    #[test]
    fn cut_keeps_short_lines_and_ends_long_ones_at_1024_bytes() {
        assert_eq!(cut("short".into()), "short");
        let long = cut("é".repeat(600));
        assert!(
            long.len() <= EXEC_EVENT_MAX_BYTES && long.ends_with(TRUNCATED),
            "{}",
            long.len()
        );
        assert_eq!(cut("x".repeat(2000)).len(), EXEC_EVENT_MAX_BYTES);
    }
}
