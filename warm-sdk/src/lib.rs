//! Keep AWS Lambda functions warm, and prove it.
#![forbid(unsafe_code)]

pub mod protocol;
