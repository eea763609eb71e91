//! Deployment templates for a `warmer.toml`: SAM or plain CloudFormation (this module),
//! a Terraform module ([`terraform`]), an AWS CDK app in TypeScript ([`cdk`]).
//!
//! One template holds the warmer function (`provided.al2023`, arm64 unless
//! `function.architecture` says `x86_64`, the `bootstrap` built by
//! `cargo lambda build --profile deploy --arm64 -p warmer-fn`), its log group, one
//! `AWS::Scheduler::Schedule` per window whose input is exactly `{"targets": [...]}` for that
//! window, a role that may invoke exactly the target ARNs and read their reserved concurrency
//! and the account's limits (the concurrency guard), a role that lets Scheduler invoke only the
//! warmer, the warmer's asynchronous-invoke settings (no retries, shortest event age: a late run
//! holds environments at a random time) and optional `Shortfall` alarms. The warmer carries
//! its brief in `WARMER_CONFIG` ([`Config::brief`]), and the stack watches the warmer itself:
//! a failure queue for the runs that never ran, a schedule group of its own and the alarms of
//! a dead or sick warmer, heartbeat included ([`health`]). When a warmer shards
//! (a target's N above its shard size), the warmer may also invoke itself, one copy per shard,
//! and reserves an environment for each (see [`reserved_concurrency`]). The optional keys of
//! `[function]` (a VPC, tracing, an existing role or a permissions boundary, tags) add what
//! [`settings`] says, and nothing when left out.
//!
//! ```
//! use warmer_cli::config::{ConfigBuilder, WarmerBuilder};
//! use warmer_cli::render::{Flavor, render};
//!
//! let config = ConfigBuilder::new()
//!     .warmer(WarmerBuilder::new("api").target("orders", 5))
//!     .build();
//! let template = render(&config, Flavor::Sam).unwrap();
//! let json: serde_json::Value = serde_json::from_str(&template.to_json()).unwrap();
//! assert_eq!(json["Resources"]["WarmerFunction"]["Type"], "AWS::Serverless::Function");
//! assert_eq!(json["Resources"]["ApiScheduleDefault"]["Type"], "AWS::Scheduler::Schedule");
//! ```

pub mod cdk;
pub mod health;
pub mod settings;
pub mod terraform;

use std::collections::BTreeSet;

use serde_yaml_ng::{Mapping, Value};

use crate::config::{Config, Warmer};
use warmer_fn::target::Target;

/// Which template language to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Flavor {
    /// AWS SAM (`sam deploy`): the function is an `AWS::Serverless::Function` built from `code_uri`.
    Sam,
    /// Plain CloudFormation: the function's zip is read from the `CodeS3Bucket`/`CodeS3Key` parameters.
    Cloudformation,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// YAML (default).
    #[default]
    Yaml,
    /// JSON.
    Json,
}

/// A rendered template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// The template as a tree (key order as written).
    pub value: Value,
}

impl Template {
    /// YAML text.
    ///
    /// Plain scalars that YAML 1.1 readers (PyYAML, so the AWS CLI, SAM CLI and cfn-lint) would
    /// read as booleans or base-60 numbers, such as `OFF` or `08:00`, are quoted.
    pub fn to_yaml(&self) -> String {
        let text =
            serde_yaml_ng::to_string(&self.value).expect("a template always serializes to YAML");
        let mut out = String::with_capacity(text.len() + 64);
        for line in text.lines() {
            out.push_str(&quote_yaml11_scalar(line));
            out.push('\n');
        }
        out
    }

    /// Pretty JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.value).expect("a template always serializes to JSON")
            + "\n"
    }

    /// The entries of a top-level section (`Resources`, `Outputs`) as JSON, in the template's
    /// order (a JSON map would sort them): what the Terraform and CDK renderers translate.
    pub(crate) fn section(&self, name: &str) -> Vec<(String, serde_json::Value)> {
        self.value[name]
            .as_mapping()
            .into_iter()
            .flatten()
            .map(|(id, value)| {
                let id = id.as_str().unwrap_or_default().to_string();
                let value = serde_json::to_value(value).expect("a template is JSON");
                (id, value)
            })
            .collect()
    }

    /// Text in `format`.
    pub fn to_format(&self, format: Format) -> String {
        match format {
            Format::Yaml => self.to_yaml(),
            Format::Json => self.to_json(),
        }
    }
}

