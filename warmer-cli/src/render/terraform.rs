//! `warmer render terraform`: the same stack as a Terraform module (one `main.tf`, AWS provider).
//!
//! The module is translated from the plain CloudFormation template resource by resource, so it
//! holds the same resources with the same properties and the same least-privilege policies:
//!
//! | CloudFormation | Terraform |
//! | --- | --- |
//! | `AWS::Logs::LogGroup` | `aws_cloudwatch_log_group`, named `/aws/lambda/${var.function_name}` |
//! | `AWS::IAM::Role` with an inline policy | `aws_iam_role` and `aws_iam_role_policy` |
//! | its `ManagedPolicyArns` (a VPC, active tracing) | one `aws_iam_role_policy_attachment` each |
//! | `AWS::IAM::RolePolicy` (the warmer invoking itself, when it shards) | `aws_iam_role_policy` |
//! | `AWS::Lambda::Function` (code from S3) | `aws_lambda_function` (code from `var.code_zip`) |
//! | `AWS::Lambda::EventInvokeConfig` | `aws_lambda_function_event_invoke_config` |
//! | `AWS::Scheduler::Schedule` | `aws_scheduler_schedule` |
//! | `AWS::CloudWatch::Alarm` | `aws_cloudwatch_metric_alarm` |
//! | `AWS::SQS::Queue` (the failure queue) | `aws_sqs_queue`, named `${var.function_name}-failures` |
//! | `AWS::Scheduler::ScheduleGroup` | `aws_scheduler_schedule_group`, named `${var.function_name}` |
//! | `AWS::ApplicationAutoScaling::ScalableTarget` and its `ScheduledActions` | `aws_appautoscaling_target` and one `aws_appautoscaling_scheduled_action` each |
//!
//! `${AWS::Partition}`, `${AWS::Region}` and `${AWS::AccountId}` become the `aws_partition`,
//! `aws_region` and `aws_caller_identity` data sources. Policies and schedule inputs are JSON
//! heredocs. Argument names follow the AWS provider's documentation
//! (<https://registry.terraform.io/providers/hashicorp/aws/latest/docs>).
//!
//! ```
//! use warmer_cli::config::{ConfigBuilder, WarmerBuilder};
//!
//! let config = ConfigBuilder::new()
//!     .warmer(WarmerBuilder::new("api").target("orders", 5))
//!     .build();
//! let module = warmer_cli::render::terraform::render_terraform(&config).unwrap();
//! assert!(module.contains(r#"resource "aws_lambda_function" "warmer_function" {"#));
//! assert!(module.contains(r#"resource "aws_scheduler_schedule" "api_schedule_default" {"#));
//! assert!(module.contains("maximum_retry_attempts       = 0"));
//! ```

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::health::SCHEDULE_GROUP_ID;
use super::{FUNCTION_ID, Flavor, LOG_GROUP_ID, render};
use crate::config::Config;

/// The AWS provider versions the module is written for: 6.0 and later, whose `aws_region` data
/// source names the region `region` (5.x called it `name`, which 6.0 deprecates;
/// <https://registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/region>).
pub const AWS_PROVIDER_VERSION: &str = ">= 6.0";

/// Renders `config` (which must pass [`Config::check`]) as a Terraform module.
pub fn render_terraform(config: &Config) -> anyhow::Result<String> {
    let template = render(config, Flavor::Cloudformation)?;
    let ordered = template.section("Resources");
    let resources: Map<String, Value> = ordered.iter().cloned().collect();
    let names = Names {
        resources: &resources,
    };

    let mut out = String::new();
    out.push_str(
        &HEADER
            .replace("AWS_PROVIDER_VERSION", AWS_PROVIDER_VERSION)
            .replace(
                "ARCH_FLAG",
                config.function.architecture.cargo_lambda_flag(),
            ),
    );
    for (id, resource) in &ordered {
        out.push('\n');
        names.resource(&mut out, id, resource);
    }
    for (id, output) in &template.section("Outputs") {
        let mut body = Vec::new();
        if let Some(description) = output["Description"].as_str() {
            body.push(("description".to_string(), Item::Attr(literal(description))));
        }
        body.push((
            "value".to_string(),
            Item::Attr(names.expr(&output["Value"])),
        ));
        out.push('\n');
        write_block(&mut out, &format!("output \"{}\"", snake(id)), &body);
    }
    Ok(out)
}

