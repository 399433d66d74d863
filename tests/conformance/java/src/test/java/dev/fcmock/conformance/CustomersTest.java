package dev.fcmock.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.stripe.exception.InvalidRequestException;
import com.stripe.model.Customer;
import com.stripe.model.StripeCollection;
import com.stripe.net.RequestOptions;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.CustomerListParams;
import com.stripe.param.CustomerUpdateParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Customers through stripe-java: create, retrieve, update, list with auto-paging, the error
 * envelope as stripe-java decodes it, and idempotent retries. Each test has its own key, i.e.
 * an empty namespace, so counts and orders are exact.
 */
@ExtendWith(Fcmock.Extension.class)
class CustomersTest {

  @Test
  void createRetrieveUpdateAndListACustomer(Fcmock fc) throws Exception {
    var customers = fc.client.v1().customers();
    String email = "java." + UUID.randomUUID().toString().substring(0, 8) + "@example.com";

    Customer created =
        customers.create(
            CustomerCreateParams.builder()
                .setEmail(email)
                .setName("Jenny Rosen")
                .setPhone("+14155550100")
                .putMetadata("order_id", "6735")
                .build());
    assertTrue(created.getId().matches("cus_[A-Za-z0-9]{14,}"), created.getId());
    assertEquals("customer", created.getObject());
    assertEquals(Boolean.FALSE, created.getLivemode());
    assertTrue(created.getCreated() > 1_500_000_000L);
    assertEquals(email, created.getEmail());
    assertEquals("Jenny Rosen", created.getName());
    assertEquals(Map.of("order_id", "6735"), created.getMetadata());
    // The library saw its own pinned API version echoed.
    assertEquals(
        com.stripe.Stripe.API_VERSION,
        created.getLastResponse().headers().firstValue("Stripe-Version").orElse(null));

    Customer fetched = customers.retrieve(created.getId());
    assertEquals(created.toJson(), fetched.toJson());

    Customer updated =
        customers.update(
            created.getId(),
            CustomerUpdateParams.builder()
                .setName("Jenny R.")
                .putMetadata("order_id", "")
                .putMetadata("tier", "gold")
                .build());
    assertEquals(created.getId(), updated.getId());
    assertEquals("Jenny R.", updated.getName());
    assertEquals(email, updated.getEmail());
    assertEquals(Map.of("tier", "gold"), updated.getMetadata());
    assertEquals("Jenny R.", customers.retrieve(created.getId()).getName());

    StripeCollection<Customer> listed = customers.list();
    assertEquals("list", listed.getObject());
    assertEquals("/v1/customers", listed.getUrl());
    assertEquals(List.of(created.getId()), ids(listed.getData()));
    assertFalse(listed.getHasMore());
  }

  @Test
  void listingCustomersAutoPagesNewestFirst(Fcmock fc) throws Exception {
    var customers = fc.client.v1().customers();
    List<String> made = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      made.add(
          customers.create(CustomerCreateParams.builder().setDescription("#" + i).build()).getId());
    }

    StripeCollection<Customer> page = customers.list(CustomerListParams.builder().setLimit(3L).build());
    assertEquals(3, page.getData().size());
    assertTrue(page.getHasMore());

    List<String> every = new ArrayList<>();
    for (Customer c : page.autoPagingIterable()) {
      every.add(c.getId());
    }
    List<String> newestFirst = new ArrayList<>(made);
    java.util.Collections.reverse(newestFirst);
    assertEquals(newestFirst, every);
  }

  @Test
  void retrievingAMissingCustomerIsA404ResourceMissing(Fcmock fc) {
    InvalidRequestException e =
        assertThrows(
            InvalidRequestException.class,
            () -> fc.client.v1().customers().retrieve("cus_doesnotexist00"));
    assertEquals(404, e.getStatusCode());
    assertEquals("resource_missing", e.getCode());
    assertEquals("id", e.getParam());
    assertEquals("invalid_request_error", e.getStripeError().getType());
    // Stripe's text: "No such customer: 'cus_doesnotexist00'".
    assertTrue(e.getStripeError().getMessage().contains("cus_doesnotexist00"), e.getMessage());
    assertTrue(e.getRequestId().startsWith("req_"), e.getRequestId());
  }

  @Test
  void anUnknownParameterIsRefusedWithParameterUnknown(Fcmock fc) {
    InvalidRequestException e =
        assertThrows(
            InvalidRequestException.class,
            () ->
                fc.client
                    .v1()
                    .customers()
                    .create(
                        CustomerCreateParams.builder()
                            .setName("x")
                            .putExtraParam("colour", "blue")
                            .build()));
    assertEquals(400, e.getStatusCode());
    assertEquals("parameter_unknown", e.getCode());
    assertEquals("colour", e.getParam());
    assertEquals("Received unknown parameter: colour", e.getStripeError().getMessage());
  }

  @Test
  void aRetryWithTheSameIdempotencyKeyReturnsTheSameCustomer(Fcmock fc) throws Exception {
    var customers = fc.client.v1().customers();
    RequestOptions opts =
        RequestOptions.builder().setIdempotencyKey("java-" + UUID.randomUUID()).build();
    CustomerCreateParams params =
        CustomerCreateParams.builder().setEmail("idem@example.com").setName("Idem Potent").build();

    Customer first = customers.create(params, opts);
    Customer second = customers.create(params, opts);

    assertEquals(first.getId(), second.getId());
    assertEquals(first.toJson(), second.toJson());
    assertEquals(
        opts.getIdempotencyKey(), second.getLastResponse().idempotencyKey());
    assertEquals(
        "true", second.getLastResponse().headers().firstValue("Idempotent-Replayed").orElse(null));
    assertNotEquals(
        "true", first.getLastResponse().headers().firstValue("Idempotent-Replayed").orElse("false"));
    assertEquals(1, customers.list().getData().size(), "the retry created no second customer");

    // A new key creates a new customer.
    Customer third =
        customers.create(
            params, RequestOptions.builder().setIdempotencyKey("java-" + UUID.randomUUID()).build());
    assertNotEquals(first.getId(), third.getId());
  }

  @Test
  void reusingAnIdempotencyKeyWithOtherParametersIsAnIdempotencyError(Fcmock fc) throws Exception {
    var customers = fc.client.v1().customers();
    RequestOptions opts =
        RequestOptions.builder().setIdempotencyKey("java-" + UUID.randomUUID()).build();
    customers.create(CustomerCreateParams.builder().setName("One").build(), opts);

    var e =
        assertThrows(
            com.stripe.exception.IdempotencyException.class,
            () -> customers.create(CustomerCreateParams.builder().setName("Two").build(), opts));
    assertEquals(400, e.getStatusCode());
    assertEquals("idempotency_error", e.getStripeError().getType());
  }

  @Test
  void anotherKeySeesNoneOfThisKeysCustomers(Fcmock fc) throws Exception {
    Customer mine = fc.client.v1().customers().create();
    InvalidRequestException e =
        assertThrows(
            InvalidRequestException.class,
            () -> fc.otherClient().v1().customers().retrieve(mine.getId()));
    assertEquals(404, e.getStatusCode());
    assertEquals("resource_missing", e.getCode());
    assertInstanceOf(Customer.class, fc.client.v1().customers().retrieve(mine.getId()));
    assertNull(fc.client.v1().customers().retrieve(mine.getId()).getEmail());
  }

  static List<String> ids(List<? extends com.stripe.model.HasId> items) {
    List<String> out = new ArrayList<>();
    for (var i : items) {
      out.add(i.getId());
    }
    return out;
  }
}
