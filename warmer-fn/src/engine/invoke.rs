//! One warm-up on the wire: its payload (serialized once per round), the invoke bounded by the
//! hold and the deadline, one retry of a rate-limit throttle after a clamped `Retry-After`, and
//! the clock that stamps when each request of a round left.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_lambda::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_lambda::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use tokio::sync::watch;
use tokio::time::Instant;
use warm_sdk::protocol::WarmupRequest;

use super::count::FailureKind;
use super::outcome::{self, Outcome};
use super::reason::CallSite;
use crate::target::Target;

/// The wait before retrying a rate-limit throttle when Lambda names no `Retry-After`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// The longest `Retry-After` the engine waits for before its one retry; a longer one is not
/// retried (the throttle is reported). Lambda sends whole seconds; an endpoint that sends a
/// huge or malformed value must neither panic the engine nor stall a run.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(5);

/// Reads `Retry-After` in seconds: `None` for garbage, negative, non-finite or values too
/// large to be a duration at all.
///
/// ```
/// use std::time::Duration;
/// use warmer_fn::engine::parse_retry_after;
/// assert_eq!(parse_retry_after(Some("2")), Some(Duration::from_secs(2)));
/// // Larger than any duration: not a wait at all.
/// assert_eq!(parse_retry_after(Some("18446744073709551615")), None);
/// assert_eq!(parse_retry_after(Some("86400")), Some(Duration::from_secs(86_400)));
/// assert_eq!(parse_retry_after(Some("1e400")), None);
/// assert_eq!(parse_retry_after(Some("soon")), None);
/// ```
pub fn parse_retry_after(value: Option<&str>) -> Option<Duration> {
    let seconds = value?.trim().parse::<f64>().ok()?;
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    Duration::try_from_secs_f64(seconds).ok()
}

/// When each invoke of a round was handed to the HTTP connection.
#[derive(Debug)]
pub(crate) struct DispatchClock {
    stamps: Mutex<Vec<Instant>>,
    count: watch::Sender<usize>,
}

impl DispatchClock {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            stamps: Mutex::new(Vec::new()),
            count: watch::Sender::new(0),
        })
    }

    fn stamp(&self) {
        let now = Instant::now();
        self.stamps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(now);
        self.count.send_modify(|c| *c += 1);
    }

    /// Waits until `k` requests have been stamped.
    pub(crate) async fn wait_for(&self, k: usize) {
        let mut count = self.count.subscribe();
        let _ = count.wait_for(|c| *c >= k).await;
    }

    /// Time between the first and the last stamp.
    pub(crate) fn spread(&self) -> Duration {
        let stamps = self.stamps.lock().unwrap_or_else(|e| e.into_inner());
        match (stamps.iter().min(), stamps.iter().max()) {
            (Some(first), Some(last)) => *last - *first,
            _ => Duration::ZERO,
        }
    }

    /// The mean gap between consecutive stamps, once there are two.
    pub(crate) fn mean_gap(&self) -> Option<Duration> {
        let stamps = self.stamps.lock().unwrap_or_else(|e| e.into_inner());
        let gaps = u32::try_from(stamps.len().checked_sub(1)?)
            .ok()
            .filter(|g| *g > 0)?;
        let (first, last) = (stamps.iter().min()?, stamps.iter().max()?);
        Some((*last - *first) / gaps)
    }
}

tokio::task_local! {
    /// The clock of the round whose first invoke is being sent from this task.
    static ROUND_CLOCK: Arc<DispatchClock>;
}

/// Stamps the round's [`DispatchClock`] when the SDK hands the signed request to the
/// connection. Registered once on the run's client: a per-operation interceptor makes the SDK
/// build a config override for every invoke (about 8 KB each). The clock is found through the
/// task-local [`ROUND_CLOCK`], set only around a warm-up's first invoke.
#[derive(Debug)]
struct StampTransmit;

impl Intercept for StampTransmit {
    fn name(&self) -> &'static str {
        "StampTransmit"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let _ = ROUND_CLOCK.try_with(|clock| clock.stamp());
        Ok(())
    }
}

