package gitops

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// render writes value as a token in the old token's style. Plain stays
// plain only while the text reads back as the same string; otherwise it is
// double-quoted, so that a tag "1.10" is not read as the number 1.1 nor
// "true" as a bool. Single quotes cannot escape anything, so a value with a
// character they cannot hold goes double-quoted too.
func render(value string, style yaml.Style, flow bool) string {
	switch {
	case style&yaml.SingleQuotedStyle != 0 && singleOK(value):
		return "'" + strings.ReplaceAll(value, "'", "''") + "'"
	case style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0:
		return doubleQuote(value)
	case plainOK(value, flow):
		return value
	}
	return doubleQuote(value)
}

// printable is what YAML lets stand for itself in a quoted scalar. Tab is
// allowed there too but is escaped here, so that it shows in a diff.
func printable(r rune) bool {
	switch {
	case r >= 0x20 && r <= 0x7e:
		return true
	case r >= 0xa0 && r <= 0xd7ff:
		return !isBreak(r)
	case r >= 0xe000 && r <= 0xfffd:
		return r != 0xfeff // a byte order mark, which readers may drop
	}
	return r >= 0x10000 && r <= 0x10ffff
}

func singleOK(v string) bool {
	for _, r := range v {
		if !printable(r) {
			return false
		}
	}
	return true
}

// doubleQuote writes v double-quoted: \" and \\, and every character that
// is not printable as an escape (\t, \x.., \u...., \U........).
func doubleQuote(v string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range v {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case printable(r):
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// indicators may not begin a plain scalar (some may, before a non-space,
// but a version tag has no need of that, so none is risked).
const indicators = "-?:,[]{}#&*!|>'\"%@`"

// plainOK reports whether v can be written plain where the old token was
// (in a flow collection when flow) and read back as the same string, by
// yaml.v3 and by YAML 1.1 readers (Helm, Kustomize and Argo CD read
// Kubernetes YAML the 1.1 way, where yes and 0755 are not strings).
func plainOK(v string, flow bool) bool {
	if v == "" || strings.TrimSpace(v) != v || strings.ContainsRune(indicators, rune(v[0])) {
		return false
	}
	for _, r := range v {
		if !printable(r) {
			return false
		}
	}
	if strings.Contains(v, ": ") || strings.Contains(v, " #") || strings.HasSuffix(v, ":") {
		return false
	}
	if strings.HasPrefix(v, "...") {
		return false // ends the document where a flow collection puts it at column 1
	}
	if flow && strings.ContainsAny(v, ",?[]{}") {
		return false
	}
	return !typed(v) && readsPlain("k: "+v, v) && (!flow || readsPlain("{k: "+v+"}", v) && readsPlain("["+v+"]", v))
}

// yaml11 are the plain words YAML 1.1 reads as a bool or null.
var yaml11 = map[string]bool{}

func init() {
	for _, w := range strings.Fields("y yes n no true false on off null ~") {
		yaml11[w] = true
		yaml11[strings.ToUpper(w)] = true
		yaml11[strings.ToUpper(w[:1])+w[1:]] = true
	}
}

// sexagesimal is YAML 1.1's base-60 number, 1:20 or 1:20:30.5.
var sexagesimal = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$`)

// typed reports whether some YAML reader would take plain v for a bool,
// null or number: yaml.v3's own reading is checked by readsPlain, this adds
// YAML 1.1's (and Go's number syntax, a superset of both).
func typed(v string) bool {
	if yaml11[v] || sexagesimal.MatchString(v) {
		return true
	}
	s := strings.ReplaceAll(v, "_", "")
	if _, err := strconv.ParseFloat(s, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		return true
	}
	_, err := strconv.ParseInt(s, 0, 64)
	return err == nil || errors.Is(err, strconv.ErrRange)
}

// readsPlain reports whether doc parses with one plain string scalar whose
// value is v, which is how v must come back.
func readsPlain(doc, v string) bool {
	var d yaml.Node
	if parseOne([]byte(doc), &d) != nil {
		return false
	}
	n := scalarIn(&d)
	return n != nil && n.Style == 0 && n.Tag == "!!str" && n.Value == v
}

// scalarIn finds the one value in a document made by plainOK: the value of
// {k: v}, or the item of [v].
func scalarIn(d *yaml.Node) *yaml.Node {
	if len(d.Content) != 1 {
		return nil
	}
	c := d.Content[0]
	switch {
	case c.Kind == yaml.MappingNode && len(c.Content) == 2 && c.Content[0].Value == "k":
		return c.Content[1]
	case c.Kind == yaml.SequenceNode && len(c.Content) == 1:
		return c.Content[0]
	}
	return nil
}

// parseOne is yaml.Unmarshal with yaml.v3's panics made errors, as decode.
func parseOne(b []byte, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the YAML parser failed: %v", r)
		}
	}()
	return yaml.Unmarshal(b, n)
}
