// Interop harness: drives Clerk's official JS SDK (@clerk/backend, pinned at 3.25.0) against a
// Clerk-compatible Backend API (our emulator, or anything at CLERK_API_URL) and prints ONE JSON
// object with what the SDK returned for each step. Any unexpected failure: details on stderr,
// exit code 1. Secret keys are never printed.
//
// Env: CLERK_API_URL, MACHINE_A_SECRET_KEY (ak_…), MACHINE_A_ID (mch_…), MACHINE_B_SECRET_KEY,
//      MACHINE_B_ID, CLERK_SECRET_KEY (instance key sk_…).
//
// Output keys: create_opaque, create_jwt, list, verify_opaque, verify_jwt, revoke,
// verify_revoked_error. Token objects are the SDK's M2MToken instances turned into plain JSON,
// so properties are camelCase (id, subject, scopes, claims, revoked, revocationReason, expired,
// expiration, createdAt, updatedAt, token); properties the SDK leaves undefined are absent.
// `list` is { data: [M2MToken…], totalCount }.

import { createClerkClient } from '@clerk/backend';

const REQUIRED_ENV = [
  'CLERK_API_URL',
  'MACHINE_A_SECRET_KEY',
  'MACHINE_A_ID',
  'MACHINE_B_SECRET_KEY',
  'MACHINE_B_ID',
  'CLERK_SECRET_KEY',
];
const SECRET_ENV = ['MACHINE_A_SECRET_KEY', 'MACHINE_B_SECRET_KEY', 'CLERK_SECRET_KEY'];
const TIMEOUT_MS = Number(process.env.INTEROP_TIMEOUT_MS || 30000);

const CLAIMS = { role: 'reader', nestedKey: { camelCase: 1 } };

/** Replaces every secret key value in `text` by `<redacted>`. */
function scrub(text) {
  let out = String(text);
  for (const name of SECRET_ENV) {
    const value = process.env[name];
    if (value) {
      out = out.split(value).join('<redacted>');
    }
  }
  return out;
}

function fail(step, detail) {
  process.stderr.write(scrub(`interop: ${step} failed: ${detail}`) + '\n');
  process.exit(1);
}

/** The fields of any error the SDK throws, as a plain object. */
function describeError(e) {
  if (!e || typeof e !== 'object') {
    return { thrown: String(e) };
  }
  return {
    class: e.constructor?.kind ?? e.constructor?.name,
    name: e.name,
    message: e.message,
    status: e.status,
    code: e.code,
    reason: e.reason,
    action: e.action,
    clerkTraceId: e.clerkTraceId,
    retryAfter: e.retryAfter,
    errors: Array.isArray(e.errors) ? plain(e.errors) : undefined,
  };
}

/** A class instance (M2MToken, paginated response, …) as plain JSON data. */
function plain(value) {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

async function step(name, fn) {
  try {
    return await fn();
  } catch (e) {
    fail(name, JSON.stringify(describeError(e)));
  }
}

function expect(name, condition, what) {
  if (!condition) {
    fail(name, `unexpected result: ${what}`);
  }
}

async function main() {
  const missing = REQUIRED_ENV.filter((n) => !process.env[n]);
  if (missing.length) {
    fail('setup', `missing environment variable(s): ${missing.join(', ')}`);
  }
  const env = Object.fromEntries(REQUIRED_ENV.map((n) => [n, process.env[n]]));
  const apiUrl = env.CLERK_API_URL;

  // Machine A creates, lists and revokes; machine B verifies A's opaque token (B is in its scopes).
  const clientA = createClerkClient({ apiUrl, machineSecretKey: env.MACHINE_A_SECRET_KEY });
  const clientB = createClerkClient({ apiUrl, machineSecretKey: env.MACHINE_B_SECRET_KEY });
  // JWT-format M2M tokens are verified locally; the JWKS comes from GET {apiUrl}/v1/jwks with the
  // instance secret key.
  const clientInstance = createClerkClient({ apiUrl, secretKey: env.CLERK_SECRET_KEY });

  const out = {};

  // 1. Opaque token.
  const opaque = await step('create_opaque', () =>
    clientA.m2m.createToken({ secondsUntilExpiration: 3600, claims: CLAIMS }),
  );
  out.create_opaque = plain(opaque);
  expect('create_opaque', typeof opaque?.token === 'string' && typeof opaque?.id === 'string', 'no token/id');

  // 2. JWT-format token.
  const jwt = await step('create_jwt', () =>
    clientA.m2m.createToken({ tokenFormat: 'jwt', secondsUntilExpiration: 600, claims: CLAIMS }),
  );
  out.create_jwt = plain(jwt);
  expect('create_jwt', typeof jwt?.token === 'string' && jwt.token.split('.').length === 3, 'token is not a JWT');

  // 3. List machine A's tokens.
  out.list = plain(await step('list', () => clientA.m2m.list({ subject: env.MACHINE_A_ID })));

  // 4. Verify the opaque token as machine B (POST /m2m_tokens/verify).
  out.verify_opaque = plain(await step('verify_opaque', () => clientB.m2m.verify({ token: opaque.token })));

  // 5. Verify the JWT locally (no POST; JWKS fetched with the instance key).
  out.verify_jwt = plain(await step('verify_jwt', () => clientInstance.m2m.verify({ token: jwt.token })));

  // 6. Revoke the opaque token as machine A.
  out.revoke = plain(
    await step('revoke', () => clientA.m2m.revokeToken({ m2mTokenId: opaque.id, revocationReason: 'interop' })),
  );

  // 7. Verifying the revoked token must fail.
  let revokedError = null;
  try {
    const unexpected = await clientB.m2m.verify({ token: opaque.token });
    fail('verify_revoked', `expected an error, got ${JSON.stringify(plain(unexpected))}`);
  } catch (e) {
    revokedError = e;
  }
  const first = Array.isArray(revokedError?.errors) ? revokedError.errors[0] : undefined;
  expect(
    'verify_revoked',
    typeof revokedError?.status === 'number',
    `error without an HTTP status: ${JSON.stringify(describeError(revokedError))}`,
  );
  out.verify_revoked_error = {
    status: revokedError.status,
    code: first?.code ?? null,
    class: revokedError.constructor?.kind ?? revokedError.constructor?.name ?? null,
    message: first?.message ?? null,
  };

  process.stdout.write(scrub(JSON.stringify(out)) + '\n');
}

const watchdog = setTimeout(() => fail('watchdog', `no result after ${TIMEOUT_MS} ms`), TIMEOUT_MS);
watchdog.unref();

main().catch((e) => fail('interop', JSON.stringify(describeError(e))));
