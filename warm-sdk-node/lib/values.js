'use strict'
// A parsed JSON value seen as warm-sdk (Rust) sees it: which kind of number, which string.
// JavaScript numbers do not keep how a number was written (3 and 3.0 are one value), so a
// whole number is read as an integer, as Rust reads `3`.

const U64_END = 2 ** 64
const I64_START = -(2 ** 63)
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** [kind, value]: kind is null, bool, u64, i64, f64, str, array, object or unrepresentable. */
function kind (value) {
  if (value === null) return ['null', null]
  if (typeof value === 'boolean') return ['bool', value]
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return ['unrepresentable', value]
    if (Number.isInteger(value) && value >= 0 && value < U64_END) return ['u64', value]
    if (Number.isInteger(value) && value < 0 && value >= I64_START) return ['i64', value]
    return ['f64', value]
  }
  if (typeof value === 'string') {
    return LONE_SURROGATE.test(value) ? ['unrepresentable', value] : ['str', value]
  }
  if (Array.isArray(value)) return ['array', null]
  if (typeof value === 'object') return ['object', null]
  return ['unrepresentable', value]
}

/** A non-negative number of milliseconds rounded down, at most 2^64 - 1. */
function saturatingMs (value) {
  return Math.min(Math.floor(value), U64_END - 1)
}

/** A short description for warnings: `the string "soon"`, `-5`, `an array`. */
function describe ([name, value]) {
  switch (name) {
    case 'null': return 'null'
    case 'bool': return String(value)
    case 'u64': case 'i64': case 'f64': return String(value)
    case 'str': {
      const size = Buffer.byteLength(value, 'utf8')
      if (size <= 40) return `the string ${JSON.stringify(value)}`
      const start = Buffer.from(value, 'utf8').subarray(0, 40).toString('utf8').replace(/\uFFFD$/, '')
      return `a string of ${size} bytes starting ${JSON.stringify(start)}`
    }
    case 'array': return 'an array'
    case 'object': return 'an object'
    default:
      return typeof value === 'string'
        ? 'a string with a lone UTF-16 surrogate (beyond what Rust can hold)'
        : `${value} (beyond what Rust can hold)`
  }
}

module.exports = { kind, saturatingMs, describe }