const HEADER: &str = r#"# Keeps Lambda functions warm on a schedule: rendered by `warmer render terraform` from
# warmer.toml. The same resources as `warmer render sam` and `warmer render cloudformation`;
# see docs/deploy.md.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "AWS_PROVIDER_VERSION"
    }
  }
}

variable "function_name" {
  description = "Name of the warmer function; its log group, schedules and alarms are named after it"
  type        = string
  default     = "warmer"
}

variable "code_zip" {
  description = "Path of the zip made by `cargo lambda build --profile deploy ARCH_FLAG --output-format zip -p warmer-fn`"
  type        = string
  default     = "target/lambda/warmer-fn/bootstrap.zip"
}

data "aws_partition" "current" {}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}
"#;

/// A value in HCL.
enum Expr {
    /// A quoted template string; the content is already escaped.
    Template(String),
    /// A bare expression: a reference, a number, a function call.
    Raw(String),
    /// A `<<-EOT` heredoc; the content is already escaped.
    Heredoc(String),
    /// A tuple.
    List(Vec<Expr>),
    /// An object (a map attribute, such as `variables` or `dimensions`).
    Object(Vec<(String, Expr)>),
}

/// One line of a block's body.
enum Item {
    Attr(Expr),
    Block(Vec<(String, Item)>),
}

/// Resolves CloudFormation references to the Terraform resources they become.
struct Names<'a> {
    resources: &'a Map<String, Value>,
}

