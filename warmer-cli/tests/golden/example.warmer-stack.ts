// Keeps Lambda functions warm on a schedule: rendered by `warmer render cdk` from warmer.toml.
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
} from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** Where `cargo lambda build --profile deploy --arm64 -p warmer-fn` writes the bootstrap. */
export const DEFAULT_CODE_PATH = '../target/lambda/warmer-fn';

export interface WarmerStackProps extends cdk.StackProps {
  /** The directory holding the warmer's `bootstrap` (zipped into a CDK asset). */
  readonly codePath?: string;
}

export class WarmerStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props?: WarmerStackProps) {
    super(scope, id, { description: "Keeps Lambda functions warm on a schedule (rendered by `warmer render` from warmer.toml)", ...props });
    const code = new s3assets.Asset(this, 'WarmerCode', {
      path: props?.codePath ?? DEFAULT_CODE_PATH,
    });
    const warmerLogGroup = new logs.CfnLogGroup(this, 'WarmerLogGroup', {
      retentionInDays: 14,
    });
    const warmerFunctionRole = new iam.CfnRole(this, 'WarmerFunctionRole', {
      assumeRolePolicyDocument: {
        "Statement": [
          {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {
              "Service": "lambda.amazonaws.com",
            },
          },
        ],
        "Version": "2012-10-17",
      },
      policies: [
        {
          policyDocument: {
            "Statement": [
              {
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Effect": "Allow",
                "Resource": warmerLogGroup.attrArn,
                "Sid": "WriteOwnLogs",
              },
              {
                "Action": "lambda:InvokeFunction",
                "Effect": "Allow",
                "Resource": [
                  cdk.Fn.sub("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:orders:live"),
                  cdk.Fn.sub("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:search"),
                  "arn:aws:lambda:us-east-1:123456789012:function:reports",
                ],
                "Sid": "InvokeTargets",
              },
              {
                "Action": "lambda:GetFunctionConcurrency",
                "Effect": "Allow",
                "Resource": [
                  cdk.Fn.sub("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:orders"),
                  cdk.Fn.sub("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:search"),
                  "arn:aws:lambda:us-east-1:123456789012:function:reports",
                ],
                "Sid": "ReadTargetConcurrency",
              },
              {
                "Action": "lambda:GetAccountSettings",
                "Effect": "Allow",
                "Resource": "*",
                "Sid": "ReadAccountConcurrency",
              },
            ],
            "Version": "2012-10-17",
          },
          policyName: "warmer-targets",
        },
      ],
    });
    const warmerFunction = new lambda.CfnFunction(this, 'WarmerFunction', {
      architectures: ["arm64"],
      code: { s3Bucket: code.s3BucketName, s3Key: code.s3ObjectKey },
      description: "Warms Lambda environments on a schedule",
      environment: {
        variables: {
          "RUST_LOG": "info",
          "WARMER_METRICS_NAMESPACE": "Warmer",
        },
      },
      handler: "bootstrap",
      loggingConfig: {
        applicationLogLevel: "INFO",
        logFormat: "JSON",
        logGroup: warmerLogGroup.ref,
      },
      memorySize: 256,
      reservedConcurrentExecutions: 2,
      role: warmerFunctionRole.attrArn,
      runtime: "provided.al2023",
      timeout: 60,
    });
    const warmerEventInvokeConfig = new lambda.CfnEventInvokeConfig(this, 'WarmerEventInvokeConfig', {
      functionName: warmerFunction.ref,
      maximumEventAgeInSeconds: 60,
      maximumRetryAttempts: 0,
      qualifier: "$LATEST",
    });
    const warmerSchedulerRole = new iam.CfnRole(this, 'WarmerSchedulerRole', {
      assumeRolePolicyDocument: {
        "Statement": [
          {
            "Action": "sts:AssumeRole",
            "Condition": {
              "StringEquals": {
                "aws:SourceAccount": cdk.Aws.ACCOUNT_ID,
              },
            },
            "Effect": "Allow",
            "Principal": {
              "Service": "scheduler.amazonaws.com",
            },
          },
        ],
        "Version": "2012-10-17",
      },
      policies: [
        {
          policyDocument: {
            "Statement": [
              {
                "Action": "lambda:InvokeFunction",
                "Effect": "Allow",
                "Resource": warmerFunction.attrArn,
                "Sid": "InvokeWarmer",
              },
            ],
            "Version": "2012-10-17",
          },
          policyName: "invoke-warmer",
        },
      ],
    });
    const apiScheduleBusinessHours = new scheduler.CfnSchedule(this, 'ApiScheduleBusinessHours', {
      description: "warmer api / business-hours (MON-FRI 08:00-20:00): orders:live=100, search=100",
      flexibleTimeWindow: {
        mode: "OFF",
      },
      scheduleExpression: "cron(0/5 8-19 ? * MON-FRI *)",
      scheduleExpressionTimezone: "Europe/Berlin",
      state: "ENABLED",
      target: {
        arn: warmerFunction.attrArn,
        input: "{\"targets\":[{\"function\":\"orders\",\"qualifier\":\"live\",\"concurrency\":100,\"delay\":\"auto\",\"mode\":\"verify\",\"max_share\":0.5},{\"function\":\"search\",\"concurrency\":100,\"delay\":300,\"mode\":\"verify\",\"payload\":{\"source\":\"warmer\"},\"max_share\":0.8}]}",
        retryPolicy: {
          maximumEventAgeInSeconds: 60,
          maximumRetryAttempts: 0,
        },
        roleArn: warmerSchedulerRole.attrArn,
      },
    });
    const apiScheduleSaturdayMarket = new scheduler.CfnSchedule(this, 'ApiScheduleSaturdayMarket', {
      description: "warmer api / saturday-market (SAT 09:00-14:00): orders:live=40, search=40",
      flexibleTimeWindow: {
        mode: "OFF",
      },
      scheduleExpression: "cron(0/5 9-13 ? * SAT *)",
      scheduleExpressionTimezone: "Europe/Berlin",
      state: "ENABLED",
      target: {
        arn: warmerFunction.attrArn,
        input: "{\"targets\":[{\"function\":\"orders\",\"qualifier\":\"live\",\"concurrency\":40,\"delay\":\"auto\",\"mode\":\"verify\",\"max_share\":0.5},{\"function\":\"search\",\"concurrency\":40,\"delay\":300,\"mode\":\"verify\",\"payload\":{\"source\":\"warmer\"},\"max_share\":0.8}]}",
        retryPolicy: {
          maximumEventAgeInSeconds: 60,
          maximumRetryAttempts: 0,
        },
        roleArn: warmerSchedulerRole.attrArn,
      },
    });
    const apiScheduleDefault1 = new scheduler.CfnSchedule(this, 'ApiScheduleDefault1', {
      description: "warmer api / default-1 (daily 00:00-08:00,20:00-24:00): orders:live=10, search=5",
      flexibleTimeWindow: {
        mode: "OFF",
      },
      scheduleExpression: "cron(0/5 0-7,20-23 ? * * *)",
      scheduleExpressionTimezone: "Europe/Berlin",
      state: "ENABLED",
      target: {
        arn: warmerFunction.attrArn,
        input: "{\"targets\":[{\"function\":\"orders\",\"qualifier\":\"live\",\"concurrency\":10,\"delay\":\"auto\",\"mode\":\"verify\",\"max_share\":0.5},{\"function\":\"search\",\"concurrency\":5,\"delay\":300,\"mode\":\"verify\",\"payload\":{\"source\":\"warmer\"},\"max_share\":0.8}]}",
        retryPolicy: {
          maximumEventAgeInSeconds: 60,
          maximumRetryAttempts: 0,
        },
        roleArn: warmerSchedulerRole.attrArn,
      },
    });
    const apiScheduleDefault2 = new scheduler.CfnSchedule(this, 'ApiScheduleDefault2', {
      description: "warmer api / default-2 (SAT,SUN 08:00-09:00,14:00-20:00): orders:live=10, search=5",
      flexibleTimeWindow: {
        mode: "OFF",
      },
      scheduleExpression: "cron(0/5 8,14-19 ? * SUN,SAT *)",
      scheduleExpressionTimezone: "Europe/Berlin",
      state: "ENABLED",
      target: {
        arn: warmerFunction.attrArn,
        input: "{\"targets\":[{\"function\":\"orders\",\"qualifier\":\"live\",\"concurrency\":10,\"delay\":\"auto\",\"mode\":\"verify\",\"max_share\":0.5},{\"function\":\"search\",\"concurrency\":5,\"delay\":300,\"mode\":\"verify\",\"payload\":{\"source\":\"warmer\"},\"max_share\":0.8}]}",
        retryPolicy: {
          maximumEventAgeInSeconds: 60,
          maximumRetryAttempts: 0,
        },
        roleArn: warmerSchedulerRole.attrArn,
      },
    });
    const apiScheduleDefault3 = new scheduler.CfnSchedule(this, 'ApiScheduleDefault3', {
      description: "warmer api / default-3 (SUN 09:00-14:00): orders:live=10, search=5",
      flexibleTimeWindow: {
        mode: "OFF",
      },
      scheduleExpression: "cron(0/5 9-13 ? * SUN *)",
      scheduleExpressionTimezone: "Europe/Berlin",
      state: "ENABLED",
      target: {
        arn: warmerFunction.attrArn,
        input: "{\"targets\":[{\"function\":\"orders\",\"qualifier\":\"live\",\"concurrency\":10,\"delay\":\"auto\",\"mode\":\"verify\",\"max_share\":0.5},{\"function\":\"search\",\"concurrency\":5,\"delay\":300,\"mode\":\"verify\",\"payload\":{\"source\":\"warmer\"},\"max_share\":0.8}]}",
        retryPolicy: {
          maximumEventAgeInSeconds: 60,
          maximumRetryAttempts: 0,
        },
        roleArn: warmerSchedulerRole.attrArn,
      },
    });
    const apiShortfallOrdersLive = new cloudwatch.CfnAlarm(this, 'ApiShortfallOrdersLive', {
      alarmDescription: "warmer api, target orders:live: fewer environments were warmed than requested",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      dimensions: [
        {
          name: "FunctionName",
          value: "orders:live",
        },
      ],
      evaluationPeriods: 2,
      metricName: "Shortfall",
      namespace: "Warmer",
      period: 300,
      statistic: "Maximum",
      threshold: 1,
      treatMissingData: "notBreaching",
    });
    const apiShortfallSearch = new cloudwatch.CfnAlarm(this, 'ApiShortfallSearch', {
      alarmDescription: "warmer api, target search: fewer environments were warmed than requested",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      dimensions: [
        {
          name: "FunctionName",
          value: "search",
        },
      ],
      evaluationPeriods: 2,
      metricName: "Shortfall",
      namespace: "Warmer",
      period: 300,
      statistic: "Maximum",
      threshold: 1,
      treatMissingData: "notBreaching",
    });
    const reportsScheduleDefault = new scheduler.CfnSchedule(this, 'ReportsScheduleDefault', {
      description: "warmer reports / default (always): arn:aws:lambda:us-east-1:123456789012:function:reports=2",
      flexibleTimeWindow: {
        mode: "OFF",
      },
      scheduleExpression: "rate(1 minute)",
      scheduleExpressionTimezone: "UTC",
      state: "ENABLED",
      target: {
        arn: warmerFunction.attrArn,
        input: "{\"targets\":[{\"function\":\"arn:aws:lambda:us-east-1:123456789012:function:reports\",\"concurrency\":2,\"delay\":\"auto\",\"mode\":\"verify\"}]}",
        retryPolicy: {
          maximumEventAgeInSeconds: 60,
          maximumRetryAttempts: 0,
        },
        roleArn: warmerSchedulerRole.attrArn,
      },
    });
    new cdk.CfnOutput(this, 'WarmerFunctionName', {
      description: "The warmer function",
      value: warmerFunction.ref,
    });
    new cdk.CfnOutput(this, 'WarmerFunctionArn', {
      description: "The warmer function's ARN",
      value: warmerFunction.attrArn,
    });
    new cdk.CfnOutput(this, 'WarmerLogGroupName', {
      description: "The warmer's log group",
      value: warmerLogGroup.ref,
    });
  }
}
