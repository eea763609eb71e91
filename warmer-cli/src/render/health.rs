//! What watches the warmer itself: a queue for the runs that never ran, the schedule group
//! whose Scheduler metrics are the warmer's alone, and the alarms of a dead or sick warmer.
//!
//! | Alarm | Metric | Fires when |
//! | --- | --- | --- |
//! | `WarmerErrorsAlarm` | `AWS/Lambda` `Errors` | a run failed: crash, timeout, out of memory, a refused brief |
//! | `WarmerThrottlesAlarm` | `AWS/Lambda` `Throttles` | a run (or a shard copy) found no concurrency |
//! | `WarmerDestinationFailuresAlarm` | `AWS/Lambda` `DestinationDeliveryFailures` | a dropped run could not be written to the failure queue |
//! | `WarmerSchedulerTargetErrorsAlarm` | `AWS/Scheduler` `TargetErrorCount` | Lambda refused Scheduler's invoke (permission, missing function) |
//! | `WarmerSchedulerThrottledAlarm` | `AWS/Scheduler` `InvocationThrottleCount` | Scheduler throttled its own invokes |
//! | `WarmerSchedulerDroppedAlarm` | `AWS/Scheduler` `InvocationDroppedCount` | Scheduler gave a run up |
//! | `WarmerSchedulerDeadLetterFailedAlarm` | `AWS/Scheduler` `InvocationsFailedToBeSentToDeadLetterCount` | ... and could not queue it |
//! | `WarmerFailureQueueAlarm` | `AWS/SQS` `ApproximateNumberOfMessagesVisible` | a run that never ran is in the failure queue |
//! | `WarmerHeartbeatAlarm` | `Runs` (the warmer's namespace) | no run reported for one period ([`heartbeat_period`]) |
//! | `WarmerGuardUnreadableAlarm` | `GuardUnreadable` | the concurrency guard could not read a limit and ran unguarded |
//! | `WarmerRefusedAlarm` | `Refused` | an event asked for more than the brief allows |
//!
//! Scheduler's metrics have one dimension, `ScheduleGroup`
//! (<https://docs.aws.amazon.com/scheduler/latest/UserGuide/monitoring-cloudwatch.html>), so the
//! warmer's schedules get a group of their own. The warmer's own metrics carry the one
//! dimension `Warmer`, the function's name. Every alarm notifies the SNS topics the warmers'
//! `[warmers.alarm]` tables name.
//!
//! ```
//! use warmer_cli::config::{ConfigBuilder, WarmerBuilder};
//! use warmer_cli::render::{Flavor, render};
//!
//! let config = ConfigBuilder::new()
//!     .warmer(WarmerBuilder::new("api").target("orders", 5))
//!     .build();
//! let json: serde_json::Value =
//!     serde_json::from_str(&render(&config, Flavor::Cloudformation).unwrap().to_json()).unwrap();
//! let heartbeat = &json["Resources"]["WarmerHeartbeatAlarm"]["Properties"];
//! assert_eq!(heartbeat["MetricName"], "Runs");
//! assert_eq!(heartbeat["TreatMissingData"], "breaching");
//! assert_eq!(heartbeat["Period"], 7 * 60);
//! ```

use std::collections::BTreeSet;

use serde_yaml_ng::{Mapping, Value};

use super::{FUNCTION_ID, get_att, map, n, r, s, seq};
use crate::config::{Config, heartbeat_period};

/// Logical id of the queue that keeps the runs that never ran.
pub const FAILURE_QUEUE_ID: &str = "WarmerFailureQueue";
/// Logical id of the warmer's schedule group.
pub const SCHEDULE_GROUP_ID: &str = "WarmerScheduleGroup";

/// How long the failure queue keeps a message: SQS's longest, 14 days.
const QUEUE_RETENTION_SECONDS: u64 = 14 * 24 * 3600;
/// The period of the alarms that count failures, in seconds.
const FAILURE_PERIOD_SECONDS: u64 = 300;

