# Keeps Lambda functions warm on a schedule: rendered by `warmer render terraform` from
# warmer.toml. The same resources as `warmer render sam` and `warmer render cloudformation`;
# see docs/deploy.md.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
    }
  }
}

variable "function_name" {
  description = "Name of the warmer function; its log group, schedules and alarms are named after it"
  type        = string
  default     = "warmer"
}

variable "code_zip" {
  description = "Path of the zip made by `cargo lambda build --profile deploy --x86-64 --output-format zip -p warmer-fn`"
  type        = string
  default     = "target/lambda/warmer-fn/bootstrap.zip"
}

data "aws_partition" "current" {}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

resource "aws_cloudwatch_log_group" "warmer_log_group" {
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = 14
  tags              = {
    cost-center = "42"
    team        = "platform"
  }
}

resource "aws_sqs_queue" "warmer_failure_queue" {
  name                      = "${var.function_name}-failures"
  sqs_managed_sse_enabled   = true
  tags                      = {
    cost-center = "42"
    team        = "platform"
  }
  message_retention_seconds = 1209600
}

resource "aws_iam_role" "warmer_function_role" {
  assume_role_policy   = <<-EOT
    {
      "Statement": [
        {
          "Action": "sts:AssumeRole",
          "Effect": "Allow",
          "Principal": {
            "Service": "lambda.amazonaws.com"
          }
        }
      ],
      "Version": "2012-10-17"
    }
  EOT
  permissions_boundary = "arn:aws:iam::123456789012:policy/warmer-boundary"
  tags                 = {
    cost-center = "42"
    team        = "platform"
  }
}

resource "aws_iam_role_policy" "warmer_function_role_warmer_targets" {
  name   = "warmer-targets"
  role   = aws_iam_role.warmer_function_role.id
  policy = <<-EOT
    {
      "Statement": [
        {
          "Action": [
            "logs:CreateLogStream",
            "logs:PutLogEvents"
          ],
          "Effect": "Allow",
          "Resource": "${aws_cloudwatch_log_group.warmer_log_group.arn}:*",
          "Sid": "WriteOwnLogs"
        },
        {
          "Action": "lambda:InvokeFunction",
          "Effect": "Allow",
          "Resource": [
            "arn:${data.aws_partition.current.partition}:lambda:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:function:orders:live",
            "arn:${data.aws_partition.current.partition}:lambda:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:function:search",
            "arn:aws:lambda:us-east-1:123456789012:function:reports"
          ],
          "Sid": "InvokeTargets"
        },
        {
          "Action": "lambda:GetFunctionConcurrency",
          "Effect": "Allow",
          "Resource": [
            "arn:${data.aws_partition.current.partition}:lambda:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:function:orders",
            "arn:${data.aws_partition.current.partition}:lambda:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:function:search",
            "arn:aws:lambda:us-east-1:123456789012:function:reports"
          ],
          "Sid": "ReadTargetConcurrency"
        },
        {
          "Action": "lambda:GetAccountSettings",
          "Effect": "Allow",
          "Resource": "*",
          "Sid": "ReadAccountConcurrency"
        },
        {
          "Action": "sqs:SendMessage",
          "Effect": "Allow",
          "Resource": "${aws_sqs_queue.warmer_failure_queue.arn}",
          "Sid": "SendLostRunsToFailureQueue"
        }
      ],
      "Version": "2012-10-17"
    }
  EOT
}

