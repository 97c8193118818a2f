//! Failure evidence in Lambda lines that name no request: the runtimes' init and crash output, the
//! platform's INIT_REPORT / RESTORE_REPORT, and late lines after a REPORT. Which invocation such a line
//! belongs to is decided by its position in the stream (`mod.rs`); what it says is decided here, from the
//! text alone. Every form below is a real capture (sources in the tests).

use std::borrow::Cow;

use memchr::memmem;

use super::fields::{field, node_fields};
use crate::fragment::ReportStatus;
use crate::parse::text::token;
use crate::reason::FailureReason;

/// What one line shows about the invocation it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::parse) struct Loose<'a> {
    /// The reason it is evidence for.
    pub reason: FailureReason,
    /// The error type it names, if any.
    pub error_type: Option<Cow<'a, str>>,
}

fn error<'a>(error_type: Option<&'a str>) -> Option<Loose<'a>> {
    let reason = match error_type {
        Some("Runtime.OutOfMemory") => FailureReason::LambdaOutOfMemory,
        _ => FailureReason::LambdaError,
    };
    Some(Loose {
        reason,
        error_type: error_type.filter(|t| !t.is_empty()).map(Cow::Borrowed),
    })
}

/// A plausible error type: one token, no spaces (`Runtime.ImportModuleError`, `Init<LoadError>`,
/// `java.lang.ClassNotFoundException`, `KeyError`).
fn type_like(t: &str) -> Option<&str> {
    let t = t.trim();
    (!t.is_empty() && t.len() <= 128 && !t.contains(char::is_whitespace)).then_some(t)
}

