// Customers through stripe-node: CRUD, lists and pagination, expand, errors, idempotency.
// Each test uses its own random sk_test_ key, i.e. an empty fcmock namespace.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Stripe, makeClient, newTestKey, rawRequest, uniqueEmail } from './helpers.mjs';

const ADDRESS = {
  city: 'San Francisco',
  country: 'US',
  line1: '510 Townsend St',
  line2: 'Floor 2',
  postal_code: '94103',
  state: 'CA',
};

const fresh = () => makeClient(newTestKey());

async function createMany(stripe, n, params = {}) {
  const ids = [];
  for (let i = 0; i < n; i++) {
    ids.push((await stripe.customers.create({ description: `#${i}`, ...params })).id);
  }
  return ids; // oldest first
}

/** Runs fn, asserting it rejects with an error of class cls; returns the error. */
async function rejectsWith(fn, cls) {
  let caught;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught, 'expected the call to fail');
  assert.ok(caught instanceof cls, `expected ${cls.name}, got ${caught?.type}: ${caught?.message}`);
  return caught;
}

const { StripeInvalidRequestError, StripeAuthenticationError, StripeIdempotencyError, StripeError } =
  Stripe.errors;

const sorted = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

// ------------------------------------------------------------------ create / retrieve

test('creating a customer stores every given field', async () => {
  const stripe = fresh();
  const email = uniqueEmail();
  const cus = await stripe.customers.create({
    email,
    name: 'Jenny Rosen',
    description: 'conformance customer',
    phone: '+14155550100',
    address: ADDRESS,
    metadata: { order_id: '6735', tier: 'gold' },
  });
  assert.match(cus.id, /^cus_[A-Za-z0-9]{14,}$/);
  assert.equal(cus.object, 'customer');
  assert.equal(cus.livemode, false);
  assert.ok(Number.isInteger(cus.created) && cus.created > 1_500_000_000);
  assert.equal(cus.email, email);
  assert.equal(cus.name, 'Jenny Rosen');
  assert.equal(cus.description, 'conformance customer');
  assert.equal(cus.phone, '+14155550100');
  assert.deepEqual(sorted(cus.address), ADDRESS);
  assert.deepEqual(cus.metadata, { order_id: '6735', tier: 'gold' });
});

test('retrieving a customer returns the same object as create', async () => {
  const stripe = fresh();
  const created = await stripe.customers.create({ email: uniqueEmail(), name: 'Ret Rieve', metadata: { k: 'v' } });
  const fetched = await stripe.customers.retrieve(created.id);
  assert.deepEqual({ ...fetched }, { ...created });
});

// ------------------------------------------------------------------ update

test('updating a customer changes only the given fields', async () => {
  const stripe = fresh();
  const email = uniqueEmail();
  const cus = await stripe.customers.create({ email, name: 'Old Name' });
  const updated = await stripe.customers.update(cus.id, { name: 'New Name' });
  assert.equal(updated.id, cus.id);
  assert.equal(updated.name, 'New Name');
  assert.equal(updated.email, email);
  assert.equal((await stripe.customers.retrieve(cus.id)).name, 'New Name');
});

test('updating metadata merges keys and an empty value deletes a key', async () => {
  const stripe = fresh();
  const cus = await stripe.customers.create({ metadata: { a: '1', b: '2' } });
  const updated = await stripe.customers.update(cus.id, { metadata: { b: '', c: '3' } });
  assert.deepEqual(updated.metadata, { a: '1', c: '3' });
  assert.deepEqual((await stripe.customers.retrieve(cus.id)).metadata, { a: '1', c: '3' });
});

test('setting metadata to an empty string clears all keys', async () => {
  const stripe = fresh();
  const cus = await stripe.customers.create({ metadata: { a: '1', b: '2' } });
  const updated = await stripe.customers.update(cus.id, { metadata: '' });
  assert.deepEqual(updated.metadata, {});
});

// ------------------------------------------------------------------ delete

test('deleting a customer returns the deleted stub', async () => {
  const stripe = fresh();
  const cus = await stripe.customers.create();
  const deleted = await stripe.customers.del(cus.id);
  assert.deepEqual({ ...deleted }, { id: cus.id, object: 'customer', deleted: true });
});

