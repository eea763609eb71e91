'use strict'
// Recognising a warm-up in an invocation's event, as warm-sdk (Rust) does.
//
// The event is the payload as the runtime parsed it. Only top-level keys count: an API
// Gateway event whose `body` is `{"warmer": true}` is user traffic. The flag must be the
// boolean `true`. The payloads of jeremydaly/lambda-warmer, lambda-warmer-py and
// serverless-plugin-warmup (`{"source": "serverless-plugin-warmup"}`) are recognised too. A
// field present but unusable keeps its default and adds a warning.

const { settingsOf } = require('./config')
const { kind, saturatingMs, describe } = require('./values')
const { warning } = require('./warning')

const SERVERLESS_PLUGIN_WARMUP_SOURCE = 'serverless-plugin-warmup'
const MAX_CORRELATION_ID_LEN = 256
const U32_MAX = 2 ** 32 - 1
const EPOCH_MS = 'a whole number of milliseconds since the Unix epoch (the warm-up holds for its `delay` instead)'

const own = (object, key) => Object.prototype.hasOwnProperty.call(object, key)

/**
 * The warm-up `event` is, or `null` for user traffic. Never throws.
 * @param {unknown} event the parsed payload
 * @param {object|undefined} config settings from `warmConfig`, or options for it
 */
function detect (event, config) {
  const settings = settingsOf(config)
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return null
  const key = settings.flagKey
  if (own(event, key) && event[key] === true) return read(event, settings, false)
  if (key !== 'source' && event.source === SERVERLESS_PLUGIN_WARMUP_SOURCE) {
    return read(event, settings, true)
  }
  return null
}

function read (event, config, plugin) {
  // A field named like the flag key is the flag, whatever else it could mean.
  const present = (name) => name !== config.flagKey && own(event, name)
  const first = (names) => {
    const name = names.find(present)
    return name === undefined ? null : [name, event[name]]
  }
  const warnings = []
  const js = present('__WARMER_CORRELATIONID__')
  const py = present('__WARMER_CORRELATION_ID__')
  let dialect = 'warm'
  if (plugin) dialect = 'serverless-plugin-warmup'
  else if (js && !py && !present('delay')) dialect = 'lambda-warmer'
  else if (py && !js && !present('delay')) dialect = 'lambda-warmer-py'
  const positioned = present('index') || present('__WARMER_INVOCATION__')
  const fanOut = present('concurrency') && !positioned ? fanOutOf(event.concurrency) : null
  if (fanOut !== null) warnings.push(warning('fan_out_not_done', { requested: fanOut }))
  const delayMs = present('delay') ? delay(event.delay, config.defaultDelayMs, warnings) : config.defaultDelayMs
  const holdUntilMs = present('hold_until_ms') ? epochMs(event.hold_until_ms, warnings) : null
  const correlation = first(['correlation_id', '__WARMER_CORRELATIONID__', '__WARMER_CORRELATION_ID__'])
  const index = first(['index', '__WARMER_INVOCATION__'])
  const concurrency = first(['__WARMER_CONCURRENCY__', 'concurrency'])
  return {
    dialect,
    delayMs,
    holdUntilMs,
    correlationId: correlation && correlationId(correlation, warnings),
    index: index && count(index, warnings),
    concurrency: concurrency && count(concurrency, warnings),
    fanOut,
    warnings
  }
}

function fanOutOf (value) {
  const [name, n] = kind(value)
  return name === 'u64' && n > 1 ? Math.min(n, U32_MAX) : null
}

function delay (value, defaultMs, warnings) {
  const k = kind(value)
  if (k[0] === 'u64') return k[1]
  if (k[0] === 'f64' && k[1] >= 0) return saturatingMs(k[1])
  warnings.push(warning('invalid_delay', { found: describe(k), defaultMs }))
  return defaultMs
}

function epochMs (value, warnings) {
  const k = kind(value)
  if (k[0] === 'u64') return k[1]
  if (k[0] === 'f64' && k[1] >= 0) return saturatingMs(k[1])
  warnings.push(warning('invalid_field', { field: 'hold_until_ms', found: describe(k), expected: EPOCH_MS }))
  return null
}

function count ([field, value], warnings) {
  const k = kind(value)
  if (k[0] === 'u64' && k[1] <= U32_MAX) return k[1]
  warnings.push(warning('invalid_field', { field, found: describe(k), expected: 'a whole number from 0 to 4294967295' }))
  return null
}

function correlationId ([field, value], warnings) {
  const k = kind(value)
  if (k[0] === 'str' && Buffer.byteLength(k[1], 'utf8') <= MAX_CORRELATION_ID_LEN) return k[1]
  if (k[0] === 'u64' || k[0] === 'i64') return String(k[1])
  warnings.push(warning('invalid_field', { field, found: describe(k), expected: 'a string of at most 256 bytes' }))
  return null
}

module.exports = { detect, SERVERLESS_PLUGIN_WARMUP_SOURCE, MAX_CORRELATION_ID_LEN }
