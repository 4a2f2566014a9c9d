package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"strings"
)

// MaxRecordedBytes bounds a recorded delivery file: GitHub caps payloads at
// 25 MiB, and the headers are small.
const MaxRecordedBytes = MaxBodyBytes + 64<<10

// ParseRecorded reads a recorded delivery: the headers as GitHub's "Recent
// Deliveries" page shows them ("Name: value" lines, optionally under a
// "Headers" title and after "Request URL:" and "Request method:" lines),
// then the payload, which starts at the first line beginning with "{". A
// file that starts with "{" is a bare payload with no headers.
//
// The body is kept byte for byte from its first "{" to the end of the file,
// so a signature can be checked over it.
func ParseRecorded(data []byte) (http.Header, []byte, error) {
	if len(data) > MaxRecordedBytes {
		return nil, nil, fmt.Errorf("the file is over %d bytes", MaxRecordedBytes)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a byte-order mark some editors add
	header := http.Header{}
	rest := data
	for len(rest) > 0 {
		line, next, _ := bytes.Cut(rest, []byte("\n"))
		text := strings.TrimRight(string(line), "\r")
		if strings.HasPrefix(strings.TrimLeft(text, " \t"), "{") {
			return header, bytes.TrimLeft(rest, " \t"), nil
		}
		if err := addHeaderLine(header, text); err != nil {
			return nil, nil, err
		}
		rest = next
	}
	return nil, nil, errors.New("no payload: expected a JSON object after the headers")
}

// addHeaderLine adds one "Name: value" line. Blank lines, section titles
// ("Headers", "Payload") and the page's "Request URL:"/"Request method:"
// lines carry no header and are skipped.
func addHeaderLine(h http.Header, line string) error {
	trimmed := strings.TrimSpace(line)
	name, value, ok := strings.Cut(trimmed, ":")
	switch {
	case trimmed == "", !ok && !strings.ContainsAny(trimmed, "{}\"="):
		return nil
	case !ok:
		return fmt.Errorf("line %q is neither a header nor the start of the payload", truncate(trimmed))
	case strings.HasPrefix(name, "Request "):
		return nil
	case !validHeaderName(name):
		return fmt.Errorf("%q is not a header name", truncate(name))
	case strings.ContainsFunc(value, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }):
		return fmt.Errorf("the value of header %s holds a control character", name)
	}
	h.Add(textproto.CanonicalMIMEHeaderKey(name), strings.TrimSpace(value))
	return nil
}

// validHeaderName reports whether name is an HTTP token (RFC 9110).
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if c > 0x7e || c <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return false
		}
	}
	return true
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
