package form

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fuzzTemplates are the templates FuzzParse picks from.
var fuzzTemplates = []string{
	releaseForm,
	`name: dup
description: labels shared, ids differ
body:
  - {type: input, id: a, attributes: {label: Name}}
  - {type: textarea, id: b, attributes: {label: Name}}
  - {type: dropdown, id: c, attributes: {label: "a, b", multiple: true, options: ["a, b", a, b, "b, c", c]}}
  - {type: checkboxes, id: d, attributes: {label: "### x", options: [{label: "- [x] y"}, {label: None}]}}
`,
	`name: lenient
body:
  - {type: textarea, attributes: {label: "", render: md}}
  - {type: dropdown, attributes: {label: " Pick  me ", options: []}}
  - {type: checkboxes, attributes: {label: Pick me}}
`,
}

// corpusBodies returns the fixture bodies, as fuzz seeds, if present.
func corpusBodies() []string {
	var out []string
	paths, _ := filepath.Glob(filepath.Join(corporaDir, "*", "*", "*", "issue*.md"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			out = append(out, string(b))
		}
	}
	return out
}

func FuzzParse(f *testing.F) {
	var tmpls []*Template
	for _, y := range fuzzTemplates {
		tmpls = append(tmpls, mustTemplate(f, y))
	}
	seeds := append(corpusBodies(), fullBody, bigBody()[:600], "### Version\r\n1\r\n~~~\r\n### Logs\r\n")
	for i, s := range seeds {
		f.Add(uint8(i), s)
	}
	for _, s := range adversarialBodies() {
		f.Add(uint8(0), s[:300])
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		tmpl := tmpls[int(which)%len(tmpls)]
		r := Parse(tmpl, body)
		checkResult(t, tmpl, r)
		Validate(tmpl, r)
	})
}

// checkResult asserts Result's invariants against its template.
func checkResult(t *testing.T, tmpl *Template, r Result) {
	t.Helper()
	fields := map[string]Field{}
	for _, f := range inputFields(tmpl) {
		fields[f.Key()] = f
		if _, ok := r.Values[f.Key()]; !ok {
			t.Fatalf("no value for field %q", f.Key())
		}
	}
	for k, v := range r.Values {
		f, ok := fields[k]
		if !ok {
			t.Fatalf("value for %q, which is no field's key", k)
		}
		if v.Kind != emptyValue(f).Kind {
			t.Fatalf("%q: kind %v for a %s", k, v.Kind, f.Type)
		}
		if v.Text != strings.TrimSpace(v.Text) && f.Render == "" {
			t.Fatalf("%q: value not trimmed: %q", k, v.Text)
		}
	}
	for _, k := range r.Missing {
		if _, ok := fields[k]; !ok || !isEmpty(r.Values[k]) {
			t.Fatalf("missing %q: field %v, value %+v", k, ok, r.Values[k])
		}
	}
	for k := range r.Invalid {
		if _, ok := fields[k]; !ok || slices.Contains(r.Missing, k) {
			t.Fatalf("invalid %q: not a field, or missing", k)
		}
	}
	for _, h := range r.Unmatched {
		if h == "" || h != strings.TrimSpace(h) || strings.Contains(h, "\n") {
			t.Fatalf("bad Unmatched heading %q", h)
		}
		// An unmatched heading cannot be the label of a field left missing.
		for _, k := range r.Missing {
			if normLabel(fields[k].Label) == normLabel(h) {
				t.Fatalf("heading %q unmatched while field %q is missing", h, k)
			}
		}
	}
}

func FuzzParseRaw(f *testing.F) {
	for _, s := range append(corpusBodies(), fullBody, "### A\r\n```\r\n### B\r\n```\r\n### C") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		raw := ParseRaw(body)
		for k, v := range raw {
			if Slug(k) != k {
				t.Fatalf("key %q is not a slug", k)
			}
			if v != strings.TrimSpace(v) || strings.Contains(v, "\r") {
				t.Fatalf("value %q not trimmed or has CR", v)
			}
		}
		// Without a template every heading is a section of its own, so
		// Parse reports exactly the headings ParseRaw keys.
		keys := map[string]bool{}
		for _, h := range Parse(nil, body).Unmatched {
			keys[Slug(h)] = true
		}
		if len(keys) != len(raw) {
			t.Fatalf("ParseRaw keys %d sections, Parse reports %d", len(raw), len(keys))
		}
		for k := range raw {
			if !keys[k] {
				t.Fatalf("ParseRaw key %q not among Parse's headings", k)
			}
		}
	})
}

