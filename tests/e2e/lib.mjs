// Shared helpers for the @medusajs/js-sdk end-to-end scripts: a step runner that prints one JSON line per step,
// assertions that name what was expected, and SDK clients configured the way a Node storefront/admin would.
import Medusa from "@medusajs/js-sdk"

// EURYALE_URLS=a,b spreads the SDK's requests round-robin over several servers (the topology test): the SDK has
// one baseUrl, so the global fetch it calls rewrites each request's origin in turn.
const URLS = (process.env.EURYALE_URLS || "").split(",").map((u) => u.trim()).filter(Boolean)
export const BASE_URL = URLS[0] || process.env.EURYALE_URL || "http://127.0.0.1:9000"
export const hits = {}
if (URLS.length > 1) {
  const realFetch = globalThis.fetch
  let n = 0
  globalThis.fetch = (input, init) => {
    const target = new URL(URLS[n++ % URLS.length])
    const url = new URL(input instanceof URL ? input.toString() : typeof input === "string" ? input : input.url)
    url.protocol = target.protocol
    url.host = target.host
    hits[target.host] = (hits[target.host] || 0) + 1
    return realFetch(url, init)
  }
}
// `--until <step>` stops after that step (used only when a route is known missing; printed loudly).
const untilIdx = process.argv.indexOf("--until")
export const UNTIL = untilIdx > 0 ? process.argv[untilIdx + 1] : process.env.E2E_UNTIL || ""

export class AssertionError extends Error {}

export function assert(cond, message, detail) {
  if (!cond) {
    const err = new AssertionError(message)
    err.detail = detail
    throw err
  }
}

export function assertEq(actual, expected, what) {
  assert(actual === expected, `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
}

export function isNum(v) {
  return typeof v === "number" && Number.isFinite(v)
}

export function near(a, b) {
  return Math.abs(Number(a) - Number(b)) < 1e-6
}

/** A js-sdk client; `memory` token storage because Node has no localStorage (the default would be "nostore"). */
export function makeSdk({ publishableKey, baseUrl = BASE_URL } = {}) {
  return new Medusa({
    baseUrl,
    publishableKey,
    auth: { type: "jwt", jwtTokenStorageMethod: "memory" },
  })
}

export function uniq(prefix) {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
}

/**
 * Run named steps in order. Each prints `{"step", "ok", ...}`; the first failure prints the error (HTTP status
 * and message for FetchError) and exits 1. With --until, the steps after it are reported as skipped, loudly.
 */
export async function runSteps(name, steps) {
  const results = []
  const names = steps.map(([n]) => n)
  if (UNTIL && !names.includes(UNTIL)) {
    console.error(`unknown --until step ${UNTIL}; steps: ${names.join(", ")}`)
    process.exit(2)
  }
  for (const [step, fn] of steps) {
    const started = Date.now()
    try {
      const info = (await fn()) || {}
      const line = { script: name, step, ok: true, ms: Date.now() - started, ...info }
      results.push(line)
      console.log(JSON.stringify(line))
    } catch (e) {
      const line = {
        script: name, step, ok: false, ms: Date.now() - started,
        error: e?.message ?? String(e), status: e?.status, statusText: e?.statusText, detail: e?.detail,
      }
      console.log(JSON.stringify(line))
      console.error(`\n*** ${name}: step "${step}" FAILED: ${line.status ? `HTTP ${line.status} ` : ""}${line.error}\n`)
      process.exit(1)
    }
    if (UNTIL && step === UNTIL) {
      const skipped = names.slice(names.indexOf(step) + 1)
      if (skipped.length) {
        const banner = `!!! ${name}: STOPPED EARLY after step "${step}" (--until): NOT RUN: ${skipped.join(", ")} !!!`
        console.log(JSON.stringify({ script: name, stopped_after: step, skipped }))
        console.error("\n" + "!".repeat(banner.length) + "\n" + banner + "\n" + "!".repeat(banner.length) + "\n")
      }
      break
    }
  }
  console.log(JSON.stringify({ script: name, done: true, steps: results.length, hits }))
}
