package dev.fcmock.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.stripe.StripeClient;
import com.stripe.exception.InvalidRequestException;
import com.stripe.model.Customer;
import com.stripe.model.PaymentMethod;
import com.stripe.model.StripeCollection;
import com.stripe.model.financialconnections.Account;
import com.stripe.model.financialconnections.AccountOwner;
import com.stripe.model.financialconnections.AccountOwnership;
import com.stripe.model.financialconnections.Session;
import com.stripe.model.financialconnections.Transaction;
import com.stripe.net.RequestOptions;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.CustomerListParams;
import com.stripe.param.CustomerUpdateParams;
import com.stripe.param.PaymentMethodAttachParams;
import com.stripe.param.PaymentMethodCreateParams;
import com.stripe.param.financialconnections.AccountListParams;
import com.stripe.param.financialconnections.AccountOwnerListParams;
import com.stripe.param.financialconnections.AccountRefreshParams;
import com.stripe.param.financialconnections.AccountRetrieveParams;
import com.stripe.param.financialconnections.AccountSubscribeParams;
import com.stripe.param.financialconnections.AccountUnsubscribeParams;
import com.stripe.param.financialconnections.SessionCreateParams;
import com.stripe.param.financialconnections.TransactionListParams;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Financial Connections through stripe-java: the whole server-side flow a backend CI suite
 * runs, and its errors. customer create/retrieve/update/list → session (holder: the customer;
 * permissions balances, ownership, payment_method, transactions) → headless completion through
 * fcmock's control API (plain HTTP) → session retrieve shows the accounts → accounts list and
 * retrieve → refresh → settle (control API) → balance, ownership and owners → subscribe →
 * transactions with auto-paging → a us_bank_account PaymentMethod → attach, list, detach →
 * disconnect → refresh refused.
 */
@ExtendWith(Fcmock.Extension.class)
class FinancialConnectionsFlowTest {
  static final List<String> ALL_PERMISSIONS =
      List.of("balances", "ownership", "payment_method", "transactions");

  static Session newSession(StripeClient client, String customer) throws Exception {
    return client
        .v1()
        .financialConnections()
        .sessions()
        .create(
            SessionCreateParams.builder()
                .setAccountHolder(
                    SessionCreateParams.AccountHolder.builder()
                        .setType(SessionCreateParams.AccountHolder.Type.CUSTOMER)
                        .setCustomer(customer)
                        .build())
                .addPermission(SessionCreateParams.Permission.BALANCES)
                .addPermission(SessionCreateParams.Permission.OWNERSHIP)
                .addPermission(SessionCreateParams.Permission.PAYMENT_METHOD)
                .addPermission(SessionCreateParams.Permission.TRANSACTIONS)
                .build());
  }

  /** A new customer's "Success" account, linked through a headlessly completed session. */
  static Account linkedAccount(Fcmock fc) throws Exception {
    Customer cus = fc.client.v1().customers().create(CustomerCreateParams.builder().setName("Jenny Rosen").build());
    Session session = newSession(fc.client, cus.getId());
    fc.complete(session.getId(), "test_institution", List.of("success"));
    List<Account> data =
        fc.client
            .v1()
            .financialConnections()
            .accounts()
            .list(AccountListParams.builder().setSession(session.getId()).build())
            .getData();
    assertEquals(1, data.size());
    return data.get(0);
  }

