// Financial Connections through stripe-node: the whole server-side flow, and its errors.
//
// The flow a backend CI suite runs: customer → session → headless completion (fcmock's
// control API, plain HTTP) → accounts by session and by holder → refresh → settle (control
// API) → retrieve with expand[]=ownership → owners → transactions with filters and
// auto-paging → subscribe / unsubscribe → a us_bank_account PaymentMethod → attach, list,
// detach → disconnect → refresh refused. Each test has its own sk_test_ key (an empty
// namespace). /_fcmock/… responses are captured but not schema-checked; every Stripe
// response is.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Stripe, makeClient, newTestKey, rawRequest, uniqueEmail } from './helpers.mjs';

const { StripeInvalidRequestError } = Stripe.errors;
const ALL_PERMISSIONS = ['balances', 'ownership', 'payment_method', 'transactions'];
const FCA_PARAM = 'us_bank_account[financial_connections_account]';

// ---------------------------------------------------------------- helpers

/** POSTs a JSON body to fcmock's control API (no Stripe key) and returns the answer. */
async function control(path, body) {
  const res = await rawRequest('POST', path, {
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  });
  assert.equal(res.status, 200, res.text);
  return res.json;
}

/** Completes a session headlessly: POST /_fcmock/sessions/{id}/complete. */
const complete = (sessionId, outcome = { outcome: 'success' }) =>
  control(`/_fcmock/sessions/${sessionId}/complete`, outcome);

/** Settles every pending refresh now: POST /_fcmock/refreshes/settle. */
const settle = async () => (await control('/_fcmock/refreshes/settle', {})).settled;

/** fcmock's mock time, from GET /_fcmock/clock. */
async function clockNow() {
  const res = await rawRequest('GET', '/_fcmock/clock');
  assert.equal(res.status, 200, res.text);
  return res.json.now;
}

/**
 * Moves fcmock's mock clock past an account's transaction refresh cooldown
 * (`transaction_refresh.next_refresh_available_at`) instead of sleeping through it:
 * POST /_fcmock/clock {"advance_seconds": n} until GET /_fcmock/clock reads at least that
 * time, within a 5 s deadline.
 */
async function pastRefreshCooldown(stripe, accountId) {
  const account = await stripe.financialConnections.accounts.retrieve(accountId);
  const available = account.transaction_refresh?.next_refresh_available_at;
  assert.ok(
    Number.isInteger(available),
    `no cooldown to wait out: ${JSON.stringify(account.transaction_refresh)}`,
  );
  const deadline = Date.now() + 5000;
  for (;;) {
    const now = await clockNow();
    if (now >= available) return;
    assert.ok(Date.now() < deadline, `the mock clock stayed at ${now}, before ${available}`);
    await control('/_fcmock/clock', { advance_seconds: available - now });
  }
}

const newCustomer = (stripe) =>
  stripe.customers.create({ email: uniqueEmail('fc'), name: 'Jenny Rosen' });

const newSession = (stripe, customer, permissions = ALL_PERMISSIONS) =>
  stripe.financialConnections.sessions.create({
    account_holder: { type: 'customer', customer },
    permissions,
  });

/** A new customer's account, linked through a completed session. */
async function linkedAccount(
  stripe,
  { permissions = ALL_PERMISSIONS, institution = 'test_institution', account = 'success' } = {},
) {
  const cus = await newCustomer(stripe);
  const session = await newSession(stripe, cus.id, permissions);
  await complete(session.id, { outcome: 'success', institution, accounts: [account] });
  const { data } = await stripe.financialConnections.accounts.list({ session: session.id });
  assert.equal(data.length, 1);
  return data[0];
}

/** Runs `fn`, which must throw a StripeInvalidRequestError; returns the error. */
async function invalidRequest(fn) {
  let caught;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof StripeInvalidRequestError, String(caught));
  return caught;
}

const pmFrom = (stripe, fca, extra = { billing_details: { name: 'Jenny Rosen' } }) =>
  stripe.paymentMethods.create({
    type: 'us_bank_account',
    us_bank_account: { financial_connections_account: fca },
    ...extra,
  });

// ---------------------------------------------------------------- the flow