impl Names<'_> {
    fn tf_type(&self, id: &str) -> &'static str {
        match self.resources[id]["Type"].as_str().unwrap_or_default() {
            "AWS::Logs::LogGroup" => "aws_cloudwatch_log_group",
            "AWS::IAM::Role" => "aws_iam_role",
            "AWS::IAM::RolePolicy" => "aws_iam_role_policy",
            "AWS::Lambda::Function" => "aws_lambda_function",
            "AWS::Lambda::EventInvokeConfig" => "aws_lambda_function_event_invoke_config",
            "AWS::Scheduler::Schedule" => "aws_scheduler_schedule",
            "AWS::CloudWatch::Alarm" => "aws_cloudwatch_metric_alarm",
            "AWS::ApplicationAutoScaling::ScalableTarget" => "aws_appautoscaling_target",
            "AWS::SQS::Queue" => "aws_sqs_queue",
            "AWS::Scheduler::ScheduleGroup" => "aws_scheduler_schedule_group",
            other => unreachable!("the template has no resource of type {other}"),
        }
    }

    /// The template-string content a string-valued CloudFormation value stands for: a
    /// literal, a `Ref`, a `Fn::GetAtt`, a `Fn::Sub` or a `Fn::Join` of those.
    fn string(&self, value: &Value) -> Option<String> {
        if let Some(text) = value.as_str() {
            return Some(escape(text));
        }
        let object = value.as_object()?;
        if let Some(id) = object.get("Ref").and_then(Value::as_str) {
            return Some(format!("${{{}}}", self.reference(id)));
        }
        if let Some([id, attribute]) = object
            .get("Fn::GetAtt")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            let (id, attribute) = (id.as_str()?, attribute.as_str()?);
            let attribute = match attribute {
                "Arn" => "arn",
                "QueueName" => "name",
                other => unreachable!("the template reads no {other} attribute"),
            };
            let arn = format!("${{{}.{}.{attribute}}}", self.tf_type(id), snake(id));
            // CloudFormation's log group ARN ends in `:*`, which covers its streams;
            // Terraform's `arn` does not.
            return Some(if id == LOG_GROUP_ID {
                format!("{arn}:*")
            } else {
                arn
            });
        }
        if let Some(text) = object.get("Fn::Sub").and_then(Value::as_str) {
            return Some(substitute(text));
        }
        if let Some([delimiter, Value::Array(parts)]) = object
            .get("Fn::Join")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            let parts = parts
                .iter()
                .map(|part| self.string(part))
                .collect::<Option<Vec<_>>>()?;
            return Some(parts.join(&escape(delimiter.as_str()?)));
        }
        None
    }

    /// What a `Ref` to `id` is in Terraform.
    fn reference(&self, id: &str) -> String {
        match id {
            "AWS::AccountId" => "data.aws_caller_identity.current.account_id".into(),
            "AWS::Partition" => "data.aws_partition.current.partition".into(),
            "AWS::Region" => "data.aws_region.current.region".into(),
            LOG_GROUP_ID => format!("aws_cloudwatch_log_group.{}.name", snake(id)),
            FUNCTION_ID => format!("aws_lambda_function.{}.function_name", snake(id)),
            SCHEDULE_GROUP_ID => format!("aws_scheduler_schedule_group.{}.name", snake(id)),
            other => unreachable!("the template refers to no {other}"),
        }
    }

    /// An attribute value: references bare, other strings quoted.
    fn expr(&self, value: &Value) -> Expr {
        match value {
            Value::Array(items) => Expr::List(items.iter().map(|v| self.expr(v)).collect()),
            Value::Number(n) => Expr::Raw(n.to_string()),
            Value::Bool(b) => Expr::Raw(b.to_string()),
            Value::Object(o) if !is_intrinsic(o) => {
                Expr::Object(o.iter().map(|(k, v)| (k.clone(), self.expr(v))).collect())
            }
            _ => {
                let text = self.string(value).expect("a string or an intrinsic");
                match text.strip_prefix("${").and_then(|t| t.strip_suffix('}')) {
                    Some(reference) if !reference.contains('$') => Expr::Raw(reference.into()),
                    _ => Expr::Template(text),
                }
            }
        }
    }

    /// A JSON document (a policy) as heredoc content, references interpolated.
    fn json_heredoc(&self, value: &Value) -> Expr {
        fn resolve(names: &Names<'_>, value: &Value) -> Value {
            match value {
                Value::Array(items) => items.iter().map(|v| resolve(names, v)).collect(),
                Value::Object(o) if !is_intrinsic(o) => Value::Object(
                    o.iter()
                        .map(|(k, v)| (escape(k), resolve(names, v)))
                        .collect(),
                ),
                Value::Object(_) | Value::String(_) => {
                    Value::String(names.string(value).expect("a string or an intrinsic"))
                }
                other => other.clone(),
            }
        }
        let json = serde_json::to_string_pretty(&resolve(self, value))
            .expect("a policy always serializes to JSON");
        Expr::Heredoc(json)
    }

    /// Properties as a block body: nested objects become blocks, except map attributes.
    fn body(&self, properties: &Map<String, Value>, skip: &[&str]) -> Vec<(String, Item)> {
        let mut body = Vec::new();
        for (key, value) in properties {
            if skip.contains(&key.as_str()) {
                continue;
            }
            let item = match value {
                Value::Object(o) if !is_intrinsic(o) && key != "Variables" => {
                    Item::Block(self.body(o, skip))
                }
                // Scheduler passes `Input` to the warmer as it is: a JSON heredoc.
                Value::String(text) if key == "Input" => Item::Attr(Expr::Heredoc(escape(text))),
                // CloudFormation's `[{Key, Value}]` is the provider's `tags` map.
                Value::Array(tags) if key == "Tags" => Item::Attr(Expr::Object(
                    tags.iter()
                        .map(|t| {
                            let key = t["Key"].as_str().unwrap_or_default().to_string();
                            (key, self.expr(&t["Value"]))
                        })
                        .collect(),
                )),
                _ => Item::Attr(self.expr(value)),
            };
            body.push((snake(key), item));
        }
        body
    }

    /// Writes the Terraform resource(s) for one CloudFormation resource.
    fn resource(&self, out: &mut String, id: &str, resource: &Value) {
        let empty = Map::new();
        let props = resource["Properties"].as_object().unwrap_or(&empty);
        let kind = self.tf_type(id);
        let name = snake(id);
        let header = format!("resource \"{kind}\" \"{name}\"");
        let named =
            |suffix: &str| Item::Attr(Expr::Template(format!("${{var.function_name}}-{suffix}")));
        let mut body = Vec::new();
        match kind {
            "aws_cloudwatch_log_group" => {
                body.push((
                    "name".into(),
                    Item::Attr(Expr::Template("/aws/lambda/${var.function_name}".into())),
                ));
                body.extend(self.body(props, &[]));
            }
            "aws_lambda_function" => {
                body.push(("function_name".into(), Item::Attr(raw("var.function_name"))));
                body.push(("filename".into(), Item::Attr(raw("var.code_zip"))));
                body.push((
                    "source_code_hash".into(),
                    Item::Attr(raw("filebase64sha256(var.code_zip)")),
                ));
                body.extend(self.body(props, &["Code"]));
            }
            "aws_scheduler_schedule" => {
                body.push(("name".into(), named(&kebab(id))));
                body.extend(self.body(props, &[]));
            }
            "aws_scheduler_schedule_group" => {
                body.push(("name".into(), Item::Attr(raw("var.function_name"))));
                body.extend(self.body(props, &[]));
            }
            "aws_sqs_queue" => {
                body.push(("name".into(), named("failures")));
                body.extend(self.body(props, &["MessageRetentionPeriod"]));
                // The provider's name for CloudFormation's `MessageRetentionPeriod`.
                body.push((
                    "message_retention_seconds".into(),
                    Item::Attr(self.expr(&props["MessageRetentionPeriod"])),
                ));
            }
            "aws_cloudwatch_metric_alarm" => {
                body.push(("alarm_name".into(), named(&kebab(id))));
                body.extend(self.body(props, &["Dimensions"]));
                let dimensions = props["Dimensions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|d| {
                        let key = d["Name"].as_str().unwrap_or_default().to_string();
                        (key, self.expr(&d["Value"]))
                    })
                    .collect();
                body.push(("dimensions".into(), Item::Attr(Expr::Object(dimensions))));
            }
            "aws_iam_role" => {
                body.push((
                    "assume_role_policy".into(),
                    Item::Attr(self.json_heredoc(&props["AssumeRolePolicyDocument"])),
                ));
                let own = ["AssumeRolePolicyDocument", "Policies", "ManagedPolicyArns"];
                body.extend(self.body(props, &own));
                write_block(out, &header, &body);
                for policy in props["Policies"].as_array().into_iter().flatten() {
                    let policy_name = policy["PolicyName"].as_str().unwrap_or_default();
                    let policy_body = vec![
                        ("name".into(), Item::Attr(literal(policy_name))),
                        ("role".into(), Item::Attr(raw(&format!("{kind}.{name}.id")))),
                        (
                            "policy".into(),
                            Item::Attr(self.json_heredoc(&policy["PolicyDocument"])),
                        ),
                    ];
                    out.push('\n');
                    write_block(
                        out,
                        &format!(
                            "resource \"aws_iam_role_policy\" \"{name}_{}\"",
                            snake(policy_name)
                        ),
                        &policy_body,
                    );
                }
                // `managed_policy_arns` is deprecated in the provider: one attachment each.
                for arn in props
                    .get("ManagedPolicyArns")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let policy = self.string(arn).unwrap_or_default();
                    let policy_name = policy.rsplit('/').next().unwrap_or_default();
                    let attachment = vec![
                        (
                            "role".into(),
                            Item::Attr(raw(&format!("{kind}.{name}.name"))),
                        ),
                        ("policy_arn".into(), Item::Attr(self.expr(arn))),
                    ];
                    out.push('\n');
                    write_block(
                        out,
                        &format!(
                            "resource \"aws_iam_role_policy_attachment\" \"{name}_{}\"",
                            snake(policy_name)
                        ),
                        &attachment,
                    );
                }
                return;
            }
            "aws_iam_role_policy" => {
                let role = props["RoleName"]["Ref"].as_str().unwrap_or_default();
                body.push((
                    "name".into(),
                    Item::Attr(literal(props["PolicyName"].as_str().unwrap_or_default())),
                ));
                body.push((
                    "role".into(),
                    Item::Attr(raw(&format!("{}.{}.id", self.tf_type(role), snake(role)))),
                ));
                body.push((
                    "policy".into(),
                    Item::Attr(self.json_heredoc(&props["PolicyDocument"])),
                ));
            }
            "aws_appautoscaling_target" => {
                body.extend(self.body(props, &["ScheduledActions"]));
                write_block(out, &header, &body);
                for action in props["ScheduledActions"].as_array().into_iter().flatten() {
                    let action_name = action["ScheduledActionName"].as_str().unwrap_or_default();
                    let target =
                        |attribute: &str| Item::Attr(raw(&format!("{kind}.{name}.{attribute}")));
                    let mut action_body = vec![
                        ("name".into(), Item::Attr(literal(action_name))),
                        ("service_namespace".into(), target("service_namespace")),
                        ("resource_id".into(), target("resource_id")),
                        ("scalable_dimension".into(), target("scalable_dimension")),
                    ];
                    let action = action.as_object().unwrap_or(&empty);
                    action_body.extend(self.body(action, &["ScheduledActionName"]));
                    out.push('\n');
                    write_block(
                        out,
                        &format!(
                            "resource \"aws_appautoscaling_scheduled_action\" \"{name}_{}\"",
                            snake(action_name)
                        ),
                        &action_body,
                    );
                }
                return;
            }
            _ => body.extend(self.body(props, &[])),
        }
        write_block(out, &header, &body);
    }
}

