package policy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// decoder walks the yaml.v3 node tree of a policy, so that every problem
// has a line. It keeps the problem that comes first in the document rather
// than the first it meets, so checks that need the whole file (promotion
// order, Slack routes) still report in document order; and it bounds its
// own work, since aliases let a small file name one subtree many times.
type decoder struct {
	err             *Error
	errLine, errCol int
	problems        int // found, reported or not: a check that sums up a mapping skips one with problems
	work, maxWork   int
	exhausted       bool
	merging         map[*yaml.Node]bool         // mappings being merged, against loops
	zones           map[string]zone             // time zones looked up, by name
	windows         map[*yaml.Node]windowResult // parsed windows, by node
}

// entry is one key of a mapping, aliases followed.
type entry struct {
	key  string
	k, v *yaml.Node
}

// workFor bounds the work of the decoder on a file of size bytes: a unit
// per key, list item and alias followed, and per 16 bytes of a string read.
// A file without aliases takes at least two bytes a unit ("a," in a list),
// so only alias expansion reaches the bound, and then the time it takes is
// that of a file about as big without aliases.
func workFor(size int) int { return 2*size + 100_000 }

// maxMergeDepth bounds merges (<<) of mappings that merge others.
const maxMergeDepth = 32

// wants reports whether a problem at n would come before the one known: if
// not, n's problems need not be looked for or worded.
func (d *decoder) wants(n *yaml.Node) bool {
	switch {
	case d.exhausted:
		return false
	case d.err == nil:
		return true
	}
	return n.Line < d.errLine || n.Line == d.errLine && n.Column < d.errCol
}

// fail records a problem at n, unless one earlier in the file is known.
func (d *decoder) fail(n *yaml.Node, format string, args ...any) {
	d.problems++
	if d.wants(n) {
		d.err = &Error{Line: n.Line, Msg: fmt.Sprintf(format, args...)}
		d.errLine, d.errCol = n.Line, n.Column
	}
}

// spend counts work; past maxWork the decoding stops with an error
// at n that replaces any other.
func (d *decoder) spend(n *yaml.Node, units int) bool {
	d.work += units
	if d.work > d.maxWork && !d.exhausted {
		d.err = &Error{Line: n.Line, Msg: "aliases expand the file too much: write the settings out"}
		d.exhausted = true
	}
	return !d.exhausted
}

// resolve follows aliases to the node they name.
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		d.spend(n, 1)
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == 0 || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names what n is, for "must be X, not Y".
func describe(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind == yaml.AliasNode:
		return "an alias"
	case isNull(n):
		return "empty"
	}
	return q(n.Value)
}

// mapping returns the keys of the mapping n in document order, merges (<<)
// resolved: a key of the mapping wins over a merged one, an earlier merge
// over a later. With known, other keys are errors. A null n is an empty
// mapping; another kind is an error (and no entries).
func (d *decoder) mapping(n *yaml.Node, where string, known []string) []entry {
	n = d.resolve(n)
	if d.exhausted || isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, "%s must be a mapping, not %s", where, describe(n))
		return nil
	}
	var out []entry
	d.entries(n, where, known, map[string]bool{}, &out, 0)
	return out
}

func (d *decoder) entries(n *yaml.Node, where string, known []string, seen map[string]bool, out *[]entry, depth int) {
	if d.merging == nil {
		d.merging = map[*yaml.Node]bool{}
	}
	d.merging[n] = true
	defer delete(d.merging, n)
	own := map[string]*yaml.Node{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if !d.spend(n, 1) {
			return
		}
		k, v := d.resolve(n.Content[i]), d.resolve(n.Content[i+1])
		if !d.spend(k, len(k.Value)/16) {
			return
		}
		switch {
		case k.Kind != yaml.ScalarNode || isNull(k):
			d.fail(k, "%s has a key that is %s; keys are names", where, describe(k))
			continue
		}
		if first, dup := own[k.Value]; dup {
			d.fail(k, "%s has the key %s twice (first on line %d)", where, q(k.Value), first.Line)
			continue
		}
		own[k.Value] = k
		if k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if known != nil && !slices.Contains(known, k.Value) {
			if d.wants(k) {
				msg := fmt.Sprintf("unknown key %s in %s (known: %s)", q(k.Value), where, strings.Join(known, ", "))
				d.fail(k, "%s%s", msg, didYouMean(k.Value, known))
			} else {
				d.problems++
			}
			continue
		}
		if !seen[k.Value] { // else a mapping merging this one has it
			seen[k.Value] = true
			*out = append(*out, entry{k.Value, k, v})
		}
	}
	for _, m := range merges {
		items := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			items = m.Content
		}
		for _, item := range items {
			item = d.resolve(item)
			switch {
			case d.exhausted:
				return
			case item.Kind != yaml.MappingNode:
				d.fail(item, "a merge (<<) in %s takes a mapping or a list of mappings, not %s", where, describe(item))
			case d.merging[item]:
				d.fail(item, "a merge (<<) in %s includes the mapping it is in", where)
			case depth >= maxMergeDepth:
				d.fail(item, "merges (<<) in %s nest more than %d deep", where, maxMergeDepth)
			default:
				d.entries(item, where, known, seen, out, depth+1)
			}
		}
	}
}

