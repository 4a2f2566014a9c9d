// Package form reads GitHub issue forms: the template YAML users keep in
// .github/ISSUE_TEMPLATE/, and the markdown body GitHub renders from a
// submitted form, back into typed values keyed by field id. It is pure: no
// I/O, no clock, no network. GitHub enforces a form's validations only in
// public repositories and never for issues made through the API, so the app
// validates every body itself with Validate.
package form

import (
	"encoding/json"
	"strconv"
)

// FieldType is the type of a body element of an issue form.
type FieldType string

// The body element types of GitHub's issue-form schema.
const (
	Markdown   FieldType = "markdown"
	Input      FieldType = "input"
	Textarea   FieldType = "textarea"
	Dropdown   FieldType = "dropdown"
	Checkboxes FieldType = "checkboxes"
)

// Option is one choice of a dropdown or one box of a checkboxes field.
// Required is only meaningful for checkboxes: that box must be ticked.
type Option struct {
	Label    string
	Required bool
}

// Field is one body element of a template. Markdown elements are kept (with
// no ID) so that line numbers and order survive, but they carry no value.
type Field struct {
	Type        FieldType
	ID          string // "" when the template gives none; Key() is then the label slug
	Label       string
	Description string
	Required    bool     // validations.required
	Multiple    bool     // dropdown only
	Options     []Option // dropdown and checkboxes
	Default     int      // dropdown: index of the default option, -1 when none
	Render      string   // textarea: the language GitHub wraps the answer in a code fence for
	Line        int      // 1-based line of the element in the template file
}

// Key is the field's key in parsed output: its id, or the slug of its label
// when it has no id (as github-issue-parser does).
func (f Field) Key() string {
	if f.ID != "" {
		return f.ID
	}
	return Slug(f.Label)
}

// Template is a parsed issue form.
type Template struct {
	Name        string
	Description string
	Title       string
	Labels      []string
	Fields      []Field // in template order, markdown elements included
}

// Kind says which member of a Value is meaningful.
type Kind int

// Value kinds, following DESIGN.md §2: input and textarea give a string ("" when
// empty); a dropdown gives a string, or a list when multiple; checkboxes give
// the list of ticked option labels.
const (
	Text Kind = iota
	List
)

// Value is one parsed field value. It marshals to JSON as a string (Text) or
// an array of strings (List, never null).
type Value struct {
	Kind Kind
	Text string
	List []string
}

// MarshalJSON writes a Text value as a JSON string and a List as an array.
func (v Value) MarshalJSON() ([]byte, error) {
	if v.Kind == List {
		if v.List == nil {
			return []byte("[]"), nil
		}
		return json.Marshal(v.List)
	}
	return json.Marshal(v.Text)
}

// Result is a body parsed against a template.
type Result struct {
	// Values holds one entry per non-markdown field of the template, keyed by
	// Field.Key(); a field with no section in the body has its empty value.
	Values map[string]Value
	// Unmatched lists, in body order, the headings of sections that match
	// no field of the template (the template changed after the issue was
	// opened, or the user added a section). Never silently dropped. A
	// heading inside a textarea's answer is part of the answer, not a
	// section (Parse documents the rule).
	Unmatched []string
	// Absorbed lists, in body order, the unknown headings read as part of
	// an answer (markdown in a textarea, "### x" typed into an input). A
	// section of a field removed from the form, right after a textarea,
	// lands here too: reported, so nobody mistakes it for a field.
	Absorbed []string
	// Missing lists, in template order, the keys of fields that have no
	// section in the body.
	Missing []string
	// Invalid maps a field key to what could not be read: a dropdown answer
	// that is not among its options, a checkbox line naming no option.
	Invalid map[string]string
}

// Problem is one thing wrong with a template (Line is set) or with a
// submitted body against its template (Field names the field by label).
type Problem struct {
	Line    int    // 1-based line in the template file, 0 when not about a line
	Field   string // the field's label, "" when not about one field
	Message string
}

// String renders the problem for people: "Label: message", "line N: message".
func (p Problem) String() string {
	switch {
	case p.Field != "":
		return p.Field + ": " + p.Message
	case p.Line > 0:
		return "line " + strconv.Itoa(p.Line) + ": " + p.Message
	default:
		return p.Message
	}
}
