package conformance

// Webhooks through stripe-go: an endpoint made with the library receives fcmock's signed
// delivery, and webhook.ConstructEvent accepts it as it accepts Stripe's: the signature with
// the endpoint's secret, the timestamp within tolerance, and the event's api_version on
// stripe-go's release train (no IgnoreAPIVersionMismatch).

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"
)

// delivery is one POST the receiver got: its body and Stripe-Signature header.
type delivery struct {
	body      []byte
	signature string
}

// webhookReceiver is an HTTP server on 127.0.0.1:0 that hands every POST it gets to the
// returned channel and answers 200.
func webhookReceiver(t *testing.T) (*httptest.Server, <-chan delivery) {
	t.Helper()
	got := make(chan delivery, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		got <- delivery{body: body, signature: r.Header.Get("Stripe-Signature")}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func TestWebhookDeliveryPassesConstructEvent(t *testing.T) {
	sc, key := newClient(t)
	receiver, got := webhookReceiver(t)
	endpoint, err := sc.V1WebhookEndpoints.Create(ctx, &stripe.WebhookEndpointCreateParams{
		URL:           stripe.String(receiver.URL + "/webhook"),
		EnabledEvents: []*string{stripe.String("customer.created")},
		// Events for this endpoint are rendered at stripe-go's pinned version.
		APIVersion: stripe.String(stripe.APIVersion),
	})
	must(t, err, "create webhook endpoint")
	require(t, len(endpoint.Secret) > len("whsec_"), "the created endpoint shows its secret: %q", endpoint.Secret)
	eq(t, "endpoint api_version", endpoint.APIVersion, stripe.APIVersion)

	customer, err := sc.V1Customers.Create(ctx, &stripe.CustomerCreateParams{Email: stripe.String("hook." + randHex(4) + "@example.com")})
	must(t, err, "create customer")
	var flushed struct {
		Delivered int `json:"delivered"`
		Failed    int `json:"failed"`
		Pending   int `json:"pending"`
	}
	control(t, "/_fcmock/webhooks/flush", map[string]any{"api_key": key, "timeout_ms": 10000}, &flushed)
	eq(t, "flush: delivered", flushed.Delivered, 1)
	eq(t, "flush: failed", flushed.Failed, 0)
	eq(t, "flush: pending", flushed.Pending, 0)

	var d delivery
	select {
	case d = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery reached the receiver within 10 s")
	}
	require(t, d.signature != "", "the delivery has a Stripe-Signature header")
	event, err := webhook.ConstructEvent(d.body, d.signature, endpoint.Secret)
	must(t, err, "webhook.ConstructEvent")
	eq(t, "event type", event.Type, stripe.EventType("customer.created"))
	eq(t, "event api_version", event.APIVersion, stripe.APIVersion)
	eq(t, "event object", event.Object, "event")
	eq(t, "data.object.id", event.Data.Object["id"], any(customer.ID))

	// The same body with another secret, or changed, is refused.
	_, err = webhook.ConstructEvent(d.body, d.signature, "whsec_wrong")
	check(t, err != nil, "ConstructEvent accepted the delivery with a wrong secret")
	tampered := append([]byte{}, d.body...)
	tampered[len(tampered)-2] ^= 1
	_, err = webhook.ConstructEvent(tampered, d.signature, endpoint.Secret)
	check(t, err != nil, "ConstructEvent accepted a changed body")
}
