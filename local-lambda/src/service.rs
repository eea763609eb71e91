//! The running service's shared state: the worker manager, the event queue and the
//! settings the front end needs.

use std::sync::Arc;

use crate::events::EventQueue;
use crate::pool::Manager;
use crate::stats::ServiceStats;

/// Shared by the front end, the event dispatcher and [`LocalLambda`](crate::LocalLambda).
#[derive(Debug)]
pub(crate) struct Service {
    pub(crate) manager: Arc<Manager>,
    pub(crate) events: Arc<EventQueue>,
    pub(crate) region: String,
}

impl Service {
    /// `arn:aws:lambda:REGION:000000000000:function:NAME[:QUALIFIER]`.
    pub(crate) fn function_arn(&self, name: &str, qualifier: Option<&str>) -> String {
        let mut arn = format!(
            "arn:aws:lambda:{}:000000000000:function:{name}",
            self.region
        );
        if let Some(qualifier) = qualifier {
            arn.push(':');
            arn.push_str(qualifier);
        }
        arn
    }

    /// Every function's figures and the account-wide ones.
    pub(crate) fn service_stats(&self) -> ServiceStats {
        ServiceStats {
            functions: self.manager.pools().iter().map(|p| p.stats()).collect(),
            concurrent_executions: self.manager.concurrent_executions(),
            account_concurrency: self.manager.account_limit(),
            queued_events: self.events.queued(),
            expired_events: self.events.expired(),
        }
    }
}
