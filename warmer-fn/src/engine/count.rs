//! What warm-ups found, counted once: the environments they reached (by instance id, and
//! whether a warm-up started each), throttles by Lambda's reason, failures by kind, and the
//! times the answers reported. One type for a round of this process, a copy of the warmer's
//! shard and a whole run, so that every path counts the same way: rounds and shards are
//! [`Count::merge`]d into the run's count.
//!
//! ```
//! use warmer_fn::engine::{Count, FailureKind};
//!
//! let mut round = Count::default();
//! round.warmed("env-a", true, 100, None);
//! round.warmed("env-b", false, 100, None);
//! round.warmed("env-a", false, 100, None); // the same environment again: a duplicate
//! round.fail(FailureKind::ConnectTimeout, "no connection");
//! assert_eq!((round.reached(), round.started(), round.duplicates), (2, 1, 1));
//!
//! let mut run = Count::default();
//! let added = run.merge(round);
//! assert_eq!((added.reached, added.new), (2, 1));
//! assert_eq!(run.failures[&FailureKind::ConnectTimeout], 1);
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::report::{ThrottleKind, throttle_kind};

/// Why a warm-up (or a shard of them) failed, by kind. On the wire and in the report, each
/// kind is one word (`failure_types`): AWS's error code where the failure is AWS's.
///
/// ```
/// use warmer_fn::engine::FailureKind;
/// let kind: FailureKind = "ShardTooManyRequestsException".parse().unwrap();
/// assert_eq!(kind, FailureKind::Shard(Box::new(FailureKind::Throttled)));
/// assert_eq!(kind.to_string(), "ShardTooManyRequestsException");
/// assert_eq!("AccessDeniedException".parse::<FailureKind>().unwrap(),
///            FailureKind::Service("AccessDeniedException".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum FailureKind {
    /// The function or qualifier does not exist (`ResourceNotFoundException`).
    NotFound,
    /// Lambda refused the call (`TooManyRequestsException`); for shards only, where the
    /// throttle of the copy means its warm-ups were never sent.
    Throttled,
    /// The connection to the endpoint was never made: the warm-up never reached Lambda.
    ConnectTimeout,
    /// The request could not be sent (DNS, refused connection, TLS).
    DispatchFailure,
    /// The SDK timed out before an answer came.
    Timeout,
    /// The response could not be read.
    ResponseError,
    /// No AWS credentials were found.
    NoCredentials,
    /// No region is set.
    NoRegion,
    /// The request could not be built.
    ConstructionFailure,
    /// No answer before the run's deadline.
    DeadlineExceeded,
    /// Not sent: the run's deadline was too close.
    NotSentBeforeDeadline,
    /// The task that sent it failed.
    TaskFailed,
    /// A copy of the warmer raised a function error.
    FunctionError,
    /// A copy of the warmer answered something that is not a shard report.
    BadShardAnswer,
    /// A copy of the warmer refused its shard (its report names the field).
    Refused,
    /// Any other AWS error, by its code (e.g. `AccessDeniedException`).
    Service(String),
    /// A shard (a copy of the warmer) failed this way; its warm-ups count as failed.
    Shard(Box<FailureKind>),
}

impl FailureKind {
    /// The failure's word, as in `failure_types`.
    fn word(&self) -> String {
        let word = match self {
            FailureKind::NotFound => "ResourceNotFoundException",
            FailureKind::Throttled => "TooManyRequestsException",
            FailureKind::ConnectTimeout => "ConnectTimeout",
            FailureKind::DispatchFailure => "DispatchFailure",
            FailureKind::Timeout => "Timeout",
            FailureKind::ResponseError => "ResponseError",
            FailureKind::NoCredentials => "NoCredentials",
            FailureKind::NoRegion => "NoRegion",
            FailureKind::ConstructionFailure => "ConstructionFailure",
            FailureKind::DeadlineExceeded => "DeadlineExceeded",
            FailureKind::NotSentBeforeDeadline => "NotSentBeforeDeadline",
            FailureKind::TaskFailed => "TaskFailed",
            FailureKind::FunctionError => "FunctionError",
            FailureKind::BadShardAnswer => "BadShardAnswer",
            FailureKind::Refused => "Refused",
            FailureKind::Service(code) => return code.clone(),
            FailureKind::Shard(inner) => return format!("Shard{}", inner.word()),
        };
        word.to_owned()
    }

