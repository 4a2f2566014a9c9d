package form

import (
	"strings"
	"testing"
)

// want is one expected problem: its line and a part of its message.
type want struct {
	line int
	sub  string
}

// head is a valid start of a form, for cases about the body.
const head = "name: n\ndescription: d\nbody:\n"

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		yml  string
		want []want
	}{
		{"valid form", releaseForm, nil},
		{"valid minimal form with list labels and assignees string", "name: n\ndescription: d\nlabels: [a, b]\nassignees: octocat\nprojects: [o/1]\ntype: Bug\nbody:\n  - type: textarea\n    attributes: {label: x}\n", nil},
		{"syntax error is one problem at its line", "name: n\ndescription: d\nbody:\n  - type: [x\n  - y: 1\n", []want{{4, "YAML syntax error"}}},
		{"empty file", "", []want{{1, "`name` is missing"}, {1, "`description` is missing"}, {1, "`body` is missing"}}},
		{"not a mapping", "- a\n", []want{{1, "must be a mapping"}}},
		{"too large", strings.Repeat(" ", MaxTemplateSize+1), []want{{0, "larger than"}}},
		{
			"top-level keys",
			"name: \"\"\ndescription: true\ntitle: 3\nhello: world\nlabels: {a: b}\nassignees: [\"\"]\nhello: again\nbody: []\n",
			[]want{{1, "`name` must not be empty"}, {2, "`description` must be a string, not a boolean"}, {3, "`title` must be a string, not a number"},
				{4, "`hello` is not a permitted top-level key"}, {5, "`labels` must be a list of strings or a comma-separated string, not a mapping"},
				{6, "`assignees[0]` must not be empty"}, {7, "key `hello` is repeated (first on line 4)"}, {8, "`body` must not be empty"}},
		},
		{"body not a list", "name: n\ndescription: d\nbody: x\n", []want{{3, "`body` must be a list"}}},
		{"body of markdown only", head + "  - type: markdown\n    attributes: {value: hi}\n", []want{{3, "at least one non-markdown element"}}},
		{
			"element keys and types",
			head + "  - attributes: {label: a}\n  - type: radio\n  - type: input\n    x: 1\n    attributes: {label: b}\n  - just text\n",
			[]want{{4, "required key `type` is missing"}, {5, "`radio` is not a valid element type"}, {7, "`x` is not a permitted key"}, {9, "body[3] must be a mapping"}},
		},
		{
			"markdown",
			head + "  - type: markdown\n    id: m\n    attributes: {label: x}\n  - type: markdown\n  - type: input\n    attributes: {label: i}\n",
			[]want{{5, "markdown elements cannot have an `id`"}, {6, "`label` is not a permitted attribute of markdown"}, {6, "markdown requires `attributes.value`"}, {7, "markdown requires `attributes.value`"}},
		},
		{
			"labels required and non-empty",
			head + "  - type: input\n  - type: textarea\n    attributes: {description: d}\n  - type: input\n    attributes: {label: \" \"}\n",
			[]want{{4, "input requires `attributes` with a `label`"}, {6, "textarea requires `attributes.label`"}, {8, "`label` must not be empty"}},
		},
		{
			"ids",
			head + "  - type: input\n    id: first name\n    attributes: {label: a}\n  - type: input\n    id: x\n    attributes: {label: b}\n  - type: input\n    id: x\n    attributes: {label: c}\n",
			[]want{{5, "can only contain letters, digits, - and _"}, {11, `"x" is already used on line 8`}},
		},
		{
			"duplicate labels need an id",
			head + "  - type: input\n    attributes: {label: Name}\n  - type: input\n    attributes: {label: Name}\n  - type: input\n    id: a\n    attributes: {label: Same}\n  - type: input\n    id: b\n    attributes: {label: Same}\n",
			[]want{{6, `label "Name" is also used on line 4`}},
		},
		{
			"labels too similar (GitHub's example)",
			head + "  - type: input\n    attributes: {label: \"Name?\"}\n  - type: input\n    id: name\n    attributes: {label: \"Name???????\"}\n",
			[]want{{6, `both referred to as "name" by GitHub`}},
		},
		{
			"issueops keys must be unique",
			head + "  - type: input\n    attributes: {label: Foo Bar}\n  - type: input\n    id: foo_bar\n    attributes: {label: Other}\n",
			[]want{{6, `both be keyed "foo_bar"`}},
		},
		{
			"a label must make a key when there is no id",
			head + "  - type: input\n    attributes: {label: \"???\"}\n  - type: input\n    id: ok\n    attributes: {label: \"!!!\"}\n",
			[]want{{4, `label "???" has no letters or digits`}},
		},
		{
			"checkbox option clashing with another label",
			head + "  - type: textarea\n    attributes: {label: Name}\n  - type: checkboxes\n    attributes:\n      label: Boxes\n      options: [{label: Name}]\n",
			[]want{{6, `checkbox option "Name" clashes with the label of the element on line 4`}},
		},
		{
			"misplaced attributes",
			head + "  - type: input\n    attributes:\n      label: a\n      multiple: true\n      render: go\n      default: 0\n      options: [x]\n",
			[]want{{7, "`multiple` is only allowed on dropdowns"}, {8, "`render` is only allowed on textareas"}, {9, "`default` is only allowed on dropdowns"}, {10, "`options` is not a permitted attribute of input"}},
		},
		{
			"dropdown options",
			head + "  - type: dropdown\n    attributes:\n      label: d\n      multiple: maybe\n      options:\n        - a\n        - a\n        - None\n        - Yes\n        - \"\"\n        - [x]\n      default: 9\n",
			[]want{{7, "`multiple` must be true or false, not a string"}, {10, `option "a" is repeated (first on line 9)`}, {11, `option "None" is reserved`},
				{12, "`options[3]` must be a string, not a boolean"}, {13, "`options[4]` must not be empty"}, {14, "`options[5]` must be a string, not a list"},
				{15, "`default` is 9 but the dropdown has 6 options"}},
		},
		{
			"dropdown without options",
			head + "  - type: dropdown\n    attributes:\n      label: d\n      default: x\n  - type: dropdown\n    attributes:\n      label: e\n      options: []\n",
			[]want{{5, "dropdown requires `attributes.options`"}, {11, "`options` must be a non-empty list"}},
		},
		{
			"dropdown default not an index",
			head + "  - type: dropdown\n    attributes:\n      label: d\n      options: [a]\n      default: first\n",
			[]want{{8, "`default` must be the index of an option (0 to 0), not a string"}},
		},
		{
			"checkbox options",
			head + "  - type: checkboxes\n    attributes:\n      label: c\n      options:\n        - plain\n        - {required: true}\n        - {label: a, required: \"yes\", x: 1}\n        - {label: a}\n",
			[]want{{8, "a checkbox option must be a mapping"}, {9, "requires a `label`"}, {10, "`x` is not a permitted key of a checkbox option"},
				{10, "`required` must be true or false, not a string"}, {11, `option "a" is repeated (first on line 10)`}},
		},
		{
			"validations",
			head + "  - type: input\n    attributes: {label: a}\n    validations: {required: \"true\", min: 1}\n  - type: input\n    attributes: {label: b}\n    validations: [required]\n  - type: input\n    attributes: {label: c}\n    validations: {required: yes}\n",
			[]want{{6, "`min` is not a permitted validation"}, {6, "`required` must be true or false, not a string"}, {9, "`validations` must be a mapping"}},
		},
		{
			"password label",
			head + "  - type: input\n    attributes: {label: Your Password}\n  - type: dropdown\n    attributes: {label: Password manager, options: [a]}\n",
			[]want{{5, "forbids the word \"password\""}},
		},
		{
			"empty optional string attributes",
			head + "  - type: textarea\n    attributes: {label: a, description: \"\", placeholder: \" \", render: \"\"}\n",
			[]want{{5, "`description` must not be empty"}, {5, "`placeholder` must not be empty"}, {5, "`render` must not be empty"}},
		},
		{
			"attributes not a mapping",
			head + "  - type: input\n    attributes: [label]\n",
			[]want{{5, "`attributes` must be a mapping"}},
		},
		{
			"repeated attribute key",
			head + "  - type: input\n    attributes:\n      label: a\n      label: b\n",
			[]want{{7, "key `label` is repeated (first on line 6)"}},
		},
		{
			"aliases are followed",
			"name: n\ndescription: d\nopts: &o [a, b]\nbody:\n  - type: dropdown\n    attributes: {label: d, options: *o}\n",
			[]want{{3, "`opts` is not a permitted top-level key"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Check([]byte(tc.yml))
			if len(got) != len(tc.want) {
				t.Errorf("got %d problems, want %d:\n%s", len(got), len(tc.want), problemList(got))
				return
			}
			for i, w := range tc.want {
				if got[i].Line != w.line || !strings.Contains(got[i].Message, w.sub) {
					t.Errorf("problem %d = line %d %q, want line %d containing %q", i, got[i].Line, got[i].Message, w.line, w.sub)
				}
			}
		})
	}
}

func problemList(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("  " + p.String() + "\n")
	}
	return b.String()
}

// TestCheckSorted checks problems come sorted by line whatever the order
// they are found in (references are checked after the whole body).
func TestCheckSorted(t *testing.T) {
	yml := head + "  - type: input\n    attributes: {label: Name}\n  - type: input\n    attributes: {label: Name}\nhello: 1\n"
	got := Check([]byte(yml))
	for i := 1; i < len(got); i++ {
		if got[i-1].Line > got[i].Line {
			t.Fatalf("not sorted:\n%s", problemList(got))
		}
	}
	if len(got) != 2 {
		t.Errorf("want 2 problems:\n%s", problemList(got))
	}
}

func TestProblemString(t *testing.T) {
	tests := map[Problem]string{
		{Field: "Version", Line: 3, Message: "is required"}: "Version: is required",
		{Line: 3, Message: "bad"}:                           "line 3: bad",
		{Message: "too large"}:                              "too large",
	}
	for p, want := range tests {
		if got := p.String(); got != want {
			t.Errorf("%+v.String() = %q, want %q", p, got, want)
		}
	}
}
