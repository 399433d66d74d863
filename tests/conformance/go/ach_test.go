package conformance

// ACH Direct Debit through stripe-go: save a linked account with a SetupIntent, pay later
// off-session, settle with fcmock's control API (POST /_fcmock/payments/settle, scoped to the
// test's key), each of Stripe's failing test account numbers, microdeposit verification
// (right and wrong values) and the disputed test number. Every state change arrives as a
// signed event at a webhook endpoint, verified by webhook.ConstructEvent.

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"
)

// achSubscribe makes a webhook endpoint for every event (at stripe-go's pinned version) on a
// fresh receiver: the receiver's channel and the endpoint's signing secret.
func achSubscribe(t *testing.T, sc *stripe.Client) (<-chan delivery, string) {
	t.Helper()
	// A receiver like webhookReceiver's, with room for every event of a flow (the handler
	// must never block while the flush waits for it).
	got := make(chan delivery, 256)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		got <- delivery{body: body, signature: r.Header.Get("Stripe-Signature")}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(receiver.Close)
	endpoint, err := sc.V1WebhookEndpoints.Create(ctx, &stripe.WebhookEndpointCreateParams{
		URL:           stripe.String(receiver.URL + "/webhook"),
		EnabledEvents: []*string{stripe.String("*")},
		APIVersion:    stripe.String(stripe.APIVersion),
	})
	must(t, err, "create webhook endpoint")
	return got, endpoint.Secret
}

// achDelivered flushes the key's deliveries and returns every event, in order, each verified
// by webhook.ConstructEvent.
func achDelivered(t *testing.T, key string, got <-chan delivery, secret string) []stripe.Event {
	t.Helper()
	var flushed struct {
		Delivered int `json:"delivered"`
		Failed    int `json:"failed"`
		Pending   int `json:"pending"`
	}
	control(t, "/_fcmock/webhooks/flush", map[string]any{"api_key": key, "timeout_ms": 10000}, &flushed)
	eq(t, "flush: failed", flushed.Failed, 0)
	eq(t, "flush: pending", flushed.Pending, 0)
	var events []stripe.Event
	for i := 0; i < flushed.Delivered; i++ {
		select {
		case d := <-got:
			e, err := webhook.ConstructEvent(d.body, d.signature, secret)
			must(t, err, "webhook.ConstructEvent")
			events = append(events, e)
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d of %d deliveries reached the receiver", i, flushed.Delivered)
		}
	}
	return events
}

// kinds is the types of the events about object id, in order.
func kinds(events []stripe.Event, id string) []string {
	var out []string
	for _, e := range events {
		if e.Data != nil && e.Data.Object["id"] == id {
			out = append(out, string(e.Type))
		}
	}
	return out
}

func settlePayments(t *testing.T, key string) int {
	t.Helper()
	var out struct {
		Settled int `json:"settled"`
	}
	control(t, "/_fcmock/payments/settle", map[string]any{"api_key": key}, &out)
	return out.Settled
}

// achLinkedAccount is a new customer and the account linked through a completed session.
func achLinkedAccount(t *testing.T, sc *stripe.Client) (string, string) {
	t.Helper()
	cus := newCustomer(t, sc)
	s := newSession(t, sc, cus.ID, []string{"payment_method", "balances"})
	done := completeSession(t, s.ID, map[string]any{"outcome": "success"})
	require(t, done.Accounts != nil && len(done.Accounts.Data) > 0, "completed session has no account: %+v", done.Accounts)
	return cus.ID, done.Accounts.Data[0].ID
}

