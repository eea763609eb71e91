'use strict'
// The wrapper: warm-ups answered without user code, everything else passed unchanged.
const test = require('node:test')
const assert = require('node:assert')
const warm = require('..')
const { Environment } = require('../lib/environment')
const { context } = require('./support')

function recorder () {
  const events = []
  const handler = async (event) => { events.push(event); return { statusCode: 200 } }
  return { events, handler }
}

/** Runs `fn` in a fresh environment with `env` set, capturing standard error's lines. */
async function inEnvironment (fn, { initType = 'on-demand', env = {} } = {}) {
  const lines = []
  const write = process.stderr.write
  const saved = { ...process.env }
  Object.assign(process.env, env)
  process.stderr.write = (chunk) => { lines.push(String(chunk)); return true }
  warm.resetEnvironment(new Environment(initType))
  try {
    const result = await fn()
    return { result, log: lines.join('') }
  } finally {
    process.stderr.write = write
    process.env = saved
    warm.resetEnvironment()
  }
}

test('a user event reaches the handler unchanged', async () => {
  const { events, handler } = recorder()
  const event = { body: '{"warmer": true}', warmer: 'true', detail: { warmer: true } }
  const { result, log } = await inEnvironment(() => warm.warmable(handler)(event, context()))
  assert.deepStrictEqual(result, { statusCode: 200 })
  assert.strictEqual(events[0], event)
  assert.strictEqual(log, '')
})

test('a warm-up never reaches the handler and proves its environment', async () => {
  const { events, handler } = recorder()
  const wrapped = warm.warmable(handler)
  const { result: [first, second] } = await inEnvironment(async () => [
    await wrapped({ warmer: true, delay: 0, index: 1 }, context('a')),
    await wrapped({ warmer: true, delay: 0 }, context('b'))
  ])
  assert.deepStrictEqual(events, [])
  assert.ok(first.warmed && first.cold)
  assert.strictEqual(second.cold, false)
  assert.deepStrictEqual([first.invocations, second.invocations], [1, 2])
  assert.strictEqual(first.instance, second.instance)
  assert.match(first.instance, /^[0-9a-f]{16}$/)
  assert.deepStrictEqual([first.index, first.init_type], [1, 'on-demand'])
  assert.ok(!('index' in second))
})

test('user invocations count and take the cold turn', async () => {
  const wrapped = warm.warmable(recorder().handler)
  const { result } = await inEnvironment(async () => {
    await wrapped({ path: '/' }, context('user'))
    return wrapped({ warmer: true, delay: 0 }, context('warm'))
  })
  assert.deepStrictEqual([result.invocations, result.cold], [2, false])
})

test('provisioned concurrency is never cold', async () => {
  const wrapped = warm.warmable(recorder().handler)
  const { result } = await inEnvironment(() => wrapped({ warmer: true, delay: 0 }, context()), { initType: 'provisioned-concurrency' })
  assert.deepStrictEqual([result.cold, result.init_type], [false, 'provisioned-concurrency'])
})

test('the hold is capped by the time left', async () => {
  const wrapped = warm.warmable(recorder().handler, { deadlineMarginMs: 100 })
  const started = Date.now()
  const { result } = await inEnvironment(() => wrapped({ warmer: true, delay: 5000 }, context('r', 160)))
  const elapsed = Date.now() - started
  assert.ok(elapsed >= 50 && elapsed < 1000, `${elapsed} ms`)
  assert.ok(result.delay_ms >= 50 - 1, `${result.delay_ms} ms`)
})

test('a warm-up holds until its instant', async () => {
  const wrapped = warm.warmable(recorder().handler)
  const until = Date.now() + 80
  const { result } = await inEnvironment(() => wrapped({ warmer: true, delay: 5000, hold_until_ms: until }, context()))
  assert.ok(Date.now() >= until - 1)
  assert.ok(result.delay_ms < 1000)
  assert.ok(result.received_at_ms <= until)
})

test('the text log line names the environment', async () => {
  const wrapped = warm.warmable(recorder().handler)
  const env = { AWS_LAMBDA_FUNCTION_NAME: 'orders', AWS_LAMBDA_LOG_STREAM_NAME: 's/1', AWS_LAMBDA_LOG_FORMAT: 'Text' }
  const { result, log } = await inEnvironment(() => wrapped({ warmer: true, delay: 0 }, context('r-1')), { env })
  assert.match(log, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO warm-up answered /)
  assert.ok(log.includes(' request_id=r-1 function=orders '), log)
  assert.ok(log.includes(` instance=${result.instance} `), log)
  assert.deepStrictEqual([result.function, result.log_stream], ['orders', 's/1'])
})

test('a JSON log line, and a warning per unusable field', async () => {
  const wrapped = warm.warmable(recorder().handler)
  const event = { warmer: true, delay: 'soon', concurrency: 5 }
  const { result, log } = await inEnvironment(() => wrapped(event, context()), { env: { AWS_LAMBDA_LOG_FORMAT: 'json' } })
  const lines = log.trim().split('\n').map((line) => JSON.parse(line))
  assert.deepStrictEqual(lines.map((l) => l.level), ['WARN', 'WARN', 'INFO'])
  assert.ok(lines[0].fields.message.includes('send 5 concurrent warm-ups'))
  assert.ok(lines[1].fields.message.includes('`delay` is the string "soon"'))
  assert.strictEqual(lines[2].fields.fan_out_requested, 5)
  assert.strictEqual(result.fan_out_requested, 5)
})

test('serverless-plugin-warmup is answered', async () => {
  const { events, handler } = recorder()
  const { result } = await inEnvironment(() => warm.warmable(handler)({ source: 'serverless-plugin-warmup' }, context()))
  assert.strictEqual(result.warmed, true)
  assert.deepStrictEqual(events, [])
})

test('a bad setting names the field and the fix', () => {
  assert.throws(() => warm.warmable(async () => {}, { maxDelayMs: '2s' }), /`maxDelayMs` is "2s".*maxDelayMs: 10000/)
  assert.throws(() => warm.warmable(async () => {}, { flagkey: 'x' }), /no setting `flagkey`: use one of flagKey/)
  assert.throws(() => warm.warmable(), /needs the handler function/)
})