/// Logical id of the warmer function.
pub const FUNCTION_ID: &str = "WarmerFunction";
/// Logical id of its log group.
pub const LOG_GROUP_ID: &str = "WarmerLogGroup";
/// Logical id of the function's role.
pub const FUNCTION_ROLE_ID: &str = "WarmerFunctionRole";
/// Logical id of the role Scheduler assumes.
pub const SCHEDULER_ROLE_ID: &str = "WarmerSchedulerRole";
/// Logical id of the warmer's asynchronous-invoke settings (no retries, short event age).
pub const EVENT_INVOKE_CONFIG_ID: &str = "WarmerEventInvokeConfig";
/// Logical id of the policy that lets the warmer invoke itself, one copy per shard: an
/// `AWS::IAM::RolePolicy` on the warmer's role with one statement, `lambda:InvokeFunction` on
/// the warmer's own ARN and `ARN:*`, only in the templates of a config where some warmer
/// shards (see [`shards`]).
pub const SELF_INVOKE_POLICY_ID: &str = "WarmerSelfInvokePolicy";

/// How long an asynchronous invoke of the warmer may wait in Lambda's queue before it is
/// dropped, in seconds: the smallest value Lambda accepts (60). A warm-up that starts late
/// holds environments at a random time and the next scheduled run is minutes away.
pub const WARMER_MAX_EVENT_AGE_SECONDS: u64 = 60;

/// The metrics a target's alarms watch, with what each alarm says. A `verify` target reports
/// `Shortfall`; an `event` target cannot (its coverage is unknown, and its EMF line carries no
/// `Shortfall`, so an alarm on it would sit at `OK` forever): its alarms watch the invokes that
/// Lambda refused (`Throttled`) and those that failed (`Failed`) instead.
fn alarm_metrics(mode: warmer_fn::target::Mode) -> &'static [(&'static str, &'static str)] {
    match mode {
        warmer_fn::target::Mode::Verify => {
            &[("Shortfall", "fewer environments were warmed than requested")]
        }
        warmer_fn::target::Mode::Event => &[
            (
                "Throttled",
                "asynchronous warm-ups were throttled (coverage of event mode is unknown)",
            ),
            (
                "Failed",
                "asynchronous warm-ups failed (coverage of event mode is unknown)",
            ),
        ],
    }
}