/// The run's client: `client` with [`StampTransmit`] registered, built once per run.
pub(crate) fn stamping_client(client: &aws_sdk_lambda::Client) -> aws_sdk_lambda::Client {
    aws_sdk_lambda::Client::from_conf(
        client
            .config()
            .to_builder()
            .interceptor(StampTransmit)
            .build(),
    )
}

/// Milliseconds of a duration, saturating.
pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Milliseconds since the Unix epoch (0 for an instant before it).
pub(crate) fn epoch_ms(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map(millis)
        .unwrap_or_default()
}

/// The payload of a round's warm-ups, serialized once: what every warm-up of the round shares
/// (the flag, the correlation id, N, the instant to hold until, the target's extra fields).
/// Each warm-up only adds its index and its `delay` in front.
#[derive(Debug, Clone)]
pub(crate) struct Payload {
    /// The shared fields as one JSON object, without `delay` and the index.
    shared: Arc<[u8]>,
}

impl Payload {
    /// The round's shared payload.
    pub(crate) fn new(
        target: &Target,
        correlation_id: &str,
        total: u32,
        hold_until_ms: Option<u64>,
    ) -> Self {
        let mut request = WarmupRequest::new()
            .correlation_id(correlation_id)
            .concurrency(total);
        request.hold_until_ms = hold_until_ms;
        request.extra = target.payload.clone();
        // A map of strings and JSON values always serializes.
        let shared = serde_json::to_vec(&request).unwrap_or_else(|_| b"{\"warmer\":true}".to_vec());
        Self {
            shared: shared.into(),
        }
    }

    /// One warm-up's bytes: `delay` and the index, then the shared fields.
    pub(crate) fn render(&self, index: u32, delay_ms: u64) -> Blob {
        let head = format!("{{\"delay\":{delay_ms},\"__WARMER_INVOCATION__\":{index},");
        let mut bytes = Vec::with_capacity(head.len() + self.shared.len());
        bytes.extend_from_slice(head.as_bytes());
        // `shared` is a non-empty object: `{"warmer":true,...}`; skip its `{`.
        bytes.extend_from_slice(&self.shared[1..]);
        Blob::new(bytes)
    }
}

/// What every warm-up of a target shares.
#[derive(Debug, Clone)]
pub(crate) struct Shot {
    pub(crate) client: aws_sdk_lambda::Client,
    pub(crate) target: Arc<Target>,
    pub(crate) deadline: Option<Instant>,
    pub(crate) grace: Duration,
    pub(crate) site: Arc<CallSite>,
}

/// How long one warm-up holds: for a time, or until an instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum HoldAt {
    /// For this many milliseconds from its arrival.
    For(u64),
    /// Until this instant; the time left at sending is its `delay`.
    Until(SystemTime),
}

impl HoldAt {
    /// The `delay` to send now, in milliseconds.
    fn delay_now(self) -> u64 {
        match self {
            HoldAt::For(ms) => ms,
            HoldAt::Until(until) => {
                millis(until.duration_since(SystemTime::now()).unwrap_or_default())
            }
        }
    }
}

impl Shot {
    /// What the warm-ups of `target` share.
    pub(crate) fn new(
        client: &aws_sdk_lambda::Client,
        target: &Target,
        deadline: Option<Instant>,
        grace: Duration,
    ) -> Self {
        Self {
            client: client.clone(),
            target: Arc::new(target.clone()),
            deadline,
            grace,
            site: Arc::new(CallSite::new(client, "lambda:InvokeFunction")),
        }
    }

