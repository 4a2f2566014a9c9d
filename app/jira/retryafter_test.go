package jira

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"", time.Minute},
		{"   ", time.Minute},
		{"30", 30 * time.Second},
		{" 30 ", 30 * time.Second},
		{"0", time.Second},
		{"3600", time.Hour},
		{"3601", time.Hour},
		{"99999999999999999999999", time.Hour},
		{"-5", time.Minute},
		{"+5", time.Minute},
		{"1.5", time.Minute},
		{"soon", time.Minute},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), time.Second},
		{now.Add(48 * time.Hour).Format(http.TimeFormat), time.Hour},
		{"Wednesday, 04-Mar-26 12:05:00 GMT", 5 * time.Minute}, // RFC 850, still allowed
		{"Wed Mar  4 12:00:10 2026", 10 * time.Second},         // asctime
	}
	for _, tt := range tests {
		if got := retryAfter(tt.value, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %s, want %s", tt.value, got, tt.want)
		}
	}
}

// FuzzRetryAfter checks that any header value gives a wait within
// bounds, and that a plain number of seconds within bounds is obeyed.
func FuzzRetryAfter(f *testing.F) {
	for _, seed := range []string{"", "0", "1", "120", "3600", "86400", "-1", "1e3",
		"Wed, 04 Mar 2026 12:05:00 GMT", "Wednesday, 04-Mar-26 12:05:00 GMT", "Wed Mar  4 12:00:10 2026",
		"Mon, 01 Jan 0001 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "\x00", "٣"} {
		f.Add(seed)
	}
	now := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, value string) {
		got := retryAfter(value, now)
		if got < time.Second || got > rateLimitCap {
			t.Fatalf("retryAfter(%q) = %s, out of [1s, %s]", value, got, rateLimitCap)
		}
		if secs, err := strconv.Atoi(value); err == nil && isDigits(value) && secs >= 1 && secs <= 3600 {
			if got != time.Duration(secs)*time.Second {
				t.Fatalf("retryAfter(%q) = %s, want %ds", value, got, secs)
			}
		}
	})
}
