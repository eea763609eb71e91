//! Reading a function's `ConcurrentExecutions` from CloudWatch (`GetMetricData`).

use aws_config::{BehaviorVersion, Region};
use aws_sdk_cloudwatch::error::ProvideErrorMetadata;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy};
use chrono::{DateTime, Utc};

use super::Sample;
use crate::target::FunctionId;

/// The most pages one read follows (each holds up to 100,800 data points, far more than a
/// window of at most 1,440 minutes needs): a bound against an endpoint that never stops
/// sending a `NextToken`.
const MAX_PAGES: usize = 16;

/// A CloudWatch client for autopilot's (and `warmer plan`'s) reads: the standard AWS configuration chain (the
/// profile `profile`, else the default one or `AWS_PROFILE`), in `region` when given. Its
/// endpoint is CloudWatch's own: the SDK's `AWS_ENDPOINT_URL_CLOUDWATCH` or `AWS_ENDPOINT_URL`
/// moves it (<https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html>), and
/// with one of those set and no credentials in the environment or profile, dummy static
/// credentials are used (a local endpoint does not check signatures). The warmer's Lambda
/// endpoint (`WARMER_ENDPOINT_URL`) does not apply: it is not CloudWatch.
///
/// ```no_run
/// # async fn demo() {
/// let cloudwatch = warmer_fn::autopilot::cloudwatch_client(None, None).await;
/// # let _ = cloudwatch;
/// # }
/// ```
pub async fn cloudwatch_client(
    region: Option<&str>,
    profile: Option<&str>,
) -> aws_sdk_cloudwatch::Client {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_owned()));
    }
    let endpoint_given = crate::engine::client::endpoint_from_env("CLOUDWATCH");
    let config = crate::engine::client::load_local_aware(loader, profile, endpoint_given).await;
    aws_sdk_cloudwatch::Client::new(&config)
}

/// The `Maximum` of `AWS/Lambda` `ConcurrentExecutions` per `period_seconds` (60 for 1-minute
/// data points, kept 15 days; 300 kept 63 days; 3,600 kept 455 days) for `function` from
/// `start` to `end`, oldest first: dimension `FunctionName`, and `Resource` = `name:qualifier` for an
/// alias or version (<https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html>).
/// The error is the AWS error code (`AccessDenied`, ...) or what went wrong.
///
/// ```no_run
/// # async fn demo() -> Result<(), String> {
/// use chrono::{Duration, Utc};
/// use warmer_fn::autopilot::{cloudwatch_client, read_concurrency};
/// use warmer_fn::target::Target;
///
/// let cloudwatch = cloudwatch_client(None, None).await;
/// let id = Target::new("orders", 1).function_id();
/// let end = Utc::now();
/// let samples = read_concurrency(&cloudwatch, &id, end - Duration::minutes(15), end, 60).await?;
/// println!("peak {:?}", samples.iter().map(|s| s.value).reduce(f64::max));
/// # Ok(()) }
/// ```
pub async fn read_concurrency(
    client: &aws_sdk_cloudwatch::Client,
    function: &FunctionId,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    period_seconds: i32,
) -> Result<Vec<Sample>, String> {
    let query = query(function, period_seconds);
    // Whole periods, as CloudWatch itself rounds a start time down ("less than 15 days ago -
    // Round down to the nearest whole minute", GetMetricData's StartTime:
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html):
    // every data point then starts on a minute, where autopilot finds its own runs, and the
    // current, unfinished period is left out.
    let (start, end) = (align(start, period_seconds), align(end, period_seconds));
    let mut samples = Vec::new();
    let mut next_token = None;
    for _ in 0..MAX_PAGES {
        let page = client
            .get_metric_data()
            .metric_data_queries(query.clone())
            .start_time(smithy_time(start))
            .end_time(smithy_time(end))
            .scan_by(ScanBy::TimestampAscending)
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|e| e.code().unwrap_or("no answer from CloudWatch").to_owned())?;
        for result in page.metric_data_results() {
            let points = result.timestamps().iter().zip(result.values());
            samples.extend(points.filter_map(|(at, value)| {
                let at = DateTime::from_timestamp(at.secs(), at.subsec_nanos())?;
                Some(Sample { at, value: *value })
            }));
        }
        next_token = page.next_token().map(str::to_owned);
        if next_token.is_none() {
            samples.sort_by_key(|s| s.at);
            return Ok(samples);
        }
    }
    Err(format!("more than {MAX_PAGES} pages of data points"))
}

fn query(function: &FunctionId, period_seconds: i32) -> MetricDataQuery {
    let mut metric = Metric::builder()
        .namespace("AWS/Lambda")
        .metric_name("ConcurrentExecutions")
        .dimensions(
            Dimension::builder()
                .name("FunctionName")
                .value(&function.name)
                .build(),
        );
    if let Some(qualifier) = &function.qualifier {
        metric = metric.dimensions(
            Dimension::builder()
                .name("Resource")
                .value(format!("{}:{qualifier}", function.name))
                .build(),
        );
    }
    let stat = MetricStat::builder()
        .metric(metric.build())
        .period(period_seconds)
        .stat("Maximum")
        .build();
    MetricDataQuery::builder()
        .id("concurrency")
        .metric_stat(stat)
        .return_data(true)
        .build()
}

/// `at` rounded down to a whole `period_seconds` since the Unix epoch.
fn align(at: DateTime<Utc>, period_seconds: i32) -> DateTime<Utc> {
    let period = i64::from(period_seconds.max(1));
    let secs = at.timestamp().div_euclid(period) * period;
    DateTime::from_timestamp(secs, 0).unwrap_or(at)
}

fn smithy_time(at: DateTime<Utc>) -> aws_sdk_cloudwatch::primitives::DateTime {
    aws_sdk_cloudwatch::primitives::DateTime::from_secs(at.timestamp())
}
