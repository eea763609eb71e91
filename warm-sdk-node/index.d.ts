// Types of warm-sdk for Node.js (index.js and index.mjs export the same).

/** Settings: which top-level key flags a warm-up and how long a warm-up may hold. */
export interface WarmOptions {
  /** The top-level key whose value `true` marks a warm-up (default `warmer`). */
  flagKey?: string
  /** Held when a warm-up names no usable `delay`, in milliseconds (default 75). */
  defaultDelayMs?: number
  /** The most a warm-up holds, whatever it asks, in milliseconds (default 10,000). */
  maxDelayMs?: number
  /** Kept free before the invocation's deadline, in milliseconds (default 200). */
  deadlineMarginMs?: number
}

/** Settings with every default filled in, checked. */
export type WarmConfig = Readonly<Required<WarmOptions>>

export type Dialect = 'warm' | 'lambda-warmer' | 'lambda-warmer-py' | 'serverless-plugin-warmup'

/** A warm-up field that was present but unusable; the warm-up is still answered. */
export interface WarmupWarning {
  readonly kind: 'invalid_delay' | 'invalid_field' | 'fan_out_not_done'
  /** The field's name (`invalid_field`). */
  readonly field?: string
  /** The fan-out a schedule ping asked for (`fan_out_not_done`). */
  readonly requested?: number
  /** What was found and what was done, as logged. */
  readonly message: string
}

/** A recognised warm-up; `delayMs` is as requested (or the default), not yet capped. */
export interface Warmup {
  dialect: Dialect
  delayMs: number
  holdUntilMs: number | null
  correlationId: string | null
  index: number | null
  concurrency: number | null
  fanOut: number | null
  warnings: WarmupWarning[]
}

/** The answer to a warm-up: warm-sdk's `WarmupResponse`. */
export interface WarmupResponse {
  warmed: true
  function: string
  version: string
  log_stream: string
  instance: string
  cold: boolean
  invocations: number
  delay_ms: number
  correlation_id?: string
  index?: number
  max_concurrency?: number
  concurrent_warm_ups?: number
  init_type?: string
  fan_out_requested?: number
  received_at_ms?: number
}

/** The parts of the Lambda context this package reads. */
export interface LambdaContextLike {
  awsRequestId?: string
  getRemainingTimeInMillis?: () => number
}

/**
 * Wraps an `async (event, context)` handler: a warm-up is answered with a `WarmupResponse`
 * and never reaches the handler; every other event reaches it unchanged.
 */
export function warmable<E = any, C extends LambdaContextLike = any, R = any>(
  handler: (event: E, context: C) => R | Promise<R>,
  options?: WarmOptions
): (event: E, context: C) => Promise<R | WarmupResponse>

/** The warm-up `event` is, or `null` for user traffic. */
export function detect(event: unknown, config?: WarmOptions | WarmConfig): Warmup | null
/** Settings with defaults filled in; throws a TypeError naming a bad field and the fix. */
export function warmConfig(options?: WarmOptions): WarmConfig
/** The requested delay capped by the maximum and by the deadline minus the margin. */
export function effectiveDelayMs(requestedMs: number, config: WarmConfig, deadlineMs: number, nowMs: number): number
/** How long a warm-up holds: until `holdUntilMs` when given, within `effectiveDelayMs`. */
export function holdFor(warmup: Warmup, config: WarmConfig, deadlineMs: number, nowMs: number): number

/** The state of one execution environment. */
export class Environment {
  constructor(initType?: string, maxConcurrency?: number | null)
  readonly initType: string
  readonly maxConcurrency: number | null
  readonly instance: string
  beginInvocation(requestId: string): { number: number; cold: boolean }
}
/** This process's environment, made on first use. */
export function currentEnvironment(): Environment
/** Replaces this process's environment (tests: a new execution environment). */
export function resetEnvironment(environment?: Environment | null): void

export const DEFAULT_FLAG_KEY: 'warmer'
export const DEFAULT_DELAY_MS: number
export const DEFAULT_MAX_DELAY_MS: number
export const DEFAULT_DEADLINE_MARGIN_MS: number
export const SERVERLESS_PLUGIN_WARMUP_SOURCE: 'serverless-plugin-warmup'
export const MAX_CORRELATION_ID_LEN: number
export const WARMUP_LOG_MESSAGE: 'warm-up answered'
export const LOG_FORMAT_ENV: 'AWS_LAMBDA_LOG_FORMAT'

declare const warm: {
  warmable: typeof warmable
  detect: typeof detect
  warmConfig: typeof warmConfig
  effectiveDelayMs: typeof effectiveDelayMs
  holdFor: typeof holdFor
}
export default warm
