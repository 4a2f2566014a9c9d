package github

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	gh "github.com/google/go-github/v60/github"

	"github.com/issueops/issueops/app"
)

// rateLimitFallback is the wait when GitHub says "rate limited" without
// saying until when: its documentation asks for at least a minute.
const rateLimitFallback = 60 * time.Second

// classify maps a go-github error onto the app's error kinds:
//   - a rate limit (403 or 429 that says so) → *app.RetryAfterError, waiting
//     for Retry-After, else x-ratelimit-reset, else a minute;
//   - no response → returned as is: transient, retried with backoff, and
//     the write may have happened;
//   - 5xx, 401 (a token that just expired) → transient, retried with backoff;
//   - any other 4xx → app.ErrPermanent.
//
// Every error GitHub answered (5xx and 4xx) also wraps app.ErrAnswered.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var primary *gh.RateLimitError
	if errors.As(err, &primary) {
		return &app.RetryAfterError{Delay: primaryDelay(primary), Err: err}
	}
	var secondary *gh.AbuseRateLimitError
	if errors.As(err, &secondary) {
		delay := rateLimitFallback
		if secondary.RetryAfter != nil && *secondary.RetryAfter > 0 {
			delay = *secondary.RetryAfter
		}
		return &app.RetryAfterError{Delay: delay, Err: err}
	}
	resp := responseOf(err)
	if resp == nil {
		return err
	}
	if delay, limited := rateLimitDelay(resp.StatusCode, resp.Header, err.Error(), time.Now()); limited {
		return &app.RetryAfterError{Delay: delay, Err: err}
	}
	switch {
	case resp.StatusCode >= 500, resp.StatusCode == http.StatusUnauthorized:
		return app.Answered(err)
	case resp.StatusCode == http.StatusNotFound:
		return app.NotFound(app.Answered(err))
	case resp.StatusCode >= 400:
		return app.Permanent(app.Answered(err))
	}
	return err
}

func primaryDelay(e *gh.RateLimitError) time.Duration {
	if e.Response != nil {
		if d, ok := retryAfter(e.Response.Header); ok {
			return d
		}
	}
	if d := time.Until(e.Rate.Reset.Time); d > 0 {
		return plusSecond(d)
	}
	return rateLimitFallback
}

// rateLimitDelay decides whether a 403 or 429 is a rate limit and for how
// long to wait. A 403 that is not a rate limit (no permission) is not one.
func rateLimitDelay(status int, h http.Header, message string, now time.Time) (time.Duration, bool) {
	if status != http.StatusForbidden && status != http.StatusTooManyRequests {
		return 0, false
	}
	if d, ok := retryAfter(h); ok {
		return d, true
	}
	if h.Get("X-Ratelimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(h.Get("X-Ratelimit-Reset"), 10, 64); err == nil {
			if d := time.Unix(reset, 0).Sub(now); d > 0 {
				return plusSecond(d), true
			}
		}
		return rateLimitFallback, true
	}
	if status == http.StatusTooManyRequests || strings.Contains(strings.ToLower(message), "rate limit") {
		return rateLimitFallback, true
	}
	return 0, false
}

// retryAfter reads Retry-After in seconds (GitHub's form).
func retryAfter(h http.Header) (time.Duration, bool) {
	secs, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || secs < 0 {
		return 0, false
	}
	// A value past what a Duration holds saturates instead of wrapping.
	secs = min(secs, int(math.MaxInt64/int64(time.Second)))
	return max(time.Duration(secs)*time.Second, time.Second), true
}

// plusSecond adds a second of slack to a wait, saturating rather than
// wrapping to a negative wait when a reset lies absurdly far ahead.
func plusSecond(d time.Duration) time.Duration {
	if d > math.MaxInt64-time.Second {
		return math.MaxInt64
	}
	return d + time.Second
}

// responseOf finds the HTTP response behind a go-github or ghinstallation
// error, nil when the request got no answer.
func responseOf(err error) *http.Response {
	var er *gh.ErrorResponse
	if errors.As(err, &er) {
		return er.Response
	}
	var he *ghinstallation.HTTPError
	if errors.As(err, &he) {
		return he.Response
	}
	return nil
}
