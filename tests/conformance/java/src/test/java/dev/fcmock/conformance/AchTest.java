package dev.fcmock.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.stripe.Stripe;
import com.stripe.StripeClient;
import com.stripe.exception.InvalidRequestException;
import com.stripe.model.Charge;
import com.stripe.model.Customer;
import com.stripe.model.Dispute;
import com.stripe.model.Event;
import com.stripe.model.Mandate;
import com.stripe.model.PaymentIntent;
import com.stripe.model.SetupIntent;
import com.stripe.model.WebhookEndpoint;
import com.stripe.model.financialconnections.Session;
import com.stripe.param.ChargeListParams;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.DisputeListParams;
import com.stripe.param.PaymentIntentCreateParams;
import com.stripe.param.PaymentIntentRetrieveParams;
import com.stripe.param.PaymentIntentVerifyMicrodepositsParams;
import com.stripe.param.SetupIntentCreateParams;
import com.stripe.param.WebhookEndpointCreateParams;
import com.stripe.param.financialconnections.SessionCreateParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * ACH Direct Debit through stripe-java: save a linked account with a SetupIntent, pay later
 * off-session, settle with fcmock's control API ({@code POST /_fcmock/payments/settle}, scoped
 * to the test's key), each of Stripe's failing test account numbers, microdeposit verification
 * (right and wrong values) and the disputed test number. Every state change arrives as a
 * signed event at a webhook endpoint, verified by {@link com.stripe.net.Webhook#constructEvent}.
 */
@ExtendWith(Fcmock.Extension.class)
class AchTest {
  /** A webhook endpoint for every event, at stripe-java's pinned version: its secret. */
  static String subscribe(StripeClient client, WebhooksTest.Receiver receiver) throws Exception {
    WebhookEndpoint endpoint =
        client
            .v1()
            .webhookEndpoints()
            .create(
                WebhookEndpointCreateParams.builder()
                    .setUrl(receiver.url())
                    .setApiVersion(WebhookEndpointCreateParams.ApiVersion.VERSION_2026_07_29_DAHLIA)
                    .addEnabledEvent(WebhookEndpointCreateParams.EnabledEvent.ALL)
                    .build());
    return endpoint.getSecret();
  }

  /** Every event delivered for this test's key, in order, each signature verified. */
  static List<Event> delivered(Fcmock fc, WebhooksTest.Receiver receiver, String secret)
      throws Exception {
    JsonObject flushed = fc.flushWebhooks();
    assertEquals(0, flushed.get("failed").getAsInt(), flushed.toString());
    assertEquals(0, flushed.get("pending").getAsInt(), flushed.toString());
    List<Event> events = WebhooksTest.verifiedEvents(receiver, secret);
    for (Event e : events) {
      WebhooksTest.checkApiVersion(e, Stripe.API_VERSION);
    }
    return events;
  }

  /** The event's data.object as JSON. */
  static JsonObject object(Event e) {
    return JsonParser.parseString(e.getDataObjectDeserializer().getRawJson()).getAsJsonObject();
  }

  /** The types of the events about object {@code id}, in order. */
  static List<String> kinds(List<Event> events, String id) {
    List<String> out = new ArrayList<>();
    for (Event e : events) {
      JsonObject o = object(e);
      if (o.has("id") && o.get("id").getAsString().equals(id)) {
        out.add(e.getType());
      }
    }
    return out;
  }

  static int settlePayments(Fcmock fc) {
    return fc.control("/_fcmock/payments/settle", Map.of("api_key", fc.apiKey)).get("settled").getAsInt();
  }

  static PaymentIntentCreateParams.MandateData piMandate() {
    return PaymentIntentCreateParams.MandateData.builder()
        .setCustomerAcceptance(
            PaymentIntentCreateParams.MandateData.CustomerAcceptance.builder()
                .setType(PaymentIntentCreateParams.MandateData.CustomerAcceptance.Type.ONLINE)
                .setOnline(
                    PaymentIntentCreateParams.MandateData.CustomerAcceptance.Online.builder()
                        .setIpAddress("127.0.0.1")
                        .setUserAgent("stripe-java conformance")
                        .build())
                .build())
        .build();
  }

  static PaymentIntent manualIntent(StripeClient client, String number) throws Exception {
    return client
        .v1()
        .paymentIntents()
        .create(
            PaymentIntentCreateParams.builder()
                .setAmount(1000L)
                .setCurrency("usd")
                .addPaymentMethodType("us_bank_account")
                .setPaymentMethodData(
                    PaymentIntentCreateParams.PaymentMethodData.builder()
                        .setType(PaymentIntentCreateParams.PaymentMethodData.Type.US_BANK_ACCOUNT)
                        .setUsBankAccount(
                            PaymentIntentCreateParams.PaymentMethodData.UsBankAccount.builder()
                                .setRoutingNumber("110000000")
                                .setAccountNumber(number)
                                .setAccountHolderType(
                                    PaymentIntentCreateParams.PaymentMethodData.UsBankAccount
                                        .AccountHolderType.INDIVIDUAL)
                                .build())
                        .setBillingDetails(
                            PaymentIntentCreateParams.PaymentMethodData.BillingDetails.builder()
                                .setName("Jenny Rosen")
                                .build())
                        .build())
                .setMandateData(piMandate())
                .setConfirm(true)
                .build());
  }

  static PaymentIntent verifyAmounts(StripeClient client, String id) throws Exception {
    return client
        .v1()
        .paymentIntents()
        .verifyMicrodeposits(
            id, PaymentIntentVerifyMicrodepositsParams.builder().addAmount(32L).addAmount(45L).build());
  }

  @Test
  void aSetupIntentSavesALinkedAccountThenAnOffSessionPaymentSettles(Fcmock fc) throws Exception {
    StripeClient client = fc.client;
    try (WebhooksTest.Receiver receiver = new WebhooksTest.Receiver(List.of())) {
      String secret = subscribe(client, receiver);
      Customer customer =
          client.v1().customers().create(CustomerCreateParams.builder().setEmail("ach@example.com").build());
      Session session =
          client
              .v1()
              .financialConnections()
              .sessions()
              .create(
                  SessionCreateParams.builder()
                      .setAccountHolder(
                          SessionCreateParams.AccountHolder.builder()
                              .setType(SessionCreateParams.AccountHolder.Type.CUSTOMER)
                              .setCustomer(customer.getId())
                              .build())
                      .addPermission(SessionCreateParams.Permission.PAYMENT_METHOD)
                      .addPermission(SessionCreateParams.Permission.BALANCES)
                      .build());
      String account =
          fc.control("/_fcmock/sessions/" + session.getId() + "/complete", Map.of("outcome", "success"))
              .getAsJsonObject("accounts")
              .getAsJsonArray("data")
              .get(0)
              .getAsJsonObject()
              .get("id")
              .getAsString();

      SetupIntent si =
          client
              .v1()
              .setupIntents()
              .create(
                  SetupIntentCreateParams.builder()
                      .setCustomer(customer.getId())
                      .addPaymentMethodType("us_bank_account")
                      .setPaymentMethodData(
                          SetupIntentCreateParams.PaymentMethodData.builder()
                              .setType(SetupIntentCreateParams.PaymentMethodData.Type.US_BANK_ACCOUNT)
                              .setUsBankAccount(
                                  SetupIntentCreateParams.PaymentMethodData.UsBankAccount.builder()
                                      .setFinancialConnectionsAccount(account)
                                      .build())
                              .setBillingDetails(
                                  SetupIntentCreateParams.PaymentMethodData.BillingDetails.builder()
                                      .setName("Jenny Rosen")
                                      .build())
                              .build())
                      .setMandateData(
                          SetupIntentCreateParams.MandateData.builder()
                              .setCustomerAcceptance(
                                  SetupIntentCreateParams.MandateData.CustomerAcceptance.builder()
                                      .setType(SetupIntentCreateParams.MandateData.CustomerAcceptance.Type.ONLINE)
                                      .setOnline(
                                          SetupIntentCreateParams.MandateData.CustomerAcceptance.Online.builder()
                                              .setIpAddress("127.0.0.1")
                                              .setUserAgent("stripe-java conformance")
                                              .build())
                                      .build())
                              .build())
                      .setConfirm(true)
                      .build());
      assertEquals("succeeded", si.getStatus());
      Mandate mandate = client.v1().mandates().retrieve(si.getMandate());
      assertEquals("multi_use", mandate.getType());
      assertEquals("active", mandate.getStatus());

      PaymentIntent pi =
          client
              .v1()
              .paymentIntents()
              .create(
                  PaymentIntentCreateParams.builder()
                      .setAmount(1999L)
                      .setCurrency("usd")
                      .setCustomer(customer.getId())
                      .setPaymentMethod(si.getPaymentMethod())
                      .addPaymentMethodType("us_bank_account")
                      .setOffSession(true)
                      .setConfirm(true)
                      .build());
      assertEquals("processing", pi.getStatus());
      assertEquals("pending", client.v1().charges().retrieve(pi.getLatestCharge()).getStatus());

      assertEquals(1, settlePayments(fc));
      pi =
          client
              .v1()
              .paymentIntents()
              .retrieve(pi.getId(), PaymentIntentRetrieveParams.builder().addExpand("latest_charge").build());
      assertEquals("succeeded", pi.getStatus());
      Charge charge = pi.getLatestChargeObject();
      assertEquals("succeeded", charge.getStatus());
      List<Charge> charges =
          client.v1().charges().list(ChargeListParams.builder().setPaymentIntent(pi.getId()).build()).getData();
      assertEquals(1, charges.size());
      assertEquals(charge.getId(), charges.get(0).getId());

      List<Event> events = delivered(fc, receiver, secret);
      assertEquals(List.of("setup_intent.created", "setup_intent.succeeded"), kinds(events, si.getId()));
      assertTrue(kinds(events, si.getPaymentMethod()).contains("payment_method.attached"));
      assertEquals(
          List.of("payment_intent.created", "payment_intent.processing", "payment_intent.succeeded"),
          kinds(events, pi.getId()));
      assertEquals(List.of("charge.pending", "charge.succeeded"), kinds(events, charge.getId()));
      for (Event e : events) {
        if (e.getType().equals("payment_intent.succeeded")) {
          PaymentIntent obj = (PaymentIntent) WebhooksTest.dataObject(e);
          assertEquals("succeeded", obj.getStatus());
        }
      }
    }
  }

  @ParameterizedTest(name = "{0} fails with {1}")
  @CsvSource({
    "000111111113, account_closed",
    "000111111116, no_account",
    "000222222227, insufficient_funds",
    "000333333335, debit_not_authorized",
    "000444444440, invalid_currency",
  })
  void aPaymentFailsWithEachTestNumber(String number, String code, Fcmock fc) throws Exception {
    StripeClient client = fc.client;
    try (WebhooksTest.Receiver receiver = new WebhooksTest.Receiver(List.of())) {
      String secret = subscribe(client, receiver);
      PaymentIntent pi = manualIntent(client, number);
      assertEquals("requires_action", pi.getStatus());
      assertEquals("verify_with_microdeposits", pi.getNextAction().getType());
      pi = verifyAmounts(client, pi.getId());
      assertEquals("processing", pi.getStatus());
      settlePayments(fc);
      pi = client.v1().paymentIntents().retrieve(pi.getId());
      assertEquals("requires_payment_method", pi.getStatus());
      assertEquals(code, pi.getLastPaymentError().getCode());
      Charge charge = client.v1().charges().retrieve(pi.getLatestCharge());
      assertEquals("failed", charge.getStatus());
      assertEquals(code, charge.getFailureCode());

      List<Event> events = delivered(fc, receiver, secret);
      assertEquals(
          List.of(
              "payment_intent.created",
              "payment_intent.requires_action",
              "payment_intent.processing",
              "payment_intent.payment_failed"),
          kinds(events, pi.getId()));
      assertEquals(List.of("charge.pending", "charge.failed"), kinds(events, charge.getId()));
      List<String> revoked = new ArrayList<>();
      for (Event e : events) {
        if (e.getType().equals("payment_intent.payment_failed")) {
          PaymentIntent failed = (PaymentIntent) WebhooksTest.dataObject(e);
          assertEquals(code, failed.getLastPaymentError().getCode());
        }
        if (e.getType().equals("mandate.updated")) {
          revoked.add(((Mandate) WebhooksTest.dataObject(e)).getStatus());
        }
      }
      assertEquals(code.equals("debit_not_authorized") ? List.of("inactive") : List.of(), revoked);
    }
  }

  @Test
  void microdepositsRightCodeAndWrongAmounts(Fcmock fc) throws Exception {
    StripeClient client = fc.client;
    PaymentIntent pi = manualIntent(client, "000123456789");
    pi =
        client
            .v1()
            .paymentIntents()
            .verifyMicrodeposits(
                pi.getId(), PaymentIntentVerifyMicrodepositsParams.builder().setDescriptorCode("SM11AA").build());
    assertEquals("processing", pi.getStatus());

    PaymentIntent other = manualIntent(client, "000123456789");
    InvalidRequestException err =
        assertThrows(
            InvalidRequestException.class,
            () ->
                client
                    .v1()
                    .paymentIntents()
                    .verifyMicrodeposits(
                        other.getId(),
                        PaymentIntentVerifyMicrodepositsParams.builder().addAmount(1L).addAmount(2L).build()));
    assertEquals("payment_method_microdeposit_verification_amounts_mismatch", err.getCode());
    assertEquals(400, err.getStatusCode());
    assertEquals("requires_action", client.v1().paymentIntents().retrieve(other.getId()).getStatus());
  }

  @Test
  void aDisputedPaymentSucceedsThenOpensALostDispute(Fcmock fc) throws Exception {
    StripeClient client = fc.client;
    try (WebhooksTest.Receiver receiver = new WebhooksTest.Receiver(List.of())) {
      String secret = subscribe(client, receiver);
      PaymentIntent pi = manualIntent(client, "000555555559");
      verifyAmounts(client, pi.getId());
      settlePayments(fc);
      pi = client.v1().paymentIntents().retrieve(pi.getId());
      assertEquals("succeeded", pi.getStatus());
      assertTrue(client.v1().charges().retrieve(pi.getLatestCharge()).getDisputed());
      List<Dispute> disputes =
          client.v1().disputes().list(DisputeListParams.builder().setPaymentIntent(pi.getId()).build()).getData();
      assertEquals(1, disputes.size());
      Dispute dispute = client.v1().disputes().retrieve(disputes.get(0).getId());
      assertEquals("lost", dispute.getStatus());
      assertEquals(Long.valueOf(1000), dispute.getAmount());
      assertEquals(pi.getLatestCharge(), dispute.getCharge());
      List<Event> events = delivered(fc, receiver, secret);
      assertEquals(List.of("charge.dispute.created"), kinds(events, dispute.getId()));
    }
  }
}
