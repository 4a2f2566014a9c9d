package form

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Check validates an issue-form template against GitHub's form schema, so
// that `issueops check` can tell an author what GitHub would refuse, with
// the line of each mistake, before the form silently disappears from the
// template chooser. It returns every problem found, sorted by line; none
// means GitHub would accept the form.
//
// The rules are GitHub's documented ones ("Syntax for issue forms", "Syntax
// for GitHub's form schema", "Common validation errors when creating issue
// forms"), plus two that are not GitHub's: a YAML key repeated in one
// mapping (YAML forbids it; GitHub silently keeps the last), and a field
// whose key in parsed output (Field.Key) is empty or another field's, since
// issueops keys values by it.
func Check(data []byte) []Problem {
	root, err := loadYAML(data)
	var syn *syntaxError
	switch {
	case errors.As(err, &syn):
		return []Problem{{Line: syn.line, Message: "YAML syntax error: " + syn.msg}}
	case err != nil:
		return []Problem{{Message: strings.TrimPrefix(err.Error(), "form: ")}}
	}
	c := &checker{ids: map[string]int{}}
	c.top(root)
	sort.SliceStable(c.problems, func(i, j int) bool { return c.problems[i].Line < c.problems[j].Line })
	return c.problems
}

// checker collects problems while walking a template.
type checker struct {
	problems []Problem
	ids      map[string]int // id -> line of its first use
	refs     []ref          // what each input element is referred to by
}

// ref is how GitHub refers to an input element (its id, else its label
// parameterized) and how issueops keys it (Field.Key); both must be unique.
type ref struct {
	line        int
	label, id   string
	github, key string
	options     []string // checkbox option labels
}

func (c *checker) add(line int, format string, args ...any) {
	c.problems = append(c.problems, Problem{Line: line, Message: fmt.Sprintf(format, args...)})
}

// topKeys are the top-level keys GitHub accepts in an issue form.
var topKeys = map[string]bool{
	"name": true, "description": true, "title": true, "labels": true,
	"assignees": true, "projects": true, "type": true, "body": true,
}

// top checks the top-level mapping.
func (c *checker) top(root *yaml.Node) {
	line := 1
	if root != nil {
		line = root.Line
	}
	if root != nil && root.Kind != yaml.MappingNode {
		c.add(line, "the template must be a mapping with name, description and body, not %s", kindName(root))
		return
	}
	seen := c.keys(root, topKeys, "is not a permitted top-level key")
	for _, key := range []string{"name", "description"} {
		if p, ok := seen[key]; ok {
			c.str(p, true)
		} else {
			c.add(line, "required top-level key `%s` is missing", key)
		}
	}
	if p, ok := seen["title"]; ok {
		c.str(p, true)
	}
	if p, ok := seen["type"]; ok {
		c.str(p, true)
	}
	for _, key := range []string{"labels", "assignees", "projects"} {
		if p, ok := seen[key]; ok {
			c.strOrList(p)
		}
	}
	p, ok := seen["body"]
	if !ok {
		c.add(line, "required top-level key `body` is missing")
		return
	}
	c.body(p)
}

// keys reports unknown and repeated keys of a mapping and returns its
// entries by key (the last of repeated ones, as GitHub reads them).
func (c *checker) keys(m *yaml.Node, allowed map[string]bool, unknown string) map[string]pair {
	seen := map[string]pair{}
	for _, p := range pairs(m) {
		if first, dup := seen[p.key]; dup {
			c.add(p.line, "key `%s` is repeated (first on line %d); YAML keys must be unique", p.key, first.line)
		} else if !allowed[p.key] {
			c.add(p.line, "`%s` %s", p.key, unknown)
		}
		seen[p.key] = p
	}
	return seen
}

// str checks that a value is a string and, when nonEmpty, not blank: GitHub
// refuses `description: true` and `name: ""` alike.
func (c *checker) str(p pair, nonEmpty bool) (string, bool) {
	v := p.value
	if kind := kindName(v); kind != "a string" {
		c.add(p.line, "`%s` must be a string, not %s (quote it)", p.key, kind)
		return "", false
	}
	if nonEmpty && strings.TrimSpace(v.Value) == "" {
		c.add(p.line, "`%s` must not be empty", p.key)
		return "", false
	}
	return v.Value, true
}

// strOrList checks labels/assignees/projects: a comma-separated string or a
// list of strings.
func (c *checker) strOrList(p pair) {
	if p.value != nil && p.value.Kind == yaml.SequenceNode {
		for i, it := range items(p.value) {
			c.str(pair{key: fmt.Sprintf("%s[%d]", p.key, i), line: nodeLine(it, p.line), value: it}, true)
		}
		return
	}
	if kind := kindName(p.value); kind != "a string" {
		c.add(p.line, "`%s` must be a list of strings or a comma-separated string, not %s", p.key, kind)
	}
}

// nodeLine is n's line, or fallback when n has none.
func nodeLine(n *yaml.Node, fallback int) int {
	if n == nil || n.Line == 0 {
		return fallback
	}
	return n.Line
}

// bool checks that a value is a boolean as GitHub's YAML reads it.
func (c *checker) bool(p pair) {
	if _, ok := boolValue(p.value); !ok {
		c.add(p.line, "`%s` must be true or false, not %s", p.key, kindName(p.value))
	}
}

// body checks the body list and then the references across its elements.
func (c *checker) body(p pair) {
	if p.value == nil || p.value.Kind != yaml.SequenceNode {
		c.add(p.line, "`body` must be a list of form elements, not %s", kindName(p.value))
		return
	}
	els := items(p.value)
	if len(els) == 0 {
		c.add(p.line, "`body` must not be empty")
		return
	}
	inputs := 0
	for i, el := range els {
		if c.element(i, el, nodeLine(el, p.line)) {
			inputs++
		}
	}
	if inputs == 0 {
		c.add(p.line, "`body` must contain at least one non-markdown element: markdown is never submitted")
	}
	c.checkRefs()
}