/// Renders `config` (which must pass [`Config::check`]).
pub fn render(config: &Config, flavor: Flavor) -> anyhow::Result<Template> {
    if let Err(diagnostics) = config.check() {
        anyhow::bail!("the config has errors; fix them first:\n{diagnostics}");
    }
    let mut resources = Mapping::new();
    let mut outputs = Mapping::new();
    let mut used_ids = BTreeSet::new();

    resources.insert(s(LOG_GROUP_ID), log_group(config));
    resources.insert(s(health::FAILURE_QUEUE_ID), health::failure_queue());
    // With `role_arn` the stack creates no role and no policy for the warmer.
    if config.function.creates_role() {
        resources.insert(s(FUNCTION_ROLE_ID), function_role(config));
    }
    resources.insert(s(FUNCTION_ID), function(config, flavor));
    if shards(config) && config.function.creates_role() {
        resources.insert(s(SELF_INVOKE_POLICY_ID), self_invoke_policy());
    }
    resources.insert(s(EVENT_INVOKE_CONFIG_ID), event_invoke_config());
    resources.insert(s(SCHEDULER_ROLE_ID), scheduler_role());
    resources.insert(s(health::SCHEDULE_GROUP_ID), health::schedule_group());
    let alarms = health::alarms(config);
    for id in alarms.iter().map(|(id, _)| *id).chain([
        health::FAILURE_QUEUE_ID,
        health::SCHEDULE_GROUP_ID,
        LOG_GROUP_ID,
        FUNCTION_ROLE_ID,
        FUNCTION_ID,
        SELF_INVOKE_POLICY_ID,
        EVENT_INVOKE_CONFIG_ID,
        SCHEDULER_ROLE_ID,
    ]) {
        used_ids.insert(id.to_string());
    }

    for warmer in &config.warmers {
        let base = pascal(&warmer.name);
        let schedules = warmer.schedules()?;
        for schedule in &schedules {
            let warmed = schedule.warmed_targets();
            if warmed.is_empty() {
                continue;
            }
            let id = unique_id(
                &mut used_ids,
                format!("{base}Schedule{}", pascal(&schedule.name)),
            );
            let description = format!(
                "warmer {} / {} ({}): {}",
                warmer.name,
                schedule.name,
                schedule.window,
                warmed
                    .iter()
                    .map(|t| format!("{}={}", t.display_name(), t.concurrency))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            resources.insert(
                s(&id),
                map([
                    ("Type", s("AWS::Scheduler::Schedule")),
                    (
                        "Properties",
                        map([
                            ("Description", s(truncate(&description, 512))),
                            ("ScheduleExpression", s(&schedule.expression)),
                            ("ScheduleExpressionTimezone", s(&schedule.timezone)),
                            ("FlexibleTimeWindow", map([("Mode", s("OFF"))])),
                            ("State", s("ENABLED")),
                            ("GroupName", r(health::SCHEDULE_GROUP_ID)),
                            (
                                "Target",
                                map([
                                    ("Arn", get_att(FUNCTION_ID, "Arn")),
                                    ("RoleArn", get_att(SCHEDULER_ROLE_ID, "Arn")),
                                    ("Input", s(schedule.input())),
                                    (
                                        "DeadLetterConfig",
                                        map([("Arn", get_att(health::FAILURE_QUEUE_ID, "Arn"))]),
                                    ),
                                    (
                                        "RetryPolicy",
                                        // A late warm-up is useless and the next run is minutes away.
                                        map([
                                            ("MaximumRetryAttempts", n(0)),
                                            ("MaximumEventAgeInSeconds", n(60)),
                                        ]),
                                    ),
                                ]),
                            ),
                        ]),
                    ),
                ]),
            );
        }
        for target in warmer.targets.iter().filter(|t| !t.strategy.is_warm()) {
            let id = unique_id(
                &mut used_ids,
                format!("{base}Provisioned{}", pascal(&target.display_name())),
            );
            resources.insert(s(&id), provisioned(target, &schedules));
        }
        if let Some(alarm) = &warmer.alarm {
            for target in warmer.targets.iter().filter(|t| t.strategy.is_warm()) {
                for (metric, what) in alarm_metrics(target.mode) {
                    let id = unique_id(
                        &mut used_ids,
                        format!("{base}{metric}{}", pascal(&target.display_name())),
                    );
                    let mut props = vec![
                        (
                            "AlarmDescription",
                            s(format!(
                                "warmer {}, target {}: {what}",
                                warmer.name,
                                target.display_name()
                            )),
                        ),
                        ("Namespace", s(&config.metrics.namespace)),
                        ("MetricName", s(metric)),
                        (
                            "Dimensions",
                            seq([map([
                                ("Name", s("FunctionName")),
                                ("Value", s(target.display_name())),
                            ])]),
                        ),
                        ("Statistic", s("Maximum")),
                        ("Period", n(alarm.period_seconds.into())),
                        ("EvaluationPeriods", n(alarm.evaluation_periods.into())),
                        ("Threshold", n(alarm.threshold.into())),
                        ("ComparisonOperator", s("GreaterThanOrEqualToThreshold")),
                        ("TreatMissingData", s(&alarm.treat_missing_data)),
                    ];
                    if let Some(topic) = &alarm.sns_topic_arn {
                        props.push(("AlarmActions", seq([s(topic)])));
                    }
                    resources.insert(
                        s(&id),
                        map([
                            ("Type", s("AWS::CloudWatch::Alarm")),
                            ("Properties", map(props)),
                        ]),
                    );
                }
            }
        }
    }

    for (id, alarm) in alarms {
        resources.insert(s(id), alarm);
    }
    settings::tag_resources(&mut resources, config);

    outputs.insert(
        s("WarmerFunctionName"),
        map([
            ("Description", s("The warmer function")),
            ("Value", r(FUNCTION_ID)),
        ]),
    );
    outputs.insert(
        s("WarmerFunctionArn"),
        map([
            ("Description", s("The warmer function's ARN")),
            ("Value", get_att(FUNCTION_ID, "Arn")),
        ]),
    );
    outputs.insert(
        s("WarmerLogGroupName"),
        map([
            ("Description", s("The warmer's log group")),
            ("Value", r(LOG_GROUP_ID)),
        ]),
    );

    let mut top = vec![("AWSTemplateFormatVersion", s("2010-09-09"))];
    if flavor == Flavor::Sam {
        top.push(("Transform", s("AWS::Serverless-2016-10-31")));
    }
    top.push((
        "Description",
        s("Keeps Lambda functions warm on a schedule (rendered by `warmer render` from warmer.toml)"),
    ));
    if flavor == Flavor::Cloudformation {
        top.push((
            "Parameters",
            map([
                (
                    "CodeS3Bucket",
                    map([
                        ("Type", s("String")),
                        ("Description", s("S3 bucket holding the warmer's bootstrap.zip")),
                    ]),
                ),
                (
                    "CodeS3Key",
                    map([
                        ("Type", s("String")),
                        ("Default", s("warmer-fn/bootstrap.zip")),
                        (
                            "Description",
                            s(format!(
                                "Key of the zip made by cargo lambda build --profile deploy {} --output-format zip -p warmer-fn",
                                config.function.architecture.cargo_lambda_flag()
                            )),
                        ),
                    ]),
                ),
            ]),
        ));
    }
    top.push(("Resources", Value::Mapping(resources)));
    top.push(("Outputs", Value::Mapping(outputs)));
    Ok(Template { value: map(top) })
}

/// Quotes the plain scalar value of a `key: value` or `- value` line when YAML 1.1 would not
/// read it as a string.
fn quote_yaml11_scalar(line: &str) -> String {
    let value_at = if let Some(i) = line.find(": ") {
        i + 2
    } else if let Some(rest) = line.trim_start().strip_prefix("- ") {
        line.len() - rest.len()
    } else {
        return line.to_string();
    };
    let value = &line[value_at..];
    // A bare `true` or `false` is a boolean the template holds (a string is written quoted);
    // YAML 1.1 readers take it as one too.
    const BOOLS: [&str; 16] = [
        "yes", "Yes", "YES", "no", "No", "NO", "True", "TRUE", "False", "FALSE", "on", "On", "ON",
        "off", "Off", "OFF",
    ];
    let sexagesimal = value.contains(':')
        && value
            .split(':')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if BOOLS.contains(&value) || sexagesimal {
        format!("{}'{value}'", &line[..value_at])
    } else {
        line.to_string()
    }
}

fn log_group(config: &Config) -> Value {
    map([
        ("Type", s("AWS::Logs::LogGroup")),
        (
            "Properties",
            map([(
                "RetentionInDays",
                n(config.function.log_retention_days.into()),
            )]),
        ),
    ])
}

fn function(config: &Config, flavor: Flavor) -> Value {
    let f = &config.function;
    let mut props = vec![("Description", s("Warms Lambda environments on a schedule"))];
    match flavor {
        Flavor::Sam => props.push(("CodeUri", s(&f.code_uri))),
        Flavor::Cloudformation => props.push((
            "Code",
            map([("S3Bucket", r("CodeS3Bucket")), ("S3Key", r("CodeS3Key"))]),
        )),
    }
    props.extend([
        ("Handler", s("bootstrap")),
        ("Runtime", s("provided.al2023")),
        ("Architectures", seq([s(f.architecture.as_str())])),
        ("MemorySize", n(f.memory_mb.into())),
        ("Timeout", n(f.timeout_seconds.into())),
        ("Role", settings::execution_role(f)),
        // One run per warmer at a time: each warmer's windows are disjoint, so its schedules
        // start one run per period. A run that shards holds one more environment per shard
        // (the copies of the warmer it invokes, all at once), so each warmer reserves
        // 1 + the most shards any of its runs uses. A run that outlasts its period (or a
        // burst of late events) is throttled instead of piling up, and an asynchronous event
        // throttled for longer than MaximumEventAgeInSeconds is dropped (see
        // `event_invoke_config`).
        // https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
        (
            "ReservedConcurrentExecutions",
            n(reserved_concurrency(config)),
        ),
        // JSON application logs: Lambda sets AWS_LAMBDA_LOG_FORMAT=JSON and
        // AWS_LAMBDA_LOG_LEVEL, which the warmer's logging follows, so each target's report
        // line can be queried field by field in Logs Insights.
        // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html
        (
            "LoggingConfig",
            map([
                ("LogGroup", r(LOG_GROUP_ID)),
                ("LogFormat", s("JSON")),
                ("ApplicationLogLevel", s("INFO")),
            ]),
        ),
        // WARMER_CONFIG is the brief: what the schedules may ask (see `Config::brief`).
        (
            "Environment",
            map([(
                "Variables",
                map(config
                    .function_environment()
                    .into_iter()
                    .map(|(k, v)| (k, s(v)))),
            )]),
        ),
    ]);
    props.extend(settings::function_properties(f, flavor));
    let kind = match flavor {
        Flavor::Sam => "AWS::Serverless::Function",
        Flavor::Cloudformation => "AWS::Lambda::Function",
    };
    map([("Type", s(kind)), ("Properties", map(props))])
}

/// The warmer function's reserved concurrency: per warmer that warms, the environments one of
/// its runs holds at once, 1 (the run Scheduler starts) plus the most shards any one of its
/// runs uses (the copies of the warmer that run invokes, one per shard; the targets of a run
/// are warmed at once, so their shards add up). Without sharding, one per warmer.
///
/// ```
/// use warmer_cli::config::{ConfigBuilder, WarmerBuilder};
/// let config = ConfigBuilder::new()
///     .warmer(WarmerBuilder::new("api").target("orders", 5))
///     .warmer(WarmerBuilder::new("batch").target("reports", 2))
///     .build();
/// assert_eq!(warmer_cli::render::reserved_concurrency(&config), 2);
///
/// // 2,000 in shards of 500 is 4 shards: the api warmer reserves 1 + 4.
/// let sharded = ConfigBuilder::new()
///     .account_concurrency_limit(3_000)
///     .warmer(WarmerBuilder::new("api").target("orders", 2_000).shard_size(500))
///     .warmer(WarmerBuilder::new("batch").target("reports", 2))
///     .build();
/// assert_eq!(warmer_cli::render::reserved_concurrency(&sharded), (1 + 4) + 1);
/// ```
pub fn reserved_concurrency(config: &Config) -> u64 {
    let copies: u64 = config
        .warmers
        .iter()
        .map(|w| u64::from(w.max_warmer_copies()))
        .sum();
    copies.max(1)
}

/// Whether some warmer of `config` shards: a run of it warms a target whose N is above the
/// warmer's shard size, so the warmer invokes copies of itself.
///
/// ```
/// use warmer_cli::config::{ConfigBuilder, WarmerBuilder};
/// let at_the_default = ConfigBuilder::new()
///     .account_concurrency_limit(3_000)
///     .warmer(WarmerBuilder::new("api").target("orders", 800))
///     .build();
/// assert!(!warmer_cli::render::shards(&at_the_default));
/// let above = ConfigBuilder::new()
///     .account_concurrency_limit(3_000)
///     .warmer(WarmerBuilder::new("api").target("orders", 801))
///     .build();
/// assert!(warmer_cli::render::shards(&above));
/// ```
pub fn shards(config: &Config) -> bool {
    config.warmers.iter().any(|w| w.max_warmer_copies() > 1)
}

/// The warmer's permission to invoke itself, rendered only when some warmer shards: a run
/// whose target is above the shard size invokes copies of its own function synchronously, one
/// per shard, with the qualifier it runs as, so the statement names the function's ARN and
/// `ARN:*` (any qualifier of this one function), and nothing else.
///
/// It is a resource of its own (`AWS::IAM::RolePolicy` on the warmer's role), not a statement
/// of the role's inline policy: the function's ARN in the role would make the role depend on
/// the function, which depends on the role (its `Role`), a cycle CloudFormation refuses.
fn self_invoke_policy() -> Value {
    let arn = get_att(FUNCTION_ID, "Arn");
    let any_qualifier = map([(
        "Fn::Join",
        seq([s(""), seq([get_att(FUNCTION_ID, "Arn"), s(":*")])]),
    )]);
    map([
        ("Type", s("AWS::IAM::RolePolicy")),
        (
            "Properties",
            map([
                ("PolicyName", s("invoke-own-shards")),
                ("RoleName", r(FUNCTION_ROLE_ID)),
                (
                    "PolicyDocument",
                    map([
                        ("Version", s("2012-10-17")),
                        (
                            "Statement",
                            seq([map([
                                ("Sid", s("InvokeOwnShards")),
                                ("Effect", s("Allow")),
                                ("Action", s("lambda:InvokeFunction")),
                                ("Resource", seq([arn, any_qualifier])),
                            ])]),
                        ),
                    ]),
                ),
            ]),
        ),
    ])
}

/// The function name and qualifier of a target, from its `function` (a name, `name:qualifier`,
/// a partial or a full ARN) and `qualifier`; `None` without a qualifier.
///
/// ```
/// use warmer_fn::target::Target;
/// use warmer_cli::render::qualified_name;
/// let mut t = Target::new("arn:aws:lambda:eu-west-1:123456789012:function:orders:live", 1);
/// assert_eq!(qualified_name(&t), Some(("orders".into(), "live".into())));
/// t = Target::new("orders", 1);
/// assert_eq!(qualified_name(&t), None);
/// t.qualifier = Some("7".into());
/// assert_eq!(qualified_name(&t), Some(("orders".into(), "7".into())));
/// ```
pub fn qualified_name(target: &Target) -> Option<(String, String)> {
    let parts: Vec<&str> = target.function.split(':').collect();
    let (name, in_function) = match parts.as_slice() {
        ["arn", _, _, _, _, _, name, rest @ ..] => (*name, rest.first().copied()),
        [_, "function", name] => (*name, None),
        [name, qualifier] => (*name, Some(*qualifier)),
        [name] => (*name, None),
        _ => return None,
    };
    let qualifier = target.qualifier.as_deref().or(in_function)?;
    Some((name.to_string(), qualifier.to_string()))
}

/// Application Auto Scaling's scalable dimension for a Lambda alias's or version's
/// Provisioned Concurrency.
pub const PROVISIONED_CONCURRENCY_DIMENSION: &str = "lambda:function:ProvisionedConcurrency";

/// A provisioned target's Provisioned Concurrency, scheduled by Application Auto Scaling: a
/// scalable target on the alias (`function:NAME:QUALIFIER`) whose scheduled actions set it to
/// each window's N at the start of every hour of that window, in the warmer's time zone.
///
/// The warmer's stack does not own the target function or its alias, so it cannot set the
/// alias's own `ProvisionedConcurrencyConfig`; Application Auto Scaling sets it through its
/// service-linked role `AWSServiceRoleForApplicationAutoScaling_LambdaConcurrency`, created on
/// first use, so the stack needs no role for it
/// (<https://docs.aws.amazon.com/autoscaling/application/userguide/services-that-can-integrate-lambda.html>,
/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-applicationautoscaling-scalabletarget.html>).
/// A warmer without profiles holds the target's N all week.
fn provisioned(target: &Target, schedules: &[crate::config::WindowSchedule]) -> Value {
    let (name, qualifier) =
        qualified_name(target).expect("config check requires a qualifier for provisioned targets");
    let n_in = |schedule: &crate::config::WindowSchedule| {
        schedule
            .targets
            .iter()
            .find(|t| t.function == target.function && t.qualifier == target.qualifier)
            .map_or(target.concurrency, |t| t.concurrency)
    };
    let ns: Vec<u32> = schedules.iter().map(n_in).collect();
    let min = ns.iter().copied().min().unwrap_or(target.concurrency);
    let max = ns.iter().copied().max().unwrap_or(target.concurrency);
    let actions: Vec<Value> = schedules
        .iter()
        .filter_map(|schedule| {
            let cron = schedule.hourly_cron()?;
            let capacity = u64::from(n_in(schedule));
            Some(map([
                ("ScheduledActionName", s(&schedule.name)),
                ("Schedule", s(cron)),
                ("Timezone", s(&schedule.timezone)),
                (
                    "ScalableTargetAction",
                    map([("MinCapacity", n(capacity)), ("MaxCapacity", n(capacity))]),
                ),
            ]))
        })
        .collect();
    let mut props = vec![
        ("ServiceNamespace", s("lambda")),
        ("ScalableDimension", s(PROVISIONED_CONCURRENCY_DIMENSION)),
        ("ResourceId", s(format!("function:{name}:{qualifier}"))),
        ("MinCapacity", n(min.into())),
        ("MaxCapacity", n(max.into())),
    ];
    if !actions.is_empty() {
        props.push(("ScheduledActions", Value::Sequence(actions)));
    }
    map([
        ("Type", s("AWS::ApplicationAutoScaling::ScalableTarget")),
        ("Properties", map(props)),
    ])
}

