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
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** Where `cargo lambda build --profile deploy --x86-64 -p warmer-fn` writes the bootstrap. */
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
      tags: [
        {
          key: "cost-center",
          value: "42",
        },
        {
          key: "team",
          value: "platform",
        },
      ],
    });
    const warmerFailureQueue = new sqs.CfnQueue(this, 'WarmerFailureQueue', {
      messageRetentionPeriod: 1209600,
      sqsManagedSseEnabled: true,
      tags: [
        {
          key: "cost-center",
          value: "42",
        },
        {
          key: "team",
          value: "platform",
        },
      ],
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
      managedPolicyArns: [
        cdk.Fn.sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"),
        cdk.Fn.sub("arn:${AWS::Partition}:iam::aws:policy/AWSXRayDaemonWriteAccess"),
      ],
      permissionsBoundary: "arn:aws:iam::123456789012:policy/warmer-boundary",
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
              {
                "Action": "sqs:SendMessage",
                "Effect": "Allow",
                "Resource": warmerFailureQueue.attrArn,
                "Sid": "SendLostRunsToFailureQueue",
              },
            ],
            "Version": "2012-10-17",
          },
          policyName: "warmer-targets",
        },
      ],
      tags: [
        {
          key: "cost-center",
          value: "42",
        },
        {
          key: "team",
          value: "platform",
        },
      ],
    });
    const warmerFunction = new lambda.CfnFunction(this, 'WarmerFunction', {
      architectures: ["x86_64"],
      code: { s3Bucket: code.s3BucketName, s3Key: code.s3ObjectKey },
      description: "Warms Lambda environments on a schedule",
      environment: {
        variables: {
          "RUST_LOG": "info",
          "WARMER_CONFIG": "{\"targets\":[{\"function\":\"orders\",\"qualifier\":\"live\",\"concurrency\":100,\"delay\":\"auto\",\"mode\":\"verify\",\"max_share\":0.5},{\"function\":\"search\",\"concurrency\":100,\"delay\":300,\"mode\":\"verify\",\"payload\":{\"source\":\"warmer\"},\"max_share\":0.8},{\"function\":\"arn:aws:lambda:us-east-1:123456789012:function:reports\",\"concurrency\":2,\"delay\":\"auto\",\"mode\":\"verify\"}],\"max_share\":0.8}",
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
      tags: [
        {
          key: "cost-center",
          value: "42",
        },
        {
          key: "team",
          value: "platform",
        },
      ],
      timeout: 60,
      tracingConfig: {
        mode: "Active",
      },
      vpcConfig: {
        securityGroupIds: ["sg-0123456789abcdef0"],
        subnetIds: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
      },
    });
    const warmerEventInvokeConfig = new lambda.CfnEventInvokeConfig(this, 'WarmerEventInvokeConfig', {
      destinationConfig: {
        onFailure: {
          destination: warmerFailureQueue.attrArn,
        },
      },
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
              {
                "Action": "sqs:SendMessage",
                "Effect": "Allow",
                "Resource": warmerFailureQueue.attrArn,
                "Sid": "SendLostRunsToFailureQueue",
              },
            ],
            "Version": "2012-10-17",
          },
          policyName: "invoke-warmer",
        },
      ],
      tags: [
        {
          key: "cost-center",
          value: "42",
        },
        {
          key: "team",
          value: "platform",
        },
      ],
    });
    const warmerScheduleGroup = new scheduler.CfnScheduleGroup(this, 'WarmerScheduleGroup', {
      tags: [
        {
          key: "cost-center",
          value: "42",
        },
        {
          key: "team",
          value: "platform",
        },
      ],
    });
    const apiScheduleBusinessHours = new scheduler.CfnSchedule(this, 'ApiScheduleBusinessHours', {
      description: "warmer api / business-hours (MON-FRI 08:00-20:00): orders:live=100, search=100",
      flexibleTimeWindow: {
        mode: "OFF",
      },
      groupName: warmerScheduleGroup.ref,
      scheduleExpression: "cron(0/5 8-19 ? * MON-FRI *)",
      scheduleExpressionTimezone: "Europe/Berlin",
      state: "ENABLED",
      target: {
        arn: warmerFunction.attrArn,
        deadLetterConfig: {
          arn: warmerFailureQueue.attrArn,
        },
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
      groupName: warmerScheduleGroup.ref,
      scheduleExpression: "cron(0/5 9-13 ? * SAT *)",
      scheduleExpressionTimezone: "Europe/Berlin",
      state: "ENABLED",
      target: {
        arn: warmerFunction.attrArn,
        deadLetterConfig: {
          arn: warmerFailureQueue.attrArn,
        },
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
      groupName: warmerScheduleGroup.ref,
      scheduleExpression: "cron(0/5 0-7,20-23 ? * * *)",
      scheduleExpressionTimezone: "Europe/Berlin",
      state: "ENABLED",
      target: {
        arn: warmerFunction.attrArn,
        deadLetterConfig: {
          arn: warmerFailureQueue.attrArn,
        },
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
      groupName: warmerScheduleGroup.ref,
      scheduleExpression: "cron(0/5 8,14-19 ? * SUN,SAT *)",
      scheduleExpressionTimezone: "Europe/Berlin",
      state: "ENABLED",
      target: {
        arn: warmerFunction.attrArn,
        deadLetterConfig: {
          arn: warmerFailureQueue.attrArn,
        },
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
      groupName: warmerScheduleGroup.ref,
      scheduleExpression: "cron(0/5 9-13 ? * SUN *)",
      scheduleExpressionTimezone: "Europe/Berlin",
      state: "ENABLED",
      target: {
        arn: warmerFunction.attrArn,
        deadLetterConfig: {
          arn: warmerFailureQueue.attrArn,
        },
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
      tags: [
        {
          key: "cost-center",
          value: "42",
        },
        {
          key: "team",
          value: "platform",
        },
      ],
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
      tags: [
        {
          key: "cost-center",
          value: "42",
        },
        {
          key: "team",
          value: "platform",
        },
      ],
      threshold: 1,
      treatMissingData: "notBreaching",
    });
    const reportsScheduleDefault = new scheduler.CfnSchedule(this, 'ReportsScheduleDefault', {
      description: "warmer reports / default (always): arn:aws:lambda:us-east-1:123456789012:function:reports=2",
      flexibleTimeWindow: {
        mode: "OFF",
      },
      groupName: warmerScheduleGroup.ref,
      scheduleExpression: "rate(1 minute)",
      scheduleExpressionTimezone: "UTC",
      state: "ENABLED",
      target: {
        arn: warmerFunction.attrArn,
        deadLetterConfig: {
          arn: warmerFailureQueue.attrArn,
        },
        input: "{\"targets\":[{\"function\":\"arn:aws:lambda:us-east-1:123456789012:function:reports\",\"concurrency\":2,\"delay\":\"auto\",\"mode\":\"verify\"}]}",
        retryPolicy: {
          maximumEventAgeInSeconds: 60,
          maximumRetryAttempts: 0,
        },
        roleArn: warmerSchedulerRole.attrArn,
      },
    });
    const warmerErrorsAlarm = new cloudwatch.CfnAlarm(this, 'WarmerErrorsAlarm', {
      alarmDescription: "warmer: a warmer run failed (crash, timeout, out of memory, or an event refused by its brief)",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      dimensions: [
        {
          name: "FunctionName",
          value: warmerFunction.ref,
        },
      ],
      evaluationPeriods: 1,
      metricName: "Errors",
      namespace: "AWS/Lambda",
      period: 300,
      statistic: "Sum",
      tags: [
        {
          key: "cost-center",
          value: "42",
        },
        {
          key: "team",
          value: "platform",
        },
      ],
      threshold: 1,
      treatMissingData: "notBreaching",
    });
    const warmerThrottlesAlarm = new cloudwatch.CfnAlarm(this, 'WarmerThrottlesAlarm', {
      alarmDescription: "warmer: a warmer run or shard copy was throttled (its reserved concurrency was in use)",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      dimensions: [
        {
          name: "FunctionName",
          value: warmerFunction.ref,
        },
      ],
      evaluationPeriods: 1,
      metricName: "Throttles",
      namespace: "AWS/Lambda",
      period: 300,
      statistic: "Sum",
      tags: [
        {
          key: "cost-center",
          value: "42",
        },
        {
          key: "team",
          value: "platform",
        },
      ],
      threshold: 1,
      treatMissingData: "notBreaching",
    });
    const warmerDestinationFailuresAlarm = new cloudwatch.CfnAlarm(this, 'WarmerDestinationFailuresAlarm', {
      alarmDescription: "warmer: a dropped warmer run could not be written to the failure queue",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      dimensions: [
        {
          name: "FunctionName",
          value: warmerFunction.ref,
        },
      ],
      evaluationPeriods: 1,
      metricName: "DestinationDeliveryFailures",
      namespace: "AWS/Lambda",
      period: 300,
      statistic: "Sum",
      tags: [
        {
          key: "cost-center",
          value: "42",
        },
        {
          key: "team",
          value: "platform",
        },
      ],
      threshold: 1,
      treatMissingData: "notBreaching",
    });
    const warmerSchedulerTargetErrorsAlarm = new cloudwatch.CfnAlarm(this, 'WarmerSchedulerTargetErrorsAlarm', {
      alarmDescription: "warmer: Lambda refused Scheduler's invoke of the warmer (permission, missing function)",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      dimensions: [
        {
          name: "ScheduleGroup",
          value: warmerScheduleGroup.ref,
        },
      ],
      evaluationPeriods: 1,
      metricName: "TargetErrorCount",
      namespace: "AWS/Scheduler",
      period: 300,
      statistic: "Sum",
      tags: [
        {
          key: "cost-center",
          value: "42",
        },
        {
          key: "team",
          value: "platform",
        },
      ],
      threshold: 1,
      treatMissingData: "notBreaching",
    });
    const warmerSchedulerThrottledAlarm = new cloudwatch.CfnAlarm(this, 'WarmerSchedulerThrottledAlarm', {
      alarmDescription: "warmer: Scheduler throttled its invokes of the warmer",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      dimensions: [
        {
          name: "ScheduleGroup",
          value: warmerScheduleGroup.ref,
        },
      ],
      evaluationPeriods: 1,
      metricName: "InvocationThrottleCount",
      namespace: "AWS/Scheduler",
      period: 300,
      statistic: "Sum",
      tags: [
        {
          key: "cost-center",
          value: "42",
        },
        {
          key: "team",
          value: "platform",
        },
      ],
      threshold: 1,
      treatMissingData: "notBreaching",
    });
    const warmerSchedulerDroppedAlarm = new cloudwatch.CfnAlarm(this, 'WarmerSchedulerDroppedAlarm', {
      alarmDescription: "warmer: Scheduler gave up a warmer run (see the failure queue)",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      dimensions: [
        {
          name: "ScheduleGroup",
          value: warmerScheduleGroup.ref,
        },
      ],
      evaluationPeriods: 1,
      metricName: "InvocationDroppedCount",
      namespace: "AWS/Scheduler",
      period: 300,
      statistic: "Sum",
      tags: [
        {
          key: "cost-center",
          value: "42",
        },
        {
          key: "team",
          value: "platform",
        },
      ],
      threshold: 1,
      treatMissingData: "notBreaching",
    });
    const warmerSchedulerDeadLetterFailedAlarm = new cloudwatch.CfnAlarm(this, 'WarmerSchedulerDeadLetterFailedAlarm', {
      alarmDescription: "warmer: Scheduler gave up a warmer run and could not write it to the failure queue",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      dimensions: [
        {
          name: "ScheduleGroup",
          value: warmerScheduleGroup.ref,
        },
      ],
      evaluationPeriods: 1,
      metricName: "InvocationsFailedToBeSentToDeadLetterCount",
      namespace: "AWS/Scheduler",
      period: 300,
      statistic: "Sum",
      tags: [
        {
          key: "cost-center",
          value: "42",
        },
        {
          key: "team",
          value: "platform",
        },
      ],
      threshold: 1,
      treatMissingData: "notBreaching",
    });
    const warmerFailureQueueAlarm = new cloudwatch.CfnAlarm(this, 'WarmerFailureQueueAlarm', {
      alarmDescription: "warmer: a warmer run that never ran is in the failure queue",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      dimensions: [
        {
          name: "QueueName",
          value: warmerFailureQueue.attrQueueName,
        },
      ],
      evaluationPeriods: 1,
      metricName: "ApproximateNumberOfMessagesVisible",
      namespace: "AWS/SQS",
      period: 300,
      statistic: "Maximum",
      tags: [
        {
          key: "cost-center",
          value: "42",
        },
        {
          key: "team",
          value: "platform",
        },
      ],
      threshold: 1,
      treatMissingData: "notBreaching",
    });
    const warmerHeartbeatAlarm = new cloudwatch.CfnAlarm(this, 'WarmerHeartbeatAlarm', {
      alarmDescription: "warmer: the warmer reported no run for longer than its schedules ever leave between runs",
      comparisonOperator: "LessThanThreshold",
      dimensions: [
        {
          name: "Warmer",
          value: warmerFunction.ref,
        },
      ],
      evaluationPeriods: 1,
      metricName: "Runs",
      namespace: "Warmer",
      period: 180,
      statistic: "Sum",
      tags: [
        {
          key: "cost-center",
          value: "42",
        },
        {
          key: "team",
          value: "platform",
        },
      ],
      threshold: 1,
      treatMissingData: "breaching",
    });
    const warmerGuardUnreadableAlarm = new cloudwatch.CfnAlarm(this, 'WarmerGuardUnreadableAlarm', {
      alarmDescription: "warmer: the concurrency guard could not read a limit and warmed unguarded",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      dimensions: [
        {
          name: "Warmer",
          value: warmerFunction.ref,
        },
      ],
      evaluationPeriods: 1,
      metricName: "GuardUnreadable",
      namespace: "Warmer",
      period: 300,
      statistic: "Sum",
      tags: [
        {
          key: "cost-center",
          value: "42",
        },
        {
          key: "team",
          value: "platform",
        },
      ],
      threshold: 1,
      treatMissingData: "notBreaching",
    });
    const warmerRefusedAlarm = new cloudwatch.CfnAlarm(this, 'WarmerRefusedAlarm', {
      alarmDescription: "warmer: an event asked the warmer for more than its brief (WARMER_CONFIG) allows",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      dimensions: [
        {
          name: "Warmer",
          value: warmerFunction.ref,
        },
      ],
      evaluationPeriods: 1,
      metricName: "Refused",
      namespace: "Warmer",
      period: 300,
      statistic: "Sum",
      tags: [
        {
          key: "cost-center",
          value: "42",
        },
        {
          key: "team",
          value: "platform",
        },
      ],
      threshold: 1,
      treatMissingData: "notBreaching",
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
