//! Lambda invocations across managed runtimes: init-phase failures (logged before START, with or without
//! INIT_START in the batch), suppressed inits (`Phase: invoke`), crashes and timeouts in the old style
//! (extra lines, REPORT without `Status:`) and the new style (REPORT `Status:` only), and evidence logged
//! after the REPORT. The rule (`docs/failure-reasons.md`): error evidence means status `error` or `timeout`,
//! never `success`. Each case is a real capture; its source is beside it.

use apigw_log_indexer::encode;

use crate::helpers::{LAMBDA_GROUP, parse_events};

/// One invocation's stream and what its record must say: (status, error type, failure reason).
struct Case {
    source: &'static str,
    lines: &'static [&'static str],
    id: &'static str,
    want: (&'static str, Option<&'static str>, &'static str),
}

const CASES: &[Case] = &[
    Case {
        source: "https://github.com/aws/aws-lambda-go/issues/554 (Go, provided.al2023, exec format error)",
        lines: &[
            "INIT_START Runtime Version: provided:al2023.v97\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:c41794fa",
            "INIT_REPORT Init Duration: 1.57 ms\tPhase: init\tStatus: error\tError Type: Runtime.InvalidEntrypoint",
            "INIT_REPORT Init Duration: 1.80 ms\tPhase: invoke\tStatus: error\tError Type: Runtime.InvalidEntrypoint",
            "START RequestId: d515bace-9d56-4982-bd7c-0b5d3dfdd550 Version: $LATEST",
            "RequestId: d515bace-9d56-4982-bd7c-0b5d3dfdd550 Error: fork/exec /var/task/bootstrap: exec format error\nRuntime.InvalidEntrypoint",
            "END RequestId: d515bace-9d56-4982-bd7c-0b5d3dfdd550",
            "REPORT RequestId: d515bace-9d56-4982-bd7c-0b5d3dfdd550\tDuration: 21.80 ms\tBilled Duration: 22 ms\tMemory Size: 128 MB\tMax Memory Used: 3 MB",
        ],
        id: "d515bace-9d56-4982-bd7c-0b5d3dfdd550",
        want: ("error", Some("Runtime.InvalidEntrypoint"), "LambdaError"),
    },
    Case {
        source: "https://github.com/Optum/dce/issues/483 (suppressed init only, no INIT_START in the capture)",
        lines: &[
            "INIT_REPORT Init Duration: 0.25 ms\tPhase: invoke\tStatus: error\tError Type: Runtime.InvalidEntrypoint",
            "START RequestId: 01028c6f-9a62-4946-b1be-d1d6db5cd870 Version: $LATEST",
            "END RequestId: 01028c6f-9a62-4946-b1be-d1d6db5cd870",
            "REPORT RequestId: 01028c6f-9a62-4946-b1be-d1d6db5cd870\tDuration: 2.10 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 3 MB",
        ],
        id: "01028c6f-9a62-4946-b1be-d1d6db5cd870",
        want: ("error", Some("Runtime.InvalidEntrypoint"), "LambdaError"),
    },
    Case {
        source: "a 2024 Lambda console capture (Python ImportModuleError, init and suppressed re-init before START)",
        lines: &[
            "INIT_START Runtime Version: python:3.12.mainlinev2.v43\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:36aeb19f",
            "[ERROR] Runtime.ImportModuleError: Unable to import module 'search': No module named 'search'\nTraceback (most recent call last):",
            "INIT_REPORT Init Duration: 80.49 ms\tPhase: invoke\tStatus: error\tError Type: Runtime.ImportModuleError",
            "START RequestId: 57325a9d-ff5f-42e4-83df-80f3dcaaef25 Version: $LATEST",
            "END RequestId: 57325a9d-ff5f-42e4-83df-80f3dcaaef25",
            "REPORT RequestId: 57325a9d-ff5f-42e4-83df-80f3dcaaef25\tDuration: 92.12 ms\tBilled Duration: 93 ms\tMemory Size: 128 MB\tMax Memory Used: 38 MB",
        ],
        id: "57325a9d-ff5f-42e4-83df-80f3dcaaef25",
        want: ("error", Some("Runtime.ImportModuleError"), "LambdaError"),
    },
    Case {
        source: "https://github.com/serverless/dashboard/pull/464 (Python HandlerNotFound inside the invocation, REPORT without Status)",
        lines: &[
            "START RequestId: 8da27dae-7bf7-496f-a818-adb9f030f808 Version: $LATEST",
            "[ERROR] Runtime.HandlerNotFound: Handler 'foo' missing on module 'lambda_function'\nTraceback (most recent call last):",
            "END RequestId: 8da27dae-7bf7-496f-a818-adb9f030f808",
            "REPORT RequestId: 8da27dae-7bf7-496f-a818-adb9f030f808  Duration: 1.62 ms  Billed Duration: 2 ms  Memory Size: 128 MB  Max Memory Used: 39 MB  Init Duration: 290.42 ms",
        ],
        id: "8da27dae-7bf7-496f-a818-adb9f030f808",
        want: ("error", Some("Runtime.HandlerNotFound"), "LambdaError"),
    },
    Case {
        source: "https://github.com/aws-samples/serverless-sinatra-sample/issues/10 (Ruby Init<LoadError>, type after the REPORT)",
        lines: &[
            "START RequestId: 1f7fc4ff-12d2-11e9-8098-a1246657e2c7 Version: $LATEST",
            "Init error when loading handler lambda.handler",
            "END RequestId: 1f7fc4ff-12d2-11e9-8098-a1246657e2c7",
            "REPORT RequestId: 1f7fc4ff-12d2-11e9-8098-a1246657e2c7\tDuration: 384.13 ms\tBilled Duration: 400 ms Memory Size: 512 MB\tMax Memory Used: 18 MB\t",
            "Unknown application error occurred\nInit<LoadError>",
        ],
        id: "1f7fc4ff-12d2-11e9-8098-a1246657e2c7",
        want: ("error", Some("Init<LoadError>"), "LambdaError"),
    },
    Case {
        source: "https://github.com/aws-samples/aws-lambda-java-workshop/issues/855 (Java 11+ ClassNotFoundException)",
        lines: &[
            "START RequestId: ffaff6e4-e827-11e7-a08e-87717612044e Version: $LATEST",
            "Class not found: com.unicorn.store.StreamLambdaHandler: java.lang.ClassNotFoundException",
            "java.lang.ClassNotFoundException: com.unicorn.store.StreamLambdaHandler",
            "END RequestId: ffaff6e4-e827-11e7-a08e-87717612044e",
            "REPORT RequestId: ffaff6e4-e827-11e7-a08e-87717612044e\tDuration: 3.02 ms\tBilled Duration: 4 ms\tMemory Size: 512 MB\tMax Memory Used: 74 MB",
        ],
        id: "ffaff6e4-e827-11e7-a08e-87717612044e",
        want: ("error", Some("java.lang.ClassNotFoundException"), "LambdaError"),
    },
    Case {
        source: "AWS Lambda Developer Guide, execution environment lifecycle: old style crash",
        lines: &[
            "START RequestId: c3252230-c73d-49f6-8844-968c01d1e2e1 Version: $LATEST",
            "RequestId: c3252230-c73d-49f6-8844-968c01d1e2e1 Error: Runtime exited without providing a reason\nRuntime.ExitError",
            "END RequestId: c3252230-c73d-49f6-8844-968c01d1e2e1",
            "REPORT RequestId: c3252230-c73d-49f6-8844-968c01d1e2e1 Duration: 933.59 ms Billed Duration: 934 ms Memory Size: 128 MB Max Memory Used: 9 MB",
        ],
        id: "c3252230-c73d-49f6-8844-968c01d1e2e1",
        want: ("error", Some("Runtime.ExitError"), "LambdaError"),
    },
    Case {
        source: "AWS Lambda Developer Guide, execution environment lifecycle: new style timeout (no Task timed out line)",
        lines: &[
            "START RequestId: 527cb862-4f5e-49a9-9ae4-a7edc90f0fda Version: $LATEST",
            "END RequestId: 527cb862-4f5e-49a9-9ae4-a7edc90f0fda",
            "REPORT RequestId: 527cb862-4f5e-49a9-9ae4-a7edc90f0fda Duration: 3016.78 ms Billed Duration: 3101 ms Memory Size: 128 MB Max Memory Used: 31 MB Init Duration: 84.00 ms Status: timeout",
        ],
        id: "527cb862-4f5e-49a9-9ae4-a7edc90f0fda",
        want: ("timeout", None, "LambdaTimeout"),
    },
    Case {
        source: "https://github.com/alexa-samples/skill-sample-nodejs-smarthome-switch/issues/18 (timeout logged after the REPORT)",
        lines: &[
            "START RequestId: 160788cd-45ff-4583-809f-c7e31127cb95 Version: $LATEST",
            "END RequestId: 160788cd-45ff-4583-809f-c7e31127cb95",
            "REPORT RequestId: 160788cd-45ff-4583-809f-c7e31127cb95\tDuration: 3071.27 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 21 MB\t",
            "2020-11-10T05:46:57.874Z 160788cd-45ff-4583-809f-c7e31127cb95 Task timed out after 3.07 seconds",
        ],
        id: "160788cd-45ff-4583-809f-c7e31127cb95",
        want: ("timeout", None, "LambdaTimeout"),
    },
    Case {
        source: "a .NET container capture, 2024-02 (missing runtimeconfig, exit status 106)",
        lines: &[
            "Error: .NET binaries for Lambda function are not correctly installed in the /var/task directory of the image when the image was built.",
            "INIT_REPORT Init Duration: 19.27 ms\tPhase: invoke\tStatus: error\tError Type: Runtime.ExitError",
            "START RequestId: dde1acb5-7158-4518-9547-a5beae8996d2 Version: $LATEST",
            "RequestId: dde1acb5-7158-4518-9547-a5beae8996d2 Error: Runtime exited with error: exit status 106\nRuntime.ExitError",
            "END RequestId: dde1acb5-7158-4518-9547-a5beae8996d2",
            "REPORT RequestId: dde1acb5-7158-4518-9547-a5beae8996d2\tDuration: 30.50 ms\tBilled Duration: 31 ms\tMemory Size: 128 MB\tMax Memory Used: 3 MB\t",
        ],
        id: "dde1acb5-7158-4518-9547-a5beae8996d2",
        want: ("error", Some("Runtime.ExitError"), "LambdaError"),
    },
    Case {
        source: "https://github.com/aws/aws-lambda-base-images/issues/75 (Node.js error at module load, request ID `undefined`)",
        lines: &[
            "2023-01-26T07:46:54.151Z\tundefined\tERROR\tUncaught Exception \t{\"errorType\":\"Error\",\"errorMessage\":\"cold\",\"stack\":[\"Error: cold\"]}",
            "INIT_REPORT Init Duration: 152.40 ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError",
            "START RequestId: 3f9d4c0a-1b2e-4c5d-8e9f-0a1b2c3d4e5f Version: $LATEST",
            "END RequestId: 3f9d4c0a-1b2e-4c5d-8e9f-0a1b2c3d4e5f",
            "REPORT RequestId: 3f9d4c0a-1b2e-4c5d-8e9f-0a1b2c3d4e5f\tDuration: 160.07 ms\tBilled Duration: 161 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\tStatus: error\tError Type: Runtime.ExitError",
        ],
        id: "3f9d4c0a-1b2e-4c5d-8e9f-0a1b2c3d4e5f",
        want: ("error", Some("Runtime.ExitError"), "LambdaError"),
    },
    Case {
        source: "https://github.com/aws/aws-lambda-rust-runtime/issues/865 (JSON log format, failed init)",
        lines: &[
            "{\"time\":\"2024-04-26T23:09:32.311Z\",\"type\":\"platform.initRuntimeDone\",\"record\":{\"initializationType\":\"on-demand\",\"phase\":\"init\",\"status\":\"error\",\"errorType\":\"Runtime.ExitError\"}}",
            "{\"time\":\"2024-04-26T23:09:32.500Z\",\"type\":\"platform.start\",\"record\":{\"requestId\":\"7b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d\",\"version\":\"$LATEST\"}}",
            "{\"time\":\"2024-04-26T23:09:32.600Z\",\"type\":\"platform.report\",\"record\":{\"requestId\":\"7b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d\",\"metrics\":{\"durationMs\":100.0,\"billedDurationMs\":100,\"memorySizeMB\":128,\"maxMemoryUsedMB\":12}}}",
        ],
        id: "7b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d",
        want: ("error", Some("Runtime.ExitError"), "LambdaError"),
    },
    Case {
        source: "a 2024 test fixture of real CloudWatch JSON events (init timeout in platform.initReport)",
        lines: &[
            "{\"time\":\"2024-06-17T17:48:06.348Z\",\"type\":\"platform.initReport\",\"record\":{\"initializationType\":\"on-demand\",\"phase\":\"init\",\"status\":\"timeout\",\"metrics\":{\"durationMs\":10000.487}}}",
            "{\"time\":\"2024-06-17T17:48:06.400Z\",\"type\":\"platform.start\",\"record\":{\"requestId\":\"ca52c236-a38d-40fc-aa6b-7e3be2b7aa55\",\"version\":\"$LATEST\"}}",
            "{\"time\":\"2024-06-17T17:48:09.400Z\",\"type\":\"platform.report\",\"record\":{\"requestId\":\"ca52c236-a38d-40fc-aa6b-7e3be2b7aa55\",\"metrics\":{\"durationMs\":3000.0,\"billedDurationMs\":3000,\"memorySizeMB\":128,\"maxMemoryUsedMB\":40}}}",
        ],
        id: "ca52c236-a38d-40fc-aa6b-7e3be2b7aa55",
        want: ("timeout", None, "LambdaTimeout"),
    },
];