/// Scheduler invokes the warmer asynchronously. By default Lambda retries an asynchronous
/// invoke that fails (a crash, a timeout) twice, minutes later, and keeps an event queued for
/// up to six hours: a retried warm-up run holds environments at a random time, where live
/// traffic may need them. So: no retries, and the shortest event age Lambda allows.
/// <https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html>,
/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-eventinvokeconfig.html>
fn event_invoke_config() -> Value {
    map([
        ("Type", s("AWS::Lambda::EventInvokeConfig")),
        (
            "Properties",
            map([
                ("FunctionName", r(FUNCTION_ID)),
                // Scheduler invokes the unqualified ARN, which runs `$LATEST`.
                ("Qualifier", s("$LATEST")),
                ("MaximumRetryAttempts", n(0)),
                ("MaximumEventAgeInSeconds", n(WARMER_MAX_EVENT_AGE_SECONDS)),
                // What Lambda drops is recorded, with the reason (see `health::failure_queue`).
                (
                    "DestinationConfig",
                    map([(
                        "OnFailure",
                        map([("Destination", get_att(health::FAILURE_QUEUE_ID, "Arn"))]),
                    )]),
                ),
            ]),
        ),
    ])
}

/// The ARNs the warmer may invoke, one per distinct target and qualifier, sorted.
///
/// Names become `arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:NAME[:QUALIFIER]`
/// (an `Fn::Sub`); full ARNs are used as given, with the qualifier appended.
///
/// ```
/// use warmer_fn::target::Target;
/// let mut t = Target::new("orders", 1);
/// t.qualifier = Some("live".into());
/// assert_eq!(
///     warmer_cli::render::target_arn(&t),
///     "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:orders:live"
/// );
/// ```
pub fn target_arn(target: &Target) -> String {
    let suffix = target
        .qualifier
        .as_ref()
        .map(|q| format!(":{q}"))
        .unwrap_or_default();
    let parts: Vec<&str> = target.function.split(':').collect();
    match parts.as_slice() {
        ["arn", ..] => format!("{}{suffix}", target.function),
        [account, "function", name] => {
            format!(
                "arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:{account}:function:{name}{suffix}"
            )
        }
        _ => format!(
            "arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{}{suffix}",
            target.function
        ),
    }
}

