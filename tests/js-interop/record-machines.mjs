// Records what @clerk/backend (pinned at 3.25.0) sends for the nine `clerk.machines.*` calls.
//
// Starts its own loopback HTTP server (Node `http`, 127.0.0.1, a free port), points the SDK at it,
// makes each call once, and prints every request as it arrived: method, path and query, header lines
// in arrival order and letter case (`req.rawHeaders`), and the raw body bytes. The server answers
// each call with a canned Clerk-shaped object so the SDK's deserializers run as against Clerk.
// Output is Markdown for `observed-requests.md`; keys are shown as `<key>`, the port as `<port>`.
//
// Run: npm ci --prefix tests/js-interop && node tests/js-interop/record-machines.mjs
// No network beyond 127.0.0.1; the keys below are fake, for this recording only.

import http from 'node:http';
import { createClerkClient } from '@clerk/backend';

// Test-only fake keys: never valid anywhere.
const INSTANCE_KEY = 'sk_test_recordingOnlyNotARealKey';
const MACHINE_KEY = 'ak_test_recordingOnlyNotARealKey';

const A = 'mch_2xhFjEI5X2qWRvtV13BzSj8H6Dk';
const B = 'mch_2yGkLpQ7Y3rXSwtU24CzTk9I7Em';
const C = 'mch_2zHlMqR8Z4sYTxuV35DaUl0J8Fn';

const nested = (id, name) => ({
  object: 'machine',
  id,
  name,
  instance_id: 'ins_2abcdefghijklmnopqrstuvwxyz',
  created_at: 1716879600000,
  updated_at: 1716879600000,
  default_token_ttl: 3600,
});
const machine = (id, name) => ({ ...nested(id, name), scoped_machines: [nested(B, 'billing-api')] });

/** The canned answer for a request: Clerk's shapes, 200 for every success. */
function answer(method, path) {
  const parts = path.split('/').filter(Boolean); // ['v1', 'machines', id?, ...]
  const id = parts[2];
  if (method === 'GET' && parts.length === 2) {
    return { data: [machine(A, 'ci-runner')], total_count: 1 };
  }
  if (parts[3] === 'secret_key') {
    return { object: 'machine_secret_key', secret: MACHINE_KEY };
  }
  if (parts[3] === 'scopes' && method === 'POST') {
    return { object: 'machine_scope', from_machine_id: id, to_machine_id: B, created_at: 1716879600000 };
  }
  if (parts[3] === 'scopes') {
    return { object: 'machine_scope', from_machine_id: id, to_machine_id: parts[4] ?? null, deleted: true };
  }
  if (method === 'DELETE') {
    return { object: 'machine', id, deleted: true };
  }
  if (method === 'POST') {
    return { ...machine(A, 'billing-worker'), secret_key: MACHINE_KEY };
  }
  return machine(id ?? A, 'ci-runner');
}

const recorded = [];
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const url = new URL(req.url, 'http://127.0.0.1');
    recorded.push({
      method: req.method,
      target: req.url,
      rawHeaders: req.rawHeaders,
      body: Buffer.concat(chunks).toString('utf8'),
    });
    const body = JSON.stringify(answer(req.method, url.pathname));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
});

await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = server.address().port;
const apiUrl = `http://127.0.0.1:${port}`;

// With both keys, as an app that also mints tokens would be configured: machines calls use sk_.
const clerk = createClerkClient({ apiUrl, secretKey: INSTANCE_KEY, machineSecretKey: MACHINE_KEY });
const onlyMachineKey = createClerkClient({ apiUrl, machineSecretKey: MACHINE_KEY });

