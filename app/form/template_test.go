package form

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseTemplate(t *testing.T) {
	tmpl := mustTemplate(t, releaseForm)
	want := &Template{
		Name:        "Release",
		Description: "Cut a release",
		Title:       "Release: ",
		Labels:      []string{"issueops:release", "release"},
		Fields: []Field{
			{Type: Markdown, Default: -1, Line: 6},
			{Type: Input, ID: "version", Label: "Version", Required: true, Default: -1, Line: 9},
			{Type: Textarea, ID: "notes", Label: "Release notes", Default: -1, Line: 15},
			{Type: Textarea, ID: "log", Label: "Logs", Render: "shell", Default: -1, Line: 19},
			{Type: Dropdown, ID: "env", Label: "Environment", Required: true, Default: 0, Line: 24,
				Options: []Option{{Label: "staging"}, {Label: "production"}}},
			{Type: Dropdown, ID: "regions", Label: "Regions", Multiple: true, Default: -1, Line: 32,
				Options: []Option{{Label: "eu-west-1"}, {Label: "Europe, Middle East, Africa"}, {Label: "Europe"},
					{Label: "Middle East"}, {Label: "Africa"}, {Label: "us-east-1"}}},
			{Type: Checkboxes, ID: "checks", Label: "Checks", Default: -1, Line: 44,
				Options: []Option{{Label: "I ran the tests", Required: true}, {Label: "I updated the **changelog**"},
					{Label: "Skip [staging](https://x)?"}}},
			{Type: Input, Label: punctLabel, Default: -1, Line: 53},
		},
	}
	if !reflect.DeepEqual(tmpl, want) {
		t.Errorf("got  %+v\nwant %+v", tmpl, want)
	}
	if got := tmpl.Fields[7].Key(); got != punctKey {
		t.Errorf("Key() = %q, want %q", got, punctKey)
	}
}

func TestParseTemplateLenient(t *testing.T) {
	tmpl := mustTemplate(t, `name: 12
labels: [a, " b ", ""]
body:
  - type: radio
    attributes: {label: Skipped}
  - just a string
  - type: dropdown
    id: " d "
    attributes:
      label: Pick
      options: [{label: one}, two, [x], Yes]
      default: 7
      render: go
    validations: {required: yes}
  - type: textarea
    attributes: {label: T, multiple: true, render: " js "}
    validations: {required: "true"}
  - &box
    type: checkboxes
    id: box
    attributes:
      label: Box
      options: [plain, {label: sure, required: on}]
  - *box
`)
	want := &Template{Name: "12", Labels: []string{"a", "b"}, Fields: []Field{
		{Type: Dropdown, ID: "d", Label: "Pick", Required: true, Default: -1, Line: 7,
			Options: []Option{{Label: "one"}, {Label: "two"}, {}, {Label: "Yes"}}},
		{Type: Textarea, Label: "T", Render: "js", Default: -1, Line: 15},
		{Type: Checkboxes, ID: "box", Label: "Box", Default: -1, Line: 18,
			Options: []Option{{Label: "plain"}, {Label: "sure", Required: true}}},
		{Type: Checkboxes, ID: "box", Label: "Box", Default: -1, Line: 18,
			Options: []Option{{Label: "plain"}, {Label: "sure", Required: true}}},
	}}
	if !reflect.DeepEqual(tmpl, want) {
		t.Errorf("got  %+v\nwant %+v", tmpl, want)
	}
}

func TestParseTemplateErrors(t *testing.T) {
	tests := []struct {
		name, yml string
		syntaxAt  int // 0: not a syntax error
		contains  string
	}{
		{"unclosed flow list on line 3", "name: a\nbody:\n  - type: [input\n", 3, "YAML syntax error"},
		{"parser error on line 2", "a: 1\n- b\n", 2, "did not find expected key"},
		{"scanner error on line 2", "key: value\n  bad: 1\n", 2, "mapping values"},
		{"control character on line 2", "name: a\ndescription: \x01\n", 2, "control characters"},
		{"invalid UTF-8 on line 3", "name: a\n\nx: \xff\n", 3, "UTF-8"},
		{"unknown anchor on line 2", "name: a\nbody: *nope\n", 2, "unknown anchor"},
		{"syntax on line 1", "a: b: c\n", 1, "mapping values are not allowed"},
		{"tab indentation", "name: x\n\tbody: []\n", 2, "YAML syntax error"},
		{"empty file", "", 0, "no body"},
		{"no body", "name: x\ndescription: y\n", 0, "no body"},
		{"body not a list", "body: {type: input}\n", 0, "no body"},
		{"not a mapping", "- a\n- b\n", 0, "no body"},
		{"too large", "name: x\n" + strings.Repeat("#", MaxTemplateSize), 0, "larger than"},
		{"alias bomb", aliasBomb(), 1, "aliases"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTemplate([]byte(tc.yml))
			if err == nil || !strings.Contains(err.Error(), tc.contains) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.contains)
			}
			var syn *syntaxError
			if isSyn := errors.As(err, &syn); isSyn != (tc.syntaxAt > 0) || (isSyn && syn.line != tc.syntaxAt) {
				t.Errorf("err = %#v, want syntax error at line %d", err, tc.syntaxAt)
			}
		})
	}
}

// aliasBomb is a small YAML file whose aliases expand to 10^9 nodes.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 9; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("body: *a9\n")
	return b.String()
}
