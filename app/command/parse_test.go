package command

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

type parseCase struct {
	name  string
	body  string
	opts  Options
	want  Outcome
	cmd   string   // Run: Invocation.Name
	args  []string // Run: Invocation.Args
	line  int      // Run: Invocation.Line
	has   []string // Reply: substrings the reply must contain
	lacks []string // Reply: substrings it must not contain
}

func run(name, body, cmd string, line int, args ...string) parseCase {
	return parseCase{name: name, body: body, want: Run, cmd: cmd, args: args, line: line}
}

func ignore(name, body string) parseCase {
	return parseCase{name: name, body: body, want: Ignore}
}

func replies(name, body string, has ...string) parseCase {
	return parseCase{name: name, body: body, want: Reply, has: has}
}

// with returns c parsed with opts.
func (c parseCase) with(opts Options) parseCase {
	c.opts = opts
	return c
}

// lacking returns c whose reply must not contain any of s.
func (c parseCase) lacking(s ...string) parseCase {
	c.lacks = s
	return c
}

var (
	dot  = Options{Prefix: "."}
	abcd = Options{Specs: []Spec{{Name: "abc"}, {Name: "abd"}}}
	abdc = Options{Specs: []Spec{{Name: "abd"}, {Name: "abc"}}}
	ping = Options{Specs: []Spec{{Name: "ping"}}}
)