/// Every warmed target ARN of every warmer (`strategy = "warm"`), deduplicated and sorted.
pub fn target_arns(warmers: &[Warmer]) -> Vec<String> {
    let set: BTreeSet<String> = warmers
        .iter()
        .flat_map(|w| w.targets.iter().filter(|t| t.strategy.is_warm()))
        .map(target_arn)
        .collect();
    set.into_iter().collect()
}

/// Every target's function ARN without its qualifier, deduplicated and sorted: what
/// `lambda:GetFunctionConcurrency` is granted on (reserved concurrency belongs to the function,
/// not to a version or alias).
///
/// ```
/// use warmer_cli::config::{ConfigBuilder, WarmerBuilder};
/// let config = ConfigBuilder::new()
///     .warmer(WarmerBuilder::new("api").target("orders", 5))
///     .build();
/// assert_eq!(
///     warmer_cli::render::function_arns(&config.warmers),
///     ["arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:orders"]
/// );
/// ```
pub fn function_arns(warmers: &[Warmer]) -> Vec<String> {
    let set: BTreeSet<String> = warmers
        .iter()
        .flat_map(|w| w.targets.iter().filter(|t| t.strategy.is_warm()))
        .map(|t| {
            let mut unqualified = t.clone();
            unqualified.qualifier = None;
            // A full ARN written with its qualifier (`arn:aws:lambda:REGION:ACCOUNT:function:NAME:live`):
            // the function's ARN is its first seven parts.
            if unqualified.function.starts_with("arn:") {
                let parts: Vec<&str> = unqualified.function.split(':').collect();
                unqualified.function = parts[..parts.len().min(7)].join(":");
            }
            target_arn(&unqualified)
        })
        .collect();
    set.into_iter().collect()
}

