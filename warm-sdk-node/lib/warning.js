'use strict'
// A warm-up field that was present but unusable: `kind` is invalid_delay, invalid_field
// (`field` names it) or fan_out_not_done (`requested`); `message` says what was done.

function message (kind, w) {
  if (kind === 'invalid_delay') {
    return `warm-up field \`delay\` is ${w.found}, not a non-negative number of milliseconds (send e.g. "delay": 300); holding the default ${w.defaultMs} ms`
  }
  if (kind === 'invalid_field') {
    return `warm-up field \`${w.field}\` is ${w.found}, not ${w.expected}; the field is ignored`
  }
  const n = w.requested
  return `warm-up asked this function to fan out to ${n} environments (\`concurrency\` without \`__WARMER_INVOCATION__\`, as lambda-warmer's schedule pings send); this function does not invoke itself, so only this environment is warm: have the warmer send ${n} concurrent warm-ups instead (the \`warmer\` engine's \`concurrency\` setting)`
}

function warning (kind, fields) {
  return Object.freeze({ kind, ...fields, message: message(kind, fields) })
}

module.exports = { warning }
