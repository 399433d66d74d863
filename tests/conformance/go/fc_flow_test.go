package conformance

// Financial Connections through stripe-go: the whole server-side flow, and its errors.
//
// customer → session → headless completion (fcmock's control API, plain HTTP) → session
// retrieve shows the accounts → accounts by session and by holder → retrieve → refresh →
// settle (control API) → retrieve shows the balance → ownership and its owners →
// subscribe → transactions with filters and the auto-paging iterator → a us_bank_account
// PaymentMethod → attach → list → detach → disconnect → refresh refused. Each test has its
// own sk_test_ key, i.e. an empty namespace. /_fcmock/… responses are captured but not
// schema-checked (they are not Stripe's API); every Stripe response is.

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v85"
)

var allPermissions = []string{"balances", "ownership", "payment_method", "transactions"}

// completeSession completes a session headlessly: POST /_fcmock/sessions/{id}/complete. The
// answer is the session as GET /v1/financial_connections/sessions/{id} shows it.
func completeSession(t *testing.T, sessionID string, outcome map[string]any) *stripe.FinancialConnectionsSession {
	t.Helper()
	var s stripe.FinancialConnectionsSession
	control(t, "/_fcmock/sessions/"+sessionID+"/complete", outcome, &s)
	return &s
}

// settle settles every pending refresh now: POST /_fcmock/refreshes/settle.
func settle(t *testing.T) int {
	t.Helper()
	var out struct {
		Settled int `json:"settled"`
	}
	control(t, "/_fcmock/refreshes/settle", map[string]any{}, &out)
	return out.Settled
}

