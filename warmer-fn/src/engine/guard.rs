//! The concurrency guard: a warm-up never holds more than a share of what its function may
//! run, so that user requests arriving during the hold still find room.
//!
//! Before warming, the engine reads each target's reserved concurrency
//! (`GetFunctionConcurrency`) and, when a target has none, the account's
//! `UnreservedConcurrentExecutions` (`GetAccountSettings`). A target then holds at most:
//!
//! - with reserved concurrency R: `floor(R × max_share)` environments (targets naming the same
//!   function share R, split in proportion to their N);
//! - without: its part of `floor(U × max_share)`, where U is the account's unreserved
//!   concurrency, split among all the run's targets without reserved concurrency in proportion
//!   to their N (each such function draws from that one pool).
//!
//! What AWS reports (botocore `lambda/2015-03-31/service-2.json`, shapes
//! `GetFunctionConcurrencyResponse` and `AccountLimit`): `ReservedConcurrentExecutions` is "the
//! number of simultaneous executions that are reserved for the function", absent when none is
//! set; `UnreservedConcurrentExecutions` is "the maximum number of simultaneous function
//! executions, minus the capacity that's reserved for individual functions with
//! PutFunctionConcurrency", the pool every function without reserved concurrency shares
//! (<https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html>).
//!
//! A read that fails (access denied, not supported, timed out) does not stop the run: the
//! target is warmed with its N and the report says the guard could not read the limit and
//! why. The reads go through the run's client, whose retries are off, and each is bounded by
//! [`READ_TIMEOUT`] and the run's deadline.
//!
//! ```
//! use warmer_fn::engine::guard::{Limits, plan};
//! use warmer_fn::target::Target;
//!
//! let targets = [Target::new("orders", 10)];
//! let limits = Limits { reserved: vec![Ok(Some(10))], unreserved: Ok(None) };
//! let decisions = plan(&targets, &limits, 0.8);
//! let cap = decisions[0].cap.as_ref().unwrap();
//! assert_eq!((decisions[0].n, cap.limit), (8, 10));
//! ```

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::reason::{CallSite, explain};
use crate::target::Target;

/// The longest one limit read may take; a guard that cannot read in this time gives way.
pub const READ_TIMEOUT: Duration = Duration::from_secs(3);

/// Which concurrency a cap protects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pool {
    /// The function's reserved concurrency.
    Reserved,
    /// The account's unreserved concurrency, shared by every function without reserved
    /// concurrency.
    Unreserved,
}

/// A target whose N the guard lowered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cap {
    /// The N warmed instead of the one asked for.
    pub to: u32,
    /// The limit read from Lambda (reserved, or the account's unreserved concurrency).
    pub limit: u32,
    /// The share of `limit` this run allowed itself (`max_share`).
    pub share: f64,
    /// Which limit.
    pub pool: Pool,
    /// How many targets of this run drew on the same limit.
    pub shared_by: u32,
}

/// What the reads found; one `reserved` entry per target, in order. An `Err` holds the
/// sentence that explains why the read failed.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Each target's reserved concurrency (`None`: not set).
    pub reserved: Vec<Result<Option<u32>, String>>,
    /// The account's unreserved concurrency (`None`: not read, as no target needed it).
    pub unreserved: Result<Option<u32>, String>,
}

/// What the guard decided for one target.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The N to warm.
    pub n: u32,
    /// Set when `n` is below the target's N.
    pub cap: Option<Cap>,
    /// What the report says of it (a read that failed, a cap and why).
    pub notes: Vec<GuardNote>,
}

/// What the guard says of one target: a limit it could not read, or a cap and why.
#[derive(Debug, Clone, PartialEq)]
pub enum GuardNote {
    /// The function's reserved concurrency could not be read: N was sent unchecked.
    ReservedUnread {
        /// Why, as the failed call said.
        why: String,
        /// The N sent.
        n: u32,
    },
    /// The account's unreserved concurrency could not be read: N was sent unchecked.
    UnreservedUnread {
        /// Why, as the failed call said.
        why: String,
        /// The N sent.
        n: u32,
    },
    /// Lambda reported no unreserved concurrency for the account.
    NoUnreserved,
    /// N was lowered to `cap.to`.
    Capped {
        /// The cap.
        cap: Cap,
        /// The N asked for.
        n: u32,
        /// The N all targets of the pool asked for.
        sum: u64,
    },
}

impl GuardNote {
    /// Whether a limit could not be read, so the warm-ups went unguarded.
    ///
    /// ```
    /// use warmer_fn::engine::guard::GuardNote;
    /// assert!(GuardNote::ReservedUnread { why: "denied".into(), n: 3 }.is_unread());
    /// assert!(!GuardNote::NoUnreserved.is_unread());
    /// ```
    pub fn is_unread(&self) -> bool {
        matches!(
            self,
            GuardNote::ReservedUnread { .. } | GuardNote::UnreservedUnread { .. }
        )
    }
}