  @Test
  void theWholeFinancialConnectionsFlowRunsFromCustomerToDisconnect(Fcmock fc) throws Exception {
    StripeClient client = fc.client;
    var fcs = client.v1().financialConnections();

    // Customer: create, retrieve, update, list.
    String email = "fc." + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
    Customer cus =
        client.v1().customers().create(CustomerCreateParams.builder().setEmail(email).setName("Jenny").build());
    assertEquals(email, client.v1().customers().retrieve(cus.getId()).getEmail());
    Customer renamed =
        client.v1().customers().update(cus.getId(), CustomerUpdateParams.builder().setName("Jenny Rosen").build());
    assertEquals("Jenny Rosen", renamed.getName());
    StripeCollection<Customer> customers =
        client.v1().customers().list(CustomerListParams.builder().setEmail(email).build());
    assertEquals(List.of(cus.getId()), CustomersTest.ids(customers.getData()));

    // Session.
    Session session = newSession(client, cus.getId());
    assertInstanceOf(Session.class, session);
    assertTrue(session.getId().startsWith("fcsess_"), session.getId());
    assertEquals("financial_connections.session", session.getObject());
    assertTrue(session.getClientSecret().startsWith("fcsess_client_secret_"));
    assertEquals("customer", session.getAccountHolder().getType());
    assertEquals(cus.getId(), session.getAccountHolder().getCustomer());
    assertEquals(ALL_PERMISSIONS, session.getPermissions());
    assertEquals(List.of(), session.getAccounts().getData());

    // Headless completion (control API), then the session shows the accounts.
    JsonObject completed =
        fc.complete(session.getId(), "test_institution", List.of("success", "savings"));
    List<String> names = new ArrayList<>();
    for (JsonElement a : completed.getAsJsonObject("accounts").getAsJsonArray("data")) {
      names.add(a.getAsJsonObject().get("display_name").getAsString());
    }
    assertEquals(List.of("Success", "Savings"), names);
    Session retrievedSession = fcs.sessions().retrieve(session.getId());
    assertEquals(2, retrievedSession.getAccounts().getData().size());

    // Accounts by session and by holder; retrieve.
    List<Account> bySession =
        fcs.accounts().list(AccountListParams.builder().setSession(session.getId()).build()).getData();
    List<Account> byHolder =
        fcs.accounts()
            .list(
                AccountListParams.builder()
                    .setAccountHolder(
                        AccountListParams.AccountHolder.builder().setCustomer(cus.getId()).build())
                    .build())
            .getData();
    assertEquals(2, bySession.size());
    assertEquals(CustomersTest.ids(bySession), CustomersTest.ids(byHolder));
    assertEquals(
        new HashSet<>(CustomersTest.ids(bySession)),
        new HashSet<>(CustomersTest.ids(retrievedSession.getAccounts().getData())));
    Account fca =
        bySession.stream().filter(a -> "Success".equals(a.getDisplayName())).findFirst().orElseThrow();
    assertTrue(fca.getId().startsWith("fca_"), fca.getId());
    assertEquals("financial_connections.account", fca.getObject());
    assertEquals("active", fca.getStatus());
    assertEquals("customer", fca.getAccountHolder().getType());
    assertEquals(cus.getId(), fca.getAccountHolder().getCustomer());
    assertEquals("6789", fca.getLast4());
    assertTrue(fca.getSupportedPaymentMethodTypes().contains("us_bank_account"));
    assertNull(fca.getBalance());
    assertNull(fca.getBalanceRefresh());
    Account retrieved = fcs.accounts().retrieve(fca.getId());
    assertEquals(fca.toJson(), retrieved.toJson());

    // Refresh balance: pending until settled; then the balance is there.
    Account refreshing =
        fcs.accounts()
            .refresh(
                fca.getId(),
                AccountRefreshParams.builder().addFeature(AccountRefreshParams.Feature.BALANCE).build());
    assertEquals("pending", refreshing.getBalanceRefresh().getStatus());
    assertNull(refreshing.getBalanceRefresh().getNextRefreshAvailableAt());
    assertTrue(fc.settle() >= 1);
    Account withBalance = fcs.accounts().retrieve(fca.getId());
    assertEquals("succeeded", withBalance.getBalanceRefresh().getStatus());
    assertNotNull(withBalance.getBalance(), "a settled balance refresh leaves a balance");
    assertEquals("cash", withBalance.getBalance().getType());
    assertEquals(Long.valueOf(6000), withBalance.getBalance().getCurrent().get("usd"));
    assertNotNull(withBalance.getBalance().getCash());

    // Ownership refresh, then the ownership (expanded) and its owners.
    Account owning =
        fcs.accounts()
            .refresh(
                fca.getId(),
                AccountRefreshParams.builder().addFeature(AccountRefreshParams.Feature.OWNERSHIP).build());
    assertEquals("pending", owning.getOwnershipRefresh().getStatus());
    fc.settle();
    Account expanded =
        fcs.accounts()
            .retrieve(fca.getId(), AccountRetrieveParams.builder().addExpand("ownership").build());
    assertEquals("succeeded", expanded.getOwnershipRefresh().getStatus());
    AccountOwnership ownership = expanded.getOwnershipObject();
    assertNotNull(ownership, "expand[]=ownership gives the object");
    assertTrue(ownership.getId().startsWith("fcaowns_"), ownership.getId());
    assertEquals(ownership.getId(), expanded.getOwnership());
    List<String> ownerNames = new ArrayList<>();
    for (AccountOwner o : ownership.getOwners().getData()) {
      ownerNames.add(o.getName());
    }
    assertEquals(List.of("Jenny Rosen"), ownerNames);
    StripeCollection<AccountOwner> owners =
        fcs.accounts()
            .owners()
            .list(fca.getId(), AccountOwnerListParams.builder().setOwnership(ownership.getId()).build());
    assertEquals(CustomersTest.ids(ownership.getOwners().getData()), CustomersTest.ids(owners.getData()));
    assertInstanceOf(AccountOwner.class, owners.getData().get(0));
    assertEquals(ownership.getId(), owners.getData().get(0).getOwnership());
    assertEquals("financial_connections.account_owner", owners.getData().get(0).getObject());

    // Subscribe to transactions: it starts a transaction refresh; then every page.
    Account subscribed =
        fcs.accounts()
            .subscribe(
                fca.getId(),
                AccountSubscribeParams.builder()
                    .addFeature(AccountSubscribeParams.Feature.TRANSACTIONS)
                    .build());
    assertEquals(List.of("transactions"), subscribed.getSubscriptions());
    assertNotNull(subscribed.getTransactionRefresh());
    assertEquals("pending", subscribed.getTransactionRefresh().getStatus());
    assertTrue(subscribed.getTransactionRefresh().getId().startsWith("fctxnref_"));
    fc.settle();
    assertEquals(
        "succeeded", fcs.accounts().retrieve(fca.getId()).getTransactionRefresh().getStatus());

    TransactionListParams all = TransactionListParams.builder().setAccount(fca.getId()).setLimit(100L).build();
    StripeCollection<Transaction> firstPage = fcs.transactions().list(all);
    assertEquals(100, firstPage.getData().size());
    assertTrue(firstPage.getHasMore());
    List<Transaction> every = new ArrayList<>();
    for (Transaction t : fcs.transactions().list(all).autoPagingIterable()) {
      every.add(t);
    }
    List<String> ids = CustomersTest.ids(every);
    assertTrue(ids.size() > 100, "more than one page: " + ids.size());
    assertEquals(ids.size(), new HashSet<>(ids).size(), "each transaction exactly once");
    assertEquals(CustomersTest.ids(firstPage.getData()), ids.subList(0, 100));
    for (int i = 1; i < every.size(); i++) {
      assertTrue(
          every.get(i - 1).getTransactedAt() >= every.get(i).getTransactedAt(), "newest first");
    }
    for (Transaction t : every) {
      assertEquals(fca.getId(), t.getAccount());
      assertEquals("financial_connections.transaction", t.getObject());
      assertNotNull(t.getStatusTransitions());
    }
    Transaction one = fcs.transactions().retrieve(every.get(0).getId());
    assertEquals(every.get(0).toJson(), one.toJson());

    // transacted_at[gte]: the same transactions, from that time on, auto-paged 25 at a time.
    long since = every.get(every.size() / 2).getTransactedAt();
    List<String> recent = new ArrayList<>();
    for (Transaction t :
        fcs.transactions()
            .list(
                TransactionListParams.builder()
                    .setAccount(fca.getId())
                    .setTransactedAt(TransactionListParams.TransactedAt.builder().setGte(since).build())
                    .setLimit(25L)
                    .build())
            .autoPagingIterable()) {
      recent.add(t.getId());
    }
    List<String> expected = new ArrayList<>();
    for (Transaction t : every) {
      if (t.getTransactedAt() >= since) {
        expected.add(t.getId());
      }
    }
    assertEquals(expected, recent);

    Account unsubscribed =
        fcs.accounts()
            .unsubscribe(
                fca.getId(),
                AccountUnsubscribeParams.builder()
                    .addFeature(AccountUnsubscribeParams.Feature.TRANSACTIONS)
                    .build());
    assertEquals(List.of(), unsubscribed.getSubscriptions());

    // A PaymentMethod from the account: create, attach, list, detach.
    PaymentMethod pm =
        client
            .v1()
            .paymentMethods()
            .create(
                PaymentMethodCreateParams.builder()
                    .setType(PaymentMethodCreateParams.Type.US_BANK_ACCOUNT)
                    .setUsBankAccount(
                        PaymentMethodCreateParams.UsBankAccount.builder()
                            .setFinancialConnectionsAccount(fca.getId())
                            .build())
                    .setBillingDetails(
                        PaymentMethodCreateParams.BillingDetails.builder().setName("Jenny Rosen").build())
                    .build());
    assertTrue(pm.getId().startsWith("pm_"), pm.getId());
    assertEquals("us_bank_account", pm.getType());
    assertEquals(fca.getId(), pm.getUsBankAccount().getFinancialConnectionsAccount());
    assertEquals("6789", pm.getUsBankAccount().getLast4());
    assertEquals("110000000", pm.getUsBankAccount().getRoutingNumber());
    assertEquals("Jenny Rosen", pm.getBillingDetails().getName());
    assertNull(pm.getCustomer());

    PaymentMethod attached =
        client
            .v1()
            .paymentMethods()
            .attach(pm.getId(), PaymentMethodAttachParams.builder().setCustomer(cus.getId()).build());
    assertEquals(cus.getId(), attached.getCustomer());
    assertEquals(
        List.of(pm.getId()),
        CustomersTest.ids(client.v1().customers().paymentMethods().list(cus.getId()).getData()));
    PaymentMethod detached = client.v1().paymentMethods().detach(pm.getId());
    assertNull(detached.getCustomer());
    assertEquals(List.of(), client.v1().customers().paymentMethods().list(cus.getId()).getData());

    // Disconnect; refreshing is refused from then on.
    Account disconnected = fcs.accounts().disconnect(fca.getId());
    assertEquals("disconnected", disconnected.getStatus());
    assertNull(disconnected.getBalance());
    assertEquals("disconnected", fcs.accounts().retrieve(fca.getId()).getStatus());
    InvalidRequestException e =
        assertThrows(
            InvalidRequestException.class,
            () ->
                fcs.accounts()
                    .refresh(
                        fca.getId(),
                        AccountRefreshParams.builder()
                            .addFeature(AccountRefreshParams.Feature.BALANCE)
                            .build()));
    assertEquals(400, e.getStatusCode());
    assertEquals("financial_connections_account_inactive", e.getCode());
  }

