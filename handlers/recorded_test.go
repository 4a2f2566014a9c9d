package handlers

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseRecorded(t *testing.T) {
	page := "Request URL: https://ops.example.com/webhook\r\nRequest method: POST\r\n\r\nHeaders\r\n" +
		"Accept: */*\r\ncontent-type: application/json\r\nX-GitHub-Delivery: 72d3162e-cc78-11e3\r\n" +
		"X-GitHub-Event: issue_comment\r\nX-Hub-Signature-256: sha256=abc\r\n\r\nPayload\r\n{\"action\":\"created\"}\r\n"
	h, body, err := ParseRecorded([]byte(page))
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("X-GitHub-Event") != "issue_comment" || h.Get("X-Github-Delivery") != "72d3162e-cc78-11e3" ||
		h.Get("Content-Type") != "application/json" || h.Get("X-Hub-Signature-256") != "sha256=abc" || h.Get("Request URL") != "" {
		t.Errorf("headers = %v", h)
	}
	if string(body) != "{\"action\":\"created\"}\r\n" {
		t.Errorf("body = %q", body)
	}

	h, body, err = ParseRecorded([]byte("\xef\xbb\xbf{\n  \"zen\": \"x\"\n}\n"))
	if err != nil || len(h) != 0 || string(body) != "{\n  \"zen\": \"x\"\n}\n" {
		t.Errorf("bare payload = %v, %q, %v", h, body, err)
	}

	for _, bad := range []string{"", "X-GitHub-Event: ping\n", "Bad Header: x\n{}", "X-A: 1\nnot=a header\n{}",
		strings.Repeat("x", MaxRecordedBytes+1)} {
		if _, _, err := ParseRecorded([]byte(bad)); err == nil {
			t.Errorf("ParseRecorded(%.40q) accepted it", bad)
		}
	}
}

// The body is everything from the payload's first line, byte for byte, and
// no header carries a line break or a non-token name.
func FuzzParseRecorded(f *testing.F) {
	f.Add([]byte("X-GitHub-Event: ping\nX-GitHub-Delivery: 1\n\n{\"zen\":\"z\"}"))
	f.Add([]byte("Request URL: x\r\nHeaders\r\nA: b\r\n{}"))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, body, err := ParseRecorded(data)
		if err != nil {
			return
		}
		if !bytes.HasSuffix(data, body) || !bytes.HasPrefix(bytes.TrimLeft(body, " \t"), []byte("{")) {
			t.Fatalf("body %q is not the file's tail from a {", body)
		}
		for name, values := range h {
			if !validHeaderName(name) {
				t.Fatalf("header name %q", name)
			}
			for _, v := range values {
				if strings.ContainsAny(v, "\r\n") {
					t.Fatalf("header %s value %q has a line break", name, v)
				}
			}
		}
	})
}
