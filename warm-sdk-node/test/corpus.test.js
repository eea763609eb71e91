'use strict'
// The shared corpus (warm-sdk/tests/corpus) against this package.
const test = require('node:test')
const assert = require('node:assert')
const warm = require('..')
const { Environment, INIT_TYPES } = require('../lib/environment')
const { corpus, optionsOf, context, UNSEEN } = require('./support')

function asCorpus (w) {
  if (w === null) return null
  return {
    dialect: w.dialect,
    delay_ms: w.delayMs,
    hold_until_ms: w.holdUntilMs,
    correlation_id: w.correlationId,
    index: w.index,
    concurrency: w.concurrency,
    fan_out: w.fanOut,
    warnings: w.warnings.map(({ kind, field, requested }) =>
      kind === 'invalid_field' ? { kind, field } : kind === 'fan_out_not_done' ? { kind, requested } : { kind })
  }
}

test('every detection case a parsed event can show holds', (t) => {
  const { cases } = corpus('detect.json')
  const run = cases.filter((c) => !UNSEEN.has(c.depends_on))
  for (const c of run) {
    // What the runtime hands the handler: the payload parsed by JSON.parse.
    const found = warm.detect(JSON.parse(c.payload), optionsOf(c))
    assert.deepStrictEqual(asCorpus(found), c.expect, `${c.name}: ${c.payload}`)
  }
  assert.ok(run.length > 70, `only ${run.length} cases run`)
  t.diagnostic(`detect.json: ${run.length} cases run, ${cases.length - run.length} skipped (raw_bytes, number_form)`)
})

test('every hold case holds', () => {
  for (const c of corpus('hold.json').cases) {
    const config = warm.warmConfig(optionsOf(c))
    const warmup = warm.detect(JSON.parse(c.payload), config)
    assert.strictEqual(warm.holdFor(warmup, config, c.deadline_ms, c.now_ms), c.hold_ms, c.name)
  }
})

test('the corpus constants are this package\'s', () => {
  const p = corpus('protocol.json')
  assert.strictEqual(p.flag_key, warm.DEFAULT_FLAG_KEY)
  assert.strictEqual(p.default_delay_ms, warm.DEFAULT_DELAY_MS)
  assert.strictEqual(p.max_delay_ms, warm.DEFAULT_MAX_DELAY_MS)
  assert.strictEqual(p.deadline_margin_ms, warm.DEFAULT_DEADLINE_MARGIN_MS)
  assert.strictEqual(p.max_correlation_id_len, warm.MAX_CORRELATION_ID_LEN)
  assert.strictEqual(p.serverless_plugin_warmup_source, warm.SERVERLESS_PLUGIN_WARMUP_SOURCE)
  assert.strictEqual(p.log.message, warm.WARMUP_LOG_MESSAGE)
  assert.strictEqual(p.log.format_env, warm.LOG_FORMAT_ENV)
  assert.deepStrictEqual(p.init_types, INIT_TYPES)
  const cold = INIT_TYPES.filter((t) => new Environment(t).beginInvocation('a').cold)
  assert.deepStrictEqual(p.cold_init_types, cold)
})

async function answerCapturing (event, environment) {
  const lines = []
  const write = process.stderr.write
  process.stderr.write = (chunk) => { lines.push(String(chunk)); return true }
  warm.resetEnvironment(environment)
  try {
    return { response: await warm.warmable(() => 'user')(event, context()), lines: lines.join('').split('\n').filter(Boolean) }
  } finally {
    process.stderr.write = write
    warm.resetEnvironment()
  }
}

test('the answer and the log line carry the corpus fields', async () => {
  const p = corpus('protocol.json')
  process.env.AWS_LAMBDA_LOG_FORMAT = 'JSON'
  try {
    const env = new Environment('on-demand', 4)
    env.held = 1 // another warm-up held on this environment
    const full = { warmer: true, delay: 0, concurrency: 3, correlation_id: 'c' }
    const { response, lines } = await answerCapturing(full, env)
    const optional = p.response.optional.filter((k) => k !== 'index')
    assert.deepStrictEqual(Object.keys(response).sort(), [...p.response.always, ...optional].sort())
    const bare = await answerCapturing({ warmer: true, delay: 0 }, new Environment())
    const required = Object.keys(bare.response).filter((k) => k !== 'init_type' && k !== 'received_at_ms')
    assert.deepStrictEqual(required.sort(), [...p.response.always].sort())
    const parsed = lines.map((line) => JSON.parse(line))
    const info = parsed.find((line) => line.level === 'INFO')
    assert.strictEqual(info.fields.message, p.log.message)
    const fields = Object.keys(info.fields).filter((k) => k !== 'message')
    assert.deepStrictEqual(fields, p.log.fields.filter((k) => k !== 'index'))
    const warn = parsed.find((line) => line.level === 'WARN')
    assert.deepStrictEqual(Object.keys(warn.fields).slice(1), p.log.warning_fields)
  } finally {
    delete process.env.AWS_LAMBDA_LOG_FORMAT
  }
})