  @Test
  void aRetriedSessionCreateWithTheSameIdempotencyKeyReturnsTheSameSession(Fcmock fc)
      throws Exception {
    Customer cus = fc.client.v1().customers().create();
    SessionCreateParams params =
        SessionCreateParams.builder()
            .setAccountHolder(
                SessionCreateParams.AccountHolder.builder()
                    .setType(SessionCreateParams.AccountHolder.Type.CUSTOMER)
                    .setCustomer(cus.getId())
                    .build())
            .addPermission(SessionCreateParams.Permission.BALANCES)
            .build();
    RequestOptions opts =
        RequestOptions.builder().setIdempotencyKey("java-fc-" + UUID.randomUUID()).build();

    Session first = fc.client.v1().financialConnections().sessions().create(params, opts);
    Session second = fc.client.v1().financialConnections().sessions().create(params, opts);

    assertEquals(first.getId(), second.getId());
    assertEquals(first.getClientSecret(), second.getClientSecret());
    assertEquals(first.toJson(), second.toJson());
    Session third = fc.client.v1().financialConnections().sessions().create(params);
    assertNotEquals(first.getId(), third.getId());
  }

  // ---------------------------------------------------------------- errors

  @Test
  void retrievingAnUnknownAccountIsA404ResourceMissing(Fcmock fc) {
    InvalidRequestException e =
        assertThrows(
            InvalidRequestException.class,
            () -> fc.client.v1().financialConnections().accounts().retrieve("fca_doesnotexist"));
    assertEquals(404, e.getStatusCode());
    assertEquals("resource_missing", e.getCode());
    assertTrue(e.getStripeError().getMessage().contains("fca_doesnotexist"), e.getMessage());
  }

