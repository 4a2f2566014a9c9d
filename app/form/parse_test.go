package form

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// releaseForm exercises every element type, multiple, default, per-option
// required checkboxes, render, option labels with commas, a label with
// markdown punctuation and a field without id.
const releaseForm = `name: Release
description: Cut a release
title: "Release: "
labels: issueops:release, release
body:
  - type: markdown
    attributes:
      value: "## Fill this in"
  - type: input
    id: version
    attributes:
      label: Version
    validations:
      required: true
  - type: textarea
    id: notes
    attributes:
      label: Release notes
  - type: textarea
    id: log
    attributes:
      label: Logs
      render: shell
  - type: dropdown
    id: env
    attributes:
      label: Environment
      options: [staging, production]
      default: 0
    validations:
      required: true
  - type: dropdown
    id: regions
    attributes:
      label: Regions
      multiple: true
      options:
        - eu-west-1
        - Europe, Middle East, Africa
        - Europe
        - Middle East
        - Africa
        - us-east-1
  - type: checkboxes
    id: checks
    attributes:
      label: Checks
      options:
        - label: I ran the tests
          required: true
        - label: I updated the **changelog**
        - label: "Skip [staging](https://x)?"
  - type: input
    attributes:
      label: "What's *your* ` + "`name`" + ` (optional)?"
`

// punctKey is the key of releaseForm's field without id.
const punctKey = "whats_your_name_optional"

// punctLabel is that field's label.
const punctLabel = "What's *your* `name` (optional)?"

