//! Checks shared by the fuzz targets: each panics when the code under test misbehaves.

pub mod oracle;

#[cfg(feature = "invoke-side")]
pub mod invoke;
