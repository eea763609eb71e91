'use strict'
// Test support: the shared corpus of warm-sdk (WARM_CORPUS_DIR overrides where it is).
const fs = require('node:fs')
const path = require('node:path')

const CORPUS = process.env.WARM_CORPUS_DIR || path.join(__dirname, '..', '..', 'warm-sdk', 'tests', 'corpus')

// What a handler given the parsed event cannot see (see detect.json's `about`): the bytes as
// written, and whether a number was written as an integer (JavaScript keeps one number type).
const UNSEEN = new Set(['raw_bytes', 'number_form'])

function corpus (name) {
  return JSON.parse(fs.readFileSync(path.join(CORPUS, name), 'utf8'))
}

function optionsOf (testCase) {
  const given = testCase.config || {}
  const names = { flag_key: 'flagKey', default_delay_ms: 'defaultDelayMs', max_delay_ms: 'maxDelayMs', deadline_margin_ms: 'deadlineMarginMs' }
  return Object.fromEntries(Object.entries(given).map(([key, value]) => [names[key], value]))
}

/** The attributes of the Node.js runtime's context that warm-sdk reads. */
function context (awsRequestId = 'request-1', remainingMs = 30000) {
  return { awsRequestId, getRemainingTimeInMillis: () => remainingMs }
}

module.exports = { corpus, optionsOf, context, UNSEEN }