func mustTemplate(t testing.TB, yml string) *Template {
	t.Helper()
	tmpl, err := ParseTemplate([]byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// gh renders label/answer pairs the way GitHub renders a submitted form.
func gh(pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		b.WriteString("### " + pairs[i] + "\n\n" + pairs[i+1] + "\n\n")
	}
	return b.String()
}

func txt(s string) Value        { return Value{Kind: Text, Text: s} }
func list(s ...string) Value    { return Value{Kind: List, List: s} }
func keys(k ...string) []string { return k }
func inv(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// fullBody is releaseForm answered in full, as GitHub renders it.
var fullBody = gh(
	"Version", "1.2.3",
	"Release notes", "Fixes things.\n\nSecond paragraph\nwith a break.",
	"Logs", "```shell\n$ make\nok\n```",
	"Environment", "production",
	"Regions", "eu-west-1, us-east-1",
	"Checks", "- [x] I ran the tests\n- [ ] I updated the **changelog**\n- [X] Skip [staging](https://x)?",
	punctLabel, "Ada",
)

var fullValues = map[string]Value{
	"version": txt("1.2.3"),
	"notes":   txt("Fixes things.\n\nSecond paragraph\nwith a break."),
	"log":     txt("$ make\nok"),
	"env":     txt("production"),
	"regions": list("eu-west-1", "us-east-1"),
	"checks":  list("I ran the tests", "Skip [staging](https://x)?"),
	punctKey:  txt("Ada"),
}

// emptyValues is releaseForm with nothing answered.
var emptyValues = map[string]Value{
	"version": txt(""), "notes": txt(""), "log": txt(""), "env": txt(""),
	"regions": list(), "checks": list(), punctKey: txt(""),
}

var allKeys = keys("version", "notes", "log", "env", "regions", "checks", punctKey)

// with returns base with some values replaced.
func with(base map[string]Value, kv ...any) map[string]Value {
	out := map[string]Value{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1].(Value)
	}
	return out
}

func TestParse(t *testing.T) {
	tmpl := mustTemplate(t, releaseForm)
	tests := []struct {
		name      string
		body      string
		values    map[string]Value
		unmatched []string
		missing   []string
		invalid   map[string]string
	}{
		{name: "every field answered", body: fullBody, values: fullValues},
		{
			name: "no response and None",
			body: gh("Version", "_No response_", "Release notes", "_No response_", "Logs", "_No response_",
				"Environment", "None", "Regions", "_No response_", "Checks", "- [ ] I ran the tests\n- [ ] I updated the **changelog**\n- [ ] Skip [staging](https://x)?",
				punctLabel, "None"),
			values: emptyValues,
		},
		{
			name:    "known label inside fenced code is text",
			body:    gh("Version", "1", "Release notes", "see:\n\n```\n### Version\n2\n```", "Environment", "staging"),
			values:  with(emptyValues, "version", txt("1"), "notes", txt("see:\n\n```\n### Version\n2\n```"), "env", txt("staging")),
			missing: keys("log", "regions", "checks", punctKey),
		},
		{
			name:    "tilde fence closed only by a long enough tilde fence",
			body:    gh("Release notes", "~~~~md\n~~~\n### Version\n````\n~~~~~", "Version", "3"),
			values:  with(emptyValues, "notes", txt("~~~~md\n~~~\n### Version\n````\n~~~~~"), "version", txt("3")),
			missing: keys("log", "env", "regions", "checks", punctKey),
		},
		{
			name:    "own heading inside a textarea answer stays in it",
			body:    gh("Release notes", "### Features\n\n- a\n\n### Fixes\n\n- b", "Version", "1"),
			values:  with(emptyValues, "notes", txt("### Features\n\n- a\n\n### Fixes\n\n- b"), "version", txt("1")),
			missing: keys("log", "env", "regions", "checks", punctKey),
		},
		{
			name:    "deeper headings are text",
			body:    gh("Version", "1\n#### Version\n##### x"),
			values:  with(emptyValues, "version", txt("1\n#### Version\n##### x")),
			missing: keys("notes", "log", "env", "regions", "checks", punctKey),
		},
		{
			name:    "headings without blank lines",
			body:    "### Version\n1.0\n### Release notes\nline one\nline two\n### Environment\nstaging",
			values:  with(emptyValues, "version", txt("1.0"), "notes", txt("line one\nline two"), "env", txt("staging")),
			missing: keys("log", "regions", "checks", punctKey),
		},
		{
			name:   "CRLF and lone CR",
			body:   strings.ReplaceAll(fullBody, "\n", "\r\n"),
			values: fullValues,
		},
		{
			name:   "old Mac CR",
			body:   strings.ReplaceAll(fullBody, "\n", "\r"),
			values: fullValues,
		},
		{
			name:    "indented headings up to three spaces; four is code",
			body:    "   ### Version\n\n1\n\n    ### Environment\n",
			values:  with(emptyValues, "version", txt("1\n\n    ### Environment")),
			missing: keys("notes", "log", "env", "regions", "checks", punctKey),
		},
		{
			name:    "whitespace differences in headings",
			body:    "###   Release    notes   \n\nx\n\n###\tVersion\t\n\n2",
			values:  with(emptyValues, "notes", txt("x"), "version", txt("2")),
			missing: keys("log", "env", "regions", "checks", punctKey),
		},
		{
			name:    "option labels with commas prefer the longest option",
			body:    gh("Regions", "Europe, Middle East, Africa, us-east-1"),
			values:  with(emptyValues, "regions", list("Europe, Middle East, Africa", "us-east-1")),
			missing: keys("version", "notes", "log", "env", "checks", punctKey),
		},
		{
			name:    "option labels with commas split by options",
			body:    gh("Regions", "Europe, Africa, eu-west-1"),
			values:  with(emptyValues, "regions", list("Europe", "Africa", "eu-west-1")),
			missing: keys("version", "notes", "log", "env", "checks", punctKey),
		},
		{
			name:    "multiple dropdown answer not among options",
			body:    gh("Regions", "Mars, us-east-1"),
			values:  with(emptyValues, "regions", list("Mars", "us-east-1")),
			missing: keys("version", "notes", "log", "env", "checks", punctKey),
			invalid: inv("regions", "`Mars` is not one of the options"),
		},
		{
			name:    "single dropdown answer not among options",
			body:    gh("Environment", "qa"),
			values:  with(emptyValues, "env", txt("qa")),
			missing: keys("version", "notes", "log", "regions", "checks", punctKey),
			invalid: inv("env", "`qa` is not one of the options"),
		},
		{
			name:    "several values for a single dropdown",
			body:    gh("Environment", "staging, production"),
			values:  with(emptyValues, "env", txt("staging, production")),
			missing: keys("version", "notes", "log", "regions", "checks", punctKey),
			invalid: inv("env", "choose only one option, not `staging`, `production`"),
		},
		{
			name:    "checkbox line naming no option",
			body:    gh("Checks", "- [x] I ran the tests\n- [x] Deploy on Friday\n- [] I updated the **changelog**"),
			values:  with(emptyValues, "checks", list("I ran the tests")),
			missing: keys("version", "notes", "log", "env", "regions", punctKey),
			invalid: inv("checks", "the line `- [x] Deploy on Friday` is not a checkbox of this field"),
		},
		{
			name:    "checkbox lines out of order give template order",
			body:    gh("Checks", "- [x] Skip [staging](https://x)?\n- [x] I ran the tests"),
			values:  with(emptyValues, "checks", list("I ran the tests", "Skip [staging](https://x)?")),
			missing: keys("version", "notes", "log", "env", "regions", punctKey),
		},
		{
			name:    "render textarea without GitHub's fence is kept",
			body:    gh("Logs", "plain\n### Heading inside"),
			values:  with(emptyValues, "log", txt("plain")),
			missing: keys("version", "notes", "env", "regions", "checks", punctKey),
			// A rendered textarea cannot hold the user's headings: its
			// answer is fenced, so this one is a section of its own.
			unmatched: keys("Heading inside"),
		},
		{
			name:    "render textarea with a heading inside its fence",
			body:    gh("Logs", "```shell\n### not a heading\n  indented\n```"),
			values:  with(emptyValues, "log", txt("### not a heading\n  indented")),
			missing: keys("version", "notes", "env", "regions", "checks", punctKey),
		},
		{
			name:      "template changed: extra section after a dropdown, field missing",
			body:      gh("Version", "1", "Environment", "None", "Ticket", "JIRA-1\n\n`www.example.com`", "Release notes", "n"),
			values:    with(emptyValues, "version", txt("1"), "notes", txt("n")),
			unmatched: keys("Ticket"),
			missing:   keys("log", "regions", "checks", punctKey),
		},
		{
			name:    "a heading typed into an input is its answer",
			body:    gh("Version", "### 0", "Release notes", "x"),
			values:  with(emptyValues, "version", txt("### 0"), "notes", txt("x")),
			missing: keys("log", "env", "regions", "checks", punctKey),
		},
		{
			name:      "a section after an input left blank is not its answer",
			body:      "### Version\n\n### Extra\n\nfoo\n\n### Release notes\n\nx",
			values:    with(emptyValues, "notes", txt("x")),
			unmatched: keys("Extra"),
			missing:   keys("log", "env", "regions", "checks", punctKey),
		},
		{
			name:      "unknown heading before any section",
			body:      "intro text\n\n### Summary\n\nhi\n\n" + gh("Version", "1"),
			values:    with(emptyValues, "version", txt("1")),
			unmatched: keys("Summary"),
			missing:   keys("notes", "log", "env", "regions", "checks", punctKey),
		},
		{
			name:      "a field's heading twice: the second is unmatched",
			body:      gh("Version", "1", "Version", "2"),
			values:    with(emptyValues, "version", txt("1")),
			unmatched: keys("Version"),
			missing:   keys("notes", "log", "env", "regions", "checks", punctKey),
		},
		{
			name:    "sections out of template order",
			body:    gh(punctLabel, "Ada", "Environment", "staging", "Version", "9"),
			values:  with(emptyValues, punctKey, txt("Ada"), "env", txt("staging"), "version", txt("9")),
			missing: keys("notes", "log", "regions", "checks"),
		},
		{
			name:    "unclosed fence hides nothing",
			body:    gh("Release notes", "```go\nfunc main() {", "Version", "4"),
			values:  with(emptyValues, "notes", txt("```go\nfunc main() {"), "version", txt("4")),
			missing: keys("log", "env", "regions", "checks", punctKey),
		},
		{
			name:    "backtick line with backticks in its info is not a fence",
			body:    gh("Release notes", "``` a`b\n### Version", "Environment", "staging"),
			values:  with(emptyValues, "notes", txt("``` a`b"), "version", txt(""), "env", txt("staging")),
			missing: keys("log", "regions", "checks", punctKey),
		},
		{
			name:    "bare ### is text",
			body:    gh("Version", "1\n###\n###   "),
			values:  with(emptyValues, "version", txt("1\n###\n###")),
			missing: keys("notes", "log", "env", "regions", "checks", punctKey),
		},
		{name: "empty body", body: "", values: emptyValues, missing: allKeys},
		{name: "body without headings", body: "This has no header!\n\n## Nor this", values: emptyValues, missing: allKeys},
		{
			name:    "empty section at the end",
			body:    "### Version\n\n### Environment",
			values:  emptyValues,
			missing: keys("notes", "log", "regions", "checks", punctKey),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Parse(tmpl, tc.body)
			assertResult(t, r, tc.values, tc.unmatched, tc.missing, tc.invalid)
		})
	}
}