test('retrieving a deleted customer returns the deleted stub with 200', async () => {
  // Stripe: the 200 schema of GET /v1/customers/{id} is anyOf[customer, deleted_customer].
  const stripe = fresh();
  const cus = await stripe.customers.create();
  await stripe.customers.del(cus.id);
  const again = await stripe.customers.retrieve(cus.id);
  assert.equal(again.id, cus.id);
  assert.equal(again.deleted, true);
  assert.equal(again.lastResponse.statusCode, 200);
});

test('a deleted customer is no longer listed', async () => {
  const stripe = fresh();
  const [keep, gone] = await createMany(stripe, 2);
  await stripe.customers.del(gone);
  const page = await stripe.customers.list();
  assert.deepEqual(page.data.map((c) => c.id), [keep]);
});

// ------------------------------------------------------------------ list and pagination

test('listing customers returns a list object newest first', async () => {
  const stripe = fresh();
  const ids = await createMany(stripe, 3);
  const page = await stripe.customers.list();
  assert.equal(page.object, 'list');
  assert.equal(page.url, '/v1/customers');
  assert.equal(page.has_more, false);
  assert.deepEqual(page.data.map((c) => c.id), [...ids].reverse());
});

test('listing with an email filter returns only exact matches', async () => {
  const stripe = fresh();
  const target = uniqueEmail('target');
  const first = (await stripe.customers.create({ email: target })).id;
  await stripe.customers.create({ email: uniqueEmail('other') });
  await stripe.customers.create({ email: 'x' + target });
  const second = (await stripe.customers.create({ email: target })).id;
  const page = await stripe.customers.list({ email: target });
  assert.deepEqual(page.data.map((c) => c.id), [second, first]);
});

test('limit caps the page and sets has_more', async () => {
  const stripe = fresh();
  const ids = await createMany(stripe, 5);
  const page = await stripe.customers.list({ limit: 2 });
  assert.deepEqual(page.data.map((c) => c.id), [ids[4], ids[3]]);
  assert.equal(page.has_more, true);
  const all = await stripe.customers.list({ limit: 5 });
  assert.equal(all.data.length, 5);
  assert.equal(all.has_more, false);
});

test('starting_after returns the next older page', async () => {
  const stripe = fresh();
  const ids = await createMany(stripe, 5); // list order: 4 3 2 1 0
  const page = await stripe.customers.list({ limit: 2, starting_after: ids[4] });
  assert.deepEqual(page.data.map((c) => c.id), [ids[3], ids[2]]);
  assert.equal(page.has_more, true);
  const tail = await stripe.customers.list({ limit: 2, starting_after: ids[2] });
  assert.deepEqual(tail.data.map((c) => c.id), [ids[1], ids[0]]);
  assert.equal(tail.has_more, false);
});

test('ending_before returns the next newer page', async () => {
  const stripe = fresh();
  const ids = await createMany(stripe, 5); // list order: 4 3 2 1 0
  const page = await stripe.customers.list({ limit: 2, ending_before: ids[1] });
  assert.deepEqual(page.data.map((c) => c.id), [ids[3], ids[2]]);
  assert.equal(page.has_more, true);
  const head = await stripe.customers.list({ limit: 2, ending_before: ids[3] });
  assert.deepEqual(head.data.map((c) => c.id), [ids[4]]);
  assert.equal(head.has_more, false);
});

test('for await auto-pagination yields every customer exactly once newest first', async () => {
  const stripe = fresh();
  const ids = await createMany(stripe, 25);
  const before = stripe.conformanceRequests.length;
  const seen = [];
  for await (const c of stripe.customers.list({ limit: 10 })) seen.push(c.id);
  assert.deepEqual(seen, [...ids].reverse());
  const gets = stripe.conformanceRequests.slice(before).filter(([m]) => m === 'GET');
  assert.equal(gets.length, 3);
});

test('autoPagingToArray collects every customer exactly once newest first', async () => {
  const stripe = fresh();
  const ids = await createMany(stripe, 25);
  const all = await stripe.customers.list({ limit: 7 }).autoPagingToArray({ limit: 1000 });
  assert.deepEqual(all.map((c) => c.id), [...ids].reverse());
});

// ------------------------------------------------------------------ expand

