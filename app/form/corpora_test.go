package form

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// corporaDir holds two public parsers' fixtures (see its README.md).
const corporaDir = "../../../shared/corpora/forms"

// corpusCase is one fixture: a template, a body, the parser's expected output.
type corpusCase struct {
	name     string // "stefanbuck/full-example", "issue-ops/extra"
	template string
	body     string // "" when the fixture has no body (parsed as "")
	expected string
	issueOps bool // expected output in issue-ops/parser's format
}

// diffKind is how our output deliberately differs from a fixture's.
type diffKind int

const (
	// missingKept: the fixture omits a field that has no section; we give
	// it its empty value and list its key in Result.Missing.
	missingKept diffKind = iota
	// unmatchedReported: the fixture keys a section that matches no field
	// by its heading's slug (guessing its type); we list the heading in
	// Result.Unmatched and read no value for it.
	unmatchedReported
)

// difference is one deliberate difference from a fixture's expected output.
type difference struct {
	Case, Key string
	Kind      diffKind
	Reason    string
}

const (
	whyMissing   = "field has no section: we keep its key with the empty value and report it in Missing; the fixture omits it"
	whyUnmatched = "section matches no template field: we report its heading in Unmatched instead of guessing a key and a type from the heading"
)

// corpusDifferences lists every deliberate difference from the fixtures.
// TestCorpora fails on a difference not listed here, and on a listed one
// that no longer occurs.
var corpusDifferences = []difference{
	{"stefanbuck/blank", "textarea-one", missingKept, whyMissing},
	{"stefanbuck/blank", "textarea-two", missingKept, whyMissing},
	{"stefanbuck/paragraph-confusing-hashes", "textarea-two", missingKept, whyMissing},
	{"stefanbuck/paragraph-ignore-codefence", "textarea-two", missingKept, whyMissing},
	{"stefanbuck/paragraph-ignore-codefence-sh", "textarea-two", missingKept, whyMissing},
	{"stefanbuck/mismatched-parsing", "favorite_dish", missingKept, whyMissing},
	{"stefanbuck/mismatched-parsing", "favorite_color", missingKept, whyMissing},
	{"stefanbuck/mismatched-parsing", "your_contact_details", unmatchedReported, whyUnmatched},
	{"stefanbuck/mismatched-parsing", "what_happened", unmatchedReported, whyUnmatched},
	{"stefanbuck/mismatched-parsing", "version", unmatchedReported, whyUnmatched},
	{"stefanbuck/mismatched-parsing", "what_browsers_are_you_seeing_the_problem_on", unmatchedReported, whyUnmatched},
	{"stefanbuck/mismatched-parsing", "what_else", unmatchedReported, whyUnmatched},
	{"stefanbuck/mismatched-parsing", "and_with_that", unmatchedReported, whyUnmatched},
	{"stefanbuck/mismatched-parsing", "checkbox_without_an_id", unmatchedReported, whyUnmatched},
}

// corpusCheckExceptions lists, per fixture, the Check problems it is
// expected to have: the only templates GitHub would refuse.
var corpusCheckExceptions = map[string][]string{}

func init() {
	// stefanbuck's fixtures are body-only fragments with no name and no
	// description, both required by GitHub.
	for _, c := range []string{"blank", "full-example", "mismatched-parsing", "multiple-paragraphs",
		"paragraph-confusing-hashes", "paragraph-ignore-codefence", "paragraph-ignore-codefence-sh", "readme-example"} {
		corpusCheckExceptions["stefanbuck/"+c] = []string{
			"required top-level key `name` is missing",
			"required top-level key `description` is missing",
		}
	}
}

// loadCorpus finds the fixtures, skipping the test when they are absent.
func loadCorpus(t *testing.T) []corpusCase {
	t.Helper()
	if _, err := os.Stat(corporaDir); err != nil {
		t.Skipf("corpora not present: %v", err)
	}
	var cases []corpusCase
	sb := filepath.Join(corporaDir, "stefanbuck-github-issue-parser", "fixtures")
	for _, d := range listDirs(t, sb) {
		dir := filepath.Join(sb, d)
		c := corpusCase{name: "stefanbuck/" + d, template: filepath.Join(dir, "form.yml"), expected: filepath.Join(dir, "expected.json")}
		if _, err := os.Stat(filepath.Join(dir, "issue-body.md")); err == nil {
			c.body = filepath.Join(dir, "issue-body.md")
		}
		cases = append(cases, c)
	}
	io := filepath.Join(corporaDir, "issue-ops-parser", "__fixtures__")
	for _, d := range listDirs(t, io) {
		dir := filepath.Join(io, d)
		c := corpusCase{name: "issue-ops/" + d, template: filepath.Join(dir, "template.yml"),
			body: filepath.Join(dir, "issue.md"), expected: filepath.Join(dir, "parsed-issue.json"), issueOps: true}
		if d == "example" {
			c.template = filepath.Join(dir, ".github", "ISSUE_TEMPLATE", "template.yml")
			c.expected = filepath.Join(dir, "parsed-issue-with-template.json")
		}
		cases = append(cases, c)
	}
	if len(cases) < 15 {
		t.Fatalf("found only %d corpus cases", len(cases))
	}
	return cases
}

