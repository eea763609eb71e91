// The ES module entry point: the same exports as the CommonJS one (index.js).
import warm from './index.js'

export const {
  warmable,
  detect,
  holdFor,
  effectiveDelayMs,
  warmConfig,
  Environment,
  currentEnvironment,
  resetEnvironment,
  DEFAULT_FLAG_KEY,
  DEFAULT_DELAY_MS,
  DEFAULT_MAX_DELAY_MS,
  DEFAULT_DEADLINE_MARGIN_MS,
  SERVERLESS_PLUGIN_WARMUP_SOURCE,
  MAX_CORRELATION_ID_LEN,
  WARMUP_LOG_MESSAGE,
  LOG_FORMAT_ENV
} = warm
export default warm