// elementKeys are the keys GitHub accepts on a body element.
var elementKeys = map[string]bool{"type": true, "id": true, "attributes": true, "validations": true}

// element checks body[i] and says whether it is a valid-typed input
// (non-markdown) element.
func (c *checker) element(i int, el *yaml.Node, line int) bool {
	if el == nil || el.Kind != yaml.MappingNode {
		c.add(line, "body[%d] must be a mapping with type and attributes, not %s", i, kindName(el))
		return false
	}
	seen := c.keys(el, elementKeys, "is not a permitted key of a body element (type, id, attributes, validations)")
	tp, ok := seen["type"]
	if !ok {
		c.add(line, "body[%d]: required key `type` is missing", i)
		return false
	}
	typ, ok := c.str(tp, true)
	if ok && !knownType(typ) {
		c.add(tp.line, "`%s` is not a valid element type (markdown, textarea, input, dropdown, checkboxes)", typ)
	}
	if !ok || !knownType(typ) {
		return false
	}
	r := ref{line: line}
	if p, ok := seen["id"]; ok {
		r.id = c.id(FieldType(typ), p)
	}
	r.label, r.options = c.attributes(FieldType(typ), seen["attributes"], line)
	if p, ok := seen["validations"]; ok {
		c.validations(p)
	}
	if FieldType(typ) == Markdown {
		return false
	}
	c.refs = append(c.refs, r)
	return true
}

// id checks an element id: not on markdown, [A-Za-z0-9_-]+, unique.
func (c *checker) id(typ FieldType, p pair) string {
	if typ == Markdown {
		c.add(p.line, "markdown elements cannot have an `id`")
		return ""
	}
	id, ok := c.str(p, true)
	if !ok {
		return ""
	}
	if !validID(id) {
		c.add(p.line, "`id` %q can only contain letters, digits, - and _", id)
		return ""
	}
	if first, dup := c.ids[id]; dup {
		c.add(p.line, "`id` %q is already used on line %d; ids must be unique", id, first)
		return ""
	}
	c.ids[id] = p.line
	return id
}

// validID reports whether id matches GitHub's [A-Za-z0-9_-]+.
func validID(id string) bool {
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
			return false
		}
	}
	return id != ""
}

// validations checks an element's validations mapping: only `required`,
// which must be a boolean.
func (c *checker) validations(p pair) {
	if p.value == nil || p.value.Kind != yaml.MappingNode {
		c.add(p.line, "`validations` must be a mapping, not %s", kindName(p.value))
		return
	}
	seen := c.keys(p.value, map[string]bool{"required": true}, "is not a permitted validation (only required)")
	if r, ok := seen["required"]; ok {
		c.bool(r)
	}
}

// checkRefs checks that GitHub can tell the input elements apart (their id,
// else their label parameterized, must be unique, and a checkbox option must
// not collide with another element's label) and that issueops can (their
// Field.Key must be unique).
func (c *checker) checkRefs() {
	byGitHub := map[string]*ref{}
	byLabel := map[string]*ref{} // elements GitHub refers to by label
	byKey := map[string]*ref{}
	for i := range c.refs {
		r := &c.refs[i]
		if r.label == "" && r.id == "" {
			continue // the missing label is already reported
		}
		r.github, r.key = r.id, r.id
		if r.id == "" {
			r.github, r.key = parameterize(r.label), Slug(r.label)
		}
		if r.key == "" {
			c.add(r.line, "label %q has no letters or digits to make a key of; give the element an `id`", r.label)
			continue
		}
		if first, dup := byGitHub[r.github]; dup && r.github != "" {
			c.refClash(first, r)
		} else if first, dup := byKey[r.key]; dup {
			c.add(r.line, "this element and the one on line %d would both be keyed %q in parsed output; give one an `id`", first.line, r.key)
		}
		byGitHub[r.github] = r
		byKey[r.key] = r
		if r.id == "" {
			byLabel[r.github] = r
		}
	}
	for i := range c.refs {
		r := &c.refs[i]
		for _, o := range r.options {
			if other, ok := byLabel[parameterize(o)]; ok && other != r {
				c.add(r.line, "checkbox option %q clashes with the label of the element on line %d; give that element an `id`", o, other.line)
			}
		}
	}
}

// refClash reports two elements GitHub would refer to by the same name.
// Two equal ids are already reported by id().
func (c *checker) refClash(first, r *ref) {
	switch {
	case first.id != "" && r.id != "":
	case normLabel(first.label) == normLabel(r.label):
		c.add(r.line, "label %q is also used on line %d; labels must be unique unless an `id` tells the elements apart", r.label, first.line)
	default:
		c.add(r.line, "this element and the one on line %d are both referred to as %q by GitHub; change a label or give one an `id`", first.line, r.github)
	}
}

// parameterize approximates Rails' String#parameterize, which GitHub uses to
// make a reference from a label: runs of anything but ASCII letters, digits,
// - and _ become one "-", trimmed, lowercased. Rails first transliterates
// accented letters (é -> e); this does not, so two labels differing only in
// accents may pass here and fail on GitHub.
func parameterize(s string) string {
	var b strings.Builder
	sep := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= 'A' && ch <= 'Z':
			ch += 'a' - 'A'
			fallthrough
		case ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9', ch == '_':
			if sep && b.Len() > 0 {
				b.WriteByte('-')
			}
			sep = false
			b.WriteByte(ch)
		default:
			sep = true
		}
	}
	return b.String()
}
