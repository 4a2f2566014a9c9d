package main

import (
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
)

// unquoteShell reads a word the way a POSIX shell reads shellQuote's output:
// bare characters, and '…' runs with no escapes inside; \' between runs.
func unquoteShell(t *testing.T, w string) string {
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c == '\'':
			end := strings.IndexByte(w[i+1:], '\'')
			if end < 0 {
				t.Fatalf("unterminated quote in %q", w)
			}
			b.WriteString(w[i+1 : i+1+end])
			i += end + 1
		case c == '\\' && i+1 < len(w):
			b.WriteByte(w[i+1])
			i++
		case strings.IndexByte(" \t\n;&|<>()$`\"*?[#~", c) >= 0:
			t.Fatalf("unquoted shell metacharacter %q in %q", c, w)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func TestShellQuoteThroughShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	for _, s := range []string{"plain", "a b", "it's", `$(id)`, "`id`", "a\nb", `back\slash`, "'", "''", "*", "#x", "é"} {
		out, err := exec.Command(sh, "-c", "printf %s "+shellQuote(s)).Output()
		if err != nil || string(out) != s {
			t.Errorf("sh read %q back as %q (%v)", s, out, err)
		}
	}
}

func FuzzShellQuote(f *testing.F) {
	for _, s := range []string{"", "a b", "it's", "$(id)", "x'y'z", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := shellQuote(s)
		if got := unquoteShell(t, q); got != s {
			t.Fatalf("shellQuote(%q) = %q reads back as %q", s, q, got)
		}
	})
}

func TestSetupRefusesCrossSiteForms(t *testing.T) {
	for _, c := range []struct {
		site, origin string
		ok           bool
	}{
		{"", "", true},
		{"same-origin", "http://127.0.0.1:3000", true},
		{"none", "", true},
		{"cross-site", "https://evil.example", false},
		{"same-site", "", false},
		{"", "https://evil.example", false},
		{"same-origin", "null", true},
	} {
		r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:3000/manifest", nil)
		if c.site != "" {
			r.Header.Set("Sec-Fetch-Site", c.site)
		}
		if c.origin != "" {
			r.Header.Set("Origin", c.origin)
		}
		if got := sameOrigin(r); got != c.ok {
			t.Errorf("Sec-Fetch-Site %q, Origin %q: sameOrigin = %v", c.site, c.origin, got)
		}
	}
}
