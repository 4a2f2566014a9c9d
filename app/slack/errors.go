package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/issueops/issueops/app"
	"github.com/slack-go/slack"
)

// defaultRetryAfter is the delay asked for when Slack limits a call without
// saying for how long (a 429 without Retry-After, a "ratelimited" error).
const defaultRetryAfter = 30 * time.Second

// transientCodes are Slack error codes (answered with ok:false) that Slack
// documents as its own passing trouble: a retry may succeed. Every other
// code means the request is wrong and stays wrong.
var transientCodes = map[string]bool{
	"internal_error":      true,
	"fatal_error":         true,
	"service_unavailable": true,
	"request_timeout":     true,
	"team_added_to_org":   true,
}

// classify wraps err from calling Slack's method so that the caller can
// tell what to do: a *app.RetryAfterError for a rate limit, app.Permanent
// for a refusal that a retry cannot fix, a plain error for the rest (5xx,
// timeouts, network). The text never carries token.
func classify(method, token string, err error) error {
	base := redact(fmt.Errorf("slack %s: %w", method, err), token)
	var limited *slack.RateLimitedError
	if errors.As(err, &limited) {
		return &app.RetryAfterError{Delay: atLeastOneSecond(limited.RetryAfter), Err: base}
	}
	var status slack.StatusCodeError
	if errors.As(err, &status) {
		return classifyStatus(status.Code, base)
	}
	var refused slack.SlackErrorResponse
	if errors.As(err, &refused) {
		return classifyCode(refused.Err, base)
	}
	return base // timeouts, network failures, unreadable answers
}

// classifyStatus handles an HTTP error status slack-go did not read further.
func classifyStatus(code int, base error) error {
	switch {
	case code == http.StatusTooManyRequests:
		return &app.RetryAfterError{Delay: defaultRetryAfter, Err: base}
	case code >= 500 || code == http.StatusRequestTimeout:
		return base
	}
	return app.Permanent(base)
}

// classifyCode handles Slack's ok:false answers.
func classifyCode(code string, base error) error {
	switch {
	case code == "ratelimited" || code == "rate_limited":
		return &app.RetryAfterError{Delay: defaultRetryAfter, Err: base}
	case transientCodes[code]:
		return base
	case rejectedCodes[code]:
		return fmt.Errorf("%w: %w", app.ErrRejected, app.Permanent(base))
	}
	return app.Permanent(base)
}

// rejectedCodes are Slack's refusals of one message's content.
var rejectedCodes = map[string]bool{"msg_too_long": true, "invalid_blocks": true, "invalid_arguments": true,
	"no_text": true, "invalid_blocks_format": true}

func atLeastOneSecond(d time.Duration) time.Duration {
	if d < time.Second {
		return time.Second
	}
	return d
}

// redact drops the error chain when its text carries the token, so that a
// proxy or transport echoing the request cannot leak it into logs.
func redact(err error, token string) error {
	if token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return redactedError{msg: strings.ReplaceAll(err.Error(), token, "[redacted]"), cause: err}
}

// redactedError shows a redacted text; it unwraps only to context errors,
// so errors.Is(err, context.DeadlineExceeded) keeps working without
// exposing the original text through Unwrap.
type redactedError struct {
	msg   string
	cause error
}

func (e redactedError) Error() string { return e.msg }

func (e redactedError) Unwrap() error {
	for _, target := range []error{context.DeadlineExceeded, context.Canceled} {
		if errors.Is(e.cause, target) {
			return target
		}
	}
	return nil
}