fn arn_values(arns: Vec<String>) -> Value {
    Value::Sequence(
        arns.into_iter()
            .map(|arn| if arn.contains("${") { sub(arn) } else { s(arn) })
            .collect(),
    )
}

fn function_role(config: &Config) -> Value {
    let invoke = target_arns(&config.warmers);
    let functions = function_arns(&config.warmers);
    let mut statements = vec![map([
        ("Sid", s("WriteOwnLogs")),
        ("Effect", s("Allow")),
        (
            "Action",
            seq([s("logs:CreateLogStream"), s("logs:PutLogEvents")]),
        ),
        ("Resource", get_att(LOG_GROUP_ID, "Arn")),
    ])];
    // With every target provisioned there is nothing to invoke, and IAM refuses an empty
    // resource list.
    if !invoke.is_empty() {
        statements.extend([
            map([
                ("Sid", s("InvokeTargets")),
                ("Effect", s("Allow")),
                ("Action", s("lambda:InvokeFunction")),
                ("Resource", arn_values(invoke)),
            ]),
            // The concurrency guard reads each target's reserved concurrency before
            // warming it, so a warm-up never takes what live traffic needs.
            map([
                ("Sid", s("ReadTargetConcurrency")),
                ("Effect", s("Allow")),
                ("Action", s("lambda:GetFunctionConcurrency")),
                ("Resource", arn_values(functions)),
            ]),
        ]);
    }
    // ... and the account's unreserved concurrency. GetAccountSettings supports no
    // resource-level permission: IAM accepts only "*" for it (Service Authorization Reference,
    // "Actions defined by AWS Lambda":
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html).
    // It reads limits and usage only; it changes nothing.
    statements.push(map([
        ("Sid", s("ReadAccountConcurrency")),
        ("Effect", s("Allow")),
        ("Action", s("lambda:GetAccountSettings")),
        ("Resource", s("*")),
    ]));
    // Autopilot (a target with concurrency = "auto") reads each such target's
    // ConcurrentExecutions at every run; granted only then. GetMetricData supports no
    // resource-level permission: IAM accepts only "*" for it (Service Authorization Reference,
    // "Actions defined by Amazon CloudWatch":
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html).
    // It reads metrics only; it changes nothing.
    if config.warmers.iter().any(Warmer::has_auto_target) {
        statements.push(map([
            ("Sid", s("AutopilotReadsTargetConcurrency")),
            ("Effect", s("Allow")),
            ("Action", s("cloudwatch:GetMetricData")),
            ("Resource", s("*")),
        ]));
    }
    // Lambda writes the runs it drops to the on-failure destination as this role.
    statements.push(health::send_to_failure_queue());
    let policy = map([
        ("Version", s("2012-10-17")),
        ("Statement", Value::Sequence(statements)),
    ]);
    let mut role = role("lambda.amazonaws.com", None, "warmer-targets", policy);
    settings::extend_function_role(&mut role, &config.function);
    role
}

