package conformance

// Customers through stripe-go: create, retrieve, update, list (with the auto-paging
// iterator), errors as typed *stripe.Error, and idempotent retries. Each test has its own
// random sk_test_ key, i.e. an empty namespace, so counts and orders are exact.

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	stripe "github.com/stripe/stripe-go/v85"
)

func TestCustomerCreateRetrieveUpdateList(t *testing.T) {
	sc, _ := newClient(t)
	email := "go." + randHex(4) + "@example.com"

	created, err := sc.V1Customers.Create(ctx, &stripe.CustomerCreateParams{
		Email:       stripe.String(email),
		Name:        stripe.String("Jenny Rosen"),
		Description: stripe.String("stripe-go conformance"),
		Phone:       stripe.String("+14155550100"),
		Address: &stripe.AddressParams{
			Line1:      stripe.String("510 Townsend St"),
			City:       stripe.String("San Francisco"),
			State:      stripe.String("CA"),
			PostalCode: stripe.String("94103"),
			Country:    stripe.String("US"),
		},
		Metadata: map[string]string{"order_id": "6735"},
	})
	must(t, err, "create customer")
	check(t, regexp.MustCompile(`^cus_[A-Za-z0-9]{14,}$`).MatchString(created.ID), "id %q", created.ID)
	eq(t, "object", created.Object, "customer")
	eq(t, "livemode", created.Livemode, false)
	eq(t, "email", created.Email, email)
	eq(t, "name", created.Name, "Jenny Rosen")
	eq(t, "phone", created.Phone, "+14155550100")
	require(t, created.Address != nil, "address missing")
	eq(t, "address.city", created.Address.City, "San Francisco")
	eq(t, "address.country", created.Address.Country, "US")
	eq(t, "metadata.order_id", created.Metadata["order_id"], "6735")
	check(t, created.Created > 1_500_000_000, "created %d", created.Created)
	check(t, strings.HasPrefix(created.LastResponse.RequestID, "req_"), "request id %q", created.LastResponse.RequestID)
	// stripe-go sends its pinned version; Stripe echoes the version a request asked for.
	eq(t, "Stripe-Version header", created.LastResponse.Header.Get("Stripe-Version"), stripe.APIVersion)

	fetched, err := sc.V1Customers.Retrieve(ctx, created.ID, nil)
	must(t, err, "retrieve customer")
	eq(t, "retrieved raw JSON", string(fetched.LastResponse.RawJSON), string(created.LastResponse.RawJSON))

	updated, err := sc.V1Customers.Update(ctx, created.ID, &stripe.CustomerUpdateParams{
		Name:     stripe.String("Jenny R."),
		Metadata: map[string]string{"tier": "gold"},
	})
	must(t, err, "update customer")
	eq(t, "updated id", updated.ID, created.ID)
	eq(t, "updated name", updated.Name, "Jenny R.")
	eq(t, "updated email (kept)", updated.Email, email)
	eq(t, "metadata merged: order_id", updated.Metadata["order_id"], "6735")
	eq(t, "metadata merged: tier", updated.Metadata["tier"], "gold")

	// Three more customers, then list them all two at a time with the auto-paging iterator.
	ids := []string{created.ID}
	for i := 0; i < 3; i++ {
		c, err := sc.V1Customers.Create(ctx, &stripe.CustomerCreateParams{Description: stripe.String("more")})
		must(t, err, "create customer")
		ids = append(ids, c.ID)
	}
	params := &stripe.CustomerListParams{}
	params.Limit = stripe.Int64(2)
	list := sc.V1Customers.List(ctx, params)
	eq(t, "first page size", len(list.Data()), 2)
	eq(t, "first page has_more", list.Meta().HasMore, true)
	eq(t, "list url", list.Meta().URL, "/v1/customers")
	var listed []string
	for c, err := range list.All(ctx) {
		must(t, err, "list customers")
		listed = append(listed, c.ID)
	}
	// Newest first.
	want := []string{ids[3], ids[2], ids[1], ids[0]}
	check(t, sliceEq(listed, want), "listed %v, want %v", listed, want)

	byEmail := &stripe.CustomerListParams{Email: stripe.String(email)}
	var found []string
	for c, err := range sc.V1Customers.List(ctx, byEmail).All(ctx) {
		must(t, err, "list customers by email")
		found = append(found, c.ID)
	}
	check(t, sliceEq(found, []string{created.ID}), "by email: %v", found)

	deleted, err := sc.V1Customers.Delete(ctx, created.ID, nil)
	must(t, err, "delete customer")
	eq(t, "deleted", deleted.Deleted, true)
	eq(t, "deleted id", deleted.ID, created.ID)
}

