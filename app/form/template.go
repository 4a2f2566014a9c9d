package form

import (
	"errors"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ParseTemplate reads an issue-form template. It is lenient, because the app
// must still read issues opened from a form GitHub accepted even where the
// schema is bent: it fails only on a YAML syntax error (the error names the
// line), on a file over MaxTemplateSize, and when there is no body list.
// Elements with a missing or unknown type are skipped; everything else is
// read as best it can be. Check is the strict counterpart for authors.
//
// assignees, projects, type, placeholder and the pre-filled value are read
// past: nothing downstream needs them.
func ParseTemplate(data []byte) (*Template, error) {
	root, err := loadYAML(data)
	if err != nil {
		return nil, err
	}
	body := resolve(get(root, "body"))
	if body == nil || body.Kind != yaml.SequenceNode {
		return nil, errors.New("form: template has no body list")
	}
	t := &Template{
		Name:        text(resolve(get(root, "name"))),
		Description: text(resolve(get(root, "description"))),
		Title:       text(resolve(get(root, "title"))),
		Labels:      readLabels(resolve(get(root, "labels"))),
	}
	for _, el := range items(body) {
		if f, ok := readField(el); ok {
			t.Fields = append(t.Fields, f)
		}
	}
	return t, nil
}

// readLabels accepts both spellings GitHub allows: a list, or one string of
// comma-separated labels.
func readLabels(n *yaml.Node) []string {
	var raw []string
	if n != nil && n.Kind == yaml.ScalarNode {
		raw = strings.Split(text(n), ",")
	}
	for _, it := range items(n) {
		raw = append(raw, text(it))
	}
	var out []string
	for _, l := range raw {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// knownType reports whether s is one of the five element types.
func knownType(s string) bool {
	switch FieldType(s) {
	case Markdown, Input, Textarea, Dropdown, Checkboxes:
		return true
	}
	return false
}

// readField reads one body element; ok is false when it has no known type.
// Attributes that do not belong to the type (render on an input, multiple on
// a textarea) are ignored rather than given a meaning GitHub does not give.
func readField(el *yaml.Node) (f Field, ok bool) {
	typ := text(resolve(get(el, "type")))
	if el == nil || el.Kind != yaml.MappingNode || !knownType(typ) {
		return Field{}, false
	}
	attrs := resolve(get(el, "attributes"))
	f = Field{Type: FieldType(typ), Default: -1, Line: el.Line}
	if f.Type == Markdown {
		return f, true // no id, label or value: markdown is never submitted
	}
	f.ID = strings.TrimSpace(text(resolve(get(el, "id"))))
	f.Label = text(resolve(get(attrs, "label")))
	f.Description = text(resolve(get(attrs, "description")))
	f.Required, _ = boolValue(resolve(get(resolve(get(el, "validations")), "required")))
	switch f.Type {
	case Textarea:
		f.Render = strings.TrimSpace(text(resolve(get(attrs, "render"))))
	case Dropdown:
		f.Multiple, _ = boolValue(resolve(get(attrs, "multiple")))
		f.Options = readOptions(resolve(get(attrs, "options")))
		f.Default = readDefault(resolve(get(attrs, "default")), len(f.Options))
	case Checkboxes:
		f.Options = readOptions(resolve(get(attrs, "options")))
	}
	return f, true
}

// readOptions reads dropdown options (strings) and checkbox options
// ({label, required}) alike, accepting either shape for either type: GitHub's
// own docs once showed dropdown options as {label: ...}. Every list item
// yields an Option, even an unreadable one, so that a dropdown's default
// index still points at the option the author meant.
func readOptions(n *yaml.Node) []Option {
	var out []Option
	for _, it := range items(n) {
		var o Option
		if it != nil && it.Kind == yaml.MappingNode {
			o.Label = text(resolve(get(it, "label")))
			o.Required, _ = boolValue(resolve(get(it, "required")))
		} else {
			o.Label = text(it)
		}
		o.Label = strings.TrimSpace(o.Label)
		out = append(out, o)
	}
	return out
}

// readDefault returns the dropdown's default index, or -1 when it is absent
// or does not name an option (Check reports the latter).
func readDefault(n *yaml.Node, options int) int {
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		return -1
	}
	d, err := strconv.Atoi(n.Value)
	if err != nil || d < 0 || d >= options {
		return -1
	}
	return d
}
