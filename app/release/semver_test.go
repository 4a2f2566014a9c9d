package release

import "testing"

func mustVersion(t testing.TB, s string) Version {
	t.Helper()
	v, err := ParseVersion(s)
	if err != nil {
		t.Fatalf("ParseVersion(%q): %v", s, err)
	}
	return v
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.0.0", "1.0.0", 0},
		{"1.0.0", "2.0.0", -1},
		{"2.0.0", "2.1.0", -1},
		{"2.1.0", "2.1.1", -1},
		{"1.10.0", "1.9.0", 1},
		{"1.0.10", "1.0.9", 1},
		{"10.0.0", "9.99.99", 1},
		{"123456789012345678901234567890.0.0", "123456789012345678901234567889.0.0", 1},
		{"1.0.0-rc.1", "1.0.0", -1},
		{"1.0.0-alpha", "1.0.0-alpha.1", -1},
		{"1.0.0-alpha.1", "1.0.0-alpha.beta", -1},
		{"1.0.0-alpha.beta", "1.0.0-beta", -1},
		{"1.0.0-beta", "1.0.0-beta.2", -1},
		{"1.0.0-beta.2", "1.0.0-beta.11", -1},
		{"1.0.0-beta.11", "1.0.0-rc.1", -1},
		{"1.0.0-1", "1.0.0-a", -1},
		{"1.0.0-A", "1.0.0-a", -1},
		{"1.0.0-rc.1+b.1", "1.0.0-rc.1+b.2", 0},
		{"1.0.0+b", "1.0.0", 0},
		{"0.9.9", "1.0.0-alpha", -1},
	}
	for _, tt := range tests {
		a, b := mustVersion(t, tt.a), mustVersion(t, tt.b)
		if got := Compare(a, b); got != tt.want {
			t.Errorf("Compare(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Compare(b, a); got != -tt.want {
			t.Errorf("Compare(%s, %s) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
	if Compare(Version{}, mustVersion(t, "0.0.0")) != 0 {
		t.Error("the zero Version does not order as 0.0.0")
	}
}

func TestBumped(t *testing.T) {
	tests := []struct {
		from string
		bump Bump
		want string
	}{
		{"1.2.3", Patch, "1.2.4"},
		{"1.2.3", Minor, "1.3.0"},
		{"1.2.3", Major, "2.0.0"},
		{"0.0.0", Patch, "0.0.1"},
		{"1.9.9", Minor, "1.10.0"},
		{"1.2.3+build.7", Patch, "1.2.4"},
		{"99999999999999999999.0.0", Major, "100000000000000000000.0.0"},
		// npm semver.inc on prereleases.
		{"1.2.3-rc.1", Patch, "1.2.3"},
		{"1.2.3-rc.1", Minor, "1.3.0"},
		{"1.2.3-rc.1", Major, "2.0.0"},
		{"1.3.0-rc.1", Patch, "1.3.0"},
		{"1.3.0-rc.1", Minor, "1.3.0"},
		{"1.3.0-rc.1", Major, "2.0.0"},
		{"2.0.0-rc.1", Minor, "2.0.0"},
		{"2.0.0-rc.1+b", Major, "2.0.0"},
	}
	for _, tt := range tests {
		if got := mustVersion(t, tt.from).Bumped(tt.bump).String(); got != tt.want {
			t.Errorf("%s bumped %v = %s, want %s", tt.from, tt.bump, got, tt.want)
		}
	}
	if got := mustVersion(t, "1.2.3-rc.1+b").Bumped(Bump(7)).String(); got != "1.2.3-rc.1" {
		t.Errorf("unknown bump = %s, want the version without build", got)
	}
}

func TestParseBump(t *testing.T) {
	for _, b := range []Bump{Patch, Minor, Major} {
		got, ok := ParseBump(b.String())
		if !ok || got != b {
			t.Errorf("ParseBump(%q) = %v, %v", b.String(), got, ok)
		}
		if !IsBump(b.String()) {
			t.Errorf("IsBump(%q) = false but ParseBump reads it", b.String())
		}
	}
	for _, s := range []string{"", "Major", "1.0.0", "pre", " minor"} {
		if _, ok := ParseBump(s); ok {
			t.Errorf("ParseBump(%q) ok", s)
		}
	}
	if Major <= Minor || Minor <= Patch {
		t.Error("bumps are not ordered")
	}
	if s := Bump(9).String(); s != "Bump(9)" {
		t.Errorf("Bump(9) = %q", s)
	}
}
