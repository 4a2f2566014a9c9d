// Precedence and bumps of semantic versions.

package release

import (
	"strconv"
	"strings"
)

// Compare orders a and b by semver.org 2.0.0 precedence: -1 when a comes
// before b, 0 when they have the same precedence, +1 when a comes after b.
// Major, minor and patch compare numerically; a prerelease comes before its
// final version (1.0.0-rc.1 < 1.0.0); prerelease identifiers compare one by
// one, numeric ones numerically, others in ASCII order, numeric before
// alphanumeric, and a shorter list before a longer one it prefixes. Build
// metadata is ignored, so 1.0.0+a and 1.0.0+b compare equal.
//
// The numbers are decimal strings of any length (ParseVersion accepts
// them), so they are compared as strings, never converted to int.
func Compare(a, b Version) int {
	for _, pair := range [][2]string{{a.Major, b.Major}, {a.Minor, b.Minor}, {a.Patch, b.Patch}} {
		if c := compareNumbers(pair[0], pair[1]); c != 0 {
			return c
		}
	}
	return comparePrereleases(a.Prerelease, b.Prerelease)
}

// compareNumbers compares two decimal strings numerically; an empty string
// counts as 0 so that the zero Version orders like 0.0.0.
func compareNumbers(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return sign(len(a) - len(b))
	}
	return strings.Compare(a, b)
}

func comparePrereleases(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "": // a final version comes after its prereleases
		return 1
	case b == "":
		return -1
	}
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if c := compareIdentifiers(as[i], bs[i]); c != 0 {
			return c
		}
	}
	return sign(len(as) - len(bs))
}

func compareIdentifiers(a, b string) int {
	an, bn := isNumeric(a), isNumeric(b)
	switch {
	case an && bn:
		return compareNumbers(a, b)
	case an:
		return -1
	case bn:
		return 1
	}
	return strings.Compare(a, b)
}

func isNumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// Bump is the part of a version a release increments.
type Bump int

// The bumps, in increasing order, so the larger of two bumps is max(a, b).
const (
	Patch Bump = iota
	Minor
	Major
)

// String names the bump as /release spells it: "patch", "minor", "major".
func (b Bump) String() string {
	switch b {
	case Patch:
		return "patch"
	case Minor:
		return "minor"
	case Major:
		return "major"
	}
	return "Bump(" + strconv.Itoa(int(b)) + ")"
}

// ParseBump reads "major", "minor" or "patch" (exactly, like IsBump).
func ParseBump(s string) (Bump, bool) {
	for _, b := range []Bump{Patch, Minor, Major} {
		if s == b.String() {
			return b, true
		}
	}
	return Patch, false
}

// Bumped returns the version a release of bump b makes from v. It follows
// npm's semver.inc, the rule most release tools share:
//
//   - build metadata is always dropped;
//   - a final version increments the part and zeroes the lower ones:
//     1.2.3 patch → 1.2.4, minor → 1.3.0, major → 2.0.0;
//   - a prerelease whose lower parts are already zero is the prerelease of
//     exactly that bump, so the bump just drops the prerelease:
//     1.3.0-rc.1 minor → 1.3.0, 2.0.0-rc.1 major → 2.0.0, and any
//     1.2.3-rc.1 patch → 1.2.3;
//   - any other prerelease bumps like its final version: 1.2.3-rc.1 minor →
//     1.3.0, 1.3.0-rc.1 major → 2.0.0.
//
// An unknown bump returns v without its build metadata.
func (v Version) Bumped(b Bump) Version {
	pre := v.Prerelease != ""
	next := Version{Major: v.Major, Minor: v.Minor, Patch: v.Patch}
	switch b {
	case Major:
		if !pre || !isZero(v.Minor) || !isZero(v.Patch) {
			next.Major = increment(v.Major)
		}
		next.Minor, next.Patch = "0", "0"
	case Minor:
		if !pre || !isZero(v.Patch) {
			next.Minor = increment(v.Minor)
		}
		next.Patch = "0"
	case Patch:
		if !pre {
			next.Patch = increment(v.Patch)
		}
	default:
		next.Prerelease = v.Prerelease
	}
	return next
}

func isZero(s string) bool { return strings.TrimLeft(s, "0") == "" }

// increment adds one to a decimal string of any length ("" counts as 0).
func increment(s string) string {
	digits := []byte(strings.TrimLeft(s, "0"))
	for i := len(digits) - 1; i >= 0; i-- {
		if digits[i] != '9' {
			digits[i]++
			return string(digits)
		}
		digits[i] = '0'
	}
	return "1" + string(digits)
}
