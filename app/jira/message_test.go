package jira

import (
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	c := &Client{secrets: secretsOf("me", "tok3n")}
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a\n\tb\r\n  c", "a b c"},
		{"bad tok3n here", "bad [redacted] here"},
		{"basic " + secretsOf("me", "tok3n")[1], "basic [redacted]"},
		{strings.Repeat("é", 250), strings.Repeat("é", 199) + "…"},
		{strings.Repeat("x", 199) + "tok3n", strings.Repeat("x", 199) + "…"},
		{strings.Repeat("x", 200), strings.Repeat("x", 200)},
	}
	for _, tt := range tests {
		got := c.clean(tt.in)
		if got != tt.want {
			t.Errorf("clean(%.40q…) = %.60q…, want %.60q…", tt.in, got, tt.want)
		}
		if strings.Contains(got, "tok3n") {
			t.Errorf("clean(%.40q…) kept the token", tt.in)
		}
	}
}

func TestBodyMessage(t *testing.T) {
	tests := []struct{ contentType, body, want string }{
		{"application/json", `{"errorMessages":["one","two"],"errors":{"z":"last","a":"first"}}`, "one; two; a: first; z: last"},
		{"application/json", `{"errorMessages":[],"errors":{}}`, ""},
		{"text/plain", "down for maintenance", "down for maintenance"},
		{"text/html", "<p>down</p>", ""},
		{"application/json", "not json", ""},
	}
	for _, tt := range tests {
		if got := bodyMessage(tt.contentType, []byte(tt.body)); got != tt.want {
			t.Errorf("bodyMessage(%q, %q) = %q, want %q", tt.contentType, tt.body, got, tt.want)
		}
	}
}