func listDirs(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCorpora parses every fixture and compares the meaning of our output
// with the fixture's expected output, allowing only corpusDifferences.
func TestCorpora(t *testing.T) {
	used := map[difference]bool{}
	for _, c := range loadCorpus(t) {
		t.Run(c.name, func(t *testing.T) {
			tmpl, err := ParseTemplate(readFile(t, c.template))
			if err != nil {
				t.Fatal(err)
			}
			body := string(readFile(t, c.body))
			r := Parse(tmpl, body)
			var want map[string]Value
			if c.issueOps {
				want = issueOpsMeaning(t, tmpl, readFile(t, c.expected))
			} else {
				want = stefanbuckMeaning(t, readFile(t, c.expected))
			}
			for _, d := range compareMeaning(t, c.name, tmpl, body, r, want) {
				used[d] = true
			}
		})
	}
	for _, d := range corpusDifferences {
		if !used[d] {
			t.Errorf("listed difference no longer occurs: %+v", d)
		}
	}
}

// compareMeaning compares r with want key by key; every mismatch must be a
// listed difference whose kind holds. It returns the differences it used.
func compareMeaning(t *testing.T, name string, tmpl *Template, body string, r Result, want map[string]Value) []difference {
	t.Helper()
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	for k := range r.Values {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var used []difference
	for _, k := range keys {
		got, gok := r.Values[k]
		exp, eok := want[k]
		if gok && eok && sameValue(got, exp) {
			continue
		}
		d, listed := findDifference(name, k)
		if !listed {
			t.Errorf("key %q: got %+v (present %v), fixture wants %+v (present %v)", k, got, gok, exp, eok)
			continue
		}
		checkDifference(t, d, tmpl, body, r, exp)
		used = append(used, d)
	}
	return used
}

func findDifference(name, key string) (difference, bool) {
	for _, d := range corpusDifferences {
		if d.Case == name && d.Key == key {
			return d, true
		}
	}
	return difference{}, false
}

// checkDifference asserts that a listed difference is the one described.
func checkDifference(t *testing.T, d difference, tmpl *Template, body string, r Result, exp Value) {
	t.Helper()
	switch d.Kind {
	case missingKept:
		v, ok := r.Values[d.Key]
		if !ok || !isEmpty(v) || !slices.Contains(r.Missing, d.Key) {
			t.Errorf("%s: want empty value and key in Missing, got %+v, Missing %v", d.Key, v, r.Missing)
		}
	case unmatchedReported:
		if _, ok := r.Values[d.Key]; ok {
			t.Errorf("%s: unexpectedly a template key", d.Key)
		}
		found := false
		for _, h := range r.Unmatched {
			found = found || Slug(h) == d.Key
		}
		if !found {
			t.Errorf("%s: no Unmatched heading slugs to it: %q", d.Key, r.Unmatched)
		}
		// The raw section is still there for whoever wants it.
		if raw, ok := ParseRaw(body)[d.Key]; !ok || (exp.Kind == Text && raw != exp.Text) {
			t.Errorf("%s: ParseRaw gives %q, fixture %q", d.Key, raw, exp.Text)
		}
	}
}

// sameValue compares values by meaning: an empty list is an empty list.
func sameValue(a, b Value) bool {
	if a.Kind != b.Kind {
		return false
	}
	if a.Kind == Text {
		return a.Text == b.Text
	}
	return len(a.List) == len(b.List) && (len(a.List) == 0 || reflect.DeepEqual(a.List, b.List))
}

// stefanbuckMeaning converts github-issue-parser output: strings and arrays
// (checkbox lists); a key absent means the body had no such section.
func stefanbuckMeaning(t *testing.T, data []byte) map[string]Value {
	t.Helper()
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	out := map[string]Value{}
	for k, v := range raw {
		out[k] = jsonValue(t, v)
	}
	return out
}

func jsonValue(t *testing.T, v any) Value {
	t.Helper()
	switch v := v.(type) {
	case string:
		return Value{Kind: Text, Text: v}
	case []any:
		out := Value{Kind: List}
		for _, s := range v {
			out.List = append(out.List, s.(string))
		}
		return out
	}
	t.Fatalf("unexpected JSON value %#v", v)
	return Value{}
}

// issueOpsMeaning converts issue-ops/parser output to ours: a dropdown is
// always an array there (one element, or none, for a single choice);
// checkboxes are {selected, unselected}; an empty input or textarea is
// omitted, which means "".
func issueOpsMeaning(t *testing.T, tmpl *Template, data []byte) map[string]Value {
	t.Helper()
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	out := map[string]Value{}
	for _, f := range inputFields(tmpl) {
		v, ok := raw[f.Key()]
		delete(raw, f.Key())
		switch {
		case !ok:
			out[f.Key()] = emptyValue(f)
		case f.Type == Checkboxes:
			out[f.Key()] = issueOpsCheckboxes(t, f, v.(map[string]any))
		case f.Type == Dropdown && !f.Multiple:
			list := jsonValue(t, v).List
			if len(list) > 1 {
				t.Fatalf("%s: single dropdown with %d values", f.Key(), len(list))
			}
			out[f.Key()] = Value{Kind: Text, Text: strings.Join(list, "")}
		default:
			out[f.Key()] = jsonValue(t, v)
		}
	}
	for k, v := range raw {
		out[k] = jsonValue(t, v) // keys outside the template: compared as extras
	}
	return out
}

// issueOpsCheckboxes takes the selected labels, after checking that
// selected and unselected together are exactly the options.
func issueOpsCheckboxes(t *testing.T, f Field, v map[string]any) Value {
	t.Helper()
	sel := jsonValue(t, v["selected"])
	all := append(slices.Clone(sel.List), jsonValue(t, v["unselected"]).List...)
	var opts []string
	for _, o := range f.Options {
		opts = append(opts, o.Label)
	}
	slices.Sort(all)
	slices.Sort(opts)
	if !slices.Equal(all, opts) {
		t.Errorf("%s: selected+unselected %q are not the options %q", f.Key(), all, opts)
	}
	return sel
}

// TestCorporaNoTemplate compares ParseRaw with issue-ops/parser's output
// without a template (its own test's only no-template case).
func TestCorporaNoTemplate(t *testing.T) {
	loadCorpus(t)
	dir := filepath.Join(corporaDir, "issue-ops-parser", "__fixtures__", "example")
	var want map[string]string
	if err := json.Unmarshal(readFile(t, filepath.Join(dir, "parsed-issue-no-template.json")), &want); err != nil {
		t.Fatal(err)
	}
	got := ParseRaw(string(readFile(t, filepath.Join(dir, "issue.md"))))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseRaw:\n got %q\nwant %q", got, want)
	}
}

// TestCorporaTemplates compares ParseTemplate with issue-ops/parser's
// parsed-template.json, and runs Check on every corpus template.
func TestCorporaTemplates(t *testing.T) {
	for _, c := range loadCorpus(t) {
		t.Run(c.name, func(t *testing.T) {
			data := readFile(t, c.template)
			checkCorpusTemplate(t, c.name, data)
			pt := filepath.Join(filepath.Dir(c.expected), "parsed-template.json")
			if _, err := os.Stat(pt); err != nil {
				return
			}
			tmpl, err := ParseTemplate(data)
			if err != nil {
				t.Fatal(err)
			}
			compareParsedTemplate(t, tmpl, readFile(t, pt))
		})
	}
}

// checkCorpusTemplate asserts Check finds exactly the listed problems.
func checkCorpusTemplate(t *testing.T, name string, data []byte) {
	t.Helper()
	want := corpusCheckExceptions[name]
	var got []string
	for _, p := range Check(data) {
		got = append(got, p.Message)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Check problems:\n got %q\nwant %q", got, want)
	}
}

// compareParsedTemplate compares fields with issue-ops' parsed template:
// key -> {label, type, required, multiple, options}.
func compareParsedTemplate(t *testing.T, tmpl *Template, data []byte) {
	t.Helper()
	type option struct {
		Label    string `json:"label"`
		Required bool   `json:"required"`
	}
	type field struct {
		Label    string            `json:"label"`
		Type     string            `json:"type"`
		Required bool              `json:"required"`
		Multiple bool              `json:"multiple"`
		Options  []json.RawMessage `json:"options"`
	}
	var want map[string]field
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	fields := inputFields(tmpl)
	if len(fields) != len(want) {
		t.Errorf("%d fields, parsed-template.json has %d", len(fields), len(want))
	}
	for _, f := range fields {
		w, ok := want[f.Key()]
		if !ok {
			t.Errorf("key %q not in parsed-template.json", f.Key())
			continue
		}
		if w.Label != f.Label || w.Type != string(f.Type) || w.Required != f.Required || w.Multiple != f.Multiple || len(w.Options) != len(f.Options) {
			t.Errorf("%s: got %+v, want %+v", f.Key(), f, w)
			continue
		}
		for i, raw := range w.Options {
			var o option
			if json.Unmarshal(raw, &o.Label) != nil {
				if err := json.Unmarshal(raw, &o); err != nil {
					t.Fatal(err)
				}
			}
			if o != (option{f.Options[i].Label, f.Options[i].Required}) {
				t.Errorf("%s option %d: got %+v, want %+v", f.Key(), i, f.Options[i], o)
			}
		}
	}
}
