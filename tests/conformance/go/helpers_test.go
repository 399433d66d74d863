package conformance

// Helpers for running the official stripe-go library against fcmock.
//
// Every HTTP response stripe-go (or a plain control-API request made by a test) receives is
// appended as one JSON line to $FCMOCK_CAPTURE_DIR/responses-go.jsonl, in the format of the
// Python suite ({"lib","source","test","method","path","status","body"}), so that
// ../validate_responses.py can check each body against Stripe's OpenAPI schemas.
//
// Environment:
//
//	FCMOCK_URL          base URL of a running fcmock, e.g. http://127.0.0.1:12111 (required)
//	FCMOCK_CAPTURE_DIR  where responses-go.jsonl goes (default: <repo>/target/conformance)

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v85"
)

var (
	baseURL    = strings.TrimRight(os.Getenv("FCMOCK_URL"), "/")
	captureDir = func() string {
		if d := os.Getenv("FCMOCK_CAPTURE_DIR"); d != "" {
			return d
		}
		_, file, _, _ := runtime.Caller(0)
		return filepath.Join(filepath.Dir(file), "..", "..", "..", "target", "conformance")
	}()
	captureMu sync.Mutex
)

func TestMain(m *testing.M) {
	if baseURL == "" {
		fmt.Fprintln(os.Stderr, "FCMOCK_URL is not set (e.g. FCMOCK_URL=http://127.0.0.1:12111); run tests/conformance/go/run.sh")
		os.Exit(2)
	}
	os.Exit(m.Run())
}

var ctx = context.Background()

// captureLine is one captured response; field order matches the Python suite's lines.
// Version is the response's Stripe-Version header (the API version fcmock rendered it at;
// null when absent), so that validate_responses.py checks the body against that version's
// schemas.
type captureLine struct {
	Lib     string  `json:"lib"`
	Source  string  `json:"source"`
	Test    string  `json:"test"`
	Method  string  `json:"method"`
	Path    string  `json:"path"`
	Status  int     `json:"status"`
	Version *string `json:"version"`
	Body    string  `json:"body"`
}

// record appends one captured response (method, path with query, status, the response's
// Stripe-Version, raw body).
func record(test, source string, req *http.Request, status int, header http.Header, body []byte) {
	var version *string
	if v := header.Get("Stripe-Version"); v != "" {
		version = &v
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(captureLine{
		Lib:     "go",
		Source:  source,
		Test:    test,
		Method:  strings.ToUpper(req.Method),
		Path:    req.URL.RequestURI(),
		Status:  status,
		Version: version,
		Body:    strings.ToValidUTF8(string(body), "\uFFFD"),
	})
	captureMu.Lock()
	defer captureMu.Unlock()
	if err := os.MkdirAll(captureDir, 0o755); err != nil {
		panic(err)
	}
	f, err := os.OpenFile(filepath.Join(captureDir, "responses-go.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if _, err := f.Write(buf.Bytes()); err != nil {
		panic(err)
	}
}

// recordingTransport reads every response body in full, records it, and hands stripe-go an
// identical body. A response to stripe-go whose Stripe-Version is not the one the request
// sent fails the test: fcmock renders every response at the request's version.
type recordingTransport struct {
	base   http.RoundTripper
	t      *testing.T
	test   string
	source string
}

func (rt *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := rt.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("reading the response body of %s %s: %w", req.Method, req.URL, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	record(rt.test, rt.source, req, resp.StatusCode, resp.Header, body)
	if sent := req.Header.Get("Stripe-Version"); rt.source == "stripe-go" && resp.Header.Get("Stripe-Version") != sent {
		rt.t.Errorf("%s %s -> %d came with Stripe-Version %q, the request sent %q",
			req.Method, req.URL.RequestURI(), resp.StatusCode, resp.Header.Get("Stripe-Version"), sent)
	}
	return resp, nil
}

// newHTTPClient is an http.Client that never goes through a proxy (fcmock is on 127.0.0.1)
// and records every response under the test's name.
func newHTTPClient(t *testing.T, source string) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &recordingTransport{
			base:   &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4, IdleConnTimeout: 10 * time.Second},
			t:      t,
			test:   t.Name(),
			source: source,
		},
	}
}