test('the whole financial connections flow runs from customer to disconnect', async () => {
  const stripe = makeClient(newTestKey());
  const fc = stripe.financialConnections;

  // Customer and session.
  const cus = await newCustomer(stripe);
  const session = await newSession(stripe, cus.id);
  assert.equal(session.object, 'financial_connections.session');
  assert.match(session.id, /^fcsess_/);
  assert.match(session.client_secret, /^fcsess_client_secret_/);
  assert.deepEqual(session.accounts.data, []);
  assert.deepEqual(session.permissions, ALL_PERMISSIONS);

  // Headless completion, then the accounts by session and by holder.
  const completed = await complete(session.id, {
    outcome: 'success',
    institution: 'test_institution',
    accounts: ['success', 'savings'],
  });
  assert.deepEqual(
    completed.accounts.data.map((a) => a.display_name),
    ['Success', 'Savings'],
  );
  const bySession = await fc.accounts.list({ session: session.id });
  const byHolder = await fc.accounts.list({ account_holder: { customer: cus.id } });
  assert.equal(bySession.data.length, 2);
  assert.deepEqual(
    byHolder.data.map((a) => a.id),
    bySession.data.map((a) => a.id),
  );
  assert.equal((await fc.sessions.retrieve(session.id)).accounts.data.length, 2);
  const fca = bySession.data.find((a) => a.display_name === 'Success');
  assert.equal(fca.object, 'financial_connections.account');
  assert.equal(fca.status, 'active');
  assert.equal(fca.account_holder.customer, cus.id);
  assert.equal(fca.balance, null);

  // Refresh balance, ownership and transactions; they stay pending until settled.
  const refreshing = await fc.accounts.refresh(fca.id, {
    features: ['balance', 'ownership', 'transactions'],
  });
  for (const state of [
    refreshing.balance_refresh,
    refreshing.ownership_refresh,
    refreshing.transaction_refresh,
  ]) {
    assert.equal(state.status, 'pending');
    assert.equal(state.next_refresh_available_at, null);
  }
  assert.match(refreshing.transaction_refresh.id, /^fctxnref_/);
  await settle();

  // Retrieve with the ownership expanded, then its owners.
  const account = await fc.accounts.retrieve(fca.id, { expand: ['ownership'] });
  assert.equal(account.balance_refresh.status, 'succeeded');
  assert.equal(account.ownership_refresh.status, 'succeeded');
  assert.equal(account.transaction_refresh.status, 'succeeded');
  assert.equal(account.balance.type, 'cash');
  assert.equal(account.balance.current.usd, 6000);
  const ownership = account.ownership;
  assert.equal(ownership.object, 'financial_connections.account_ownership');
  assert.match(ownership.id, /^fcaowns_/);
  assert.deepEqual(
    ownership.owners.data.map((o) => o.name),
    ['Jenny Rosen'],
  );
  const owners = await fc.accounts.listOwners(fca.id, { ownership: ownership.id });
  assert.deepEqual(
    owners.data.map((o) => o.id),
    ownership.owners.data.map((o) => o.id),
  );
  assert.equal(owners.data[0].object, 'financial_connections.account_owner');
  assert.equal(owners.data[0].ownership, ownership.id);

  // Transactions: every page, newest first, each exactly once.
  const firstPage = await fc.transactions.list({ account: fca.id, limit: 100 });
  assert.equal(firstPage.data.length, 100);
  assert.equal(firstPage.has_more, true);
  const every = [];
  for await (const t of fc.transactions.list({ account: fca.id, limit: 100 })) every.push(t);
  const ids = every.map((t) => t.id);
  assert.ok(ids.length > 100, String(ids.length));
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual(
    ids.slice(0, 100),
    firstPage.data.map((t) => t.id),
  );
  const times = every.map((t) => t.transacted_at);
  assert.deepEqual(
    times,
    [...times].sort((a, b) => b - a),
  );
  assert.ok(every.every((t) => t.object === 'financial_connections.transaction'));
  assert.ok(every.every((t) => t.account === fca.id));
  const one = await fc.transactions.retrieve(every[0].id);
  assert.deepEqual({ ...one }, { ...every[0] });

  // transacted_at[gte]: the same transactions, from that time on.
  const since = times[Math.floor(times.length / 2)];
  const recent = await fc.transactions
    .list({ account: fca.id, transacted_at: { gte: since }, limit: 25 })
    .autoPagingToArray({ limit: 10000 });
  assert.deepEqual(
    recent.map((t) => t.id),
    every.filter((t) => t.transacted_at >= since).map((t) => t.id),
  );

  // transaction_refresh[after] the only refresh so far: nothing is newer.
  const after = await fc.transactions.list({
    account: fca.id,
    transaction_refresh: { after: account.transaction_refresh.id },
  });
  assert.deepEqual(after.data, []);
  assert.equal(after.has_more, false);

  // Subscribe, unsubscribe.
  const subscribed = await fc.accounts.subscribe(fca.id, { features: ['transactions'] });
  assert.deepEqual(subscribed.subscriptions, ['transactions']);
  const unsubscribed = await fc.accounts.unsubscribe(fca.id, { features: ['transactions'] });
  assert.deepEqual(unsubscribed.subscriptions, []);

  // A PaymentMethod from the account: attach, list, detach.
  const pm = await pmFrom(stripe, fca.id);
  assert.equal(pm.object, 'payment_method');
  assert.equal(pm.type, 'us_bank_account');
  assert.equal(pm.us_bank_account.financial_connections_account, fca.id);
  assert.equal(pm.us_bank_account.last4, '6789');
  assert.equal(pm.us_bank_account.routing_number, '110000000');
  assert.equal(pm.billing_details.name, 'Jenny Rosen');
  assert.equal(pm.customer, null);
  const attached = await stripe.paymentMethods.attach(pm.id, { customer: cus.id });
  assert.equal(attached.customer, cus.id);
  const listed = await stripe.customers.listPaymentMethods(cus.id);
  assert.deepEqual(
    listed.data.map((p) => p.id),
    [pm.id],
  );
  const detached = await stripe.paymentMethods.detach(pm.id);
  assert.equal(detached.customer, null);
  assert.deepEqual((await stripe.customers.listPaymentMethods(cus.id)).data, []);

  // Disconnect; refreshing is refused from then on.
  const disconnected = await fc.accounts.disconnect(fca.id);
  assert.equal(disconnected.status, 'disconnected');
  assert.equal(disconnected.balance, null);
  const refused = await invalidRequest(() =>
    fc.accounts.refresh(fca.id, { features: ['balance'] }),
  );
  assert.equal(refused.statusCode, 400);
  assert.equal(refused.code, 'financial_connections_account_inactive');
});