// clockNow is fcmock's mock time: GET /_fcmock/clock.
func clockNow(t *testing.T) int64 {
	t.Helper()
	r := rawRequest(t, http.MethodGet, "/_fcmock/clock", nil, nil)
	require(t, r.Status == http.StatusOK, "GET /_fcmock/clock: status %d: %s", r.Status, r.Body)
	var out struct {
		Now int64 `json:"now"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("GET /_fcmock/clock: cannot decode %s: %v", r.Body, err)
	}
	return out.Now
}

// pastRefreshCooldown moves fcmock's mock clock past an account's transaction refresh
// cooldown (transaction_refresh.next_refresh_available_at) instead of sleeping through it:
// POST /_fcmock/clock {"advance_seconds": n} until GET /_fcmock/clock reads at least that
// time, within a 5 s deadline.
func pastRefreshCooldown(t *testing.T, sc *stripe.Client, accountID string) {
	t.Helper()
	account, err := sc.V1FinancialConnectionsAccounts.GetByID(ctx, accountID, nil)
	must(t, err, "retrieve the account for its cooldown")
	require(t, account.TransactionRefresh != nil && account.TransactionRefresh.NextRefreshAvailableAt > 0,
		"no cooldown to wait out: %+v", account.TransactionRefresh)
	available := account.TransactionRefresh.NextRefreshAvailableAt
	deadline := time.Now().Add(5 * time.Second)
	for {
		now := clockNow(t)
		if now >= available {
			return
		}
		require(t, time.Now().Before(deadline), "the mock clock stayed at %d, before %d", now, available)
		control(t, "/_fcmock/clock", map[string]any{"advance_seconds": available - now}, nil)
	}
}

func newCustomer(t *testing.T, sc *stripe.Client) *stripe.Customer {
	t.Helper()
	c, err := sc.V1Customers.Create(ctx, &stripe.CustomerCreateParams{
		Email: stripe.String("fc." + randHex(4) + "@example.com"),
		Name:  stripe.String("Jenny Rosen"),
	})
	must(t, err, "create customer")
	return c
}

func newSession(t *testing.T, sc *stripe.Client, customer string, permissions []string) *stripe.FinancialConnectionsSession {
	t.Helper()
	s, err := sc.V1FinancialConnectionsSessions.Create(ctx, &stripe.FinancialConnectionsSessionCreateParams{
		AccountHolder: &stripe.FinancialConnectionsSessionCreateAccountHolderParams{
			Type:     stripe.String("customer"),
			Customer: stripe.String(customer),
		},
		Permissions: stripe.StringSlice(permissions),
	})
	must(t, err, "create session")
	return s
}

// linkedAccount is a new customer's account, linked through a completed session.
func linkedAccount(t *testing.T, sc *stripe.Client, permissions []string, institution, account string) *stripe.FinancialConnectionsAccount {
	t.Helper()
	cus := newCustomer(t, sc)
	s := newSession(t, sc, cus.ID, permissions)
	completeSession(t, s.ID, map[string]any{"outcome": "success", "institution": institution, "accounts": []string{account}})
	list := sc.V1FinancialConnectionsAccounts.List(ctx, &stripe.FinancialConnectionsAccountListParams{Session: stripe.String(s.ID)})
	must(t, list.Err(), "list accounts by session")
	require(t, len(list.Data()) == 1, "accounts linked: %d", len(list.Data()))
	return list.Data()[0]
}

func permissionStrings(ps []stripe.FinancialConnectionsAccountPermission) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}

func TestTheWholeFinancialConnectionsFlowRunsFromCustomerToDisconnect(t *testing.T) {
	sc, _ := newClient(t)

	// Customer and session.
	cus := newCustomer(t, sc)
	session := newSession(t, sc, cus.ID, allPermissions)
	check(t, strings.HasPrefix(session.ID, "fcsess_"), "session id %q", session.ID)
	eq(t, "session object", session.Object, "financial_connections.session")
	check(t, strings.HasPrefix(session.ClientSecret, "fcsess_client_secret_"), "client secret %q", session.ClientSecret)
	require(t, session.Accounts != nil, "session.accounts missing")
	eq(t, "new session accounts", len(session.Accounts.Data), 0)
	require(t, session.AccountHolder != nil && session.AccountHolder.Customer != nil, "session account_holder missing")
	eq(t, "session account_holder.customer", session.AccountHolder.Customer.ID, cus.ID)
	eq(t, "session account_holder.type", string(session.AccountHolder.Type), "customer")
	check(t, sliceEq(permissionStrings(toAccountPermissions(session.Permissions)), allPermissions), "permissions %v", session.Permissions)

	// Headless completion (control API), then the session shows its accounts.
	completed := completeSession(t, session.ID, map[string]any{
		"outcome": "success", "institution": "test_institution", "accounts": []string{"success", "savings"},
	})
	require(t, completed.Accounts != nil && len(completed.Accounts.Data) == 2, "completed session accounts: %+v", completed.Accounts)
	eq(t, "first linked", completed.Accounts.Data[0].DisplayName, "Success")
	eq(t, "second linked", completed.Accounts.Data[1].DisplayName, "Savings")

	retrieved, err := sc.V1FinancialConnectionsSessions.Retrieve(ctx, session.ID, nil)
	must(t, err, "retrieve session")
	require(t, retrieved.Accounts != nil, "retrieved session has no accounts list")
	eq(t, "retrieved session accounts", len(retrieved.Accounts.Data), 2)

	// Accounts by session and by holder.
	bySession := sc.V1FinancialConnectionsAccounts.List(ctx, &stripe.FinancialConnectionsAccountListParams{Session: stripe.String(session.ID)})
	must(t, bySession.Err(), "list accounts by session")
	byHolder := sc.V1FinancialConnectionsAccounts.List(ctx, &stripe.FinancialConnectionsAccountListParams{
		AccountHolder: &stripe.FinancialConnectionsAccountListAccountHolderParams{Customer: stripe.String(cus.ID)},
	})
	must(t, byHolder.Err(), "list accounts by holder")
	eq(t, "accounts by session", len(bySession.Data()), 2)
	var sessionIDs, holderIDs []string
	var fcaID string
	for _, a := range bySession.Data() {
		sessionIDs = append(sessionIDs, a.ID)
		if a.DisplayName == "Success" {
			fcaID = a.ID
		}
	}
	for _, a := range byHolder.Data() {
		holderIDs = append(holderIDs, a.ID)
	}
	check(t, sliceEq(holderIDs, sessionIDs), "by holder %v, by session %v", holderIDs, sessionIDs)
	require(t, fcaID != "", "no account named Success among %v", sessionIDs)

	fca, err := sc.V1FinancialConnectionsAccounts.GetByID(ctx, fcaID, nil)
	must(t, err, "retrieve account")
	check(t, strings.HasPrefix(fca.ID, "fca_"), "account id %q", fca.ID)
	eq(t, "account object", fca.Object, "financial_connections.account")
	eq(t, "account status", fca.Status, stripe.FinancialConnectionsAccountStatusActive)
	require(t, fca.AccountHolder != nil && fca.AccountHolder.Customer != nil, "account_holder missing")
	eq(t, "account_holder.customer", fca.AccountHolder.Customer.ID, cus.ID)
	eq(t, "last4", fca.Last4, "6789")
	eq(t, "category", string(fca.Category), "cash")
	eq(t, "subcategory", string(fca.Subcategory), "checking")
	check(t, sliceEq(permissionStrings(fca.Permissions), allPermissions), "account permissions %v", fca.Permissions)
	check(t, fca.Balance == nil && fca.BalanceRefresh == nil, "a new account has a balance: %+v / %+v", fca.Balance, fca.BalanceRefresh)
	check(t, fca.Ownership == nil, "a new account has an ownership: %+v", fca.Ownership)

	// Refresh the balance; it stays pending until settled.
	refreshing, err := sc.V1FinancialConnectionsAccounts.Refresh(ctx, fca.ID, &stripe.FinancialConnectionsAccountRefreshParams{
		Features: stripe.StringSlice([]string{"balance"}),
	})
	must(t, err, "refresh balance")
	require(t, refreshing.BalanceRefresh != nil, "no balance_refresh after a refresh")
	eq(t, "balance_refresh.status", refreshing.BalanceRefresh.Status, stripe.FinancialConnectionsAccountBalanceRefreshStatusPending)
	eq(t, "balance_refresh.next_refresh_available_at (null while pending)", refreshing.BalanceRefresh.NextRefreshAvailableAt, int64(0))
	check(t, refreshing.BalanceRefresh.LastAttemptedAt > 0, "last_attempted_at %d", refreshing.BalanceRefresh.LastAttemptedAt)
	check(t, refreshing.Balance == nil, "balance before settling: %+v", refreshing.Balance)

	check(t, settle(t) >= 1, "settle settled nothing")

	withBalance, err := sc.V1FinancialConnectionsAccounts.GetByID(ctx, fca.ID, nil)
	must(t, err, "retrieve account after settle")
	require(t, withBalance.BalanceRefresh != nil, "no balance_refresh after settling")
	eq(t, "balance_refresh.status", withBalance.BalanceRefresh.Status, stripe.FinancialConnectionsAccountBalanceRefreshStatusSucceeded)
	require(t, withBalance.Balance != nil, "no balance after settling")
	eq(t, "balance.type", withBalance.Balance.Type, stripe.FinancialConnectionsAccountBalanceTypeCash)
	eq(t, "balance.current[usd]", withBalance.Balance.Current["usd"], int64(6000))
	require(t, withBalance.Balance.Cash != nil, "balance.cash missing")
	_, hasUSD := withBalance.Balance.Cash.Available["usd"]
	check(t, hasUSD, "balance.cash.available has no usd: %v", withBalance.Balance.Cash.Available)
	check(t, withBalance.Balance.AsOf > 0, "balance.as_of %d", withBalance.Balance.AsOf)

	// Ownership refresh, then the ownership (expanded) and its owners.
	ownRefresh, err := sc.V1FinancialConnectionsAccounts.Refresh(ctx, fca.ID, &stripe.FinancialConnectionsAccountRefreshParams{
		Features: stripe.StringSlice([]string{"ownership"}),
	})
	must(t, err, "refresh ownership")
	require(t, ownRefresh.OwnershipRefresh != nil, "no ownership_refresh after a refresh")
	eq(t, "ownership_refresh.status", ownRefresh.OwnershipRefresh.Status, stripe.FinancialConnectionsAccountOwnershipRefreshStatusPending)
	settle(t)

	rp := &stripe.FinancialConnectionsAccountRetrieveParams{}
	rp.AddExpand("ownership")
	withOwnership, err := sc.V1FinancialConnectionsAccounts.GetByID(ctx, fca.ID, rp)
	must(t, err, "retrieve account with expand[]=ownership")
	require(t, withOwnership.OwnershipRefresh != nil, "no ownership_refresh")
	eq(t, "ownership_refresh.status", withOwnership.OwnershipRefresh.Status, stripe.FinancialConnectionsAccountOwnershipRefreshStatusSucceeded)
	require(t, withOwnership.Ownership != nil, "ownership not expanded")
	own := withOwnership.Ownership
	check(t, strings.HasPrefix(own.ID, "fcaowns_"), "ownership id %q", own.ID)
	eq(t, "ownership object", own.Object, "financial_connections.account_ownership")
	require(t, own.Owners != nil && len(own.Owners.Data) == 1, "ownership owners: %+v", own.Owners)
	eq(t, "owner name", own.Owners.Data[0].Name, "Jenny Rosen")

	// Not expanded: the ownership is just its id.
	plain, err := sc.V1FinancialConnectionsAccounts.GetByID(ctx, fca.ID, nil)
	must(t, err, "retrieve account")
	require(t, plain.Ownership != nil, "ownership id missing")
	eq(t, "unexpanded ownership id", plain.Ownership.ID, own.ID)
	check(t, plain.Ownership.Owners == nil, "unexpanded ownership has owners")

	var ownerIDs []string
	for o, err := range sc.V1FinancialConnectionsAccounts.ListOwners(ctx, &stripe.FinancialConnectionsAccountListOwnersParams{
		Account: stripe.String(fca.ID), Ownership: stripe.String(own.ID),
	}).All(ctx) {
		must(t, err, "list owners")
		eq(t, "owner.object", o.Object, "financial_connections.account_owner")
		eq(t, "owner.ownership", o.Ownership, own.ID)
		ownerIDs = append(ownerIDs, o.ID)
	}
	check(t, sliceEq(ownerIDs, []string{own.Owners.Data[0].ID}), "owners %v", ownerIDs)

	// Subscribe to transactions: it starts a transaction refresh.
	subscribed, err := sc.V1FinancialConnectionsAccounts.Subscribe(ctx, fca.ID, &stripe.FinancialConnectionsAccountSubscribeParams{
		Features: stripe.StringSlice([]string{"transactions"}),
	})
	must(t, err, "subscribe")
	check(t, slices.Equal(subscribed.Subscriptions, []stripe.FinancialConnectionsAccountSubscription{stripe.FinancialConnectionsAccountSubscriptionTransactions}),
		"subscriptions %v", subscribed.Subscriptions)
	require(t, subscribed.TransactionRefresh != nil, "subscribe started no transaction refresh")
	check(t, strings.HasPrefix(subscribed.TransactionRefresh.ID, "fctxnref_"), "transaction_refresh id %q", subscribed.TransactionRefresh.ID)
	eq(t, "transaction_refresh.status", subscribed.TransactionRefresh.Status, stripe.FinancialConnectionsAccountTransactionRefreshStatusPending)
	settle(t)

	// Transactions: the first page, then every page through the iterator, newest first.
	tp := &stripe.FinancialConnectionsTransactionListParams{Account: stripe.String(fca.ID)}
	tp.Limit = stripe.Int64(100)
	first := sc.V1FinancialConnectionsTransactions.List(ctx, tp)
	must(t, first.Err(), "list transactions")
	eq(t, "first page size", len(first.Data()), 100)
	eq(t, "first page has_more", first.Meta().HasMore, true)
	eq(t, "list url", first.Meta().URL, "/v1/financial_connections/transactions")

	tp2 := &stripe.FinancialConnectionsTransactionListParams{Account: stripe.String(fca.ID)}
	tp2.Limit = stripe.Int64(100)
	var every []*stripe.FinancialConnectionsTransaction
	for txn, err := range sc.V1FinancialConnectionsTransactions.List(ctx, tp2).All(ctx) {
		must(t, err, "auto-paging transactions")
		every = append(every, txn)
	}
	require(t, len(every) > 100, "only %d transactions", len(every))
	seen := map[string]bool{}
	for i, txn := range every {
		check(t, !seen[txn.ID], "transaction %s listed twice", txn.ID)
		seen[txn.ID] = true
		check(t, strings.HasPrefix(txn.ID, "fctxn_"), "transaction id %q", txn.ID)
		eq(t, "transaction.object", txn.Object, "financial_connections.transaction")
		eq(t, "transaction.account", txn.Account, fca.ID)
		check(t, txn.Currency == stripe.CurrencyUSD, "currency %q", txn.Currency)
		check(t, txn.StatusTransitions != nil, "transaction %s has no status_transitions", txn.ID)
		if i < 100 {
			eq(t, "first page in iterator order", txn.ID, first.Data()[i].ID)
		}
		if i > 0 {
			check(t, txn.TransactedAt <= every[i-1].TransactedAt, "not newest first at %d", i)
		}
	}
	one, err := sc.V1FinancialConnectionsTransactions.Retrieve(ctx, every[0].ID, nil)
	must(t, err, "retrieve transaction")
	// The list item's raw JSON is indented one level deeper inside its page: compare the
	// JSON, not its whitespace.
	eq(t, "retrieved transaction", compactJSON(t, one.LastResponse.RawJSON), compactJSON(t, every[0].LastResponse.RawJSON))

	// transacted_at[gte]: the same transactions, from that time on (25 a page).
	since := every[len(every)/2].TransactedAt
	rp2 := &stripe.FinancialConnectionsTransactionListParams{
		Account:           stripe.String(fca.ID),
		TransactedAtRange: &stripe.RangeQueryParams{GreaterThanOrEqual: since},
	}
	rp2.Limit = stripe.Int64(25)
	var recent, wantRecent []string
	for txn, err := range sc.V1FinancialConnectionsTransactions.List(ctx, rp2).All(ctx) {
		must(t, err, "list transactions since")
		recent = append(recent, txn.ID)
	}
	for _, txn := range every {
		if txn.TransactedAt >= since {
			wantRecent = append(wantRecent, txn.ID)
		}
	}
	check(t, sliceEq(recent, wantRecent), "transacted_at[gte]: %d ids, want %d", len(recent), len(wantRecent))

	// transaction_refresh[after] the only refresh so far: nothing is newer.
	after := sc.V1FinancialConnectionsTransactions.List(ctx, &stripe.FinancialConnectionsTransactionListParams{
		Account:            stripe.String(fca.ID),
		TransactionRefresh: &stripe.FinancialConnectionsTransactionListTransactionRefreshParams{After: stripe.String(subscribed.TransactionRefresh.ID)},
	})
	must(t, after.Err(), "list transactions after a refresh")
	eq(t, "transactions after the only refresh", len(after.Data()), 0)
	eq(t, "has_more", after.Meta().HasMore, false)

	unsubscribed, err := sc.V1FinancialConnectionsAccounts.Unsubscribe(ctx, fca.ID, &stripe.FinancialConnectionsAccountUnsubscribeParams{
		Features: stripe.StringSlice([]string{"transactions"}),
	})
	must(t, err, "unsubscribe")
	eq(t, "subscriptions after unsubscribe", len(unsubscribed.Subscriptions), 0)

	// A PaymentMethod from the account: attach, list, detach.
	pm, err := sc.V1PaymentMethods.Create(ctx, &stripe.PaymentMethodCreateParams{
		Type:           stripe.String("us_bank_account"),
		USBankAccount:  &stripe.PaymentMethodCreateUSBankAccountParams{FinancialConnectionsAccount: stripe.String(fca.ID)},
		BillingDetails: &stripe.PaymentMethodCreateBillingDetailsParams{Name: stripe.String("Jenny Rosen")},
	})
	must(t, err, "create payment method")
	check(t, strings.HasPrefix(pm.ID, "pm_"), "payment method id %q", pm.ID)
	eq(t, "pm.type", pm.Type, stripe.PaymentMethodTypeUSBankAccount)
	require(t, pm.USBankAccount != nil, "pm.us_bank_account missing")
	eq(t, "pm.us_bank_account.financial_connections_account", pm.USBankAccount.FinancialConnectionsAccount, fca.ID)
	eq(t, "pm.us_bank_account.last4", pm.USBankAccount.Last4, "6789")
	eq(t, "pm.us_bank_account.routing_number", pm.USBankAccount.RoutingNumber, "110000000")
	require(t, pm.BillingDetails != nil, "pm.billing_details missing")
	eq(t, "pm.billing_details.name", pm.BillingDetails.Name, "Jenny Rosen")
	check(t, pm.Customer == nil, "a new payment method has a customer: %+v", pm.Customer)

	attached, err := sc.V1PaymentMethods.Attach(ctx, pm.ID, &stripe.PaymentMethodAttachParams{Customer: stripe.String(cus.ID)})
	must(t, err, "attach payment method")
	require(t, attached.Customer != nil, "attached payment method has no customer")
	eq(t, "attached.customer", attached.Customer.ID, cus.ID)

	var pmIDs []string
	for p, err := range sc.V1Customers.ListPaymentMethods(ctx, &stripe.CustomerListPaymentMethodsParams{Customer: stripe.String(cus.ID)}).All(ctx) {
		must(t, err, "list customer payment methods")
		pmIDs = append(pmIDs, p.ID)
	}
	check(t, sliceEq(pmIDs, []string{pm.ID}), "customer payment methods %v", pmIDs)

	detached, err := sc.V1PaymentMethods.Detach(ctx, pm.ID, nil)
	must(t, err, "detach payment method")
	check(t, detached.Customer == nil, "detached payment method still has customer %+v", detached.Customer)
	left := sc.V1Customers.ListPaymentMethods(ctx, &stripe.CustomerListPaymentMethodsParams{Customer: stripe.String(cus.ID)})
	must(t, left.Err(), "list customer payment methods")
	eq(t, "payment methods after detach", len(left.Data()), 0)

	// Disconnect; refreshing is refused from then on.
	disconnected, err := sc.V1FinancialConnectionsAccounts.Disconnect(ctx, fca.ID, nil)
	must(t, err, "disconnect")
	eq(t, "status after disconnect", disconnected.Status, stripe.FinancialConnectionsAccountStatusDisconnected)
	check(t, disconnected.Balance == nil, "a disconnected account keeps its balance")

	_, err = sc.V1FinancialConnectionsAccounts.Refresh(ctx, fca.ID, &stripe.FinancialConnectionsAccountRefreshParams{
		Features: stripe.StringSlice([]string{"balance"}),
	})
	se := stripeError(t, err)
	eq(t, "status", se.HTTPStatusCode, http.StatusBadRequest)
	eq(t, "type", se.Type, stripe.ErrorTypeInvalidRequest)
	eq(t, "code", string(se.Code), "financial_connections_account_inactive")
}

// toAccountPermissions converts the session's permissions for comparison.
func toAccountPermissions(ps []stripe.FinancialConnectionsSessionPermission) []stripe.FinancialConnectionsAccountPermission {
	out := make([]stripe.FinancialConnectionsAccountPermission, len(ps))
	for i, p := range ps {
		out[i] = stripe.FinancialConnectionsAccountPermission(p)
	}
	return out
}

func TestRefreshingBalanceOwnershipAndTransactionsTogetherSettlesEach(t *testing.T) {
	sc, _ := newClient(t)
	fca := linkedAccount(t, sc, allPermissions, "test_institution", "success")

	refreshing, err := sc.V1FinancialConnectionsAccounts.Refresh(ctx, fca.ID, &stripe.FinancialConnectionsAccountRefreshParams{
		Features: stripe.StringSlice([]string{"balance", "ownership", "transactions"}),
	})
	must(t, err, "refresh")
	require(t, refreshing.BalanceRefresh != nil && refreshing.OwnershipRefresh != nil && refreshing.TransactionRefresh != nil,
		"refresh states: %+v %+v %+v", refreshing.BalanceRefresh, refreshing.OwnershipRefresh, refreshing.TransactionRefresh)
	eq(t, "balance_refresh", string(refreshing.BalanceRefresh.Status), "pending")
	eq(t, "ownership_refresh", string(refreshing.OwnershipRefresh.Status), "pending")
	eq(t, "transaction_refresh", string(refreshing.TransactionRefresh.Status), "pending")
	settle(t)

	got, err := sc.V1FinancialConnectionsAccounts.GetByID(ctx, fca.ID, nil)
	must(t, err, "retrieve")
	eq(t, "balance_refresh", string(got.BalanceRefresh.Status), "succeeded")
	eq(t, "ownership_refresh", string(got.OwnershipRefresh.Status), "succeeded")
	eq(t, "transaction_refresh", string(got.TransactionRefresh.Status), "succeeded")
	eq(t, "transaction_refresh id kept", got.TransactionRefresh.ID, refreshing.TransactionRefresh.ID)
	check(t, got.BalanceRefresh.NextRefreshAvailableAt >= got.BalanceRefresh.LastAttemptedAt,
		"next_refresh_available_at %d < last_attempted_at %d", got.BalanceRefresh.NextRefreshAvailableAt, got.BalanceRefresh.LastAttemptedAt)
}

func TestTransactionRefreshAfterReturnsOnlyTransactionsOfALaterRefresh(t *testing.T) {
	sc, _ := newClient(t)
	fca := linkedAccount(t, sc, allPermissions, "test_institution", "success")
	firstRefresh, err := sc.V1FinancialConnectionsAccounts.Refresh(ctx, fca.ID, &stripe.FinancialConnectionsAccountRefreshParams{
		Features: stripe.StringSlice([]string{"transactions"}),
	})
	must(t, err, "refresh")
	settle(t)
	// The next refresh may start one second after the first settled (its cooldown).
	pastRefreshCooldown(t, sc, fca.ID)
	second, err := sc.V1FinancialConnectionsAccounts.Refresh(ctx, fca.ID, &stripe.FinancialConnectionsAccountRefreshParams{
		Features: stripe.StringSlice([]string{"transactions"}),
	})
	must(t, err, "second refresh")
	check(t, second.TransactionRefresh.ID != firstRefresh.TransactionRefresh.ID, "the second refresh has the first one's id")
	settle(t)

	all := &stripe.FinancialConnectionsTransactionListParams{Account: stripe.String(fca.ID)}
	all.Limit = stripe.Int64(100)
	var want []string
	total := 0
	for txn, err := range sc.V1FinancialConnectionsTransactions.List(ctx, all).All(ctx) {
		must(t, err, "list")
		total++
		if txn.TransactionRefresh == second.TransactionRefresh.ID {
			want = append(want, txn.ID)
		}
	}
	later := &stripe.FinancialConnectionsTransactionListParams{
		Account:            stripe.String(fca.ID),
		TransactionRefresh: &stripe.FinancialConnectionsTransactionListTransactionRefreshParams{After: stripe.String(firstRefresh.TransactionRefresh.ID)},
	}
	later.Limit = stripe.Int64(100)
	var got []string
	for txn, err := range sc.V1FinancialConnectionsTransactions.List(ctx, later).All(ctx) {
		must(t, err, "list after")
		got = append(got, txn.ID)
	}
	check(t, sliceEq(got, want), "transaction_refresh[after]: %d ids, want %d", len(got), len(want))
	check(t, len(got) < total, "every transaction (%d) is newer than the first refresh", total)
}

func TestWalkingTransactionsBackwardsWithEndingBefore(t *testing.T) {
	sc, _ := newClient(t)
	fca := linkedAccount(t, sc, allPermissions, "test_institution", "success")
	_, err := sc.V1FinancialConnectionsAccounts.Refresh(ctx, fca.ID, &stripe.FinancialConnectionsAccountRefreshParams{
		Features: stripe.StringSlice([]string{"transactions"}),
	})
	must(t, err, "refresh")
	settle(t)
	all := &stripe.FinancialConnectionsTransactionListParams{Account: stripe.String(fca.ID)}
	all.Limit = stripe.Int64(100)
	var every []string
	for txn, err := range sc.V1FinancialConnectionsTransactions.List(ctx, all).All(ctx) {
		must(t, err, "list")
		every = append(every, txn.ID)
	}
	require(t, len(every) > 20, "only %d transactions", len(every))

	// One page before every[10]: every[5:10].
	page := &stripe.FinancialConnectionsTransactionListParams{Account: stripe.String(fca.ID)}
	page.Limit = stripe.Int64(5)
	page.EndingBefore = stripe.String(every[10])
	p := sc.V1FinancialConnectionsTransactions.List(ctx, page)
	must(t, p.Err(), "list ending_before")
	var ids []string
	for _, txn := range p.Data() {
		ids = append(ids, txn.ID)
	}
	// stripe-go reverses a backward page so that iteration runs towards the newest.
	sort.SliceStable(ids, func(i, j int) bool { return slices.Index(every, ids[i]) < slices.Index(every, ids[j]) })
	check(t, sliceEq(ids, every[5:10]), "ending_before page %v, want %v", ids, every[5:10])
	eq(t, "has_more", p.Meta().HasMore, true)

	// The iterator walks backwards to the newest: every[0:10], each once.
	back := &stripe.FinancialConnectionsTransactionListParams{Account: stripe.String(fca.ID)}
	back.Limit = stripe.Int64(3)
	back.EndingBefore = stripe.String(every[10])
	var walked []string
	for txn, err := range sc.V1FinancialConnectionsTransactions.List(ctx, back).All(ctx) {
		must(t, err, "walk backwards")
		walked = append(walked, txn.ID)
	}
	reversed := slices.Clone(every[:10])
	slices.Reverse(reversed)
	check(t, sliceEq(walked, reversed), "walked backwards %v, want %v", walked, reversed)
}

func TestACancelledSessionLinksNoAccounts(t *testing.T) {
	sc, _ := newClient(t)
	cus := newCustomer(t, sc)
	s := newSession(t, sc, cus.ID, allPermissions)
	completed := completeSession(t, s.ID, map[string]any{"outcome": "cancel"})
	eq(t, "accounts", len(completed.Accounts.Data), 0)
	list := sc.V1FinancialConnectionsAccounts.List(ctx, &stripe.FinancialConnectionsAccountListParams{Session: stripe.String(s.ID)})
	must(t, list.Err(), "list")
	eq(t, "accounts", len(list.Data()), 0)
}

// ---------------------------------------------------------------- errors

func TestRetrievingAnUnknownAccountIsATypedResourceMissing404(t *testing.T) {
	sc, _ := newClient(t)
	_, err := sc.V1FinancialConnectionsAccounts.GetByID(ctx, "fca_doesnotexist", nil)
	se := stripeError(t, err)
	eq(t, "status", se.HTTPStatusCode, http.StatusNotFound)
	eq(t, "type", se.Type, stripe.ErrorTypeInvalidRequest)
	eq(t, "code", se.Code, stripe.ErrorCodeResourceMissing)
	eq(t, "param", se.Param, "id")
	check(t, strings.Contains(se.Msg, "fca_doesnotexist"), "message %q", se.Msg)
	_, typed := se.Err.(*stripe.InvalidRequestError)
	check(t, typed, "Err is %T, want *stripe.InvalidRequestError", se.Err)
}

func TestASessionForAMissingCustomerIsRefusedWithResourceMissing(t *testing.T) {
	sc, _ := newClient(t)
	_, err := sc.V1FinancialConnectionsSessions.Create(ctx, &stripe.FinancialConnectionsSessionCreateParams{
		AccountHolder: &stripe.FinancialConnectionsSessionCreateAccountHolderParams{
			Type: stripe.String("customer"), Customer: stripe.String("cus_doesnotexist"),
		},
		Permissions: stripe.StringSlice(allPermissions),
	})
	se := stripeError(t, err)
	eq(t, "status", se.HTTPStatusCode, http.StatusBadRequest)
	eq(t, "code", se.Code, stripe.ErrorCodeResourceMissing)
	eq(t, "param", se.Param, "account_holder[customer]")
	check(t, strings.Contains(se.Msg, "cus_doesnotexist"), "message %q", se.Msg)
}

func TestASessionWithAnUnknownParameterIsRefusedWithParameterUnknown(t *testing.T) {
	sc, _ := newClient(t)
	cus := newCustomer(t, sc)
	params := &stripe.FinancialConnectionsSessionCreateParams{
		AccountHolder: &stripe.FinancialConnectionsSessionCreateAccountHolderParams{
			Type: stripe.String("customer"), Customer: stripe.String(cus.ID),
		},
		Permissions: stripe.StringSlice([]string{"balances"}),
	}
	params.AddExtra("colour", "blue")
	_, err := sc.V1FinancialConnectionsSessions.Create(ctx, params)
	se := stripeError(t, err)
	eq(t, "status", se.HTTPStatusCode, http.StatusBadRequest)
	eq(t, "type", se.Type, stripe.ErrorTypeInvalidRequest)
	eq(t, "code", se.Code, stripe.ErrorCodeParameterUnknown)
	eq(t, "param", se.Param, "colour")
	eq(t, "message", se.Msg, "Received unknown parameter: colour")
}

func TestASessionWithoutPermissionsIsRefusedWithParameterMissing(t *testing.T) {
	sc, _ := newClient(t)
	cus := newCustomer(t, sc)
	_, err := sc.V1FinancialConnectionsSessions.Create(ctx, &stripe.FinancialConnectionsSessionCreateParams{
		AccountHolder: &stripe.FinancialConnectionsSessionCreateAccountHolderParams{
			Type: stripe.String("customer"), Customer: stripe.String(cus.ID),
		},
	})
	se := stripeError(t, err)
	eq(t, "status", se.HTTPStatusCode, http.StatusBadRequest)
	eq(t, "code", se.Code, stripe.ErrorCodeParameterMissing)
	eq(t, "param", se.Param, "permissions")
}

func TestListingTransactionsBeforeAnyRefreshIsRefused(t *testing.T) {
	sc, _ := newClient(t)
	fca := linkedAccount(t, sc, allPermissions, "test_institution", "success")
	list := sc.V1FinancialConnectionsTransactions.List(ctx, &stripe.FinancialConnectionsTransactionListParams{Account: stripe.String(fca.ID)})
	se := stripeError(t, list.Err())
	eq(t, "status", se.HTTPStatusCode, http.StatusBadRequest)
	eq(t, "code", string(se.Code), "financial_connections_no_successful_transaction_refresh")
	eq(t, "param", se.Param, "account")
}

func TestAPaymentMethodWithoutTheAccountsPaymentMethodPermissionIsRefused(t *testing.T) {
	sc, _ := newClient(t)
	fca := linkedAccount(t, sc, []string{"balances", "transactions"}, "test_institution", "success")
	_, err := sc.V1PaymentMethods.Create(ctx, &stripe.PaymentMethodCreateParams{
		Type:           stripe.String("us_bank_account"),
		USBankAccount:  &stripe.PaymentMethodCreateUSBankAccountParams{FinancialConnectionsAccount: stripe.String(fca.ID)},
		BillingDetails: &stripe.PaymentMethodCreateBillingDetailsParams{Name: stripe.String("Jenny Rosen")},
	})
	se := stripeError(t, err)
	eq(t, "status", se.HTTPStatusCode, http.StatusBadRequest)
	eq(t, "param", se.Param, "us_bank_account[financial_connections_account]")
}

func TestIdempotentRetryOfASessionCreateReplaysTheSameSession(t *testing.T) {
	sc, _ := newClient(t)
	cus := newCustomer(t, sc)
	key := "go-fc-idem-" + randHex(8)
	create := func() (*stripe.FinancialConnectionsSession, error) {
		p := &stripe.FinancialConnectionsSessionCreateParams{
			AccountHolder: &stripe.FinancialConnectionsSessionCreateAccountHolderParams{
				Type: stripe.String("customer"), Customer: stripe.String(cus.ID),
			},
			Permissions: stripe.StringSlice(allPermissions),
		}
		p.SetIdempotencyKey(key)
		return sc.V1FinancialConnectionsSessions.Create(ctx, p)
	}
	first, err := create()
	must(t, err, "create session")
	second, err := create()
	must(t, err, "retry create session")
	eq(t, "same session", second.ID, first.ID)
	eq(t, "same client_secret", second.ClientSecret, first.ClientSecret)
	eq(t, "same body", string(second.LastResponse.RawJSON), string(first.LastResponse.RawJSON))
	eq(t, "Idempotent-Replayed", second.LastResponse.Header.Get("Idempotent-Replayed"), "true")
	check(t, first.LastResponse.Header.Get("Idempotent-Replayed") != "true", "the first response says it was replayed")
}
