// Package handlers is the webhook edge: it verifies and stores deliveries
// (Webhook) and later turns a stored delivery into a call on app.Service
// (Dispatcher). It holds no business rules.
package handlers

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/issueops/issueops/app"
)

// MaxBodyBytes is the largest delivery accepted: GitHub caps payloads at
// 25 MB, so anything larger is not from GitHub.
const MaxBodyBytes = 25 << 20

// Intake stores a verified delivery. Contract: Accept returns only once the
// delivery (and its job, when enqueue is set) is durable, app.Duplicate when
// the id was stored before, and an error wrapping app.ErrUnavailable when the
// database cannot take it.
type Intake interface {
	Accept(ctx context.Context, d app.Delivery, enqueue bool) (app.Outcome, error)
}

// DeliveryMetrics counts deliveries by event and outcome. Contract: cheap and
// safe for concurrent use.
type DeliveryMetrics interface {
	Delivery(event, outcome string)
}

// Webhook is the POST /webhook handler.
type Webhook struct {
	secrets [][]byte
	intake  Intake
	metrics DeliveryMetrics
	logger  *slog.Logger
}

// NewWebhook returns the intake handler. secrets are the accepted webhook
// secrets (more than one during a rotation); there must be at least one.
func NewWebhook(secrets []string, intake Intake, metrics DeliveryMetrics, logger *slog.Logger) (*Webhook, error) {
	w := &Webhook{intake: intake, metrics: metrics, logger: logger}
	for _, s := range secrets {
		if s = strings.TrimSpace(s); s != "" {
			w.secrets = append(w.secrets, []byte(s))
		}
	}
	if len(w.secrets) == 0 {
		return nil, errors.New("no webhook secret: refusing to accept unsigned deliveries")
	}
	return w, nil
}

// headersKept are the request headers stored with a delivery: what replay and
// later processing need, and nothing that could carry a credential.
var headersKept = []string{"X-GitHub-Event", "X-GitHub-Delivery", "X-GitHub-Hook-ID",
	"X-GitHub-Hook-Installation-Target-Type", "X-GitHub-Hook-Installation-Target-ID",
	"X-Hub-Signature-256", "User-Agent", "Content-Type"}

// ServeHTTP verifies the signature over the raw bytes, stores the delivery
// with its job in one transaction and answers 202. It never calls GitHub.
func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	event := r.Header.Get("X-GitHub-Event")
	// Refuse what cannot pass before reading up to 25 MiB of it.
	if r.ContentLength > MaxBodyBytes {
		h.reject(w, event, http.StatusRequestEntityTooLarge, "payload too large")
		return
	}
	if sig := r.Header.Get("X-Hub-Signature-256"); !strings.HasPrefix(sig, "sha256=") || len(sig) != len("sha256=")+2*sha256.Size {
		h.reject(w, event, http.StatusUnauthorized, "signature missing or wrong")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.reject(w, event, http.StatusRequestEntityTooLarge, "payload too large")
			return
		}
		h.reject(w, event, http.StatusBadRequest, "could not read body")
		return
	}
	if !VerifySignature(h.secrets, body, r.Header.Get("X-Hub-Signature-256")) {
		h.reject(w, event, http.StatusUnauthorized, "signature missing or wrong")
		return
	}
	d, meta, problem := decodeDelivery(r.Header, body)
	if problem != "" {
		h.reject(w, event, http.StatusBadRequest, problem)
		return
	}
	outcome, err := h.intake.Accept(r.Context(), d, Enqueue(d.Event, meta))
	if err != nil {
		h.logger.Error("delivery not stored", "delivery_id", d.ID, "event", d.Event, "err", err)
		h.count(d.Event, "unavailable")
		http.Error(w, "storage unavailable, retry later", http.StatusServiceUnavailable)
		return
	}
	h.count(d.Event, string(outcome))
	h.logger.Debug("delivery stored", "delivery_id", d.ID, "event", d.Event, "outcome", outcome)
	if outcome == app.Duplicate {
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "duplicate delivery\n")
		return
	}
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, string(outcome)+"\n")
}

func (h *Webhook) reject(w http.ResponseWriter, event string, status int, why string) {
	h.count(event, "rejected")
	h.logger.Warn("delivery rejected", "status", status, "reason", why)
	http.Error(w, why, status)
}

func (h *Webhook) count(event, outcome string) {
	if h.metrics != nil {
		h.metrics.Delivery(metricEvent(event), outcome)
	}
}

// metricEvent keeps the metric's event label to a known set: the header of an
// unverified request is attacker-chosen and must not create new series.
func metricEvent(event string) string {
	if _, ok := knownEvents[event]; ok {
		return event
	}
	return "other"
}

// VerifySignature reports whether header is "sha256=" followed by the hex
// HMAC-SHA256 of body under one of secrets. It compares in constant time and
// refuses the legacy SHA-1 signature.
func VerifySignature(secrets [][]byte, body []byte, header string) bool {
	hexSum, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	valid := false
	for _, secret := range secrets {
		mac := hmac.New(sha256.New, secret)
		mac.Write(body)
		// Every secret is compared, so timing does not tell which one matched.
		valid = hmac.Equal(mac.Sum(nil), got) || valid
	}
	return valid
}

// Sign returns the X-Hub-Signature-256 value GitHub would send for body.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Meta is the part of a payload intake reads to decide whether a job is due.
type Meta struct {
	Action       string `json:"action"`
	Installation struct {
		ID int64 `json:"id"`
	} `json:"installation"`
	Sender struct {
		Type string `json:"type"`
	} `json:"sender"`
}

// decodeDelivery checks the headers and the JSON of a verified request and
// builds the Delivery to store. It returns a problem for a 400.
func decodeDelivery(header http.Header, body []byte) (app.Delivery, Meta, string) {
	var meta Meta
	d := app.Delivery{ID: header.Get("X-GitHub-Delivery"), Event: header.Get("X-GitHub-Event"), Body: body,
		ReceivedAt: time.Now()}
	if !validToken(d.ID, 128) {
		return d, meta, "missing or malformed X-GitHub-Delivery"
	}
	if !validToken(d.Event, 64) {
		return d, meta, "missing or malformed X-GitHub-Event"
	}
	if ct := header.Get("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" {
			return d, meta, "content type must be application/json (set it in the webhook settings)"
		}
	}
	// Unmarshal into a struct also accepts a bare null: rule that out too.
	if err := json.Unmarshal(body, &meta); err != nil || !bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte("{")) {
		return d, meta, "body is not a JSON object"
	}
	d.Action, d.InstallationID = meta.Action, meta.Installation.ID
	d.Headers = make(map[string]string, len(headersKept))
	for _, name := range headersKept {
		if v := header.Get(name); v != "" {
			d.Headers[name] = v
		}
	}
	return d, meta, ""
}

// validToken accepts GitHub's ids and event names: ASCII letters, digits and
// - _ . only, so that they are safe in logs, SQL LIKE prefixes and file names.
func validToken(s string, maxLen int) bool {
	if s == "" || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
