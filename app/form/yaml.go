package form

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/issueops/issueops/app/yamlerr"
)

// MaxTemplateSize caps the template files ParseTemplate and Check read.
// GitHub's own forms are a few KiB; the cap keeps a hostile repository from
// making the app parse megabytes of YAML on every issue event.
const MaxTemplateSize = 1 << 20

// maxExpandedNodes bounds the template after YAML aliases are expanded. A
// 1 MiB file without aliases has fewer nodes than this, so the limit only
// stops alias bombs (a small file whose aliases expand to billions of nodes).
const maxExpandedNodes = 1 << 20

// errTooLarge is returned for templates above MaxTemplateSize.
var errTooLarge = fmt.Errorf("form: template is larger than %d bytes", MaxTemplateSize)

// syntaxError is a YAML syntax error with the 1-based line it was found on.
// ParseTemplate returns it and Check reports it as a Problem, from the same
// loader, so the two always agree on what is a syntax error.
type syntaxError struct {
	line int
	msg  string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("form: YAML syntax error at line %d: %s", e.line, e.msg)
}

// newSyntaxError turns a yaml.v3 error into a syntaxError with a 1-based
// line. yaml.v3 prints scanner errors' lines 1-based, parser errors' lines
// 0-based, either only when not 0, and no line at all for bad characters
// and unknown aliases; those are found in data instead.
func newSyntaxError(data []byte, err error) *syntaxError {
	line, msg := yamlerr.Split(err)
	if line == 0 {
		line = locate(data, msg)
	}
	return &syntaxError{line: max(line, 1), msg: msg}
}

// unknownAnchor matches yaml.v3's message for an alias with no anchor.
var unknownAnchor = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)

// locate finds the line of an error yaml.v3 gives no line for: the first
// use of an unknown alias, or the first character YAML does not allow.
// Anything else is on line 1 (yaml.v3 leaves out line numbers that are 0).
func locate(data []byte, msg string) int {
	at := -1
	if m := unknownAnchor.FindStringSubmatch(msg); m != nil {
		at = bytes.Index(data, []byte("*"+m[1]))
	} else if strings.Contains(msg, "UTF-8") || strings.Contains(msg, "character") {
		at = badChar(data)
	}
	if at < 0 {
		return 1
	}
	return bytes.Count(data[:at], []byte("\n")) + 1
}

// badChar is the offset of the first byte YAML's reader refuses: invalid
// UTF-8, or a code point outside YAML's printable set; -1 when none.
func badChar(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		ok := r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0x7E) || r == 0x85 ||
			(r >= 0xA0 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
		if !ok || (r == utf8.RuneError && size == 1) {
			return i
		}
		i += size
	}
	return -1
}