// list returns the items of the list n, aliases followed; null is an empty
// list, another kind an error.
func (d *decoder) list(n *yaml.Node, label, example string) []*yaml.Node {
	n = d.resolve(n)
	if d.exhausted || isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, "%s must be a list, like %s, not %s", label, example, describe(n))
		return nil
	}
	if !d.spend(n, len(n.Content)) {
		return nil
	}
	items := make([]*yaml.Node, len(n.Content))
	for i, item := range n.Content {
		items[i] = d.resolve(item)
	}
	return items
}

// maxString caps a string setting: none is near it, and every check of a
// string is then short work.
const maxString = 4096

// scalar resolves n for the scalar readers: null is false, true (absent);
// another kind than a scalar, or a string longer than maxString, is
// reported as wanting what.
func (d *decoder) scalar(n *yaml.Node, label, what string) (_ *yaml.Node, present, ok bool) {
	n = d.resolve(n)
	switch {
	case d.exhausted:
		return n, false, false
	case isNull(n):
		return n, false, true
	case n.Kind != yaml.ScalarNode:
		d.fail(n, "%s must be %s, not %s", label, what, describe(n))
		return n, false, false
	case len(n.Value) > maxString:
		d.fail(n, "%s is %d bytes long; a setting is at most %d", label, len(n.Value), maxString)
		return n, false, false
	}
	// Aliases can repeat a long string: reading it is work on its bytes.
	return n, true, d.spend(n, len(n.Value)/16)
}

// The scalar readers return ok false when they reported a problem; null
// reads as the zero value (the key is as good as absent).

func (d *decoder) str(n *yaml.Node, label string) (string, bool) {
	n, present, ok := d.scalar(n, label, "a string")
	if !present {
		return "", ok
	}
	return n.Value, ok
}

func (d *decoder) boolean(n *yaml.Node, label string) (bool, bool) {
	const what = "true or false"
	n, present, ok := d.scalar(n, label, what)
	if !present || !ok {
		return false, ok
	}
	if n.ShortTag() == "!!bool" {
		switch strings.ToLower(n.Value) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	d.fail(n, "%s must be %s, not %s", label, what, describe(n))
	return false, false
}

func (d *decoder) integer(n *yaml.Node, label string, lo, hi int) (int, bool) {
	what := fmt.Sprintf("a whole number from %d to %d", lo, hi)
	n, present, ok := d.scalar(n, label, what)
	if !present || !ok {
		return 0, ok
	}
	if n.ShortTag() == "!!int" {
		if v, err := strconv.ParseInt(n.Value, 0, 64); err == nil && int64(lo) <= v && v <= int64(hi) {
			return int(v), true
		}
	}
	d.fail(n, "%s must be %s, not %s", label, what, describe(n))
	return 0, false
}

// duration reads a Go duration (30m, 1h30m) between lo and hi.
func (d *decoder) duration(n *yaml.Node, label string, lo, hi time.Duration) (time.Duration, bool) {
	what := fmt.Sprintf("a duration from %s to %s, like 30m or 2h", short(lo), short(hi))
	n, present, ok := d.scalar(n, label, what)
	if !present || !ok {
		return 0, ok
	}
	if v, err := time.ParseDuration(n.Value); err == nil && lo <= v && v <= hi {
		return v, true
	}
	d.fail(n, "%s must be %s, not %s", label, what, describe(n))
	return 0, false
}

// short writes a duration without its zero parts: 24h, not 24h0m0s.
func short(v time.Duration) string {
	s := v.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