fn scheduler_role() -> Value {
    let policy = map([
        ("Version", s("2012-10-17")),
        (
            "Statement",
            seq([
                map([
                    ("Sid", s("InvokeWarmer")),
                    ("Effect", s("Allow")),
                    ("Action", s("lambda:InvokeFunction")),
                    ("Resource", get_att(FUNCTION_ID, "Arn")),
                ]),
                health::send_to_failure_queue(),
            ]),
        ),
    ]);
    // Confused-deputy guard: only schedules of this account may assume the role.
    let condition = map([(
        "StringEquals",
        map([("aws:SourceAccount", r("AWS::AccountId"))]),
    )]);
    role(
        "scheduler.amazonaws.com",
        Some(condition),
        "invoke-warmer",
        policy,
    )
}

fn role(service: &str, condition: Option<Value>, policy_name: &str, policy: Value) -> Value {
    let mut statement = vec![
        ("Effect", s("Allow")),
        ("Principal", map([("Service", s(service))])),
        ("Action", s("sts:AssumeRole")),
    ];
    if let Some(condition) = condition {
        statement.push(("Condition", condition));
    }
    map([
        ("Type", s("AWS::IAM::Role")),
        (
            "Properties",
            map([
                (
                    "AssumeRolePolicyDocument",
                    map([
                        ("Version", s("2012-10-17")),
                        ("Statement", seq([map(statement)])),
                    ]),
                ),
                (
                    "Policies",
                    seq([map([
                        ("PolicyName", s(policy_name)),
                        ("PolicyDocument", policy),
                    ])]),
                ),
            ]),
        ),
    ])
}

