//! How many warm-ups `warmer warm` may keep in flight here: one open file (a connection) each,
//! so the bound comes from the process's open-file limit, raised first from its soft value to
//! the hard one (a laptop's soft limit is often 1,024 or 256 while the hard one is far higher).

use rustix::process::{Resource, getrlimit, setrlimit};

/// Files kept for everything but the warm-ups: the runtime, the guard's reads, TLS, stdio.
const RESERVED_FILES: u64 = 124;

/// Raises the soft open-file limit to the hard one where it can, and returns the in-flight
/// bound that fits under the limit now in force (at least 1).
///
/// ```
/// let bound = warmer_cli::cli::open_files::in_flight_bound();
/// assert!(bound >= 1);
/// ```
pub fn in_flight_bound() -> u32 {
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        let raised = rustix::process::Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            limit = raised;
        }
    }
    bound_for(limit.current)
}

/// The in-flight bound under a soft limit of `soft` open files (`None`: unlimited).
fn bound_for(soft: Option<u64>) -> u32 {
    let files = soft.unwrap_or(u64::from(u32::MAX));
    let bound = files.saturating_sub(RESERVED_FILES).max(1);
    u32::try_from(bound).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_leaves_room_for_the_process_own_files() {
        assert_eq!(bound_for(Some(1_024)), 900);
        assert_eq!(bound_for(Some(65_536)), 65_412);
        assert_eq!(bound_for(Some(10)), 1);
        assert_eq!(bound_for(None), u32::MAX - 124);
    }
}