// loadYAML parses data and returns the root node of its first document (nil
// for an empty file). Every document is decoded, so a syntax error after a
// stray "---" is still found. Alias expansion is bounded (maxExpandedNodes).
func loadYAML(data []byte) (root *yaml.Node, err error) {
	if len(data) > MaxTemplateSize {
		return nil, errTooLarge
	}
	defer func() {
		// yaml.v3 has panicked on malformed input before; a template from a
		// repository must never take the app down.
		if p := recover(); p != nil {
			root, err = nil, &syntaxError{line: 1, msg: fmt.Sprint("cannot parse YAML: ", p)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for i := 0; ; i++ {
		var doc yaml.Node
		if derr := dec.Decode(&doc); errors.Is(derr, io.EOF) {
			break
		} else if derr != nil {
			return nil, newSyntaxError(data, derr)
		}
		if expandedSize(&doc, map[*yaml.Node]int{}) > maxExpandedNodes {
			return nil, &syntaxError{line: 1, msg: fmt.Sprintf("aliases expand to more than %d nodes", maxExpandedNodes)}
		}
		if i == 0 && len(doc.Content) > 0 {
			root = doc.Content[0]
		}
	}
	return root, nil
}

// expandedSize counts the nodes of n with aliases expanded, saturating just
// above maxExpandedNodes. memo makes it linear in the file: each anchored
// node is sized once however often it is aliased (-1 marks one in progress,
// which a self-referencing alias would hit).
func expandedSize(n *yaml.Node, memo map[*yaml.Node]int) int {
	if n == nil {
		return 0
	}
	if n.Kind == yaml.AliasNode {
		target := n.Alias
		if size, ok := memo[target]; ok {
			if size < 0 {
				return maxExpandedNodes + 1
			}
			return size
		}
		memo[target] = -1
		size := expandedSize(target, memo)
		memo[target] = size
		return size
	}
	size := 1
	for _, c := range n.Content {
		size += expandedSize(c, memo)
		if size > maxExpandedNodes {
			return maxExpandedNodes + 1
		}
	}
	return size
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// pair is one key/value of a YAML mapping, aliases resolved.
type pair struct {
	key   string
	line  int // line of the key
	value *yaml.Node
}

// pairs lists a mapping's entries in file order (nil for a non-mapping).
func pairs(m *yaml.Node) []pair {
	m = resolve(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]pair, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := resolve(m.Content[i])
		key := ""
		if k != nil && k.Kind == yaml.ScalarNode {
			key = k.Value
		}
		out = append(out, pair{key: key, line: m.Content[i].Line, value: resolve(m.Content[i+1])})
	}
	return out
}

// get returns the value of key in mapping m, or nil. The last occurrence
// wins, as in GitHub's YAML loader; Check reports repeated keys.
func get(m *yaml.Node, key string) *yaml.Node {
	var v *yaml.Node
	for _, p := range pairs(m) {
		if p.key == key {
			v = p.value
		}
	}
	return v
}

// items lists a sequence's elements, aliases resolved (nil otherwise).
func items(n *yaml.Node) []*yaml.Node {
	n = resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = resolve(c)
	}
	return out
}

// text is the value of a scalar node, "" for anything else. ParseTemplate
// uses it leniently: a number or an unquoted "Yes" still reads as text.
func text(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

// yaml11Bools are the plain scalars GitHub's YAML 1.1 loader reads as
// booleans; yaml.v3 (YAML 1.2) reads most of them as strings.
var yaml11Bools = map[string]bool{
	"yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true,
	"true": true, "True": true, "TRUE": true,
	"no": false, "No": false, "NO": false, "off": false, "Off": false, "OFF": false,
	"false": false, "False": false, "FALSE": false,
}

// boolValue reads a boolean the way GitHub's loader would, and says whether
// the node is one: an unquoted true/false/yes/no/on/off in any of YAML 1.1's
// spellings.
func boolValue(n *yaml.Node) (value, ok bool) {
	if n == nil || n.Kind != yaml.ScalarNode || !isPlain(n) {
		return false, false
	}
	value, ok = yaml11Bools[n.Value]
	return value, ok
}

// isPlain says whether a scalar was written without quotes or explicit tag,
// so that YAML decides its type from its spelling.
func isPlain(n *yaml.Node) bool {
	return n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle|yaml.TaggedStyle) == 0
}

// kindName names what a node is, for messages like "must be a string, not a
// list". It follows GitHub's YAML 1.1 reading of plain scalars.
func kindName(n *yaml.Node) string {
	if n == nil {
		return "empty"
	}
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
	default:
		return "not a value"
	}
	if n.Style&yaml.TaggedStyle != 0 && n.Tag == "!!str" {
		return "a string"
	}
	if isPlain(n) {
		if _, ok := yaml11Bools[n.Value]; ok {
			return "a boolean"
		}
	}
	switch n.Tag {
	case "!!int", "!!float":
		return "a number"
	case "!!null":
		return "empty"
	case "!!bool":
		return "a boolean"
	case "!!str", "":
		return "a string"
	}
	return "a " + strings.TrimPrefix(n.Tag, "!!")
}
