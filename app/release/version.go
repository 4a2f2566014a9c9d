// Package release holds the pure parts of a release: versions and bumps,
// tag templates, commits read as changes, and the changelog.
package release

import (
	"fmt"
	"regexp"
)

// versionPattern is the semver.org 2.0.0 grammar, with an optional leading
// "v" as tags usually carry.
var versionPattern = regexp.MustCompile(`^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

// MaxVersionLength bounds what is matched at all; no real version is longer.
const MaxVersionLength = 256

// Version is a semantic version.
type Version struct {
	Major, Minor, Patch string // decimal, without leading zeros
	Prerelease, Build   string
}

// String renders the version without a "v".
func (v Version) String() string {
	s := v.Major + "." + v.Minor + "." + v.Patch
	if v.Prerelease != "" {
		s += "-" + v.Prerelease
	}
	if v.Build != "" {
		s += "+" + v.Build
	}
	return s
}

// ParseVersion reads a semantic version such as "1.4.0", "v1.4.0-rc.1" or
// "1.4.0+build.5".
func ParseVersion(s string) (Version, error) {
	if len(s) > MaxVersionLength {
		return Version{}, fmt.Errorf("a version is at most %d characters", MaxVersionLength)
	}
	m := versionPattern.FindStringSubmatch(s)
	if m == nil {
		return Version{}, fmt.Errorf("not a semantic version (such as 1.4.0 or v1.4.0-rc.1)")
	}
	return Version{Major: m[1], Minor: m[2], Patch: m[3], Prerelease: m[4], Build: m[5]}, nil
}

// IsBump reports whether s names a bump rather than a version.
func IsBump(s string) bool { return s == "major" || s == "minor" || s == "patch" }
