package gitops

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// verify re-reads the output and compares it with the input: the bytes
// outside the old token as they were, the same documents, the new value at
// the key, every other node (kind, value, tag, style, anchor, line and
// column) as it was, and the same comments. Nodes after the value on its line may only
// have moved by the difference in the tokens' lengths. The splice is simple
// enough to be right, but this is what lets the caller commit the result to
// someone's repository without a second look.
func verify(key string, segs []string, before []*yaml.Node, target *yaml.Node, e edit) error {
	tail := e.doc[e.end:]
	if !bytes.HasPrefix(e.out, e.doc[:e.start]) || !bytes.HasSuffix(e.out[e.start:], tail) {
		return bug(key, "the edit would change bytes outside the value")
	}
	after, err := parse(key, e.out)
	if err != nil {
		return bug(key, fmt.Sprintf("the edited file would not parse (%v)", err))
	}
	if len(after) != len(before) {
		return bug(key, fmt.Sprintf("the edited file would have %d documents, not %d", len(after), len(before)))
	}
	f, miss, err := lookup(key, first(after), segs)
	if err != nil || miss != "" || f.node.Kind != yaml.ScalarNode || f.node.Value != e.value || f.node.Tag != "!!str" {
		return bug(key, "the edited file would not have the new value, as a string, at the key")
	}
	c := comparer{target: target, line: e.line, col: e.col, shift: e.shift}
	for i := range before {
		if what := c.diff(before[i], after[i]); what != "" {
			return bug(key, "the edit would also change "+what)
		}
		if !slices.Equal(commentLines(before[i]), commentLines(after[i])) {
			return bug(key, "the edit would add or remove a comment")
		}
	}
	return nil
}

// commentLines are the lines of every comment in the tree, sorted. Comments
// are compared as a whole and not node by node because yaml.v3 hangs the
// same comment on different nodes depending on the style of a token before
// it: in "a: v1\n# end", "# end" is the foot comment of the key a, but in
// "a: \"v1\"\n# end" of the document. The bytes outside the token are
// checked already; what is left to catch is a token that swallows or
// starts a comment.
func commentLines(n *yaml.Node) []string {
	var lines []string
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		for _, c := range []string{n.HeadComment, n.LineComment, n.FootComment} {
			for l := range strings.Lines(c) {
				if l = strings.TrimSpace(l); l != "" {
					lines = append(lines, l)
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	slices.Sort(lines)
	return lines
}

// comparer compares the trees before and after an edit of target, whose
// token was at line and col and changed length by shift columns.
type comparer struct {
	target    *yaml.Node
	line, col int
	shift     int
}

// diff describes the first difference between a (before) and b (after),
// "" when there is none.
func (c *comparer) diff(a, b *yaml.Node) string {
	if what := c.differs(a, b); what != "" {
		return what + fmt.Sprintf(" of the node at line %d column %d", a.Line, a.Column)
	}
	for i := range a.Content {
		if d := c.diff(a.Content[i], b.Content[i]); d != "" {
			return d
		}
	}
	return ""
}

// differs names what differs between a and b themselves, "" if nothing.
func (c *comparer) differs(a, b *yaml.Node) string {
	switch {
	case a.Kind != b.Kind || a.Anchor != b.Anchor:
		return "the kind or anchor"
	case a != c.target && (a.Value != b.Value || a.Tag != b.Tag || a.Style != b.Style):
		return "the value"
	case a.Line != b.Line || c.column(a) != b.Column:
		return "the place"
	case len(a.Content) != len(b.Content):
		return "the number of items"
	}
	return ""
}

// column is where a's column should be after the edit.
func (c *comparer) column(a *yaml.Node) int {
	if a.Line == c.line && a.Column > c.col {
		return a.Column + c.shift
	}
	return a.Column
}
