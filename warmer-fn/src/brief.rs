//! The warmer's brief: what its own config (`WARMER_CONFIG`, rendered from `warmer.toml`)
//! allows an event to ask for. Any principal allowed to invoke the warmer can send it an event;
//! with a brief, an event may only narrow it: its targets (by the function they resolve to and
//! their qualifier), N no higher, a share of the guard no higher, a shard size no smaller, the
//! same mode, a hold no longer, and no warm-up fields the brief does not carry. Shard events
//! are held to the same brief. Without a brief the warmer does what the event asks, as before,
//! and says so once per run.
//!
//! ```
//! use warmer_fn::brief::check;
//! use warmer_fn::event::WarmRequest;
//! use warmer_fn::target::Target;
//!
//! let brief = WarmRequest { targets: vec![Target::new("orders", 50)], max_share: None, shard_size: None };
//! let narrower = WarmRequest { targets: vec![Target::new("orders", 20)], ..brief.clone() };
//! assert!(check(&narrower, &brief).is_empty());
//! let wider = WarmRequest { targets: vec![Target::new("orders", 10_000)], ..brief.clone() };
//! assert_eq!(check(&wider, &brief)[0].field, "targets[0].concurrency");
//! ```

use crate::engine::ShardRequest;
use crate::event::WarmRequest;
use crate::rules::{DEFAULT_MAX_SHARE, DEFAULT_SHARD_SIZE, Problem};
use crate::target::{Delay, Target};

/// Fills what `request` leaves out from `brief`: the run's `max_share` and `shard_size`, so
/// that an event that does not name them runs as the brief says, not with the engine's
/// defaults.
///
/// ```
/// use warmer_fn::brief::fill;
/// use warmer_fn::event::WarmRequest;
/// use warmer_fn::target::Target;
/// let brief = WarmRequest { targets: vec![Target::new("orders", 5)], max_share: Some(0.5), shard_size: Some(400) };
/// let mut request = WarmRequest { targets: vec![Target::new("orders", 2)], max_share: None, shard_size: None };
/// fill(&mut request, &brief);
/// assert_eq!((request.max_share, request.shard_size), (Some(0.5), Some(400)));
/// ```
pub fn fill(request: &mut WarmRequest, brief: &WarmRequest) {
    request.max_share = request.max_share.or(brief.max_share);
    request.shard_size = request.shard_size.or(brief.shard_size);
}

/// Every way `request` asks for more than `brief` allows, each naming its field (what the
/// request leaves out counts as the brief's, see [`fill`]).
pub fn check(request: &WarmRequest, brief: &WarmRequest) -> Vec<Problem> {
    let mut request = request.clone();
    fill(&mut request, brief);
    let request = &request;
    let mut problems = Vec::new();
    for (i, target) in request.targets.iter().enumerate() {
        let field = format!("targets[{i}]");
        let Some(allowed) = find(target, brief, &field, &mut problems) else {
            continue;
        };
        if target.concurrency > allowed.concurrency {
            problems.push(above(
                &field,
                "concurrency",
                target.concurrency,
                allowed.concurrency,
            ));
        }
        let share = share_of(target, request.max_share);
        let allowed_share = share_of(allowed, brief.max_share);
        if share > allowed_share + 1e-9 {
            let name = if target.max_share.is_some() {
                format!("{field}.max_share")
            } else {
                "max_share".to_owned()
            };
            problems.push(Problem::new(
                name,
                format!("is {share}, above the {allowed_share} this warmer's brief allows"),
                "ask for a share no higher, or raise max_share in warmer.toml and deploy",
            ));
        }
        same_shape(target, allowed, &field, &mut problems);
    }
    let size = request.shard_size.unwrap_or(DEFAULT_SHARD_SIZE);
    let allowed_size = brief.shard_size.unwrap_or(DEFAULT_SHARD_SIZE);
    if size < allowed_size {
        problems.push(Problem::new(
            "shard_size",
            format!("is {size}, below the {allowed_size} this warmer's brief allows (smaller shards start more copies)"),
            format!("leave it out or ask for at least {allowed_size}"),
        ));
    }
    problems
}

/// Every way a shard event asks for more than `brief` allows: its target must be one of the
/// brief's, its round no larger than the brief's N, its share inside its round.
///
/// ```
/// use warmer_fn::brief::check_shard;
/// use warmer_fn::engine::ShardRequest;
/// use warmer_fn::event::WarmRequest;
/// use warmer_fn::target::Target;
/// let brief = WarmRequest { targets: vec![Target::new("orders", 2_000)], max_share: None, shard_size: None };
/// let shard = ShardRequest {
///     target: Target::new("orders", 500), total: 3_000, first_index: 1,
///     correlation_id: "c".into(), hold_until_ms: 0, deadline_ms: 0, round: 1, shard: 1, shards: 6,
/// };
/// assert_eq!(check_shard(&shard, &brief)[0].field, "shard.total");
/// ```
pub fn check_shard(shard: &ShardRequest, brief: &WarmRequest) -> Vec<Problem> {
    let mut problems = Vec::new();
    let field = "shard.target";
    if let Some(allowed) = find(&shard.target, brief, field, &mut problems) {
        if shard.total > allowed.concurrency {
            problems.push(above("shard", "total", shard.total, allowed.concurrency));
        }
        same_shape(&shard.target, allowed, field, &mut problems);
    }
    problems
}

