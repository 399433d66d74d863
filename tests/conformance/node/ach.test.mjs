// ACH Direct Debit through stripe-node: save a linked account with a SetupIntent, pay later
// off-session, settle with fcmock's control API, each of Stripe's failing test account
// numbers, and microdeposit verification (right and wrong values). Every response is
// captured and schema-checked like the rest of the suite, and every state change arrives as
// a signed event at a webhook endpoint (verified by stripe.webhooks.constructEvent).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Stripe, makeClient, newTestKey, control, flush, startReceiver, verifiedEvents } from './helpers.mjs';

const { StripeInvalidRequestError } = Stripe.errors;
const MANDATE_DATA = {
  customer_acceptance: {
    type: 'online',
    online: { ip_address: '127.0.0.1', user_agent: 'stripe-node conformance' },
  },
};

/** A webhook endpoint for every event on a fresh receiver: [receiver, signing secret]. */
async function subscribe(stripe) {
  const receiver = await startReceiver();
  const endpoint = await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
  return [receiver, endpoint.secret];
}

/** Every event delivered for this key, in order, each signature verified. */
async function delivered(stripe, key, receiver, secret) {
  const result = await flush(key);
  assert.deepEqual([result.failed, result.pending], [0, 0], JSON.stringify(result));
  return verifiedEvents(stripe, receiver, secret);
}

const kinds = (events, id) => events.filter((e) => e.data.object.id === id).map((e) => e.type);

async function linkedAccount(stripe) {
  const customer = await stripe.customers.create({ email: 'ach@example.com' });
  const session = await stripe.financialConnections.sessions.create({
    account_holder: { type: 'customer', customer: customer.id },
    permissions: ['payment_method', 'balances'],
  });
  const done = await control(`/_fcmock/sessions/${session.id}/complete`, { outcome: 'success' });
  return [customer.id, done.accounts.data[0].id];
}

const manualIntent = (stripe, number) =>
  stripe.paymentIntents.create({
    amount: 1000,
    currency: 'usd',
    payment_method_types: ['us_bank_account'],
    payment_method_data: {
      type: 'us_bank_account',
      us_bank_account: { routing_number: '110000000', account_number: number, account_holder_type: 'individual' },
      billing_details: { name: 'Jenny Rosen' },
    },
    mandate_data: MANDATE_DATA,
    confirm: true,
  });

test('a SetupIntent saves a linked account; an off-session payment settles', async () => {
  const key = newTestKey();
  const stripe = makeClient(key);
  const [receiver, secret] = await subscribe(stripe);
  const [customer, account] = await linkedAccount(stripe);
  const si = await stripe.setupIntents.create({
    customer,
    payment_method_types: ['us_bank_account'],
    payment_method_data: {
      type: 'us_bank_account',
      us_bank_account: { financial_connections_account: account },
      billing_details: { name: 'Jenny Rosen' },
    },
    mandate_data: MANDATE_DATA,
    confirm: true,
  });
  assert.equal(si.status, 'succeeded');
  const mandate = await stripe.mandates.retrieve(si.mandate);
  assert.equal(mandate.type, 'multi_use');
  let pi = await stripe.paymentIntents.create({
    amount: 4200,
    currency: 'usd',
    customer,
    payment_method: si.payment_method,
    payment_method_types: ['us_bank_account'],
    off_session: true,
    confirm: true,
  });
  assert.equal(pi.status, 'processing');
  assert.equal((await control('/_fcmock/payments/settle', { api_key: key })).settled, 1);
  pi = await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge'] });
  assert.equal(pi.status, 'succeeded');
  assert.equal(pi.latest_charge.status, 'succeeded');
  const events = await delivered(stripe, key, receiver, secret);
  await receiver.close();
  assert.deepEqual(kinds(events, si.id), ['setup_intent.created', 'setup_intent.succeeded']);
  assert.ok(kinds(events, si.payment_method).includes('payment_method.attached'));
  assert.deepEqual(kinds(events, pi.id), ['payment_intent.created', 'payment_intent.processing', 'payment_intent.succeeded']);
  assert.deepEqual(kinds(events, pi.latest_charge.id), ['charge.pending', 'charge.succeeded']);
});

for (const [number, code] of [
  ['000111111113', 'account_closed'],
  ['000111111116', 'no_account'],
  ['000222222227', 'insufficient_funds'],
  ['000333333335', 'debit_not_authorized'],
  ['000444444440', 'invalid_currency'],
]) {
  test(`a payment from ${number} fails with ${code}`, async () => {
    const key = newTestKey();
    const stripe = makeClient(key);
    const [receiver, secret] = await subscribe(stripe);
    let pi = await manualIntent(stripe, number);
    assert.equal(pi.next_action.type, 'verify_with_microdeposits');
    pi = await stripe.paymentIntents.verifyMicrodeposits(pi.id, { amounts: [32, 45] });
    assert.equal(pi.status, 'processing');
    await control('/_fcmock/payments/settle', { api_key: key });
    pi = await stripe.paymentIntents.retrieve(pi.id);
    assert.equal(pi.status, 'requires_payment_method');
    assert.equal(pi.last_payment_error.code, code);
    const charge = await stripe.charges.retrieve(pi.latest_charge);
    assert.deepEqual([charge.status, charge.failure_code], ['failed', code]);
    const events = await delivered(stripe, key, receiver, secret);
    await receiver.close();
    assert.deepEqual(kinds(events, pi.id), [
      'payment_intent.created',
      'payment_intent.requires_action',
      'payment_intent.processing',
      'payment_intent.payment_failed',
    ]);
    assert.deepEqual(kinds(events, charge.id), ['charge.pending', 'charge.failed']);
    const revoked = events.filter((e) => e.type === 'mandate.updated').map((e) => e.data.object.status);
    assert.deepEqual(revoked, code === 'debit_not_authorized' ? ['inactive'] : []);
  });
}

test('a disputed payment succeeds, then opens a lost dispute', async () => {
  const key = newTestKey();
  const stripe = makeClient(key);
  const [receiver, secret] = await subscribe(stripe);
  let pi = await manualIntent(stripe, '000555555559');
  pi = await stripe.paymentIntents.verifyMicrodeposits(pi.id, { amounts: [32, 45] });
  await control('/_fcmock/payments/settle', { api_key: key });
  pi = await stripe.paymentIntents.retrieve(pi.id);
  assert.equal(pi.status, 'succeeded');
  const disputes = await stripe.disputes.list({ charge: pi.latest_charge });
  assert.equal(disputes.data.length, 1);
  const dispute = await stripe.disputes.retrieve(disputes.data[0].id);
  assert.deepEqual([dispute.status, dispute.payment_intent], ['lost', pi.id]);
  const events = await delivered(stripe, key, receiver, secret);
  await receiver.close();
  assert.deepEqual(kinds(events, dispute.id), ['charge.dispute.created']);
});

test('microdeposits: the right code verifies, wrong amounts are refused', async () => {
  const stripe = makeClient(newTestKey());
  const ok = await manualIntent(stripe, '000123456789');
  const verified = await stripe.paymentIntents.verifyMicrodeposits(ok.id, { descriptor_code: 'SM11AA' });
  assert.equal(verified.status, 'processing');
  const other = await manualIntent(stripe, '000123456789');
  await assert.rejects(
    stripe.paymentIntents.verifyMicrodeposits(other.id, { amounts: [1, 2] }),
    (e) => e instanceof StripeInvalidRequestError && e.code === 'payment_method_microdeposit_verification_amounts_mismatch',
  );
  const sis = await stripe.setupIntents.list({ limit: 3 });
  assert.equal(sis.object, 'list');
});