/// The failure queue: a standard queue encrypted with SQS-managed keys (SSE-SQS), so Lambda and
/// Scheduler need only `sqs:SendMessage` on it, no key policy.
///
/// Two paths lose a run, and both write here. Lambda drops an event its invoke config gives up
/// on (older than `MaximumEventAgeInSeconds`, or a failed run with no retries left) and sends
/// the on-failure destination a record of it with the reason
/// (<https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html>).
/// Scheduler drops an invoke Lambda refused once its retry policy is spent and sends the
/// target's dead-letter queue the event
/// (<https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html>).
/// Nothing reads the queue: a late warm-up must not be replayed; it is there to be looked at.
pub(super) fn failure_queue() -> Value {
    map([
        ("Type", s("AWS::SQS::Queue")),
        (
            "Properties",
            map([
                ("SqsManagedSseEnabled", Value::Bool(true)),
                ("MessageRetentionPeriod", n(QUEUE_RETENTION_SECONDS)),
            ]),
        ),
    ])
}

/// The warmer's schedule group; CloudFormation names it.
pub(super) fn schedule_group() -> Value {
    map([("Type", s("AWS::Scheduler::ScheduleGroup"))])
}

/// The IAM statement that lets a role write to the failure queue.
pub(super) fn send_to_failure_queue() -> Value {
    map([
        ("Sid", s("SendLostRunsToFailureQueue")),
        ("Effect", s("Allow")),
        ("Action", s("sqs:SendMessage")),
        ("Resource", get_att(FAILURE_QUEUE_ID, "Arn")),
    ])
}

