package form

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// attributeKeys are the attributes GitHub accepts per element type.
var attributeKeys = map[FieldType]map[string]bool{
	Markdown:   {"value": true},
	Input:      {"label": true, "description": true, "placeholder": true, "value": true},
	Textarea:   {"label": true, "description": true, "placeholder": true, "value": true, "render": true},
	Dropdown:   {"label": true, "description": true, "multiple": true, "options": true, "default": true},
	Checkboxes: {"label": true, "description": true, "options": true},
}

// onlyOn names the one type a misplaced attribute belongs to, so the
// message can say where it goes instead of only that it is wrong here.
var onlyOn = map[string]string{"multiple": "dropdowns", "default": "dropdowns", "render": "textareas"}

// attributes checks an element's attributes and returns its label and, for
// checkboxes, its option labels (for the reference checks).
func (c *checker) attributes(typ FieldType, p pair, elLine int) (label string, options []string) {
	if p.value == nil {
		line := elLine
		if p.line != 0 {
			line = p.line
		}
		if typ == Markdown {
			c.add(line, "markdown requires `attributes.value`")
			return "", nil
		}
		c.add(line, "%s requires `attributes` with a `label`", typ)
		return "", nil
	}
	if p.value.Kind != yaml.MappingNode {
		c.add(p.line, "`attributes` must be a mapping, not %s", kindName(p.value))
		return "", nil
	}
	seen := c.attributeKeys(typ, p.value)
	for _, key := range []string{"label", "description", "placeholder", "value", "render"} {
		if a, ok := seen[key]; ok && attributeKeys[typ][key] {
			s, _ := c.str(a, true)
			if key == "label" {
				label = s
			}
		}
	}
	required := "label"
	if typ == Markdown {
		required = "value"
	}
	if _, ok := seen[required]; !ok {
		c.add(p.line, "%s requires `attributes.%s`", typ, required)
	}
	if (typ == Input || typ == Textarea) && strings.Contains(strings.ToLower(label), "password") {
		c.add(seen["label"].line, "GitHub forbids the word \"password\" in input and textarea labels")
	}
	if a, ok := seen["multiple"]; ok && typ == Dropdown {
		c.bool(a)
	}
	if typ == Dropdown || typ == Checkboxes {
		options = c.options(typ, seen, p.line)
	}
	return label, options
}

// attributeKeys reports attributes the type does not take.
func (c *checker) attributeKeys(typ FieldType, attrs *yaml.Node) map[string]pair {
	allowed := attributeKeys[typ]
	seen := map[string]pair{}
	for _, a := range pairs(attrs) {
		if first, dup := seen[a.key]; dup {
			c.add(a.line, "key `%s` is repeated (first on line %d); YAML keys must be unique", a.key, first.line)
		} else if !allowed[a.key] {
			if where, ok := onlyOn[a.key]; ok {
				c.add(a.line, "`%s` is only allowed on %s", a.key, where)
			} else {
				c.add(a.line, "`%s` is not a permitted attribute of %s", a.key, typ)
			}
		}
		seen[a.key] = a
	}
	return seen
}

// options checks the options of a dropdown or checkboxes element, and a
// dropdown's default, and returns the checkbox option labels.
func (c *checker) options(typ FieldType, seen map[string]pair, attrsLine int) []string {
	p, ok := seen["options"]
	if !ok {
		c.add(attrsLine, "%s requires `attributes.options`", typ)
		return nil
	}
	if p.value != nil && p.value.Kind == yaml.SequenceNode && len(p.value.Content) == 0 {
		c.add(p.line, "`options` must be a non-empty list, not an empty one")
		return nil
	}
	if p.value == nil || p.value.Kind != yaml.SequenceNode {
		c.add(p.line, "`options` must be a non-empty list, not %s", kindName(p.value))
		return nil
	}
	var labels []string
	first := map[string]int{}
	for i, it := range items(p.value) {
		line := nodeLine(it, p.line)
		label, ok := c.option(typ, i, it, line)
		if !ok {
			continue
		}
		if at, dup := first[label]; dup {
			c.add(line, "option %q is repeated (first on line %d); options must be unique", label, at)
			continue
		}
		first[label] = line
		labels = append(labels, label)
	}
	if d, ok := seen["default"]; ok && typ == Dropdown {
		c.defaultIndex(d, len(p.value.Content))
	}
	if typ == Checkboxes {
		return labels
	}
	return nil
}

// option checks one option: a non-empty string for a dropdown (never the
// reserved "None", which GitHub shows for no choice), a {label, required}
// mapping for checkboxes.
func (c *checker) option(typ FieldType, i int, it *yaml.Node, line int) (string, bool) {
	if typ == Dropdown {
		label, ok := c.str(pair{key: fmt.Sprintf("options[%d]", i), line: line, value: it}, true)
		if ok && strings.EqualFold(strings.TrimSpace(label), "none") {
			c.add(line, "option %q is reserved: GitHub offers \"None\" itself when the dropdown is not required", label)
			return label, false
		}
		return label, ok
	}
	if it == nil || it.Kind != yaml.MappingNode {
		c.add(line, "a checkbox option must be a mapping with a `label`, not %s", kindName(it))
		return "", false
	}
	seen := c.keys(it, map[string]bool{"label": true, "required": true}, "is not a permitted key of a checkbox option (label, required)")
	if r, ok := seen["required"]; ok {
		c.bool(r)
	}
	lp, ok := seen["label"]
	if !ok {
		c.add(line, "a checkbox option requires a `label`")
		return "", false
	}
	return c.str(lp, true)
}

// defaultIndex checks a dropdown default: an index into its options.
func (c *checker) defaultIndex(d pair, options int) {
	n := d.value
	if options == 0 {
		return // the options problem is already reported
	}
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		c.add(d.line, "`default` must be the index of an option (0 to %d), not %s", options-1, kindName(n))
		return
	}
	i, err := strconv.Atoi(n.Value)
	if err != nil || i < 0 || i >= options {
		c.add(d.line, "`default` is %s but the dropdown has %d options (indexes 0 to %d)", n.Value, options, options-1)
	}
}
