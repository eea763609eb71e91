//! `[function]`: the deployed warmer Lambda's own settings, as `warmer render` writes them into
//! every template (memory, timeout, logs, and what people set on any function of theirs: a VPC,
//! an existing role or a permissions boundary, tags, the architecture, X-Ray tracing).
//!
//! Every key is optional; left out, the templates are what they were before the key existed.
//!
//! ```
//! use warmer_cli::config::function::{Architecture, Tracing};
//! use warmer_cli::config::Config;
//!
//! let config = Config::from_toml_str(r#"
//!     [function]
//!     architecture = "x86_64"
//!     tracing = "Active"
//!     subnet_ids = ["subnet-0123456789abcdef0"]
//!     security_group_ids = ["sg-0123456789abcdef0"]
//!     tags = { team = "platform" }
//!
//!     [[warmers]]
//!     name = "api"
//!     [[warmers.targets]]
//!     function = "orders"
//!     concurrency = 5
//! "#).unwrap();
//! assert!(config.check().is_ok());
//! assert_eq!(config.function.architecture, Architecture::X86_64);
//! assert_eq!(config.function.tracing, Tracing::Active);
//! assert!(config.function.in_vpc());
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use warmer_fn::rules::Problem;

/// The warmer Lambda function itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionSettings {
    /// Memory in MB (128-10240).
    #[serde(default = "default_memory")]
    pub memory_mb: u32,
    /// Timeout in seconds (1-900); must exceed the longest delay.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u32,
    /// Retention of its log group, in days (a value CloudWatch Logs accepts).
    #[serde(default = "default_retention")]
    pub log_retention_days: u32,
    /// Where the `bootstrap` is, for SAM (relative to the template).
    #[serde(default = "default_code_uri")]
    pub code_uri: String,
    /// The instruction set the `bootstrap` is built for: `arm64` (the default) or `x86_64`.
    #[serde(default)]
    pub architecture: Architecture,
    /// X-Ray tracing: `PassThrough` (the default, Lambda's own) or `Active`.
    #[serde(default)]
    pub tracing: Tracing,
    /// Subnets to attach the warmer to (with `security_group_ids`, both or neither).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subnet_ids: Vec<String>,
    /// Security groups of the warmer's network interfaces (with `subnet_ids`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_group_ids: Vec<String>,
    /// An existing execution role for the warmer: the templates then create no role and no
    /// policy for it (see docs/deploy-reference.md for what the role must allow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// The ARN of a managed policy set as the permissions boundary of the role the templates
    /// create (not with `role_arn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    /// Tags on the warmer function and the other taggable resources of its stack.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

fn default_memory() -> u32 {
    256
}
fn default_timeout() -> u32 {
    60
}
fn default_retention() -> u32 {
    14
}
fn default_code_uri() -> String {
    "target/lambda/warmer-fn/".into()
}

impl Default for FunctionSettings {
    fn default() -> Self {
        Self {
            memory_mb: default_memory(),
            timeout_seconds: default_timeout(),
            log_retention_days: default_retention(),
            code_uri: default_code_uri(),
            architecture: Architecture::default(),
            tracing: Tracing::default(),
            subnet_ids: Vec::new(),
            security_group_ids: Vec::new(),
            role_arn: None,
            permissions_boundary: None,
            tags: BTreeMap::new(),
        }
    }
}

impl FunctionSettings {
    /// Whether the warmer is attached to a VPC (`subnet_ids` and `security_group_ids` set).
    pub fn in_vpc(&self) -> bool {
        !self.subnet_ids.is_empty() || !self.security_group_ids.is_empty()
    }

    /// Whether the templates create the warmer's execution role (no `role_arn`).
    pub fn creates_role(&self) -> bool {
        self.role_arn.is_none()
    }
}

/// The warmer function's instruction set
/// (<https://docs.aws.amazon.com/lambda/latest/dg/foundation-arch.html>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Architecture {
    /// Graviton (the default): the templates have always built and deployed this.
    #[default]
    #[serde(rename = "arm64")]
    Arm64,
    /// x86-64.
    #[serde(rename = "x86_64")]
    X86_64,
}

