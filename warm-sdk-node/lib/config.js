'use strict'
// How warm-ups are recognised and how long they may hold; the defaults are warm-sdk's.

const DEFAULT_FLAG_KEY = 'warmer'
const DEFAULT_DELAY_MS = 75
const DEFAULT_MAX_DELAY_MS = 10000
const DEFAULT_DEADLINE_MARGIN_MS = 200

// The settings objects `warmConfig` made, already checked.
const MADE = new WeakSet()

const DEFAULTS = {
  flagKey: DEFAULT_FLAG_KEY,
  defaultDelayMs: DEFAULT_DELAY_MS,
  maxDelayMs: DEFAULT_MAX_DELAY_MS,
  deadlineMarginMs: DEFAULT_DEADLINE_MARGIN_MS
}

/**
 * The settings with defaults filled in; throws a TypeError naming a bad field and the fix.
 * @param {object} [options] flagKey, defaultDelayMs, maxDelayMs, deadlineMarginMs
 */
function warmConfig (options = {}) {
  const config = { ...DEFAULTS }
  for (const [key, value] of Object.entries(options || {})) {
    if (!(key in DEFAULTS)) {
      throw new TypeError(`warm config has no setting \`${key}\`: use one of ${Object.keys(DEFAULTS).join(', ')}`)
    }
    if (value !== undefined) config[key] = value
  }
  if (typeof config.flagKey !== 'string' || config.flagKey === '') {
    throw new TypeError(`warm config \`flagKey\` is ${JSON.stringify(config.flagKey)}: give a non-empty string (e.g. flagKey: 'warmer')`)
  }
  for (const key of ['defaultDelayMs', 'maxDelayMs', 'deadlineMarginMs']) {
    const value = config[key]
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new TypeError(`warm config \`${key}\` is ${JSON.stringify(value)}: give a whole number of milliseconds, 0 or more (e.g. ${key}: ${DEFAULTS[key]})`)
    }
  }
  const frozen = Object.freeze(config)
  MADE.add(frozen)
  return frozen
}

/** `config` as `warmConfig` made it, or made from `config` as options. */
function settingsOf (config) {
  return MADE.has(config) ? config : warmConfig(config)
}

module.exports = {
  DEFAULT_FLAG_KEY,
  DEFAULT_DELAY_MS,
  DEFAULT_MAX_DELAY_MS,
  DEFAULT_DEADLINE_MARGIN_MS,
  warmConfig,
  settingsOf
}
