// The server-side bank-account token through stripe-node: tokens.create({bank_account})
// with Stripe's test numbers gives a btok_ for STRIPE TEST BANK, refuses a number test mode
// does not take, and attaches once to a Custom account as an external account.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeClient, newTestKey } from './helpers.mjs';

const JENNY = {
  country: 'US',
  currency: 'usd',
  account_holder_name: 'Jenny Rosen',
  account_holder_type: 'individual',
  routing_number: '110000000',
  account_number: '000123456789',
};

test('a bank-account token is created from test numbers', async () => {
  const stripe = makeClient(newTestKey());

  const token = await stripe.tokens.create({ bank_account: JENNY });

  assert.match(token.id, /^btok_/);
  assert.equal(token.object, 'token');
  assert.equal(token.type, 'bank_account');
  assert.equal(token.used, false);
  assert.match(token.bank_account.id, /^ba_/);
  assert.equal(token.bank_account.bank_name, 'STRIPE TEST BANK');
  assert.equal(token.bank_account.last4, '6789');
  assert.equal(token.bank_account.status, 'new');
  const retrieved = await stripe.tokens.retrieve(token.id);
  assert.equal(retrieved.bank_account.fingerprint, token.bank_account.fingerprint);
});

test('a number test mode does not take is account_number_invalid', async () => {
  const stripe = makeClient(newTestKey());

  await assert.rejects(
    stripe.tokens.create({ bank_account: { ...JENNY, account_number: '123456789012' } }),
    (e) => e.type === 'StripeInvalidRequestError'
      && e.code === 'account_number_invalid'
      && e.param === 'bank_account[account_number]',
  );
});

test('the token attaches once to a Custom account', async () => {
  const stripe = makeClient(newTestKey());
  const account = await stripe.accounts.create({ type: 'custom', country: 'US' });
  const token = await stripe.tokens.create({ bank_account: JENNY });

  const bankAccount = await stripe.accounts.createExternalAccount(account.id, { external_account: token.id });

  assert.equal(bankAccount.object, 'bank_account');
  assert.equal(bankAccount.id, token.bank_account.id);
  assert.equal(bankAccount.account, account.id);
  await assert.rejects(
    stripe.accounts.createExternalAccount(account.id, { external_account: token.id }),
    (e) => e.code === 'token_already_used',
  );
});