func manualIntent(t *testing.T, sc *stripe.Client, number string) *stripe.PaymentIntent {
	t.Helper()
	pi, err := sc.V1PaymentIntents.Create(ctx, &stripe.PaymentIntentCreateParams{
		Amount:             stripe.Int64(1000),
		Currency:           stripe.String("usd"),
		PaymentMethodTypes: stripe.StringSlice([]string{"us_bank_account"}),
		PaymentMethodData: &stripe.PaymentIntentCreatePaymentMethodDataParams{
			Type: stripe.String("us_bank_account"),
			USBankAccount: &stripe.PaymentMethodUSBankAccountParams{
				RoutingNumber:     stripe.String("110000000"),
				AccountNumber:     stripe.String(number),
				AccountHolderType: stripe.String("individual"),
			},
			BillingDetails: &stripe.PaymentIntentCreatePaymentMethodDataBillingDetailsParams{Name: stripe.String("Jenny Rosen")},
		},
		MandateData: &stripe.PaymentIntentCreateMandateDataParams{
			CustomerAcceptance: &stripe.PaymentIntentCreateMandateDataCustomerAcceptanceParams{
				Type: stripe.String("online"),
				Online: &stripe.PaymentIntentCreateMandateDataCustomerAcceptanceOnlineParams{
					IPAddress: stripe.String("127.0.0.1"),
					UserAgent: stripe.String("stripe-go conformance"),
				},
			},
		},
		Confirm: stripe.Bool(true),
	})
	must(t, err, "create a PaymentIntent from "+number)
	return pi
}

func verifyAmounts(t *testing.T, sc *stripe.Client, id string) *stripe.PaymentIntent {
	t.Helper()
	pi, err := sc.V1PaymentIntents.VerifyMicrodeposits(ctx, id, &stripe.PaymentIntentVerifyMicrodepositsParams{
		Amounts: []*int64{stripe.Int64(32), stripe.Int64(45)},
	})
	must(t, err, "verify microdeposits")
	return pi
}

func TestACHSetupIntentThenOffSessionPaymentSettles(t *testing.T) {
	sc, key := newClient(t)
	got, secret := achSubscribe(t, sc)
	customer, account := achLinkedAccount(t, sc)
	si, err := sc.V1SetupIntents.Create(ctx, &stripe.SetupIntentCreateParams{
		Customer:           stripe.String(customer),
		PaymentMethodTypes: stripe.StringSlice([]string{"us_bank_account"}),
		PaymentMethodData: &stripe.SetupIntentCreatePaymentMethodDataParams{
			Type:           stripe.String("us_bank_account"),
			USBankAccount:  &stripe.SetupIntentCreatePaymentMethodDataUSBankAccountParams{FinancialConnectionsAccount: stripe.String(account)},
			BillingDetails: &stripe.SetupIntentCreatePaymentMethodDataBillingDetailsParams{Name: stripe.String("Jenny Rosen")},
		},
		MandateData: &stripe.SetupIntentCreateMandateDataParams{
			CustomerAcceptance: &stripe.SetupIntentCreateMandateDataCustomerAcceptanceParams{
				Type: stripe.String("online"),
				Online: &stripe.SetupIntentCreateMandateDataCustomerAcceptanceOnlineParams{
					IPAddress: stripe.String("127.0.0.1"),
					UserAgent: stripe.String("stripe-go conformance"),
				},
			},
		},
		Confirm: stripe.Bool(true),
	})
	must(t, err, "create and confirm the SetupIntent")
	eq(t, "setup intent status", string(si.Status), "succeeded")
	require(t, si.Mandate != nil && si.PaymentMethod != nil, "setup intent without mandate or payment_method: %+v", si)
	mandate, err := sc.V1Mandates.Retrieve(ctx, si.Mandate.ID, nil)
	must(t, err, "retrieve the mandate")
	eq(t, "mandate type", string(mandate.Type), "multi_use")
	eq(t, "mandate status", string(mandate.Status), "active")

	pi, err := sc.V1PaymentIntents.Create(ctx, &stripe.PaymentIntentCreateParams{
		Amount:             stripe.Int64(1999),
		Currency:           stripe.String("usd"),
		Customer:           stripe.String(customer),
		PaymentMethod:      stripe.String(si.PaymentMethod.ID),
		PaymentMethodTypes: stripe.StringSlice([]string{"us_bank_account"}),
		OffSession:         stripe.Bool(true),
		Confirm:            stripe.Bool(true),
	})
	must(t, err, "create the off-session PaymentIntent")
	eq(t, "payment intent status", string(pi.Status), "processing")
	require(t, pi.LatestCharge != nil, "no latest_charge")
	charge, err := sc.V1Charges.Retrieve(ctx, pi.LatestCharge.ID, nil)
	must(t, err, "retrieve the charge")
	eq(t, "charge status before settling", string(charge.Status), "pending")

	eq(t, "settled", settlePayments(t, key), 1)
	params := &stripe.PaymentIntentRetrieveParams{}
	params.AddExpand("latest_charge")
	pi, err = sc.V1PaymentIntents.Retrieve(ctx, pi.ID, params)
	must(t, err, "retrieve the PaymentIntent")
	eq(t, "payment intent status after settling", string(pi.Status), "succeeded")
	require(t, pi.LatestCharge != nil, "no latest_charge")
	eq(t, "charge status after settling", string(pi.LatestCharge.Status), "succeeded")
	charges := sc.V1Charges.List(ctx, &stripe.ChargeListParams{PaymentIntent: stripe.String(pi.ID)})
	must(t, charges.Err(), "list charges")
	require(t, len(charges.Data()) == 1, "charges of the intent: %d", len(charges.Data()))
	eq(t, "listed charge", charges.Data()[0].ID, pi.LatestCharge.ID)

	events := achDelivered(t, key, got, secret)
	check(t, sliceEq(kinds(events, si.ID), []string{"setup_intent.created", "setup_intent.succeeded"}), "setup intent events %v", kinds(events, si.ID))
	check(t, sliceEq(kinds(events, pi.ID), []string{"payment_intent.created", "payment_intent.processing", "payment_intent.succeeded"}),
		"payment intent events %v", kinds(events, pi.ID))
	check(t, sliceEq(kinds(events, pi.LatestCharge.ID), []string{"charge.pending", "charge.succeeded"}), "charge events %v", kinds(events, pi.LatestCharge.ID))
	attached := false
	for _, k := range kinds(events, si.PaymentMethod.ID) {
		attached = attached || k == "payment_method.attached"
	}
	check(t, attached, "no payment_method.attached for %s", si.PaymentMethod.ID)
	for _, e := range events {
		eq(t, "event api_version", e.APIVersion, stripe.APIVersion)
		if e.Type == "payment_intent.succeeded" {
			eq(t, "payment_intent.succeeded data.object.status", e.Data.Object["status"], any("succeeded"))
		}
	}
}

