package gitops

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// FuzzSet checks Set against an oracle of its own, written apart from the
// code under test: Set never panics; an error is an *Error and never the
// final check's (that would be a bug the check hid); and on success the
// output is the input with only the old token replaced, the new token
// reads as value, Get finds it, and every document parses to the same tree
// but for the target. Each input is tried with its own key and with a key
// that leads to one of the document's scalars, so that random documents
// reach the edit too, with the value made one line of UTF-8.
func FuzzSet(f *testing.F) {
	for _, c := range setCases(f) {
		f.Add([]byte(c.doc), c.key, c.value)
	}
	for _, c := range refusals {
		f.Add([]byte(c.doc), c.key, c.value)
	}
	for _, doc := range []string{
		"a: {b: [x, 'y', \"z\"]}\r\n",
		"%YAML 1.1\n---\na: v1\n",
		"\ufeff\ufeffb: v1\n",             // the second BOM is a column
		"a: 1\n\ufeffb: v1\n",             // and part of the key
		"# x\u0085a: v1 # \u2028\nb: 2\n", // NEL and LS end lines
		"[\nv1,\n'x'\n]\n",                // values at column 1
		"? [a, {b: c}]\n: {d: [e, v1]}\n",
	} {
		f.Add([]byte(doc), "a", "...")
	}
	f.Fuzz(func(t *testing.T, doc []byte, key, value string) {
		checkSet(t, doc, key, value)
		if k := leafKey(doc, len(key)); k != "" {
			checkSet(t, doc, k, oneLine(value))
		}
	})
}

// oneLine is value as Set takes it, so that the second try gets past the
// value's checks to the edit.
func oneLine(value string) string {
	value = strings.ToValidUTF8(value, "")
	return strings.Join(strings.FieldsFunc(value, isBreak), "")
}

func checkSet(t *testing.T, doc []byte, key, value string) {
	in := bytes.Clone(doc)
	out, old, changed, err := Set(doc, key, value)
	if !bytes.Equal(doc, in) {
		t.Fatalf("Set changed its input")
	}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) || e.bug || out != nil {
			t.Fatalf("Set(%q, %q) = %q, %v (internal %v)", key, value, out, err, e != nil && e.bug)
		}
		return
	}
	if v, found, err := Get(out, key); v != value || !found || err != nil {
		t.Fatalf("Get after Set(%q, %q) = %q, %v, %v", key, value, v, found, err)
	}
	if !changed {
		if !bytes.Equal(out, doc) || old != value {
			t.Fatalf("Set(%q, %q) unchanged but out %q, old %q", key, value, out, old)
		}
		return
	}
	checkSplice(t, doc, out, key, value, old)
	checkTrees(t, doc, out, key)
}

// checkSplice: out is doc with the old token replaced by one that reads as
// value, in the old token's style or double-quoted.
func checkSplice(t *testing.T, doc, out []byte, key, value, old string) {
	before, after := target(t, doc, key), target(t, out, key)
	start := oracleOffset(doc, before.Line, before.Column)
	end := oracleEnd(t, doc, start, before)
	tail := doc[end:]
	if !bytes.HasPrefix(out, doc[:start]) || !bytes.HasSuffix(out, tail) || len(out)-len(tail) < start {
		t.Fatalf("Set(%q, %q) changed more than the token %q at %d:\n%q\n%q", key, value, doc[start:end], start, doc, out)
	}
	tok := out[start : len(out)-len(tail)]
	if !readsAlone(tok, value) {
		t.Fatalf("new token %q does not read as %q", tok, value)
	}
	ok := after.Style == before.Style || after.Style == yaml.DoubleQuotedStyle
	if !ok || before.Value != old {
		t.Fatalf("style %v became %v; old %q, want %q", before.Style, after.Style, old, before.Value)
	}
}

// checkTrees: all documents of doc and out are the same but for the value
// at key (positions aside: checkSplice covers the bytes).
func checkTrees(t *testing.T, doc, out []byte, key string) {
	a, b := dumpAll(t, doc, key), dumpAll(t, out, key)
	if a != b {
		t.Fatalf("trees differ:\n%s\n----\n%s", a, b)
	}
}

// target walks key in the first document, simply: it is only called after
// Set succeeded, so the path exists through plain mappings and sequences.
func target(t *testing.T, doc []byte, key string) *yaml.Node {
	var d yaml.Node
	if err := yaml.Unmarshal(doc, &d); err != nil {
		t.Fatalf("oracle: %v", err)
	}
	n := d.Content[0]
	for _, seg := range strings.Split(key, ".") {
		n = child(n, seg)
		if n == nil {
			t.Fatalf("oracle: no %q in %q", key, doc)
		}
	}
	return n
}