/// Every alarm of the table in the [module docs](self), by logical id, in its order.
pub(super) fn alarms(config: &Config) -> Vec<(&'static str, Value)> {
    let actions = alarm_actions(config);
    let ns = config.metrics.namespace.as_str();
    let mut out: Vec<(&'static str, Value)> = service_watches()
        .into_iter()
        .map(|(id, watch)| (id, watch.any_in(FAILURE_PERIOD_SECONDS, &actions)))
        .collect();
    if let Ok(period) = heartbeat_period(config) {
        let heartbeat = Watch::new(
            ns,
            "Runs",
            warmer(),
            "the warmer reported no run for longer than its schedules ever leave between runs",
        );
        out.push(("WarmerHeartbeatAlarm", heartbeat.none_in(period, &actions)));
    }
    let own = [
        (
            "WarmerGuardUnreadableAlarm",
            Watch::new(
                ns,
                "GuardUnreadable",
                warmer(),
                "the concurrency guard could not read a limit and warmed unguarded",
            ),
        ),
        (
            "WarmerRefusedAlarm",
            Watch::new(
                ns,
                "Refused",
                warmer(),
                "an event asked the warmer for more than its brief (WARMER_CONFIG) allows",
            ),
        ),
    ];
    out.extend(own.map(|(id, watch)| (id, watch.any_in(FAILURE_PERIOD_SECONDS, &actions))));
    out
}

/// The failures AWS counts for the warmer: Lambda's, Scheduler's and the failure queue's.
fn service_watches() -> [(&'static str, Watch<'static>); 8] {
    let function = || ("FunctionName", r(FUNCTION_ID));
    let group = || ("ScheduleGroup", r(SCHEDULE_GROUP_ID));
    let lambda = |metric, what| Watch::new("AWS/Lambda", metric, function(), what);
    let scheduler = |metric, what| Watch::new("AWS/Scheduler", metric, group(), what);
    [
        (
            "WarmerErrorsAlarm",
            lambda(
                "Errors",
                "a warmer run failed (crash, timeout, out of memory, or an event refused by its brief)",
            ),
        ),
        (
            "WarmerThrottlesAlarm",
            lambda(
                "Throttles",
                "a warmer run or shard copy was throttled (its reserved concurrency was in use)",
            ),
        ),
        (
            "WarmerDestinationFailuresAlarm",
            lambda(
                "DestinationDeliveryFailures",
                "a dropped warmer run could not be written to the failure queue",
            ),
        ),
        (
            "WarmerSchedulerTargetErrorsAlarm",
            scheduler(
                "TargetErrorCount",
                "Lambda refused Scheduler's invoke of the warmer (permission, missing function)",
            ),
        ),
        (
            "WarmerSchedulerThrottledAlarm",
            scheduler(
                "InvocationThrottleCount",
                "Scheduler throttled its invokes of the warmer",
            ),
        ),
        (
            "WarmerSchedulerDroppedAlarm",
            scheduler(
                "InvocationDroppedCount",
                "Scheduler gave up a warmer run (see the failure queue)",
            ),
        ),
        (
            "WarmerSchedulerDeadLetterFailedAlarm",
            scheduler(
                "InvocationsFailedToBeSentToDeadLetterCount",
                "Scheduler gave up a warmer run and could not write it to the failure queue",
            ),
        ),
        (
            "WarmerFailureQueueAlarm",
            Watch::new(
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                ("QueueName", get_att(FAILURE_QUEUE_ID, "QueueName")),
                "a warmer run that never ran is in the failure queue",
            ),
        ),
    ]
}

/// The dimension of the warmer's own metrics: `Warmer` = the function's name.
fn warmer() -> (&'static str, Value) {
    ("Warmer", r(FUNCTION_ID))
}

/// The SNS topics of every warmer's `[warmers.alarm]`, deduplicated, in order.
fn alarm_actions(config: &Config) -> Vec<String> {
    let mut seen = BTreeSet::new();
    config
        .warmers
        .iter()
        .filter_map(|w| w.alarm.as_ref()?.sns_topic_arn.clone())
        .filter(|topic| seen.insert(topic.clone()))
        .collect()
}

/// One metric of one dimension, and what its alarm says.
struct Watch<'a> {
    namespace: &'a str,
    metric: &'static str,
    dimension: (&'static str, Value),
    what: &'static str,
}

impl<'a> Watch<'a> {
    fn new(
        namespace: &'a str,
        metric: &'static str,
        dimension: (&'static str, Value),
        what: &'static str,
    ) -> Self {
        Watch {
            namespace,
            metric,
            dimension,
            what,
        }
    }
}

impl Watch<'_> {
    /// Alarms on any data point above zero in a period; no data is no failure.
    fn any_in(&self, period: u64, actions: &[String]) -> Value {
        let statistic = if self.namespace == "AWS/SQS" {
            "Maximum"
        } else {
            "Sum"
        };
        self.alarm(
            statistic,
            period,
            "GreaterThanOrEqualToThreshold",
            "notBreaching",
            actions,
        )
    }

    /// Alarms on a period without a run: no data is a dead warmer.
    fn none_in(&self, period: u64, actions: &[String]) -> Value {
        self.alarm("Sum", period, "LessThanThreshold", "breaching", actions)
    }

    fn alarm(
        &self,
        statistic: &str,
        period: u64,
        comparison: &str,
        missing: &str,
        actions: &[String],
    ) -> Value {
        let (name, value) = &self.dimension;
        let mut props = Mapping::new();
        let mut put = |k: &str, v: Value| props.insert(s(k), v);
        put("AlarmDescription", s(format!("warmer: {}", self.what)));
        put("Namespace", s(self.namespace));
        put("MetricName", s(self.metric));
        put(
            "Dimensions",
            seq([map([("Name", s(name)), ("Value", value.clone())])]),
        );
        put("Statistic", s(statistic));
        put("Period", n(period));
        put("EvaluationPeriods", n(1));
        put("Threshold", n(1));
        put("ComparisonOperator", s(comparison));
        put("TreatMissingData", s(missing));
        if !actions.is_empty() {
            put(
                "AlarmActions",
                Value::Sequence(actions.iter().map(s).collect()),
            );
        }
        map([
            ("Type", s("AWS::CloudWatch::Alarm")),
            ("Properties", Value::Mapping(props)),
        ])
    }
}