impl std::fmt::Display for GuardNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GuardNote::ReservedUnread { why, n } => write!(
                f,
                "guard: the reserved concurrency could not be read ({why}); {n} warm-ups were sent unchecked"
            ),
            GuardNote::UnreservedUnread { why, n } => write!(
                f,
                "guard: the account's unreserved concurrency could not be read ({why}); {n} warm-ups were sent unchecked"
            ),
            GuardNote::NoUnreserved => f.write_str(
                "guard: Lambda reported no unreserved concurrency for the account; the warm-ups were sent unchecked",
            ),
            GuardNote::Capped { cap, n, sum } => {
                let what = match cap.pool {
                    Pool::Reserved => format!("the function's reserved concurrency {}", cap.limit),
                    Pool::Unreserved => {
                        format!("the account's unreserved concurrency {}", cap.limit)
                    }
                };
                let among = if cap.shared_by > 1 {
                    format!(
                        ", shared by {} targets of this run asking for {sum} in all",
                        cap.shared_by
                    )
                } else {
                    String::new()
                };
                write!(
                    f,
                    "capped: {} of the {n} requested, so that user requests keep room: max_share {} of {what}{among}; raise the limit or max_share to warm more",
                    cap.to, cap.share
                )
            }
        }
    }
}

/// Reads the limits the guard needs, all at once, within `deadline`.
pub async fn read(
    client: &aws_sdk_lambda::Client,
    targets: &[Target],
    deadline: Option<std::time::Instant>,
) -> Limits {
    let until = |d: Option<std::time::Instant>| {
        let cap = Instant::now() + READ_TIMEOUT;
        d.map_or(cap, |d| cap.min(Instant::from_std(d)))
    };
    let reserved = futures_util::future::join_all(targets.iter().map(|target| async move {
        let site = CallSite::new(client, "lambda:GetFunctionConcurrency");
        let call = client
            .get_function_concurrency()
            .function_name(&target.function)
            .send();
        match tokio::time::timeout_at(until(deadline), call).await {
            Ok(Ok(output)) => Ok(output
                .reserved_concurrent_executions()
                .map(|r| u32::try_from(r).unwrap_or(0))),
            Ok(Err(err)) => Err(explain(&err, &site).1),
            Err(_) => Err(format!("no answer within {} s", READ_TIMEOUT.as_secs())),
        }
    }))
    .await;
    let needs_account = reserved.iter().any(|r| matches!(r, Ok(None)));
    let unreserved = if needs_account {
        let site = CallSite::new(client, "lambda:GetAccountSettings");
        match tokio::time::timeout_at(until(deadline), client.get_account_settings().send()).await {
            Ok(Ok(output)) => Ok(output
                .account_limit()
                .and_then(|l| l.unreserved_concurrent_executions())
                .map(|u| u32::try_from(u).unwrap_or(0))),
            Ok(Err(err)) => Err(explain(&err, &site).1),
            Err(_) => Err(format!("no answer within {} s", READ_TIMEOUT.as_secs())),
        }
    } else {
        Ok(None)
    };
    Limits {
        reserved,
        unreserved,
    }
}