    /// Whether the warm-up never reached Lambda, so no limit refused it: a failure of this kind
    /// does not stop another round.
    pub fn never_sent(&self) -> bool {
        matches!(
            self,
            FailureKind::ConnectTimeout | FailureKind::NotSentBeforeDeadline
        )
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.word())
    }
}

impl From<FailureKind> for String {
    fn from(kind: FailureKind) -> Self {
        kind.word()
    }
}

impl From<String> for FailureKind {
    fn from(word: String) -> Self {
        const KINDS: [FailureKind; 15] = [
            FailureKind::NotFound,
            FailureKind::Throttled,
            FailureKind::ConnectTimeout,
            FailureKind::DispatchFailure,
            FailureKind::Timeout,
            FailureKind::ResponseError,
            FailureKind::NoCredentials,
            FailureKind::NoRegion,
            FailureKind::ConstructionFailure,
            FailureKind::DeadlineExceeded,
            FailureKind::NotSentBeforeDeadline,
            FailureKind::TaskFailed,
            FailureKind::FunctionError,
            FailureKind::BadShardAnswer,
            FailureKind::Refused,
        ];
        if let Some(kind) = KINDS.iter().find(|k| k.word() == word) {
            return kind.clone();
        }
        match word.strip_prefix("Shard").filter(|rest| !rest.is_empty()) {
            Some(rest) => FailureKind::Shard(Box::new(FailureKind::from(rest.to_owned()))),
            None => FailureKind::Service(word),
        }
    }
}

impl std::str::FromStr for FailureKind {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(FailureKind::from(s.to_owned()))
    }
}

/// One environment a count reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    /// The environment's instance id (the warm-up answer's `instance`).
    pub id: String,
    /// Whether a warm-up of the count started it.
    pub cold: bool,
}

/// What [`Count::merge`] added to the count merged into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Added {
    /// Environments not reached before.
    pub reached: u32,
    /// Environments that became new (started by a warm-up) with this merge.
    pub new: u32,
}

/// The counts of warm-ups' outcomes (see the module docs). Serialized as a copy of the warmer
/// sends it back to its coordinator.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Count {
    /// Every environment reached, and whether a warm-up started it.
    #[serde(with = "environment_list")]
    environments: BTreeMap<String, bool>,
    /// Warm-ups sent, one per invoke task (a probe round's included), whatever came back.
    #[serde(default)]
    pub sent: u32,
    /// Answers from an environment already reached in the same round.
    pub duplicates: u32,
    /// Throttles by Lambda's `Reason` (`Unknown` when Lambda gave none).
    pub throttles: BTreeMap<String, u32>,
    /// Failures by kind.
    pub failures: BTreeMap<FailureKind, u32>,
    /// Answers with `X-Amz-Function-Error`.
    pub function_errors: u32,
    /// `Event` invokes accepted (HTTP 202).
    pub accepted: u32,
    /// Answers that were not warm-sdk warm-up answers.
    pub unknown: u32,
    /// The earliest and latest `received_at_ms` of the answers (epoch milliseconds).
    pub arrivals: Option<(u64, u64)>,
    /// The sum of the holds the answers reported, in milliseconds.
    pub held_ms: u64,
    /// The most requests per environment an answer reported, above 1 (Managed Instances).
    pub max_concurrency: Option<u32>,
    /// The first failure, worded, for the report.
    pub first_failure: Option<String>,
    /// The first answer that was not a warm-up answer, worded, for the report.
    pub first_unknown: Option<String>,
    /// Lambda's message when the function was not found.
    pub not_found: Option<String>,
}

