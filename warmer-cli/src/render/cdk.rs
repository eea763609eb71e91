//! `warmer render cdk`: the same stack as an AWS CDK app in TypeScript on `aws-cdk-lib` 2.
//!
//! The app is a directory: `package.json`, `cdk.json`, `tsconfig.json`, `bin/warmer.ts` (the
//! app) and `lib/warmer-stack.ts`, a `WarmerStack` construct that declares each resource of the
//! plain CloudFormation template with its CDK L1 class (`lambda.CfnFunction`, `iam.CfnRole`,
//! `scheduler.CfnSchedule`, ...) under the same logical id, so `cdk synth` writes the same
//! resources and properties. The function's code is a CDK asset (`aws_s3_assets.Asset`) made from
//! the `codePath` context value, `../target/lambda/warmer-fn` by default (the directory
//! `cargo lambda build` writes); `cdk deploy` uploads it to the bootstrap bucket. Import
//! `WarmerStack` into an existing app to deploy it beside a `cargo-lambda-cdk` `RustFunction`.
//!
//! ```
//! use warmer_cli::config::{ConfigBuilder, WarmerBuilder};
//!
//! let config = ConfigBuilder::new()
//!     .warmer(WarmerBuilder::new("api").target("orders", 5))
//!     .build();
//! let files = warmer_cli::render::cdk::render_cdk(&config).unwrap();
//! let stack = &files.iter().find(|(path, _)| path == "lib/warmer-stack.ts").unwrap().1;
//! assert!(stack.contains("new lambda.CfnFunction(this, 'WarmerFunction', {"));
//! assert!(stack.contains("maximumRetryAttempts: 0"));
//! ```

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::{FUNCTION_ID, Flavor, render};
use crate::config::Config;

/// The versions the app's `package.json` asks for.
pub const AWS_CDK_LIB_VERSION: &str = "^2.150.0";

/// Renders `config` (which must pass [`Config::check`]) as a CDK app: `(relative path, text)`
/// for each file.
pub fn render_cdk(config: &Config) -> anyhow::Result<Vec<(String, String)>> {
    let template = render(config, Flavor::Cloudformation)?;
    let resources = template.section("Resources");
    let outputs = template.section("Outputs");
    let description = template.value["Description"].as_str().unwrap_or_default();

    let mut stack = String::new();
    stack.push_str(&STACK_HEADER.replace(
        "ARCH_FLAG",
        config.function.architecture.cargo_lambda_flag(),
    ));
    let _ = writeln!(
        stack,
        "    super(scope, id, {{ description: {}, ...props }});",
        ts_string(description)
    );
    stack.push_str(
        "    const code = new s3assets.Asset(this, 'WarmerCode', {\n      path: props?.codePath ?? DEFAULT_CODE_PATH,\n    });\n",
    );
    for (id, resource) in &resources {
        let (module, class) = l1_class(resource["Type"].as_str().unwrap_or_default());
        let empty = Map::new();
        let props = resource["Properties"].as_object().unwrap_or(&empty);
        let mut body = String::new();
        write_props(&mut body, props, 3, id == FUNCTION_ID);
        let _ = writeln!(
            stack,
            "    const {} = new {module}.{class}(this, '{id}', {{\n{body}    }});",
            var(id)
        );
    }
    for (id, output) in &outputs {
        let _ = writeln!(
            stack,
            "    new cdk.CfnOutput(this, '{id}', {{\n      description: {},\n      value: {},\n    }});",
            ts_string(output["Description"].as_str().unwrap_or_default()),
            expr(&output["Value"], 3, false)
        );
    }
    stack.push_str("  }\n}\n");

    Ok(vec![
        (
            "package.json".into(),
            PACKAGE_JSON.replace("AWS_CDK_LIB_VERSION", AWS_CDK_LIB_VERSION),
        ),
        ("cdk.json".into(), CDK_JSON.into()),
        ("tsconfig.json".into(), TSCONFIG.into()),
        ("bin/warmer.ts".into(), APP.into()),
        ("lib/warmer-stack.ts".into(), stack),
    ])
}

const PACKAGE_JSON: &str = r#"{
  "name": "warmer-cdk",
  "private": true,
  "description": "The warmer stack as an AWS CDK app (rendered by `warmer render cdk` from warmer.toml)",
  "scripts": {
    "synth": "cdk synth",
    "deploy": "cdk deploy"
  },
  "dependencies": {
    "aws-cdk-lib": "AWS_CDK_LIB_VERSION",
    "constructs": "^10.0.0"
  },
  "devDependencies": {
    "@types/node": "*",
    "aws-cdk": "^2.1000.0",
    "ts-node": "^10.9.0",
    "typescript": "~5.9.0"
  }
}
"#;

const CDK_JSON: &str = r#"{
  "app": "npx ts-node --prefer-ts-exts bin/warmer.ts",
  "context": {
    "codePath": "../target/lambda/warmer-fn"
  }
}
"#;

const TSCONFIG: &str = r#"{
  "compilerOptions": {
    "target": "ES2020",
    "module": "commonjs",
    "lib": ["es2020"],
    "strict": true,
    "esModuleInterop": true,
    "skipLibCheck": true,
    "types": ["node"]
  },
  "exclude": ["node_modules", "cdk.out"]
}
"#;

const APP: &str = r#"#!/usr/bin/env node
// The warmer stack as a CDK app: rendered by `warmer render cdk` from warmer.toml.
import * as cdk from 'aws-cdk-lib';
import { WarmerStack } from '../lib/warmer-stack';

const app = new cdk.App();
new WarmerStack(app, 'Warmer', {
  codePath: app.node.tryGetContext('codePath'),
});
"#;