test('expanding default_source on retrieve is accepted', async () => {
  const stripe = fresh();
  const cus = await stripe.customers.create();
  const fetched = await stripe.customers.retrieve(cus.id, { expand: ['default_source'] });
  assert.equal(fetched.id, cus.id);
  assert.equal(fetched.default_source, null);
});

test('expanding an unknown property is an invalid request', async () => {
  // Stripe's text: "This property cannot be expanded (bogus)." (400 invalid_request_error).
  const stripe = fresh();
  const cus = await stripe.customers.create();
  const e = await rejectsWith(() => stripe.customers.retrieve(cus.id, { expand: ['bogus'] }), StripeInvalidRequestError);
  assert.equal(e.statusCode, 400);
  assert.match(e.message, /cannot be expanded/);
  assert.match(e.message, /bogus/);
});

// ------------------------------------------------------------------ parameter errors

test('an unknown parameter is rejected with parameter_unknown', async () => {
  const stripe = fresh();
  const e = await rejectsWith(() => stripe.customers.create({ x: '1' }), StripeInvalidRequestError);
  assert.equal(e.statusCode, 400);
  assert.equal(e.code, 'parameter_unknown');
  assert.equal(e.param, 'x');
  assert.equal(e.rawType, 'invalid_request_error');
  assert.match(e.message, /^Received unknown parameter: x/);
  assert.match(e.doc_url, /\/error-codes\/parameter-unknown$/);
});

test('an unknown nested parameter names its full bracket path', async () => {
  const stripe = fresh();
  const e = await rejectsWith(
    () => stripe.customers.create({ address: { line1: 'x', bogus: '1' } }),
    StripeInvalidRequestError,
  );
  assert.equal(e.code, 'parameter_unknown');
  assert.equal(e.param, 'address[bogus]');
  assert.ok(e.message.includes('Received unknown parameter: address[bogus]'), e.message);
});

test('a non-integer limit is parameter_invalid_integer', async () => {
  // Stripe's text: "Invalid integer: abc".
  const stripe = fresh();
  const e = await rejectsWith(() => stripe.customers.list({ limit: 'abc' }), StripeInvalidRequestError);
  assert.equal(e.statusCode, 400);
  assert.equal(e.code, 'parameter_invalid_integer');
  assert.equal(e.param, 'limit');
  assert.match(e.message, /abc/);
});

for (const limit of [0, 101]) {
  test(`a limit of ${limit} is rejected because limit must be between 1 and 100`, async () => {
    const stripe = fresh();
    const e = await rejectsWith(() => stripe.customers.list({ limit }), StripeInvalidRequestError);
    assert.equal(e.statusCode, 400);
    assert.equal(e.param, 'limit');
    assert.match(e.message, /must be/);
  });
}

test('retrieving a missing customer is a 404 resource_missing', async () => {
  const stripe = fresh();
  const e = await rejectsWith(() => stripe.customers.retrieve('cus_doesnotexist00'), StripeInvalidRequestError);
  assert.equal(e.statusCode, 404);
  assert.equal(e.code, 'resource_missing');
  assert.equal(e.param, 'id');
  // Stripe's text: "No such customer: 'cus_doesnotexist00'".
  assert.match(e.message, /No such customer/);
  assert.match(e.message, /cus_doesnotexist00/);
  assert.match(e.requestId, /^req_/);
});

// ------------------------------------------------------------------ authentication

test('an invalid api key is an authentication error', async () => {
  const bad = makeClient('not_a_real_key_123');
  const e = await rejectsWith(() => bad.customers.list(), StripeAuthenticationError);
  assert.equal(e.statusCode, 401);
  assert.match(e.message, /Invalid API Key provided/);
  assert.ok(!e.message.includes('not_a_real_key_123'), 'the key is masked');
});

test('a live key is refused because fcmock never accepts live keys', async () => {
  const live = makeClient('sk_live_' + crypto.randomBytes(12).toString('hex'));
  const e = await rejectsWith(() => live.customers.create(), StripeAuthenticationError);
  assert.equal(e.statusCode, 401);
  // fcmock's wording (src/stripe/auth.rs): "... never accepts live keys ...".
  assert.match(e.message, /fcmock/);
  assert.match(e.message, /never accepts live keys/);
});

