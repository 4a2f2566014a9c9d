package jira

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryAfter reads a Retry-After value (RFC 9110: a number of seconds or
// an HTTP date) as the wait from now, kept within [1s, rateLimitCap]:
// never zero, since the answer was a rate limit, and never so long that
// the job looks lost. A missing or unreadable value waits
// rateLimitFallback.
func retryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return rateLimitFallback
	}
	if isDigits(value) {
		secs, err := strconv.ParseInt(value, 10, 64)
		if err != nil || secs > int64(rateLimitCap/time.Second) {
			// Only overflow fails here: a huge number is a long wait.
			return rateLimitCap
		}
		return bound(time.Duration(secs) * time.Second)
	}
	if at, err := http.ParseTime(value); err == nil {
		return bound(at.Sub(now))
	}
	return rateLimitFallback
}

func bound(d time.Duration) time.Duration {
	return min(max(d, time.Second), rateLimitCap)
}

// isDigits is RFC 9110's delay-seconds: one or more ASCII digits, no sign.
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