#[test]
fn every_runtime_family_gets_its_status_type_and_reason() {
    for case in CASES {
        let events: Vec<(i64, String)> = case
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| (i as i64 * 10, format!("{l}\n")))
            .collect();
        let event = encode::lambda_event(&encode::data_payload(
            LAMBDA_GROUP,
            "2024/01/29/[$LATEST]94fa867e5374431291a7fc14e2f56ae7",
            1_700_000_000_000,
            events,
        ));
        let out = parse_events(&[event]);
        let r = out.lambda(case.id);
        let got = (
            r["status"].as_str().unwrap_or("null"),
            r["error_type"].as_str(),
            r["failure_reason"].as_str().unwrap_or("null"),
        );
        assert_eq!(got, case.want, "{}: {r:#}", case.source);
        assert_eq!(
            r["line_count"].as_u64(),
            Some(case.lines.len() as u64),
            "{}: every line attributed",
            case.source
        );
    }
}

/// Ruby's shutdown SIGTERM, logged as an init error after the last invocation, fails no request
/// (https://github.com/aws/aws-lambda-ruby-runtime-interface-client/issues/35).
#[test]
fn a_shutdown_signal_does_not_fail_the_last_invocation() {
    let lines = [
        "START RequestId: 056272b6-2f57-41fe-b9b0-5a6a7bb16fb3 Version: $LATEST",
        "END RequestId: 056272b6-2f57-41fe-b9b0-5a6a7bb16fb3",
        "REPORT RequestId: 056272b6-2f57-41fe-b9b0-5a6a7bb16fb3\tDuration: 3.10 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB",
        "Init error when loading handler\n{\"errorMessage\": \"SIGTERM\", \"errorType\": \"Init<SignalException>\"}",
    ];
    let events: Vec<(i64, String)> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| (i as i64, l.to_string()))
        .collect();
    let event = encode::lambda_event(&encode::data_payload(LAMBDA_GROUP, "s", 1_700_000_000_000, events));
    let out = parse_events(&[event]);
    let r = out.lambda("056272b6-2f57-41fe-b9b0-5a6a7bb16fb3");
    assert_eq!(
        (r["status"].as_str(), r["failure_reason"].as_str()),
        (Some("success"), None),
        "{r:#}"
    );
}