test('a request without an api key is a 401', async () => {
  const r = await rawRequest('GET', '/v1/customers');
  assert.equal(r.status, 401);
  assert.equal(r.json.error.type, 'invalid_request_error');
  assert.match(r.json.error.message, /did not provide an API key/);
});

// ------------------------------------------------------------------ idempotency

test('the same idempotency key replays the first customer', async () => {
  const stripe = fresh();
  const idempotencyKey = 'idem-' + crypto.randomBytes(8).toString('hex');
  const params = { email: uniqueEmail(), name: 'Idem Potent' };
  const first = await stripe.customers.create(params, { idempotencyKey });
  const second = await stripe.customers.create(params, { idempotencyKey });
  assert.equal(second.id, first.id);
  assert.deepEqual({ ...second }, { ...first });
  assert.equal(second.lastResponse.headers.get('idempotent-replayed'), 'true');
  assert.notEqual(first.lastResponse.headers.get('idempotent-replayed'), 'true');
  const page = await stripe.customers.list();
  assert.deepEqual(page.data.map((c) => c.id), [first.id]);
});

test('reusing an idempotency key with other parameters is an idempotency error', async () => {
  const stripe = fresh();
  const idempotencyKey = 'idem-' + crypto.randomBytes(8).toString('hex');
  await stripe.customers.create({ name: 'A' }, { idempotencyKey });
  const e = await rejectsWith(() => stripe.customers.create({ name: 'B' }, { idempotencyKey }), StripeIdempotencyError);
  assert.equal(e.statusCode, 400);
  assert.equal(e.rawType, 'idempotency_error');
  assert.match(e.message, /same parameters/);
});

// ------------------------------------------------------------------ isolation

test('two api keys never see each others customers', async () => {
  const a = fresh();
  const b = fresh();
  const email = uniqueEmail('shared');
  const mine = await a.customers.create({ email });
  const theirs = await b.customers.create({ email });
  assert.deepEqual((await a.customers.list()).data.map((c) => c.id), [mine.id]);
  assert.deepEqual((await b.customers.list({ email })).data.map((c) => c.id), [theirs.id]);
  const e = await rejectsWith(() => b.customers.retrieve(mine.id), StripeInvalidRequestError);
  assert.equal(e.statusCode, 404);
  await rejectsWith(() => b.customers.del(mine.id), StripeError);
  assert.equal((await a.customers.retrieve(mine.id)).deleted, undefined);
});

// ------------------------------------------------------------------ more parameters

test('an empty string unsets an optional field', async () => {
  const stripe = fresh();
  const cus = await stripe.customers.create({ name: 'To Clear', phone: '+14155550100', address: ADDRESS });
  const updated = await stripe.customers.update(cus.id, { name: '', phone: '', address: '' });
  assert.equal(updated.name, null);
  assert.equal(updated.phone, null);
  assert.equal(updated.address, null);
});

test('a cursor naming an unknown customer is rejected with resource_missing', async () => {
  const stripe = fresh();
  const e = await rejectsWith(
    () => stripe.customers.list({ starting_after: 'cus_doesnotexist00' }),
    StripeInvalidRequestError,
  );
  assert.equal(e.statusCode, 400);
  assert.equal(e.code, 'resource_missing');
  assert.equal(e.param, 'starting_after');
});

test('listing filters by a created range', async () => {
  const stripe = fresh();
  const ids = await createMany(stripe, 3);
  const { created } = await stripe.customers.retrieve(ids[0]);
  const all = await stripe.customers.list({ created: { gte: created - 5 } });
  assert.deepEqual(all.data.map((c) => c.id), [...ids].reverse());
  const none = await stripe.customers.list({ created: { gt: created + 86_400 } });
  assert.deepEqual(none.data, []);
});

test('a fresh api key starts with no customers', async () => {
  const page = await fresh().customers.list();
  assert.deepEqual(page.data, []);
  assert.equal(page.has_more, false);
});

test('a name longer than its 256-character maximum is rejected', async () => {
  // The spec declares `name` maxLength 256 and Stripe enforces it with a 400 naming `name`.
  const stripe = fresh();
  const e = await rejectsWith(() => stripe.customers.create({ name: 'x'.repeat(257) }), StripeInvalidRequestError);
  assert.equal(e.statusCode, 400);
  assert.equal(e.param, 'name');
});