impl Count {
    /// Distinct environments reached.
    pub fn reached(&self) -> u32 {
        u32::try_from(self.environments.len()).unwrap_or(u32::MAX)
    }

    /// Environments a warm-up started.
    pub fn started(&self) -> u32 {
        u32::try_from(self.environments.values().filter(|cold| **cold).count()).unwrap_or(u32::MAX)
    }

    /// Every environment reached, in id order.
    pub fn environments(&self) -> impl Iterator<Item = Environment> + '_ {
        self.environments.iter().map(|(id, cold)| Environment {
            id: id.clone(),
            cold: *cold,
        })
    }

    /// All throttles.
    pub fn throttled(&self) -> u32 {
        self.throttles.values().sum()
    }

    /// Throttles of one kind.
    pub fn throttled_by(&self, kind: ThrottleKind) -> u32 {
        self.throttles
            .iter()
            .filter(|(reason, _)| throttle_kind(reason) == kind)
            .map(|(_, n)| n)
            .sum()
    }

    /// All failures.
    pub fn failed(&self) -> u32 {
        self.failures.values().sum()
    }

    /// Failures of warm-ups that reached Lambda (see [`FailureKind::never_sent`]).
    pub fn failed_after_sending(&self) -> u32 {
        self.failures
            .iter()
            .filter(|(kind, _)| !kind.never_sent())
            .map(|(_, n)| n)
            .sum()
    }

    /// Counts a warm-up answer from environment `id`: reached the first time, a duplicate
    /// after that; new when any of its answers says a warm-up started it (answers are joined
    /// in any order, so the one that started it may come second).
    pub fn warmed(&mut self, id: &str, cold: bool, held_ms: u64, received_at_ms: Option<u64>) {
        self.held_ms = self.held_ms.saturating_add(held_ms);
        if let Some(at) = received_at_ms {
            self.arrived(at, at);
        }
        match self.environments.get_mut(id) {
            Some(was_cold) => {
                self.duplicates += 1;
                *was_cold |= cold;
            }
            None => {
                self.environments.insert(id.to_owned(), cold);
            }
        }
    }

    /// Widens the arrival window to `first..=last`.
    fn arrived(&mut self, first: u64, last: u64) {
        self.arrivals = Some(match self.arrivals {
            Some((f, l)) => (f.min(first), l.max(last)),
            None => (first, last),
        });
    }

    /// Counts a throttle with Lambda's `reason`.
    pub fn throttle(&mut self, reason: &str) {
        *self.throttles.entry(reason.to_owned()).or_default() += 1;
    }

    /// Counts `n` failures of `kind`; the first failure's sentence is kept.
    pub fn fail_n(&mut self, kind: FailureKind, n: u32, sentence: &str) {
        if n == 0 {
            return;
        }
        self.first_failure
            .get_or_insert_with(|| format!("{kind}: {sentence}"));
        *self.failures.entry(kind).or_default() += n;
    }

    /// Counts one failure of `kind`.
    pub fn fail(&mut self, kind: FailureKind, sentence: &str) {
        self.fail_n(kind, 1, sentence);
    }

    /// Merges `other` (a later round, or a shard) into this count and says what it added.
    /// Environments are counted once each, and new when either count says a warm-up started
    /// them; duplicates are those within each round, summed.
    pub fn merge(&mut self, other: Count) -> Added {
        let mut added = Added::default();
        for (id, cold) in other.environments {
            match self.environments.get_mut(&id) {
                Some(was_cold) => {
                    if cold && !*was_cold {
                        *was_cold = true;
                        added.new += 1;
                    }
                }
                None => {
                    self.environments.insert(id, cold);
                    added.reached += 1;
                    added.new += u32::from(cold);
                }
            }
        }
        self.duplicates += other.duplicates;
        self.sent = self.sent.saturating_add(other.sent);
        for (reason, n) in other.throttles {
            *self.throttles.entry(reason).or_default() += n;
        }
        for (kind, n) in other.failures {
            *self.failures.entry(kind).or_default() += n;
        }
        self.function_errors += other.function_errors;
        self.accepted += other.accepted;
        self.unknown += other.unknown;
        if let Some((first, last)) = other.arrivals {
            self.arrived(first, last);
        }
        self.held_ms = self.held_ms.saturating_add(other.held_ms);
        self.max_concurrency = self.max_concurrency.max(other.max_concurrency);
        self.first_failure = self.first_failure.take().or(other.first_failure);
        self.first_unknown = self.first_unknown.take().or(other.first_unknown);
        self.not_found = self.not_found.take().or(other.not_found);
        added
    }

    /// Merges `shard` as one part of a round: environments another shard of the same round
    /// (already in `self`) reached count as duplicates too.
    pub fn merge_shard(&mut self, shard: Count) -> Added {
        let overlap = shard
            .environments
            .keys()
            .filter(|id| self.environments.contains_key(*id))
            .count();
        self.duplicates += u32::try_from(overlap).unwrap_or(u32::MAX);
        self.merge(shard)
    }
}

