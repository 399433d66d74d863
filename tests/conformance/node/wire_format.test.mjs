// Stripe's wire format (DESIGN §3), checked with raw fetch and through stripe-node.
// Raw responses are recorded in the same capture file as the library's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { STRIPE_VERSION, makeClient, newTestKey, rawRequest } from './helpers.mjs';

const ERROR_TYPES = new Set(['api_error', 'card_error', 'idempotency_error', 'invalid_request_error']);

function assertStripeErrorShape(r, status) {
  assert.equal(r.status, status, r.text);
  assert.ok(r.json && typeof r.json === 'object', r.text);
  assert.deepEqual(Object.keys(r.json), ['error']);
  const err = r.json.error;
  assert.ok(ERROR_TYPES.has(err.type), err.type);
  assert.equal(typeof err.message, 'string');
  assert.ok(err.message.length > 0);
  return err;
}

function assertStandardHeaders(r) {
  assert.match(r.headers.get('request-id') ?? '', /^req_/);
  assert.ok(r.headers.get('stripe-version'));
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(r.headers.get('cache-control'), 'no-cache, no-store');
}

test('every response carries request-id, stripe-version, content-type and cache-control', async () => {
  const apiKey = newTestKey();
  const ok = await rawRequest('GET', '/v1/customers', { apiKey });
  assert.equal(ok.status, 200);
  assertStandardHeaders(ok);
  const missing = await rawRequest('GET', '/v1/customers/cus_doesnotexist00', { apiKey });
  assert.equal(missing.status, 404);
  assertStandardHeaders(missing);
  const unauthenticated = await rawRequest('GET', '/v1/customers');
  assert.equal(unauthenticated.status, 401);
  assertStandardHeaders(unauthenticated);
});

test('request ids are unique per response', async () => {
  const apiKey = newTestKey();
  const ids = new Set();
  for (let i = 0; i < 5; i++) {
    ids.add((await rawRequest('GET', '/v1/customers', { apiKey })).headers.get('request-id'));
  }
  assert.equal(ids.size, 5);
  for (const id of ids) assert.match(id, /^req_[A-Za-z0-9]{10,}$/);
});

test('stripe-version echoes the version the request asked for', async () => {
  const r = await rawRequest('GET', '/v1/customers', {
    apiKey: newTestKey(),
    headers: { 'Stripe-Version': '2024-06-20' },
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('stripe-version'), '2024-06-20');
});

test('the library sees its own api version echoed', async () => {
  const stripe = makeClient(newTestKey());
  const cus = await stripe.customers.create();
  // The pinned version, or the one forced with FCMOCK_STRIPE_VERSION (helpers.mjs).
  assert.equal(cus.lastResponse.apiVersion, STRIPE_VERSION);
  assert.match(cus.lastResponse.requestId, /^req_/);
});

test('a json body is refused with a message about form encoding', async () => {
  const apiKey = newTestKey();
  const r = await rawRequest('POST', '/v1/customers', {
    apiKey,
    body: JSON.stringify({ email: 'json@example.com' }),
    headers: { 'Content-Type': 'application/json' },
  });
  const err = assertStripeErrorShape(r, 400);
  assert.equal(err.type, 'invalid_request_error');
  assert.match(err.message.toLowerCase(), /form/);
  const listed = await rawRequest('GET', '/v1/customers', { apiKey });
  assert.deepEqual(listed.json.data, []);
});

test('bracket-nested form parameters are decoded', async () => {
  const apiKey = newTestKey();
  const body = new URLSearchParams({
    email: 'nested@example.com',
    'metadata[a]': '1',
    'metadata[b]': 'two words',
    'address[city]': 'Paris',
    'address[country]': 'FR',
  }).toString();
  const r = await rawRequest('POST', '/v1/customers', { apiKey, body });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.metadata, { a: '1', b: 'two words' });
  assert.equal(r.json.address.city, 'Paris');
});

test('an unknown route is a 404 in stripes error shape', async () => {
  const r = await rawRequest('GET', '/v1/this_does_not_exist', { apiKey: newTestKey() });
  const err = assertStripeErrorShape(r, 404);
  assert.equal(err.type, 'invalid_request_error');
  // Stripe's text: "Unrecognized request URL (GET: /v1/this_does_not_exist). Please see
  // https://stripe.com/docs or we can help at https://support.stripe.com/."
  assert.match(err.message, /Unrecognized request URL/);
  assertStandardHeaders(r);
});

test('a wrong method on a known route is stripes 404 unrecognized url', async () => {
  // Stripe answers a wrong method on a real path as an unknown URL (404).
  const r = await rawRequest('DELETE', '/v1/customers', { apiKey: newTestKey() });
  const err = assertStripeErrorShape(r, 404);
  assert.equal(err.type, 'invalid_request_error');
  assert.ok(err.message.startsWith('Unrecognized request URL (DELETE: /v1/customers)'), err.message);
  assertStandardHeaders(r);
});

test('a replayed request says so in the idempotent-replayed header', async () => {
  const apiKey = newTestKey();
  const headers = { 'Idempotency-Key': 'raw-idem-' + crypto.randomBytes(8).toString('hex') };
  const first = await rawRequest('POST', '/v1/customers', { apiKey, body: 'name=Raw', headers });
  const second = await rawRequest('POST', '/v1/customers', { apiKey, body: 'name=Raw', headers });
  assert.equal(first.status, 200);
  assert.equal(second.status, 200);
  assert.deepEqual(second.json, first.json);
  assert.equal(second.headers.get('idempotent-replayed'), 'true');
  assert.notEqual(second.headers.get('request-id'), first.headers.get('request-id'));
});

test('basic authentication with the key as user name is accepted', async () => {
  const apiKey = newTestKey();
  const token = Buffer.from(`${apiKey}:`).toString('base64');
  const r = await rawRequest('GET', '/v1/customers', { headers: { Authorization: `Basic ${token}` } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.object, 'list');
});