const STACK_HEADER: &str = r#"// Keeps Lambda functions warm on a schedule: rendered by `warmer render cdk` from warmer.toml.
// Each resource is the CDK L1 construct of the resource `warmer render cloudformation` writes,
// under the same logical id; see docs/deploy.md.
import * as cdk from 'aws-cdk-lib';
import {
  aws_applicationautoscaling as applicationautoscaling,
  aws_cloudwatch as cloudwatch,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_s3_assets as s3assets,
  aws_scheduler as scheduler,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** Where `cargo lambda build --profile deploy ARCH_FLAG -p warmer-fn` writes the bootstrap. */
export const DEFAULT_CODE_PATH = '../target/lambda/warmer-fn';

export interface WarmerStackProps extends cdk.StackProps {
  /** The directory holding the warmer's `bootstrap` (zipped into a CDK asset). */
  readonly codePath?: string;
}

export class WarmerStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props?: WarmerStackProps) {
"#;

/// The `aws-cdk-lib` module alias and L1 class of a CloudFormation resource type.
fn l1_class(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "AWS::Logs::LogGroup" => ("logs", "CfnLogGroup"),
        "AWS::IAM::Role" => ("iam", "CfnRole"),
        "AWS::IAM::RolePolicy" => ("iam", "CfnRolePolicy"),
        "AWS::Lambda::Function" => ("lambda", "CfnFunction"),
        "AWS::Lambda::EventInvokeConfig" => ("lambda", "CfnEventInvokeConfig"),
        "AWS::Scheduler::Schedule" => ("scheduler", "CfnSchedule"),
        "AWS::Scheduler::ScheduleGroup" => ("scheduler", "CfnScheduleGroup"),
        "AWS::SQS::Queue" => ("sqs", "CfnQueue"),
        "AWS::CloudWatch::Alarm" => ("cloudwatch", "CfnAlarm"),
        "AWS::ApplicationAutoScaling::ScalableTarget" => {
            ("applicationautoscaling", "CfnScalableTarget")
        }
        other => unreachable!("the template has no resource of type {other}"),
    }
}

/// The TypeScript variable of a logical id: `WarmerFunction` -> `warmerFunction`.
fn var(id: &str) -> String {
    let mut chars = id.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// Property names of the L1 classes: CloudFormation's, first letter lower-cased.
fn prop_name(key: &str) -> String {
    var(key)
}

/// Properties whose value is JSON passed through as it is (policy documents) or a map whose
/// keys are data (environment variables): their keys keep their spelling.
const OPAQUE: [&str; 3] = ["AssumeRolePolicyDocument", "PolicyDocument", "Variables"];

fn write_props(out: &mut String, props: &Map<String, Value>, depth: usize, function: bool) {
    let pad = "  ".repeat(depth);
    for (key, value) in props {
        if function && key == "Code" {
            let _ = writeln!(
                out,
                "{pad}code: {{ s3Bucket: code.s3BucketName, s3Key: code.s3ObjectKey }},"
            );
            continue;
        }
        let _ = writeln!(
            out,
            "{pad}{}: {},",
            prop_name(key),
            expr(value, depth, OPAQUE.contains(&key.as_str()))
        );
    }
}

/// A value as TypeScript; inside `opaque` JSON the keys are kept as written.
fn expr(value: &Value, depth: usize, opaque: bool) -> String {
    let pad = "  ".repeat(depth);
    match value {
        Value::Null => "undefined".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(text) => ts_string(text),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(|v| expr(v, depth + 1, opaque)).collect();
            let one_line = format!("[{}]", inner.join(", "));
            if one_line.len() < 80 && !one_line.contains('\n') {
                one_line
            } else {
                let mut out = String::from("[\n");
                for item in inner {
                    let _ = writeln!(out, "{pad}  {item},");
                }
                out + &pad + "]"
            }
        }
        Value::Object(o) => {
            if let Some(reference) = intrinsic(o) {
                return reference;
            }
            let mut out = String::from("{\n");
            for (k, v) in o {
                let key = if opaque { ts_string(k) } else { prop_name(k) };
                let inner_opaque = opaque || OPAQUE.contains(&k.as_str());
                let _ = writeln!(out, "{pad}  {key}: {},", expr(v, depth + 1, inner_opaque));
            }
            out + &pad + "}"
        }
    }
}

/// `Ref`, `Fn::GetAtt`, `Fn::Sub` and `Fn::Join` as the CDK writes them.
fn intrinsic(object: &Map<String, Value>) -> Option<String> {
    if object.len() != 1 {
        return None;
    }
    if let Some(id) = object.get("Ref").and_then(Value::as_str) {
        return Some(match id {
            "AWS::AccountId" => "cdk.Aws.ACCOUNT_ID".into(),
            "AWS::Partition" => "cdk.Aws.PARTITION".into(),
            "AWS::Region" => "cdk.Aws.REGION".into(),
            id => format!("{}.ref", var(id)),
        });
    }
    if let Some([id, attribute]) = object
        .get("Fn::GetAtt")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        return Some(format!("{}.attr{}", var(id.as_str()?), attribute.as_str()?));
    }
    if let Some([delimiter, Value::Array(parts)]) = object
        .get("Fn::Join")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        let parts: Vec<String> = parts.iter().map(|part| expr(part, 0, false)).collect();
        return Some(format!(
            "cdk.Fn.join({}, [{}])",
            ts_string(delimiter.as_str()?),
            parts.join(", ")
        ));
    }
    let text = object.get("Fn::Sub")?.as_str()?;
    Some(format!("cdk.Fn.sub({})", ts_string(text)))
}

/// A TypeScript string literal (JSON's quoting is valid TypeScript; `${` has no meaning in a
/// double-quoted string).
fn ts_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string always serializes")
}