func assertResult(t *testing.T, r Result, values map[string]Value, unmatched, missing []string, invalid map[string]string) {
	t.Helper()
	if len(r.Values) != len(values) {
		t.Errorf("got %d values, want %d: %+v", len(r.Values), len(values), r.Values)
	}
	for k, want := range values {
		if got, ok := r.Values[k]; !ok || !sameValue(got, want) {
			t.Errorf("%s = %+v, want %+v", k, got, want)
		}
	}
	if !reflect.DeepEqual(r.Unmatched, unmatched) {
		t.Errorf("Unmatched = %q, want %q", r.Unmatched, unmatched)
	}
	if !reflect.DeepEqual(r.Missing, missing) {
		t.Errorf("Missing = %q, want %q", r.Missing, missing)
	}
	if len(invalid) == 0 {
		invalid = nil
	}
	if !reflect.DeepEqual(r.Invalid, invalid) {
		t.Errorf("Invalid = %q, want %q", r.Invalid, invalid)
	}
}

func TestParseNilTemplate(t *testing.T) {
	r := Parse(nil, fullBody)
	want := []string{"Version", "Release notes", "Logs", "Environment", "Regions", "Checks", punctLabel}
	assertResult(t, r, map[string]Value{}, want, nil, nil)
}

func TestParseDuplicateLabels(t *testing.T) {
	tmpl := mustTemplate(t, `name: n
description: d
body:
  - type: input
    id: first
    attributes: {label: Name}
  - type: input
    id: last
    attributes: {label: Name}
`)
	r := Parse(tmpl, gh("Name", "Ada", "Name", "Lovelace"))
	assertResult(t, r, map[string]Value{"first": txt("Ada"), "last": txt("Lovelace")}, nil, nil, nil)
}

