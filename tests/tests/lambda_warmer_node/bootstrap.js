#!/usr/bin/env node
// A Node.js function using the real lambda-warmer package, served over the Lambda Runtime API
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html): next, then response or error.
'use strict'

const http = require('http')
const warmer = require('lambda-warmer')

const api = process.env.AWS_LAMBDA_RUNTIME_API

function call (method, path, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(`http://${api}/2018-06-01/runtime${path}`, { method }, (res) => {
      let data = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { data += chunk })
      res.on('end', () => resolve({ headers: res.headers, body: data }))
    })
    request.on('error', reject)
    if (body !== undefined) request.write(body)
    request.end()
  })
}

async function main () {
  for (;;) {
    const next = await call('GET', '/invocation/next')
    const id = next.headers['lambda-runtime-aws-request-id']
    const context = {
      awsRequestId: id,
      invokedFunctionArn: next.headers['lambda-runtime-invoked-function-arn']
    }
    try {
      // lambda-warmer's documented use: `if (await warmer(event)) return 'warmed'`.
      const warmed = await warmer(JSON.parse(next.body), {}, context)
      await call('POST', `/invocation/${id}/response`, JSON.stringify(warmed ? 'warmed' : 'user'))
    } catch (error) {
      const report = { errorMessage: String(error), errorType: 'Error' }
      await call('POST', `/invocation/${id}/error`, JSON.stringify(report))
    }
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