impl Architecture {
    /// The value of Lambda's `Architectures` property.
    pub fn as_str(self) -> &'static str {
        match self {
            Architecture::Arm64 => "arm64",
            Architecture::X86_64 => "x86_64",
        }
    }

    /// The `cargo lambda build` flag that builds for it.
    ///
    /// ```
    /// use warmer_cli::config::function::Architecture;
    /// assert_eq!(Architecture::Arm64.cargo_lambda_flag(), "--arm64");
    /// assert_eq!(Architecture::X86_64.cargo_lambda_flag(), "--x86-64");
    /// ```
    pub fn cargo_lambda_flag(self) -> &'static str {
        match self {
            Architecture::Arm64 => "--arm64",
            Architecture::X86_64 => "--x86-64",
        }
    }
}

/// The warmer function's X-Ray tracing mode, as Lambda's `TracingConfig.Mode` spells it
/// (<https://docs.aws.amazon.com/lambda/latest/dg/API_TracingConfig.html>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Tracing {
    /// Lambda's default: no traces of its own (the templates set nothing).
    #[default]
    PassThrough,
    /// Lambda samples and records the warmer's invocations in X-Ray; a created role gets
    /// `AWSXRayDaemonWriteAccess`.
    Active,
}

impl Tracing {
    /// The value of `TracingConfig.Mode` (and of SAM's `Tracing`).
    pub fn as_str(self) -> &'static str {
        match self {
            Tracing::PassThrough => "PassThrough",
            Tracing::Active => "Active",
        }
    }
}

/// Log retention values CloudWatch Logs accepts.
const RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];
/// Lambda's `VpcConfig` takes at most 16 subnets and 5 security groups
/// (<https://docs.aws.amazon.com/lambda/latest/dg/API_VpcConfig.html>).
const MAX_SUBNETS: usize = 16;
/// See [`MAX_SUBNETS`].
const MAX_SECURITY_GROUPS: usize = 5;
/// The most tags a resource takes from its owner; a key is 1 to 128 characters, a value up to
/// 256, and the `aws:` prefix is AWS's own
/// (<https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html>,
/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-tag.html>).
pub const MAX_TAGS: usize = 50;
/// See [`MAX_TAGS`].
pub const MAX_TAG_KEY_CHARS: usize = 128;
/// See [`MAX_TAGS`].
pub const MAX_TAG_VALUE_CHARS: usize = 256;

impl FunctionSettings {
    /// Every problem of `[function]`, each with its field (`function.…`) and fix.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if !(128..=10240).contains(&self.memory_mb) {
            out.push(Problem::new(
                "function.memory_mb",
                format!(
                    "memory {} MB is outside Lambda's 128-10240 MB",
                    self.memory_mb
                ),
                "set memory_mb between 128 and 10240 (256 is plenty for the warmer)",
            ));
        }
        if !(1..=900).contains(&self.timeout_seconds) {
            out.push(Problem::new(
                "function.timeout_seconds",
                format!(
                    "timeout {} s is outside Lambda's 1-900 s",
                    self.timeout_seconds
                ),
                "set timeout_seconds between 1 and 900 (60 is the default)",
            ));
        }
        if !RETENTION_DAYS.contains(&self.log_retention_days) {
            let nearest = RETENTION_DAYS
                .iter()
                .min_by_key(|r| r.abs_diff(self.log_retention_days))
                .copied()
                .unwrap_or(14);
            out.push(Problem::new(
                "function.log_retention_days",
                format!(
                    "CloudWatch Logs does not accept a retention of {} days",
                    self.log_retention_days
                ),
                format!("use one of {RETENTION_DAYS:?}, e.g. {nearest}"),
            ));
        }
        if self.code_uri.trim().is_empty() {
            out.push(Problem::new(
                "function.code_uri",
                "code_uri is empty",
                "point it at cargo-lambda's output dir, \"target/lambda/warmer-fn/\"",
            ));
        }
        self.vpc_problems(&mut out);
        self.role_problems(&mut out);
        tag_problems(&self.tags, &mut out);
        out
    }

    fn vpc_problems(&self, out: &mut Vec<Problem>) {
        let lists = [
            ("subnet_ids", "subnet-", &self.subnet_ids, MAX_SUBNETS),
            (
                "security_group_ids",
                "sg-",
                &self.security_group_ids,
                MAX_SECURITY_GROUPS,
            ),
        ];
        for (i, (key, prefix, ids, max)) in lists.iter().enumerate() {
            let (other, _, other_ids, _) = lists[1 - i];
            if ids.is_empty() && !other_ids.is_empty() {
                out.push(Problem::new(
                    format!("function.{key}"),
                    format!("`{other}` is set but `{key}` is not: Lambda attaches a function to a VPC with both"),
                    format!("add {key} = [\"{prefix}...\"], or remove {other} to leave the warmer outside any VPC"),
                ));
            }
            if ids.len() > *max {
                out.push(Problem::new(
                    format!("function.{key}"),
                    format!("{} ids, above the {max} Lambda accepts", ids.len()),
                    format!("list at most {max}"),
                ));
            }
            for (j, id) in ids.iter().enumerate() {
                let ok = id.strip_prefix(prefix).is_some_and(|rest| {
                    !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric())
                });
                if !ok {
                    out.push(Problem::new(
                        format!("function.{key}[{j}]"),
                        format!("`{id}` is not an id of the form `{prefix}0123456789abcdef0`"),
                        "copy the id from the VPC console or `aws ec2 describe-subnets` / `describe-security-groups`",
                    ));
                }
            }
        }
    }

    fn role_problems(&self, out: &mut Vec<Problem>) {
        if let Some(arn) = &self.role_arn
            && iam_arn(arn, "role/", false).is_none()
        {
            out.push(Problem::new(
                "function.role_arn",
                format!("`{arn}` is not an IAM role ARN"),
                "write arn:aws:iam::ACCOUNT:role/NAME (the role's ARN in the IAM console)",
            ));
        }
        if let Some(arn) = &self.permissions_boundary
            && iam_arn(arn, "policy/", true).is_none()
        {
            out.push(Problem::new(
                "function.permissions_boundary",
                format!("`{arn}` is not an IAM managed policy ARN"),
                "write arn:aws:iam::ACCOUNT:policy/NAME (or arn:aws:iam::aws:policy/NAME for an AWS managed policy)",
            ));
        }
        if self.role_arn.is_some() && self.permissions_boundary.is_some() {
            out.push(Problem::new(
                "function.permissions_boundary",
                "a permissions boundary goes on the role the stack creates, and with `role_arn` it creates none",
                "set the boundary on your own role in IAM and remove permissions_boundary, or remove role_arn to let the stack create a role with the boundary",
            ));
        }
    }
}

