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
  description = "Path of the zip made by `cargo lambda build --profile deploy --arm64 --output-format zip -p warmer-fn`"
  type        = string
  default     = "target/lambda/warmer-fn/bootstrap.zip"
}

data "aws_partition" "current" {}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

resource "aws_cloudwatch_log_group" "warmer_log_group" {
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = 14
}

resource "aws_iam_role" "warmer_function_role" {
  assume_role_policy = <<-EOT
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
        }
      ],
      "Version": "2012-10-17"
    }
  EOT
}

resource "aws_lambda_function" "warmer_function" {
  function_name                  = var.function_name
  filename                       = var.code_zip
  source_code_hash               = filebase64sha256(var.code_zip)
  architectures                  = ["arm64"]
  description                    = "Warms Lambda environments on a schedule"
  handler                        = "bootstrap"
  memory_size                    = 256
  reserved_concurrent_executions = 2
  role                           = aws_iam_role.warmer_function_role.arn
  runtime                        = "provided.al2023"
  timeout                        = 60
  environment {
    variables = {
      RUST_LOG                 = "info"
      WARMER_METRICS_NAMESPACE = "Warmer"
    }
  }
  logging_config {
    application_log_level = "INFO"
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.warmer_log_group.name
  }
}

resource "aws_lambda_function_event_invoke_config" "warmer_event_invoke_config" {
  function_name                = aws_lambda_function.warmer_function.function_name
  maximum_event_age_in_seconds = 60
  maximum_retry_attempts       = 0
  qualifier                    = "$LATEST"
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
        }
      ],
      "Version": "2012-10-17"
    }
  EOT
}

resource "aws_scheduler_schedule" "api_schedule_business_hours" {
  name                         = "${var.function_name}-api-schedule-business-hours"
  description                  = "warmer api / business-hours (MON-FRI 08:00-20:00): orders:live=100, search=100"
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
    retry_policy {
      maximum_event_age_in_seconds = 60
      maximum_retry_attempts       = 0
    }
  }
}

resource "aws_scheduler_schedule" "api_schedule_saturday_market" {
  name                         = "${var.function_name}-api-schedule-saturday-market"
  description                  = "warmer api / saturday-market (SAT 09:00-14:00): orders:live=40, search=40"
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
    retry_policy {
      maximum_event_age_in_seconds = 60
      maximum_retry_attempts       = 0
    }
  }
}

resource "aws_scheduler_schedule" "api_schedule_default1" {
  name                         = "${var.function_name}-api-schedule-default1"
  description                  = "warmer api / default-1 (daily 00:00-08:00,20:00-24:00): orders:live=10, search=5"
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
    retry_policy {
      maximum_event_age_in_seconds = 60
      maximum_retry_attempts       = 0
    }
  }
}

resource "aws_scheduler_schedule" "api_schedule_default2" {
  name                         = "${var.function_name}-api-schedule-default2"
  description                  = "warmer api / default-2 (SAT,SUN 08:00-09:00,14:00-20:00): orders:live=10, search=5"
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
    retry_policy {
      maximum_event_age_in_seconds = 60
      maximum_retry_attempts       = 0
    }
  }
}

resource "aws_scheduler_schedule" "api_schedule_default3" {
  name                         = "${var.function_name}-api-schedule-default3"
  description                  = "warmer api / default-3 (SUN 09:00-14:00): orders:live=10, search=5"
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
  threshold           = 1
  treat_missing_data  = "notBreaching"
  dimensions          = {
    FunctionName = "search"
  }
}

resource "aws_scheduler_schedule" "reports_schedule_default" {
  name                         = "${var.function_name}-reports-schedule-default"
  description                  = "warmer reports / default (always): arn:aws:lambda:us-east-1:123456789012:function:reports=2"
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
    retry_policy {
      maximum_event_age_in_seconds = 60
      maximum_retry_attempts       = 0
    }
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