/// The environments as a list of `{"id", "cold"}` on the wire.
mod environment_list {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Environment;

    pub(super) fn serialize<S: Serializer>(
        map: &BTreeMap<String, bool>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let list: Vec<Environment> = map
            .iter()
            .map(|(id, cold)| Environment {
                id: id.clone(),
                cold: *cold,
            })
            .collect();
        list.serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<String, bool>, D::Error> {
        let list = Vec::<Environment>::deserialize(deserializer)?;
        let mut map = BTreeMap::new();
        for env in list {
            *map.entry(env.id).or_insert(false) |= env.cold;
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_environment_two_shards_reached_counts_once_and_new_whatever_the_order() {
        let shard = |envs: &[(&str, bool)]| {
            let mut count = Count::default();
            for (id, cold) in envs {
                count.warmed(id, *cold, 0, None);
            }
            count
        };
        let mut round = Count::default();
        // Shard 2 answers first: it found `a` warm (shard 1 had started it and released it).
        round.merge_shard(shard(&[("a", false), ("b", true)]));
        round.merge_shard(shard(&[("a", true), ("c", true)]));
        assert_eq!(
            (round.reached(), round.started(), round.duplicates),
            (3, 3, 1)
        );
        let mut run = Count::default();
        assert_eq!(run.merge(round), Added { reached: 3, new: 3 });
        // The next round finds them all warm: nothing added, no duplicate across rounds.
        let added = run.merge(shard(&[("a", false), ("b", false), ("c", false)]));
        assert_eq!(added, Added::default());
        assert_eq!((run.reached(), run.started(), run.duplicates), (3, 3, 1));
    }

    #[test]
    fn a_count_survives_the_wire() {
        let mut count = Count::default();
        count.warmed("a", true, 10, Some(5));
        count.throttle("ReservedFunctionConcurrentInvocationLimitExceeded");
        count.fail(FailureKind::Shard(Box::new(FailureKind::NotFound)), "gone");
        let text = serde_json::to_string(&count).unwrap();
        assert!(text.contains("ShardResourceNotFoundException"), "{text}");
        assert_eq!(serde_json::from_str::<Count>(&text).unwrap(), count);
    }

    #[test]
    fn failure_words_round_trip() {
        for word in [
            "ResourceNotFoundException",
            "ConnectTimeout",
            "ShardTooManyRequestsException",
            "ShardFunctionError",
            "RequestTooLargeException",
            "Shard",
        ] {
            assert_eq!(word.parse::<FailureKind>().unwrap().to_string(), word);
        }
        assert!(FailureKind::ConnectTimeout.never_sent());
        assert!(!FailureKind::DispatchFailure.never_sent());
    }
}