/// `arn:PARTITION:iam::ACCOUNT:KIND...`: the part after `KIND`, when `arn` is such an ARN
/// (the account is 12 digits, or `aws` where `aws_owned` allows AWS managed policies).
fn iam_arn<'a>(arn: &'a str, kind: &str, aws_owned: bool) -> Option<&'a str> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ["arn", partition, "iam", "", account, resource] = parts.as_slice() else {
        return None;
    };
    let account_ok = (account.len() == 12 && account.chars().all(|c| c.is_ascii_digit()))
        || (aws_owned && *account == "aws");
    let name = resource.strip_prefix(kind)?;
    (partition.starts_with("aws") && account_ok && !name.is_empty()).then_some(name)
}

fn tag_problems(tags: &BTreeMap<String, String>, out: &mut Vec<Problem>) {
    if tags.len() > MAX_TAGS {
        out.push(Problem::new(
            "function.tags",
            format!("{} tags, above the {MAX_TAGS} a resource takes", tags.len()),
            format!("keep at most {MAX_TAGS}"),
        ));
    }
    // Letters, digits and spaces in UTF-8, and `_ . : / = + - @`: what every tagged service takes.
    let allowed = |c: char| c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c);
    for (key, value) in tags {
        let at = format!("function.tags.{key}");
        let key_chars = key.chars().count();
        if key_chars == 0 || key_chars > MAX_TAG_KEY_CHARS {
            out.push(Problem::new(
                &at,
                format!("the key is {key_chars} characters; a tag key is 1 to {MAX_TAG_KEY_CHARS}"),
                "shorten the key",
            ));
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            out.push(Problem::new(
                &at,
                "keys starting with `aws:` are reserved for AWS",
                "choose a key without the `aws:` prefix",
            ));
        }
        let value_chars = value.chars().count();
        if value_chars > MAX_TAG_VALUE_CHARS {
            out.push(Problem::new(
                &at,
                format!("the value is {value_chars} characters; a tag value is at most {MAX_TAG_VALUE_CHARS}"),
                "shorten the value",
            ));
        }
        if let Some(c) = key.chars().chain(value.chars()).find(|c| !allowed(*c)) {
            out.push(Problem::new(
                &at,
                format!("{c:?} is not a character tags may hold"),
                "use letters, digits, spaces and _ . : / = + - @",
            ));
        }
    }
}
