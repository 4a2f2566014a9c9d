package release

import (
	"strings"
	"testing"
)

func TestTagName(t *testing.T) {
	tests := []struct{ template, version, want string }{
		{"v{version}", "1.4.0", "v1.4.0"},
		{"{version}", "1.4.0-rc.1", "1.4.0-rc.1"},
		{"api-v{version}", "2.0.0+b.1", "api-v2.0.0+b.1"},
		{"r/{version}/{version}", "1.0.0", "r/1.0.0/1.0.0"},
		{"latest", "1.0.0", "latest"},
	}
	for _, tt := range tests {
		if got := TagName(tt.template, mustVersion(t, tt.version)); got != tt.want {
			t.Errorf("TagName(%q, %s) = %q, want %q", tt.template, tt.version, got, tt.want)
		}
	}
}

func TestExpand(t *testing.T) {
	v := mustVersion(t, "v1.4.0")
	for template, want := range map[string]string{
		"api {version}": "api 1.4.0", "{version}": "1.4.0", "{version} ({version})": "1.4.0 (1.4.0)", "x": "x",
	} {
		if got := Expand(template, v); got != want {
			t.Errorf("Expand(%q) = %q, want %q", template, got, want)
		}
	}
}

func TestTagPrefix(t *testing.T) {
	for template, want := range map[string]string{
		"v{version}": "v", "{version}": "", "api-v{version}-x{version}": "api-v", "latest": "latest",
	} {
		if got := TagPrefix(template); got != want {
			t.Errorf("TagPrefix(%q) = %q, want %q", template, got, want)
		}
	}
}

func TestVersionFromTag(t *testing.T) {
	tests := []struct {
		template, tag, want string // want "" for no match
	}{
		{"v{version}", "v1.4.0", "1.4.0"},
		{"v{version}", "v1.4.0-rc.1+b.2", "1.4.0-rc.1+b.2"},
		{"v{version}", "1.4.0", ""},
		{"v{version}", "vv1.4.0", ""},
		{"v{version}", "v1.4", ""},
		{"v{version}", "v01.4.0", ""},
		{"v{version}", "v", ""},
		{"v{version}", "v1.4.0 ", ""},
		{"{version}", "1.4.0", "1.4.0"},
		{"{version}", "v1.4.0", ""},
		{"api-{version}", "api-1.0.0", "1.0.0"},
		{"api-{version}", "web-1.0.0", ""},
		{"api-{version}-final", "api-1.0.0-final", "1.0.0"},
		{"api-{version}-final", "api-1.0.0-rc.1-final", "1.0.0-rc.1"},
		{"api-{version}-final", "api-1.0.0", ""},
		{"r/{version}/{version}", "r/1.0.0/1.0.0", "1.0.0"},
		{"r/{version}/{version}", "r/1.0.0/1.0.1", ""},
		{"r/{version}/{version}", "r/1.0.0/1.0.00", ""},
		{"latest", "latest", ""},
		{"v{version}", "v1.0.0-" + strings.Repeat("a", MaxVersionLength), ""},
	}
	for _, tt := range tests {
		v, ok := VersionFromTag(tt.template, tt.tag)
		if ok != (tt.want != "") || (ok && v.String() != tt.want) {
			t.Errorf("VersionFromTag(%q, %q) = %s, %v; want %q", tt.template, tt.tag, v, ok, tt.want)
		}
	}
}

func TestLatest(t *testing.T) {
	tags := []string{"v1.2.0", "web-v9.0.0", "v1.10.0-rc.1", "v1.9.0", "v1.10.0-rc.2", "vnext", "v0.9.0", "v1.9.0+b"}
	tests := []struct {
		name       string
		tags       []string
		prerelease bool
		want       string // "" for none
	}{
		{"finals", tags, false, "v1.9.0"},
		{"with prereleases", tags, true, "v1.10.0-rc.2"},
		{"order does not matter", []string{"v1.9.0+b", "v1.9.0", "v0.9.0"}, false, "v1.9.0"},
		{"only prereleases", []string{"v2.0.0-rc.1"}, false, ""},
		{"none match", []string{"1.0.0", "web-v1.0.0"}, true, ""},
		{"no tags", nil, true, ""},
	}
	for _, tt := range tests {
		tag, v, ok := Latest("v{version}", tt.tags, tt.prerelease)
		if ok != (tt.want != "") || tag != tt.want || (ok && TagName("v{version}", v) != tag) {
			t.Errorf("%s: Latest = %q, %s, %v; want %q", tt.name, tag, v, ok, tt.want)
		}
	}
}

func TestLatestBefore(t *testing.T) {
	tags := []string{"v1.2.0", "v1.3.0-rc.1", "v1.3.0-rc.2", "v1.3.0", "v2.0.0", "v0.1.0"}
	tests := []struct{ version, want string }{
		{"1.3.0", "v1.2.0"},
		{"1.3.1", "v1.3.0"},
		{"1.3.0-rc.2", "v1.3.0-rc.1"},
		{"1.3.0-rc.1", "v1.2.0"},
		{"1.3.0-rc.3", "v1.3.0-rc.2"},
		{"1.5.0", "v1.3.0"},
		{"9.0.0", "v2.0.0"},
		{"1.2.0", "v0.1.0"},
		{"0.1.0", ""},
		{"1.3.0+b", "v1.2.0"},
	}
	for _, tt := range tests {
		tag, v, ok := LatestBefore("v{version}", tags, mustVersion(t, tt.version))
		if ok != (tt.want != "") || tag != tt.want || (ok && Compare(v, mustVersion(t, tt.version)) >= 0) {
			t.Errorf("LatestBefore(%s) = %q, %s, %v; want %q", tt.version, tag, v, ok, tt.want)
		}
	}
}

func FuzzVersionFromTag(f *testing.F) {
	for _, s := range [][3]string{
		{"v", "", "1.4.0"}, {"api-", "-final", "1.0.0-rc.1+b"}, {"", "", "0.0.0"},
		{"r/", "/{version}", "1.0.0"}, {"{", "version}", "1.2.3"}, {"", "{version}{version}", "2.0.0-x.7"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, before, after, version string) {
		template := before + Placeholder + after
		v, err := ParseVersion(version)
		if err != nil {
			// Any tag at all: whatever is read must make the tag back.
			if got, ok := VersionFromTag(template, version); ok && TagName(template, got) != version {
				t.Fatalf("VersionFromTag(%q, %q) = %s, which tags as %q", template, version, got, TagName(template, got))
			}
			return
		}
		tag := TagName(template, v)
		got, ok := VersionFromTag(template, tag)
		if !ok || got != v {
			t.Fatalf("VersionFromTag(%q, %q) = %s, %v; want %s", template, tag, got, ok, v)
		}
		if !strings.HasPrefix(tag, TagPrefix(template)) {
			t.Fatalf("tag %q lacks prefix %q", tag, TagPrefix(template))
		}
		if latest, lv, ok := Latest(template, []string{tag, "x" + tag}, true); !ok || latest != tag || lv != v {
			t.Fatalf("Latest(%q) = %q, %s, %v", template, latest, lv, ok)
		}
	})
}
