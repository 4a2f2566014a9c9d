package githubtest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The App's webhook: GitHub's side of deliveries. A test points it at the
// app (SetWebhook), has "GitHub" deliver events (SendWebhook), and the app
// lists the attempts (GET /app/hook/deliveries) and asks for redeliveries
// (POST /app/hook/deliveries/{delivery_id}/attempts), which the fake really
// sends, as GitHub does: same guid, headers and body, a fresh signature.

const (
	docListHookDeliveries = "https://docs.github.com/rest/apps/webhooks#list-deliveries-for-an-app-webhook"
	docRedeliverHook      = "https://docs.github.com/rest/apps/webhooks#redeliver-a-delivery-for-an-app-webhook"
	// hookTimeout is how long GitHub waits for a webhook answer.
	hookTimeout = 10 * time.Second
	// hookID is the id GitHub gives the App's webhook.
	hookID = 480000001
)

// HookAttempt is one delivery attempt of the App's webhook, as GitHub lists it.
type HookAttempt struct {
	ID          int64
	GUID        string
	Event       string
	Action      string
	DeliveredAt time.Time
	Redelivery  bool
	StatusCode  int    // the app's answer; 0 when it could not be reached
	Status      string // "OK", "Invalid HTTP Response: 503", "failed to connect to host"
	Duration    time.Duration
}

// hookPayload is what GitHub keeps to redeliver an event.
type hookPayload struct {
	event, action  string
	body           []byte
	installationID *int64
	repositoryID   *int64
}

// webhookState is the App's webhook configuration and delivery log; it has
// its own lock because deliveries call out to the app.
type webhookState struct {
	mu       sync.Mutex
	url      string
	secret   string
	nextID   int64
	attempts []*HookAttempt // ascending id
	payloads map[string]*hookPayload
	client   *http.Client
}

// SetWebhook points the App's webhook at url, signing with secret (the
// webhook secret the app is configured with). An empty url removes it.
func (s *Server) SetWebhook(url, secret string) {
	w := &s.webhook
	w.mu.Lock()
	defer w.mu.Unlock()
	w.url, w.secret = url, secret
}

// SendWebhook has GitHub deliver a new event to the webhook now: it POSTs
// body with GitHub's headers and records the attempt, failed when the app
// cannot be reached or answers other than 2xx. It returns the event's guid
// (X-GitHub-Delivery) and the app's status (0: not reached, or no webhook).
func (s *Server) SendWebhook(event string, body []byte) (guid string, status int) {
	return s.sendWebhook(context.Background(), event, body)
}

func (s *Server) sendWebhook(ctx context.Context, event string, body []byte) (guid string, status int) {
	guid = newGUID()
	var meta struct {
		Action       string `json:"action"`
		Installation *struct {
			ID int64 `json:"id"`
		} `json:"installation"`
		Repository *struct {
			ID int64 `json:"id"`
		} `json:"repository"`
	}
	_ = json.Unmarshal(body, &meta)
	p := &hookPayload{event: event, action: meta.Action, body: bytes.Clone(body)}
	if meta.Installation != nil {
		p.installationID = &meta.Installation.ID
	}
	if meta.Repository != nil {
		p.repositoryID = &meta.Repository.ID
	}
	w := &s.webhook
	w.mu.Lock()
	if w.payloads == nil {
		w.payloads = make(map[string]*hookPayload)
	}
	w.payloads[guid] = p
	w.mu.Unlock()
	return guid, s.deliverHook(ctx, guid, p, false).StatusCode
}

// HookAttempts returns every delivery attempt, oldest first.
func (s *Server) HookAttempts() []HookAttempt {
	w := &s.webhook
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]HookAttempt, len(w.attempts))
	for i, a := range w.attempts {
		out[i] = *a
	}
	return out
}

// deliverHook POSTs one attempt to the webhook and records it.
func (s *Server) deliverHook(ctx context.Context, guid string, p *hookPayload, redelivery bool) HookAttempt {
	w := &s.webhook
	w.mu.Lock()
	url, secret := w.url, w.secret
	if w.client == nil {
		w.client = &http.Client{Timeout: hookTimeout}
	}
	client := w.client
	w.mu.Unlock()

	start := time.Now()
	a := HookAttempt{GUID: guid, Event: p.event, Action: p.action, DeliveredAt: start, Redelivery: redelivery,
		Status: "failed to connect to host"}
	if url != "" {
		if req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(p.body)); err == nil {
			req.Header = s.hookHeaders(guid, p, secret)
			if resp, err := client.Do(req); err == nil {
				_ = resp.Body.Close()
				a.StatusCode = resp.StatusCode
				a.Status = "OK"
				if resp.StatusCode/100 != 2 {
					a.Status = "Invalid HTTP Response: " + strconv.Itoa(resp.StatusCode)
				}
			} else if strings.Contains(err.Error(), "Timeout") || strings.Contains(err.Error(), "deadline") {
				a.Status = "timed out"
			}
		}
	}
	a.Duration = time.Since(start)
	w.mu.Lock()
	w.nextID++
	a.ID = 12000000000 + w.nextID
	w.attempts = append(w.attempts, &a)
	w.mu.Unlock()
	return a
}

