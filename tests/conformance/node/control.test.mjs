// fcmock's control API seen through stripe-node: queued faults surface as the library's own
// error classes, and an auto_complete scenario gives a session linked accounts at creation.
// Faults and scenarios are scoped to the test's own key, so parallel test files never see
// them; the client has maxNetworkRetries: 0 (helpers.mjs), as stripe-node retries 5xx/429.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Stripe, makeClient, newTestKey, rawRequest, uniqueEmail } from './helpers.mjs';

const { StripeAPIError, StripeRateLimitError } = Stripe.errors;

async function control(path, body) {
  const res = await rawRequest('POST', path, {
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  });
  assert.equal(res.status, 200, res.text);
  return res.json;
}

test('queued faults give an api error then a rate limit error then success', async () => {
  const key = newTestKey();
  const stripe = makeClient(key);
  for (const status of [500, 429]) {
    await control('/_fcmock/faults', {
      method: 'POST',
      path_prefix: '/v1/customers',
      status,
      api_key: key,
    });
  }

  await assert.rejects(stripe.customers.create({ email: uniqueEmail('f') }), (e) => {
    assert.ok(e instanceof StripeAPIError, `${e.constructor.name}: ${e.message}`);
    assert.equal(e.statusCode, 500);
    return true;
  });
  await assert.rejects(stripe.customers.create({ email: uniqueEmail('f') }), (e) => {
    assert.ok(e instanceof StripeRateLimitError, `${e.constructor.name}: ${e.message}`);
    assert.equal(e.statusCode, 429);
    assert.equal(e.code, 'rate_limit');
    return true;
  });
  const customer = await stripe.customers.create({ email: uniqueEmail('f') });

  assert.match(customer.id, /^cus_/);
  assert.deepEqual(
    stripe.conformanceRequests.map(([, , status]) => status),
    [500, 429, 200],
  );
});

test('an auto_complete scenario gives a session linked accounts at creation', async () => {
  const key = newTestKey();
  const stripe = makeClient(key);
  const customer = await stripe.customers.create({ email: uniqueEmail('auto') });
  await control('/_fcmock/scenarios', {
    outcome: 'success',
    accounts: ['success', 'savings'],
    auto_complete: true,
    api_key: key,
  });

  const session = await stripe.financialConnections.sessions.create({
    account_holder: { type: 'customer', customer: customer.id },
    permissions: ['balances', 'payment_method'],
  });
  const accounts = await stripe.financialConnections.accounts.list({ session: session.id });

  assert.equal(session.accounts.data.length, 2);
  assert.deepEqual(
    accounts.data.map((a) => a.id).sort(),
    session.accounts.data.map((a) => a.id).sort(),
  );
  for (const account of accounts.data) {
    assert.equal(account.status, 'active');
    assert.equal(account.account_holder.customer, customer.id);
  }
});
