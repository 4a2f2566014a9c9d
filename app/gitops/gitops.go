// Package gitops edits the one value a GitOps deploy changes in a
// repository file (an image tag in a Flux HelmRelease, a Kustomize newTag,
// an Argo CD Application's targetRevision), leaving every other byte as it
// was. The file belongs to the people who wrote it: a deploy commit that
// re-formatted it would bury a one-line change under noise, drop their
// comments, and could change what other tools read.
//
// So the document is never re-marshalled. yaml.v3 finds the value's node,
// the node's line and column give its token's place in the original bytes,
// and the new token is spliced in there. Set then parses its own output and
// compares it with the input node by node: a bug here can at worst refuse
// an edit, never hand back a broken file to commit.
//
// Only the first YAML document of a multi-document file is searched and
// edited; the later ones are kept byte for byte (they must still parse).
//
// The package is pure: the caller fetches the file and commits the result.
package gitops

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/issueops/issueops/app/yamlerr"
)

// Error is why a value could not be read or set. Key is the dotted path
// that was asked for; Msg says what is wrong in words meant for the person
// who wrote the file or the deploy settings.
type Error struct {
	Key string
	Msg string

	// bug marks a failure of Set's own final check, not a problem of the
	// file: the tests and the fuzz target fail on it.
	bug bool
}

func (e *Error) Error() string {
	if e.Key == "" {
		return e.Msg
	}
	return e.Key + ": " + e.Msg
}

func errorf(key, format string, args ...any) error {
	return &Error{Key: key, Msg: fmt.Sprintf(format, args...)}
}

// Set returns doc with the scalar at key replaced by value. key is a dotted
// path of mapping keys, e.g. "spec.values.image.tag"; a segment that is all
// digits indexes a sequence, e.g. "images.0.newTag" (under a mapping it is
// an ordinary key); a mapping key with a dot in it cannot be named. old is
// the value it had. changed is false, and out is doc itself, when it
// already had that value. Only the first YAML document of a multi-document
// file is searched and edited.
//
// Every byte outside the old value's token is kept: comments, indentation,
// key order, other documents, line endings (\n or \r\n), a trailing comment
// on the same line, the byte order mark. The new token keeps the old one's
// quoting: plain stays plain when value reads back as the same string
// there (else it is double-quoted, so that "1.10" or "true" stay strings),
// single-quoted stays single-quoted, double-quoted stays double-quoted.
//
// Set never creates keys and refuses, with an *Error, what it cannot edit
// without guessing: a missing path, a mapping or sequence, a block scalar,
// a value folded over several lines, an alias, an anchored or tagged value,
// a path through an alias, an anchor or a merge key (<<), a value with a
// line break. What the file allows does not depend on value: a file Set
// cannot edit is refused even when the value is already right.
func Set(doc []byte, key string, value string) (out []byte, old string, changed bool, err error) {
	segs, err := splitKey(key)
	if err != nil {
		return nil, "", false, err
	}
	if err := checkValue(key, value); err != nil {
		return nil, "", false, err
	}
	docs, err := parse(key, doc)
	if err != nil {
		return nil, "", false, err
	}
	f, err := find(key, docs, segs)
	if err != nil {
		return nil, "", false, err
	}
	if err := editable(key, f); err != nil {
		return nil, "", false, err
	}
	// The token is found even when the value is already right, so that a
	// file Set cannot edit is refused on the first deploy, not the next.
	start, end, err := locate(key, doc, f.node)
	if err != nil {
		return nil, "", false, err
	}
	if old = f.node.Value; old == value {
		return doc, old, false, nil
	}
	e := splice(doc, f, start, end, value)
	if err := verify(key, segs, docs, f.node, e); err != nil {
		return nil, "", false, err
	}
	return e.out, old, true, nil
}

// Get returns the scalar at key (a path as for Set), found=false when the
// path does not exist in the first document. Get reads any scalar, block
// scalars and tagged ones included; it refuses a mapping or sequence, an
// alias, and a path that goes through an alias or a merge key, where the
// answer would be a guess.
func Get(doc []byte, key string) (value string, found bool, err error) {
	segs, err := splitKey(key)
	if err != nil {
		return "", false, err
	}
	docs, err := parse(key, doc)
	if err != nil {
		return "", false, err
	}
	f, miss, err := lookup(key, first(docs), segs)
	if err != nil || miss != "" {
		return "", false, err
	}
	if err := scalar(key, f.node); err != nil {
		return "", false, err
	}
	return f.node.Value, true, nil
}

// find is lookup for Set, where a missing path is an error: Set does not
// create keys, as a typo in the deploy settings must not add a key nobody
// reads.
func find(key string, docs []*yaml.Node, segs []string) (*found, error) {
	f, miss, err := lookup(key, first(docs), segs)
	if err != nil {
		return nil, err
	}
	if miss != "" {
		return nil, errorf(key, "%s (Set does not create keys)", miss)
	}
	return f, nil
}

// first is the first document's root node, nil for a file with none.
func first(docs []*yaml.Node) *yaml.Node {
	if len(docs) == 0 || len(docs[0].Content) == 0 {
		return nil
	}
	return docs[0].Content[0]
}

// parse decodes every document of doc. Only the first is edited, but a file
// whose later documents are broken is refused too: committing to it would
// make the deploy look like what broke it.
func parse(key string, doc []byte) ([]*yaml.Node, error) {
	if !utf8.Valid(doc) {
		// yaml.v3 would read UTF-16 too, but its columns would then not be
		// positions in these bytes.
		return nil, errorf(key, "the file is not UTF-8 text")
	}
	if bytes.Contains(bytes.TrimPrefix(doc, bom), bom) {
		// The reader drops only a leading one; a later one is a character
		// the columns would count where the file's bytes do not agree.
		return nil, errorf(key, "the file has a byte order mark (U+FEFF) after its start")
	}
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	var docs []*yaml.Node
	for {
		n := new(yaml.Node)
		err := decode(dec, n)
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			return nil, errorf(key, "the file is not valid YAML: %s", yamlMessage(err))
		}
		docs = append(docs, n)
	}
}

// yamlMessage is yaml.v3's message for err with its line 1-based, as an
// editor shows it.
func yamlMessage(err error) string {
	line, msg := yamlerr.Split(err)
	if line == 0 {
		return msg
	}
	return fmt.Sprintf("line %d: %s", line, msg)
}

// decode is dec.Decode with yaml.v3's own panics ("internal error: …",
// which some malformed inputs reach) turned into errors: the file comes
// from another repository and must not be able to crash the server.
func decode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the YAML parser failed: %v", r)
		}
	}()
	return dec.Decode(n)
}

// checkValue refuses values no single-line token can hold. A version tag
// never has a line break, so one is a mistake upstream, not a value to
// fold over lines.
func checkValue(key, value string) error {
	if !utf8.ValidString(value) {
		return errorf(key, "the new value is not UTF-8 text")
	}
	if strings.ContainsFunc(value, isBreak) {
		return errorf(key, "the new value %q has a line break", value)
	}
	return nil
}

// isBreak reports the characters YAML 1.1, and so yaml.v3, ends a line at.
func isBreak(r rune) bool {
	return r == '\n' || r == '\r' || r == '\u0085' || r == '\u2028' || r == '\u2029'
}
