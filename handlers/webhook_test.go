package handlers

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/issueops/issueops/app"
)

const testSecret = "webhook-secret"

var discard = slog.New(slog.DiscardHandler)

// fakeIntake records every delivery it is handed and answers with outcome
// (Accepted when unset) or err.
type fakeIntake struct {
	mu      sync.Mutex
	calls   []intakeCall
	outcome app.Outcome
	err     error
}

type intakeCall struct {
	d       app.Delivery
	enqueue bool
}

func (f *fakeIntake) Accept(_ context.Context, d app.Delivery, enqueue bool) (app.Outcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, intakeCall{d, enqueue})
	if f.err != nil {
		return "", f.err
	}
	if f.outcome == "" {
		return app.Accepted, nil
	}
	return f.outcome, nil
}

func (f *fakeIntake) got() []intakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// fakeDeliveryMetrics records "event outcome" pairs.
type fakeDeliveryMetrics struct {
	mu  sync.Mutex
	got []string
}

func (m *fakeDeliveryMetrics) Delivery(event, outcome string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.got = append(m.got, event+" "+outcome)
}

func (m *fakeDeliveryMetrics) take() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.got
	m.got = nil
	return out
}

// newWebhookServer serves a Webhook with the given secrets (testSecret when
// none) over a real HTTP server.
func newWebhookServer(t *testing.T, intake Intake, metrics DeliveryMetrics, secrets ...string) *httptest.Server {
	t.Helper()
	if len(secrets) == 0 {
		secrets = []string{testSecret}
	}
	h, err := NewWebhook(secrets, intake, metrics, discard)
	if err != nil {
		t.Fatalf("NewWebhook: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

var deliverySeq atomic.Int64

// githubHeaders are the headers GitHub sends with a delivery of body signed
// with secret.
func githubHeaders(secret string, body []byte, event string) http.Header {
	h := http.Header{}
	h.Set("X-GitHub-Event", event)
	h.Set("X-GitHub-Delivery", fmt.Sprintf("72d3162e-cc78-11e3-81ab-%012d", deliverySeq.Add(1)))
	h.Set("X-GitHub-Hook-ID", "292430182")
	h.Set("X-GitHub-Hook-Installation-Target-Type", "integration")
	h.Set("X-GitHub-Hook-Installation-Target-ID", "79929171")
	h.Set("X-Hub-Signature-256", Sign([]byte(secret), body))
	h.Set("User-Agent", "GitHub-Hookshot/044aadd")
	h.Set("Content-Type", "application/json")
	return h
}

// post sends body with exactly the headers h and returns the status.
func post(t *testing.T, srv *httptest.Server, body []byte, h http.Header) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/webhook", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h.Clone()
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

const commentCreated = `{"action":"created","issue":{"number":1},"comment":{"id":5,"body":"/help"},` +
	`"repository":{"name":"widgets","owner":{"login":"acme"}},"sender":{"login":"alice","type":"User"},"installation":{"id":4242}}`

func TestSignTestVector(t *testing.T) {
	// https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
	secret, body := []byte("It's a Secret to Everybody"), []byte("Hello, World!")
	const want = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if got := Sign(secret, body); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	if !VerifySignature([][]byte{secret}, body, want) {
		t.Fatal("VerifySignature rejects GitHub's test vector")
	}
	if !VerifySignature([][]byte{[]byte("other"), secret}, body, want) {
		t.Fatal("VerifySignature rejects the vector when its secret is the second one")
	}
	if VerifySignature([][]byte{secret}, []byte("Hello, World?"), want) {
		t.Fatal("VerifySignature accepts the signature for another body")
	}
	if VerifySignature(nil, body, want) {
		t.Fatal("VerifySignature accepts a signature with no secret at all")
	}

	// Through the handler the vector verifies: the 400 is about the body,
	// which is not JSON, not about the signature.
	intake := &fakeIntake{}
	srv := newWebhookServer(t, intake, nil, string(secret))
	h := githubHeaders(string(secret), body, "ping")
	if h.Get("X-Hub-Signature-256") != want {
		t.Fatal("githubHeaders does not sign like GitHub")
	}
	if got := post(t, srv, body, h); got != http.StatusBadRequest {
		t.Fatalf("status %d, want 400 (verified, not JSON)", got)
	}
	if len(intake.got()) != 0 {
		t.Fatal("intake called for a body that is not JSON")
	}
}

func TestSignatureRejected(t *testing.T) {
	body := []byte(commentCreated)
	good := Sign([]byte(testSecret), body)
	sha1mac := hmac.New(sha1.New, []byte(testSecret))
	sha1mac.Write(body)
	sha1sig := "sha1=" + hex.EncodeToString(sha1mac.Sum(nil))

	for _, c := range []struct {
		name string
		set  func(h http.Header)
	}{
		{"missing", func(h http.Header) { h.Del("X-Hub-Signature-256") }},
		{"empty", func(h http.Header) { h.Set("X-Hub-Signature-256", "") }},
		{"wrong", func(h http.Header) {
			h.Set("X-Hub-Signature-256", Sign([]byte(testSecret), []byte(commentCreated+" ")))
		}},
		{"last byte flipped", func(h http.Header) {
			h.Set("X-Hub-Signature-256", good[:len(good)-1]+string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", good[len(good)-1])+1)%16]))
		}},
		{"sha1 only", func(h http.Header) { h.Del("X-Hub-Signature-256"); h.Set("X-Hub-Signature", sha1sig) }},
		{"sha1 in the sha256 header", func(h http.Header) { h.Set("X-Hub-Signature-256", sha1sig) }},
		{"bare hex", func(h http.Header) { h.Set("X-Hub-Signature-256", strings.TrimPrefix(good, "sha256=")) }},
		{"upper-case scheme", func(h http.Header) { h.Set("X-Hub-Signature-256", "SHA256="+strings.TrimPrefix(good, "sha256=")) }},
		{"space after =", func(h http.Header) { h.Set("X-Hub-Signature-256", "sha256= "+strings.TrimPrefix(good, "sha256=")) }},
		{"non-hex", func(h http.Header) { h.Set("X-Hub-Signature-256", "sha256="+strings.Repeat("zz", 32)) }},
		{"short hex", func(h http.Header) { h.Set("X-Hub-Signature-256", good[:len(good)-2]) }},
		{"odd hex", func(h http.Header) { h.Set("X-Hub-Signature-256", good[:len(good)-1]) }},
		{"long hex", func(h http.Header) { h.Set("X-Hub-Signature-256", good+"00") }},
		{"sha256= only", func(h http.Header) { h.Set("X-Hub-Signature-256", "sha256=") }},
		{"other secret", func(h http.Header) { h.Set("X-Hub-Signature-256", Sign([]byte("not-configured"), body)) }},
		{"empty secret", func(h http.Header) { h.Set("X-Hub-Signature-256", Sign(nil, body)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			intake, metrics := &fakeIntake{}, &fakeDeliveryMetrics{}
			srv := newWebhookServer(t, intake, metrics)
			h := githubHeaders(testSecret, body, "issue_comment")
			c.set(h)
			if got := post(t, srv, body, h); got != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", got)
			}
			if n := len(intake.got()); n != 0 {
				t.Fatalf("intake called %d times for an unverified delivery", n)
			}
			if got := metrics.take(); !slices.Equal(got, []string{"issue_comment rejected"}) {
				t.Fatalf("metrics %v", got)
			}
		})
	}
	// The control: the same request correctly signed goes through.
	intake := &fakeIntake{}
	srv := newWebhookServer(t, intake, nil)
	if got := post(t, srv, body, githubHeaders(testSecret, body, "issue_comment")); got != http.StatusAccepted {
		t.Fatalf("correctly signed: status %d, want 202", got)
	}
}

func TestSecretRotation(t *testing.T) {
	intake := &fakeIntake{}
	srv := newWebhookServer(t, intake, nil, "old", " new ")
	body := []byte(commentCreated)
	for _, c := range []struct {
		secret string
		want   int
	}{
		{"old", http.StatusAccepted},
		{"new", http.StatusAccepted},
		{"older", http.StatusUnauthorized},
		{" new ", http.StatusUnauthorized}, // secrets are trimmed when configured
		{"", http.StatusUnauthorized},
	} {
		if got := post(t, srv, body, githubHeaders(c.secret, body, "issue_comment")); got != c.want {
			t.Errorf("signed with %q: status %d, want %d", c.secret, got, c.want)
		}
	}
	if n := len(intake.got()); n != 2 {
		t.Fatalf("intake called %d times, want 2", n)
	}
}

func TestNewWebhookNeedsASecret(t *testing.T) {
	for _, secrets := range [][]string{nil, {}, {""}, {"", "  ", "\t\n"}} {
		if w, err := NewWebhook(secrets, &fakeIntake{}, nil, discard); err == nil || w != nil {
			t.Errorf("NewWebhook(%q) = %v, %v; want an error", secrets, w, err)
		}
	}
	if _, err := NewWebhook([]string{"", "x"}, &fakeIntake{}, nil, discard); err != nil {
		t.Errorf("NewWebhook with one usable secret: %v", err)
	}
}

// jsonOfSize is a delivery body of exactly n bytes.
func jsonOfSize(n int) []byte {
	head, tail := `{"action":"created","pad":"`, `"}`
	return []byte(head + strings.Repeat("x", n-len(head)-len(tail)) + tail)
}

func TestBodyLimit(t *testing.T) {
	intake, metrics := &fakeIntake{}, &fakeDeliveryMetrics{}
	srv := newWebhookServer(t, intake, metrics)

	tooBig := jsonOfSize(MaxBodyBytes + 1)
	if got := post(t, srv, tooBig, githubHeaders(testSecret, tooBig, "push")); got != http.StatusRequestEntityTooLarge {
		t.Fatalf("%d bytes: status %d, want 413", len(tooBig), got)
	}
	if n := len(intake.got()); n != 0 {
		t.Fatalf("intake called for an oversized body")
	}
	if got := metrics.take(); !slices.Equal(got, []string{"push rejected"}) {
		t.Fatalf("metrics %v", got)
	}

	// At the limit the body is read whole and judged on its content (here
	// not JSON, which fails fast: decoding 25 MiB is slow under -race).
	limit := bytes.Repeat([]byte("x"), MaxBodyBytes)
	if got := post(t, srv, limit, githubHeaders(testSecret, limit, "push")); got != http.StatusBadRequest {
		t.Fatalf("%d bytes (the limit): status %d, want 400 (read, verified, not JSON)", len(limit), got)
	}
	if n := len(intake.got()); n != 0 {
		t.Fatalf("intake called for a body that is not JSON")
	}
}

func TestBadDeliveryHeaders(t *testing.T) {
	body := []byte(commentCreated)
	for _, c := range []struct {
		name         string
		header, val  string
		wantAccepted bool
	}{
		{"no delivery id", "X-GitHub-Delivery", "", false},
		{"delivery id with a space", "X-GitHub-Delivery", "72d3162e cc78", false},
		{"delivery id with a slash", "X-GitHub-Delivery", "../../etc", false},
		{"delivery id with a quote", "X-GitHub-Delivery", "a'b", false},
		{"delivery id with %", "X-GitHub-Delivery", "a%", false},
		{"non-ASCII delivery id", "X-GitHub-Delivery", "délivery", false},
		{"delivery id too long", "X-GitHub-Delivery", strings.Repeat("a", 129), false},
		{"delivery id at the limit", "X-GitHub-Delivery", strings.Repeat("a", 128), true},
		{"no event", "X-GitHub-Event", "", false},
		{"event with a space", "X-GitHub-Event", "issue comment", false},
		{"event with a colon", "X-GitHub-Event", "issue:comment", false},
		{"event too long", "X-GitHub-Event", strings.Repeat("e", 65), false},
		{"event at the limit", "X-GitHub-Event", strings.Repeat("e", 64), true},
		{"form-encoded", "Content-Type", "application/x-www-form-urlencoded", false},
		{"text/plain", "Content-Type", "text/plain", false},
		{"json with a malformed parameter", "Content-Type", "application/json; =", true},
		{"upper-case json", "Content-Type", "Application/JSON", true},
		{"unparseable content type", "Content-Type", "/json", false},
		{"json with charset", "Content-Type", "application/json; charset=utf-8", true},
		{"no content type", "Content-Type", "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			intake := &fakeIntake{}
			srv := newWebhookServer(t, intake, nil)
			h := githubHeaders(testSecret, body, "issue_comment")
			if c.val == "" {
				h.Del(c.header)
			} else {
				h.Set(c.header, c.val)
			}
			want := http.StatusBadRequest
			if c.wantAccepted {
				want = http.StatusAccepted
			}
			if got := post(t, srv, body, h); got != want {
				t.Fatalf("status %d, want %d", got, want)
			}
			if n := len(intake.got()); (n == 1) != c.wantAccepted {
				t.Fatalf("intake called %d times", n)
			}
		})
	}
}

func TestBodyNotJSON(t *testing.T) {
	for _, c := range []struct {
		name, body, contentType string
	}{
		{"text", "not json", ""},
		{"empty", "", ""},
		{"truncated", `{"action":"created"`, ""},
		{"array", `[{"action":"created"}]`, ""},
		{"string", `"created"`, ""},
		{"number", `42`, ""},
		{"null", `null`, ""},
		{"wrong type for action", `{"action":5}`, ""},
		{"wrong type for installation id", `{"installation":{"id":"4242"}}`, ""},
		{"two objects", `{} {}`, ""},
		{"form-encoded", "payload=" + strings.ReplaceAll(commentCreated, `"`, "%22"), "application/x-www-form-urlencoded"},
	} {
		t.Run(c.name, func(t *testing.T) {
			intake := &fakeIntake{}
			srv := newWebhookServer(t, intake, nil)
			body := []byte(c.body)
			h := githubHeaders(testSecret, body, "issue_comment")
			if c.contentType != "" {
				h.Set("Content-Type", c.contentType)
			}
			if got := post(t, srv, body, h); got != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", got)
			}
			if n := len(intake.got()); n != 0 {
				t.Fatalf("intake called %d times", n)
			}
		})
	}
}

func TestOutcomes(t *testing.T) {
	for _, c := range []struct {
		name       string
		outcome    app.Outcome
		err        error
		wantStatus int
		wantMetric string
	}{
		{"accepted", app.Accepted, nil, http.StatusAccepted, "issue_comment accepted"},
		{"duplicate", app.Duplicate, nil, http.StatusOK, "issue_comment duplicate"},
		{"ignored", app.Ignored, nil, http.StatusAccepted, "issue_comment ignored"},
		{"database down", "", fmt.Errorf("store delivery: %w", app.ErrUnavailable), http.StatusServiceUnavailable, "issue_comment unavailable"},
		{"other storage error", "", errors.New("disk full"), http.StatusServiceUnavailable, "issue_comment unavailable"},
	} {
		t.Run(c.name, func(t *testing.T) {
			intake, metrics := &fakeIntake{outcome: c.outcome, err: c.err}, &fakeDeliveryMetrics{}
			srv := newWebhookServer(t, intake, metrics)
			body := []byte(commentCreated)
			if got := post(t, srv, body, githubHeaders(testSecret, body, "issue_comment")); got != c.wantStatus {
				t.Fatalf("status %d, want %d", got, c.wantStatus)
			}
			if n := len(intake.got()); n != 1 {
				t.Fatalf("intake called %d times, want 1", n)
			}
			if got := metrics.take(); !slices.Equal(got, []string{c.wantMetric}) {
				t.Fatalf("metrics %v, want [%s]", got, c.wantMetric)
			}
		})
	}
}

func TestAcceptGetsTheDelivery(t *testing.T) {
	intake := &fakeIntake{}
	srv := newWebhookServer(t, intake, nil)
	// CRLF line ends, non-ASCII text, an escaped and a raw invalid UTF-8 byte:
	// all must reach the store exactly as sent.
	body := []byte("{\r\n  \"action\": \"created\",\r\n  \"comment\": {\"id\": 5, \"body\": \"/help d\u00e9ploy \u2713 \U0001F680 \\u00e9 \xff\"},\r\n" +
		"  \"sender\": {\"login\": \"alice\", \"type\": \"User\"},\r\n  \"installation\": {\"id\": 4242, \"node_id\": \"x\"}\r\n}\r\n")
	h := githubHeaders(testSecret, body, "issue_comment")
	h.Set("Authorization", "Bearer leaked-token")
	h.Set("Cookie", "session=abc")
	h.Set("Proxy-Authorization", "Basic Zm9vOmJhcg==")
	h.Set("X-Hub-Signature", "sha1=0123")
	h.Set("X-Forwarded-For", "10.0.0.1")
	before := time.Now()
	if got := post(t, srv, body, h); got != http.StatusAccepted {
		t.Fatalf("status %d, want 202", got)
	}
	calls := intake.got()
	if len(calls) != 1 {
		t.Fatalf("intake called %d times, want 1", len(calls))
	}
	d := calls[0].d
	if !bytes.Equal(d.Body, body) {
		t.Fatalf("body changed on the way in:\n got %q\nwant %q", d.Body, body)
	}
	if d.ID != h.Get("X-GitHub-Delivery") || d.Event != "issue_comment" || d.Action != "created" || d.InstallationID != 4242 {
		t.Fatalf("delivery %+v", d)
	}
	if !calls[0].enqueue {
		t.Fatal("a created comment by a user must be enqueued")
	}
	if d.ReceivedAt.Before(before) || d.ReceivedAt.After(time.Now()) {
		t.Fatalf("ReceivedAt %v outside the request", d.ReceivedAt)
	}
	want := map[string]string{
		"X-GitHub-Event":                         "issue_comment",
		"X-GitHub-Delivery":                      h.Get("X-GitHub-Delivery"),
		"X-GitHub-Hook-ID":                       "292430182",
		"X-GitHub-Hook-Installation-Target-Type": "integration",
		"X-GitHub-Hook-Installation-Target-ID":   "79929171",
		"X-Hub-Signature-256":                    h.Get("X-Hub-Signature-256"),
		"User-Agent":                             "GitHub-Hookshot/044aadd",
		"Content-Type":                           "application/json",
	}
	if !maps.Equal(d.Headers, want) {
		t.Fatalf("stored headers\n got %v\nwant %v", d.Headers, want)
	}
	assertNoCredentialHeaders(t, d.Headers)
}

func assertNoCredentialHeaders(t *testing.T, h map[string]string) {
	t.Helper()
	for k, v := range h {
		switch strings.ToLower(k) {
		case "authorization", "cookie", "proxy-authorization", "set-cookie":
			t.Fatalf("stored credential header %s: %q", k, v)
		}
	}
}

func TestAcceptPingAndOtherEvents(t *testing.T) {
	intake := &fakeIntake{outcome: app.Ignored}
	srv := newWebhookServer(t, intake, nil)
	for _, c := range []struct {
		event, body string
		action      string
		inst        int64
	}{
		{"ping", `{"zen":"Design for failure.","hook_id":1}`, "", 0},
		{"issues", `{"action":"closed","installation":{"id":9}}`, "closed", 9},
		{"some_future_event", `{"action":"x"}`, "x", 0},
	} {
		body := []byte(c.body)
		if got := post(t, srv, body, githubHeaders(testSecret, body, c.event)); got != http.StatusAccepted {
			t.Fatalf("%s: status %d, want 202", c.event, got)
		}
		calls := intake.got()
		last := calls[len(calls)-1]
		if last.d.Event != c.event || last.d.Action != c.action || last.d.InstallationID != c.inst || last.enqueue {
			t.Fatalf("%s: got %+v enqueue=%v", c.event, last.d, last.enqueue)
		}
	}
}

func TestEnqueue(t *testing.T) {
	meta := func(action, senderType string) Meta {
		var m Meta
		m.Action, m.Sender.Type = action, senderType
		return m
	}
	for _, c := range []struct {
		event string
		meta  Meta
		want  bool
	}{
		{"issue_comment", meta("created", "User"), true},
		{"issue_comment", meta("created", "Organization"), true},
		{"issue_comment", meta("edited", "User"), false},
		{"issue_comment", meta("deleted", "User"), false},
		{"issue_comment", meta("created", "Bot"), false},
		{"issue_comment", meta("", "User"), false},
		{"issues", meta("opened", "User"), true},
		{"issues", meta("edited", "User"), true},
		{"issues", meta("labeled", "User"), true},
		{"issues", meta("reopened", "User"), true},
		{"issues", meta("opened", "Bot"), true},
		{"issues", meta("unlabeled", "User"), true},
		{"issues", meta("closed", "User"), false},
		{"issues", meta("assigned", "User"), false},
		{"issues", meta("created", "User"), false},
		{"ping", meta("", ""), false},
		{"pull_request_review_comment", meta("created", "User"), false},
		{"Issue_Comment", meta("created", "User"), false},
		{"", meta("created", "User"), false},
	} {
		if got := Enqueue(c.event, c.meta); got != c.want {
			t.Errorf("Enqueue(%q, %+v) = %v, want %v", c.event, c.meta, got, c.want)
		}
	}

	// And through the handler.
	intake := &fakeIntake{}
	srv := newWebhookServer(t, intake, nil)
	for _, c := range []struct {
		body string
		want bool
	}{
		{`{"action":"created","sender":{"type":"User"}}`, true},
		{`{"action":"edited","sender":{"type":"User"}}`, false},
		{`{"action":"created","sender":{"type":"Bot"}}`, false},
	} {
		body := []byte(c.body)
		post(t, srv, body, githubHeaders(testSecret, body, "issue_comment"))
		calls := intake.got()
		if got := calls[len(calls)-1].enqueue; got != c.want {
			t.Errorf("%s: enqueue %v, want %v", c.body, got, c.want)
		}
	}
}

func TestMetricEventLabel(t *testing.T) {
	metrics := &fakeDeliveryMetrics{}
	srv := newWebhookServer(t, &fakeIntake{outcome: app.Ignored}, metrics)
	body := []byte(`{"action":"created"}`)
	for _, c := range []struct {
		event  string
		signed bool
		want   string
	}{
		{"issue_comment", true, "issue_comment ignored"},
		{"ping", true, "ping ignored"},
		{"workflow_run", true, "workflow_run ignored"},
		{"star", true, "other ignored"},
		{"totally-made-up", true, "other ignored"},
		{"Issue_Comment", true, "other ignored"},
		{"issue_comment", false, "issue_comment rejected"},
		{"x-" + strings.Repeat("z", 40), false, "other rejected"},
		{"", false, "other rejected"},
	} {
		h := githubHeaders(testSecret, body, c.event)
		if !c.signed {
			h.Set("X-Hub-Signature-256", Sign([]byte("wrong"), body))
		}
		if c.event == "" {
			h.Del("X-GitHub-Event")
		}
		post(t, srv, body, h)
		if got := metrics.take(); !slices.Equal(got, []string{c.want}) {
			t.Errorf("event %q signed=%v: metrics %v, want [%s]", c.event, c.signed, got, c.want)
		}
	}
}

// signSentinel as FuzzWebhook's sig makes it sign the body correctly, so the
// fuzzer can mutate bodies and still reach decoding and intake.
const signSentinel = "!sign"

func FuzzWebhook(f *testing.F) {
	secrets := []string{testSecret, "rotated"}
	signed := func(body string) string { return Sign([]byte(testSecret), []byte(body)) }
	for _, s := range []struct{ body, sig, event, id string }{
		{commentCreated, signed(commentCreated), "issue_comment", "72d3162e-cc78-11e3-81ab-4c9367dc0958"},
		{commentCreated, signSentinel, "issue_comment", "d1"},
		{`{"action":"edited","sender":{"type":"User"}}`, signSentinel, "issue_comment", "d2"},
		{`{"zen":"Keep it logically awesome.","hook_id":1}`, signSentinel, "ping", "d3"},
		{`{"action":"opened","installation":{"id":1}}`, Sign([]byte("rotated"), []byte(`{"action":"opened","installation":{"id":1}}`)), "issues", "d4"},
		{"Hello, World!", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", "ping", "d5"},
		{"null", signSentinel, "ping", "d6"},
		{"{\r\n\"action\":\"created\"\r\n}", signSentinel, "star", "d7"},
		{commentCreated, "sha1=0000", "issue_comment", "d8"},
		{commentCreated, signSentinel, "", ""},
		{commentCreated, signSentinel, "issue comment", "a/b"},
		{"", "", "", ""},
	} {
		f.Add([]byte(s.body), s.sig, s.event, s.id)
	}
	secretBytes := [][]byte{[]byte(testSecret), []byte("rotated")}
	f.Fuzz(func(t *testing.T, body []byte, sig, event, id string) {
		if sig == signSentinel {
			sig = Sign([]byte(testSecret), body)
		}
		intake := &fakeIntake{}
		switch len(id) % 5 {
		case 1:
			intake.outcome = app.Duplicate
		case 2:
			intake.outcome = app.Ignored
		case 3:
			intake.err = fmt.Errorf("x: %w", app.ErrUnavailable)
		}
		metrics := &fakeDeliveryMetrics{}
		h, err := NewWebhook(secrets, intake, metrics, discard)
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
		req.Header.Set("X-Hub-Signature-256", sig)
		req.Header.Set("X-GitHub-Event", event)
		req.Header.Set("X-GitHub-Delivery", id)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer must-not-be-stored")
		req.Header.Set("Cookie", "c=must-not-be-stored")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		status := rec.Code
		switch status {
		case 200, 202, 400, 401, 413, 503:
		default:
			t.Fatalf("status %d", status)
		}
		verified := VerifySignature(secretBytes, body, sig)
		if (status == http.StatusUnauthorized) == verified {
			t.Fatalf("status %d but VerifySignature = %v", status, verified)
		}
		calls := intake.got()
		switch {
		case status/100 == 2 || status == http.StatusServiceUnavailable:
			if len(calls) != 1 {
				t.Fatalf("status %d after %d intake calls", status, len(calls))
			}
			d := calls[0].d
			if !bytes.Equal(d.Body, body) || d.Event != event || d.ID != id {
				t.Fatalf("intake got %q/%q/%q, sent %q/%q/%q", d.Body, d.Event, d.ID, body, event, id)
			}
			if !validToken(d.ID, 128) || !validToken(d.Event, 64) {
				t.Fatalf("stored unsafe id %q or event %q", d.ID, d.Event)
			}
			assertNoCredentialHeaders(t, d.Headers)
			want := http.StatusAccepted
			switch {
			case intake.err != nil:
				want = http.StatusServiceUnavailable
			case intake.outcome == app.Duplicate:
				want = http.StatusOK
			}
			if status != want {
				t.Fatalf("status %d for outcome %q/%v, want %d", status, intake.outcome, intake.err, want)
			}
		default:
			if len(calls) != 0 {
				t.Fatalf("status %d but intake was called", status)
			}
		}
		got := metrics.take()
		if len(got) != 1 {
			t.Fatalf("metrics %v, want one observation", got)
		}
		label, _, _ := strings.Cut(got[0], " ")
		if _, known := knownEvents[label]; !known && label != "other" {
			t.Fatalf("metric label %q is neither a known event nor other", label)
		}
	})
}

// fakeGitHub is an app.GitHub that records every call.
type fakeGitHub struct {
	// The repository, issue-editing and operations calls are not used
	// here: form requests and operations need stores these tests do not
	// give, so calling one panics on the nil interface.
	app.Repository
	app.Issues
	app.Operations
	mu         sync.Mutex
	self       string
	hasComment bool
	reactErr   error
	reactions  []reactionCall
	comments   []commentCall
	lookups    []lookupCall
}

type reactionCall struct {
	repo      app.Repo
	commentID int64
	content   string
}

type commentCall struct {
	repo  app.Repo
	issue int
	body  string
}

type lookupCall struct {
	repo   app.Repo
	issue  int
	marker string
}

func (g *fakeGitHub) AddCommentReaction(_ context.Context, repo app.Repo, commentID int64, content string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.reactions = append(g.reactions, reactionCall{repo, commentID, content})
	return g.reactErr
}

func (g *fakeGitHub) CreateComment(_ context.Context, repo app.Repo, issue int, body string) (int64, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.comments = append(g.comments, commentCall{repo, issue, body})
	return int64(len(g.comments)), nil
}

func (g *fakeGitHub) FindComment(_ context.Context, repo app.Repo, issue int, marker string, _ time.Time) (int64, bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.lookups = append(g.lookups, lookupCall{repo, issue, marker})
	return 0, g.hasComment, nil
}

func (g *fakeGitHub) Self(context.Context) (string, error) {
	if g.self == "" {
		return "issueops[bot]", nil
	}
	return g.self, nil
}

// fakeClients hands out its one fakeGitHub and records the installations
// asked for.
type fakeClients struct {
	gh            *fakeGitHub
	mu            sync.Mutex
	installations []int64
}

func (c *fakeClients) ForInstallation(_ context.Context, id int64) (app.GitHub, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.installations = append(c.installations, id)
	return c.gh, nil
}

func newDispatcher(g *fakeGitHub) (*Dispatcher, *fakeClients) {
	clients := &fakeClients{gh: g}
	return NewDispatcher(app.NewService(clients, app.Config{Logger: discard}), discard), clients
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestProcessHelpComment(t *testing.T) {
	body := readTestdata(t, "issue_comment.created.help.json")
	d := app.Delivery{ID: "d-help", Event: "issue_comment", Action: "created", InstallationID: 4242, Body: body}

	payload, err := github.ParseWebHook(d.Event, d.Body)
	if err != nil {
		t.Fatal(err)
	}
	want := app.CommentEvent{
		DeliveryID: "d-help", InstallationID: 4242, Action: "created",
		Repo: app.Repo{Owner: "acme", Name: "widgets"}, RepoID: 55, IssueNumber: 17, CommentID: 2100000001,
		Body: "/help", SenderLogin: "alice", SenderType: "User", Retry: true,
	}
	if got := commentEvent(d, payload.(*github.IssueCommentEvent), true); got != want {
		t.Fatalf("commentEvent\n got %+v\nwant %+v", got, want)
	}

	g := &fakeGitHub{}
	p, clients := newDispatcher(g)
	if err := p.Process(context.Background(), d, false); err != nil {
		t.Fatalf("Process: %v", err)
	}
	if !slices.Equal(clients.installations, []int64{4242}) {
		t.Fatalf("installations asked for %v, want [4242]", clients.installations)
	}
	if !slices.Equal(g.reactions, []reactionCall{{want.Repo, 2100000001, app.ReactionEyes}}) {
		t.Fatalf("reactions %+v, want one 👀 on comment 2100000001", g.reactions)
	}
	if len(g.lookups) != 0 {
		t.Fatalf("first attempt looked for an earlier reply: %+v", g.lookups)
	}
	if len(g.comments) != 1 {
		t.Fatalf("%d comments, want 1", len(g.comments))
	}
	c := g.comments[0]
	if c.repo != want.Repo || c.issue != 17 {
		t.Fatalf("comment on %v#%d, want acme/widgets#17", c.repo, c.issue)
	}
	if !strings.Contains(c.body, "`/help`") || !strings.Contains(c.body, app.ReplyMarker(2100000001)) {
		t.Fatalf("reply does not list /help with its marker:\n%s", c.body)
	}
}

func TestProcessRetry(t *testing.T) {
	body := readTestdata(t, "issue_comment.created.help.json")
	d := app.Delivery{ID: "d-retry", Event: "issue_comment", Body: body}
	for _, earlier := range []bool{true, false} {
		g := &fakeGitHub{hasComment: earlier}
		p, _ := newDispatcher(g)
		if err := p.Process(context.Background(), d, true); err != nil {
			t.Fatalf("Process: %v", err)
		}
		wantLookup := []lookupCall{{app.Repo{Owner: "acme", Name: "widgets"}, 17, app.ReplyMarker(2100000001)}}
		if !slices.Equal(g.lookups, wantLookup) {
			t.Fatalf("lookups %+v, want %+v", g.lookups, wantLookup)
		}
		if wantComments := map[bool]int{true: 0, false: 1}[earlier]; len(g.comments) != wantComments {
			t.Fatalf("earlier reply %v: %d comments, want %d", earlier, len(g.comments), wantComments)
		}
		if len(g.reactions) != 1 {
			t.Fatalf("%d reactions on a retry, want 1 (idempotent on GitHub)", len(g.reactions))
		}
	}
}

// withField returns the JSON of body with path (dot-separated) set to v.
func withField(t *testing.T, body []byte, path string, v any) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	keys := strings.Split(path, ".")
	obj := m
	for _, k := range keys[:len(keys)-1] {
		next, ok := obj[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			obj[k] = next
		}
		obj = next
	}
	obj[keys[len(keys)-1]] = v
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestProcessDoesNothing(t *testing.T) {
	help := readTestdata(t, "issue_comment.created.help.json")
	for _, c := range []struct {
		name  string
		event string
		body  []byte
		self  string
	}{
		{"edited", "issue_comment", withField(t, help, "action", "edited"), ""},
		{"deleted", "issue_comment", withField(t, help, "action", "deleted"), ""},
		{"bot sender", "issue_comment", withField(t, help, "sender.type", "Bot"), ""},
		{"own comment", "issue_comment", help, "Alice"},
		{"not a command", "issue_comment", withField(t, help, "comment.body", "thanks, looks good"), ""},
		{"command in a code block", "issue_comment", withField(t, help, "comment.body", "```\n/help\n```"), ""},
		{"issues event", "issues", []byte(`{"action":"opened","issue":{"number":1,"body":"/help"}}`), ""},
		{"ping", "ping", []byte(`{"zen":"Approachable is better than simple.","hook_id":1}`), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := &fakeGitHub{self: c.self}
			p, _ := newDispatcher(g)
			if err := p.Process(context.Background(), app.Delivery{ID: "d", Event: c.event, Body: c.body}, false); err != nil {
				t.Fatalf("Process: %v", err)
			}
			if len(g.reactions)+len(g.comments) != 0 {
				t.Fatalf("wrote to GitHub: reactions %+v comments %+v", g.reactions, g.comments)
			}
		})
	}
}

func TestProcessPermanentOnBadPayload(t *testing.T) {
	for _, c := range []struct{ name, event, body string }{
		{"not JSON", "issue_comment", "not json"},
		{"empty", "issue_comment", ""},
		{"truncated", "issue_comment", `{"action":"created","comment":{"body":"/help"`},
		{"array", "issue_comment", `[1,2]`},
		{"action is a number", "issue_comment", `{"action":5}`},
		{"comment is a string", "issue_comment", `{"action":"created","comment":"/help"}`},
		{"issue number is a string", "issue_comment", `{"action":"created","issue":{"number":"17"}}`},
		{"unknown event", "no_such_event", `{}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := &fakeGitHub{}
			p, _ := newDispatcher(g)
			err := p.Process(context.Background(), app.Delivery{ID: "d", Event: c.event, Body: []byte(c.body)}, false)
			if !errors.Is(err, app.ErrPermanent) {
				t.Fatalf("Process = %v, want a permanent error", err)
			}
			if len(g.reactions)+len(g.comments) != 0 {
				t.Fatal("wrote to GitHub for a payload that does not decode")
			}
		})
	}
}

func TestProcessKeepsErrorKinds(t *testing.T) {
	body := readTestdata(t, "issue_comment.created.help.json")
	d := app.Delivery{ID: "d", Event: "issue_comment", Body: body}

	g := &fakeGitHub{reactErr: &app.RetryAfterError{Delay: 7 * time.Second, Err: errors.New("secondary rate limit")}}
	p, _ := newDispatcher(g)
	var ra *app.RetryAfterError
	if err := p.Process(context.Background(), d, false); !errors.As(err, &ra) || ra.Delay != 7*time.Second {
		t.Fatalf("Process = %v, want the rate limit passed through", err)
	}

	g = &fakeGitHub{reactErr: app.Permanent(errors.New("404 Not Found"))}
	p, _ = newDispatcher(g)
	if err := p.Process(context.Background(), d, false); !errors.Is(err, app.ErrPermanent) {
		t.Fatalf("Process = %v, want the permanent error passed through", err)
	}
	if len(g.comments) != 0 {
		t.Fatal("replied although the reaction failed")
	}
}

func FuzzProcess(f *testing.F) {
	f.Add([]byte(commentCreated))
	f.Add([]byte(`{"action":"created","comment":{"id":1,"body":"/deploy v1 to prod"},"sender":{"type":"User"}}`))
	f.Add([]byte(`{"action":"created","comment":{"body":"/help"},"sender":{"type":"Bot"}}`))
	f.Add([]byte(`{"action":"created","comment":{"body":"/he\u0000lp \r\n/help"}}`))
	f.Add([]byte(`{"action":"created","comment":null,"issue":null,"repository":null,"sender":null,"installation":null}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"action":5}`))
	if b, err := os.ReadFile(filepath.Join("testdata", "issue_comment.created.help.json")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		g := &fakeGitHub{}
		p, _ := newDispatcher(g)
		err := p.Process(context.Background(), app.Delivery{ID: "fuzz", Event: "issue_comment", Body: body}, len(body)%2 == 0)
		// The fake GitHub never fails, so the only error is a payload that
		// does not decode, and that must be permanent.
		if err != nil && !errors.Is(err, app.ErrPermanent) {
			t.Fatalf("Process = %v: not permanent", err)
		}
		if !json.Valid(body) && err == nil {
			t.Fatalf("Process accepted invalid JSON %q", body)
		}
		if len(g.comments) > 1 || len(g.reactions) > 1 {
			t.Fatalf("%d comments, %d reactions for one delivery", len(g.comments), len(g.reactions))
		}
		if len(g.comments) == 1 && len(g.reactions) != 1 {
			t.Fatal("replied without the 👀 reaction")
		}
	})
}

// corpusFiles returns the shared webhook payload examples, or skips.
func corpusFiles(t *testing.T) []string {
	t.Helper()
	for _, dir := range []string{"../../../shared/corpora/webhooks", "../../shared/corpora/webhooks"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		extra, _ := filepath.Glob(filepath.Join(dir, "extra", "*.json"))
		if files = append(files, extra...); len(files) > 0 {
			return files
		}
	}
	t.Skip("no shared webhook corpus (shared/corpora/webhooks)")
	return nil
}

// corpusEvent is the event of a corpus file: "<event>.<action>...json".
func corpusEvent(path string) string {
	event, _, _ := strings.Cut(filepath.Base(path), ".")
	return event
}

// generic decodes a payload loosely, to check the typed decoding against.
func generic(t *testing.T, body []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func field(m map[string]any, path string) any {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = obj[k]
	}
	return v
}

func str(m map[string]any, path string) string {
	s, _ := field(m, path).(string)
	return s
}

func num(t *testing.T, m map[string]any, path string) int64 {
	t.Helper()
	n, ok := field(m, path).(json.Number)
	if !ok {
		return 0
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		t.Fatalf("%s = %v: %v", path, n, err)
	}
	return i
}

func TestCorpusThroughWebhook(t *testing.T) {
	files := corpusFiles(t)
	intake := &fakeIntake{}
	srv := newWebhookServer(t, intake, nil)
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			body, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			event := corpusEvent(path)
			h := githubHeaders(testSecret, body, event)
			if got := post(t, srv, body, h); got/100 != 2 {
				t.Fatalf("status %d for event %s", got, event)
			}
			calls := intake.got()
			last := calls[len(calls)-1]
			if last.d.ID != h.Get("X-GitHub-Delivery") {
				t.Fatal("intake did not get this delivery")
			}
			m := generic(t, body)
			if !bytes.Equal(last.d.Body, body) || last.d.Event != event ||
				last.d.Action != str(m, "action") || last.d.InstallationID != num(t, m, "installation.id") {
				t.Fatalf("intake got event %q action %q installation %d (body equal %v)",
					last.d.Event, last.d.Action, last.d.InstallationID, bytes.Equal(last.d.Body, body))
			}
			wantEnqueue := event == "issue_comment" && str(m, "action") == "created" && str(m, "sender.type") != "Bot" ||
				event == "issues" && app.HandlesIssueAction(str(m, "action")) ||
				event == "deployment_status" && str(m, "action") == "created" ||
				event == "workflow_run" && str(m, "action") == "completed"
			if last.enqueue != wantEnqueue {
				t.Fatalf("enqueue %v, want %v", last.enqueue, wantEnqueue)
			}
		})
	}
}

func TestCorpusThroughDispatcher(t *testing.T) {
	n := 0
	for _, path := range corpusFiles(t) {
		if corpusEvent(path) != "issue_comment" {
			continue
		}
		n++
		t.Run(filepath.Base(path), func(t *testing.T) {
			body, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			m := generic(t, body)
			d := app.Delivery{ID: "corpus", Event: "issue_comment", Action: str(m, "action"), Body: body}

			// As recorded: the comment holds no command, so nothing is written.
			g := &fakeGitHub{}
			p, _ := newDispatcher(g)
			if err := p.Process(context.Background(), d, false); err != nil {
				t.Fatalf("Process: %v", err)
			}
			if len(g.reactions)+len(g.comments) != 0 && !strings.HasPrefix(str(m, "comment.body"), "/") {
				t.Fatalf("wrote to GitHub for a comment without a command")
			}

			// The typed decoding agrees with a loose one.
			payload, err := github.ParseWebHook("issue_comment", body)
			if err != nil {
				t.Fatal(err)
			}
			want := app.CommentEvent{
				DeliveryID:     "corpus",
				InstallationID: num(t, m, "installation.id"),
				Action:         str(m, "action"),
				Repo:           app.Repo{Owner: str(m, "repository.owner.login"), Name: str(m, "repository.name")},
				RepoID:         num(t, m, "repository.id"),
				IssueNumber:    int(num(t, m, "issue.number")),
				CommentID:      num(t, m, "comment.id"),
				Body:           str(m, "comment.body"),
				SenderLogin:    str(m, "sender.login"),
				SenderType:     str(m, "sender.type"),
			}
			if got := commentEvent(d, payload.(*github.IssueCommentEvent), false); got != want {
				t.Fatalf("commentEvent\n got %+v\nwant %+v", got, want)
			}

			// With a /help body, a created comment is answered where it was made.
			d.Body = withField(t, body, "comment.body", "/help")
			g = &fakeGitHub{}
			p, clients := newDispatcher(g)
			if err := p.Process(context.Background(), d, false); err != nil {
				t.Fatalf("Process /help: %v", err)
			}
			if want.Action != "created" {
				if len(g.reactions)+len(g.comments) != 0 {
					t.Fatalf("acted on a %s comment", want.Action)
				}
				return
			}
			if !slices.Equal(clients.installations, []int64{want.InstallationID}) ||
				!slices.Equal(g.reactions, []reactionCall{{want.Repo, want.CommentID, app.ReactionEyes}}) ||
				len(g.comments) != 1 || g.comments[0].repo != want.Repo || g.comments[0].issue != want.IssueNumber {
				t.Fatalf("installations %v reactions %+v comments %+v", clients.installations, g.reactions, g.comments)
			}
		})
	}
	if n == 0 {
		t.Skip("no issue_comment payload in the corpus")
	}
}

func TestIssueEventMapping(t *testing.T) {
	body := []byte(`{"action":"labeled","issue":{"number":12,"labels":[{"name":"bug"},{"name":"issueops:deploy"}]},` +
		`"label":{"name":"issueops:deploy"},"repository":{"id":99,"name":"api","owner":{"login":"acme"}},` +
		`"sender":{"login":"octocat","type":"User"},"installation":{"id":7}}`)
	payload, err := github.ParseWebHook("issues", body)
	if err != nil {
		t.Fatal(err)
	}
	received := time.Unix(1700000000, 0)
	got := issueEvent(app.Delivery{ID: "d1", ReceivedAt: received}, payload.(*github.IssuesEvent), true)
	want := app.IssueEvent{DeliveryID: "d1", InstallationID: 7, Action: "labeled", Repo: app.Repo{Owner: "acme", Name: "api"},
		RepoID: 99, ChangedLabel: "issueops:deploy", IssueNumber: 12, Labels: []string{"bug", "issueops:deploy"}, SenderLogin: "octocat", SenderType: "User",
		ReceivedAt: received, Retry: true}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("issueEvent = %+v\nwant %+v", got, want)
	}
}