test('transaction_refresh after returns only transactions of a later refresh', async () => {
  const stripe = makeClient(newTestKey());
  const fc = stripe.financialConnections;
  const fca = await linkedAccount(stripe);
  const first = await fc.accounts.refresh(fca.id, { features: ['transactions'] });
  await settle();
  // The next refresh may start one second after the first settled (its cooldown).
  await pastRefreshCooldown(stripe, fca.id);
  const second = await fc.accounts.subscribe(fca.id, { features: ['transactions'] });
  assert.equal(second.transaction_refresh.status, 'pending');
  assert.notEqual(second.transaction_refresh.id, first.transaction_refresh.id);
  await settle();

  const every = await fc.transactions
    .list({ account: fca.id, limit: 100 })
    .autoPagingToArray({ limit: 10000 });
  const later = await fc.transactions
    .list({
      account: fca.id,
      transaction_refresh: { after: first.transaction_refresh.id },
      limit: 100,
    })
    .autoPagingToArray({ limit: 10000 });

  // Pending transactions that posted or voided, and new ones, carry the second refresh.
  assert.deepEqual(
    later.map((t) => t.id),
    every.filter((t) => t.transaction_refresh === second.transaction_refresh.id).map((t) => t.id),
  );
  assert.ok(later.length < every.length);
});

test('walking transactions with ending_before returns the newer ones', async () => {
  const stripe = makeClient(newTestKey());
  const fc = stripe.financialConnections;
  const fca = await linkedAccount(stripe);
  await fc.accounts.refresh(fca.id, { features: ['transactions'] });
  await settle();
  const every = (
    await fc.transactions.list({ account: fca.id, limit: 100 }).autoPagingToArray({ limit: 10000 })
  ).map((t) => t.id);

  const page = await fc.transactions.list({ account: fca.id, limit: 5, ending_before: every[10] });

  assert.deepEqual(
    page.data.map((t) => t.id),
    every.slice(5, 10),
  );
  assert.equal(page.has_more, true);
});

test('a cancelled session links no accounts', async () => {
  const stripe = makeClient(newTestKey());
  const cus = await newCustomer(stripe);
  const session = await newSession(stripe, cus.id);

  const completed = await complete(session.id, { outcome: 'cancel' });

  assert.deepEqual(completed.accounts.data, []);
  const listed = await stripe.financialConnections.accounts.list({ session: session.id });
  assert.deepEqual(listed.data, []);
});

test('a session at a bank that is down links no accounts', async () => {
  const stripe = makeClient(newTestKey());
  const cus = await newCustomer(stripe);
  const session = await newSession(stripe, cus.id);

  await complete(session.id, { outcome: 'success', institution: 'down_bank_unscheduled' });

  const retrieved = await stripe.financialConnections.sessions.retrieve(session.id);
  assert.deepEqual(retrieved.accounts.data, []);
});

// ---------------------------------------------------------------- errors