func TestRetrievingAnUnknownCustomerIsATypedResourceMissing404(t *testing.T) {
	sc, _ := newClient(t)
	_, err := sc.V1Customers.Retrieve(ctx, "cus_doesnotexist00", nil)
	se := stripeError(t, err)
	eq(t, "status", se.HTTPStatusCode, http.StatusNotFound)
	eq(t, "type", se.Type, stripe.ErrorTypeInvalidRequest)
	eq(t, "code", se.Code, stripe.ErrorCodeResourceMissing)
	eq(t, "param", se.Param, "id")
	check(t, strings.Contains(se.Msg, "cus_doesnotexist00"), "message %q", se.Msg)
	check(t, strings.HasSuffix(se.DocURL, "/error-codes/resource-missing"), "doc_url %q", se.DocURL)
	check(t, strings.HasPrefix(se.RequestID, "req_"), "request id %q", se.RequestID)
	var ire *stripe.InvalidRequestError
	check(t, se.Err != nil && asInvalidRequest(se.Err, &ire), "Err is %T, want *stripe.InvalidRequestError", se.Err)
}

func asInvalidRequest(err error, target **stripe.InvalidRequestError) bool {
	e, ok := err.(*stripe.InvalidRequestError)
	if ok {
		*target = e
	}
	return ok
}

func TestAnUnknownParameterIsRefusedWithParameterUnknown(t *testing.T) {
	sc, _ := newClient(t)
	params := &stripe.CustomerCreateParams{Name: stripe.String("X")}
	params.AddExtra("colour", "blue")
	_, err := sc.V1Customers.Create(ctx, params)
	se := stripeError(t, err)
	eq(t, "status", se.HTTPStatusCode, http.StatusBadRequest)
	eq(t, "type", se.Type, stripe.ErrorTypeInvalidRequest)
	eq(t, "code", se.Code, stripe.ErrorCodeParameterUnknown)
	eq(t, "param", se.Param, "colour")
	eq(t, "message", se.Msg, "Received unknown parameter: colour")

	// Nothing was created.
	list := sc.V1Customers.List(ctx, nil)
	must(t, list.Err(), "list")
	eq(t, "customers", len(list.Data()), 0)
}

func TestTheSameIdempotencyKeyReplaysTheFirstCustomer(t *testing.T) {
	sc, _ := newClient(t)
	key := "go-idem-" + randHex(8)
	newParams := func() *stripe.CustomerCreateParams {
		p := &stripe.CustomerCreateParams{Name: stripe.String("Idem Potent"), Email: stripe.String("idem@example.com")}
		p.SetIdempotencyKey(key)
		return p
	}
	first, err := sc.V1Customers.Create(ctx, newParams())
	must(t, err, "first create")
	second, err := sc.V1Customers.Create(ctx, newParams())
	must(t, err, "replayed create")

	eq(t, "same id", second.ID, first.ID)
	eq(t, "same body", string(second.LastResponse.RawJSON), string(first.LastResponse.RawJSON))
	eq(t, "Idempotent-Replayed (replay)", second.LastResponse.Header.Get("Idempotent-Replayed"), "true")
	check(t, first.LastResponse.Header.Get("Idempotent-Replayed") != "true", "first response says it was replayed")
	eq(t, "Idempotency-Key echoed", second.LastResponse.IdempotencyKey, key)
	check(t, second.LastResponse.RequestID != first.LastResponse.RequestID, "request ids are equal")

	list := sc.V1Customers.List(ctx, nil)
	must(t, list.Err(), "list")
	eq(t, "customers created", len(list.Data()), 1)

	// The same key with other parameters: an idempotency_error.
	other := &stripe.CustomerCreateParams{Name: stripe.String("Someone Else")}
	other.SetIdempotencyKey(key)
	_, err = sc.V1Customers.Create(ctx, other)
	se := stripeError(t, err)
	eq(t, "status", se.HTTPStatusCode, http.StatusBadRequest)
	eq(t, "type", se.Type, stripe.ErrorTypeIdempotency)
	_, isIdem := se.Err.(*stripe.IdempotencyError)
	check(t, isIdem, "Err is %T, want *stripe.IdempotencyError", se.Err)
}
