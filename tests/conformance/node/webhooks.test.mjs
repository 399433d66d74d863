// Signed webhooks through stripe-node: fcmock POSTs events to a receiver running inside the
// test (127.0.0.1:0), and stripe.webhooks.constructEvent verifies every delivery with the
// endpoint's whsec_ secret, as a real app's handler would. Each test uses its own sk_test_
// key, so its endpoint receives only its own namespace's events; POST
// /_fcmock/webhooks/flush waits for that key's deliveries (retries included).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Stripe, makeClient, newTestKey, startReceiver, control, flush, verifiedEvents } from './helpers.mjs';

const FC_EVENTS = [
  'financial_connections.account.created',
  'financial_connections.account.refreshed_balance',
  'financial_connections.account.refreshed_ownership',
  'financial_connections.account.refreshed_transactions',
  'financial_connections.account.disconnected',
];

test('linking, each refresh and disconnect arrive signed and verify with constructEvent', async () => {
  const apiKey = newTestKey();
  const stripe = makeClient(apiKey);
  const receiver = await startReceiver();
  try {
    const endpoint = await stripe.webhookEndpoints.create({
      url: receiver.url,
      enabled_events: FC_EVENTS,
    });
    assert.match(endpoint.secret, /^whsec_/);
    const customer = await stripe.customers.create({ email: 'jenny@example.com' });
    const session = await stripe.financialConnections.sessions.create({
      account_holder: { type: 'customer', customer: customer.id },
      permissions: ['balances', 'ownership', 'transactions', 'payment_method'],
    });
    const completed = await control(`/_fcmock/sessions/${session.id}/complete`, {
      outcome: 'success',
      institution: 'test_institution',
      accounts: ['success'],
    });
    const accountId = completed.accounts.data[0].id;
    await stripe.financialConnections.accounts.refresh(accountId, {
      features: ['balance', 'ownership', 'transactions'],
    });
    await control('/_fcmock/refreshes/settle', {});
    await stripe.financialConnections.accounts.disconnect(accountId);

    const result = await flush(apiKey);

    assert.deepEqual(result, { delivered: 5, failed: 0, pending: 0 });
    const events = verifiedEvents(stripe, receiver, endpoint.secret);
    assert.deepEqual(events.map((e) => e.type).sort(), [...FC_EVENTS].sort());
    assert.equal(events[0].type, 'financial_connections.account.created');
    assert.equal(events.at(-1).type, 'financial_connections.account.disconnected');
    for (const event of events) {
      assert.match(event.id, /^evt_/);
      assert.equal(event.object, 'event');
      assert.equal(event.livemode, false);
      assert.equal(event.data.object.id, accountId);
      assert.equal(event.data.object.object, 'financial_connections.account');
    }
    const disconnected = events.find((e) => e.type.endsWith('.disconnected'));
    assert.deepEqual(disconnected.data.previous_attributes, { status: 'active' });
    for (const r of receiver.received) {
      assert.equal(r.contentType, 'application/json; charset=utf-8');
      assert.equal(r.userAgent, 'Stripe/1.0 (+https://stripe.com/docs/webhooks)');
    }

    const listed = await stripe.events.list({ type: 'financial_connections.account.*' });
    assert.deepEqual(
      listed.data.map((e) => e.id),
      events.map((e) => e.id).reverse(),
    );
    assert.ok(listed.data.every((e) => e.pending_webhooks === 0));

    // A wrong secret is refused: the library really checks the signature.
    assert.throws(
      () => stripe.webhooks.constructEvent(receiver.received[0].body, receiver.received[0].signature, 'whsec_wrong'),
      Stripe.errors.StripeSignatureVerificationError,
    );
  } finally {
    await receiver.close();
  }
});

test('a receiver that fails twice gets the event three times, each freshly signed', async () => {
  const apiKey = newTestKey();
  const stripe = makeClient(apiKey);
  const receiver = await startReceiver([500, 500]);
  try {
    const endpoint = await stripe.webhookEndpoints.create({
      url: receiver.url,
      enabled_events: ['customer.created'],
    });
    const customer = await stripe.customers.create({ name: 'Retry Me' });

    // Default back-off: 1 s, then 2 s; the flush waits for both retries.
    const result = await flush(apiKey);

    assert.deepEqual(result, { delivered: 1, failed: 0, pending: 0 });
    assert.equal(receiver.received.length, 3);
    const events = verifiedEvents(stripe, receiver, endpoint.secret);
    assert.equal(new Set(events.map((e) => e.id)).size, 1);
    assert.ok(events.every((e) => e.data.object.id === customer.id));
    const stamps = receiver.received.map((r) => Number(/t=(\d+)/.exec(r.signature)[1]));
    assert.equal(new Set(stamps).size, 3, `timestamps ${stamps}`);
    assert.deepEqual([...stamps].sort(), stamps);
  } finally {
    await receiver.close();
  }
});

test('the secret is returned only by create; delete answers the deleted stub', async () => {
  const stripe = makeClient(newTestKey());
  const created = await stripe.webhookEndpoints.create({
    url: 'http://127.0.0.1:9/hook',
    enabled_events: ['*'],
  });
  const retrieved = await stripe.webhookEndpoints.retrieve(created.id);
  const updated = await stripe.webhookEndpoints.update(created.id, { disabled: true });
  const deleted = await stripe.webhookEndpoints.del(created.id);

  assert.match(created.id, /^we_/);
  assert.equal(retrieved.secret, undefined);
  assert.equal(updated.status, 'disabled');
  assert.deepEqual(
    { id: deleted.id, object: deleted.object, deleted: deleted.deleted },
    { id: created.id, object: 'webhook_endpoint', deleted: true },
  );
});