func child(n *yaml.Node, seg string) *yaml.Node {
	if n.Kind == yaml.SequenceNode {
		i, err := strconv.Atoi(seg)
		if err != nil || i < 0 || i >= len(n.Content) || strings.Trim(seg, "0123456789") != "" {
			return nil
		}
		return n.Content[i]
	}
	for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Value == seg {
			return n.Content[i+1]
		}
	}
	return nil
}

// oracleBreaks are YAML 1.1's line breaks, CRLF first.
var oracleBreaks = regexp.MustCompile("\r\n|[\r\n\u0085\u2028\u2029]")

// oracleOffset finds line and column by splitting lines with a regexp and
// counting runes: another way to what offset does by walking.
func oracleOffset(doc []byte, line, col int) int {
	body := bytes.TrimPrefix(doc, []byte("\ufeff"))
	at := len(doc) - len(body)
	seps := oracleBreaks.FindAllIndex(body, line-1)
	if line > 1 {
		at += seps[line-2][1]
	}
	for ; col > 1; col-- {
		_, w := utf8.DecodeRune(doc[at:])
		at += w
	}
	return at
}

// oracleEnd is where the old token ends: a plain scalar on one line is its
// value's bytes; a quoted one ends at the shortest prefix that reads as
// its value.
func oracleEnd(t *testing.T, doc []byte, start int, n *yaml.Node) int {
	if n.Style == 0 {
		return start + len(n.Value)
	}
	for end := start + 2; end <= len(doc); end++ {
		if readsAlone(doc[start:end], n.Value) {
			return end
		}
	}
	t.Fatalf("oracle: no end for the token at %d in %q", start, doc)
	return 0
}

func readsAlone(tok []byte, want string) bool {
	var d yaml.Node
	if yaml.Unmarshal(tok, &d) != nil || len(d.Content) != 1 {
		return false
	}
	return d.Content[0].Kind == yaml.ScalarNode && d.Content[0].Value == want
}

// dumpAll prints every document's tree without positions, the value at key
// in the first one as TARGET.
func dumpAll(t *testing.T, doc []byte, key string) string {
	var tgt *yaml.Node
	var b strings.Builder
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	for i := 0; ; i++ {
		var d yaml.Node
		if err := dec.Decode(&d); err == io.EOF {
			return b.String()
		} else if err != nil {
			t.Fatalf("oracle: document %d: %v", i, err)
		}
		if i == 0 {
			tgt = childPath(&d, key)
		}
		dump(&b, &d, tgt, 0)
	}
}

func childPath(d *yaml.Node, key string) *yaml.Node {
	n := d.Content[0]
	for _, seg := range strings.Split(key, ".") {
		n = child(n, seg)
	}
	return n
}

func dump(b *strings.Builder, n, tgt *yaml.Node, depth int) {
	if depth == 0 {
		// Comments as a whole: yaml.v3 hangs them on other nodes when a
		// token before them changes style (see commentLines).
		fmt.Fprintf(b, "comments %q\n", comments(n, nil))
	}
	fmt.Fprintf(b, "%*s%v a=%q", depth, "", n.Kind, n.Anchor)
	if n == tgt {
		b.WriteString(" TARGET\n")
		return
	}
	fmt.Fprintf(b, " %q %q %v\n", n.Tag, n.Value, n.Style)
	for _, c := range n.Content {
		dump(b, c, tgt, depth+1)
	}
}

// leafKey is the key of one of the first document's scalars (the n-th,
// round), "" when it has none a dotted key can name.
func leafKey(doc []byte, n int) string {
	var d yaml.Node
	if parseOne(doc, &d) != nil || len(d.Content) == 0 {
		return ""
	}
	var keys []string
	leaves(d.Content[0], "", &keys, 0)
	if len(keys) == 0 {
		return ""
	}
	return keys[n%len(keys)]
}

func leaves(n *yaml.Node, path string, keys *[]string, depth int) {
	if depth > 20 || len(*keys) > 100 {
		return
	}
	join := func(seg string) string {
		if path == "" {
			return seg
		}
		return path + "." + seg
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if path != "" {
			*keys = append(*keys, path)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			leaves(c, join(strconv.Itoa(i)), keys, depth+1)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind == yaml.ScalarNode && k.Value != "" && !strings.Contains(k.Value, ".") {
				leaves(n.Content[i+1], join(k.Value), keys, depth+1)
			}
		}
	}
}

// comments is every line of every comment under n, sorted.
func comments(n *yaml.Node, lines []string) []string {
	all := n.HeadComment + "\n" + n.LineComment + "\n" + n.FootComment
	for _, l := range strings.Split(all, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	for _, c := range n.Content {
		lines = comments(c, lines)
	}
	slices.Sort(lines)
	return lines
}