/// The value of `"errorType"` in embedded JSON (`"errorType":"X"` or `"errorType": "X"`).
pub(super) fn json_error_type(msg: &str) -> Option<&str> {
    let rest = &msg[memmem::find(msg.as_bytes(), b"\"errorType\"")? + "\"errorType\"".len()..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    type_like(&rest[..rest.find('"')?])
}

/// What a line without a request ID says, if it is failure evidence.
pub(in crate::parse) fn evidence(msg: &str) -> Option<Loose<'_>> {
    // INIT_REPORT / RESTORE_REPORT: the init (or SnapStart restore) of the invocation that follows.
    if msg.starts_with("INIT_REPORT") || msg.starts_with("RESTORE_REPORT") {
        let status = field(msg, "Status: ").map(token).and_then(ReportStatus::from_name);
        let error_type = field(msg, "Error Type: ").map(token).and_then(type_like);
        return match status {
            Some(ReportStatus::Timeout) => Some(Loose {
                reason: FailureReason::LambdaTimeout,
                error_type: error_type.map(Cow::Borrowed),
            }),
            Some(ReportStatus::Error | ReportStatus::Failure) => error(error_type),
            Some(ReportStatus::Success) | None => None,
        };
    }
    // Ruby reports SIGTERM at environment shutdown as an init error: not a request's failure.
    if memmem::find(msg.as_bytes(), b"Init<SignalException>").is_some() {
        return None;
    }
    // Python's runtime: `[ERROR] Runtime.ImportModuleError: Unable to import module …` (space, no request
    // ID), after `LAMBDA_WARNING: Unhandled exception`, in text and JSON modes.
    if let Some(rest) = msg.strip_prefix("[ERROR] ") {
        return error(rest.split(':').next().and_then(type_like));
    }
    // The warning alone is a preface (the `[ERROR]` line that follows is the evidence); in JSON mode the
    // error's record shares its event.
    if msg.starts_with("LAMBDA_WARNING: Unhandled exception") {
        return json_error_type(msg).and_then(|t| error(Some(t)));
    }
    // `Unknown application error occurred\nRuntime.Unknown` (Go, Node, Python), `…\nInit<LoadError>` (Ruby).
    if let Some(rest) = msg.strip_prefix("Unknown application error occurred") {
        return error(type_like(rest.trim()).or_else(|| rest.split_whitespace().last()));
    }
    // The line after `RequestId: … Error: …`: `Runtime.ExitError`, `Runtime.InvalidEntrypoint`.
    if msg.starts_with("Runtime.") || msg.starts_with("Extension.") {
        return type_like(msg).and_then(|t| error(Some(t)));
    }
    // Node.js at module load: `<ts>\tundefined\tERROR\tUncaught Exception \t{"errorType":…}`; Node 24 writes
    // `-` for the request ID even in an invocation.
    if let Some((_, rest)) = node_id_less(msg)
        && (rest.contains("Uncaught Exception") || rest.contains("Invoke Error"))
    {
        return error(json_error_type(rest));
    }
    // Ruby: `Init error when loading handler …`, `Error raised from handler method`, `Critical exception
    // from handler`, each with the error's JSON (`"errorType": "Init<LoadError>"`) in the same event or next.
    for phrase in [
        "Init error when loading handler",
        "Error raised from handler method",
        "Critical exception from handler",
    ] {
        if msg.starts_with(phrase) {
            return error(json_error_type(msg));
        }
    }
    // Java: `Class not found: x.Y: java.lang.ClassNotFoundException`, `Error loading class x.Y: …:
    // java.lang.NoClassDefFoundError`.
    if msg.starts_with("Class not found: ") || msg.starts_with("Error loading class ") {
        return error(msg.rsplit(": ").next().and_then(type_like));
    }
    // .NET: `Amazon.Lambda.RuntimeSupport.ExceptionHandling.LambdaValidationException: Could not find …`.
    if let Some(i) = memmem::find(msg.as_bytes(), b"LambdaValidationException") {
        let start = msg[..i].rfind(char::is_whitespace).map_or(0, |s| s + 1);
        return error(type_like(&msg[start..i + "LambdaValidationException".len()]));
    }
    // A runtime that exits during init, printed without a request ID.
    if let Some(rest) = msg.strip_prefix("Error: Runtime exited") {
        let oom = rest.contains("signal: killed");
        return error(Some(if oom {
            "Runtime.OutOfMemory"
        } else {
            "Runtime.ExitError"
        }))
        .map(|l| Loose {
            error_type: Some(Cow::Borrowed("Runtime.ExitError")),
            ..l
        });
    }
    for phrase in [
        "Error: .NET binaries for Lambda function are not correctly installed",
        "IMAGE Launch error:",
        "Unable to import module ",
        "module initialization error",
        "calling the handler function resulted in a panic",
    ] {
        if msg.starts_with(phrase) {
            return error(None);
        }
    }
    if msg.starts_with("Task timed out after ") {
        return Some(Loose {
            reason: FailureReason::LambdaTimeout,
            error_type: None,
        });
    }
    None
}

/// A Node.js console line whose request-ID field is `undefined` (init) or `-` (Node 24).
fn node_id_less(msg: &str) -> Option<(&str, &str)> {
    if node_fields(msg).is_some() {
        return None;
    }
    let mut f = msg.splitn(4, '\t');
    let (_ts, id, level) = (f.next()?, f.next()?, f.next()?);
    (matches!(id, "undefined" | "-") && level == "ERROR").then(|| (id, f.next().unwrap_or("")))
}

#[cfg(test)]
mod tests {
    use super::*;

    use FailureReason::{LambdaError as E, LambdaOutOfMemory as Oom, LambdaTimeout as T};

