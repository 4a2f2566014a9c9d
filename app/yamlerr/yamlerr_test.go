package yamlerr

import (
	"testing"

	"gopkg.in/yaml.v3"
)

func TestSplit(t *testing.T) {
	for _, c := range []struct {
		doc  string
		line int
		msg  string
	}{
		{"a: 1\nb: [1, 2\n", 2, "did not find expected ',' or ']'"}, // a parser problem, printed 0-based
		{"a: 1\nb: \"x\n", 2, "found unexpected end of stream"},     // a scanner problem, printed 1-based
		{"a:\n\t- x\n", 2, "found character that cannot start any token"},
		{"a: [", 2, "did not find expected node content"}, // at the end of the stream
	} {
		var n yaml.Node
		err := yaml.Unmarshal([]byte(c.doc), &n)
		if err == nil {
			t.Fatalf("%q parsed", c.doc)
		}
		line, msg := Split(err)
		if line != c.line || msg != c.msg {
			t.Errorf("%q: line %d %q, want line %d %q (from %v)", c.doc, line, msg, c.line, c.msg, err)
		}
	}
}

// FuzzSplit: any document's error splits into a line and a message that
// carries no prefix.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{"a: [", "a: \"", "\t", "*x", "a: 1\n  b: 2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		var n yaml.Node
		err := yaml.Unmarshal([]byte(doc), &n)
		if err == nil {
			return
		}
		line, msg := Split(err)
		if line < 0 || lineOf.MatchString(msg) || len(msg) > len(err.Error()) {
			t.Fatalf("Split(%v) = %d, %q", err, line, msg)
		}
	})
}
