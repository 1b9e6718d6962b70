// Interop harness: drives Clerk's official JS SDK (@clerk/backend, pinned at 3.25.0) against a
// Clerk-compatible Backend API (our emulator, or anything at CLERK_API_URL) and prints ONE JSON
// object with what the SDK returned for each step. Any unexpected failure: details on stderr,
// exit code 1. Secret keys are never printed.
//
// Env: CLERK_API_URL, MACHINE_A_SECRET_KEY (ak_…), MACHINE_A_ID (mch_…), MACHINE_B_SECRET_KEY,
//      MACHINE_B_ID, CLERK_SECRET_KEY (instance key sk_…).
//
// Output keys: create_opaque, create_jwt, list, verify_opaque, verify_jwt, revoke,
// verify_revoked_error, and `machines`: what `clerk.machines.*` returned (create, list, get,
// update, createScope, deleteScope, getSecretKey, rotateSecretKey, delete) and what the new keys
// could then do (see machinesRoundTrip). Token objects are the SDK's M2MToken instances turned into plain JSON,
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

/** Secret keys the run learns (new machines' keys): scrubbed like the configured ones. */
const learnedSecrets = [];

/** Replaces every secret key value in `text` by `<redacted>`. */
function scrub(text) {
  let out = String(text);
  for (const value of [...SECRET_ENV.map((name) => process.env[name]), ...learnedSecrets]) {
    if (value) {
      out = out.split(value).join('<redacted>');
    }
  }
  return out;
}

/** The HTTP status of what `fn` throws, or `fail`s if it does not throw. */
async function statusOfFailure(name, fn) {
  try {
    const unexpected = await fn();
    fail(name, `expected an error, got ${JSON.stringify(plain(unexpected))}`);
  } catch (e) {
    return e?.status ?? null;
  }
  return null;
}

/**
 * The nine `clerk.machines.*` calls with the instance key, and what the keys they hand out do:
 * a new pair (caller → callee), a token minted with the caller's new key and verified by the
 * callee, a rotation with no grace period (the old key fails at once), a deletion (the callee's
 * key fails). Machine objects are the SDK's camelCase `Machine`; secrets become booleans.
 */
async function machinesRoundTrip(apiUrl, clientInstance, env) {
  const m = {};
  const withoutSecret = (machine) => {
    const data = plain(machine);
    if (data && typeof data.secretKey === 'string') {
      learnedSecrets.push(data.secretKey);
      data.secretKey = true;
    }
    return data;
  };
  const callee = await step('machines.create', () =>
    clientInstance.machines.create({ name: 'interop-callee', defaultTokenTtl: 600 }),
  );
  expect('machines.create', typeof callee?.secretKey === 'string', 'no secret key in the create answer');
  m.create_callee = withoutSecret(callee);
  const caller = await step('machines.create', () =>
    clientInstance.machines.create({ name: 'interop-caller', scopedMachines: [env.MACHINE_B_ID] }),
  );
  m.create_caller = withoutSecret(caller);

  m.list = plain(
    await step('machines.list', () => clientInstance.machines.list({ query: 'interop', orderBy: '+name', limit: 5 })),
  );
  m.get = plain(await step('machines.get', () => clientInstance.machines.get(caller.id)));
  m.update = plain(
    await step('machines.update', () =>
      clientInstance.machines.update({ machineId: caller.id, name: 'interop-caller-renamed', defaultTokenTtl: 900 }),
    ),
  );
  m.create_scope = plain(
    await step('machines.createScope', () => clientInstance.machines.createScope(caller.id, callee.id)),
  );
  m.delete_scope = plain(
    await step('machines.deleteScope', () => clientInstance.machines.deleteScope(caller.id, env.MACHINE_B_ID)),
  );

  // The caller's new key mints at once; the callee's verifies.
  const asCaller = createClerkClient({ apiUrl, machineSecretKey: caller.secretKey });
  const asCallee = createClerkClient({ apiUrl, machineSecretKey: callee.secretKey });
  const token = await step('machines.mint', () => asCaller.m2m.createToken({}));
  m.minted = plain(token);
  m.verified_by_callee = plain(await step('machines.verify', () => asCallee.m2m.verify({ token: token.token })));

  const secret = await step('machines.getSecretKey', () => clientInstance.machines.getSecretKey(caller.id));
  m.secret_key_is_the_created_one = secret?.secret === caller.secretKey;
  const rotated = await step('machines.rotateSecretKey', () =>
    clientInstance.machines.rotateSecretKey({ machineId: caller.id, previousTokenTtl: 0 }),
  );
  expect('machines.rotateSecretKey', typeof rotated?.secret === 'string', 'no secret in the rotate answer');
  learnedSecrets.push(rotated.secret);
  m.rotated_key_differs = rotated.secret !== caller.secretKey;
  m.old_key_status_after_rotation = await statusOfFailure('machines.oldKey', () => asCaller.m2m.createToken({}));
  const asRotated = createClerkClient({ apiUrl, machineSecretKey: rotated.secret });
  m.new_key_mints = typeof (await step('machines.newKey', () => asRotated.m2m.createToken({})))?.token === 'string';

  m.delete = plain(await step('machines.delete', () => clientInstance.machines.delete(callee.id)));
  m.deleted_key_status = await statusOfFailure('machines.deletedKey', () => asCallee.m2m.createToken({}));
  m.get_deleted_status = await statusOfFailure('machines.getDeleted', () => clientInstance.machines.get(callee.id));
  return m;
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

  // 8. The Machines API.
  out.machines = await machinesRoundTrip(apiUrl, clientInstance, env);

  process.stdout.write(scrub(JSON.stringify(out)) + '\n');
}

const watchdog = setTimeout(() => fail('watchdog', `no result after ${TIMEOUT_MS} ms`), TIMEOUT_MS);
watchdog.unref();

main().catch((e) => fail('interop', JSON.stringify(describeError(e))));
