package githubtest

import (
	"testing"
	"time"
)

func TestParseCreated(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		filter   string
		in, out  []string
		parseErr bool
	}{
		{filter: ">=2024-05-01T10:00:00Z", in: []string{"2024-05-01T10:00:00Z", "2030-01-01T00:00:00Z"}, out: []string{"2024-05-01T09:59:59Z"}},
		{filter: ">2024-05-01T10:00:00Z", in: []string{"2024-05-01T10:00:01Z"}, out: []string{"2024-05-01T10:00:00Z"}},
		{filter: "<=2024-05-01T10:00:00Z", in: []string{"2024-05-01T10:00:00Z"}, out: []string{"2024-05-01T10:00:01Z"}},
		{filter: "<2024-05-01T10:00:00Z", in: []string{"2024-05-01T09:59:59Z"}, out: []string{"2024-05-01T10:00:00Z"}},
		{filter: ">=2024-05-01", in: []string{"2024-05-01T00:00:00Z"}, out: []string{"2024-04-30T23:59:59Z"}},
		{filter: ">2024-05-01", in: []string{"2024-05-02T00:00:00Z"}, out: []string{"2024-05-01T23:59:59Z"}},
		{filter: "<=2024-05-01", in: []string{"2024-05-01T23:59:59Z"}, out: []string{"2024-05-02T00:00:00Z"}},
		{filter: "2024-05-01", in: []string{"2024-05-01T00:00:00Z", "2024-05-01T23:59:59Z"}, out: []string{"2024-05-02T00:00:00Z", "2024-04-30T23:59:59Z"}},
		{filter: "2024-05-01..2024-05-03", in: []string{"2024-05-01T00:00:00Z", "2024-05-03T23:59:59Z"}, out: []string{"2024-05-04T00:00:00Z"}},
		{filter: "2024-05-01T10:00:00Z..*", in: []string{"2099-01-01T00:00:00Z"}, out: []string{"2024-05-01T09:00:00Z"}},
		{filter: "*..2024-05-01", in: []string{"1999-01-01T00:00:00Z"}, out: []string{"2024-05-02T00:00:00Z"}},
		{filter: "*..*", in: []string{"1999-01-01T00:00:00Z"}},
		{filter: ">=2024-05-01T12:00:00+02:00", in: []string{"2024-05-01T10:00:00Z"}, out: []string{"2024-05-01T09:59:59Z"}},
		{filter: ">=2024-05-01T12:00:00 02:00", in: []string{"2024-05-01T10:00:00Z"}, out: []string{"2024-05-01T09:59:59Z"}}, // unescaped +
		{filter: ">=2024-05-01T10:00:00", in: []string{"2024-05-01T10:00:00Z"}, out: []string{"2024-05-01T09:59:59Z"}},       // UTC
		{filter: ">=2024-05-01T10:00:00.9Z", in: []string{"2024-05-01T10:00:00Z"}, out: []string{"2024-05-01T09:59:59Z"}},    // whole seconds
		{filter: "yesterday", parseErr: true},
		{filter: ">=", parseErr: true},
		{filter: "2024-05-01..", parseErr: true},
		{filter: "2024-13-01", parseErr: true},
	} {
		r, ok := parseCreated(c.filter)
		if ok == c.parseErr {
			t.Errorf("parseCreated(%q) ok = %v", c.filter, ok)
			continue
		}
		for _, s := range c.in {
			if !r.contains(at(s)) {
				t.Errorf("%q does not contain %s", c.filter, s)
			}
		}
		for _, s := range c.out {
			if r.contains(at(s)) {
				t.Errorf("%q contains %s", c.filter, s)
			}
		}
	}
	// Sub-second creation times compare at GitHub's one-second resolution.
	r, _ := parseCreated(">=2024-05-01T10:00:00Z")
	if !r.contains(at("2024-05-01T10:00:00Z").Add(999 * time.Millisecond)) {
		t.Error("a run created within the filter's second is out")
	}
}

func FuzzParseCreated(f *testing.F) {
	for _, s := range []string{">=2024-05-01T10:00:00Z", "<2024-05-01", "2024-05-01..*", "*..2024-05-01T10:00:00+01:00",
		"2024-05-01", ">", "..", "2024-05-01T10:00:00 01:00", ">=9999-12-31T23:59:59Z"} {
		f.Add(s, int64(1714557600))
	}
	f.Fuzz(func(t *testing.T, filter string, unix int64) {
		r, ok := parseCreated(filter)
		if !ok {
			return
		}
		if r.hasFrom && r.hasTo && r.from.Before(r.to) && (!r.contains(r.from) || r.contains(r.to)) {
			t.Fatalf("%q: [%v, %v) is not half-open", filter, r.from, r.to)
		}
		if r.hasFrom && r.contains(r.from.Add(-time.Second)) {
			t.Fatalf("%q contains the second before its start %v", filter, r.from)
		}
		// Every date-time the API writes bounds a range exactly.
		secs := unix % (1 << 37) // years 1970 to 6325, which RFC 3339 writes
		if secs < 0 {
			secs = -secs
		}
		at := time.Unix(secs, 0).UTC()
		ge, ok := parseCreated(">=" + at.Format(time.RFC3339))
		if !ok || !ge.contains(at) || ge.contains(at.Add(-time.Second)) {
			t.Fatalf(">=%s: ok %v, range %+v", at.Format(time.RFC3339), ok, ge)
		}
		lt, ok := parseCreated("<" + at.Format(time.RFC3339))
		if !ok || lt.contains(at) || !lt.contains(at.Add(-time.Second)) {
			t.Fatalf("<%s: ok %v, range %+v", at.Format(time.RFC3339), ok, lt)
		}
	})
}