  @Test
  void aSessionForACustomerThatDoesNotExistIsRefusedWithResourceMissing(Fcmock fc) {
    InvalidRequestException e =
        assertThrows(InvalidRequestException.class, () -> newSession(fc.client, "cus_doesnotexist"));
    assertEquals(400, e.getStatusCode());
    assertEquals("resource_missing", e.getCode());
    assertEquals("account_holder[customer]", e.getParam());
    assertTrue(e.getStripeError().getMessage().contains("cus_doesnotexist"), e.getMessage());
  }

  @Test
  void aSessionWithAnUnknownParameterIsRefusedWithParameterUnknown(Fcmock fc) throws Exception {
    Customer cus = fc.client.v1().customers().create();
    InvalidRequestException e =
        assertThrows(
            InvalidRequestException.class,
            () ->
                fc.client
                    .v1()
                    .financialConnections()
                    .sessions()
                    .create(
                        SessionCreateParams.builder()
                            .setAccountHolder(
                                SessionCreateParams.AccountHolder.builder()
                                    .setType(SessionCreateParams.AccountHolder.Type.CUSTOMER)
                                    .setCustomer(cus.getId())
                                    .build())
                            .addPermission(SessionCreateParams.Permission.BALANCES)
                            .putExtraParam("colour", "blue")
                            .build()));
    assertEquals(400, e.getStatusCode());
    assertEquals("parameter_unknown", e.getCode());
    assertEquals("colour", e.getParam());
    assertEquals("Received unknown parameter: colour", e.getStripeError().getMessage());
  }