resource "aws_iam_role_policy_attachment" "warmer_function_role_awslambda_vpcaccess_execution_role" {
  role       = aws_iam_role.warmer_function_role.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

resource "aws_iam_role_policy_attachment" "warmer_function_role_awsxray_daemon_write_access" {
  role       = aws_iam_role.warmer_function_role.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AWSXRayDaemonWriteAccess"
}

resource "aws_lambda_function" "warmer_function" {
  function_name                  = var.function_name
  filename                       = var.code_zip
  source_code_hash               = filebase64sha256(var.code_zip)
  architectures                  = ["x86_64"]
  description                    = "Warms Lambda environments on a schedule"
  handler                        = "bootstrap"
  memory_size                    = 256
  reserved_concurrent_executions = 2
  role                           = aws_iam_role.warmer_function_role.arn
  runtime                        = "provided.al2023"
  tags                           = {
    cost-center = "42"
    team        = "platform"
  }
  timeout                        = 60
  environment {
    variables = {
      RUST_LOG                 = "info"
      WARMER_CONFIG            = "{\"targets\":[{\"function\":\"orders\",\"qualifier\":\"live\",\"concurrency\":100,\"delay\":\"auto\",\"mode\":\"verify\",\"max_share\":0.5},{\"function\":\"search\",\"concurrency\":100,\"delay\":300,\"mode\":\"verify\",\"payload\":{\"source\":\"warmer\"},\"max_share\":0.8},{\"function\":\"arn:aws:lambda:us-east-1:123456789012:function:reports\",\"concurrency\":2,\"delay\":\"auto\",\"mode\":\"verify\"}],\"max_share\":0.8}"
      WARMER_METRICS_NAMESPACE = "Warmer"
    }
  }
  logging_config {
    application_log_level = "INFO"
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.warmer_log_group.name
  }
  tracing_config {
    mode = "Active"
  }
  vpc_config {
    security_group_ids = ["sg-0123456789abcdef0"]
    subnet_ids         = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
  }
}

resource "aws_lambda_function_event_invoke_config" "warmer_event_invoke_config" {
  function_name                = aws_lambda_function.warmer_function.function_name
  maximum_event_age_in_seconds = 60
  maximum_retry_attempts       = 0
  qualifier                    = "$LATEST"
  destination_config {
    on_failure {
      destination = aws_sqs_queue.warmer_failure_queue.arn
    }
  }
}

resource "aws_iam_role" "warmer_scheduler_role" {
  assume_role_policy = <<-EOT
    {
      "Statement": [
        {
          "Action": "sts:AssumeRole",
          "Condition": {
            "StringEquals": {
              "aws:SourceAccount": "${data.aws_caller_identity.current.account_id}"
            }
          },
          "Effect": "Allow",
          "Principal": {
            "Service": "scheduler.amazonaws.com"
          }
        }
      ],
      "Version": "2012-10-17"
    }
  EOT
  tags               = {
    cost-center = "42"
    team        = "platform"
  }
}

resource "aws_iam_role_policy" "warmer_scheduler_role_invoke_warmer" {
  name   = "invoke-warmer"
  role   = aws_iam_role.warmer_scheduler_role.id
  policy = <<-EOT
    {
      "Statement": [
        {
          "Action": "lambda:InvokeFunction",
          "Effect": "Allow",
          "Resource": "${aws_lambda_function.warmer_function.arn}",
          "Sid": "InvokeWarmer"
        },
        {
          "Action": "sqs:SendMessage",
          "Effect": "Allow",
          "Resource": "${aws_sqs_queue.warmer_failure_queue.arn}",
          "Sid": "SendLostRunsToFailureQueue"
        }
      ],
      "Version": "2012-10-17"
    }
  EOT
}

resource "aws_scheduler_schedule_group" "warmer_schedule_group" {
  name = var.function_name
  tags = {
    cost-center = "42"
    team        = "platform"
  }
}

resource "aws_scheduler_schedule" "api_schedule_business_hours" {
  name                         = "${var.function_name}-api-schedule-business-hours"
  description                  = "warmer api / business-hours (MON-FRI 08:00-20:00): orders:live=100, search=100"
  group_name                   = aws_scheduler_schedule_group.warmer_schedule_group.name
  schedule_expression          = "cron(0/5 8-19 ? * MON-FRI *)"
  schedule_expression_timezone = "Europe/Berlin"
  state                        = "ENABLED"
  flexible_time_window {
    mode = "OFF"
  }
  target {
    arn      = aws_lambda_function.warmer_function.arn
    input    = <<-EOT
      {"targets":[{"function":"orders","qualifier":"live","concurrency":100,"delay":"auto","mode":"verify","max_share":0.5},{"function":"search","concurrency":100,"delay":300,"mode":"verify","payload":{"source":"warmer"},"max_share":0.8}]}
    EOT
    role_arn = aws_iam_role.warmer_scheduler_role.arn
    dead_letter_config {
      arn = aws_sqs_queue.warmer_failure_queue.arn
    }
    retry_policy {
      maximum_event_age_in_seconds = 60
      maximum_retry_attempts       = 0
    }
  }
}

resource "aws_scheduler_schedule" "api_schedule_saturday_market" {
  name                         = "${var.function_name}-api-schedule-saturday-market"
  description                  = "warmer api / saturday-market (SAT 09:00-14:00): orders:live=40, search=40"
  group_name                   = aws_scheduler_schedule_group.warmer_schedule_group.name
  schedule_expression          = "cron(0/5 9-13 ? * SAT *)"
  schedule_expression_timezone = "Europe/Berlin"
  state                        = "ENABLED"
  flexible_time_window {
    mode = "OFF"
  }
  target {
    arn      = aws_lambda_function.warmer_function.arn
    input    = <<-EOT
      {"targets":[{"function":"orders","qualifier":"live","concurrency":40,"delay":"auto","mode":"verify","max_share":0.5},{"function":"search","concurrency":40,"delay":300,"mode":"verify","payload":{"source":"warmer"},"max_share":0.8}]}
    EOT
    role_arn = aws_iam_role.warmer_scheduler_role.arn
    dead_letter_config {
      arn = aws_sqs_queue.warmer_failure_queue.arn
    }
    retry_policy {
      maximum_event_age_in_seconds = 60
      maximum_retry_attempts       = 0
    }
  }
}

resource "aws_scheduler_schedule" "api_schedule_default1" {
  name                         = "${var.function_name}-api-schedule-default1"
  description                  = "warmer api / default-1 (daily 00:00-08:00,20:00-24:00): orders:live=10, search=5"
  group_name                   = aws_scheduler_schedule_group.warmer_schedule_group.name
  schedule_expression          = "cron(0/5 0-7,20-23 ? * * *)"
  schedule_expression_timezone = "Europe/Berlin"
  state                        = "ENABLED"
  flexible_time_window {
    mode = "OFF"
  }
  target {
    arn      = aws_lambda_function.warmer_function.arn
    input    = <<-EOT
      {"targets":[{"function":"orders","qualifier":"live","concurrency":10,"delay":"auto","mode":"verify","max_share":0.5},{"function":"search","concurrency":5,"delay":300,"mode":"verify","payload":{"source":"warmer"},"max_share":0.8}]}
    EOT
    role_arn = aws_iam_role.warmer_scheduler_role.arn
    dead_letter_config {
      arn = aws_sqs_queue.warmer_failure_queue.arn
    }
    retry_policy {
      maximum_event_age_in_seconds = 60
      maximum_retry_attempts       = 0
    }
  }
}

resource "aws_scheduler_schedule" "api_schedule_default2" {
  name                         = "${var.function_name}-api-schedule-default2"
  description                  = "warmer api / default-2 (SAT,SUN 08:00-09:00,14:00-20:00): orders:live=10, search=5"
  group_name                   = aws_scheduler_schedule_group.warmer_schedule_group.name
  schedule_expression          = "cron(0/5 8,14-19 ? * SUN,SAT *)"
  schedule_expression_timezone = "Europe/Berlin"
  state                        = "ENABLED"
  flexible_time_window {
    mode = "OFF"
  }
  target {
    arn      = aws_lambda_function.warmer_function.arn
    input    = <<-EOT
      {"targets":[{"function":"orders","qualifier":"live","concurrency":10,"delay":"auto","mode":"verify","max_share":0.5},{"function":"search","concurrency":5,"delay":300,"mode":"verify","payload":{"source":"warmer"},"max_share":0.8}]}
    EOT
    role_arn = aws_iam_role.warmer_scheduler_role.arn
    dead_letter_config {
      arn = aws_sqs_queue.warmer_failure_queue.arn
    }
    retry_policy {
      maximum_event_age_in_seconds = 60
      maximum_retry_attempts       = 0
    }
  }
}

resource "aws_scheduler_schedule" "api_schedule_default3" {
  name                         = "${var.function_name}-api-schedule-default3"
  description                  = "warmer api / default-3 (SUN 09:00-14:00): orders:live=10, search=5"
  group_name                   = aws_scheduler_schedule_group.warmer_schedule_group.name
  schedule_expression          = "cron(0/5 9-13 ? * SUN *)"
  schedule_expression_timezone = "Europe/Berlin"
  state                        = "ENABLED"
  flexible_time_window {
    mode = "OFF"
  }
  target {
    arn      = aws_lambda_function.warmer_function.arn
    input    = <<-EOT
      {"targets":[{"function":"orders","qualifier":"live","concurrency":10,"delay":"auto","mode":"verify","max_share":0.5},{"function":"search","concurrency":5,"delay":300,"mode":"verify","payload":{"source":"warmer"},"max_share":0.8}]}
    EOT
    role_arn = aws_iam_role.warmer_scheduler_role.arn
    dead_letter_config {
      arn = aws_sqs_queue.warmer_failure_queue.arn
    }
    retry_policy {
      maximum_event_age_in_seconds = 60
      maximum_retry_attempts       = 0
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "api_shortfall_orders_live" {
  alarm_name          = "${var.function_name}-api-shortfall-orders-live"
  alarm_description   = "warmer api, target orders:live: fewer environments were warmed than requested"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 2
  metric_name         = "Shortfall"
  namespace           = "Warmer"
  period              = 300
  statistic           = "Maximum"
  tags                = {
    cost-center = "42"
    team        = "platform"
  }
  threshold           = 1
  treat_missing_data  = "notBreaching"
  dimensions          = {
    FunctionName = "orders:live"
  }
}

resource "aws_cloudwatch_metric_alarm" "api_shortfall_search" {
  alarm_name          = "${var.function_name}-api-shortfall-search"
  alarm_description   = "warmer api, target search: fewer environments were warmed than requested"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 2
  metric_name         = "Shortfall"
  namespace           = "Warmer"
  period              = 300
  statistic           = "Maximum"
  tags                = {
    cost-center = "42"
    team        = "platform"
  }
  threshold           = 1
  treat_missing_data  = "notBreaching"
  dimensions          = {
    FunctionName = "search"
  }
}

resource "aws_scheduler_schedule" "reports_schedule_default" {
  name                         = "${var.function_name}-reports-schedule-default"
  description                  = "warmer reports / default (always): arn:aws:lambda:us-east-1:123456789012:function:reports=2"
  group_name                   = aws_scheduler_schedule_group.warmer_schedule_group.name
  schedule_expression          = "rate(1 minute)"
  schedule_expression_timezone = "UTC"
  state                        = "ENABLED"
  flexible_time_window {
    mode = "OFF"
  }
  target {
    arn      = aws_lambda_function.warmer_function.arn
    input    = <<-EOT
      {"targets":[{"function":"arn:aws:lambda:us-east-1:123456789012:function:reports","concurrency":2,"delay":"auto","mode":"verify"}]}
    EOT
    role_arn = aws_iam_role.warmer_scheduler_role.arn
    dead_letter_config {
      arn = aws_sqs_queue.warmer_failure_queue.arn
    }
    retry_policy {
      maximum_event_age_in_seconds = 60
      maximum_retry_attempts       = 0
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "warmer_errors_alarm" {
  alarm_name          = "${var.function_name}-warmer-errors-alarm"
  alarm_description   = "warmer: a warmer run failed (crash, timeout, out of memory, or an event refused by its brief)"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 1
  metric_name         = "Errors"
  namespace           = "AWS/Lambda"
  period              = 300
  statistic           = "Sum"
  tags                = {
    cost-center = "42"
    team        = "platform"
  }
  threshold           = 1
  treat_missing_data  = "notBreaching"
  dimensions          = {
    FunctionName = aws_lambda_function.warmer_function.function_name
  }
}

resource "aws_cloudwatch_metric_alarm" "warmer_throttles_alarm" {
  alarm_name          = "${var.function_name}-warmer-throttles-alarm"
  alarm_description   = "warmer: a warmer run or shard copy was throttled (its reserved concurrency was in use)"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 1
  metric_name         = "Throttles"
  namespace           = "AWS/Lambda"
  period              = 300
  statistic           = "Sum"
  tags                = {
    cost-center = "42"
    team        = "platform"
  }
  threshold           = 1
  treat_missing_data  = "notBreaching"
  dimensions          = {
    FunctionName = aws_lambda_function.warmer_function.function_name
  }
}

resource "aws_cloudwatch_metric_alarm" "warmer_destination_failures_alarm" {
  alarm_name          = "${var.function_name}-warmer-destination-failures-alarm"
  alarm_description   = "warmer: a dropped warmer run could not be written to the failure queue"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 1
  metric_name         = "DestinationDeliveryFailures"
  namespace           = "AWS/Lambda"
  period              = 300
  statistic           = "Sum"
  tags                = {
    cost-center = "42"
    team        = "platform"
  }
  threshold           = 1
  treat_missing_data  = "notBreaching"
  dimensions          = {
    FunctionName = aws_lambda_function.warmer_function.function_name
  }
}

resource "aws_cloudwatch_metric_alarm" "warmer_scheduler_target_errors_alarm" {
  alarm_name          = "${var.function_name}-warmer-scheduler-target-errors-alarm"
  alarm_description   = "warmer: Lambda refused Scheduler's invoke of the warmer (permission, missing function)"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 1
  metric_name         = "TargetErrorCount"
  namespace           = "AWS/Scheduler"
  period              = 300
  statistic           = "Sum"
  tags                = {
    cost-center = "42"
    team        = "platform"
  }
  threshold           = 1
  treat_missing_data  = "notBreaching"
  dimensions          = {
    ScheduleGroup = aws_scheduler_schedule_group.warmer_schedule_group.name
  }
}

resource "aws_cloudwatch_metric_alarm" "warmer_scheduler_throttled_alarm" {
  alarm_name          = "${var.function_name}-warmer-scheduler-throttled-alarm"
  alarm_description   = "warmer: Scheduler throttled its invokes of the warmer"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 1
  metric_name         = "InvocationThrottleCount"
  namespace           = "AWS/Scheduler"
  period              = 300
  statistic           = "Sum"
  tags                = {
    cost-center = "42"
    team        = "platform"
  }
  threshold           = 1
  treat_missing_data  = "notBreaching"
  dimensions          = {
    ScheduleGroup = aws_scheduler_schedule_group.warmer_schedule_group.name
  }
}

resource "aws_cloudwatch_metric_alarm" "warmer_scheduler_dropped_alarm" {
  alarm_name          = "${var.function_name}-warmer-scheduler-dropped-alarm"
  alarm_description   = "warmer: Scheduler gave up a warmer run (see the failure queue)"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 1
  metric_name         = "InvocationDroppedCount"
  namespace           = "AWS/Scheduler"
  period              = 300
  statistic           = "Sum"
  tags                = {
    cost-center = "42"
    team        = "platform"
  }
  threshold           = 1
  treat_missing_data  = "notBreaching"
  dimensions          = {
    ScheduleGroup = aws_scheduler_schedule_group.warmer_schedule_group.name
  }
}

resource "aws_cloudwatch_metric_alarm" "warmer_scheduler_dead_letter_failed_alarm" {
  alarm_name          = "${var.function_name}-warmer-scheduler-dead-letter-failed-alarm"
  alarm_description   = "warmer: Scheduler gave up a warmer run and could not write it to the failure queue"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 1
  metric_name         = "InvocationsFailedToBeSentToDeadLetterCount"
  namespace           = "AWS/Scheduler"
  period              = 300
  statistic           = "Sum"
  tags                = {
    cost-center = "42"
    team        = "platform"
  }
  threshold           = 1
  treat_missing_data  = "notBreaching"
  dimensions          = {
    ScheduleGroup = aws_scheduler_schedule_group.warmer_schedule_group.name
  }
}

resource "aws_cloudwatch_metric_alarm" "warmer_failure_queue_alarm" {
  alarm_name          = "${var.function_name}-warmer-failure-queue-alarm"
  alarm_description   = "warmer: a warmer run that never ran is in the failure queue"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 1
  metric_name         = "ApproximateNumberOfMessagesVisible"
  namespace           = "AWS/SQS"
  period              = 300
  statistic           = "Maximum"
  tags                = {
    cost-center = "42"
    team        = "platform"
  }
  threshold           = 1
  treat_missing_data  = "notBreaching"
  dimensions          = {
    QueueName = aws_sqs_queue.warmer_failure_queue.name
  }
}

resource "aws_cloudwatch_metric_alarm" "warmer_heartbeat_alarm" {
  alarm_name          = "${var.function_name}-warmer-heartbeat-alarm"
  alarm_description   = "warmer: the warmer reported no run for longer than its schedules ever leave between runs"
  comparison_operator = "LessThanThreshold"
  evaluation_periods  = 1
  metric_name         = "Runs"
  namespace           = "Warmer"
  period              = 180
  statistic           = "Sum"
  tags                = {
    cost-center = "42"
    team        = "platform"
  }
  threshold           = 1
  treat_missing_data  = "breaching"
  dimensions          = {
    Warmer = aws_lambda_function.warmer_function.function_name
  }
}

resource "aws_cloudwatch_metric_alarm" "warmer_guard_unreadable_alarm" {
  alarm_name          = "${var.function_name}-warmer-guard-unreadable-alarm"
  alarm_description   = "warmer: the concurrency guard could not read a limit and warmed unguarded"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 1
  metric_name         = "GuardUnreadable"
  namespace           = "Warmer"
  period              = 300
  statistic           = "Sum"
  tags                = {
    cost-center = "42"
    team        = "platform"
  }
  threshold           = 1
  treat_missing_data  = "notBreaching"
  dimensions          = {
    Warmer = aws_lambda_function.warmer_function.function_name
  }
}

resource "aws_cloudwatch_metric_alarm" "warmer_refused_alarm" {
  alarm_name          = "${var.function_name}-warmer-refused-alarm"
  alarm_description   = "warmer: an event asked the warmer for more than its brief (WARMER_CONFIG) allows"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 1
  metric_name         = "Refused"
  namespace           = "Warmer"
  period              = 300
  statistic           = "Sum"
  tags                = {
    cost-center = "42"
    team        = "platform"
  }
  threshold           = 1
  treat_missing_data  = "notBreaching"
  dimensions          = {
    Warmer = aws_lambda_function.warmer_function.function_name
  }
}

output "warmer_function_name" {
  description = "The warmer function"
  value       = aws_lambda_function.warmer_function.function_name
}

output "warmer_function_arn" {
  description = "The warmer function's ARN"
  value       = aws_lambda_function.warmer_function.arn
}

output "warmer_log_group_name" {
  description = "The warmer's log group"
  value       = aws_cloudwatch_log_group.warmer_log_group.name
}
