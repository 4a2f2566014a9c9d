package gitops

import (
	"bytes"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// edit is what splice did, for verify.
type edit struct {
	doc, out   []byte
	value      string
	start, end int // the old token's bytes in doc
	line, col  int // its place as yaml.v3 counts it
	shift      int // columns the rest of the line moved by
}

var bom = []byte("\xef\xbb\xbf")

// bug is the error for a state Set's own logic should never reach. It says
// nothing was changed, which is true: Set returns no output with it.
func bug(key, msg string) error {
	return &Error{Key: key, Msg: "internal error: " + msg + "; the file was not changed", bug: true}
}

// locate finds the node's token in doc: the bytes from start to end.
func locate(key string, doc []byte, n *yaml.Node) (start, end int, err error) {
	start = offset(doc, n.Line, n.Column)
	if start < 0 {
		return 0, 0, bug(key, "the value's line and column are not in the file")
	}
	end, err = span(key, doc, start, n)
	return start, end, err
}

// splice replaces the token from start to end by value, written in the
// old token's quoting style where value allows it.
func splice(doc []byte, f *found, start, end int, value string) edit {
	n := f.node
	tok := render(value, n.Style, f.parent().Style&yaml.FlowStyle != 0)
	out := make([]byte, 0, len(doc)-(end-start)+len(tok))
	out = append(out, doc[:start]...)
	out = append(out, tok...)
	out = append(out, doc[end:]...)
	shift := utf8.RuneCountInString(tok) - utf8.RuneCount(doc[start:end])
	return edit{doc: doc, out: out, value: value, start: start, end: end, line: n.Line, col: n.Column, shift: shift}
}

// offset turns yaml.v3's 1-based line and column into a byte offset in doc,
// -1 when doc has no such place. yaml.v3 counts columns in characters, not
// bytes; it ends lines at \n, \r\n, a lone \r, NEL, LS and PS (YAML 1.1's
// line breaks, all of them, or a file with an LS in a comment would be
// edited on the wrong line); and it does not count a leading byte order
// mark, which its reader drops before the scanner sees it.
func offset(doc []byte, line, col int) int {
	i := 0
	if bytes.HasPrefix(doc, bom) {
		i = len(bom)
	}
	l, c := 1, 1
	for i < len(doc) && l <= line {
		if l == line && c == col {
			return i
		}
		if w := breakAt(doc, i); w > 0 {
			i += w
			l, c = l+1, 1
			continue
		}
		_, w := utf8.DecodeRune(doc[i:])
		i += w
		c++
	}
	return -1
}

// breakAt is the width in bytes of the line break at doc[i], 0 if there is
// none.
func breakAt(doc []byte, i int) int {
	r, w := utf8.DecodeRune(doc[i:])
	switch {
	case r == '\r' && i+1 < len(doc) && doc[i+1] == '\n':
		return 2
	case isBreak(r):
		return w
	}
	return 0
}

// span is where the token that starts at doc[start] ends. It refuses a
// token folded over lines: where each line's part of the new value would
// go is a guess.
func span(key string, doc []byte, start int, n *yaml.Node) (int, error) {
	switch {
	case doc[start] == '!':
		// The non-specific tag "!", which yaml.v3 leaves out of the node
		// (it reads "! 1" as the string "1") but puts the node's column at.
		return 0, errorf(key, "the value at line %d has the tag !; only untagged values are edited", n.Line)
	case n.Style&yaml.DoubleQuotedStyle != 0:
		return quotedSpan(key, doc, start, n, '"')
	case n.Style&yaml.SingleQuotedStyle != 0:
		return quotedSpan(key, doc, start, n, '\'')
	}
	return plainSpan(key, doc, start, n)
}

// plainSpan: a plain scalar on one line is its own text, so the token is
// exactly the value's bytes. One that goes on to the next line begins with
// its first line's text and then has a space or a line break where the
// file has a break.
func plainSpan(key string, doc []byte, start int, n *yaml.Node) (int, error) {
	v := []byte(n.Value)
	if bytes.HasPrefix(doc[start:], v) {
		return start + len(v), nil
	}
	eol := start
	for eol < len(doc) && breakAt(doc, eol) == 0 {
		eol++
	}
	line := bytes.TrimRight(doc[start:eol], " \t")
	if len(line) > 0 && len(v) > len(line) && bytes.HasPrefix(v, line) && (v[len(line)] == ' ' || v[len(line)] == '\n') {
		return 0, multiLine(key, n)
	}
	return 0, bug(key, "the value's text is not where yaml.v3 put it")
}

// quotedSpan finds the closing quote of the token that opens at doc[start]
// and checks that the token reads as the node's value.
func quotedSpan(key string, doc []byte, start int, n *yaml.Node, q byte) (int, error) {
	if doc[start] != q {
		return 0, bug(key, "the value's opening quote is not where yaml.v3 put it")
	}
	end := -1
	for i := start + 1; i < len(doc) && end < 0; {
		switch c := doc[i]; {
		case breakAt(doc, i) > 0:
			return 0, multiLine(key, n)
		case q == '\'' && c == '\'' && i+1 < len(doc) && doc[i+1] == '\'':
			i += 2
		case c == q:
			end = i + 1
		case q == '"' && c == '\\':
			if i+1 < len(doc) && breakAt(doc, i+1) > 0 {
				return 0, multiLine(key, n)
			}
			i += 2
		default:
			i++
		}
	}
	if end < 0 || !reads(doc[start:end], n.Value) {
		return 0, bug(key, "the value's quoted text does not read as its value")
	}
	return end, nil
}

func multiLine(key string, n *yaml.Node) error {
	return errorf(key, "the value at line %d goes on over more than one line; put it on one line first", n.Line)
}

// reads reports whether tok, parsed alone, is one scalar whose value is
// want.
func reads(tok []byte, want string) bool {
	var d yaml.Node
	if err := parseOne(tok, &d); err != nil || len(d.Content) != 1 {
		return false
	}
	n := d.Content[0]
	return n.Kind == yaml.ScalarNode && n.Value == want
}