  @Test
  void aSessionWithoutPermissionsIsRefusedWithParameterMissing(Fcmock fc) throws Exception {
    Customer cus = fc.client.v1().customers().create();
    InvalidRequestException e =
        assertThrows(
            InvalidRequestException.class,
            () ->
                fc.client
                    .v1()
                    .financialConnections()
                    .sessions()
                    .create(
                        SessionCreateParams.builder()
                            .setAccountHolder(
                                SessionCreateParams.AccountHolder.builder()
                                    .setType(SessionCreateParams.AccountHolder.Type.CUSTOMER)
                                    .setCustomer(cus.getId())
                                    .build())
                            .build()));
    assertEquals(400, e.getStatusCode());
    assertEquals("parameter_missing", e.getCode());
    assertEquals("permissions", e.getParam());
  }

  @Test
  void listingTransactionsBeforeAnyRefreshIsRefused(Fcmock fc) throws Exception {
    Account fca = linkedAccount(fc);
    InvalidRequestException e =
        assertThrows(
            InvalidRequestException.class,
            () ->
                fc.client
                    .v1()
                    .financialConnections()
                    .transactions()
                    .list(TransactionListParams.builder().setAccount(fca.getId()).build()));
    assertEquals(400, e.getStatusCode());
    assertEquals("financial_connections_no_successful_transaction_refresh", e.getCode());
    assertEquals("account", e.getParam());
  }

  @Test
  void aPaymentMethodWithoutABillingNameIsRefusedWithParameterMissing(Fcmock fc) throws Exception {
    Account fca = linkedAccount(fc);
    InvalidRequestException e =
        assertThrows(
            InvalidRequestException.class,
            () ->
                fc.client
                    .v1()
                    .paymentMethods()
                    .create(
                        PaymentMethodCreateParams.builder()
                            .setType(PaymentMethodCreateParams.Type.US_BANK_ACCOUNT)
                            .setUsBankAccount(
                                PaymentMethodCreateParams.UsBankAccount.builder()
                                    .setFinancialConnectionsAccount(fca.getId())
                                    .build())
                            .build()));
    assertEquals(400, e.getStatusCode());
    assertEquals("parameter_missing", e.getCode());
    assertEquals("billing_details[name]", e.getParam());
    assertFalse(fca.getSupportedPaymentMethodTypes().isEmpty());
  }
}
