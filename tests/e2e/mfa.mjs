// MFA and verification through the unmodified @medusajs/js-sdk: the admin enrols a TOTP factor (codes computed
// here with RFC 6238), generates recovery codes; a new login answers an MFA challenge the SDK returns, the admin
// API refuses the actorless token, `auth.mfa.verifyChallenge` stores the completed token (TOTP, then a recovery
// code); verification request/confirm; the factor is disabled at the end so the admin logs in plainly again.
// Env: EURYALE_URL, EURYALE_ADMIN_EMAIL, EURYALE_ADMIN_PASSWORD (the shop's auth module has mfa.encryption_key).
import { createHmac } from "node:crypto"
import { assert, assertEq, makeSdk, runSteps } from "./lib.mjs"

const email = process.env.EURYALE_ADMIN_EMAIL
const password = process.env.EURYALE_ADMIN_PASSWORD
if (!email || !password) {
  console.error("EURYALE_ADMIN_EMAIL and EURYALE_ADMIN_PASSWORD are required")
  process.exit(2)
}
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

function base32Decode(text) {
  let bits = 0
  let value = 0
  const out = []
  for (const ch of text.replace(/=+$/, "").toUpperCase()) {
    value = (value << 5) | ALPHABET.indexOf(ch)
    bits += 5
    if (bits >= 8) {
      out.push((value >> (bits - 8)) & 255)
      bits -= 8
    }
  }
  return Buffer.from(out)
}

/** RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30 s) at `at` milliseconds. */
function totp(secret, at = Date.now()) {
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30000)))
  const digest = createHmac("sha1", base32Decode(secret)).update(counter).digest()
  const offset = digest[digest.length - 1] & 15
  return String((digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0")
}

const admin = makeSdk()
const s = {}

async function expectStatus(promise, status, what) {
  try {
    await promise
  } catch (e) {
    assertEq(e?.status, status, what)
    return e
  }
  throw new Error(`${what}: expected HTTP ${status}, got success`)
}

await runSteps("mfa", [
  ["login", async () => {
    const token = await admin.auth.login("user", "emailpass", { email, password })
    assert(typeof token === "string", "plain token before MFA", token)
  }],
  ["enrol_totp", async () => {
    const { mfa_factors } = await admin.auth.mfa.list()
    assert(!mfa_factors.some((f) => f.status === "enabled"), "no enabled factor yet", mfa_factors)
    const setup = await admin.auth.mfa.start({ provider: "totp", label: email })
    assertEq(setup.mfa_factor.status, "pending", "new factor status")
    assert(setup.otpauth_url.startsWith("otpauth://totp/"), "otpauth url", setup.otpauth_url)
    s.factor = setup.mfa_factor.id
    s.secret = setup.secret
    const { mfa_factor } = await admin.auth.mfa.verify(s.factor, { code: totp(s.secret) })
    assertEq(mfa_factor.status, "enabled", "verified factor status")
    assert(!("secret" in mfa_factor) && !("provider_metadata" in mfa_factor), "no secret in answers", mfa_factor)
    const { recovery_codes } = await admin.auth.mfa.generateRecoveryCodes({ count: 2 })
    assertEq(recovery_codes.length, 2, "recovery codes")
    s.codes = recovery_codes
    return { factor: s.factor }
  }],
  ["login_answers_challenge", async () => {
    const result = await admin.auth.login("user", "emailpass", { email, password })
    assert(result?.mfa_required === true && result.mfa_challenge?.id, "MFA challenge from login", result)
    assertEq(JSON.stringify(result.mfa_challenge.methods), JSON.stringify(["totp", "recovery_code"]), "methods")
    s.challenge = result.mfa_challenge.id
    const err = await expectStatus(admin.admin.user.me(), 401, "admin API with the challenge open")
    assert(/MFA verification is required/.test(err.message), "MFA message", err.message)
  }],
  ["verify_challenge_totp", async () => {
    // the next step's code: the enrolment's code is accepted only once
    const token = await admin.auth.mfa.verifyChallenge(s.challenge, { method: "totp", code: totp(s.secret, Date.now() + 30000) })
    assert(typeof token === "string", "completed token", token)
    const { user } = await admin.admin.user.me()
    assertEq(user.email, email, "admin API after the challenge")
  }],
  ["verify_challenge_recovery_code", async () => {
    const result = await admin.auth.login("user", "emailpass", { email, password })
    await admin.auth.mfa.verifyChallenge(result.mfa_challenge.id, { method: "recovery_code", code: s.codes[0] })
    await admin.admin.user.me()
    const again = await admin.auth.login("user", "emailpass", { email, password })
    await expectStatus(admin.auth.mfa.verifyChallenge(again.mfa_challenge.id, { method: "recovery_code", code: s.codes[0] }),
      400, "a used recovery code")
    await admin.auth.mfa.verifyChallenge(again.mfa_challenge.id, { method: "recovery_code", code: s.codes[1] })
  }],
  ["verification_request_confirm", async () => {
    const { verification } = await admin.auth.verification.request({ entity_id: email, entity_type: "email" })
    assertEq(verification.entity_id, email, "verification entity")
    assert(!("code" in verification), "the code only travels in the event", verification)
    await expectStatus(admin.auth.verification.confirm({ code: "not-the-code" }), 400, "a wrong verification code")
  }],
  ["disable", async () => {
    const { mfa_factor } = await admin.auth.mfa.disable(s.factor)
    assertEq(mfa_factor.status, "disabled", "disabled factor")
    const token = await admin.auth.login("user", "emailpass", { email, password })
    assert(typeof token === "string", "plain token after disabling", token)
  }],
])
