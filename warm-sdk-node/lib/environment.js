'use strict'
// What this execution environment has served: an instance id fixed for the life of the
// process, the invocation count, how Lambda initialized it, and which invocation was cold.
// `cold` is true for the first invocation only when it waited for the init: under
// AWS_LAMBDA_INITIALIZATION_TYPE `on-demand` (also unset or unknown), never under
// `provisioned-concurrency`, `snap-start` or `lambda-managed-instances`.

const { randomBytes } = require('node:crypto')

const INIT_TYPES = ['on-demand', 'provisioned-concurrency', 'snap-start', 'lambda-managed-instances']

function initTypeOf (value) {
  if (value === undefined || value === null) return 'on-demand'
  const trimmed = String(value).trim()
  return INIT_TYPES.includes(trimmed) ? trimmed : 'unknown'
}

function maxConcurrencyOf (value) {
  const text = String(value ?? '').trim()
  if (!/^\d+$/.test(text)) return null
  const n = Number(text)
  return n > 1 && n < 2 ** 32 ? n : null
}

class Environment {
  constructor (initType, maxConcurrency) {
    this.initType = initTypeOf(initType)
    this.maxConcurrency = maxConcurrency > 1 ? maxConcurrency : null
    this.invocations = 0
    this.held = 0
    this.firstRequest = null
    this._instance = null
  }

  /** 16 hex digits from the OS's entropy, made at the first invocation, never at load. */
  get instance () {
    if (this._instance === null) this._instance = randomBytes(8).toString('hex')
    return this._instance
  }

  /** Counts an invocation, whatever its event; says whether it was the cold one. */
  beginInvocation (requestId) {
    void this.instance // made here, at the environment's first invocation
    this.invocations += 1
    if (this.firstRequest === null) this.firstRequest = requestId
    const first = this.firstRequest === requestId && requestId !== ''
    const cold = first && (this.initType === 'on-demand' || this.initType === 'unknown')
    return { number: this.invocations, cold }
  }
}

let current = null

/** This process's environment, made on first use from Lambda's variables. */
function currentEnvironment () {
  if (current === null) {
    current = new Environment(
      process.env.AWS_LAMBDA_INITIALIZATION_TYPE,
      maxConcurrencyOf(process.env.AWS_LAMBDA_MAX_CONCURRENCY)
    )
  }
  return current
}

/** Starts a new environment (tests: a new execution environment). */
function resetEnvironment (environment = null) {
  current = environment
}

module.exports = { Environment, INIT_TYPES, currentEnvironment, resetEnvironment, initTypeOf }