    /// (line, reason, error type). Each a real capture; `\t` where the source shows tabs.
    const CASES: &[(&str, FailureReason, Option<&str>)] = &[
        // https://github.com/aws/aws-lambda-go/issues/554 (Go on provided.al2023, 2024-03)
        (
            "INIT_REPORT Init Duration: 1.57 ms\tPhase: init\tStatus: error\tError Type: Runtime.InvalidEntrypoint",
            E,
            Some("Runtime.InvalidEntrypoint"),
        ),
        (
            "INIT_REPORT Init Duration: 1.80 ms\tPhase: invoke\tStatus: error\tError Type: Runtime.InvalidEntrypoint",
            E,
            Some("Runtime.InvalidEntrypoint"),
        ),
        ("Runtime.InvalidEntrypoint", E, Some("Runtime.InvalidEntrypoint")),
        // AWS Lambda Developer Guide, "Understanding the Lambda execution environment lifecycle" (spaces)
        (
            "INIT_REPORT Init Duration: 1236.04 ms Phase: init Status: timeout",
            T,
            None,
        ),
        (
            "INIT_REPORT Init Duration: 1236.04 ms Phase: init Status: error Error Type: Extension.Crash",
            E,
            Some("Extension.Crash"),
        ),
        (
            "RESTORE_REPORT Restore Duration: 1236.04 ms Status: error Error Type: Runtime.ExitError",
            E,
            Some("Runtime.ExitError"),
        ),
        // An SST container-image repro README (init timeout, then the suppressed re-init's error)
        (
            "INIT_REPORT Init Duration: 10337.01 ms\tPhase: init\tStatus: timeout",
            T,
            None,
        ),
        (
            "INIT_REPORT Init Duration: 45045.69 ms\tPhase: invoke\tStatus: error\tError Type: Runtime.Unknown",
            E,
            Some("Runtime.Unknown"),
        ),
        // Java RIC's RAPID error types, https://github.com/aws/aws-lambda-java-libs/pull/501
        (
            "INIT_REPORT Init Duration: 2332.54 ms\tPhase: invoke\tStatus: error\tError Type: Runtime.BadFunctionCode",
            E,
            Some("Runtime.BadFunctionCode"),
        ),
        // Python runtime, 2024-2026 captures (ImportModuleError before START, HandlerNotFound)
        (
            "[ERROR] Runtime.ImportModuleError: Unable to import module 'lambda_news_agent': No module named 'lambda_news_agent'\nTraceback (most recent call last):",
            E,
            Some("Runtime.ImportModuleError"),
        ),
        (
            "[ERROR] Runtime.HandlerNotFound: Handler 'foo' missing on module 'lambda_function'",
            E,
            Some("Runtime.HandlerNotFound"),
        ),
        // https://github.com/bluesentry/bucket-antivirus-function/issues/119
        (
            "[ERROR] KeyError: 'Records'\nTraceback (most recent call last):\n  File \"/var/task/scan.py\", line 212, in lambda_handler",
            E,
            Some("KeyError"),
        ),
        // Python JSON mode, one event: the warning, `\r`, the JSON record (a 2024 test fixture of real events)
        (
            "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code.\r{\"timestamp\": \"2024-06-17T17:23:55Z\", \"log_level\": \"ERROR\", \"errorMessage\": \"'utf-8' codec can't decode byte 0x80\", \"errorType\": \"UnicodeDecodeError\", \"requestId\": \"ca52c236-a38d-40fc-aa6b-7e3be2b7aa55\"}",
            E,
            Some("UnicodeDecodeError"),
        ),
        // https://github.com/aws/aws-lambda-go/issues/559 (al2023 panic); Ruby, serverless-sinatra-sample#10
        (
            "Unknown application error occurred\nRuntime.Unknown",
            E,
            Some("Runtime.Unknown"),
        ),
        (
            "Unknown application error occurred\nInit<LoadError>",
            E,
            Some("Init<LoadError>"),
        ),
        (
            "calling the handler function resulted in a panic, the process should exit",
            E,
            None,
        ),
        // Node.js at module load, https://github.com/aws/aws-lambda-base-images/issues/75
        (
            "2023-01-26T07:46:54.151Z\tundefined\tERROR\tUncaught Exception \t{\"errorType\":\"Error\",\"errorMessage\":\"cold\"}",
            E,
            Some("Error"),
        ),
        // Node 24 writes `-` for the request ID, aws-lambda-nodejs-runtime-interface-client#175
        (
            "2025-12-11T15:13:28.520Z\t-\tERROR\tInvoke Error \t{\"errorType\":\"Error\",\"errorMessage\":\"No lambda request id logged on Node24.\"}",
            E,
            Some("Error"),
        ),
        // Ruby, serverless-sinatra-sample#10 and the AWS docs' ruby-exceptions capture
        (
            "Init error when loading handler lambda.handler\n{\n  \"errorMessage\": \"cannot load such file -- rack\",\n  \"errorType\": \"Init<LoadError>\"\n}",
            E,
            Some("Init<LoadError>"),
        ),
        (
            "Error raised from handler method\n{ \"errorMessage\": \"no implicit conversion of String into Integer\", \"errorType\": \"Function<TypeError>\" }",
            E,
            Some("Function<TypeError>"),
        ),
        // Java, https://github.com/aws-samples/aws-lambda-java-workshop/issues/855
        (
            "Class not found: com.unicorn.store.StreamLambdaHandler: java.lang.ClassNotFoundException",
            E,
            Some("java.lang.ClassNotFoundException"),
        ),
        (
            "Error loading class com.adcb.cert.S3FileLambda: software/amazon/awssdk/core/SdkClient: java.lang.NoClassDefFoundError",
            E,
            Some("java.lang.NoClassDefFoundError"),
        ),
        // .NET, https://github.com/aws/aws-lambda-dotnet/issues/1399
        (
            "Amazon.Lambda.RuntimeSupport.ExceptionHandling.LambdaValidationException: Could not find the specified handler assembly with the file name 'LambdaTest, Culture=neutral, PublicKeyToken=null'.",
            E,
            Some("Amazon.Lambda.RuntimeSupport.ExceptionHandling.LambdaValidationException"),
        ),
        // Vercel/Node init exit without a request ID (several captures)
        (
            "Error: Runtime exited with error: exit status 1",
            E,
            Some("Runtime.ExitError"),
        ),
        (
            "Error: Runtime exited with error: signal: killed",
            Oom,
            Some("Runtime.ExitError"),
        ),
        // https://github.com/aws/aws-lambda-base-images/issues/34 (container entrypoint)
        (
            "IMAGE Launch error: fork/exec /lambda-entrypoint.sh: exec format error Entrypoint: [/lambda-entrypoint.sh]",
            E,
            None,
        ),
        // Bare timeout line as some log forwarders show it
        ("Task timed out after 10.06 seconds", T, None),
    ];

