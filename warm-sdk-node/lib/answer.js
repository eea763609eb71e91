'use strict'
// Answering a warm-up: hold for the capped delay, log one line, build the answer. The hold
// is the requested delay capped by maxDelayMs and by the time left before the invocation's
// deadline minus deadlineMarginMs; a warm-up naming `hold_until_ms` holds until that instant
// instead, never negative and never longer than that cap.

const { writeLine } = require('./log')

const WARMUP_LOG_MESSAGE = 'warm-up answered'

function effectiveDelayMs (requestedMs, config, deadlineMs, nowMs) {
  const left = Math.max(0, Math.max(0, deadlineMs - nowMs) - config.deadlineMarginMs)
  return Math.min(requestedMs, config.maxDelayMs, left)
}

function holdFor (warmup, config, deadlineMs, nowMs) {
  const bound = effectiveDelayMs(warmup.delayMs, config, deadlineMs, nowMs)
  if (warmup.holdUntilMs === null) return bound
  return Math.min(Math.max(0, warmup.holdUntilMs - nowMs), bound)
}

function deadlineOf (context, nowMs) {
  if (context && typeof context.getRemainingTimeInMillis === 'function') {
    return nowMs + Number(context.getRemainingTimeInMillis())
  }
  // No Lambda context (a plain call): nothing but the maximum bounds the hold.
  return Infinity
}

const env = (name) => process.env[name] || ''

/** Holds, logs the warm-up and resolves to the answer (warm-sdk's `WarmupResponse`). */
async function answer (warmup, invocation, context, config, environment) {
  environment.held += 1
  const concurrent = environment.held > 1 ? environment.held : null
  try {
    const nowMs = Date.now()
    const delay = holdFor(warmup, config, deadlineOf(context, nowMs), nowMs)
    const requestId = context && context.awsRequestId
    for (const w of warmup.warnings) {
      writeLine('WARN', w.message, [['request_id', requestId], ['instance', environment.instance]], nowMs)
    }
    writeLine('INFO', WARMUP_LOG_MESSAGE, logFields(warmup, invocation, environment, requestId, delay, concurrent), nowMs)
    const started = process.hrtime.bigint()
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
    const heldMs = Number((process.hrtime.bigint() - started) / 1000000n)
    return response(warmup, invocation, environment, heldMs, concurrent, nowMs)
  } finally {
    environment.held -= 1
  }
}

function logFields (warmup, invocation, environment, requestId, delay, concurrent) {
  return [
    ['request_id', requestId],
    ['function', env('AWS_LAMBDA_FUNCTION_NAME')],
    ['version', env('AWS_LAMBDA_FUNCTION_VERSION')],
    ['log_stream', env('AWS_LAMBDA_LOG_STREAM_NAME')],
    ['instance', environment.instance],
    ['init_type', environment.initType],
    ['cold', invocation.cold],
    ['invocations', invocation.number],
    ['delay_ms', delay],
    ['requested_delay_ms', warmup.delayMs],
    ['dialect', warmup.dialect],
    ['max_concurrency', environment.maxConcurrency],
    ['concurrent_warm_ups', concurrent],
    ['correlation_id', warmup.correlationId],
    ['index', warmup.index],
    ['fan_out_requested', warmup.fanOut]
  ]
}

function response (warmup, invocation, environment, heldMs, concurrent, receivedAtMs) {
  const entries = [
    ['warmed', true],
    ['function', env('AWS_LAMBDA_FUNCTION_NAME')],
    ['version', env('AWS_LAMBDA_FUNCTION_VERSION')],
    ['log_stream', env('AWS_LAMBDA_LOG_STREAM_NAME')],
    ['instance', environment.instance],
    ['cold', invocation.cold],
    ['invocations', invocation.number],
    ['delay_ms', heldMs],
    ['correlation_id', warmup.correlationId],
    ['index', warmup.index],
    ['max_concurrency', environment.maxConcurrency],
    ['concurrent_warm_ups', concurrent],
    ['init_type', environment.initType],
    ['fan_out_requested', warmup.fanOut],
    ['received_at_ms', receivedAtMs]
  ]
  return Object.fromEntries(entries.filter(([, value]) => value !== null && value !== undefined))
}

module.exports = { WARMUP_LOG_MESSAGE, answer, effectiveDelayMs, holdFor }