test('a session for a customer that does not exist is refused with resource_missing', async () => {
  const stripe = makeClient(newTestKey());
  const e = await invalidRequest(() => newSession(stripe, 'cus_doesnotexist'));
  assert.equal(e.statusCode, 400);
  assert.equal(e.code, 'resource_missing');
  assert.equal(e.param, 'account_holder[customer]');
  assert.match(e.message, /cus_doesnotexist/);
});

test('a session without permissions is refused with parameter_missing', async () => {
  const stripe = makeClient(newTestKey());
  const cus = await newCustomer(stripe);
  const e = await invalidRequest(() =>
    stripe.financialConnections.sessions.create({
      account_holder: { type: 'customer', customer: cus.id },
    }),
  );
  assert.equal(e.statusCode, 400);
  assert.equal(e.code, 'parameter_missing');
  assert.equal(e.param, 'permissions');
});

test('a session with an unknown parameter is refused with parameter_unknown', async () => {
  const stripe = makeClient(newTestKey());
  const cus = await newCustomer(stripe);
  const e = await invalidRequest(() =>
    stripe.financialConnections.sessions.create({
      account_holder: { type: 'customer', customer: cus.id },
      permissions: ['balances'],
      colour: 'blue',
    }),
  );
  assert.equal(e.statusCode, 400);
  assert.equal(e.code, 'parameter_unknown');
  assert.equal(e.param, 'colour');
  assert.equal(e.message, 'Received unknown parameter: colour');
});

test('listing accounts by session and customer is refused with parameters_exclusive', async () => {
  const stripe = makeClient(newTestKey());
  const cus = await newCustomer(stripe);
  const session = await newSession(stripe, cus.id);
  const e = await invalidRequest(() =>
    stripe.financialConnections.accounts.list({
      session: session.id,
      account_holder: { customer: cus.id },
    }),
  );
  assert.equal(e.statusCode, 400);
  assert.equal(e.code, 'parameters_exclusive');
  assert.ok(['session', 'account_holder[customer]'].includes(e.param), e.param);
});

test('listing transactions before any refresh is refused', async () => {
  const stripe = makeClient(newTestKey());
  const fca = await linkedAccount(stripe);
  const e = await invalidRequest(() =>
    stripe.financialConnections.transactions.list({ account: fca.id }),
  );
  assert.equal(e.statusCode, 400);
  assert.equal(e.code, 'financial_connections_no_successful_transaction_refresh');
  assert.equal(e.param, 'account');
});

test('refreshing a feature without its permission is refused', async () => {
  const stripe = makeClient(newTestKey());
  const fca = await linkedAccount(stripe, { permissions: ['payment_method'] });
  const e = await invalidRequest(() =>
    stripe.financialConnections.accounts.refresh(fca.id, { features: ['transactions'] }),
  );
  assert.equal(e.statusCode, 400);
  assert.equal(e.param, 'features');
  const account = await stripe.financialConnections.accounts.retrieve(fca.id);
  assert.equal(account.transaction_refresh, null);
});

test('a payment method from an account without the payment_method permission is refused', async () => {
  const stripe = makeClient(newTestKey());
  const fca = await linkedAccount(stripe, { permissions: ['balances', 'transactions'] });
  const e = await invalidRequest(() => pmFrom(stripe, fca.id));
  assert.equal(e.statusCode, 400);
  assert.equal(e.param, FCA_PARAM);
});

test('a payment method from an invalid_payment_accounts account is refused', async () => {
  const stripe = makeClient(newTestKey());
  const fca = await linkedAccount(stripe, {
    institution: 'invalid_payment_accounts',
    account: 'checking',
  });
  assert.deepEqual(fca.supported_payment_method_types, []);
  const e = await invalidRequest(() => pmFrom(stripe, fca.id));
  assert.equal(e.statusCode, 400);
  assert.equal(e.param, FCA_PARAM);
});

test('a payment method without a billing name is refused with parameter_missing', async () => {
  const stripe = makeClient(newTestKey());
  const fca = await linkedAccount(stripe);
  const e = await invalidRequest(() => pmFrom(stripe, fca.id, {}));
  assert.equal(e.statusCode, 400);
  assert.equal(e.code, 'parameter_missing');
  assert.equal(e.param, 'billing_details[name]');
});

test('retrieving an unknown account is a 404 resource_missing', async () => {
  const stripe = makeClient(newTestKey());
  const e = await invalidRequest(() =>
    stripe.financialConnections.accounts.retrieve('fca_doesnotexist'),
  );
  assert.equal(e.statusCode, 404);
  assert.equal(e.code, 'resource_missing');
});