var recognitionCases = []parseCase{
	run("simple", "/deploy v1.4.0 to staging", "deploy", 1, "v1.4.0", "to", "staging"),
	run("flags kept as typed", "/deploy v1.4.0 to staging --dry-run", "deploy", 1, "v1.4.0", "to", "staging", "--dry-run"),
	run("no arguments", "/help", "help", 1),
	run("trailing spaces", "/status   ", "status", 1),
	run("trailing newline", "/status prod\n", "status", 1, "prod"),
	run("one space indent", " /status", "status", 1),
	run("three space indent", "   /status", "status", 1),
	ignore("four space indent is code", "    /status"),
	ignore("tab indent is code", "\t/status"),
	run("after a paragraph line", "Please ship it\n/deploy v1 to prod\nthanks!", "deploy", 2, "v1", "to", "prod"),
	run("after blank lines", "hello\n\n\n/status", "status", 4),
	run("after a backslash hard break", "hello\\\n/status", "status", 2),
	run("after a two-space hard break", "hello  \n/status", "status", 2),
	run("after inline code on the line above", "see `x`\n/status", "status", 2),
	run("after an html block", "<div>\nx\n</div>\n\n/status", "status", 5),
	run("in a list item", "- /status prod", "status", 1, "prod"),
	run("in a loose list item", "1. first\n\n2. /queue", "queue", 3),
	run("text continuation indented 3", "context\n   /status", "status", 2),
	ignore("text continuation indented 4", "context\n    /status"),
	ignore("text continuation indented 8", "context\n        /status"),
	run("list continuation aligned", "- item\n  /status", "status", 2),
	run("nested list continuation", "- a\n  - b\n    /status", "status", 3),
	run("ordered list continuation", "1. x\n   /status", "status", 2),
	ignore("text continuation indented by tab", "context\n\t/status"),
	ignore("list continuation indented 4 past content", "- item\n      /status"),
	run("after closed fence", "```\n/deploy v1\n```\n/status", "status", 4),
	run("after block quote", "> quoted\n\n/status", "status", 3),
	run("inline code later on the line", "/deploy `v1` to prod", "deploy", 1, "`v1`", "to", "prod"),
	run("emphasis later on the line", "/status *prod*", "status", 1, "*prod*"),
	run("hard break backslash is literal", "/status prod\\\nmore", "status", 1, `prod\`),
	run("dot prefix", ".deploy v1 to prod", "deploy", 1, "v1", "to", "prod").with(dot),
	run("dot prefix no arguments", ".status", "status", 1).with(dot),
	ignore("dot prefix ignores slash", "/deploy v1 to prod").with(dot),
	run("custom specs", "/ping", "ping", 1).with(ping),
	replies("custom specs hide table", "/deploy", "`/deploy`").with(ping),
	run("command after quoted command", "> /deploy v1\n\n/status", "status", 3),

	ignore("empty body", ""),
	ignore("plain text", "LGTM, ship it"),
	ignore("command mid line", "please run /deploy v1 to prod"),
	ignore("uppercase first letter", "/Deploy v1 to prod"),
	ignore("all uppercase", "/DEPLOY"),
	ignore("uppercase after name", "/deployX v1"),
	ignore("punctuation after name", "/deploy! now"),
	ignore("path", "/usr/local/bin is missing"),
	ignore("double slash", "//deploy"),
	ignore("space after prefix", "/ deploy"),
	ignore("digit first", "/2fa"),
	ignore("prefix alone", "/"),
	ignore("escaped prefix", `\/deploy v1`),
	ignore("entity prefix", "&#47;deploy v1"),
}

var lookalikeCases = []parseCase{
	ignore("cyrillic a in name", "/st\u0430tus"),
	ignore("fullwidth dot prefix", "\uff0edeploy").with(dot),
	ignore("cyrillic e in name", "/d\u0435ploy v1 to prod"),
	ignore("cyrillic after name", "/deploy\u0430 v1"),
	ignore("accented letter after name", "/statusé"),
	ignore("fullwidth solidus", "\uff0fdeploy v1 to prod"),
	ignore("fullwidth letters", "/\uff44eploy v1 to prod"),
	ignore("division slash", "\u2215deploy v1 to prod"),
	ignore("zero width space in name", "/de\u200bploy v1 to prod"),
	ignore("zero width joiner after name", "/deploy\u200d v1"),
	ignore("zero width before prefix", "\u200b/deploy v1"),
	ignore("zero width after prefix", "/\u200bdeploy v1"),
	ignore("left-to-right mark after name", "/deploy\u200e v1"),
	ignore("bidi override in name", "/dep\u202eloy v1"),
	ignore("bidi embedding before prefix", "\u202a/deploy v1"),
	ignore("word joiner in name", "/de\u2060ploy"),
	ignore("invisible times after name", "/deploy\u2062"),
	ignore("byte order mark before prefix", "\ufeff/deploy v1"),
	ignore("byte order mark in name", "/dep\ufeffloy"),
	ignore("soft hyphen in name", "/de\u00adploy v1"),
	ignore("no-break space after name", "/deploy\u00a0v1"),
	ignore("ideographic space after name", "/deploy\u3000v1"),
}

var markdownCases = []parseCase{
	ignore("backtick fence", "```\n/deploy v1 to prod\n```"),
	ignore("tilde fence", "~~~\n/deploy v1 to prod\n~~~"),
	ignore("fence with info string", "```sh\n/deploy v1 to prod\n```"),
	ignore("unclosed backtick fence", "look:\n\n```\n/deploy v1 to prod"),
	ignore("unclosed tilde fence", "~~~\n\n/deploy v1 to prod\n\ntext"),
	ignore("fence in list item", "- ```\n  /deploy v1\n  ```"),
	ignore("indented code block", "text\n\n    /deploy v1 to prod"),
	ignore("block quote", "> /deploy v1 to prod"),
	ignore("nested block quote", "> > /deploy v1 to prod"),
	ignore("block quote lazy continuation", "> please\n/deploy v1 to prod"),
	ignore("list in block quote", "> - /deploy v1 to prod"),
	ignore("html comment", "<!-- /deploy v1 to prod -->"),
	ignore("multi-line html comment", "<!--\n/deploy v1 to prod\n-->"),
	ignore("html comment after text", "text\n\n<!--\nnotes\n/deploy v1\n-->\nmore"),
	ignore("inline html comment across lines", "text <!--\n/deploy v1 to prod -->"),
	ignore("html block", "<div>\n/deploy v1 to prod\n</div>"),
	ignore("details block", "<details>\n<summary>x</summary>\n/deploy v1\n</details>"),
	ignore("inline code", "`/help`"),
	ignore("double backtick inline code", "`` /help ``"),
	ignore("inline code across lines", "see `code\n/deploy v1` here"),
	ignore("atx heading", "# /deploy v1 to prod"),
	ignore("setext heading", "/deploy v1 to prod\n---"),
	ignore("link text", "[\n/deploy v1](https://example.com)"),
	ignore("emphasis across lines", "*note\n/deploy v1*"),
	ignore("strikethrough across lines", "~~old\n/deploy v1~~"),
	ignore("table header", "/deploy v1 | b\n--- | ---"),
	ignore("link reference definition", "[x]:\n/deploy"),
}

var limitCases = []parseCase{
	replies("unterminated double quote", `/lock prod --reason "db migration`, "unterminated", "`\"`", "`/lock`").lacking("Unknown"),
	replies("unterminated single quote", `/lock prod --reason 'db`, "unterminated", "`'`"),
	replies("unterminated typographic quote", "/lock prod --reason “db", "unterminated", "`“`"),
	replies("too many arguments", "/deploy"+strings.Repeat(" a", 65), "at most 64", "`/deploy`"),
	run("64 arguments", "/deploy"+strings.Repeat(" a", 64), "deploy", 1, slices.Repeat([]string{"a"}, 64)...),
	replies("too long", "/status\n"+strings.Repeat("x", MaxBodyRunes), "too long", "65536"),
	run("exactly at the limit", strings.Repeat("x", MaxBodyRunes-8)+"\n/status", "status", 2),
	run("multibyte body at the limit", strings.Repeat("é", MaxBodyRunes-8)+"\n/status", "status", 2),
	replies("multibyte body over the limit", strings.Repeat("é", MaxBodyRunes+1), "too long"),
	replies("huge body", strings.Repeat("/status\n", 1<<17), "too long"),
	run("nesting at the limit", strings.Repeat("> ", MaxNesting)+"a\n\n/status", "status", 3),
	replies("nesting over the limit", strings.Repeat("> ", MaxNesting+1)+"a\n\n/status", "too complex", "32"),
	replies("list nesting over the limit", strings.Repeat("1. ", MaxNesting+1)+"a\n\n/status", "too complex"),
	run("indent at the limit", strings.Repeat(" ", MaxIndent)+"a\n\n/status", "status", 3),
	replies("indent over the limit", strings.Repeat(" ", MaxIndent+1)+"a\n\n/status", "too complex", "256"),
	run("many links in short paragraphs", strings.Repeat("[a](b)\n\n", 5000)+"/status", "status", 10001),
	run("many links in one paragraph", strings.Repeat("[a](b) ", 500)+"\n\n/status", "status", 3),
	replies("links scanning too far", strings.Repeat("[a](b", 300)+strings.Repeat("b", 60000)+"\n\n/status", "too complex", "links"),
	ignore("complex comment without command", strings.Repeat("> ", 10000)+strings.Repeat("[a](b", 1000)),
	replies("long spaced thematic break counts as nesting", strings.Repeat("- ", 40)+"\n\n/status", "too complex"),
	run("long thematic break", strings.Repeat("-", 100)+"\n\n/status", "status", 3),
	run("thematic break under the limit", "- - -\n/status", "status", 2),
}

var argumentCases = []parseCase{
	run("tabs separate", "/deploy\tv1\t\tto  prod", "deploy", 1, "v1", "to", "prod"),
	run("double quotes", `/lock prod --reason "db migration" --ttl 2h`, "lock", 1, "prod", "--reason", "db migration", "--ttl", "2h"),
	run("single quotes", `/deny 'not today'`, "deny", 1, "not today"),
	run("typographic quotes", "/lock prod --reason “db migration”", "lock", 1, "prod", "--reason", "db migration"),
	run("apostrophe in double quotes", `/deny "don't"`, "deny", 1, "don't"),
	run("double quote in single quotes", `/deny 'say "no"'`, "deny", 1, `say "no"`),
	run("empty quotes", `/deny ""`, "deny", 1, ""),
	run("quotes inside a word", `/lock prod --reason="a b"`, "lock", 1, "prod", "--reason=a b"),
	run("backslash is literal", `/deny a\ b \x`, "deny", 1, `a\`, "b", `\x`),
	replies("backslash does not escape a quote", `/deny \"`, "unterminated"),
	run("unicode arguments kept", "/deny ça va", "deny", 1, "ça", "va"),
	run("CRLF", "hello\r\n/status prod\r\n", "status", 2, "prod"),
	run("lone CR", "hello\r/status prod\r", "status", 2, "prod"),
}

var replyCases = []parseCase{
	replies("unknown command", "/frobnicate now", "Unknown command `/frobnicate`.", "`/help`").lacking("Did you mean"),
	replies("typo suggests", "/deplyo v1 to prod", "Unknown command `/deplyo`.", "Did you mean `/deploy`?", "`/help`"),
	replies("transposition suggests", "/stauts", "Did you mean `/status`?"),
	replies("two edits suggest", "/rolback prod", "Did you mean `/rollback`?"),
	replies("unique prefix suggests", "/dep v1", "Did you mean `/deploy`?"),
	replies("unique short prefix suggests", "/unl prod", "Did you mean `/unlock`?"),
	replies("dot prefix in reply", ".deplo v1", "`.deplo`", "`.deploy`", "`.help`").with(dot),
	replies("multiple known commands", "/deploy v1 to prod\n/status", "one command per comment", "`/deploy`", "`/status`").lacking("Unknown"),
	replies("multiple with unknown", "/status\n\n/nope", "one command", "`/status`", "`/nope`"),
	replies("multiple in list", "- /approve\n- /confirm", "`/approve`", "`/confirm`"),
	replies("many commands are capped", strings.Repeat("/status\n", 12), "has 12", "and 2 more"),
	replies("long unknown name is truncated", "/"+strings.Repeat("a", 200), "`/"+strings.Repeat("a", 62)+"…`").lacking(strings.Repeat("a", 64)),
	replies("tie picks earliest", "/abx", "Did you mean `/abc`?").with(abcd),
	replies("tie picks earliest reversed", "/abx", "Did you mean `/abd`?").with(abdc),
	replies("ambiguous prefix, nothing close", "/re").lacking("Did you mean"),
	replies("too far for a suggestion", "/dxxxoy").lacking("Did you mean"),
	replies("mention prefix stays in code", "@x hi", "`@x`", "`@help`").with(Options{Prefix: "@"}),
}

func TestParse(t *testing.T) {
	groups := []struct {
		name  string
		cases []parseCase
	}{
		{"recognition", recognitionCases}, {"lookalike", lookalikeCases}, {"markdown", markdownCases},
		{"limit", limitCases}, {"argument", argumentCases}, {"reply", replyCases},
	}
	for _, g := range groups {
		for _, tc := range g.cases {
			t.Run(g.name+"/"+tc.name, func(t *testing.T) { checkParse(t, tc) })
		}
	}
}

func checkParse(t *testing.T, tc parseCase) {
	t.Helper()
	got := Parse(tc.body, tc.opts)
	if len(tc.body) <= MaxBodyRunes {
		checkPrefilter(t, tc.body, tc.opts.prefix())
	}
	if got.Outcome != tc.want {
		t.Fatalf("Parse(%.80q) = %v %+v, want %v", tc.body, got.Outcome, got, tc.want)
	}
	switch got.Outcome {
	case Run:
		inv := got.Invocation
		if inv.Name != tc.cmd || !slices.Equal(inv.Args, tc.args) || inv.Line != tc.line {
			t.Errorf("Invocation = %q %q line %d, want %q %q line %d", inv.Name, inv.Args, inv.Line, tc.cmd, tc.args, tc.line)
		}
		if got.Reply != "" {
			t.Errorf("Run with reply %q", got.Reply)
		}
	case Reply:
		for _, s := range tc.has {
			if !strings.Contains(got.Reply, s) {
				t.Errorf("reply %q lacks %q", got.Reply, s)
			}
		}
		for _, s := range tc.lacks {
			if strings.Contains(got.Reply, s) {
				t.Errorf("reply %q contains %q", got.Reply, s)
			}
		}
		checkReply(t, got.Reply)
	case Ignore:
		if got.Reply != "" || got.Invocation.Name != "" {
			t.Errorf("Ignore with data: %+v", got)
		}
	}
}

// TestParseConcurrent exercises the shared markdown parser from several
// goroutines; run with -race.
func TestParseConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				body := fmt.Sprintf("text %d\n\n- /deploy v%d.%d to staging\n\n```\n/help\n```", i, i, j)
				res := Parse(body, Options{})
				if res.Outcome != Run || res.Invocation.Line != 3 || res.Invocation.Args[0] != fmt.Sprintf("v%d.%d", i, j) {
					t.Errorf("Parse(%q) = %+v", body, res)
				}
			}
		})
	}
	wg.Wait()
}
