package command

import "testing"

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"deploy", "deploy", 0},
		{"deplyo", "deploy", 1}, // adjacent swap
		{"dpeloy", "deploy", 1},
		{"deploi", "deploy", 1},
		{"deplo", "deploy", 1},
		{"rolback", "rollback", 1},
		{"satuts", "status", 2},
		{"ca", "abc", 3}, // OSA, not unrestricted Damerau-Levenshtein (2)
		{"abc", "", 3},
		{"kitten", "sitting", 3},
	}
	for _, tt := range tests {
		if got := distance(tt.a, tt.b, 10); got != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := distance(tt.b, tt.a, 10); got != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.b, tt.a, got, tt.want)
		}
	}
	if got := distance("a", "abcdefgh", 3); got != 3 {
		t.Errorf("distance with limit = %d, want the limit 3", got)
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		name, want string
	}{
		{"deplyo", "deploy"},
		{"dep", "deploy"}, // unique prefix beats deny at distance 2
		{"de", "deny"},    // prefix of deploy and deny: nearest wins
		{"statu", "status"},
		{"lokc", "lock"},
		{"unlok", "unlock"},
		{"aprove", "approve"},
		{"retyr", "retry"},
		{"hepl", "help"},
		{"cancle", "cancel"},
		{"q", "queue"},
		{"re", ""},
		{"xyzzy", ""},
		{"deployment", ""},
	}
	for _, tt := range tests {
		got, ok := suggest(Table, tt.name)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("suggest(%q) = %q, %v, want %q", tt.name, got, ok, tt.want)
		}
	}
}
