'use strict'
// Warm-up handlers for AWS Lambda functions in Node.js: answer a warmer with proof of which
// execution environment answered, and pass every other event to the handler unchanged. One
// protocol with warm-sdk (Rust) and warm-sdk-python: the same payloads are warm-ups, the
// same answer and the same log line come back. See README.md.

const config = require('./lib/config')
const { detect, SERVERLESS_PLUGIN_WARMUP_SOURCE, MAX_CORRELATION_ID_LEN } = require('./lib/detect')
const { WARMUP_LOG_MESSAGE, answer, effectiveDelayMs, holdFor } = require('./lib/answer')
const { Environment, currentEnvironment, resetEnvironment } = require('./lib/environment')
const { LOG_FORMAT_ENV } = require('./lib/log')

/**
 * Wraps an `async (event, context)` handler: a warm-up is answered here (the handler never
 * runs), every other event reaches the handler unchanged. Every invocation is counted, so
 * the answer's `invocations` and `cold` are right.
 */
function warmable (handler, options) {
  if (typeof handler !== 'function') {
    throw new TypeError(`warmable(handler) needs the handler function, got ${typeof handler}: write exports.handler = warmable(async (event, context) => ...)`)
  }
  const settings = config.warmConfig(options)
  return async function warmed (event, context) {
    const environment = currentEnvironment()
    const invocation = environment.beginInvocation((context && context.awsRequestId) || '')
    const warmup = detect(event, settings)
    if (warmup === null) return handler(event, context)
    return answer(warmup, invocation, context, settings, environment)
  }
}

module.exports = {
  warmable,
  detect,
  holdFor,
  effectiveDelayMs,
  warmConfig: config.warmConfig,
  Environment,
  currentEnvironment,
  resetEnvironment,
  DEFAULT_FLAG_KEY: config.DEFAULT_FLAG_KEY,
  DEFAULT_DELAY_MS: config.DEFAULT_DELAY_MS,
  DEFAULT_MAX_DELAY_MS: config.DEFAULT_MAX_DELAY_MS,
  DEFAULT_DEADLINE_MARGIN_MS: config.DEFAULT_DEADLINE_MARGIN_MS,
  SERVERLESS_PLUGIN_WARMUP_SOURCE,
  MAX_CORRELATION_ID_LEN,
  WARMUP_LOG_MESSAGE,
  LOG_FORMAT_ENV
}
// `import warm from 'warm-sdk'` compiled to CommonJS reads `.default`.
module.exports.default = module.exports
