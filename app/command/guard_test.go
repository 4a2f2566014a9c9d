package command

import (
	"strings"
	"testing"
)

func TestLinkScan(t *testing.T) {
	tests := []struct {
		name, src string
		want      int
	}{
		{"none", "plain text", 0},
		{"one to the end", "[a](b)", 4},
		{"stops at blank line", "[a](b)\n\nmore text", 5},
		{"blank line with spaces", "[a](b)\n \t\nmore", 5},
		{"two in a paragraph", "[a](b) [c](d)\nx", 13 + 6},
		{"separate paragraphs", "[a](b)\n\n[c](d)", 5 + 4},
		{"split bracket is not a link", "[a]\n(b)", 0},
	}
	for _, tt := range tests {
		if got := linkScan(tt.src); got != tt.want {
			t.Errorf("%s: linkScan(%q) = %d, want %d", tt.name, tt.src, got, tt.want)
		}
	}
}

func TestLeading(t *testing.T) {
	tests := []struct {
		line         string
		width, depth int
		candidate    bool
	}{
		{"/deploy", 0, 0, true},
		{"   /deploy", 3, 0, true},
		{"- /deploy", 2, 1, true},
		{"1. 2) - /x", 8, 3, true},
		{"> > /x", 4, 2, true},
		{"123456789. /x", 11, 1, true},
		{"1234567890. /x", 0, 0, false}, // ten digits is not a list marker
		{"-/deploy", 0, 0, false},
		{"/Deploy", 0, 0, false},
		{"/", 0, 0, false},
		{"text /deploy", 0, 0, false},
		{"\t*\t/x", 3, 1, true},
		{strings.Repeat("- ", 40), 80, 40, false},
	}
	for _, tt := range tests {
		l := leading(tt.line, "/")
		if l.width != tt.width || l.depth != tt.depth || l.candidate != tt.candidate {
			t.Errorf("leading(%q) = %+v, want width %d depth %d candidate %v", tt.line, l, tt.width, tt.depth, tt.candidate)
		}
	}
	if !leading("- .x", ".").candidate || leading("- /x", ".").candidate {
		t.Error("leading ignores the prefix")
	}
}
