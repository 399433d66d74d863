package dev.fcmock.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.stripe.Stripe;
import com.stripe.exception.SignatureVerificationException;
import com.stripe.model.Customer;
import com.stripe.model.Event;
import com.stripe.model.EventDataObjectDeserializer;
import com.stripe.model.StripeObject;
import com.stripe.model.WebhookEndpoint;
import com.stripe.model.financialconnections.Account;
import com.stripe.model.financialconnections.Session;
import com.stripe.net.Webhook;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.EventListParams;
import com.stripe.param.WebhookEndpointCreateParams;
import com.stripe.param.financialconnections.AccountRefreshParams;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Signed webhooks through stripe-java: fcmock POSTs events to a receiver inside the test
 * (com.sun.net.httpserver on 127.0.0.1:0) and {@link Webhook#constructEvent} verifies each
 * delivery with the endpoint's {@code whsec_} secret, as a real app's handler would. Each test
 * has its own key, so its endpoint receives its own namespace's events only; {@code POST
 * /_fcmock/webhooks/flush} waits for that key's deliveries (retries included).
 *
 * <p>About {@code api_version}: stripe-java deserializes an event's {@code data.object} only
 * when the event's {@code api_version} is of the library's release train ({@link
 * Stripe#API_VERSION}, {@code 2026-07-29.dahlia} for 33.3.0); Stripe renders each event at the
 * endpoint's {@code api_version} (or the account's default), which for an endpoint created by
 * this library is its pinned version. The tests check that every delivered event carries the
 * version Stripe would use and that the safe path decodes it; a mismatch is a server bug and
 * fails the test.
 */
@ExtendWith(Fcmock.Extension.class)
class WebhooksTest {
  static final List<String> FC_EVENTS =
      List.of(
          "financial_connections.account.created",
          "financial_connections.account.refreshed_balance",
          "financial_connections.account.refreshed_ownership",
          "financial_connections.account.refreshed_transactions",
          "financial_connections.account.disconnected");

  /** A webhook receiver answering each POST with the next scripted status (then 200). */
  static final class Receiver implements AutoCloseable {
    record Delivery(String body, String signature) {}

    final HttpServer server;
    final List<Delivery> received = new ArrayList<>();
    final List<Integer> script;

    Receiver(List<Integer> script) throws IOException {
      this.script = new ArrayList<>(script);
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext(
          "/webhook",
          exchange -> {
            byte[] raw;
            try (InputStream in = exchange.getRequestBody()) {
              raw = in.readAllBytes();
            }
            int status;
            synchronized (this) {
              received.add(
                  new Delivery(
                      new String(raw, StandardCharsets.UTF_8),
                      Optional.ofNullable(exchange.getRequestHeaders().getFirst("Stripe-Signature"))
                          .orElse("")));
              status = this.script.isEmpty() ? 200 : this.script.remove(0);
            }
            byte[] ok = "ok".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, ok.length);
            exchange.getResponseBody().write(ok);
            exchange.close();
          });
      server.setExecutor(Executors.newFixedThreadPool(2));
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort() + "/webhook";
    }

    synchronized List<Delivery> deliveries() {
      return List.copyOf(received);
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  /** Every delivery, verified by stripe-java (throws if any signature is wrong). */
  static List<Event> verifiedEvents(Receiver receiver, String secret)
      throws SignatureVerificationException {
    List<Event> events = new ArrayList<>();
    for (Receiver.Delivery d : receiver.deliveries()) {
      events.add(Webhook.constructEvent(d.body(), d.signature(), secret));
    }
    return events;
  }

  /**
   * The event's {@code data.object} as stripe-java gives it to an app, through the safe path,
   * {@code getObject()}: empty when the event's api_version is not of the library's release
   * train, which for an endpoint at the library's own version would be a server bug (see the
   * class comment), so it fails the test.
   */
  static StripeObject dataObject(Event event) {
    checkApiVersion(event, Stripe.API_VERSION);
    Optional<StripeObject> safe = event.getDataObjectDeserializer().getObject();
    assertTrue(
        safe.isPresent(),
        () ->
            "event "
                + event.getId()
                + " ("
                + event.getType()
                + ") has api_version "
                + event.getApiVersion()
                + ", stripe-java "
                + Stripe.VERSION
                + " is pinned to "
                + Stripe.API_VERSION
                + ": getDataObjectDeserializer().getObject() is empty");
    return safe.get();
  }

  /**
   * The event's {@code data.object} whatever its api_version: the safe path when the event is
   * of the library's release train (the part after the date), else {@code deserializeUnsafe()}
   * after checking that the safe path refuses it, as stripe-java documents.
   */
  static StripeObject decode(Event event) throws Exception {
    if (train(event.getApiVersion()).equals(train(Stripe.API_VERSION))) {
      return dataObject(event);
    }
    EventDataObjectDeserializer d = event.getDataObjectDeserializer();
    assertTrue(
        d.getObject().isEmpty(),
        () -> "an event at " + event.getApiVersion() + " is not safe for stripe-java at " + Stripe.API_VERSION);
    return d.deserializeUnsafe();
  }

  /** A version's release train: {@code dahlia} for {@code 2026-07-29.dahlia}. */
  static String train(String version) {
    return version == null ? "" : version.substring(version.indexOf('.') + 1);
  }

  /** The account's default API version: what fcmock answers a request without Stripe-Version at. */
  static String accountDefaultVersion(Fcmock fc) {
    Fcmock.RawResponse r =
        fc.raw("GET", "/v1/customers?limit=1", null, Map.of("Authorization", "Bearer " + fc.apiKey));
    assertEquals(200, r.status(), r.text());
    return r.header("Stripe-Version").orElseThrow();
  }

  /** Stripe renders an event at the api_version of the endpoint it is delivered to. */
  static void checkApiVersion(Event event, String expected) {
    assertEquals(
        expected,
        event.getApiVersion(),
        () -> "event " + event.getId() + " (" + event.getType() + ") was delivered with api_version "
            + event.getApiVersion() + "; Stripe would render it at " + expected);
  }

  @Test
  void linkingEachRefreshAndDisconnectArriveSignedAndVerify(Fcmock fc) throws Exception {
    try (Receiver receiver = new Receiver(List.of())) {
      var client = fc.client;
      WebhookEndpoint endpoint =
          client
              .v1()
              .webhookEndpoints()
              .create(
                  WebhookEndpointCreateParams.builder()
                      .setUrl(receiver.url())
                      // What stripe-java's docs advise: events at the library's own version.
                      .setApiVersion(WebhookEndpointCreateParams.ApiVersion.VERSION_2026_07_29_DAHLIA)
                      .addAllEnabledEvent(
                          FC_EVENTS.stream()
                              .map(
                                  name -> {
                                    for (var e : WebhookEndpointCreateParams.EnabledEvent.values()) {
                                      if (e.getValue().equals(name)) {
                                        return e;
                                      }
                                    }
                                    throw new AssertionError("stripe-java lacks event " + name);
                                  })
                              .toList())
                      .build());
      assertTrue(endpoint.getId().startsWith("we_"), endpoint.getId());
      assertTrue(endpoint.getSecret().startsWith("whsec_"));
      assertEquals(receiver.url(), endpoint.getUrl());
      assertEquals("enabled", endpoint.getStatus());
      assertEquals(Stripe.API_VERSION, endpoint.getApiVersion());

      Customer customer =
          client.v1().customers().create(CustomerCreateParams.builder().setEmail("jenny@example.com").build());
      Session session = FinancialConnectionsFlowTest.newSession(client, customer.getId());
      JsonObject completed = fc.complete(session.getId(), "test_institution", List.of("success"));
      String accountId =
          completed
              .getAsJsonObject("accounts")
              .getAsJsonArray("data")
              .get(0)
              .getAsJsonObject()
              .get("id")
              .getAsString();
      client
          .v1()
          .financialConnections()
          .accounts()
          .refresh(
              accountId,
              AccountRefreshParams.builder()
                  .addFeature(AccountRefreshParams.Feature.BALANCE)
                  .addFeature(AccountRefreshParams.Feature.OWNERSHIP)
                  .addFeature(AccountRefreshParams.Feature.TRANSACTIONS)
                  .build());
      fc.settle();
      client.v1().financialConnections().accounts().disconnect(accountId);

      JsonObject flushed = fc.flushWebhooks();
      assertEquals(5, flushed.get("delivered").getAsInt(), flushed.toString());
      assertEquals(0, flushed.get("failed").getAsInt(), flushed.toString());
      assertEquals(0, flushed.get("pending").getAsInt(), flushed.toString());

      List<Event> events = verifiedEvents(receiver, endpoint.getSecret());
      List<String> types = new ArrayList<>();
      for (Event e : events) {
        types.add(e.getType());
      }
      assertEquals(FC_EVENTS.stream().sorted().toList(), types.stream().sorted().toList());
      assertEquals("financial_connections.account.created", types.get(0));
      assertEquals("financial_connections.account.disconnected", types.get(types.size() - 1));

      Map<String, Account> byType = new LinkedHashMap<>();
      for (Event event : events) {
        assertTrue(event.getId().startsWith("evt_"), event.getId());
        assertEquals("event", event.getObject());
        assertFalse(event.getLivemode());
        StripeObject obj = dataObject(event);
        Account account = assertInstanceOf(Account.class, obj, event.getType());
        assertEquals(accountId, account.getId());
        assertEquals("financial_connections.account", account.getObject());
        byType.put(event.getType(), account);
      }
      String balanceStatus =
          byType.get("financial_connections.account.refreshed_balance").getBalanceRefresh().getStatus();
      assertTrue(List.of("succeeded", "failed").contains(balanceStatus), balanceStatus);
      assertEquals(
          "disconnected", byType.get("financial_connections.account.disconnected").getStatus());
      Event disconnected = events.get(events.size() - 1);
      assertEquals(
          Map.of("status", "active"), disconnected.getData().getPreviousAttributes());

      // The same events through the API, newest first, none pending any more.
      List<Event> listed =
          client
              .v1()
              .events()
              .list(EventListParams.builder().setType("financial_connections.account.*").build())
              .getData();
      List<String> listedIds = new ArrayList<>();
      for (Event e : listed) {
        listedIds.add(e.getId());
        assertEquals(Long.valueOf(0), e.getPendingWebhooks());
      }
      List<String> deliveredNewestFirst = new ArrayList<>();
      for (int i = events.size() - 1; i >= 0; i--) {
        deliveredNewestFirst.add(events.get(i).getId());
      }
      assertEquals(deliveredNewestFirst, listedIds);
      assertEquals(events.get(0).getType(), client.v1().events().retrieve(events.get(0).getId()).getType());

      // A wrong secret is refused by the library: the signature really is checked.
      Receiver.Delivery first = receiver.deliveries().get(0);
      assertThrows(
          SignatureVerificationException.class,
          () -> Webhook.constructEvent(first.body(), first.signature(), "whsec_not_the_secret"));
    }
  }

  @Test
  void aReceiverThatFailsTwiceGetsTheEventThreeTimesWithFreshSignatures(Fcmock fc)
      throws Exception {
    try (Receiver receiver = new Receiver(List.of(500, 500))) {
      WebhookEndpoint endpoint =
          fc.client
              .v1()
              .webhookEndpoints()
              .create(
                  WebhookEndpointCreateParams.builder()
                      .setUrl(receiver.url())
                      .addEnabledEvent(WebhookEndpointCreateParams.EnabledEvent.CUSTOMER__CREATED)
                      .build());
      Customer customer =
          fc.client.v1().customers().create(CustomerCreateParams.builder().setName("Retry Me").build());

      // fcmock's default back-off is 1 s, then 2 s: the flush waits for both retries.
      JsonObject flushed = fc.flushWebhooks();
      assertEquals(1, flushed.get("delivered").getAsInt(), flushed.toString());
      assertEquals(0, flushed.get("failed").getAsInt(), flushed.toString());

      // An endpoint without api_version gets events at the account's default version, the
      // one a request without Stripe-Version is answered at (fcmock: its --api-version, the
      // latest release unless set), which need not be stripe-java's own.
      assertNull(endpoint.getApiVersion());
      String accountDefault = accountDefaultVersion(fc);
      List<Event> events = verifiedEvents(receiver, endpoint.getSecret());
      assertEquals(3, events.size());
      for (Event e : events) {
        assertEquals(events.get(0).getId(), e.getId());
        checkApiVersion(e, accountDefault);
        Customer c = assertInstanceOf(Customer.class, decode(e));
        assertEquals(customer.getId(), c.getId());
        assertNull(c.getEmail());
      }
      List<String> signatures = new ArrayList<>();
      for (Receiver.Delivery d : receiver.deliveries()) {
        signatures.add(d.signature());
      }
      assertEquals(3, signatures.stream().distinct().count(), signatures.toString());
    }
  }

  /**
   * An endpoint pinned to an older release train ({@code 2025-12-15.clover}) gets its events
   * rendered at that version by Stripe, so stripe-java 33.x (dahlia) must refuse the safe
   * deserialization and leave {@code deserializeUnsafe()} as the app's only option.
   */
  @Test
  void anEndpointPinnedToAnOlderVersionGetsEventsAtThatVersion(Fcmock fc) throws Exception {
    try (Receiver receiver = new Receiver(List.of())) {
      WebhookEndpoint endpoint =
          fc.client
              .v1()
              .webhookEndpoints()
              .create(
                  WebhookEndpointCreateParams.builder()
                      .setUrl(receiver.url())
                      .setApiVersion(WebhookEndpointCreateParams.ApiVersion.VERSION_2025_12_15_CLOVER)
                      .addEnabledEvent(WebhookEndpointCreateParams.EnabledEvent.CUSTOMER__CREATED)
                      .build());
      assertEquals("2025-12-15.clover", endpoint.getApiVersion());
      Customer customer = fc.client.v1().customers().create();

      JsonObject flushed = fc.flushWebhooks();
      assertEquals(1, flushed.get("delivered").getAsInt(), flushed.toString());

      List<Event> events = verifiedEvents(receiver, endpoint.getSecret());
      assertEquals(1, events.size());
      Event event = events.get(0);
      assertEquals("customer.created", event.getType());
      checkApiVersion(event, "2025-12-15.clover");
      EventDataObjectDeserializer d = event.getDataObjectDeserializer();
      assertTrue(d.getObject().isEmpty(), "a clover event is not safe for a dahlia library");
      Customer c = assertInstanceOf(Customer.class, d.deserializeUnsafe());
      assertEquals(customer.getId(), c.getId());
    }
  }
}
