//! `warmer render`: templates that pass `cfn-lint` and grant exactly what the warmer needs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use warmer_cli::config::function::{Architecture, Tracing};
use warmer_cli::config::{Config, ConfigBuilder, FunctionSettings, WarmerBuilder};
use warmer_cli::render::terraform::render_terraform;
use warmer_cli::render::{Flavor, render};
use warmer_fn::target::Target;

fn example() -> Config {
    Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../warmer.example.toml")).unwrap()
}

fn rendered(config: &Config, flavor: Flavor) -> Value {
    serde_json::from_str(&render(config, flavor).unwrap().to_json()).unwrap()
}

fn resources_of_type<'a>(template: &'a Value, kind: &str) -> Vec<(&'a String, &'a Value)> {
    template["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .collect()
}

/// Runs cfn-lint on the files; panics with its output on any finding.
fn cfn_lint(files: &[PathBuf]) {
    let version = Command::new("cfn-lint").arg("--version").output();
    if !version.as_ref().is_ok_and(|o| o.status.success()) {
        panic!(
            "cfn-lint is not installed or does not run ({version:?}); install it with `pip install cfn-lint` \
             (.ci/run does this) and run the test again"
        );
    }
    let out = Command::new("cfn-lint").args(files).output().unwrap();
    assert!(
        out.status.success(),
        "cfn-lint found problems (exit {:?}):\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn rendered_sam_and_cloudformation_templates_pass_cfn_lint() {
    let dir = tempfile::tempdir().unwrap();
    let config = example();
    let mut files = Vec::new();
    for (flavor, name) in [(Flavor::Sam, "sam"), (Flavor::Cloudformation, "cfn")] {
        let template = render(&config, flavor).unwrap();
        let yaml = dir.path().join(format!("{name}.yaml"));
        let json = dir.path().join(format!("{name}.json"));
        std::fs::write(&yaml, template.to_yaml()).unwrap();
        std::fs::write(&json, template.to_json()).unwrap();
        files.extend([yaml, json]);
    }
    // A minimal config too: one target, no profiles, no alarm.
    let minimal = ConfigBuilder::new()
        .warmer(WarmerBuilder::new("one").target("f", 1))
        .build();
    let path = dir.path().join("minimal.yaml");
    std::fs::write(&path, render(&minimal, Flavor::Sam).unwrap().to_yaml()).unwrap();
    files.push(path);
    cfn_lint(&files);
}

#[test]
fn yaml_and_json_outputs_hold_the_same_template() {
    let template = render(&example(), Flavor::Sam).unwrap();
    let from_yaml: Value = serde_yaml_ng::from_str(&template.to_yaml()).unwrap();
    let from_json: Value = serde_json::from_str(&template.to_json()).unwrap();
    assert_eq!(from_yaml, from_json);
    // PyYAML (and so cfn-lint and the AWS CLI) reads a bare OFF as false.
    assert!(
        template.to_yaml().contains("Mode: 'OFF'") || template.to_yaml().contains("Mode: \"OFF\"")
    );
}

#[test]
fn warmer_role_may_invoke_exactly_the_target_arns_and_read_only_their_concurrency() {
    let t = rendered(&example(), Flavor::Sam);
    let role = &t["Resources"]["WarmerFunctionRole"]["Properties"];
    assert_eq!(
        role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"],
        json!({"Service": "lambda.amazonaws.com"})
    );
    let policies = role["Policies"].as_array().unwrap();
    assert_eq!(policies.len(), 1);
    let statements = policies[0]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap();
    assert_eq!(statements.len(), 5, "{statements:#?}");
    assert_eq!(statements[4], failure_queue_statement());
    assert_eq!(
        statements[0],
        json!({
            "Sid": "WriteOwnLogs", "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": {"Fn::GetAtt": ["WarmerLogGroup", "Arn"]}
        })
    );
    assert_eq!(statements[1]["Action"], "lambda:InvokeFunction");
    assert_eq!(
        statements[1]["Resource"],
        json!([
            {"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:orders:live"},
            {"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:search"},
            "arn:aws:lambda:us-east-1:123456789012:function:reports",
        ])
    );
    // The guard's reads: reserved concurrency of the functions (unqualified: it belongs to the
    // function, not to an alias), and the account's limits, which IAM grants only on "*".
    assert_eq!(
        statements[2],
        json!({
            "Sid": "ReadTargetConcurrency", "Effect": "Allow",
            "Action": "lambda:GetFunctionConcurrency",
            "Resource": [
                {"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:orders"},
                {"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:search"},
                "arn:aws:lambda:us-east-1:123456789012:function:reports",
            ]
        })
    );
    assert_eq!(
        statements[3],
        json!({
            "Sid": "ReadAccountConcurrency", "Effect": "Allow",
            "Action": "lambda:GetAccountSettings", "Resource": "*"
        })
    );
    // No other wildcard in any policy of the template, and no managed policies.
    for (id, r) in resources_of_type(&t, "AWS::IAM::Role") {
        assert!(r["Properties"].get("ManagedPolicyArns").is_none());
        let text = r["Properties"]["Policies"].to_string();
        let allowed = usize::from(id == "WarmerFunctionRole");
        assert_eq!(text.matches('*').count(), allowed, "wildcard in {text}");
    }
}

#[test]
fn the_warmer_is_never_retried_by_lambda_in_either_template() {
    for flavor in [Flavor::Sam, Flavor::Cloudformation] {
        let t = rendered(&example(), flavor);
        let configs = resources_of_type(&t, "AWS::Lambda::EventInvokeConfig");
        assert_eq!(configs.len(), 1, "{flavor:?}");
        assert_eq!(
            configs[0].1["Properties"],
            json!({
                "FunctionName": {"Ref": "WarmerFunction"},
                "Qualifier": "$LATEST",
                "MaximumRetryAttempts": 0,
                "MaximumEventAgeInSeconds": 60,
                // What Lambda drops is kept, with the reason, never retried.
                "DestinationConfig": {
                    "OnFailure": {"Destination": {"Fn::GetAtt": ["WarmerFailureQueue", "Arn"]}}
                },
            }),
            "{flavor:?}"
        );
        // Scheduler does not retry a failed delivery either.
        for (_, schedule) in resources_of_type(&t, "AWS::Scheduler::Schedule") {
            assert_eq!(
                schedule["Properties"]["Target"]["RetryPolicy"]["MaximumRetryAttempts"],
                0
            );
        }
    }
}

#[test]
fn target_arns_follow_the_name_partial_arn_or_full_arn_given() {
    let config = ConfigBuilder::new()
        .warmer(
            WarmerBuilder::new("mixed")
                .target("orders:blue", 1)
                .target("123456789012:function:billing", 1)
                .target("arn:aws-cn:lambda:cn-north-1:123456789012:function:cn", 1),
        )
        .build();
    assert!(config.check().is_ok(), "{:?}", config.check());
    assert_eq!(
        warmer_cli::render::target_arns(&config.warmers),
        [
            "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:orders:blue",
            "arn:${AWS::Partition}:lambda:${AWS::Region}:123456789012:function:billing",
            "arn:aws-cn:lambda:cn-north-1:123456789012:function:cn",
        ]
    );
    let both = ConfigBuilder::new()
        .warmer(WarmerBuilder::new("w").target_with(Target {
            qualifier: Some("green".into()),
            ..Target::new("orders:blue", 1)
        }))
        .build();
    assert!(
        both.check()
            .unwrap_err()
            .at("warmers[0].targets[0].function")
            .is_some()
    );
}

#[test]
fn scheduler_role_may_invoke_only_the_warmer() {
    let t = rendered(&example(), Flavor::Cloudformation);
    let role = &t["Resources"]["WarmerSchedulerRole"]["Properties"];
    let trust = &role["AssumeRolePolicyDocument"]["Statement"][0];
    assert_eq!(
        trust["Principal"],
        json!({"Service": "scheduler.amazonaws.com"})
    );
    assert_eq!(
        trust["Condition"],
        json!({"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}})
    );
    assert_eq!(
        role["Policies"][0]["PolicyDocument"]["Statement"],
        json!([{
            "Sid": "InvokeWarmer", "Effect": "Allow", "Action": "lambda:InvokeFunction",
            "Resource": {"Fn::GetAtt": ["WarmerFunction", "Arn"]}
        }, failure_queue_statement()])
    );
}

/// The one statement each role needs to keep a lost run: send to the failure queue.
fn failure_queue_statement() -> Value {
    json!({
        "Sid": "SendLostRunsToFailureQueue", "Effect": "Allow", "Action": "sqs:SendMessage",
        "Resource": {"Fn::GetAtt": ["WarmerFailureQueue", "Arn"]}
    })
}

#[test]
fn one_schedule_per_window_with_that_windows_targets_as_input() {
    let config = example();
    let t = rendered(&config, Flavor::Sam);
    let schedules = resources_of_type(&t, "AWS::Scheduler::Schedule");
    let mut seen: Vec<(String, String, Vec<u32>)> = schedules
        .iter()
        .map(|(id, r)| {
            let p = &r["Properties"];
            assert_eq!(
                p["Target"]["Arn"],
                json!({"Fn::GetAtt": ["WarmerFunction", "Arn"]})
            );
            assert_eq!(
                p["Target"]["RoleArn"],
                json!({"Fn::GetAtt": ["WarmerSchedulerRole", "Arn"]})
            );
            assert_eq!(p["FlexibleTimeWindow"], json!({"Mode": "OFF"}));
            let input: Value =
                serde_json::from_str(p["Target"]["Input"].as_str().unwrap()).unwrap();
            assert_eq!(
                input.as_object().unwrap().len(),
                1,
                "input is exactly {{\"targets\": [...]}}"
            );
            let targets: Vec<Target> = serde_json::from_value(input["targets"].clone()).unwrap();
            let expected_tz = if id.starts_with("Api") {
                "Europe/Berlin"
            } else {
                "UTC"
            };
            assert_eq!(p["ScheduleExpressionTimezone"], expected_tz);
            (
                id.to_string(),
                p["ScheduleExpression"].as_str().unwrap().to_string(),
                targets.iter().map(|t| t.concurrency).collect(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            (
                "ApiScheduleBusinessHours".into(),
                "cron(0/5 8-19 ? * MON-FRI *)".into(),
                vec![100, 100]
            ),
            (
                "ApiScheduleDefault1".into(),
                "cron(0/5 0-7,20-23 ? * * *)".into(),
                vec![10, 5]
            ),
            (
                "ApiScheduleDefault2".into(),
                "cron(0/5 8,14-19 ? * SUN,SAT *)".into(),
                vec![10, 5]
            ),
            (
                "ApiScheduleDefault3".into(),
                "cron(0/5 9-13 ? * SUN *)".into(),
                vec![10, 5]
            ),
            (
                "ApiScheduleSaturdayMarket".into(),
                "cron(0/5 9-13 ? * SAT *)".into(),
                vec![40, 40]
            ),
            (
                "ReportsScheduleDefault".into(),
                "rate(1 minute)".into(),
                vec![2]
            ),
        ]
    );
    // The input carries the rest of the target shape unchanged, with the warmer's `max_share`
    // where the target sets none (`orders` sets its own).
    let input: Value = serde_json::from_str(
        t["Resources"]["ApiScheduleBusinessHours"]["Properties"]["Target"]["Input"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        input["targets"][1],
        json!({"function": "search", "concurrency": 100, "delay": 300, "mode": "verify", "payload": {"source": "warmer"}, "max_share": 0.8})
    );
    assert_eq!(input["targets"][0]["max_share"], 0.5);
}

#[test]
fn function_is_arm64_al2023_bootstrap_with_its_log_group() {
    let sam = rendered(&example(), Flavor::Sam);
    let f = &sam["Resources"]["WarmerFunction"];
    assert_eq!(f["Type"], "AWS::Serverless::Function");
    let p = &f["Properties"];
    assert_eq!(p["Runtime"], "provided.al2023");
    assert_eq!(p["Architectures"], json!(["arm64"]));
    assert_eq!(p["Handler"], "bootstrap");
    assert_eq!(p["CodeUri"], "target/lambda/warmer-fn/");
    assert_eq!(p["MemorySize"], 256);
    assert_eq!(
        p["LoggingConfig"],
        json!({"LogGroup": {"Ref": "WarmerLogGroup"}, "LogFormat": "JSON", "ApplicationLogLevel": "INFO"})
    );
    assert_eq!(
        p["Environment"]["Variables"]["WARMER_METRICS_NAMESPACE"],
        "Warmer"
    );
    assert_eq!(
        sam["Resources"]["WarmerLogGroup"]["Properties"]["RetentionInDays"],
        14
    );

    let cfn = rendered(&example(), Flavor::Cloudformation);
    let f = &cfn["Resources"]["WarmerFunction"];
    assert_eq!(f["Type"], "AWS::Lambda::Function");
    assert_eq!(
        f["Properties"]["Code"],
        json!({"S3Bucket": {"Ref": "CodeS3Bucket"}, "S3Key": {"Ref": "CodeS3Key"}})
    );
    assert!(cfn.get("Transform").is_none());
    assert_eq!(sam["Transform"], "AWS::Serverless-2016-10-31");
}

#[test]
fn shortfall_alarm_per_target_in_the_configured_namespace() {
    let mut config = example();
    config.metrics.namespace = "Team/Warm".into();
    config.warmers[0].alarm.as_mut().unwrap().sns_topic_arn =
        Some("arn:aws:sns:us-east-1:123456789012:oncall".into());
    let t = rendered(&config, Flavor::Sam);
    let mut alarms: Vec<(String, Value)> = resources_of_type(&t, "AWS::CloudWatch::Alarm")
        .into_iter()
        // The warmer's own alarms are the `health` module's (see `warmer_watches_itself...`).
        .filter(|(id, _)| !id.starts_with("Warmer"))
        .map(|(id, r)| (id.clone(), r["Properties"].clone()))
        .collect();
    alarms.sort_by(|a, b| a.0.cmp(&b.0));
    let ids: Vec<&str> = alarms.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["ApiShortfallOrdersLive", "ApiShortfallSearch"]);
    let p = &alarms[0].1;
    assert_eq!(p["Namespace"], "Team/Warm");
    assert_eq!(p["MetricName"], "Shortfall");
    assert_eq!(
        p["Dimensions"],
        json!([{"Name": "FunctionName", "Value": "orders:live"}])
    );
    assert_eq!(p["Threshold"], 1);
    assert_eq!(p["ComparisonOperator"], "GreaterThanOrEqualToThreshold");
    assert_eq!(
        p["AlarmActions"],
        json!(["arn:aws:sns:us-east-1:123456789012:oncall"])
    );
    // The second warmer has no alarm section, so no alarm.
    assert!(!ids.iter().any(|id| id.starts_with("Reports")));
}

/// An `event` target never reports `Shortfall` (its coverage is unknown), so an alarm on it
/// would sit at OK forever: its alarms watch `Throttled` and `Failed` instead, in every format.
#[test]
fn event_mode_targets_are_alarmed_on_throttles_and_failures_not_on_a_shortfall_they_never_report() {
    let mut config = example();
    let warmer = &mut config.warmers[0];
    warmer.targets[0].mode = warmer_fn::target::Mode::Event;
    let event_target = warmer.targets[0].display_name();
    for flavor in [Flavor::Sam, Flavor::Cloudformation] {
        let t = rendered(&config, flavor);
        let watched: BTreeSet<(String, String)> = resources_of_type(&t, "AWS::CloudWatch::Alarm")
            .into_iter()
            .filter(|(id, _)| !id.starts_with("Warmer"))
            .map(|(_, r)| {
                let p = &r["Properties"];
                (
                    p["Dimensions"][0]["Value"].as_str().unwrap().to_owned(),
                    p["MetricName"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let of_event: Vec<&str> = watched
            .iter()
            .filter(|(function, _)| *function == event_target)
            .map(|(_, metric)| metric.as_str())
            .collect();
        assert_eq!(of_event, ["Failed", "Throttled"], "{flavor:?}: {watched:?}");
        // The verify target keeps its Shortfall alarm.
        assert!(
            watched
                .iter()
                .any(|(f, m)| *f != event_target && m == "Shortfall"),
            "{flavor:?}: {watched:?}"
        );
    }
    let module = render_terraform(&config).unwrap();
    let metrics: BTreeSet<&str> = module
        .lines()
        .filter_map(|line| line.trim().strip_prefix("metric_name"))
        .map(|rest| rest.trim_start_matches([' ', '=']).trim_matches('"'))
        .filter(|metric| ["Failed", "Shortfall", "Throttled"].contains(metric))
        .collect();
    assert_eq!(
        metrics,
        BTreeSet::from(["Failed", "Shortfall", "Throttled"]),
        "{module}"
    );
}

#[test]
fn render_refuses_a_config_with_errors() {
    let config = ConfigBuilder::new()
        .warmer(WarmerBuilder::new("api").target("orders", 0))
        .build();
    let err = render(&config, Flavor::Sam).unwrap_err().to_string();
    assert!(err.contains("warmers[0].targets[0].concurrency"), "{err}");
}

#[test]
fn render_command_writes_yaml_or_json_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../warmer.example.toml");
    let out = dir.path().join("template.json");
    let status = Command::new(env!("CARGO_BIN_EXE_warmer"))
        .args(["render", "cloudformation", "--format", "json", "--output"])
        .arg(&out)
        .arg(&example)
        .status()
        .unwrap();
    assert!(status.success());
    let t: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(
        t["Resources"]["WarmerFunction"]["Type"],
        "AWS::Lambda::Function"
    );

    let stdout = Command::new(env!("CARGO_BIN_EXE_warmer"))
        .args(["render", "sam"])
        .arg(&example)
        .output()
        .unwrap();
    assert!(stdout.status.success());
    assert!(String::from_utf8_lossy(&stdout.stdout).contains("AWS::Serverless::Function"));
}

/// The checkov findings docs/deploy-reference.md accepts, with a reason, for `format` (`sam`,
/// `cloudformation`, `terraform`, `cdk`): the rows of its table under "checkov findings and why".
fn documented_checkov_findings(format: &str) -> BTreeSet<String> {
    let docs = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/deploy-reference.md"),
    )
    .unwrap();
    let section = docs
        .split("### checkov findings and why")
        .nth(1)
        .expect("docs/deploy-reference.md has a section \"checkov findings and why\"");
    let section = section.split("\n#").next().unwrap();
    let mut ids = BTreeSet::new();
    for row in section.lines().filter(|l| l.starts_with("| `CKV")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (id, formats, why) = (cells[1].trim_matches('`'), cells[2], cells[3]);
        assert!(why.len() > 40, "{id}: the docs give no reason: {row}");
        if formats.split(", ").any(|f| f == format) {
            ids.insert(id.to_string());
        }
    }
    ids
}

/// Runs checkov (offline: `--skip-download`) on `paths` with `framework` and returns the ids
/// of the failed checks. Panics with its output when it does not run.
fn checkov(framework: &str, paths: &[PathBuf]) -> BTreeSet<String> {
    let version = Command::new("checkov").arg("--version").output();
    if !version.as_ref().is_ok_and(|o| o.status.success()) {
        panic!(
            "checkov is not installed or does not run ({version:?}); scripts/test installs it \
             into target/py (`pip install checkov`); run the test through scripts/test or put \
             target/py/bin on PATH"
        );
    }
    let mut cmd = Command::new("checkov");
    cmd.args(["--skip-download", "--quiet", "--compact", "-o", "json"])
        .args(["--framework", framework]);
    for path in paths {
        cmd.arg(if path.is_dir() { "-d" } else { "-f" }).arg(path);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "checkov printed no JSON report ({e}; exit {:?}):\n{stdout}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let reports = match report {
        Value::Array(reports) => reports,
        one => vec![one],
    };
    let mut failed = BTreeSet::new();
    for r in &reports {
        assert!(
            r["summary"]["parsing_errors"].as_u64().unwrap_or(0) == 0,
            "checkov could not parse: {r:#}"
        );
        if let Some(checks) = r["results"]["failed_checks"].as_array() {
            failed.extend(
                checks
                    .iter()
                    .map(|c| c["check_id"].as_str().unwrap().to_string()),
            );
        }
    }
    failed
}

#[test]
fn checkov_finds_in_sam_and_cloudformation_only_what_the_docs_explain() {
    let dir = tempfile::tempdir().unwrap();
    for (flavor, name) in [
        (Flavor::Sam, "sam"),
        (Flavor::Cloudformation, "cloudformation"),
    ] {
        let path = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&path, render(&example(), flavor).unwrap().to_yaml()).unwrap();
        assert_eq!(
            checkov("cloudformation", &[path]),
            documented_checkov_findings(name),
            "checkov's findings on the {name} template differ from docs/deploy-reference.md \
             (\"checkov findings and why\"): fix the template or explain the finding there"
        );
    }
}

#[test]
fn the_warmer_reserves_one_environment_per_warmer() {
    for flavor in [Flavor::Sam, Flavor::Cloudformation] {
        let t = rendered(&example(), flavor);
        assert_eq!(
            t["Resources"]["WarmerFunction"]["Properties"]["ReservedConcurrentExecutions"], 2,
            "{flavor:?}: the example has two warmers"
        );
    }
}

/// The module parsed by python-hcl2 (as scripts/test installs it into target/py), as JSON.
fn parse_hcl(path: &Path) -> Value {
    let out = Command::new("python")
        .args([
            "-c",
            "import hcl2, json, sys; json.dump(hcl2.load(open(sys.argv[1])), sys.stdout)",
        ])
        .arg(path)
        .output();
    let out = match out {
        Ok(out) if out.status.success() => out,
        other => panic!(
            "python-hcl2 did not parse {} ({other:?}); scripts/test installs it into target/py \
             (`pip install python-hcl2`); run the test through scripts/test or put target/py/bin \
             on PATH",
            path.display()
        ),
    };
    serde_json::from_slice(&out.stdout).unwrap()
}

/// python-hcl2 wraps each argument in a one-element list and each block in a list.
fn arg<'a>(body: &'a Value, name: &str) -> &'a Value {
    &body[name][0]
}

/// Every `resource "TYPE" "NAME"` of a parsed module, by (type, name).
fn tf_resources(module: &Value) -> std::collections::BTreeMap<(String, String), Value> {
    let mut out = std::collections::BTreeMap::new();
    for entry in module["resource"].as_array().unwrap() {
        for (kind, named) in entry.as_object().unwrap() {
            for (name, body) in named.as_object().unwrap() {
                out.insert((kind.clone(), name.clone()), body.clone());
            }
        }
    }
    out
}

/// A CloudFormation policy with its intrinsics written as the module writes them.
fn as_terraform(value: &Value) -> Value {
    match value {
        Value::Array(items) => items.iter().map(as_terraform).collect(),
        Value::Object(o) if o.contains_key("Fn::Sub") => Value::String(
            o["Fn::Sub"]
                .as_str()
                .unwrap()
                .replace(
                    "${AWS::Partition}",
                    "${data.aws_partition.current.partition}",
                )
                .replace("${AWS::Region}", "${data.aws_region.current.region}")
                .replace(
                    "${AWS::AccountId}",
                    "${data.aws_caller_identity.current.account_id}",
                ),
        ),
        Value::Object(o) if o.contains_key("Ref") => {
            assert_eq!(o["Ref"], "AWS::AccountId");
            json!("${data.aws_caller_identity.current.account_id}")
        }
        Value::Object(o) if o.contains_key("Fn::Join") => {
            let [delimiter, parts] = o["Fn::Join"].as_array().unwrap().as_slice() else {
                panic!("Fn::Join takes a delimiter and a list: {value}");
            };
            let parts: Vec<String> = parts
                .as_array()
                .unwrap()
                .iter()
                .map(|part| as_terraform(part).as_str().unwrap().to_string())
                .collect();
            Value::String(parts.join(delimiter.as_str().unwrap()))
        }
        Value::Object(o) if o.contains_key("Fn::GetAtt") => match o["Fn::GetAtt"][0].as_str() {
            Some("WarmerLogGroup") => json!("${aws_cloudwatch_log_group.warmer_log_group.arn}:*"),
            Some("WarmerFunction") => json!("${aws_lambda_function.warmer_function.arn}"),
            Some("WarmerFailureQueue") => json!("${aws_sqs_queue.warmer_failure_queue.arn}"),
            other => panic!("unexpected GetAtt of {other:?}"),
        },
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| (k.clone(), as_terraform(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        other => other.clone(),
    }
}

fn snake(id: &str) -> String {
    let mut out = String::new();
    for (i, c) in id.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn write_terraform(config: &Config) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("main.tf");
    std::fs::write(&path, render_terraform(config).unwrap()).unwrap();
    (dir, path)
}

#[test]
fn terraform_module_holds_the_cloudformation_resources_and_policies() {
    let config = example();
    let cfn = rendered(&config, Flavor::Cloudformation);
    let (_dir, path) = write_terraform(&config);
    let module = parse_hcl(&path);
    let tf = tf_resources(&module);

    // One Terraform resource per CloudFormation resource, plus one role policy per role.
    let expected_type = |cfn_type: &str| match cfn_type {
        "AWS::Logs::LogGroup" => "aws_cloudwatch_log_group",
        "AWS::IAM::Role" => "aws_iam_role",
        "AWS::Lambda::Function" => "aws_lambda_function",
        "AWS::Lambda::EventInvokeConfig" => "aws_lambda_function_event_invoke_config",
        "AWS::Scheduler::Schedule" => "aws_scheduler_schedule",
        "AWS::CloudWatch::Alarm" => "aws_cloudwatch_metric_alarm",
        "AWS::SQS::Queue" => "aws_sqs_queue",
        "AWS::Scheduler::ScheduleGroup" => "aws_scheduler_schedule_group",
        other => panic!("no Terraform type for {other}"),
    };
    let mut expected: BTreeSet<(String, String)> = cfn["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, r)| {
            (
                expected_type(r["Type"].as_str().unwrap()).to_string(),
                snake(id),
            )
        })
        .collect();
    expected.insert((
        "aws_iam_role_policy".into(),
        "warmer_function_role_warmer_targets".into(),
    ));
    expected.insert((
        "aws_iam_role_policy".into(),
        "warmer_scheduler_role_invoke_warmer".into(),
    ));
    assert_eq!(tf.keys().cloned().collect::<BTreeSet<_>>(), expected);

    // The same policies, statement by statement, and the same trust.
    for (role, policy) in [
        ("WarmerFunctionRole", "warmer_function_role_warmer_targets"),
        ("WarmerSchedulerRole", "warmer_scheduler_role_invoke_warmer"),
    ] {
        let cfn_role = &cfn["Resources"][role]["Properties"];
        let tf_policy: Value = serde_json::from_str(
            arg(
                &tf[&("aws_iam_role_policy".into(), policy.into())],
                "policy",
            )
            .as_str()
            .unwrap(),
        )
        .unwrap();
        assert_eq!(
            tf_policy,
            as_terraform(&cfn_role["Policies"][0]["PolicyDocument"])
        );
        let trust: Value = serde_json::from_str(
            arg(
                &tf[&("aws_iam_role".into(), snake(role))],
                "assume_role_policy",
            )
            .as_str()
            .unwrap(),
        )
        .unwrap();
        assert_eq!(trust, as_terraform(&cfn_role["AssumeRolePolicyDocument"]));
    }

    // The function, its retry settings, and each schedule with the same input.
    let f = &tf[&("aws_lambda_function".into(), "warmer_function".into())];
    assert_eq!(arg(f, "runtime"), "provided.al2023");
    assert_eq!(arg(f, "architectures"), &json!(["arm64"]));
    assert_eq!(arg(f, "reserved_concurrent_executions"), 2);
    assert_eq!(
        arg(arg(f, "logging_config"), "log_group"),
        "${aws_cloudwatch_log_group.warmer_log_group.name}"
    );
    let eic = &tf[&(
        "aws_lambda_function_event_invoke_config".into(),
        "warmer_event_invoke_config".into(),
    )];
    assert_eq!(arg(eic, "maximum_retry_attempts"), 0);
    assert_eq!(arg(eic, "maximum_event_age_in_seconds"), 60);
    assert_eq!(arg(eic, "qualifier"), "$LATEST");
    let queue = "${aws_sqs_queue.warmer_failure_queue.arn}";
    assert_eq!(
        arg(
            arg(arg(eic, "destination_config"), "on_failure"),
            "destination"
        ),
        queue
    );
    for (id, schedule) in resources_of_type(&cfn, "AWS::Scheduler::Schedule") {
        let p = &schedule["Properties"];
        let s = &tf[&("aws_scheduler_schedule".into(), snake(id))];
        assert_eq!(arg(s, "schedule_expression"), &p["ScheduleExpression"]);
        assert_eq!(
            arg(s, "schedule_expression_timezone"),
            &p["ScheduleExpressionTimezone"]
        );
        let target = arg(s, "target");
        let input: Value = serde_json::from_str(arg(target, "input").as_str().unwrap()).unwrap();
        let cfn_input: Value =
            serde_json::from_str(p["Target"]["Input"].as_str().unwrap()).unwrap();
        assert_eq!(input, cfn_input, "{id}");
        assert_eq!(
            arg(arg(target, "retry_policy"), "maximum_retry_attempts"),
            0
        );
        assert_eq!(arg(arg(s, "flexible_time_window"), "mode"), "OFF");
        assert_eq!(arg(arg(target, "dead_letter_config"), "arn"), queue);
        assert_eq!(
            arg(s, "group_name"),
            "${aws_scheduler_schedule_group.warmer_schedule_group.name}"
        );
    }
}

#[test]
fn checkov_finds_in_the_terraform_module_only_what_the_docs_explain() {
    let (dir, _path) = write_terraform(&example());
    assert_eq!(
        checkov("terraform", &[dir.path().to_path_buf()]),
        documented_checkov_findings("terraform"),
        "checkov's findings on the Terraform module differ from docs/deploy-reference.md \
         (\"checkov findings and why\"): fix the module or explain the finding there"
    );
}

#[test]
fn terraform_escapes_what_hcl_would_interpolate() {
    let mut config = example();
    config.warmers[0].targets[1]
        .payload
        .insert("note".into(), json!("${not.a.reference} %{if x}"));
    let (_dir, path) = write_terraform(&config);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("$${not.a.reference} %%{if x}"), "{text}");
    // python-hcl2 keeps the escapes as written; Terraform reads `$${` as a literal `${`.
    let module = parse_hcl(&path);
    let tf = tf_resources(&module);
    let s = &tf[&(
        "aws_scheduler_schedule".into(),
        "api_schedule_business_hours".into(),
    )];
    let input = arg(arg(s, "target"), "input").as_str().unwrap();
    assert!(input.contains("$${not.a.reference}"), "{input}");
}

#[test]
fn render_command_writes_the_terraform_module() {
    let dir = tempfile::tempdir().unwrap();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../warmer.example.toml");
    let out = dir.path().join("main.tf");
    let status = Command::new(env!("CARGO_BIN_EXE_warmer"))
        .args(["render", "terraform", "--output"])
        .arg(&out)
        .arg(&file)
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text, render_terraform(&example()).unwrap());

    let refused = Command::new(env!("CARGO_BIN_EXE_warmer"))
        .args(["render", "terraform", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--format"));
}

/// The example with `orders:live` kept warm by Provisioned Concurrency.
fn example_with_provisioned_orders() -> Config {
    let mut config = example();
    config.warmers[0].targets[0].strategy = warmer_fn::target::Strategy::Provision;
    assert!(config.check().is_ok(), "{:?}", config.check());
    config
}

#[test]
fn a_provisioned_target_gets_scheduled_provisioned_concurrency_and_no_warm_ups() {
    let config = example_with_provisioned_orders();
    for flavor in [Flavor::Sam, Flavor::Cloudformation] {
        let t = rendered(&config, flavor);
        // Not warmed: in no schedule's input, not invocable by the warmer, no Shortfall alarm.
        for (id, schedule) in resources_of_type(&t, "AWS::Scheduler::Schedule") {
            let input = schedule["Properties"]["Target"]["Input"].as_str().unwrap();
            assert!(!input.contains("\"orders\""), "{id}: {input}");
        }
        let policy =
            t["Resources"]["WarmerFunctionRole"]["Properties"]["Policies"][0]["PolicyDocument"]
                .to_string();
        assert!(!policy.contains("function:orders"), "{policy}");
        assert!(t["Resources"].get("ApiShortfallOrdersLive").is_none());

        // Its alias's Provisioned Concurrency follows the windows, hour by hour.
        let scalable = resources_of_type(&t, "AWS::ApplicationAutoScaling::ScalableTarget");
        assert_eq!(scalable.len(), 1, "{flavor:?}");
        let (id, target) = scalable[0];
        assert_eq!(id, "ApiProvisionedOrdersLive");
        let p = &target["Properties"];
        assert_eq!(p["ServiceNamespace"], "lambda");
        assert_eq!(
            p["ScalableDimension"],
            "lambda:function:ProvisionedConcurrency"
        );
        assert_eq!(p["ResourceId"], "function:orders:live");
        assert_eq!(
            (p["MinCapacity"].as_u64(), p["MaxCapacity"].as_u64()),
            (Some(10), Some(100))
        );
        assert!(
            p.get("RoleARN").is_none(),
            "the service-linked role is used"
        );
        let actions: Vec<(String, String, String, u64)> = p["ScheduledActions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let action = &a["ScalableTargetAction"];
                assert_eq!(action["MinCapacity"], action["MaxCapacity"]);
                (
                    a["ScheduledActionName"].as_str().unwrap().to_string(),
                    a["Schedule"].as_str().unwrap().to_string(),
                    a["Timezone"].as_str().unwrap().to_string(),
                    action["MinCapacity"].as_u64().unwrap(),
                )
            })
            .collect();
        let berlin = |name: &str, cron: &str, n: u64| {
            (
                name.to_string(),
                cron.to_string(),
                "Europe/Berlin".to_string(),
                n,
            )
        };
        assert_eq!(
            actions,
            [
                berlin("business-hours", "cron(0 8-19 ? * MON-FRI *)", 100),
                berlin("saturday-market", "cron(0 9-13 ? * SAT *)", 40),
                berlin("default-1", "cron(0 0-7,20-23 ? * * *)", 10),
                berlin("default-2", "cron(0 8,14-19 ? * SUN,SAT *)", 10),
                berlin("default-3", "cron(0 9-13 ? * SUN *)", 10),
            ]
        );
    }
}

#[test]
fn templates_with_a_provisioned_target_pass_cfn_lint_and_checkov_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    let config = example_with_provisioned_orders();
    let mut files = Vec::new();
    for (flavor, name) in [
        (Flavor::Sam, "sam"),
        (Flavor::Cloudformation, "cloudformation"),
    ] {
        let path = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&path, render(&config, flavor).unwrap().to_yaml()).unwrap();
        assert_eq!(
            checkov("cloudformation", std::slice::from_ref(&path)),
            documented_checkov_findings(name)
        );
        files.push(path);
    }
    // A warmer without profiles holds its provisioned target's N all week: no actions.
    let constant = ConfigBuilder::new()
        .warmer(WarmerBuilder::new("one").target_with(Target {
            qualifier: Some("live".into()),
            strategy: warmer_fn::target::Strategy::Provision,
            ..Target::new("f", 7)
        }))
        .build();
    let t = rendered(&constant, Flavor::Cloudformation);
    let p = &t["Resources"]["OneProvisionedFLive"]["Properties"];
    assert_eq!(
        (p["MinCapacity"].as_u64(), p["MaxCapacity"].as_u64()),
        (Some(7), Some(7))
    );
    assert!(p.get("ScheduledActions").is_none());
    assert!(resources_of_type(&t, "AWS::Scheduler::Schedule").is_empty());
    let path = dir.path().join("constant.yaml");
    std::fs::write(&path, render(&constant, Flavor::Sam).unwrap().to_yaml()).unwrap();
    files.push(path);
    cfn_lint(&files);

    let module_dir = tempfile::tempdir().unwrap();
    let module = module_dir.path().join("main.tf");
    std::fs::write(&module, render_terraform(&config).unwrap()).unwrap();
    assert_eq!(
        checkov("terraform", &[module_dir.path().to_path_buf()]),
        documented_checkov_findings("terraform")
    );
    let tf = tf_resources(&parse_hcl(&module));
    let target = &tf[&(
        "aws_appautoscaling_target".into(),
        "api_provisioned_orders_live".into(),
    )];
    assert_eq!(arg(target, "resource_id"), "function:orders:live");
    assert_eq!(arg(target, "min_capacity"), 10);
    let action = &tf[&(
        "aws_appautoscaling_scheduled_action".into(),
        "api_provisioned_orders_live_business_hours".into(),
    )];
    assert_eq!(arg(action, "schedule"), "cron(0 8-19 ? * MON-FRI *)");
    assert_eq!(arg(action, "timezone"), "Europe/Berlin");
    assert_eq!(
        arg(arg(action, "scalable_target_action"), "min_capacity"),
        100
    );
    assert_eq!(
        arg(action, "resource_id"),
        "${aws_appautoscaling_target.api_provisioned_orders_live.resource_id}"
    );
}

/// `node_modules` with aws-cdk-lib, the CDK CLI, TypeScript and ts-node, installed once under
/// target/ and reused; `None` where Node.js is not installed.
fn cdk_node_modules() -> Option<PathBuf> {
    let node = Command::new("node").arg("--version").output();
    if !node.as_ref().is_ok_and(|o| o.status.success()) {
        return None;
    }
    let cache = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/cdk-node");
    let modules = cache.join("node_modules");
    if !modules.join(".bin/cdk").exists() || !modules.join("aws-cdk-lib").exists() {
        std::fs::create_dir_all(&cache).unwrap();
        let out = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&cache)
            .args([
                "aws-cdk-lib@2",
                "constructs@10",
                "aws-cdk@2",
                "typescript@~5.9",
                "ts-node@10",
                "@types/node",
            ])
            .output()
            .expect("npm runs where node does");
        assert!(
            out.status.success(),
            "npm install of the CDK into {} failed:\n{}",
            cache.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Some(modules)
}

#[test]
fn cdk_app_synthesizes_the_cloudformation_stack_and_passes_cfn_lint_and_checkov() {
    let Some(modules) = cdk_node_modules() else {
        eprintln!(
            "skipped: node not found: `warmer render cdk` is not synthesized here; install \
             Node.js and npm (.ci/run does) to run this test"
        );
        return;
    };
    let config = example_with_provisioned_orders();
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("cdk");
    let status = Command::new(env!("CARGO_BIN_EXE_warmer"))
        .args(["render", "cdk", "--output"])
        .arg(&app)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../warmer.example.toml"))
        .status()
        .unwrap();
    assert!(status.success());
    // The same app from the config with `orders` provisioned, through the library.
    for (path, text) in warmer_cli::render::cdk::render_cdk(&config).unwrap() {
        std::fs::write(app.join(path), text).unwrap();
    }
    synthesizes_the_cloudformation_stack(&config, &modules, dir.path(), &app);
}

/// Synthesizes the CDK app written to `app` (within `dir`) with `modules`, checks that its
/// template is `config`'s CloudFormation template resource by resource (only the function's
/// code differs), and runs cfn-lint and checkov on it.
fn synthesizes_the_cloudformation_stack(config: &Config, modules: &Path, dir: &Path, app: &Path) {
    synthesizes_with_findings(
        config,
        modules,
        dir,
        app,
        documented_checkov_findings("cdk"),
    );
}

/// [`synthesizes_the_cloudformation_stack`], with the checkov findings expected.
fn synthesizes_with_findings(
    config: &Config,
    modules: &Path,
    dir: &Path,
    app: &Path,
    findings: BTreeSet<String>,
) {
    std::os::unix::fs::symlink(modules, app.join("node_modules")).unwrap();
    let code = dir.join("code");
    std::fs::create_dir(&code).unwrap();
    std::fs::write(code.join("bootstrap"), "not a real bootstrap").unwrap();

    let out = Command::new(app.join("node_modules/.bin/cdk"))
        .args(["synth", "--no-notices", "--no-version-reporting", "--quiet"])
        .args(["-o", "cdk.out", "-c"])
        .arg(format!("codePath={}", code.display()))
        .current_dir(app)
        .env("CDK_DISABLE_CLI_TELEMETRY", "true")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cdk synth failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let synthesized = app.join("cdk.out/Warmer.template.json");
    let cdk: Value = serde_json::from_str(&std::fs::read_to_string(&synthesized).unwrap()).unwrap();

    // Resource by resource and output by output, the CloudFormation template; only the
    // function's code differs (a CDK asset instead of the CodeS3Bucket/CodeS3Key parameters).
    let cfn = rendered(config, Flavor::Cloudformation);
    let ids = |t: &Value| {
        t["Resources"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(ids(&cdk), ids(&cfn));
    for (id, resource) in cfn["Resources"].as_object().unwrap() {
        let mut expected = resource.clone();
        let mut got = cdk["Resources"][id].clone();
        assert_eq!(got["Type"], expected["Type"], "{id}");
        if id == "WarmerFunction" {
            let code = got["Properties"]
                .as_object_mut()
                .unwrap()
                .remove("Code")
                .unwrap();
            assert!(code["S3Key"].as_str().unwrap().ends_with(".zip"), "{code}");
            expected["Properties"]
                .as_object_mut()
                .unwrap()
                .remove("Code");
        }
        assert_eq!(got["Properties"], expected["Properties"], "{id}");
    }
    for (id, output) in cfn["Outputs"].as_object().unwrap() {
        assert_eq!(cdk["Outputs"][id]["Value"], output["Value"], "{id}");
    }

    cfn_lint(std::slice::from_ref(&synthesized));
    assert_eq!(
        checkov("cloudformation", &[synthesized]),
        findings,
        "checkov's findings on the CDK app's template differ from docs/deploy-reference.md"
    );
}

/// The example's templates in every format, byte for byte as `tests/golden/` holds them: the
/// example warms no target above a shard size and sets none of `[function]`'s optional keys,
/// so it renders exactly what it rendered before the templates learned sharding and those
/// keys. [`every_function_setting`] is kept beside it. After a deliberate change to what `warmer render` writes,
/// rewrite the files with `WARM_UPDATE_GOLDEN=1 cargo test -p warmer-cli --test render golden`
/// and read the diff before committing it.
#[test]
fn golden_the_example_renders_byte_for_byte_as_tests_golden_holds() {
    // The example leaves `[function]`'s optional keys out: the same bytes as before they existed.
    for (prefix, config) in [
        ("example", example()),
        ("function-settings", every_function_setting()),
    ] {
        let (_, stack) = cdk_app(&config);
        let rendered = [
            ("sam.yaml", render(&config, Flavor::Sam).unwrap().to_yaml()),
            (
                "cloudformation.json",
                render(&config, Flavor::Cloudformation).unwrap().to_json(),
            ),
            ("main.tf", render_terraform(&config).unwrap()),
            ("warmer-stack.ts", stack),
        ];
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
        let update = std::env::var_os("WARM_UPDATE_GOLDEN").is_some();
        for (name, text) in rendered {
            let name = format!("{prefix}.{name}");
            let path = dir.join(&name);
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &text).unwrap();
                continue;
            }
            let golden = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(
                text == golden,
                "{name} differs from {}; if the change is meant, rewrite it with \
                 WARM_UPDATE_GOLDEN=1 and read the diff",
                path.display()
            );
        }
    }
}

/// A warmer whose one target, N = 2,000, is warmed in shards of 500: 4 copies of the warmer
/// beside the one Scheduler starts.
fn sharded() -> Config {
    let config = ConfigBuilder::new()
        .account_concurrency_limit(3_000)
        .warmer(
            WarmerBuilder::new("api")
                .target_with(Target {
                    qualifier: Some("live".into()),
                    ..Target::new("orders", 2_000)
                })
                .shard_size(500),
        )
        .build();
    assert!(config.check().is_ok(), "{:?}", config.check());
    config
}

/// The one statement the warmer needs to invoke itself: its function, any qualifier of it.
fn self_invoke_statement() -> Value {
    json!({
        "Sid": "InvokeOwnShards", "Effect": "Allow", "Action": "lambda:InvokeFunction",
        "Resource": [
            {"Fn::GetAtt": ["WarmerFunction", "Arn"]},
            {"Fn::Join": ["", [{"Fn::GetAtt": ["WarmerFunction", "Arn"]}, ":*"]]},
        ]
    })
}

#[test]
fn a_warmer_that_shards_may_invoke_itself_and_reserves_one_environment_per_shard() {
    let config = sharded();
    let mut unsharded = config.clone();
    unsharded.warmers[0].targets[0].concurrency = 500;
    for flavor in [Flavor::Sam, Flavor::Cloudformation] {
        let t = rendered(&config, flavor);
        let p = &t["Resources"]["WarmerFunction"]["Properties"];
        assert_eq!(p["ReservedConcurrentExecutions"], 1 + 4, "{flavor:?}");
        // The permission is a resource of its own on the warmer's role (in the role it would
        // make a cycle: the role would need the function's ARN, the function needs the role).
        assert_eq!(
            t["Resources"]["WarmerSelfInvokePolicy"],
            json!({
                "Type": "AWS::IAM::RolePolicy",
                "Properties": {
                    "PolicyName": "invoke-own-shards",
                    "RoleName": {"Ref": "WarmerFunctionRole"},
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [self_invoke_statement()],
                    },
                },
            }),
            "{flavor:?}"
        );
        // Nothing else new: the same resources but that one, the role's own policy unchanged.
        let u = rendered(&unsharded, flavor);
        let ids = |t: &Value| -> BTreeSet<String> {
            t["Resources"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect()
        };
        let added: Vec<String> = ids(&t).difference(&ids(&u)).cloned().collect();
        assert_eq!(added, ["WarmerSelfInvokePolicy"], "{flavor:?}");
        assert!(ids(&u).is_subset(&ids(&t)));
        assert_eq!(
            t["Resources"]["WarmerFunctionRole"],
            u["Resources"]["WarmerFunctionRole"]
        );
        assert!(u["Resources"].get("WarmerSelfInvokePolicy").is_none());
        assert_eq!(
            u["Resources"]["WarmerFunction"]["Properties"]["ReservedConcurrentExecutions"],
            1
        );
        // The schedule tells the warmer Lambda the shard size the warmer.toml set.
        let input: Value = serde_json::from_str(
            t["Resources"]["ApiScheduleDefault"]["Properties"]["Target"]["Input"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(input["shard_size"], 500);
        assert_eq!(input["targets"][0]["concurrency"], 2_000);
    }
}

#[test]
fn reserved_concurrency_is_one_per_warmer_plus_the_most_shards_one_of_its_runs_uses() {
    let n = |warmer: WarmerBuilder| {
        let config = ConfigBuilder::new()
            .account_concurrency_limit(5_000)
            .warmer(warmer)
            .warmer(WarmerBuilder::new("small").target("reports", 2))
            .build();
        assert!(config.check().is_ok(), "{:?}", config.check());
        let t = rendered(&config, Flavor::Cloudformation);
        let policy = t["Resources"].get("WarmerSelfInvokePolicy").is_some();
        let reserved =
            &t["Resources"]["WarmerFunction"]["Properties"]["ReservedConcurrentExecutions"];
        (reserved.as_u64().unwrap(), policy)
    };
    // At the default shard size (800) exactly, one copy sends them all; one more, two shards.
    assert_eq!(
        n(WarmerBuilder::new("api").target("orders", 800)),
        (1 + 1, false)
    );
    assert_eq!(
        n(WarmerBuilder::new("api").target("orders", 801)),
        ((1 + 2) + 1, true)
    );
    // The targets of a run are warmed at once: their shards add up (4 + 3 in the business
    // hours); the run with the most shards sets the warmer's share (not the sum of its runs).
    let windows = WarmerBuilder::new("api")
        .target("orders", 100)
        .target("search", 100)
        .profile("MON-FRI", "08:00-20:00", 1_500)
        .profile("SAT", "09:00-14:00", 600)
        .shard_size(500);
    assert_eq!(n(windows), ((1 + 3 + 3) + 1, true));
    // A shard size set where nothing is above it: no shards, no permission.
    assert_eq!(
        n(WarmerBuilder::new("api")
            .target("orders", 500)
            .shard_size(500)),
        (1 + 1, false)
    );
    // A provisioned target is not warmed, so never sharded.
    let provisioned = WarmerBuilder::new("api")
        .target_with(Target {
            qualifier: Some("live".into()),
            strategy: warmer_fn::target::Strategy::Provision,
            ..Target::new("orders", 2_000)
        })
        .target("search", 5);
    assert_eq!(n(provisioned), (1 + 1, false));
}

#[test]
fn sharded_templates_pass_cfn_lint_and_checkov_as_documented() {
    lint_sam_and_cloudformation(&sharded(), documented_checkov_findings);
}

/// Renders `config` as SAM and CloudFormation, YAML and JSON, checks that checkov finds in
/// each exactly `findings(format)`, and runs cfn-lint on them all.
fn lint_sam_and_cloudformation(config: &Config, findings: impl Fn(&str) -> BTreeSet<String>) {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (flavor, name) in [
        (Flavor::Sam, "sam"),
        (Flavor::Cloudformation, "cloudformation"),
    ] {
        let template = render(config, flavor).unwrap();
        let yaml = dir.path().join(format!("{name}.yaml"));
        let json = dir.path().join(format!("{name}.json"));
        std::fs::write(&yaml, template.to_yaml()).unwrap();
        std::fs::write(&json, template.to_json()).unwrap();
        assert_eq!(
            checkov("cloudformation", std::slice::from_ref(&yaml)),
            findings(name),
            "checkov's findings on the {name} template differ from what \
             docs/deploy-reference.md explains"
        );
        files.extend([yaml, json]);
    }
    cfn_lint(&files);
}

#[test]
fn sharded_terraform_module_lets_the_warmer_invoke_itself_as_cloudformation_does() {
    let config = sharded();
    let cfn = rendered(&config, Flavor::Cloudformation);
    let (dir, path) = write_terraform(&config);
    let tf = tf_resources(&parse_hcl(&path));
    let policy = &tf[&(
        "aws_iam_role_policy".into(),
        "warmer_self_invoke_policy".into(),
    )];
    assert_eq!(arg(policy, "name"), "invoke-own-shards");
    assert_eq!(
        arg(policy, "role"),
        "${aws_iam_role.warmer_function_role.id}"
    );
    let document: Value = serde_json::from_str(arg(policy, "policy").as_str().unwrap()).unwrap();
    assert_eq!(
        document,
        as_terraform(&cfn["Resources"]["WarmerSelfInvokePolicy"]["Properties"]["PolicyDocument"])
    );
    assert_eq!(
        document["Statement"][0]["Resource"],
        json!([
            "${aws_lambda_function.warmer_function.arn}",
            "${aws_lambda_function.warmer_function.arn}:*"
        ])
    );
    let f = &tf[&("aws_lambda_function".into(), "warmer_function".into())];
    assert_eq!(arg(f, "reserved_concurrent_executions"), 1 + 4);
    // Only that one role policy is new.
    let policies: BTreeSet<&str> = tf
        .keys()
        .filter(|(kind, _)| kind == "aws_iam_role_policy")
        .map(|(_, name)| name.as_str())
        .collect();
    assert_eq!(
        policies,
        BTreeSet::from([
            "warmer_function_role_warmer_targets",
            "warmer_scheduler_role_invoke_warmer",
            "warmer_self_invoke_policy",
        ])
    );
    assert_eq!(
        checkov("terraform", &[dir.path().to_path_buf()]),
        documented_checkov_findings("terraform")
    );
}

#[test]
fn sharded_cdk_app_synthesizes_the_self_invoke_policy_as_cloudformation_does() {
    let config = sharded();
    let (files, stack) = cdk_app(&config);
    assert!(
        stack.contains("new iam.CfnRolePolicy(this, 'WarmerSelfInvokePolicy', {"),
        "{stack}"
    );
    assert!(
        stack.contains("reservedConcurrentExecutions: 5,"),
        "{stack}"
    );
    synthesize_app(
        &config,
        files,
        documented_checkov_findings("cdk"),
        "the sharded CDK app",
    );
}

/// `config`'s CDK app: its files, and the text of its `lib/warmer-stack.ts`.
fn cdk_app(config: &Config) -> (Vec<(String, String)>, String) {
    let files = warmer_cli::render::cdk::render_cdk(config).unwrap();
    let stack = files
        .iter()
        .find(|(path, _)| path == "lib/warmer-stack.ts")
        .unwrap()
        .1
        .clone();
    (files, stack)
}

/// Writes `files` as a CDK app and synthesizes it ([`synthesizes_with_findings`]); where
/// Node.js is not installed, says that `what` was not synthesized and returns.
fn synthesize_app(
    config: &Config,
    files: Vec<(String, String)>,
    findings: BTreeSet<String>,
    what: &str,
) {
    let Some(modules) = cdk_node_modules() else {
        eprintln!(
            "skipped: node not found: {what} is not synthesized here; install Node.js and npm \
             (.ci/run does) to run this test"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("cdk");
    for (path, text) in files {
        let path = app.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    synthesizes_with_findings(config, &modules, dir.path(), &app, findings);
}

/// The alarms of the `health` module, by id: (namespace, metric, dimension name).
const WARMER_ALARMS: [(&str, &str, &str, &str); 11] = [
    ("WarmerErrorsAlarm", "AWS/Lambda", "Errors", "FunctionName"),
    (
        "WarmerThrottlesAlarm",
        "AWS/Lambda",
        "Throttles",
        "FunctionName",
    ),
    (
        "WarmerDestinationFailuresAlarm",
        "AWS/Lambda",
        "DestinationDeliveryFailures",
        "FunctionName",
    ),
    (
        "WarmerSchedulerTargetErrorsAlarm",
        "AWS/Scheduler",
        "TargetErrorCount",
        "ScheduleGroup",
    ),
    (
        "WarmerSchedulerThrottledAlarm",
        "AWS/Scheduler",
        "InvocationThrottleCount",
        "ScheduleGroup",
    ),
    (
        "WarmerSchedulerDroppedAlarm",
        "AWS/Scheduler",
        "InvocationDroppedCount",
        "ScheduleGroup",
    ),
    (
        "WarmerSchedulerDeadLetterFailedAlarm",
        "AWS/Scheduler",
        "InvocationsFailedToBeSentToDeadLetterCount",
        "ScheduleGroup",
    ),
    (
        "WarmerFailureQueueAlarm",
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "QueueName",
    ),
    ("WarmerHeartbeatAlarm", "Team/Warm", "Runs", "Warmer"),
    (
        "WarmerGuardUnreadableAlarm",
        "Team/Warm",
        "GuardUnreadable",
        "Warmer",
    ),
    ("WarmerRefusedAlarm", "Team/Warm", "Refused", "Warmer"),
];

#[test]
fn the_warmer_watches_itself_its_schedules_and_its_heartbeat_in_every_format() {
    let mut config = example();
    config.metrics.namespace = "Team/Warm".into();
    let topic = "arn:aws:sns:us-east-1:123456789012:oncall";
    config.warmers[0].alarm.as_mut().unwrap().sns_topic_arn = Some(topic.into());
    for flavor in [Flavor::Sam, Flavor::Cloudformation] {
        let t = rendered(&config, flavor);
        for (id, namespace, metric, dimension) in WARMER_ALARMS {
            let p = &t["Resources"][id]["Properties"];
            assert_eq!(p["Namespace"], namespace, "{id}");
            assert_eq!(p["MetricName"], metric, "{id}");
            assert_eq!(p["Dimensions"][0]["Name"], dimension, "{id}");
            assert_eq!(p["Dimensions"].as_array().unwrap().len(), 1, "{id}");
            assert_eq!(p["AlarmActions"], json!([topic]), "{id}");
        }
        let heartbeat = &t["Resources"]["WarmerHeartbeatAlarm"]["Properties"];
        assert_eq!(
            heartbeat["Dimensions"][0]["Value"],
            json!({"Ref": "WarmerFunction"})
        );
        assert_eq!(heartbeat["TreatMissingData"], "breaching");
        assert_eq!(heartbeat["ComparisonOperator"], "LessThanThreshold");
        // The `reports` warmer runs every minute: 1 min + the 60 s timeout + 60 s delivery.
        assert_eq!(heartbeat["Period"], 180);
        // Every schedule is in the warmer's group and loses its failed invokes to the queue.
        for (id, schedule) in resources_of_type(&t, "AWS::Scheduler::Schedule") {
            let p = &schedule["Properties"];
            assert_eq!(
                p["GroupName"],
                json!({"Ref": "WarmerScheduleGroup"}),
                "{id}"
            );
            assert_eq!(
                p["Target"]["DeadLetterConfig"],
                json!({"Arn": {"Fn::GetAtt": ["WarmerFailureQueue", "Arn"]}}),
                "{id}"
            );
        }
        assert_eq!(
            t["Resources"]["WarmerFailureQueue"]["Properties"]["SqsManagedSseEnabled"],
            true
        );
    }
    let module = render_terraform(&config).unwrap();
    for (id, _, metric, _) in WARMER_ALARMS {
        let name = snake(id);
        assert!(
            module.contains(&format!(
                "resource \"aws_cloudwatch_metric_alarm\" \"{name}\""
            )),
            "{id}"
        );
        assert!(
            module.contains(&format!("metric_name         = \"{metric}\"")),
            "{metric}"
        );
    }
    assert!(module.contains("Warmer = aws_lambda_function.warmer_function.function_name"));
    assert!(module.contains("treat_missing_data  = \"breaching\""));
}

#[test]
fn runs_too_far_apart_for_an_alarm_get_no_heartbeat_and_a_warning() {
    let config = ConfigBuilder::new()
        .warmer(
            WarmerBuilder::new("monthly")
                .schedule("cron(0 8 1 * ? *)")
                .target("f", 1),
        )
        .build();
    let warnings = config.check().unwrap();
    let warning = warnings.at("warmers").expect("a warning on `warmers`");
    assert!(warning.message.contains("heartbeat"), "{warning}");
    let t = rendered(&config, Flavor::Cloudformation);
    assert!(t["Resources"].get("WarmerHeartbeatAlarm").is_none());
    // The other alarms stay.
    assert!(t["Resources"].get("WarmerErrorsAlarm").is_some());
}

#[test]
fn the_warmer_function_carries_its_brief_and_every_schedule_asks_within_it() {
    let config = example();
    for flavor in [Flavor::Sam, Flavor::Cloudformation] {
        let t = rendered(&config, flavor);
        let variables = &t["Resources"]["WarmerFunction"]["Properties"]["Environment"]["Variables"];
        let brief: Value =
            serde_json::from_str(variables["WARMER_CONFIG"].as_str().unwrap()).unwrap();
        assert_eq!(brief, serde_json::to_value(config.brief()).unwrap());
        // One entry per function and qualifier, at its largest N: orders:live 100, search 100,
        // reports 2; the api warmer's max_share at the top.
        let ns: Vec<u64> = brief["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["concurrency"].as_u64().unwrap())
            .collect();
        assert_eq!(ns, [100, 100, 2]);
        assert_eq!(brief["max_share"], 0.8);
        assert!(brief.get("shard_size").is_none());
        for (id, schedule) in resources_of_type(&t, "AWS::Scheduler::Schedule") {
            let input: Value =
                serde_json::from_str(schedule["Properties"]["Target"]["Input"].as_str().unwrap())
                    .unwrap();
            for target in input["targets"].as_array().unwrap() {
                let briefed = brief["targets"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|b| {
                        b["function"] == target["function"] && b["qualifier"] == target["qualifier"]
                    })
                    .unwrap_or_else(|| panic!("{id}: {target} is not in the brief"));
                assert!(briefed["concurrency"].as_u64() >= target["concurrency"].as_u64());
            }
        }
    }
}

/// A config whose one warmer sizes `checkout` by autopilot, every 10 minutes.
fn autopilot_config() -> Config {
    let mut target = Target::new("checkout", 30);
    target.auto = Some(warmer_fn::autopilot::AutoRule {
        min: 2,
        max: 30,
        ..Default::default()
    });
    ConfigBuilder::new()
        .warmer(
            WarmerBuilder::new("auto")
                .schedule("rate(10 minutes)")
                .target_with(target),
        )
        .build()
}

#[test]
fn only_an_autopilot_target_lets_the_warmer_read_metrics_in_every_format() {
    const ACTION: &str = "cloudwatch:GetMetricData";
    let auto = autopilot_config();
    for flavor in [Flavor::Sam, Flavor::Cloudformation] {
        let t = rendered(&auto, flavor);
        let role = &t["Resources"]["WarmerFunctionRole"]["Properties"];
        let statements = role["Policies"][0]["PolicyDocument"]["Statement"]
            .as_array()
            .unwrap();
        let read = statements
            .iter()
            .find(|s| s["Action"] == ACTION)
            .unwrap_or_else(|| panic!("no {ACTION} in {statements:#?}"));
        // GetMetricData takes no resource-level permission: IAM accepts only "*".
        assert_eq!(read["Resource"], "*", "{read}");
        assert_eq!(read["Sid"], "AutopilotReadsTargetConcurrency", "{read}");
        let text = rendered(&example(), flavor).to_string();
        assert!(!text.contains(ACTION), "granted without an auto target");
    }
    assert!(render_terraform(&auto).unwrap().contains(ACTION));
    assert!(!render_terraform(&example()).unwrap().contains(ACTION));
    let cdk = |config: &Config| {
        warmer_cli::render::cdk::render_cdk(config)
            .unwrap()
            .into_iter()
            .map(|(_, text)| text)
            .collect::<String>()
    };
    assert!(cdk(&auto).contains(ACTION));
    assert!(!cdk(&example()).contains(ACTION));
    // The schedule's input asks for autopilot, with the schedule's own period.
    let schedules = auto.warmers[0].schedules().unwrap();
    let input: Value = serde_json::from_str(&schedules[0].input()).unwrap();
    assert_eq!(input["targets"][0]["concurrency"], "auto", "{input}");
    assert_eq!(input["targets"][0]["auto"]["every_minutes"], 10, "{input}");
    // And the template passes cfn-lint.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auto.yaml");
    std::fs::write(&path, render(&auto, Flavor::Sam).unwrap().to_yaml()).unwrap();
    cfn_lint(&[path]);
}

/// The example with every key of `[function]` set: a VPC, active tracing, x86_64, a permissions
/// boundary on the role the stack creates, and tags.
fn every_function_setting() -> Config {
    let mut config = example();
    config.function = FunctionSettings {
        architecture: Architecture::X86_64,
        tracing: Tracing::Active,
        subnet_ids: vec![
            "subnet-0123456789abcdef0".into(),
            "subnet-0fedcba9876543210".into(),
        ],
        security_group_ids: vec!["sg-0123456789abcdef0".into()],
        permissions_boundary: Some("arn:aws:iam::123456789012:policy/warmer-boundary".into()),
        tags: [("team", "platform"), ("cost-center", "42")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..config.function.clone()
    };
    assert!(config.check().is_ok(), "{:?}", config.check());
    config
}

/// The sharded config with the warmer running as an existing role.
fn with_existing_role() -> Config {
    let mut config = sharded();
    config.function.role_arn = Some(ROLE_ARN.into());
    assert!(config.check().is_ok(), "{:?}", config.check());
    config
}

const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/warmer";

/// The checkov findings of the docs' table that the settings of [`every_function_setting`]
/// fix, as its section "checkov findings and why" says: a VPC (`CKV_AWS_117`) and active
/// tracing (`CKV_AWS_50`).
fn findings_with_every_setting(format: &str) -> BTreeSet<String> {
    let mut findings = documented_checkov_findings(format);
    for fixed in ["CKV_AWS_117", "CKV_AWS_50"] {
        findings.remove(fixed);
    }
    findings
}

fn tags_list() -> Value {
    json!([{"Key": "cost-center", "Value": "42"}, {"Key": "team", "Value": "platform"}])
}

#[test]
fn every_function_setting_reaches_the_function_and_its_role() {
    let config = every_function_setting();
    let cfn = rendered(&config, Flavor::Cloudformation);
    let f = &cfn["Resources"]["WarmerFunction"]["Properties"];
    assert_eq!(f["Architectures"], json!(["x86_64"]));
    assert_eq!(
        f["VpcConfig"],
        json!({
            "SecurityGroupIds": ["sg-0123456789abcdef0"],
            "SubnetIds": ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
        })
    );
    assert_eq!(f["TracingConfig"], json!({"Mode": "Active"}));
    assert_eq!(f["Tags"], tags_list());
    assert_eq!(
        f["Role"],
        json!({"Fn::GetAtt": ["WarmerFunctionRole", "Arn"]})
    );
    let role = &cfn["Resources"]["WarmerFunctionRole"]["Properties"];
    assert_eq!(
        role["ManagedPolicyArns"],
        json!([
            {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"},
            {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AWSXRayDaemonWriteAccess"},
        ])
    );
    assert_eq!(
        role["PermissionsBoundary"],
        "arn:aws:iam::123456789012:policy/warmer-boundary"
    );
    // The boundary is the warmer's: Scheduler's role is not the function's.
    assert!(
        cfn["Resources"]["WarmerSchedulerRole"]["Properties"]
            .get("PermissionsBoundary")
            .is_none()
    );
    assert!(
        cfn["Parameters"]["CodeS3Key"]["Description"]
            .as_str()
            .unwrap()
            .contains("--x86-64"),
    );
    // Every resource that takes tags has them; the others have none.
    for (id, resource) in cfn["Resources"].as_object().unwrap() {
        let taggable = !matches!(
            resource["Type"].as_str().unwrap(),
            "AWS::Scheduler::Schedule" | "AWS::Lambda::EventInvokeConfig"
        );
        assert_eq!(
            resource["Properties"].get("Tags").is_some(),
            taggable,
            "{id}"
        );
        if taggable {
            assert_eq!(resource["Properties"]["Tags"], tags_list(), "{id}");
        }
    }

    // SAM spells tracing and tags its own way.
    let sam = rendered(&config, Flavor::Sam);
    let f = &sam["Resources"]["WarmerFunction"]["Properties"];
    assert_eq!(f["Tracing"], "Active");
    assert!(f.get("TracingConfig").is_none());
    assert_eq!(f["Tags"], json!({"cost-center": "42", "team": "platform"}));
    assert_eq!(
        f["VpcConfig"],
        cfn["Resources"]["WarmerFunction"]["Properties"]["VpcConfig"]
    );
    assert_eq!(
        sam["Resources"]["WarmerFunctionRole"],
        cfn["Resources"]["WarmerFunctionRole"]
    );
}

#[test]
fn every_function_setting_passes_cfn_lint_and_checkov_with_the_findings_it_fixes_gone() {
    let config = every_function_setting();
    lint_sam_and_cloudformation(&config, findings_with_every_setting);

    let (module_dir, path) = write_terraform(&config);
    assert_eq!(
        checkov("terraform", &[module_dir.path().to_path_buf()]),
        findings_with_every_setting("terraform")
    );
    let cfn = rendered(&config, Flavor::Cloudformation);
    let tf = tf_resources(&parse_hcl(&path));
    let f = &tf[&("aws_lambda_function".into(), "warmer_function".into())];
    assert_eq!(arg(f, "architectures"), &json!(["x86_64"]));
    assert_eq!(arg(arg(f, "tracing_config"), "mode"), "Active");
    let vpc = arg(f, "vpc_config");
    assert_eq!(
        arg(vpc, "subnet_ids"),
        &cfn["Resources"]["WarmerFunction"]["Properties"]["VpcConfig"]["SubnetIds"]
    );
    assert_eq!(
        arg(vpc, "security_group_ids"),
        &json!(["sg-0123456789abcdef0"])
    );
    let tags = json!({"cost-center": "42", "team": "platform"});
    assert_eq!(arg(f, "tags"), &tags);
    let role = &tf[&("aws_iam_role".into(), "warmer_function_role".into())];
    assert_eq!(
        arg(role, "permissions_boundary"),
        "arn:aws:iam::123456789012:policy/warmer-boundary"
    );
    assert_eq!(arg(role, "tags"), &tags);
    for (kind, name) in [
        ("aws_cloudwatch_log_group", "warmer_log_group"),
        ("aws_sqs_queue", "warmer_failure_queue"),
        ("aws_scheduler_schedule_group", "warmer_schedule_group"),
        ("aws_cloudwatch_metric_alarm", "warmer_errors_alarm"),
        ("aws_iam_role", "warmer_scheduler_role"),
    ] {
        assert_eq!(
            arg(&tf[&(kind.into(), name.into())], "tags"),
            &tags,
            "{kind}.{name}"
        );
    }
    // The provider deprecates `managed_policy_arns`: one attachment per managed policy.
    let attachments: Vec<(&str, &Value)> = tf
        .iter()
        .filter(|((kind, _), _)| kind == "aws_iam_role_policy_attachment")
        .map(|((_, name), body)| (name.as_str(), arg(body, "policy_arn")))
        .collect();
    assert_eq!(
        attachments,
        [
            (
                "warmer_function_role_awslambda_vpcaccess_execution_role",
                &json!(
                    "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
                )
            ),
            (
                "warmer_function_role_awsxray_daemon_write_access",
                &json!(
                    "arn:${data.aws_partition.current.partition}:iam::aws:policy/AWSXRayDaemonWriteAccess"
                )
            ),
        ]
    );
    let module = std::fs::read_to_string(&path).unwrap();
    assert!(module.contains("--x86-64 --output-format zip"), "{module}");
}

#[test]
fn every_function_setting_synthesizes_in_the_cdk_app_as_cloudformation_has_it() {
    let config = every_function_setting();
    let (files, stack) = cdk_app(&config);
    assert!(
        stack
            .contains("permissionsBoundary: \"arn:aws:iam::123456789012:policy/warmer-boundary\","),
        "{stack}"
    );
    synthesize_app(
        &config,
        files,
        findings_with_every_setting("cdk"),
        "the CDK app with every [function] setting",
    );
}

#[test]
fn with_an_existing_role_the_stack_creates_no_role_or_policy_for_the_warmer() {
    let config = with_existing_role();
    for flavor in [Flavor::Sam, Flavor::Cloudformation] {
        let t = rendered(&config, flavor);
        assert_eq!(
            t["Resources"]["WarmerFunction"]["Properties"]["Role"],
            ROLE_ARN
        );
        let roles: Vec<&String> = resources_of_type(&t, "AWS::IAM::Role")
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(roles, ["WarmerSchedulerRole"], "{flavor:?}");
        assert!(
            resources_of_type(&t, "AWS::IAM::RolePolicy").is_empty(),
            "{flavor:?}"
        );
    }
    let (_dir, path) = write_terraform(&config);
    let tf = tf_resources(&parse_hcl(&path));
    let f = &tf[&("aws_lambda_function".into(), "warmer_function".into())];
    assert_eq!(arg(f, "role"), ROLE_ARN);
    let iam: Vec<&(String, String)> = tf
        .keys()
        .filter(|(kind, _)| kind.starts_with("aws_iam"))
        .collect();
    assert_eq!(
        iam,
        [
            &(
                "aws_iam_role".to_string(),
                "warmer_scheduler_role".to_string()
            ),
            &(
                "aws_iam_role_policy".to_string(),
                "warmer_scheduler_role_invoke_warmer".to_string()
            ),
        ]
    );
    let (_, stack) = cdk_app(&config);
    assert!(stack.contains(&format!("role: \"{ROLE_ARN}\",")), "{stack}");
    assert!(!stack.contains("'WarmerFunctionRole'"), "{stack}");
}

#[test]
fn with_an_existing_role_the_templates_pass_cfn_lint_and_checkov_as_documented() {
    let config = with_existing_role();
    lint_sam_and_cloudformation(&config, documented_checkov_findings);
    let (module_dir, _) = write_terraform(&config);
    assert_eq!(
        checkov("terraform", &[module_dir.path().to_path_buf()]),
        documented_checkov_findings("terraform")
    );
}

/// What docs/deploy-reference.md says an existing role must allow: every action the role the
/// stack creates is granted (inline, on itself when sharding, and by the managed policies of a
/// VPC and of active tracing), read from what `warmer render` writes.
#[test]
fn the_docs_list_every_permission_an_existing_role_needs() {
    let docs = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/deploy-reference.md"),
    )
    .unwrap();
    let section = docs
        .split("### An existing role")
        .nth(1)
        .expect("docs/deploy-reference.md has a section \"An existing role\"");
    let section = section.split("\n#").next().unwrap();
    let mut config = sharded();
    config.function.subnet_ids = vec!["subnet-1".into()];
    config.function.security_group_ids = vec!["sg-1".into()];
    config.function.tracing = Tracing::Active;
    let t = rendered(&config, Flavor::Cloudformation);
    let role = &t["Resources"]["WarmerFunctionRole"]["Properties"];
    let mut statements: Vec<Value> = role["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap()
        .clone();
    statements.extend(
        t["Resources"]["WarmerSelfInvokePolicy"]["Properties"]["PolicyDocument"]["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .cloned(),
    );
    let mut actions: BTreeSet<String> = statements
        .iter()
        .flat_map(|s| match &s["Action"] {
            Value::Array(a) => a.iter().map(|v| v.as_str().unwrap().to_string()).collect(),
            one => vec![one.as_str().unwrap().to_string()],
        })
        .collect();
    assert_eq!(
        role["ManagedPolicyArns"].as_array().unwrap().len(),
        2,
        "the VPC's and X-Ray's managed policies"
    );
    actions.extend([
        "AWSLambdaVPCAccessExecutionRole".into(),
        "AWSXRayDaemonWriteAccess".into(),
    ]);
    assert!(section.contains("lambda.amazonaws.com"), "the trust policy");
    for action in actions {
        assert!(
            section.contains(&format!("`{action}`")),
            "docs/deploy-reference.md, \"An existing role\", does not name `{action}`"
        );
    }
}
