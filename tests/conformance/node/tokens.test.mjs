// The bank-account token flow through stripe-node: a Connect account's session collected
// for a token ends with a btok_ that tokens.retrieve reads and that attaches once to the
// account as an external account.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  assertCountryFilter,
  countryFilter,
  makeClient,
  newTestKey,
  rawRequest,
} from './helpers.mjs';

async function tokenSession(stripe) {
  const account = await stripe.accounts.create({
    type: 'custom',
    country: 'US',
    capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
  });
  const session = await stripe.financialConnections.sessions.create({
    account_holder: { type: 'account', account: account.id },
    // filters[country] from 2026-09-30.endive on, filters[countries] before.
    filters: countryFilter('US'),
    permissions: ['ownership', 'payment_method'],
  });
  assertCountryFilter(session, 'US');
  const done = await fetch(`${BASE_URL}/_fcmock/sessions/${session.id}/complete`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ outcome: 'success', accounts: ['success'] }),
  });
  assert.equal(done.status, 200);
  const receipt = await rawRequest(
    'GET',
    `/v1/link_account_sessions/session_receipt?client_secret=${session.client_secret}`,
    { apiKey: 'pk_test_conformance' },
  );
  assert.equal(receipt.status, 200, receipt.text);
  return { account, tokenId: receipt.json.bank_account_token.id };
}

test('the token flow ends with a btok_ that tokens.retrieve reads', async () => {
  const stripe = makeClient(newTestKey());
  const { tokenId } = await tokenSession(stripe);

  const token = await stripe.tokens.retrieve(tokenId);

  assert.match(token.id, /^btok_/);
  assert.equal(token.object, 'token');
  assert.equal(token.type, 'bank_account');
  assert.equal(token.used, false);
  assert.equal(token.bank_account.bank_name, 'STRIPE TEST BANK');
  assert.equal(token.bank_account.last4, '6789');
});

test('attaching the token to the account spends it', async () => {
  const stripe = makeClient(newTestKey());
  const { account, tokenId } = await tokenSession(stripe);

  const bankAccount = await stripe.accounts.createExternalAccount(account.id, { external_account: tokenId });

  assert.equal(bankAccount.object, 'bank_account');
  assert.equal(bankAccount.account, account.id);
  assert.equal((await stripe.tokens.retrieve(tokenId)).used, true);
  await assert.rejects(
    stripe.accounts.createExternalAccount(account.id, { external_account: tokenId }),
    (e) => e.code === 'token_already_used',
  );
});