// testLogger sends stripe-go's log lines to the test's log (shown with -v or on failure).
type testLogger struct{ t *testing.T }

func (l testLogger) Debugf(string, ...interface{}) {}
func (l testLogger) Infof(string, ...interface{})  {}
func (l testLogger) Warnf(f string, v ...interface{}) {
	l.t.Helper()
	l.t.Logf("stripe-go warning: "+f, v...)
}
func (l testLogger) Errorf(f string, v ...interface{}) {
	l.t.Helper()
	l.t.Logf("stripe-go error: "+f, v...)
}

// newTestKey is a fresh test key: fcmock gives every key its own namespace.
func newTestKey() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return "sk_test_confgo" + hex.EncodeToString(b)
}

// newClient is a stripe.Client for the given key pointed at fcmock, without retries or
// telemetry, recording every response.
func newClientWithKey(t *testing.T, key string) *stripe.Client {
	t.Helper()
	cfg := &stripe.BackendConfig{
		URL:               stripe.String(baseURL),
		HTTPClient:        newHTTPClient(t, "stripe-go"),
		MaxNetworkRetries: stripe.Int64(0),
		EnableTelemetry:   stripe.Bool(false),
		LeveledLogger:     testLogger{t},
	}
	return stripe.NewClient(key, stripe.WithBackends(stripe.NewBackendsWithConfig(cfg)))
}

// newClient is a client with a fresh random key, i.e. an empty namespace of its own.
func newClient(t *testing.T) (*stripe.Client, string) {
	t.Helper()
	key := newTestKey()
	return newClientWithKey(t, key), key
}

// rawResponse is the answer to a plain HTTP request.
type rawResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r rawResponse) JSON(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("not a JSON object (%v): %s", err, r.Body)
	}
	return v
}

// rawRequest is a plain HTTP request (no Stripe library) to fcmock; its response is
// captured too (source "raw").
func rawRequest(t *testing.T, method, path string, body []byte, header http.Header) rawResponse {
	t.Helper()
	req, err := http.NewRequest(method, baseURL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := newHTTPClient(t, "raw").Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawResponse{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// control POSTs a JSON body to fcmock's control API (no Stripe key), insists on a 200 and
// decodes the answer into out (if not nil).
func control(t *testing.T, path string, body any, out any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	r := rawRequest(t, http.MethodPost, path, b, http.Header{"Content-Type": {"application/json"}})
	if r.Status != http.StatusOK {
		t.Fatalf("POST %s: status %d: %s", path, r.Status, r.Body)
	}
	if out != nil {
		if err := json.Unmarshal(r.Body, out); err != nil {
			t.Fatalf("POST %s: cannot decode %s: %v", path, r.Body, err)
		}
	}
}

// stripeError insists that err is a *stripe.Error (the typed error every API error comes
// back as) and returns it.
func stripeError(t *testing.T, err error) *stripe.Error {
	t.Helper()
	if err == nil {
		t.Fatal("expected a Stripe API error, got success")
	}
	var se *stripe.Error
	if !errors.As(err, &se) {
		t.Fatalf("expected a *stripe.Error, got %T: %v", err, err)
	}
	return se
}

// Small assertion helpers (no third-party test libraries: stripe-go is the one requirement).

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %#v, want %#v", what, got, want)
	}
}

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func check(t *testing.T, cond bool, format string, args ...any) {
	t.Helper()
	if !cond {
		t.Errorf(format, args...)
	}
}

func require(t *testing.T, cond bool, format string, args ...any) {
	t.Helper()
	if !cond {
		t.Fatalf(format, args...)
	}
}

func sliceEq[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// compactJSON is raw JSON without its insignificant whitespace.
func compactJSON(t *testing.T, raw []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		t.Fatalf("not JSON (%v): %s", err, raw)
	}
	return buf.String()
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
