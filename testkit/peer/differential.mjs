// Runs `canopy policy eval` case files through an independent evaluator, the npm package
// @cloud-copilot/iam-simulate, and prints [{"name", "decision"} | {"name", "error"}] per case.
//
// Usage: node testkit/peer/differential.mjs CASES.json [--repeat-seconds N]
// (install first: scripts/peer-env; with --repeat-seconds it times the first case instead)

import { readFileSync } from 'node:fs'
import { anonymousPrincipal, runSimulation } from '@cloud-copilot/iam-simulate'

function accountOf(arn) {
  const parts = (arn || '').split(':')
  return parts.length >= 6 && parts[4] ? parts[4] : undefined
}

function simulation(c) {
  const req = c.request
  const anonymous = req.principal === 'anonymous'
  const resource = req.resource ?? '*'
  return {
    request: {
      principal: anonymous ? anonymousPrincipal : req.principal,
      action: req.action,
      resource: {
        resource,
        accountId: req.resource_account ?? accountOf(resource) ?? accountOf(req.principal) ?? '111122223333',
      },
      contextVariables: req.context ?? {},
    },
    identityPolicies: (c.identity_policies ?? []).map((policy, i) => ({ name: `identity_policies[${i}]`, policy })),
    serviceControlPolicies: (c.scp_levels ?? []).map((level, l) => ({
      orgIdentifier: level.node,
      policies: level.policies.map((policy, i) => ({ name: `scp_levels[${l}].policies[${i}]`, policy })),
    })),
    resourceControlPolicies: [],
    resourcePolicy: c.resource_policy ?? undefined,
  }
}

async function decide(c) {
  try {
    const out = await runSimulation(simulation(c), {})
    if (out.errors) {
      return { name: c.name, error: out.errors.message ?? JSON.stringify(out.errors) }
    }
    const result = out.result?.analysis?.result ?? out.overallResult
    // the package spells one value "ExplicitlyDenied" and older versions "ExplicityDenied"
    const decision = result === 'ExplicityDenied' ? 'ExplicitlyDenied' : result
    return { name: c.name, decision }
  } catch (e) {
    return { name: c.name, error: String(e?.message ?? e) }
  }
}

const [file, flag, seconds] = process.argv.slice(2)
const cases = JSON.parse(readFileSync(file, 'utf8'))
if (flag === '--repeat-seconds') {
  const sim = simulation(cases[0])
  const until = performance.now() + Number(seconds) * 1000
  let n = 0
  const start = performance.now()
  while (performance.now() < until) {
    await runSimulation(sim, {})
    n++
  }
  const elapsed = (performance.now() - start) / 1000
  console.log(JSON.stringify({ name: cases[0].name, evaluations: n, seconds: elapsed, per_second: n / elapsed }))
} else {
  const out = []
  for (const c of cases) out.push(await decide(c))
  console.log(JSON.stringify(out))
}