func FuzzParseTemplate(f *testing.F) {
	for _, y := range fuzzTemplates {
		f.Add([]byte(y))
	}
	paths, _ := filepath.Glob(filepath.Join(corporaDir, "*", "*", "*", "*.yml"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(aliasBomb()))
	f.Add([]byte("name: a\n\tbody: [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tmpl, err := ParseTemplate(data)
		problems := Check(data)
		checkSyntaxAgreement(t, err, problems)
		if err != nil {
			return
		}
		checkTemplate(t, data, tmpl)
		if len(problems) == 0 {
			checkValidTemplate(t, data, tmpl)
		}
	})
}

// checkSyntaxAgreement asserts ParseTemplate fails with a syntax error at
// line N exactly when Check reports a syntax error at line N, and only that.
func checkSyntaxAgreement(t *testing.T, err error, problems []Problem) {
	t.Helper()
	var syn *syntaxError
	isSyn := errors.As(err, &syn)
	checkSyn := len(problems) > 0 && strings.HasPrefix(problems[0].Message, "YAML syntax error")
	if isSyn != checkSyn {
		t.Fatalf("ParseTemplate: %v; Check: %v", err, problems)
	}
	if isSyn && (len(problems) != 1 || problems[0].Line != syn.line) {
		t.Fatalf("ParseTemplate: %v; Check: %v", err, problems)
	}
}

// checkTemplate asserts what ParseTemplate promises of any template.
func checkTemplate(t *testing.T, data []byte, tmpl *Template) {
	t.Helper()
	lines := bytes.Count(data, []byte("\n")) + 1
	for _, f := range tmpl.Fields {
		if f.Line < 1 || f.Line > lines {
			t.Fatalf("field line %d outside 1..%d", f.Line, lines)
		}
		if f.Default < -1 || f.Default >= len(f.Options) || (f.Default >= 0 && f.Type != Dropdown) {
			t.Fatalf("default %d with %d options on a %s", f.Default, len(f.Options), f.Type)
		}
		if f.Type == Markdown && (f.ID != "" || f.Label != "" || f.Options != nil) {
			t.Fatalf("markdown with content: %+v", f)
		}
	}
}

// checkValidTemplate asserts what a template Check accepts guarantees: every
// element read, labels set, keys unique.
func checkValidTemplate(t *testing.T, data []byte, tmpl *Template) {
	t.Helper()
	root, _ := loadYAML(data)
	if n := len(items(get(root, "body"))); n != len(tmpl.Fields) {
		t.Fatalf("valid template: %d elements but %d fields", n, len(tmpl.Fields))
	}
	keys := map[string]bool{}
	for _, f := range inputFields(tmpl) {
		if strings.TrimSpace(f.Label) == "" || keys[f.Key()] || f.Key() == "" {
			t.Fatalf("valid template: field %+v (label empty or key repeated)", f)
		}
		keys[f.Key()] = true
		if (f.Type == Dropdown || f.Type == Checkboxes) && len(f.Options) == 0 {
			t.Fatalf("valid template: %s without options", f.Type)
		}
	}
}

// FuzzRoundTrip renders answers the way GitHub does and parses them back:
// a textarea answer with the user's own markdown (headings included) and an
// input answer must come back as written, trimmed. Answers with fences or
// with a line that is another field's heading are skipped: those are the
// documented limits of reading a rendered body.
func FuzzRoundTrip(f *testing.F) {
	tmpl := mustTemplate(f, releaseForm)
	f.Add("1.2.3", "### Features\n\n- a\r\n#### b\n\n_No response_ here")
	f.Add("None", "_No response_")
	f.Add(" v ", "   ### Mine\n    ### code\n")
	f.Fuzz(func(t *testing.T, version, notes string) {
		version, notes = normalizeNewlines(version), normalizeNewlines(notes)
		if strings.Contains(version, "\n") || !plainAnswer(tmpl, version) || !plainAnswer(tmpl, notes) {
			t.Skip()
		}
		body := gh("Version", version, "Release notes", notes, "Logs", "```shell\nok\n```", "Environment", "staging")
		r := Parse(tmpl, body)
		want := map[string]Value{"version": txt(answer(version)), "notes": txt(answer(notes)), "log": txt("ok"), "env": txt("staging")}
		for k, w := range want {
			if got := r.Values[k]; !sameValue(got, w) {
				t.Fatalf("%s = %q, want %q\nbody %q", k, got.Text, w.Text, body)
			}
		}
		if len(r.Unmatched) != 0 || r.Invalid != nil {
			t.Fatalf("Unmatched %q, Invalid %q", r.Unmatched, r.Invalid)
		}
	})
}

// plainAnswer reports whether s has no fence line and no line that is the
// heading of one of tmpl's fields.
func plainAnswer(tmpl *Template, s string) bool {
	labels := map[string]bool{}
	for _, f := range inputFields(tmpl) {
		labels[normLabel(f.Label)] = true
	}
	for _, l := range strings.Split(s, "\n") {
		if ch, _, _ := parseFence(l); ch != 0 {
			return false
		}
		if h, ok := parseHeading(l); ok && labels[normLabel(h)] {
			return false
		}
	}
	return true
}

// answer is what Parse makes of a written answer.
func answer(s string) string {
	if s = strings.TrimSpace(s); noResponse(s) {
		return ""
	}
	return s
}