    #[test]
    fn every_real_form_is_evidence_with_its_type() {
        for (line, reason, error_type) in CASES {
            let got = evidence(line).unwrap_or_else(|| panic!("no evidence in {line:?}"));
            assert_eq!(
                (got.reason, got.error_type.as_deref()),
                (*reason, *error_type),
                "{line}"
            );
        }
    }

    #[test]
    fn ordinary_and_shutdown_lines_are_not_evidence() {
        for line in [
            // INIT_REPORT of a successful init (SnapStart, provisioned concurrency)
            "INIT_REPORT Init Duration: 231.70 ms\tPhase: init\tStatus: success",
            "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code.",
            "INIT_START Runtime Version: python:3.12.mainlinev2.v43\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:36aeb19f",
            "EXTENSION\tName: AWSParametersAndSecretsLambdaExtension\tState: Ready\tEvents: [SHUTDOWN, INVOKE]",
            // An extension's own ERROR output is not the function's failure (id 41620553350)
            "[AWS Parameters and Secrets Lambda Extension] 2024/06/26 02:34:51 ERROR GetParameter request encountered an error",
            // Ruby logs SIGTERM at shutdown as an init error (aws-lambda-ruby-runtime-interface-client#35)
            "Init error when loading handler\n{\"errorMessage\": \"SIGTERM\", \"errorType\": \"Init<SignalException>\"}",
            "[WARNING]\t2024-01-29T16:40:40.116Z\t\tMatplotlib created a temporary cache directory",
            "Processing event...",
        ] {
            assert_eq!(evidence(line), None, "{line}");
        }
    }
}