/// The brief's target that `target` resolves to, or a problem naming the field.
fn find<'a>(
    target: &Target,
    brief: &'a WarmRequest,
    field: &str,
    problems: &mut Vec<Problem>,
) -> Option<&'a Target> {
    let id = target.function_id();
    let found = brief.targets.iter().find(|b| b.function_id() == id);
    if found.is_none() {
        let names: Vec<String> = brief.targets.iter().map(Target::display_name).collect();
        problems.push(Problem::new(
            format!("{field}.function"),
            format!(
                "`{}` is not a target of this warmer's brief",
                target.display_name()
            ),
            format!(
                "ask for one of {} (WARMER_CONFIG), or add it to warmer.toml and deploy",
                names.join(", ")
            ),
        ));
    }
    found
}

/// The same mode, a hold no longer, and no warm-up field the brief does not carry.
fn same_shape(target: &Target, allowed: &Target, field: &str, problems: &mut Vec<Problem>) {
    if target.mode != allowed.mode {
        problems.push(Problem::new(
            format!("{field}.mode"),
            format!(
                "is {}, and this warmer's brief says {}",
                target.mode, allowed.mode
            ),
            format!("leave it out or send {}", allowed.mode),
        ));
    }
    let hold_ok = match (target.delay, allowed.delay) {
        (Delay::Fixed(asked), Delay::Fixed(most)) => asked <= most,
        (asked, most) => asked == most,
    };
    if !hold_ok {
        problems.push(Problem::new(
            format!("{field}.delay"),
            format!(
                "is {}, and this warmer's brief holds {}",
                target.delay, allowed.delay
            ),
            format!(
                "leave it out or send a hold no longer than {}",
                allowed.delay
            ),
        ));
    }
    if let Some((key, _)) = target
        .payload
        .iter()
        .find(|(key, value)| allowed.payload.get(*key) != Some(*value))
    {
        problems.push(Problem::new(
            format!("{field}.payload.{key}"),
            "is not a warm-up field of this warmer's brief",
            "warm-up fields reach the function; set them in warmer.toml and deploy",
        ));
    }
}

/// A count above what the brief allows.
fn above(field: &str, name: &str, asked: u32, allowed: u32) -> Problem {
    Problem::new(
        format!("{field}.{name}"),
        format!("is {asked}, above the {allowed} this warmer's brief allows"),
        format!("ask for at most {allowed}, or raise it in warmer.toml and deploy"),
    )
}

/// The guard's share a target runs with.
fn share_of(target: &Target, run: Option<f64>) -> f64 {
    target.max_share.or(run).unwrap_or(DEFAULT_MAX_SHARE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brief() -> WarmRequest {
        let mut live = Target::new("orders", 50);
        live.qualifier = Some("live".into());
        live.payload.insert("tenant".into(), "acme".into());
        WarmRequest {
            targets: vec![live],
            max_share: Some(0.5),
            shard_size: Some(400),
        }
    }

    fn asking(f: impl FnOnce(&mut WarmRequest)) -> Vec<String> {
        let mut request = brief();
        f(&mut request);
        check(&request, &brief())
            .into_iter()
            .map(|p| p.field)
            .collect()
    }

    #[test]
    fn an_event_may_narrow_its_brief_and_nothing_more() {
        assert!(asking(|_| {}).is_empty());
        // Leaving the run's settings out takes the brief's.
        assert!(
            asking(|r| {
                r.max_share = None;
                r.shard_size = None;
            })
            .is_empty()
        );
        assert!(asking(|r| r.targets[0].concurrency = 5).is_empty());
        // The same function written as an ARN with the alias in it is the same target.
        assert!(
            asking(|r| {
                r.targets[0].function =
                    "arn:aws:lambda:eu-west-1:123456789012:function:orders:live".into();
                r.targets[0].qualifier = None;
            })
            .is_empty()
        );
        assert_eq!(
            asking(|r| r.targets[0].qualifier = None),
            ["targets[0].function"]
        );
        assert_eq!(
            asking(|r| r.targets[0].concurrency = 51),
            ["targets[0].concurrency"]
        );
        assert_eq!(asking(|r| r.max_share = Some(1.0)), ["max_share"]);
        assert_eq!(
            asking(|r| r.targets[0].max_share = Some(0.9)),
            ["targets[0].max_share"]
        );
        assert_eq!(asking(|r| r.shard_size = Some(1)), ["shard_size"]);
        assert_eq!(
            asking(|r| r.targets[0].delay = Delay::Fixed(9_000)),
            ["targets[0].delay"]
        );
        assert_eq!(
            asking(|r| {
                r.targets[0]
                    .payload
                    .insert("action".into(), "refund".into());
            }),
            ["targets[0].payload.action"]
        );
    }
}
