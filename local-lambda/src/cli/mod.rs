//! The subcommands of the `local-lambda` binary, one per file.

pub(crate) mod serve;
pub(crate) mod stats;