fn is_intrinsic(object: &Map<String, Value>) -> bool {
    object.len() == 1 && object.keys().all(|k| k == "Ref" || k.starts_with("Fn::"))
}

fn raw(text: &str) -> Expr {
    Expr::Raw(text.to_string())
}

fn literal(text: &str) -> Expr {
    Expr::Template(escape(text))
}

/// Escapes literal text for an HCL template (a quoted string or a heredoc): `${` and `%{`
/// would start an interpolation or a directive.
fn escape(text: &str) -> String {
    text.replace("${", "$${").replace("%{", "%%{")
}

/// A `Fn::Sub` string with the pseudo parameters it uses replaced by the data sources.
fn substitute(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&escape(&rest[..start]));
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&escape(&rest[start..]));
            return out;
        };
        let name = &after[..end];
        let reference = match name {
            "AWS::Partition" => "data.aws_partition.current.partition",
            "AWS::Region" => "data.aws_region.current.region",
            "AWS::AccountId" => "data.aws_caller_identity.current.account_id",
            other => unreachable!("the template substitutes no {other}"),
        };
        let _ = write!(out, "${{{reference}}}");
        rest = &after[end + 1..];
    }
    out.push_str(&escape(rest));
    out
}

/// `ApiScheduleBusinessHours` -> `api_schedule_business_hours`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            out.push('_');
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower {
            out.push('_');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn kebab(name: &str) -> String {
    snake(name).replace('_', "-")
}

fn write_block(out: &mut String, header: &str, body: &[(String, Item)]) {
    let _ = writeln!(out, "{header} {{");
    write_body(out, 1, body);
    out.push_str("}\n");
}

/// Writes a body as `terraform fmt` lays it out: the arguments first, their `=` aligned, then
/// the nested blocks.
fn write_body(out: &mut String, depth: usize, body: &[(String, Item)]) {
    let pad = "  ".repeat(depth);
    let width = body
        .iter()
        .filter(|(_, item)| matches!(item, Item::Attr(_)))
        .map(|(k, _)| k.len())
        .max()
        .unwrap_or(0);
    for (key, item) in body {
        if let Item::Attr(expr) = item {
            let _ = write!(out, "{pad}{key:<width$} = ");
            write_expr(out, depth, expr);
            out.push('\n');
        }
    }
    for (key, item) in body {
        if let Item::Block(inner) = item {
            let _ = writeln!(out, "{pad}{key} {{");
            write_body(out, depth + 1, inner);
            let _ = writeln!(out, "{pad}}}");
        }
    }
}

fn write_expr(out: &mut String, depth: usize, expr: &Expr) {
    let pad = "  ".repeat(depth);
    match expr {
        Expr::Raw(text) => out.push_str(text),
        Expr::Template(text) => {
            let _ = write!(out, "\"{}\"", quote(text));
        }
        Expr::Heredoc(text) => {
            out.push_str("<<-EOT\n");
            for line in text.lines() {
                let _ = writeln!(out, "{pad}  {line}");
            }
            let _ = write!(out, "{pad}EOT");
        }
        Expr::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, depth, item);
            }
            out.push(']');
        }
        Expr::Object(entries) => {
            out.push_str("{\n");
            let width = entries.iter().map(|(k, _)| key(k).len()).max().unwrap_or(0);
            for (k, v) in entries {
                let _ = write!(out, "{pad}  {:<width$} = ", key(k));
                write_expr(out, depth + 1, v);
                out.push('\n');
            }
            let _ = write!(out, "{pad}}}");
        }
    }
}

/// An object key: bare when it is an identifier, quoted otherwise.
fn key(k: &str) -> String {
    let identifier = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if identifier {
        k.to_string()
    } else {
        format!("\"{}\"", quote(&escape(k)))
    }
}

/// Escapes template content for a quoted string: backslash, quote and control characters.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{escape, snake, substitute};

    #[test]
    fn names_and_escapes() {
        assert_eq!(
            snake("ApiScheduleBusinessHours"),
            "api_schedule_business_hours"
        );
        assert_eq!(snake("ApiScheduleDefault1"), "api_schedule_default1");
        assert_eq!(snake("invoke-warmer"), "invoke_warmer");
        assert_eq!(escape("a ${b} %{c}"), "a $${b} %%{c}");
        assert_eq!(
            substitute("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:f"),
            "arn:${data.aws_partition.current.partition}:lambda:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:function:f"
        );
    }
}