func TestACHPaymentFailsWithEachTestNumber(t *testing.T) {
	for _, tc := range []struct{ number, code string }{
		{"000111111113", "account_closed"},
		{"000111111116", "no_account"},
		{"000222222227", "insufficient_funds"},
		{"000333333335", "debit_not_authorized"},
		{"000444444440", "invalid_currency"},
	} {
		t.Run(tc.code, func(t *testing.T) {
			sc, key := newClient(t)
			got, secret := achSubscribe(t, sc)
			pi := manualIntent(t, sc, tc.number)
			eq(t, "status", string(pi.Status), "requires_action")
			require(t, pi.NextAction != nil, "no next_action")
			eq(t, "next_action.type", string(pi.NextAction.Type), "verify_with_microdeposits")
			pi = verifyAmounts(t, sc, pi.ID)
			eq(t, "status after verifying", string(pi.Status), "processing")
			settlePayments(t, key)
			pi, err := sc.V1PaymentIntents.Retrieve(ctx, pi.ID, nil)
			must(t, err, "retrieve the PaymentIntent")
			eq(t, "status after settling", string(pi.Status), "requires_payment_method")
			require(t, pi.LastPaymentError != nil, "no last_payment_error")
			eq(t, "last_payment_error.code", string(pi.LastPaymentError.Code), tc.code)
			require(t, pi.LatestCharge != nil, "no latest_charge")
			charge, err := sc.V1Charges.Retrieve(ctx, pi.LatestCharge.ID, nil)
			must(t, err, "retrieve the charge")
			eq(t, "charge status", string(charge.Status), "failed")
			eq(t, "charge failure_code", charge.FailureCode, tc.code)

			events := achDelivered(t, key, got, secret)
			check(t, sliceEq(kinds(events, pi.ID), []string{"payment_intent.created", "payment_intent.requires_action", "payment_intent.processing", "payment_intent.payment_failed"}),
				"payment intent events %v", kinds(events, pi.ID))
			check(t, sliceEq(kinds(events, charge.ID), []string{"charge.pending", "charge.failed"}), "charge events %v", kinds(events, charge.ID))
			var revoked []string
			for _, e := range events {
				if e.Type == "payment_intent.payment_failed" {
					lpe, _ := e.Data.Object["last_payment_error"].(map[string]any)
					eq(t, "payment_failed last_payment_error.code", lpe["code"], any(tc.code))
				}
				if e.Type == "mandate.updated" {
					revoked = append(revoked, e.Data.Object["status"].(string))
				}
			}
			if tc.code == "debit_not_authorized" {
				check(t, sliceEq(revoked, []string{"inactive"}), "mandate.updated statuses %v", revoked)
			} else {
				check(t, len(revoked) == 0, "mandate.updated statuses %v", revoked)
			}
		})
	}
}