    /// One invoke, stamped on the clock when given, bounded by the delay plus grace and by the
    /// run's deadline.
    async fn invoke(
        &self,
        payload: Blob,
        kind: InvocationType,
        delay_ms: u64,
        clock: Option<Arc<DispatchClock>>,
    ) -> Outcome {
        let mut until = Instant::now()
            + Duration::from_millis(delay_ms.min(warm_sdk::protocol::DEFAULT_MAX_DELAY_MS))
            + self.grace;
        if let Some(deadline) = self.deadline {
            until = until.min(deadline);
        }
        let request = self
            .client
            .invoke()
            .function_name(&self.target.function)
            .set_qualifier(self.target.qualifier.clone())
            .invocation_type(kind)
            .payload(payload);
        let send = tokio::time::timeout_at(until, request.send());
        let sent = match clock {
            Some(clock) => ROUND_CLOCK.scope(clock, send).await,
            None => send.await,
        };
        match sent {
            Ok(Ok(output)) => outcome::from_output(&output),
            Ok(Err(err)) => outcome::from_error(&err, &self.site),
            Err(_) => Outcome::Failed(
                FailureKind::DeadlineExceeded,
                "no answer before the run's deadline".into(),
            ),
        }
    }

    /// One warm-up, with at most one retry of a rate-limit throttle after `Retry-After`
    /// (clamped to [`MAX_RETRY_AFTER`], and only when the retry and its hold fit before the
    /// deadline).
    pub(crate) async fn warm_up(
        self,
        payload: Payload,
        index: u32,
        hold: HoldAt,
        kind: InvocationType,
        clock: Arc<DispatchClock>,
    ) -> Outcome {
        let delay_ms = hold.delay_now();
        let first = self
            .invoke(
                payload.render(index, delay_ms),
                kind.clone(),
                delay_ms,
                Some(clock),
            )
            .await;
        let Outcome::Throttled { retry_after, .. } = &first else {
            return first;
        };
        if !first.is_rate_throttle() {
            return first;
        }
        let wait = retry_after.unwrap_or(DEFAULT_RETRY_AFTER);
        if wait > MAX_RETRY_AFTER {
            return first;
        }
        let retry_at = Instant::now() + wait;
        let fits = self.deadline.is_none_or(|d| {
            retry_at + Duration::from_millis(delay_ms) + Duration::from_millis(100) < d
        });
        if !fits {
            return first;
        }
        tokio::time::sleep_until(retry_at).await;
        // A hold until an instant leaves less time now.
        let delay_ms = hold.delay_now();
        self.invoke(payload.render(index, delay_ms), kind, delay_ms, None)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rendered_warm_up_reads_back_as_the_request_it_stands_for() {
        let mut target = Target::new("f", 3);
        target.payload.insert("tenant".into(), "acme".into());
        let payload = Payload::new(&target, "run-1", 3, Some(1_764_700_000_000));
        let bytes = payload.render(2, 750);
        let read: WarmupRequest = serde_json::from_slice(bytes.as_ref()).unwrap();
        let mut expected = WarmupRequest::new()
            .delay_ms(750)
            .correlation_id("run-1")
            .index(2)
            .concurrency(3);
        expected.hold_until_ms = Some(1_764_700_000_000);
        expected.extra = target.payload.clone();
        assert_eq!(read, expected);
    }

    #[test]
    fn a_hold_until_an_instant_sends_the_time_left_as_its_delay() {
        let until = SystemTime::now() + Duration::from_millis(800);
        let delay = HoldAt::Until(until).delay_now();
        assert!((790..=800).contains(&delay), "{delay}");
        let past = SystemTime::now() - Duration::from_secs(1);
        assert_eq!(HoldAt::Until(past).delay_now(), 0);
        assert_eq!(HoldAt::For(75).delay_now(), 75);
    }

    #[test]
    fn retry_after_never_panics_and_huge_values_are_not_waited_for() {
        for value in [
            "18446744073709551615",
            "1e300",
            "inf",
            "NaN",
            "-1",
            "",
            "9".repeat(400).as_str(),
        ] {
            let parsed = parse_retry_after(Some(value));
            assert!(
                parsed.is_none_or(|d| d > MAX_RETRY_AFTER),
                "{value}: {parsed:?}"
            );
        }
        assert_eq!(
            parse_retry_after(Some("0.5")),
            Some(Duration::from_millis(500))
        );
    }
}
