// Customer search and the default payment method through stripe-node: stripe.customers.search
// (search_result, auto-paging over next_page, expand total_count, errors of a bad query), a
// PaymentMethod attached by customers.create and made the invoice default, expanded.
// Each test uses its own random sk_test_ key, i.e. an empty fcmock namespace.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Stripe, makeClient, newTestKey } from './helpers.mjs';

const fresh = () => makeClient(newTestKey());
const tag = () => crypto.randomBytes(4).toString('hex');
const { StripeInvalidRequestError } = Stripe.errors;
const PARSE_ERROR = 'We were unable to parse your search query.';

/** Runs fn, asserting it rejects with a StripeInvalidRequestError; returns the error. */
async function invalidRequest(fn) {
  let caught;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof StripeInvalidRequestError, `got ${caught?.type}: ${caught?.message}`);
  return caught;
}

function bankPaymentMethod(stripe) {
  return stripe.paymentMethods.create({
    type: 'us_bank_account',
    billing_details: { name: 'Jenny Rosen' },
    us_bank_account: {
      account_number: '000123456789',
      routing_number: '110000000',
      account_holder_type: 'individual',
    },
  });
}

// ------------------------------------------------------------------ search

test('search finds customers by email, name and metadata', async () => {
  const stripe = fresh();
  const t = tag();
  const jenny = await stripe.customers.create({
    email: `jenny.${t}@example.com`,
    name: 'Jenny Rosen',
    metadata: { t },
  });
  const jane = await stripe.customers.create({
    email: `jane.${t}@example.com`,
    name: 'Jane Doe',
    metadata: { t },
  });

  const byEmail = await stripe.customers.search({ query: `email:'jenny.${t}@example.com'` });
  assert.equal(byEmail.object, 'search_result');
  assert.equal(byEmail.url, '/v1/customers/search');
  assert.equal(byEmail.has_more, false);
  assert.equal(byEmail.next_page, null);
  assert.deepEqual(byEmail.data.map((c) => c.id), [jenny.id]);

  const both = await stripe.customers.search({ query: `metadata["t"]:"${t}"` });
  assert.deepEqual(both.data.map((c) => c.id), [jane.id, jenny.id]);
  const janeOnly = await stripe.customers.search({ query: `metadata["t"]:"${t}" -name~"jen"` });
  assert.deepEqual(janeOnly.data.map((c) => c.id), [jane.id]);
  const substring = await stripe.customers.search({ query: `email~"${t}"` });
  assert.equal(substring.data.length, 2);
});

test('search pages auto-page and count when expanded', async () => {
  const stripe = fresh();
  const t = tag();
  const ids = [];
  for (let i = 0; i < 5; i++) {
    ids.push((await stripe.customers.create({ name: `Pager ${t}`, description: `#${i}` })).id);
  }
  const newestFirst = [...ids].reverse();

  const first = await stripe.customers.search({
    query: `name:"${t}"`,
    limit: 2,
    expand: ['total_count'],
  });
  assert.deepEqual(first.data.map((c) => c.id), newestFirst.slice(0, 2));
  assert.equal(first.has_more, true);
  assert.equal(typeof first.next_page, 'string');
  assert.equal(first.total_count, 5);
  const second = await stripe.customers.search({ query: `name:"${t}"`, limit: 2, page: first.next_page });
  assert.deepEqual(second.data.map((c) => c.id), newestFirst.slice(2, 4));
  assert.equal(second.total_count, undefined);

  const every = await stripe.customers.search({ query: `name:"${t}"`, limit: 2 }).autoPagingToArray({ limit: 100 });
  assert.deepEqual(every.map((c) => c.id), newestFirst);
});

test('a bad query is refused with invalid request errors', async () => {
  const stripe = fresh();

  const unparsed = await invalidRequest(() => stripe.customers.search({ query: 'asdf' }));
  assert.equal(unparsed.statusCode, 400);
  assert.ok(unparsed.message.startsWith(PARSE_ERROR), unparsed.message);

  const field = await invalidRequest(() => stripe.customers.search({ query: 'foo:"bar"' }));
  assert.match(field.message, /Field `foo` is an unsupported search field for resource `customers`/);

  const limit = await invalidRequest(() => stripe.customers.search({ query: 'email:"a@example.com"', limit: 101 }));
  assert.equal(limit.param, 'limit');
});

// ------------------------------------------------------------------ default payment method

test('create attaches the payment method and expands the default', async () => {
  const stripe = fresh();
  const pm = await bankPaymentMethod(stripe);

  const cus = await stripe.customers.create({
    payment_method: pm.id,
    invoice_settings: { default_payment_method: pm.id },
    expand: ['invoice_settings.default_payment_method'],
  });

  const def = cus.invoice_settings.default_payment_method;
  assert.equal(def.object, 'payment_method');
  assert.equal(def.id, pm.id);
  assert.equal(def.customer, cus.id);
  assert.equal((await stripe.paymentMethods.retrieve(pm.id)).customer, cus.id);
  const listed = await stripe.customers.listPaymentMethods(cus.id);
  assert.deepEqual(listed.data.map((m) => m.id), [pm.id]);
  const fetched = await stripe.customers.retrieve(cus.id);
  assert.equal(fetched.invoice_settings.default_payment_method, pm.id);
});

test('a default payment method not attached to the customer is refused', async () => {
  const stripe = fresh();
  const cus = await stripe.customers.create();
  const loose = await bankPaymentMethod(stripe);

  const e = await invalidRequest(() =>
    stripe.customers.update(cus.id, { invoice_settings: { default_payment_method: loose.id } }),
  );
  assert.equal(e.statusCode, 400);
  assert.equal(e.param, 'invoice_settings[default_payment_method]');
  assert.ok(e.message.includes(`does not have a payment method with the ID ${loose.id}`), e.message);

  const missing = await invalidRequest(() => stripe.customers.create({ payment_method: 'pm_doesnotexist' }));
  assert.equal(missing.code, 'resource_missing');
  assert.equal(missing.param, 'payment_method');
});