func TestACHMicrodepositsRightCodeAndWrongAmounts(t *testing.T) {
	sc, _ := newClient(t)
	pi := manualIntent(t, sc, "000123456789")
	pi, err := sc.V1PaymentIntents.VerifyMicrodeposits(ctx, pi.ID, &stripe.PaymentIntentVerifyMicrodepositsParams{
		DescriptorCode: stripe.String("SM11AA"),
	})
	must(t, err, "verify with the descriptor code")
	eq(t, "status after the right code", string(pi.Status), "processing")

	other := manualIntent(t, sc, "000123456789")
	_, err = sc.V1PaymentIntents.VerifyMicrodeposits(ctx, other.ID, &stripe.PaymentIntentVerifyMicrodepositsParams{
		Amounts: []*int64{stripe.Int64(1), stripe.Int64(2)},
	})
	se := stripeError(t, err)
	eq(t, "error code", string(se.Code), "payment_method_microdeposit_verification_amounts_mismatch")
	eq(t, "error type", string(se.Type), "invalid_request_error")
	other, err = sc.V1PaymentIntents.Retrieve(ctx, other.ID, nil)
	must(t, err, "retrieve the other PaymentIntent")
	eq(t, "status after wrong amounts", string(other.Status), "requires_action")
}

func TestACHDisputedNumberOpensALostDispute(t *testing.T) {
	sc, key := newClient(t)
	got, secret := achSubscribe(t, sc)
	pi := manualIntent(t, sc, "000555555559")
	verifyAmounts(t, sc, pi.ID)
	settlePayments(t, key)
	pi, err := sc.V1PaymentIntents.Retrieve(ctx, pi.ID, nil)
	must(t, err, "retrieve the PaymentIntent")
	eq(t, "status", string(pi.Status), "succeeded")
	require(t, pi.LatestCharge != nil, "no latest_charge")
	charge, err := sc.V1Charges.Retrieve(ctx, pi.LatestCharge.ID, nil)
	must(t, err, "retrieve the charge")
	check(t, charge.Disputed, "the charge is not disputed")

	list := sc.V1Disputes.List(ctx, &stripe.DisputeListParams{PaymentIntent: stripe.String(pi.ID)})
	must(t, list.Err(), "list disputes")
	require(t, len(list.Data()) == 1, "disputes: %d", len(list.Data()))
	dispute, err := sc.V1Disputes.Retrieve(ctx, list.Data()[0].ID, nil)
	must(t, err, "retrieve the dispute")
	eq(t, "dispute status", string(dispute.Status), "lost")
	eq(t, "dispute amount", dispute.Amount, int64(1000))
	require(t, dispute.Charge != nil, "dispute without charge")
	eq(t, "dispute charge", dispute.Charge.ID, pi.LatestCharge.ID)

	events := achDelivered(t, key, got, secret)
	check(t, sliceEq(kinds(events, dispute.ID), []string{"charge.dispute.created"}), "dispute events %v", kinds(events, dispute.ID))
}
