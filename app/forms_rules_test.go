package app

import (
	"strings"
	"testing"
)

func TestRefProblem(t *testing.T) {
	for _, ok := range []string{"main", "v1.4.0", "feature/x", "release-1.4", "6dcb09b", "a.b", "@"} {
		if p := refProblem(ok); p != "" {
			t.Errorf("refProblem(%q) = %q, want none", ok, p)
		}
	}
	for _, bad := range []string{"", "-rf", "/x", "x/", "x.", "x.lock", "a..b", "a@{1}", "a//b", "a/.b", "a b", "a\tb",
		"a~1", "a^", "a:b", "a?", "a*", "a[", `a\b`, "a\x7f", "é", strings.Repeat("a", 256), "../../etc/passwd", "x?ref=y", "refs/pull/1/head", "pull/1/merge"} {
		if refProblem(bad) == "" {
			t.Errorf("refProblem(%q) accepted it", bad)
		}
	}
}

// Whatever a user types, a ref that passes can go into an API path: no
// traversal, no query, no control or non-ASCII character.
func FuzzRefProblem(f *testing.F) {
	for _, s := range []string{"main", "v1.4.0", "a/../b", "a?b", "a%2fb", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		if refProblem(ref) != "" {
			return
		}
		if strings.Contains(ref, "..") || strings.ContainsAny(ref, "?\\ \x00") || strings.HasPrefix(ref, "/") || len(ref) > 255 {
			t.Fatalf("accepted %q", ref)
		}
		for _, c := range ref {
			if c < 0x21 || c > 0x7e {
				t.Fatalf("accepted %q with %U", ref, c)
			}
		}
	})
}

func TestCheckTTLAndVersion(t *testing.T) {
	for v, ok := range map[string]bool{"": true, "2h": true, "30m": true, "0s": false, "-1h": false, "forever": false, "2161h": false} {
		if msg, _ := checkTTL(v); (msg == "") != ok {
			t.Errorf("checkTTL(%q) = %q", v, msg)
		}
	}
	for v, ok := range map[string]bool{"": true, "minor": true, "1.5.0": true, "v1.5.0-rc.1": true, "1.5": false, "Minor": false} {
		if msg, _ := checkReleaseVersion(v); (msg == "") != ok {
			t.Errorf("checkReleaseVersion(%q) = %q", v, msg)
		}
	}
}