const calls = [
  ['machines.list({ limit: 5, offset: 10, query: "ci", orderBy: "-created_at" })',
    () => clerk.machines.list({ limit: 5, offset: 10, query: 'ci', orderBy: '-created_at' })],
  ['machines.create({ name: "ci-runner" })', () => clerk.machines.create({ name: 'ci-runner' })],
  [`machines.create({ name: "billing-worker", scopedMachines: [B, C], defaultTokenTtl: 7200 })`,
    () => clerk.machines.create({ name: 'billing-worker', scopedMachines: [B, C], defaultTokenTtl: 7200 })],
  ['machines.get(A)', () => clerk.machines.get(A)],
  ['machines.update({ machineId: A, name: "renamed-worker", defaultTokenTtl: 600 })',
    () => clerk.machines.update({ machineId: A, name: 'renamed-worker', defaultTokenTtl: 600 })],
  ['machines.delete(A)', () => clerk.machines.delete(A)],
  ['machines.getSecretKey(A)', () => clerk.machines.getSecretKey(A)],
  ['machines.rotateSecretKey({ machineId: A, previousTokenTtl: 3600 })',
    () => clerk.machines.rotateSecretKey({ machineId: A, previousTokenTtl: 3600 })],
  ['machines.createScope(A, B)', () => clerk.machines.createScope(A, B)],
  ['machines.deleteScope(A, B)', () => clerk.machines.deleteScope(A, B)],
  // Edge cases: falsy values, encoding, absent fields, empty arguments.
  ['machines.list()', () => clerk.machines.list()],
  ['machines.list({ query: "billing worker", orderBy: "+name", limit: 0, offset: 0 })',
    () => clerk.machines.list({ query: 'billing worker', orderBy: '+name', limit: 0, offset: 0 })],
  ['machines.list({ orderBy: "name", query: "a&b=c/é" })',
    () => clerk.machines.list({ orderBy: 'name', query: 'a&b=c/é' })],
  ['machines.create({ name: "x", scopedMachines: [] })', () => clerk.machines.create({ name: 'x', scopedMachines: [] })],
  ['machines.update({ machineId: A, defaultTokenTtl: 600 })',
    () => clerk.machines.update({ machineId: A, defaultTokenTtl: 600 })],
  ['machines.update({ machineId: A })', () => clerk.machines.update({ machineId: A })],
  ['machines.rotateSecretKey({ machineId: A, previousTokenTtl: 0 })',
    () => clerk.machines.rotateSecretKey({ machineId: A, previousTokenTtl: 0 })],
  ['machines.rotateSecretKey({ machineId: A })', () => clerk.machines.rotateSecretKey({ machineId: A })],
  ['machines.deleteScope(A, "")', () => clerk.machines.deleteScope(A, '')],
  ['machines.get("")', () => clerk.machines.get('')],
  ['machines.get("..")', () => clerk.machines.get('..')],
  ['(client with only machineSecretKey) machines.get(A)', () => onlyMachineKey.machines.get(A)],
];

const redact = (text) => text.split(INSTANCE_KEY).join('<key:sk>').split(MACHINE_KEY).join('<key:ak>');

const lines = [];
for (const [label, call] of calls) {
  const before = recorded.length;
  let outcome;
  try {
    outcome = `returned ${redact(JSON.stringify(await call()))}`;
  } catch (e) {
    outcome = `threw ${e?.constructor?.name ?? 'Error'}: ${redact(String(e?.message ?? e))}`;
  }
  lines.push(`### \`${label}\``, '');
  const sent = recorded.slice(before);
  if (sent.length === 0) {
    lines.push('Nothing sent.', '');
  }
  for (const request of sent) {
    lines.push('```http', `${request.method} ${request.target}`);
    for (let i = 0; i < request.rawHeaders.length; i += 2) {
      const name = request.rawHeaders[i];
      let value = request.rawHeaders[i + 1];
      if (name.toLowerCase() === 'host') {
        value = value.replace(String(port), '<port>');
      }
      lines.push(`${name}: ${redact(value)}`);
    }
    lines.push('');
    lines.push(request.body === '' ? '(no body)' : redact(request.body));
    lines.push('```', '');
  }
  lines.push(`SDK result: ${outcome}`, '');
}

server.close();
process.stdout.write(`Recorded under Node ${process.version}.\n\n${lines.join('\n')}`);
