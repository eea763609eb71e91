'use strict'
// The warm-up's log line, shaped as warm-sdk (Rust) writes it, to standard error: JSON when
// AWS_LAMBDA_LOG_FORMAT is JSON (any case), `{"timestamp", "level", "fields": {"message",
// ...}}`, so one Logs Insights query (`filter fields.message = "warm-up answered"`) counts
// every runtime; text otherwise, `TIMESTAMP LEVEL message key=value ...`. A field without a
// value is left out. With the JSON log format, Lambda reads the line's `level` and RFC 3339
// `timestamp` for log-level filtering (JSON objects on stdout or stderr with a "level" key,
// https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html).

const LOG_FORMAT_ENV = 'AWS_LAMBDA_LOG_FORMAT'

function jsonFormat () {
  return (process.env[LOG_FORMAT_ENV] || '').toLowerCase() === 'json'
}

function formatLine (level, message, fields, asJson, nowMs) {
  const present = fields.filter(([, value]) => value !== null && value !== undefined)
  const timestamp = new Date(nowMs).toISOString()
  if (asJson) {
    const nested = Object.fromEntries([['message', message], ...present])
    return JSON.stringify({ timestamp, level, fields: nested })
  }
  const parts = present.map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
  return [`${timestamp} ${level} ${message}`, ...parts].join(' ')
}

/** Writes one line; a failed write is ignored (the warm-up is answered regardless). */
function writeLine (level, message, fields, nowMs = Date.now()) {
  try {
    process.stderr.write(formatLine(level, message, fields, jsonFormat(), nowMs) + '\n')
  } catch {}
}

module.exports = { LOG_FORMAT_ENV, formatLine, writeLine }
