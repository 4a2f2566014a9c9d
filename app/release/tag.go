// Tag templates: how a repository names the tag of a version.

package release

import "strings"

// Placeholder is what a tag or Jira version template puts where the
// version goes.
const Placeholder = "{version}"

// Expand puts v (without a "v"; a template adds its own) in place of every
// {version} of template, as the policy check does: "api {version}" → "api
// 1.4.0". A template without {version} comes back unchanged; the policy
// rejects such templates.
func Expand(template string, v Version) string {
	return strings.ReplaceAll(template, Placeholder, v.String())
}

// TagName is the tag of v under template: "v{version}" → "v1.4.0".
func TagName(template string, v Version) string { return Expand(template, v) }

// TagPrefix is the text before the first {version}, what every tag of the
// template starts with, for listing them by prefix: "api-v{version}" →
// "api-v". A template without {version} is its own prefix.
func TagPrefix(template string) string {
	prefix, _, _ := strings.Cut(template, Placeholder)
	return prefix
}

// VersionFromTag reads the version out of a tag made by template: the
// version is read where the first {version} is, and the tag must then be
// exactly TagName(template, version), so "v{version}" reads "v1.4.0" but
// not "1.4.0", "vv1.4.0" or "v1.4.0-x/y". The version itself has no "v" of
// its own (the template says whether there is one).
func VersionFromTag(template, tag string) (Version, bool) {
	prefix, _, found := strings.Cut(template, Placeholder)
	if !found || !strings.HasPrefix(tag, prefix) {
		return Version{}, false
	}
	// Every occurrence is replaced by the same text, so its length follows
	// from the lengths of the tag and the template.
	n := strings.Count(template, Placeholder)
	extra := len(tag) - (len(template) - n*len(Placeholder))
	if extra <= 0 || extra%n != 0 || extra/n > MaxVersionLength {
		return Version{}, false
	}
	text := tag[len(prefix) : len(prefix)+extra/n]
	if strings.HasPrefix(text, "v") {
		return Version{}, false
	}
	v, err := ParseVersion(text)
	if err != nil || TagName(template, v) != tag {
		return Version{}, false
	}
	return v, true
}

// Latest finds the highest version among the tags made by template; other
// tags are ignored, and so are prereleases unless includePrerelease. Tags
// of equal precedence (1.0.0+a, 1.0.0+b) resolve to the smaller tag name so
// that the answer does not depend on the order of tags. ok is false when no
// tag matches.
func Latest(template string, tags []string, includePrerelease bool) (tag string, v Version, ok bool) {
	return highest(template, tags, func(c Version) bool {
		return includePrerelease || c.Prerelease == ""
	})
}

// LatestBefore finds the release before v: the highest version below v
// among the tags made by template. A final version skips prereleases, so
// the changelog of 1.3.0 starts at 1.2.x and not at 1.3.0-rc.2; a
// prerelease counts them, so 1.3.0-rc.2 follows 1.3.0-rc.1.
func LatestBefore(template string, tags []string, v Version) (tag string, prev Version, ok bool) {
	return highest(template, tags, func(c Version) bool {
		return Compare(c, v) < 0 && (v.Prerelease != "" || c.Prerelease == "")
	})
}

// highest returns the highest version, made by template, that keep accepts.
func highest(template string, tags []string, keep func(Version) bool) (tag string, v Version, ok bool) {
	for _, t := range tags {
		c, match := VersionFromTag(template, t)
		if !match || !keep(c) {
			continue
		}
		if !ok || Compare(c, v) > 0 || (Compare(c, v) == 0 && t < tag) {
			tag, v, ok = t, c, true
		}
	}
	return tag, v, ok
}