// TestParseIssueOpsExtra pins what the extra/ fixture's expected output
// does not show: the extra section is reported, not dropped.
func TestParseIssueOpsExtra(t *testing.T) {
	tmpl := mustTemplate(t, `name: n
description: d
body:
  - {type: input, id: name, attributes: {label: Model Name}}
  - {type: dropdown, id: id, attributes: {label: Ersilia ID, options: [abc123, def456]}}
  - {type: textarea, id: publication, attributes: {label: Publication}}
`)
	body := "### Model Name\n\n### Ersilia ID\n\nNone\n\n### This is an extra field\n\nThe following link:\n\n`www.example.com`\n"
	r := Parse(tmpl, body)
	assertResult(t, r, map[string]Value{"name": txt(""), "id": txt(""), "publication": txt("")},
		keys("This is an extra field"), keys("publication"), nil)
}

func TestParseRaw(t *testing.T) {
	tests := []struct {
		name string
		body string
		want map[string]string
	}{
		{"empty", "", map[string]string{}},
		{"no headings", "just text", map[string]string{}},
		{"verbatim values", gh("Is it?", "- [x] Yes\n- [ ] No", "Topics", "_No response_"),
			map[string]string{"is_it": "- [x] Yes\n- [ ] No", "topics": "_No response_"}},
		{"fences and CRLF", "### A b\r\n\r\n```\r\n### C\r\n```\r\n### D\r\nd",
			map[string]string{"a_b": "```\n### C\n```", "d": "d"}},
		{"first of equal slugs wins", gh("Name?", "1", "Name", "2"), map[string]string{"name": "1"}},
		{"every heading splits", gh("Notes", "### Mine\n\nx"), map[string]string{"notes": "", "mine": "x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParseRaw(tc.body); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSlug(t *testing.T) {
	tests := map[string]string{
		"What's your favorite dish?":  "whats_your_favorite_dish",
		"Checkbox without an id?":     "checkbox_without_an_id",
		"  The Name of the Thing  ":   "the_name_of_the_thing",
		"Read - Team":                 "read_team",
		"read-only team":              "readonly_team",
		"__snake__case__":             "snake_case",
		"What's *your* `name` (opt)?": "whats_your_name_opt",
		"Größe der Datei":             "größe_der_datei",
		"バージョン":                       "バージョン",
		"???":                         "",
		"tab\tand\nnewline":           "tab_and_newline",
	}
	for in, want := range tests {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
		if got := Slug(want); got != want {
			t.Errorf("Slug is not idempotent on %q: %q", want, got)
		}
	}
}

func TestSplitOptions(t *testing.T) {
	opts := []Option{{Label: "a, b"}, {Label: "a"}, {Label: "b"}, {Label: "b, c"}, {Label: "c"}, {Label: ""}}
	tests := []struct {
		in   string
		want []string
		ok   bool
	}{
		{"", nil, true},
		{"a", []string{"a"}, true},
		{"a, b", []string{"a, b"}, true},
		{"a, b, c", []string{"a, b", "c"}, true},
		{"a, c", []string{"a", "c"}, true},
		{"b, c, a", []string{"b, c", "a"}, true},
		{"a, b, ", nil, false},
		{"a,b", nil, false},
		{"d", nil, false},
		{", a", nil, false},
	}
	for _, tc := range tests {
		got, ok := splitOptions(tc.in, opts)
		if ok != tc.ok || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("splitOptions(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// A heading kept inside an answer is reported, never silently merged.
func TestParseReportsAbsorbedHeadings(t *testing.T) {
	tmpl, err := ParseTemplate([]byte("name: R\ndescription: d\nbody:\n" +
		"  - type: input\n    id: env\n    attributes:\n      label: Environment\n" +
		"  - type: textarea\n    id: reason\n    attributes:\n      label: Reason\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := Parse(tmpl, "### Environment\n\n### x\n\n### Reason\n\nbroken\n\n### Ticket\n\nOPS-1\n")
	if got := r.Values["reason"].Text; got != "broken\n\n### Ticket\n\nOPS-1" {
		t.Errorf("reason = %q", got)
	}
	if got := r.Values["env"].Text; got != "### x" {
		t.Errorf("env = %q", got)
	}
	if !slices.Equal(r.Absorbed, []string{"x", "Ticket"}) || len(r.Unmatched) != 0 {
		t.Errorf("Absorbed = %q, Unmatched = %q; want [x Ticket] and none", r.Absorbed, r.Unmatched)
	}
}
