// Connect accounts through stripe-node: enough for the bank-account token flow.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Stripe, makeClient, newTestKey, uniqueEmail } from './helpers.mjs';

const { StripeError, StripeInvalidRequestError } = Stripe.errors;

const createCustomAccount = (stripe, email) =>
  stripe.accounts.create({
    type: 'custom',
    country: 'US',
    email,
    business_type: 'individual',
    capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
  });

test('creating a custom account returns an account object', async () => {
  const stripe = makeClient(newTestKey());
  const email = uniqueEmail('acct');
  const acct = await createCustomAccount(stripe, email);
  assert.match(acct.id, /^acct_[A-Za-z0-9]{16,}$/);
  assert.equal(acct.object, 'account');
  assert.equal(acct.type, 'custom');
  assert.equal(acct.country, 'US');
  assert.equal(acct.email, email);
  assert.equal(acct.business_type, 'individual');
  assert.ok('card_payments' in acct.capabilities, JSON.stringify(acct.capabilities));
  assert.ok('transfers' in acct.capabilities, JSON.stringify(acct.capabilities));
});

test('retrieving an account returns the created account', async () => {
  const stripe = makeClient(newTestKey());
  const acct = await createCustomAccount(stripe, uniqueEmail('r'));
  const fetched = await stripe.accounts.retrieve(acct.id);
  assert.deepEqual({ ...fetched }, { ...acct });
});

test('an account is invisible to another api key', async () => {
  const acct = await createCustomAccount(makeClient(newTestKey()), uniqueEmail('iso'));
  // Real Stripe words this as an access problem (code account_invalid); fcmock may use
  // resource_missing. Assert only that it is an error.
  let caught;
  try {
    await makeClient(newTestKey()).accounts.retrieve(acct.id);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof StripeError, String(caught));
  assert.ok([400, 401, 403, 404].includes(caught.statusCode), String(caught.statusCode));
});

test('creating an account with an unknown parameter is rejected', async () => {
  const stripe = makeClient(newTestKey());
  let caught;
  try {
    await stripe.accounts.create({ type: 'custom', country: 'US', bogus: '1' });
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof StripeInvalidRequestError, String(caught));
  assert.equal(caught.code, 'parameter_unknown');
  assert.equal(caught.param, 'bogus');
});
