package command

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func TestHelpTextGolden(t *testing.T) {
	got := HelpText("/", Table)
	golden := filepath.Join("testdata", "help.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestHelpTextGolden -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("HelpText differs from %s (run with -update to accept):\n%s", golden, got)
	}
}

func TestHelpText(t *testing.T) {
	got := HelpText(".", []Spec{{Name: "queue", Summary: "Show the queue."}, {Name: "odd", Syntax: "`x` @y", Summary: "Odd."}})
	want := "Commands (one per comment, on a line of its own):\n\n" +
		"- `.queue` — Show the queue.\n" +
		"- ``.odd `x` @y`` — Odd.\n"
	if got != want {
		t.Errorf("HelpText = %q, want %q", got, want)
	}
	if !strings.Contains(HelpText("", Table), "`/help`") {
		t.Error("empty prefix should default to /")
	}
	checkReply(t, HelpText("/", Table)) // no mentions, links or HTML
}

func TestTableNames(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Table {
		if !validName.MatchString(s.Name) || seen[s.Name] || s.Summary == "" {
			t.Errorf("bad or duplicate spec %+v", s)
		}
		seen[s.Name] = true
	}
	if len(Table) != 15 {
		t.Errorf("Table has %d commands, want 15", len(Table))
	}
}

func TestLookup(t *testing.T) {
	if s, ok := Lookup(Table, "deploy"); !ok || s.Syntax != "<version|ref|sha> to <env> [--dry-run]" {
		t.Errorf("Lookup(deploy) = %+v, %v", s, ok)
	}
	for _, name := range []string{"", "Deploy", "/deploy", "depl", "d\u0435ploy"} {
		if _, ok := Lookup(Table, name); ok {
			t.Errorf("Lookup(%q) found a command", name)
		}
	}
	dup := []Spec{{Name: "a", Summary: "first"}, {Name: "a", Summary: "second"}}
	if s, _ := Lookup(dup, "a"); s.Summary != "first" {
		t.Errorf("Lookup with duplicates = %+v, want the first", s)
	}
	if _, ok := Lookup(nil, "a"); ok {
		t.Error("Lookup(nil) found a command")
	}
}

func TestOutcomeString(t *testing.T) {
	for o, want := range map[Outcome]string{Ignore: "Ignore", Run: "Run", Reply: "Reply", 7: "Outcome(?)"} {
		if got := o.String(); got != want {
			t.Errorf("Outcome(%d).String() = %q, want %q", int(o), got, want)
		}
	}
}