fn pascal(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut chars = p.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn unique_id(used: &mut BTreeSet<String>, id: String) -> String {
    let mut candidate = id.clone();
    let mut i = 2;
    while !used.insert(candidate.clone()) {
        candidate = format!("{id}{i}");
        i += 1;
    }
    candidate
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        text.chars().take(max - 3).collect::<String>() + "..."
    }
}

fn s(text: impl AsRef<str>) -> Value {
    Value::String(text.as_ref().to_string())
}

fn n(value: u64) -> Value {
    Value::Number(value.into())
}

fn seq<const N: usize>(items: [Value; N]) -> Value {
    Value::Sequence(items.into())
}

fn map(entries: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    let mut m = Mapping::new();
    for (k, v) in entries {
        m.insert(s(k), v);
    }
    Value::Mapping(m)
}

fn r(id: &str) -> Value {
    map([("Ref", s(id))])
}

fn sub(text: String) -> Value {
    map([("Fn::Sub", s(text))])
}

fn get_att(id: &str, attribute: &str) -> Value {
    map([("Fn::GetAtt", seq([s(id), s(attribute)]))])
}

#[cfg(test)]
mod tests {
    use super::quote_yaml11_scalar;

    #[test]
    fn yaml11_booleans_and_base60_numbers_are_quoted() {
        assert_eq!(quote_yaml11_scalar("    Mode: OFF"), "    Mode: 'OFF'");
        assert_eq!(quote_yaml11_scalar("  - yes"), "  - 'yes'");
        assert_eq!(quote_yaml11_scalar("  Start: 08:00"), "  Start: '08:00'");
        assert_eq!(quote_yaml11_scalar("  State: ENABLED"), "  State: ENABLED");
        assert_eq!(
            quote_yaml11_scalar("  Value: orders:live"),
            "  Value: orders:live"
        );
    }
}