// hookHeaders are the headers GitHub sends with a delivery of the App's
// webhook (https://docs.github.com/webhooks/webhook-events-and-payloads#delivery-headers).
func (s *Server) hookHeaders(guid string, p *hookPayload, secret string) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "GitHub-Hookshot/044aadd")
	h.Set("X-GitHub-Delivery", guid)
	h.Set("X-GitHub-Event", p.event)
	h.Set("X-GitHub-Hook-ID", strconv.Itoa(hookID))
	h.Set("X-GitHub-Hook-Installation-Target-ID", strconv.FormatInt(s.opts.AppID, 10))
	h.Set("X-GitHub-Hook-Installation-Target-Type", "integration")
	if secret != "" {
		m1 := hmac.New(sha1.New, []byte(secret))
		m1.Write(p.body)
		h.Set("X-Hub-Signature", "sha1="+hex.EncodeToString(m1.Sum(nil)))
		m256 := hmac.New(sha256.New, []byte(secret))
		m256.Write(p.body)
		h.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m256.Sum(nil)))
	}
	return h
}

// hookDeliveryJSON is GitHub's hook-delivery-item ("Simple webhook delivery").
type hookDeliveryJSON struct {
	ID             int64   `json:"id"`
	GUID           string  `json:"guid"`
	DeliveredAt    string  `json:"delivered_at"`
	Redelivery     bool    `json:"redelivery"`
	Duration       float64 `json:"duration"`
	Status         string  `json:"status"`
	StatusCode     int     `json:"status_code"`
	Event          string  `json:"event"`
	Action         *string `json:"action"`
	InstallationID *int64  `json:"installation_id"`
	RepositoryID   *int64  `json:"repository_id"`
	ThrottledAt    *string `json:"throttled_at"`
}

// listHookDeliveries serves GET /app/hook/deliveries: newest first, per_page
// (default 30, at most 100), cursor pagination with a Link header naming the
// next page's cursor, and the status filter (success or failure).
func (s *Server) listHookDeliveries(c *call) *response {
	q := c.r.URL.Query()
	perPage := 30
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		perPage = min(n, 100)
	}
	from := int64(-1)
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.ParseInt(strings.TrimPrefix(v, "v1_"), 10, 64)
		if err != nil || !strings.HasPrefix(v, "v1_") {
			return errorResponse(http.StatusBadRequest, "Invalid cursor", c.rt.doc)
		}
		from = n
	}
	status := q.Get("status")
	if status != "" && status != "success" && status != "failure" {
		return validationFailed(c.rt.doc, valError{Resource: "HookDelivery", Code: "invalid", Field: "status"})
	}
	w := &s.webhook
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]hookDeliveryJSON, 0, perPage)
	next := int64(0)
	for _, a := range slices.Backward(w.attempts) {
		if from >= 0 && a.ID > from {
			continue
		}
		if ok := a.Status == "OK"; (status == "success" && !ok) || (status == "failure" && ok) {
			continue
		}
		if len(out) == perPage {
			next = a.ID
			break
		}
		out = append(out, w.render(a))
	}
	resp := &response{status: http.StatusOK, body: out}
	if next != 0 {
		resp.header = http.Header{"Link": {s.cursorLink(c, next)}}
	}
	return resp
}

// render builds an attempt's JSON; w.mu is held.
func (w *webhookState) render(a *HookAttempt) hookDeliveryJSON {
	j := hookDeliveryJSON{ID: a.ID, GUID: a.GUID, DeliveredAt: fmtTime(a.DeliveredAt), Redelivery: a.Redelivery,
		Duration: a.Duration.Seconds(), Status: a.Status, StatusCode: a.StatusCode, Event: a.Event}
	if a.Action != "" {
		j.Action = &a.Action
	}
	if p := w.payloads[a.GUID]; p != nil {
		j.InstallationID, j.RepositoryID = p.installationID, p.repositoryID
	}
	return j
}

// cursorLink is GitHub's Link header for the next page of a cursor listing:
// the request's query as written, with cursor set.
func (s *Server) cursorLink(c *call, next int64) string {
	var parts []string
	for _, kv := range strings.Split(c.r.URL.RawQuery, "&") {
		if name, _, _ := strings.Cut(kv, "="); kv == "" || name == "cursor" {
			continue
		}
		parts = append(parts, kv)
	}
	parts = append(parts, "cursor=v1_"+strconv.FormatInt(next, 10))
	return fmt.Sprintf(`<%s%s?%s>; rel="next"`, s.base, c.r.URL.EscapedPath(), strings.Join(parts, "&"))
}

// redeliverHook serves POST /app/hook/deliveries/{delivery_id}/attempts:
// 202 {} and the event is sent again shortly after, as a new attempt with
// redelivery true; 404 for an unknown attempt; 422 when the App has no
// webhook URL to deliver to.
func (s *Server) redeliverHook(c *call) *response {
	id, ok := pathInt(c, "delivery_id")
	if !ok {
		return notFound(c)
	}
	w := &s.webhook
	w.mu.Lock()
	var p *hookPayload
	guid := ""
	for _, a := range w.attempts {
		if a.ID == id {
			guid, p = a.GUID, w.payloads[a.GUID]
		}
	}
	url := w.url
	w.mu.Unlock()
	if p == nil {
		return notFound(c)
	}
	if url == "" {
		return validationFailed(c.rt.doc, valError{Resource: "Hook", Code: "custom", Field: "url",
			Message: "The webhook has no URL to deliver to"})
	}
	s.soon(func(ctx context.Context) { s.deliverHook(ctx, guid, p, true) })
	return &response{status: http.StatusAccepted, body: map[string]any{}}
}

// resetWebhook forgets the delivery log (see Reset); the webhook URL and
// secret stay.
func (s *Server) resetWebhook() {
	w := &s.webhook
	w.mu.Lock()
	defer w.mu.Unlock()
	w.attempts, w.payloads = nil, nil
}

// newGUID makes a delivery guid shaped like GitHub's (a UUID).
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x10
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
