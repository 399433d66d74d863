// Runs inside a scratch project that installed the fcmock and @fcmock/<platform> tarballs
// (tests/packaging/npm.sh): start() finds the binary in the platform package, stripe-node
// drives the Financial Connections flow, stop() leaves no process behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import Stripe from 'stripe';
import { start, resolveBinary, platformPackage } from 'fcmock';
import fcmockDefault from 'fcmock';

const require = createRequire(import.meta.url);
const cjs = require('fcmock');

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

test('both entry points are the same module; the binary is the platform package', () => {
  assert.equal(typeof cjs.start, 'function');
  assert.equal(cjs.start, start, 'require() and import give the same start()');
  assert.equal(fcmockDefault.start, start);
  assert.equal(process.env.FCMOCK_BINARY, undefined);
  const binary = resolveBinary();
  assert.match(binary, new RegExp(`node_modules/${platformPackage()}/bin/fcmock$`));
});

test('FC flow through stripe-node against start()', async () => {
  const s = await start({ seed: 42, refreshDelay: 60000 });
  const pid = s.pid;
  try {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(s.port > 0);
    assert.match(s.apiKey, /^sk_test_/);
    const other = s.newApiKey();
    assert.match(other, /^sk_test_/);
    assert.notEqual(other, s.apiKey);
    assert.ok(alive(pid));

    const stripe = new Stripe(s.apiKey, { host: '127.0.0.1', port: s.port, protocol: 'http', maxNetworkRetries: 0 });
    const cus = await stripe.customers.create({ email: 'jenny@example.com' });
    const session = await stripe.financialConnections.sessions.create({
      account_holder: { type: 'customer', customer: cus.id },
      permissions: ['balances', 'ownership', 'transactions', 'payment_method'],
    });
    assert.match(session.id, /^fcsess_/);

    const completed = await s.completeSession(session.id, { outcome: 'success', accounts: ['success', 'savings'] });
    assert.equal(completed.id, session.id);

    const accounts = await stripe.financialConnections.accounts.list({ session: session.id });
    assert.equal(accounts.data.length, 2);
    const fca = accounts.data[0];

    const refreshed = await stripe.financialConnections.accounts.refresh(fca.id, { features: ['transactions'] });
    assert.equal(refreshed.transaction_refresh.status, 'pending');
    assert.ok((await s.settleRefreshes()) >= 1);
    const after = await stripe.financialConnections.accounts.retrieve(fca.id);
    assert.equal(after.transaction_refresh.status, 'succeeded');

    const txns = await stripe.financialConnections.transactions.list({ account: fca.id, limit: 100 });
    assert.ok(txns.data.length > 0, 'transactions after the refresh');
    assert.equal(txns.data[0].account, fca.id);

    // queue(): the next session completes by itself, as the scenario says.
    await s.queue({ outcome: 'success', accounts: ['success'], auto_complete: true, api_key: s.apiKey });
    const auto = await stripe.financialConnections.sessions.create({
      account_holder: { type: 'customer', customer: cus.id },
      permissions: ['balances'],
    });
    assert.equal(auto.accounts.data.length, 1);

    const before = (await s.clock()).now;
    const clock = await s.advanceClock(86400);
    assert.ok(clock.now >= before + 86400);

    const log = await s.requests({ apiKey: s.apiKey });
    assert.ok(log.some((r) => r.path === '/v1/financial_connections/sessions' && r.method === 'POST'));

    await s.reset(s.apiKey);
    assert.equal((await stripe.customers.list()).data.length, 0);

    await assert.rejects(s.completeSession('fcsess_nope'), /404|No such/);
  } finally {
    const exit = await s.stop();
    assert.ok(exit.code !== undefined);
  }
  assert.equal(alive(pid), false, `fcmock (pid ${pid}) is gone after stop()`);
  await s.stop(); // twice is fine
});

test('CommonJS entry point starts and stops a server', async () => {
  const s = await cjs.start({ apiVersion: '2026-07-29.dahlia', freezeClock: 1700000000 });
  try {
    const res = await fetch(`${s.url}/v1/customers`, { headers: { authorization: `Bearer ${s.apiKey}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('stripe-version'), '2026-07-29.dahlia');
    assert.deepEqual(await s.clock(), { now: 1700000000, frozen: true });
  } finally {
    await s.stop();
  }
  assert.equal(alive(s.pid), false);
});

test('start() rejects with the server stderr when fcmock cannot start', async () => {
  await assert.rejects(start({ apiVersion: 'bogus' }), (err) => {
    assert.match(err.message, /unknown Stripe API version "bogus"/);
    assert.match(err.stderr, /unknown Stripe API version/);
    assert.equal(err.exitCode, 1);
    return true;
  });
});

test('a server that is never stopped dies with the Node process', async () => {
  const { execFileSync } = await import('node:child_process');
  // The script's event loop empties after start(): Node exits, and takes fcmock with it.
  const out = execFileSync(
    process.execPath,
    ['-e', "require('fcmock').start().then((s) => console.log(s.pid))"],
    { cwd: process.cwd(), encoding: 'utf8', timeout: 30000 },
  );
  const pid = Number(out.trim());
  assert.ok(pid > 0, `printed a pid: ${out}`);
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(alive(pid), false, `fcmock (pid ${pid}) is gone after its parent exited`);
});
