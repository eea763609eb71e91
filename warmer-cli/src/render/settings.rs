//! What the optional keys of `[function]` add to the template: a VPC, tracing, an existing role
//! or a permissions boundary, tags. Each addition is made here, on the CloudFormation form the
//! Terraform and CDK renderers translate, so all four formats carry it; a key left out adds
//! nothing.
//!
//! ```
//! use warmer_cli::config::{ConfigBuilder, FunctionSettings, WarmerBuilder};
//! use warmer_cli::render::{Flavor, render};
//!
//! let config = ConfigBuilder::new()
//!     .function(FunctionSettings {
//!         role_arn: Some("arn:aws:iam::123456789012:role/warmer".into()),
//!         ..FunctionSettings::default()
//!     })
//!     .warmer(WarmerBuilder::new("api").target("orders", 5))
//!     .build();
//! let json: serde_json::Value =
//!     serde_json::from_str(&render(&config, Flavor::Cloudformation).unwrap().to_json()).unwrap();
//! assert!(json["Resources"].get("WarmerFunctionRole").is_none());
//! assert_eq!(
//!     json["Resources"]["WarmerFunction"]["Properties"]["Role"],
//!     "arn:aws:iam::123456789012:role/warmer"
//! );
//! ```

use serde_yaml_ng::{Mapping, Value};

use super::{FUNCTION_ROLE_ID, Flavor, get_att, map, s, sub};
use crate::config::function::Tracing;
use crate::config::{Config, FunctionSettings};

/// The AWS managed policy with the network-interface permissions a function in a VPC needs
/// (`ec2:CreateNetworkInterface`, `ec2:DescribeNetworkInterfaces`, `ec2:DescribeSubnets`,
/// `ec2:DeleteNetworkInterface`, `ec2:AssignPrivateIpAddresses`,
/// `ec2:UnassignPrivateIpAddresses`, and log writing):
/// <https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html>,
/// <https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html>.
pub const VPC_ACCESS_POLICY: &str =
    "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole";

/// The AWS managed policy that lets active tracing send X-Ray its segments
/// (`xray:PutTraceSegments`, `xray:PutTelemetryRecords` and the sampling reads):
/// <https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSXRayDaemonWriteAccess.html>,
/// <https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html>.
pub const XRAY_WRITE_POLICY: &str =
    "arn:${AWS::Partition}:iam::aws:policy/AWSXRayDaemonWriteAccess";

/// The resource types of the stack that take `Tags` (a list of `Key`/`Value`; SAM's function
/// takes a map). The schedules, the event invoke config, the role policy and the scalable
/// targets take none.
const TAGGABLE: [&str; 7] = [
    "AWS::Lambda::Function",
    "AWS::Serverless::Function",
    "AWS::IAM::Role",
    "AWS::Logs::LogGroup",
    "AWS::SQS::Queue",
    "AWS::Scheduler::ScheduleGroup",
    "AWS::CloudWatch::Alarm",
];

/// The managed policies the warmer's own role needs for the settings: VPC access when it is in
/// a VPC, X-Ray writes when tracing is active.
pub fn managed_policies(function: &FunctionSettings) -> Vec<&'static str> {
    let mut out = Vec::new();
    if function.in_vpc() {
        out.push(VPC_ACCESS_POLICY);
    }
    if function.tracing == Tracing::Active {
        out.push(XRAY_WRITE_POLICY);
    }
    out
}

/// The function's `Role`: the ARN given as `role_arn`, else the role the stack creates.
pub(super) fn execution_role(function: &FunctionSettings) -> Value {
    match &function.role_arn {
        Some(arn) => s(arn),
        None => get_att(FUNCTION_ROLE_ID, "Arn"),
    }
}

/// The function's properties for the settings: `VpcConfig`, and `TracingConfig` (SAM:
/// `Tracing`) when active.
pub(super) fn function_properties(
    function: &FunctionSettings,
    flavor: Flavor,
) -> Vec<(&'static str, Value)> {
    let mut props = Vec::new();
    if function.in_vpc() {
        let ids = |list: &[String]| Value::Sequence(list.iter().map(s).collect());
        props.push((
            "VpcConfig",
            map([
                ("SecurityGroupIds", ids(&function.security_group_ids)),
                ("SubnetIds", ids(&function.subnet_ids)),
            ]),
        ));
    }
    if function.tracing == Tracing::Active {
        props.push(match flavor {
            Flavor::Sam => ("Tracing", s(function.tracing.as_str())),
            Flavor::Cloudformation => (
                "TracingConfig",
                map([("Mode", s(function.tracing.as_str()))]),
            ),
        });
    }
    props
}

/// Adds the settings' managed policies and permissions boundary to the warmer's role.
pub(super) fn extend_function_role(role: &mut Value, function: &FunctionSettings) {
    let policies = managed_policies(function);
    if !policies.is_empty() {
        let arns = policies
            .into_iter()
            .map(|arn| sub(arn.to_string()))
            .collect();
        property(role, "ManagedPolicyArns", Value::Sequence(arns));
    }
    if let Some(boundary) = &function.permissions_boundary {
        property(role, "PermissionsBoundary", s(boundary));
    }
}

/// Puts `[function] tags` on every taggable resource of `resources`.
pub(super) fn tag_resources(resources: &mut Mapping, config: &Config) {
    let tags = &config.function.tags;
    if tags.is_empty() {
        return;
    }
    let list = Value::Sequence(
        tags.iter()
            .map(|(k, v)| map([("Key", s(k)), ("Value", s(v))]))
            .collect(),
    );
    let as_map = Value::Mapping(tags.iter().map(|(k, v)| (s(k), s(v))).collect());
    for resource in resources.values_mut() {
        let kind = resource["Type"].as_str().unwrap_or_default();
        if !TAGGABLE.contains(&kind) {
            continue;
        }
        let value = if kind == "AWS::Serverless::Function" {
            as_map.clone()
        } else {
            list.clone()
        };
        property(resource, "Tags", value);
    }
}

/// Sets `key` in a resource's `Properties`, adding them when it has none.
fn property(resource: &mut Value, key: &str, value: Value) {
    let Value::Mapping(resource) = resource else {
        unreachable!("a resource is a mapping");
    };
    let props = resource
        .entry(s("Properties"))
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    if let Value::Mapping(props) = props {
        props.insert(s(key), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::seq;

    #[test]
    fn a_vpc_and_active_tracing_each_bring_their_managed_policy() {
        let mut f = FunctionSettings::default();
        assert!(managed_policies(&f).is_empty());
        f.subnet_ids = vec!["subnet-1".into()];
        f.security_group_ids = vec!["sg-1".into()];
        assert_eq!(managed_policies(&f), [VPC_ACCESS_POLICY]);
        f.tracing = Tracing::Active;
        assert_eq!(managed_policies(&f), [VPC_ACCESS_POLICY, XRAY_WRITE_POLICY]);
    }

    #[test]
    fn tags_go_on_a_resource_without_properties_too() {
        let mut group = map([("Type", s("AWS::Scheduler::ScheduleGroup"))]);
        property(&mut group, "Tags", seq([]));
        assert_eq!(group["Properties"]["Tags"], seq([]));
    }
}
