package gitops

import (
	"fmt"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestYAMLColumns pins what offset relies on in yaml.v3: columns count
// characters, not bytes; a leading byte order mark is not counted; NEL, LS
// and PS end lines as \n, \r\n and \r do. If an upgrade of yaml.v3 changes
// any of it, this fails before Set edits the wrong bytes (which its final
// check would refuse).
func TestYAMLColumns(t *testing.T) {
	for _, c := range []struct {
		doc        string
		line, col  int // where yaml.v3 puts the value "v1"
		byteOffset int
	}{
		{"k: v1\n", 1, 4, 3},
		{"é: v1\n", 1, 4, 4},           // é is 2 bytes, 1 column
		{"日本: v1\n", 1, 5, 8},          // 3 bytes each
		{"🚀: v1\n", 1, 4, 6},           // 4 bytes
		{"{ä: x, k: v1}\n", 1, 11, 11}, // in a flow mapping
		{"\ufeffk: v1\n", 1, 4, 6},     // the BOM counts for nothing
		{"a: 1\r\nk: v1\r\n", 2, 4, 9},
		{"a: 1\rk: v1\r", 2, 4, 8},
		{"# x\u0085k: v1\n", 2, 4, 8},
		{"# x\u2028k: v1\n", 2, 4, 9},
		{"# x\u2029k: v1\n", 2, 4, 9},
		{"k:\tv1\n", 1, 4, 3}, // a tab is one column
	} {
		t.Run(fmt.Sprintf("%q", c.doc), func(t *testing.T) {
			var d yaml.Node
			if err := yaml.Unmarshal([]byte(c.doc), &d); err != nil {
				t.Fatal(err)
			}
			n := find1(&d, "v1")
			if n == nil || n.Line != c.line || n.Column != c.col {
				t.Fatalf("yaml.v3 put v1 at %v; want line %d column %d", n, c.line, c.col)
			}
			if got := offset([]byte(c.doc), n.Line, n.Column); got != c.byteOffset {
				t.Errorf("offset = %d, want %d", got, c.byteOffset)
			}
		})
	}
}

func find1(n *yaml.Node, value string) *yaml.Node {
	if n.Kind == yaml.ScalarNode && n.Value == value {
		return n
	}
	for _, c := range n.Content {
		if f := find1(c, value); f != nil {
			return f
		}
	}
	return nil
}

func TestOffsetOutside(t *testing.T) {
	doc := []byte("a: 1\nb: 2\n")
	for _, p := range [][2]int{{0, 1}, {1, 0}, {1, 6}, {2, 9}, {3, 1}, {9, 9}} {
		if got := offset(doc, p[0], p[1]); got != -1 {
			t.Errorf("offset(line %d, column %d) = %d, want -1", p[0], p[1], got)
		}
	}
}

// BenchmarkSet64K edits the last value of a 64 KB values file: Set parses
// it twice (before and after), which is what the cost is.
func BenchmarkSet64K(b *testing.B) {
	var sb strings.Builder
	for i := 0; sb.Len() < 64<<10; i++ {
		fmt.Fprintf(&sb, "service%d:\n  # the %dth service\n  image:\n    repository: ghcr.io/acme/s%d\n    tag: v1.%d.0 # pinned\n  replicas: %d\n", i, i, i, i, i%5)
	}
	doc := []byte(sb.String() + "app:\n  image: {repository: ghcr.io/acme/app, tag: v1.0.0}\n")
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, changed, err := Set(doc, "app.image.tag", "v1.0.1"); err != nil || !changed {
			b.Fatal(err)
		}
	}
}

type panicReader struct{}

func (panicReader) Read([]byte) (int, error) { panic("boom") }

// TestDecodeRecovers: a panic inside yaml.v3 (some malformed inputs have
// reached "internal error" panics in its history) comes back as an error.
// A reader that panics stands in for such an input.
func TestDecodeRecovers(t *testing.T) {
	err := decode(yaml.NewDecoder(panicReader{}), new(yaml.Node))
	if err == nil || err.Error() != "the YAML parser failed: boom" {
		t.Errorf("decode = %v, want the panic as an error", err)
	}
}
