//! Does a function's resource-based policy let CloudWatch Logs invoke it for a log group? Read from the
//! policy JSON Lambda returns (`GetPolicy`), so `doctor` can say so and `subscribe` adds a statement only
//! when none covers the group.

use serde_json::Value;

/// The statement ID onboarding adds (one for every log group of the account and region).
pub(crate) const STATEMENT_ID: &str = "apigw-logs-subscriptions";

/// Whether `policy` allows `logs.amazonaws.com` (or a regional `logs.REGION.amazonaws.com`) to call
/// `lambda:InvokeFunction` with `source_arn` (`arn:…:log-group:NAME:*`). Lambda compares `AWS:SourceArn`
/// with `ArnLike` (wildcards); a statement without a source condition allows every source.
pub(crate) fn allows_logs(policy: &str, source_arn: &str) -> bool {
    let Ok(doc) = serde_json::from_str::<Value>(policy) else {
        return false;
    };
    let statements = match &doc["Statement"] {
        Value::Array(a) => a.iter().collect(),
        s @ Value::Object(_) => vec![s],
        _ => Vec::new(),
    };
    statements.into_iter().any(|s| {
        s["Effect"] == "Allow"
            && strings(&s["Principal"]["Service"]).any(is_logs_principal)
            && strings(&s["Action"]).any(|a| matches!(a, "lambda:InvokeFunction" | "lambda:*" | "*"))
            && source_allowed(&s["Condition"], source_arn)
    })
}

fn is_logs_principal(p: &str) -> bool {
    p == "logs.amazonaws.com" || (p.starts_with("logs.") && p.ends_with(".amazonaws.com"))
}

/// A string or a list of strings.
fn strings(v: &Value) -> impl Iterator<Item = &str> {
    let list: Vec<&str> = match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    list.into_iter()
}

fn source_allowed(condition: &Value, source_arn: &str) -> bool {
    let Some(ops) = condition.as_object() else {
        return true;
    };
    let mut constrained = false;
    for (op, keys) in ops {
        let Some(keys) = keys.as_object() else { continue };
        for (key, patterns) in keys {
            if !key.eq_ignore_ascii_case("aws:SourceArn") {
                continue;
            }
            constrained = true;
            let wildcard = op.ends_with("Like");
            if strings(patterns).any(|p| if wildcard { glob(p, source_arn) } else { p == source_arn }) {
                return true;
            }
        }
    }
    !constrained
}

/// IAM wildcard match: `*` any run of characters, `?` one character.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            backtrack = Some((pi, ti));
            pi += 1;
        } else if let Some((bp, bt)) = backtrack {
            pi = bp + 1;
            ti = bt + 1;
            backtrack = Some((bp, bt + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "arn:aws:logs:eu-west-1:123456789012:log-group:API-Gateway-Execution-Logs_a/dev:*";

    fn policy(statement: &str) -> String {
        format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)
    }

    #[test]
    fn statements_are_read_as_lambda_applies_them() {
        let stmt = |principal: &str, cond: &str| {
            format!(
                r#"{{"Effect":"Allow","Principal":{{"Service":"{principal}"}},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:eu-west-1:123456789012:function:idx"{cond}}}"#
            )
        };
        let account_wide = r#","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:logs:eu-west-1:123456789012:log-group:*"},"StringEquals":{"AWS:SourceAccount":"123456789012"}}"#;
        let one_group =
            r#","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:logs:eu-west-1:123456789012:log-group:other:*"}}"#;
        let cases = [
            (policy(&stmt("logs.amazonaws.com", account_wide)), true),
            (policy(&stmt("logs.eu-west-1.amazonaws.com", account_wide)), true),
            (policy(&stmt("logs.amazonaws.com", "")), true),
            (policy(&stmt("logs.amazonaws.com", one_group)), false),
            (policy(&stmt("apigateway.amazonaws.com", account_wide)), false),
            (
                policy(&stmt("logs.amazonaws.com", account_wide).replace("Allow", "Deny")),
                false,
            ),
            ("not json".to_string(), false),
        ];
        for (p, want) in cases {
            assert_eq!(allows_logs(&p, SOURCE), want, "{p}");
        }
    }

    #[test]
    fn wildcards_match_like_iam() {
        assert!(glob("a*c", "abbbc"));
        assert!(glob("a?c", "abc"));
        assert!(glob("*", ""));
        assert!(!glob("a*d", "abc"));
        assert!(glob("arn:*:log-group:*", SOURCE));
    }
}
