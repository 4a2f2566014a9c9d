package gitops

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// found is where a key leads: the node, and the collections on the way to
// it from the document's root (the last one is the node's parent).
type found struct {
	node *yaml.Node
	path []*yaml.Node
}

// parent is the collection that holds the node.
func (f *found) parent() *yaml.Node { return f.path[len(f.path)-1] }

// splitKey cuts a dotted key into its segments. An empty segment is
// refused rather than skipped: "spec..tag" is a typo, not a path.
func splitKey(key string) ([]string, error) {
	if key == "" {
		return nil, errorf(key, "the key is empty; name a value such as spec.values.image.tag")
	}
	segs := strings.Split(key, ".")
	for i, s := range segs {
		if s == "" {
			return nil, errorf(key, "part %d of the key is empty (a leading, trailing or doubled dot)", i+1)
		}
	}
	return segs, nil
}

// lookup follows segs from root. A path that does not exist is not an
// error: miss says where it ends, for Set's message. err is for paths that
// exist only through YAML's sharing (aliases, merge keys), which would make
// any answer a guess about which copy is meant.
func lookup(key string, root *yaml.Node, segs []string) (f *found, miss string, err error) {
	if root == nil {
		return nil, "the file has no YAML document", nil
	}
	f = &found{}
	n := root
	for i, seg := range segs {
		at := where(segs[:i])
		if n.Kind == yaml.AliasNode {
			return nil, "", errorf(key, "%s is an alias (*%s); edit the anchored original instead", at, n.Value)
		}
		f.path = append(f.path, n)
		switch n.Kind {
		case yaml.MappingNode:
			n, miss, err = mapChild(key, n, seg, at)
		case yaml.SequenceNode:
			n, miss = seqChild(n, seg, at)
		default:
			miss = fmt.Sprintf("%s is a single value, so it has no %q", at, seg)
		}
		if err != nil || miss != "" {
			return nil, miss, err
		}
	}
	if n.Kind == yaml.AliasNode {
		return nil, "", errorf(key, "the value is an alias (*%s); edit the anchored original instead", n.Value)
	}
	f.node = n
	return f, "", nil
}

// where names the place segs lead to, for messages.
func where(segs []string) string {
	if len(segs) == 0 {
		return "the top level"
	}
	return strconv.Quote(strings.Join(segs, "."))
}

// mapChild is the value of key seg in mapping m. A key that is there twice
// is refused: which one a tool reads differs from tool to tool.
func mapChild(key string, m *yaml.Node, seg, at string) (*yaml.Node, string, error) {
	var hit *yaml.Node
	merge := false
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		switch {
		case k.Kind == yaml.AliasNode:
			if k.Alias != nil && k.Alias.Kind == yaml.ScalarNode && k.Alias.Value == seg {
				return nil, "", errorf(key, "the key %q under %s is an alias (*%s); write the key out instead", seg, at, k.Value)
			}
		case k.Kind == yaml.ScalarNode && k.Tag == "!!merge":
			merge = true
		case k.Kind == yaml.ScalarNode && k.Value == seg:
			if hit != nil {
				return nil, "", errorf(key, "the key %q is there twice under %s (lines %d and %d)", seg, at, hit.Line, m.Content[i+1].Line)
			}
			hit = m.Content[i+1]
		}
	}
	switch {
	case hit != nil:
		return hit, "", nil
	case merge:
		return nil, "", errorf(key, "%q is not written under %s itself; it may come from a merge key (<<), which is not followed", seg, at)
	}
	return nil, fmt.Sprintf("there is no %q under %s", seg, at), nil
}

// seqChild is item seg of sequence s. Only a segment of digits indexes a
// sequence; anything else cannot be there.
func seqChild(s *yaml.Node, seg, at string) (*yaml.Node, string) {
	if strings.Trim(seg, "0123456789") != "" {
		return nil, fmt.Sprintf("%s is a list, so %q must be a number (0 for the first item)", at, seg)
	}
	i, err := strconv.Atoi(seg)
	if err != nil || i >= len(s.Content) {
		return nil, fmt.Sprintf("%s has %d items, so there is no item %s (counted from 0)", at, len(s.Content), seg)
	}
	return s.Content[i], ""
}

// scalar refuses a target that is a collection: a deploy changes one value.
func scalar(key string, n *yaml.Node) error {
	switch n.Kind {
	case yaml.MappingNode:
		return errorf(key, "the value at line %d is a mapping, not a single value", n.Line)
	case yaml.SequenceNode:
		return errorf(key, "the value at line %d is a list, not a single value", n.Line)
	}
	return nil
}

// editable refuses what Set cannot change by swapping one token: shared
// values (an anchor there changes every alias of it too), tagged values
// (the tag says how to read the text, and a new text may not fit it),
// block scalars, and an empty value (there is no token to replace, and
// where to put one would be a guess).
func editable(key string, f *found) error {
	for _, c := range f.path {
		if c.Anchor != "" {
			return errorf(key, "the value is inside the anchored node &%s (line %d); changing it would change every *%s too", c.Anchor, c.Line, c.Anchor)
		}
	}
	n := f.node
	if err := scalar(key, n); err != nil {
		return err
	}
	switch {
	case n.Anchor != "":
		return errorf(key, "the value at line %d is anchored (&%s); changing it would change every *%s too", n.Line, n.Anchor, n.Anchor)
	case n.Style&yaml.TaggedStyle != 0:
		return errorf(key, "the value at line %d has the tag %s; only untagged values are edited", n.Line, n.Tag)
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return errorf(key, "the value at line %d is a block scalar (| or >); only one-line values are edited", n.Line)
	case n.Style == 0 && n.Value == "" && n.Tag == "!!null":
		return errorf(key, "the key has no value; write a placeholder (such as latest) first")
	}
	return nil
}