/// Decides each target's N from the limits read; `default_share` applies to targets without
/// their own `max_share`.
pub fn plan(targets: &[Target], limits: &Limits, default_share: f64) -> Vec<Decision> {
    // Sum of N per pool: per function for reserved concurrency, one for the unreserved pool.
    // Pooled by the function each target resolves to: `orders`, its ARN and `orders:live`
    // draw on one reserved concurrency.
    let mut reserved_sum: HashMap<String, (u64, u32)> = HashMap::new();
    let mut unreserved_sum: (u64, u32) = (0, 0);
    for (target, reserved) in targets.iter().zip(&limits.reserved) {
        match reserved {
            Ok(Some(_)) => {
                let entry = reserved_sum.entry(target.function_id().name).or_default();
                entry.0 += u64::from(target.concurrency);
                entry.1 += 1;
            }
            Ok(None) => {
                unreserved_sum.0 += u64::from(target.concurrency);
                unreserved_sum.1 += 1;
            }
            Err(_) => {}
        }
    }
    targets
        .iter()
        .enumerate()
        .map(|(i, target)| {
            let share = target.max_share.unwrap_or(default_share);
            let n = target.concurrency;
            let uncapped = |note: GuardNote| Decision {
                n,
                cap: None,
                notes: vec![note],
            };
            let (limit, pool, (sum, shared_by)) = match limits.reserved.get(i).unwrap_or(&Ok(None))
            {
                Err(why) => {
                    return uncapped(GuardNote::ReservedUnread {
                        why: why.clone(),
                        n,
                    });
                }
                Ok(Some(r)) => (*r, Pool::Reserved, reserved_sum[&target.function_id().name]),
                Ok(None) => match &limits.unreserved {
                    Ok(Some(u)) => (*u, Pool::Unreserved, unreserved_sum),
                    Ok(None) => {
                        return uncapped(GuardNote::NoUnreserved);
                    }
                    Err(why) => {
                        return uncapped(GuardNote::UnreservedUnread {
                            why: why.clone(),
                            n,
                        });
                    }
                },
            };
            // floor(limit × share × n / sum): this target's part of what the pool allows.
            let allowed = (f64::from(limit) * share * f64::from(n) / sum.max(1) as f64).floor();
            let allowed = (allowed as u32).min(n);
            if allowed >= n {
                return Decision {
                    n,
                    cap: None,
                    notes: Vec::new(),
                };
            }
            let cap = Cap {
                to: allowed,
                limit,
                share,
                pool,
                shared_by,
            };
            Decision {
                n: allowed,
                cap: Some(cap.clone()),
                notes: vec![GuardNote::Capped { cap, n, sum }],
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(reserved: Vec<Result<Option<u32>, String>>, unreserved: Option<u32>) -> Limits {
        Limits {
            reserved,
            unreserved: Ok(unreserved),
        }
    }

    #[test]
    fn n_equal_to_reserved_concurrency_is_capped_to_the_share() {
        let d = plan(
            &[Target::new("orders", 10)],
            &limits(vec![Ok(Some(10))], None),
            0.8,
        );
        let cap = d[0].cap.as_ref().unwrap();
        assert_eq!((d[0].n, cap.limit, cap.pool), (8, 10, Pool::Reserved));
        assert!(
            d[0].notes[0].to_string().contains("8 of the 10"),
            "{:?}",
            d[0].notes
        );
    }

    #[test]
    fn n_within_the_share_is_not_capped() {
        let d = plan(
            &[Target::new("orders", 5)],
            &limits(vec![Ok(Some(10))], None),
            0.8,
        );
        assert_eq!((d[0].n, d[0].cap.as_ref()), (5, None));
        assert!(d[0].notes.is_empty());
    }

    #[test]
    fn targets_without_reservation_split_the_unreserved_pool_by_their_n() {
        let targets = [Target::new("a", 600), Target::new("b", 200)];
        let d = plan(&targets, &limits(vec![Ok(None), Ok(None)], Some(500)), 0.8);
        // 400 allowed in all, split 3:1.
        assert_eq!((d[0].n, d[1].n), (300, 100));
        assert_eq!(d[0].cap.as_ref().unwrap().shared_by, 2);
        assert_eq!(d[0].cap.as_ref().unwrap().pool, Pool::Unreserved);
    }

    #[test]
    fn two_qualifiers_of_one_function_share_its_reserved_concurrency() {
        let mut live = Target::new("orders", 10);
        live.qualifier = Some("live".into());
        let targets = [Target::new("orders", 10), live];
        let d = plan(
            &targets,
            &limits(vec![Ok(Some(10)), Ok(Some(10))], None),
            0.8,
        );
        assert_eq!((d[0].n, d[1].n), (4, 4));
    }

    #[test]
    fn a_name_its_arn_and_an_alias_in_the_name_share_one_reserved_concurrency() {
        let targets = [
            Target::new("orders", 10),
            Target::new("arn:aws:lambda:eu-west-1:123456789012:function:orders", 10),
            Target::new("orders:live", 10),
        ];
        let reads = vec![Ok(Some(30)), Ok(Some(30)), Ok(Some(30))];
        let d = plan(&targets, &limits(reads, None), 0.8);
        // 0.8 of 30 is 24, shared by the three: 8 each, not 24 each.
        assert_eq!((d[0].n, d[1].n, d[2].n), (8, 8, 8));
        assert_eq!(d[0].cap.as_ref().map(|c| c.shared_by), Some(3));
    }

    #[test]
    fn a_target_share_overrides_the_run_share() {
        let mut t = Target::new("orders", 10);
        t.max_share = Some(0.5);
        let d = plan(&[t], &limits(vec![Ok(Some(10))], None), 0.8);
        assert_eq!(d[0].n, 5);
    }

    #[test]
    fn a_read_that_failed_leaves_n_and_says_why() {
        let d = plan(
            &[Target::new("orders", 10)],
            &limits(vec![Err("access denied".into())], None),
            0.8,
        );
        assert_eq!((d[0].n, d[0].cap.as_ref()), (10, None));
        assert!(
            d[0].notes[0].to_string().contains("access denied"),
            "{:?}",
            d[0].notes
        );
    }

    #[test]
    fn reserved_concurrency_zero_caps_to_nothing() {
        let d = plan(
            &[Target::new("orders", 3)],
            &limits(vec![Ok(Some(0))], None),
            0.8,
        );
        assert_eq!(d[0].n, 0);
    }
}
