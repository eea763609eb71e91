// The ES module entry point exports what the CommonJS one does.
import test from 'node:test'
import assert from 'node:assert'
import { createRequire } from 'node:module'
import warm, { warmable, detect } from '../index.mjs'

test('import and require give the same functions', () => {
  const cjs = createRequire(import.meta.url)('..')
  assert.strictEqual(warmable, cjs.warmable)
  assert.strictEqual(warm.detect, detect)
  assert.deepStrictEqual(Object.keys(warm).sort(), Object.keys(cjs).sort())
  assert.strictEqual(detect({ warmer: true }).dialect, 'warm')
})
