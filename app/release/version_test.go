package release

import (
	"strings"
	"testing"
)

func TestParseVersion(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"1.4.0", "1.4.0", true},
		{"v1.4.0", "1.4.0", true},
		{"0.0.0", "0.0.0", true},
		{"1.4.0-rc.1", "1.4.0-rc.1", true},
		{"1.4.0-0.3.7", "1.4.0-0.3.7", true},
		{"1.0.0-x-y-z.--", "1.0.0-x-y-z.--", true},
		{"1.4.0+build.5", "1.4.0+build.5", true},
		{"1.4.0-beta+exp.sha.5114f85", "1.4.0-beta+exp.sha.5114f85", true},
		{"1.4", "", false},
		{"01.4.0", "", false},
		{"1.4.0-01", "", false},
		{"1.4.0-", "", false},
		{"1.4.0+", "", false},
		{"V1.4.0", "", false},
		{"vv1.4.0", "", false},
		{" 1.4.0", "", false},
		{"1.4.0\n", "", false},
		{"minor", "", false},
		{"1.4.0-" + strings.Repeat("a", MaxVersionLength), "", false},
	} {
		v, err := ParseVersion(c.in)
		if (err == nil) != c.ok || (c.ok && v.String() != c.want) {
			t.Errorf("ParseVersion(%q) = %q, %v; want %q ok=%v", c.in, v, err, c.want, c.ok)
		}
	}
}

func TestIsBump(t *testing.T) {
	for s, want := range map[string]bool{"major": true, "minor": true, "patch": true, "Major": false, "1.0.0": false, "": false} {
		if IsBump(s) != want {
			t.Errorf("IsBump(%q) = %v", s, !want)
		}
	}
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"1.4.0", "v1.4.0-rc.1+b.2", "01.0.0", "1.0.0-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVersion(s)
		if err != nil {
			return
		}
		again, err := ParseVersion(v.String())
		if err != nil || again != v {
			t.Fatalf("%q → %q does not parse back: %v", s, v, err)
		}
		if strings.TrimPrefix(s, "v") != v.String() {
			t.Fatalf("%q renders as %q", s, v)
		}
	})
}
