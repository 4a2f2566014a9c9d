package jira

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	gojira "github.com/andygrunwald/go-jira"

	"github.com/issueops/issueops/app"
)

const (
	// rateLimitFallback is the wait on a 429 without a usable Retry-After.
	rateLimitFallback = time.Minute
	// rateLimitCap bounds Jira's Retry-After: a job snoozed longer looks
	// lost, and Jira Cloud's own limits reset well within an hour.
	rateLimitCap = time.Hour
	// messageLimit bounds the Jira text an error carries (it reaches logs
	// and the audit trail, not users).
	messageLimit = 200
	// bodyLimit bounds how much of an error answer is read.
	bodyLimit = 64 << 10
)

// StatusError is an answer from Jira outside 2xx. Message is the
// errorMessages and errors text Jira gave, bounded and free of the
// credentials.
type StatusError struct {
	Method     string
	Path       string
	StatusCode int
	Message    string
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("jira: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// result turns what go-jira's Do gave into the app's error kinds, and
// closes the answer's body whatever happened:
//   - no answer (timeout, refused connection, cancelled) → as is: transient;
//   - 2xx whose body did not decode → transient;
//   - 429 → *app.RetryAfterError with Jira's Retry-After;
//   - 5xx → transient;
//   - 404 → app.NotFound;
//   - any other status (400, 401, 403, a refused redirect) → app.Permanent.
func (c *Client) result(method, path string, resp *gojira.Response, err error) error {
	if resp != nil && resp.Response != nil && resp.Body != nil {
		defer drain(resp.Body)
	}
	if err == nil {
		return nil
	}
	if resp == nil || resp.Response == nil {
		return fmt.Errorf("jira: %s %s: %w", method, path, err)
	}
	if code := resp.StatusCode; code >= 200 && code <= 299 {
		return fmt.Errorf("jira: %s %s: reading the answer: %w", method, path, err)
	}
	se := &StatusError{Method: method, Path: path, StatusCode: resp.StatusCode,
		Message: c.clean(messageOf(resp.Response, err))}
	return classify(se, resp.Header, time.Now())
}

// drain reads what is left of a body (bounded) and closes it, so that the
// connection can serve the next request.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, bodyLimit))
	_ = body.Close()
}

func classify(se *StatusError, h http.Header, now time.Time) error {
	switch code := se.StatusCode; {
	case code == http.StatusTooManyRequests:
		return &app.RetryAfterError{Delay: retryAfter(h.Get("Retry-After"), now), Err: se}
	case code >= 500:
		return se
	case code == http.StatusNotFound:
		return app.NotFound(se)
	default:
		return app.Permanent(se)
	}
}

// messageOf finds Jira's explanation: go-jira has parsed it already for
// some calls (a *gojira.Error), else the body is still unread.
func messageOf(resp *http.Response, err error) string {
	var je *gojira.Error
	if errors.As(err, &je) {
		return joinMessages(je.ErrorMessages, je.Errors)
	}
	if loc := resp.Header.Get("Location"); resp.StatusCode >= 300 && resp.StatusCode < 400 && loc != "" {
		return "Jira redirected to " + loc + ": set the base URL to Jira's own address"
	}
	if resp.Body == nil {
		return ""
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, bodyLimit))
	return bodyMessage(resp.Header.Get("Content-Type"), body)
}

// bodyMessage reads Jira's error body: JSON {"errorMessages", "errors"},
// or plain text as some proxies and Jira's login filter answer. HTML
// pages are noise and left out.
func bodyMessage(contentType string, body []byte) string {
	var jerr struct {
		ErrorMessages []string          `json:"errorMessages"`
		Errors        map[string]string `json:"errors"`
	}
	if json.Unmarshal(body, &jerr) == nil {
		return joinMessages(jerr.ErrorMessages, jerr.Errors)
	}
	if media, _, _ := mime.ParseMediaType(contentType); media == "text/plain" {
		return string(body)
	}
	return ""
}

// joinMessages renders Jira's messages, then its field errors sorted by
// field so that the text is stable.
func joinMessages(messages []string, fields map[string]string) string {
	parts := append([]string(nil), messages...)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, k+": "+fields[k])
	}
	return strings.Join(parts, "; ")
}

// clean removes the credentials (a server may echo what it received),
// folds the text onto one line and bounds it. Redaction comes first so
// that truncation cannot leave part of a secret behind.
func (c *Client) clean(s string) string {
	for _, secret := range c.secrets {
		s = strings.ReplaceAll(s, secret, "[redacted]")
	}
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
	return truncate(s, messageLimit)
}

// truncate cuts s to at most limit runes, on a rune boundary, marking the
// cut with an ellipsis.
func truncate(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	runes := []rune(s)
	return string(runes[:limit-1]) + "…"
}

// secretsOf lists what must never appear in an error: the token, and the
// basic-auth value built from it.
func secretsOf(user, token string) []string {
	secrets := []string{token}
	if user != "" {
		secrets = append(secrets, base64.StdEncoding.EncodeToString([]byte(user+":"+token)))
	}
	return secrets
}
