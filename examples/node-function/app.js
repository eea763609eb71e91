'use strict'
// A Node.js function that answers warm-ups with warm-sdk; every other event reaches the
// handler, which echoes it back so that a test can see it arrived unchanged.
const { warmable } = require('warm-sdk')

exports.handler = warmable(async (event, context) => {
  return { handled_by: 'user code', request_id: context.awsRequestId, event }
})
