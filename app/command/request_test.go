package command

import (
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/issueops/issueops/app/render"
)

type requestCase struct {
	name string   // command
	line string   // arguments as typed, tokenized like Parse does
	args []string // arguments as given, when line cannot express them
	want Request  // on success; Name is filled in
	has  []string // on error: substrings the message must contain
}

func (c requestCase) invocation(t *testing.T) Invocation {
	t.Helper()
	if c.args != nil {
		return Invocation{Name: c.name, Args: c.args, Line: 1}
	}
	args, err := tokenize(c.line)
	if err != nil {
		t.Fatalf("tokenize(%q): %v", c.line, err)
	}
	return Invocation{Name: c.name, Args: args, Line: 1}
}

func good(name, line string, want Request) requestCase {
	want.Name = name
	return requestCase{name: name, line: line, want: want}
}

func bad(name, line string, has ...string) requestCase {
	return requestCase{name: name, line: line, has: has}
}

func badArgs(name string, args []string, has ...string) requestCase {
	return requestCase{name: name, args: args, has: has}
}

var validRequests = []requestCase{
	good("deploy", "v1.4.0 to staging", Request{Ref: "v1.4.0", Environment: "staging"}),
	good("deploy", "v1.4.0 to staging --dry-run", Request{Ref: "v1.4.0", Environment: "staging", DryRun: true}),
	good("deploy", "--dry-run main to prod", Request{Ref: "main", Environment: "prod", DryRun: true}),
	good("deploy", "main --dry-run to prod", Request{Ref: "main", Environment: "prod", DryRun: true}),
	good("deploy", "0123456789abcdef0123456789abcdef01234567 to prod-eu.1", Request{Ref: "0123456789abcdef0123456789abcdef01234567", Environment: "prod-eu.1"}),
	good("deploy", "feature/login-v2 to review_42", Request{Ref: "feature/login-v2", Environment: "review_42"}),
	good("deploy", "refs/heads/main to Production", Request{Ref: "refs/heads/main", Environment: "Production"}),
	good("deploy", "to to to", Request{Ref: "to", Environment: "to"}),
	good("deploy", "v1 to "+strings.Repeat("e", 64), Request{Ref: "v1", Environment: strings.Repeat("e", 64)}),
	good("deploy", strings.Repeat("r", 255)+" to prod", Request{Ref: strings.Repeat("r", 255), Environment: "prod"}),
	good("deploy", "user@host to prod", Request{Ref: "user@host", Environment: "prod"}),
	// git allows these in ref names, so the grammar does too: whoever
	// shows or passes on a ref must escape it.
	good("release", "<b>hi</b>", Request{Ref: "<b>hi</b>"}),
	good("deploy", "v1.0.0+build.1 to prod", Request{Ref: "v1.0.0+build.1", Environment: "prod"}),
	good("promote", "staging to prod", Request{Other: "staging", Environment: "prod"}),
	good("promote", "staging to prod --dry-run", Request{Other: "staging", Environment: "prod", DryRun: true}),
	good("rollback", "prod", Request{Environment: "prod"}),
	good("rollback", "prod to v1.3.9", Request{Environment: "prod", Ref: "v1.3.9"}),
	good("rollback", "--dry-run prod to v1.3.9", Request{Environment: "prod", Ref: "v1.3.9", DryRun: true}),
	good("release", "", Request{}),
	good("release", "--dry-run", Request{DryRun: true}),
	good("release", "v2.0.0", Request{Ref: "v2.0.0"}),
	good("release", "major", Request{Ref: "major"}),
	good("release", "minor", Request{Ref: "minor"}),
	good("release", "patch from release/1.x", Request{Ref: "patch", From: "release/1.x"}),
	good("release", "from main", Request{From: "main"}),
	good("release", "1.2.3 from abc123 --dry-run", Request{Ref: "1.2.3", From: "abc123", DryRun: true}),
	good("lock", "prod", Request{Environment: "prod"}),
	good("lock", "--global", Request{Global: true}),
	good("lock", `prod --reason "db migration" --ttl 2h`, Request{Environment: "prod", Reason: "db migration", TTL: 2 * time.Hour}),
	good("lock", `--ttl=90m --reason=freeze prod`, Request{Environment: "prod", Reason: "freeze", TTL: 90 * time.Minute}),
	good("lock", `--global --ttl 3d --dry-run`, Request{Global: true, TTL: 72 * time.Hour, DryRun: true}),
	good("lock", `prod --ttl 30d`, Request{Environment: "prod", TTL: 30 * 24 * time.Hour}),
	good("lock", `prod --ttl 720h`, Request{Environment: "prod", TTL: 720 * time.Hour}),
	good("lock", `prod --ttl 1h30m`, Request{Environment: "prod", TTL: 90 * time.Minute}),
	good("lock", `prod --reason “see @ops, #12”`, Request{Environment: "prod", Reason: "see @ops, #12"}),
	good("lock", "prod --reason \"a\tb\"", Request{Environment: "prod", Reason: "a\tb"}),
	good("lock", `prod --reason `+strings.Repeat("é", 500), Request{Environment: "prod", Reason: strings.Repeat("é", 500)}),
	good("unlock", "prod", Request{Environment: "prod"}),
	good("unlock", "--global --dry-run", Request{Global: true, DryRun: true}),
	good("status", "", Request{}),
	good("status", "prod", Request{Environment: "prod"}),
	good("diff", "staging prod", Request{Environment: "staging", Other: "prod"}),
	good("queue", "", Request{}),
	good("approve", "", Request{}),
	good("confirm", "", Request{}),
	good("cancel", "", Request{}),
	good("retry", "", Request{}),
	good("help", "", Request{}),
	good("deny", "", Request{}),
	good("deny", "not   now", Request{Reason: "not now"}),
	good("deny", `--dry-run "wrong  ticket" "" @team`, Request{Reason: "--dry-run wrong  ticket @team"}),
	good("deny", "to from --global", Request{Reason: "to from --global"}),
}

func TestParseRequestValid(t *testing.T) {
	for _, tc := range validRequests {
		t.Run(tc.name+" "+tc.line, func(t *testing.T) {
			got, err := ParseRequest(tc.invocation(t), "/")
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			checkRequest(t, got)
		})
	}
}

var (
	long10k  = strings.Repeat("a", 10000)
	cyrillic = "st\u0430ging" // Cyrillic а
)

var invalidRequests = []requestCase{
	// Missing arguments.
	bad("deploy", "", "needs a version, ref or sha:"),
	bad("deploy", "v1", "needs an environment:"),
	bad("deploy", "v1 to", "needs an environment:"),
	bad("deploy", "to prod", "needs a version, ref or sha:"),
	bad("deploy", "--dry-run", "needs a version, ref or sha:"),
	bad("promote", "", "needs the environment to promote from:"),
	bad("promote", "staging", "needs the environment to promote to:"),
	bad("promote", "to prod", "needs the environment to promote from:"),
	bad("rollback", "", "needs an environment:"),
	bad("rollback", "to", "needs an environment:"),
	bad("rollback", "to v1", "needs an environment:"),
	bad("rollback", "prod to", "needs a version after `to`:"),
	bad("release", "from", "needs a ref after `from`:"),
	bad("release", "v1 from", "needs a ref after `from`:"),
	bad("lock", "", "needs an environment or `--global`:"),
	bad("lock", "--reason x", "needs an environment or `--global`:"),
	bad("unlock", "--dry-run", "needs an environment or `--global`:"),
	bad("diff", "", "needs two environments:"),
	bad("diff", "prod", "needs a second environment:"),

	// Wrong shape.
	bad("deploy", "v1 prod", "expected `to` after `v1`, not `prod`"),
	bad("deploy", "v1 TO prod", "expected `to` after `v1`, not `TO`"),
	bad("deploy", "v1 to prod now", "does not take the argument `now`"),
	bad("promote", "staging into prod", "expected `to` after `staging`, not `into`"),
	bad("rollback", "prod v1", "expected `to` after `prod`, not `v1`"),
	bad("rollback", "prod to v1 v2", "does not take the argument `v2`"),
	bad("release", "v1 v2", "expected `from` after the version, not `v2`"),
	bad("release", "v1 FROM main", "expected `from` after the version, not `FROM`"),
	bad("release", "from main extra", "does not take the argument `extra`"),
	bad("release", "Major", "did you mean `major`?"),
	bad("release", "PATCH from main", "did you mean `patch`?"),
	bad("lock", "prod --global", "takes an environment or `--global`, not both"),
	bad("lock", "prod staging", "does not take the argument `staging`"),
	bad("unlock", "--global prod", "not both"),
	bad("status", "prod staging", "does not take the argument `staging`"),
	bad("diff", "a b c", "does not take the argument `c`"),
	bad("diff", "prod prod", "`prod` with itself"),
	bad("diff", "prod PROD", "`prod` with itself"),
	bad("promote", "prod to prod", "promoting `prod` to itself"),
	bad("promote", "Prod to prod", "promoting `Prod` to itself"),
	bad("queue", "now", "takes no arguments, not `now`"),
	bad("help", "deploy", "takes no arguments, not `deploy`"),
	bad("approve", "yes", "takes no arguments"),
	bad("confirm", "x", "takes no arguments"),
	bad("cancel", "x", "takes no arguments"),
	bad("retry", "x", "takes no arguments"),

	// Flags.
	bad("deploy", "v1 to prod --force", "`/deploy` does not take `--force`"),
	bad("deploy", "v1 to prod -f", "does not take `-f`"),
	bad("deploy", "v1 to prod --global", "does not take `--global`"),
	bad("deploy", "v1 to prod --dry-run --dry-run", "`--dry-run` is given twice"),
	bad("deploy", "v1 to prod --dry-run=true", "`--dry-run` takes no value"),
	bad("deploy", "v1 to prod --Dry-Run", "does not take `--Dry-Run`"),
	bad("deploy", "v1 to prod —dry-run", "`—dry-run` is not a flag", "`--dry-run`"),
	bad("lock", "prod –global", "`–global` is not a flag", "`--global`"),
	bad("status", "--dry-run", "`/status` does not take `--dry-run`"),
	bad("queue", "--dry-run", "`/queue` does not take `--dry-run`"),
	bad("unlock", "prod --reason x", "`/unlock` does not take `--reason`"),
	bad("unlock", "prod --ttl 2h", "does not take `--ttl`"),
	bad("lock", "prod --ttl", "`--ttl` needs a value"),
	bad("lock", "prod --ttl=", "`--ttl` needs a value"),
	bad("lock", `prod --ttl ""`, "`--ttl` needs a value"),
	bad("lock", "prod --reason", "`--reason` needs a value"),
	bad("lock", "prod --reason --dry-run", "`--reason` needs a value"),
	bad("lock", "prod --reason=", "`--reason` needs a value"),
	bad("lock", `prod --reason "  "`, "`--reason` needs a value"),
	bad("lock", "prod --reason a --reason b", "`--reason` is given twice"),
	bad("lock", "prod --ttl 1h --ttl=2h", "`--ttl` is given twice"),

	// TTL.
	bad("lock", "prod --ttl=-1h", "`-1h` is not more than zero"),
	bad("lock", "prod --ttl -1h", "`-1h` is not more than zero"),
	bad("lock", "prod --ttl 0", "`0` is not more than zero"),
	bad("lock", "prod --ttl 0d", "is not more than zero"),
	bad("lock", "prod --ttl 999d", "`999d` is longer than 30 days"),
	bad("lock", "prod --ttl 31d", "longer than 30 days"),
	bad("lock", "prod --ttl 721h", "longer than 30 days"),
	bad("lock", "prod --ttl 99999999999999999999999d", "longer than 30 days"),
	bad("lock", "prod --ttl 1.5d", "`1.5d` is not a duration", "`3d`"),
	bad("lock", "prod --ttl 2hours", "is not a duration"),
	bad("lock", "prod --ttl forever", "`forever` is not a duration"),

	// Environment names.
	bad("deploy", "v1 to "+cyrillic, "`"+cyrillic+"` is not valid", "`а` (U+0430)", "Environment names are"),
	bad("deploy", "v1 to stag\u200Bing", "U+200B"),
	bad("deploy", "v1 to ../prod", "contains `/`"),
	bad("deploy", "v1 to ..", "starts with `.`"),
	bad("deploy", "v1 to prod/../x", "contains `/`"),
	bad("deploy", "v1 to .hidden", "starts with `.`"),
	bad("deploy", "v1 to -prod", "`/deploy` does not take `-prod`"),
	bad("deploy", `v1 to "prod eu"`, "contains a space"),
	bad("deploy", `v1 to ""`, "the environment is empty"),
	bad("deploy", `"" to prod`, "the version is empty"),
	bad("release", `v1 from ""`, "the ref is empty"),
	bad("deploy", "v1 to @octocat", "`@octocat` is not valid", "contains `@`"),
	bad("deploy", "v1 to "+strings.Repeat("e", 65), "is longer than 64 characters"),
	bad("lock", "pr%6Fd", "contains `%`"),
	bad("status", "prod;rm", "contains `;`"),
	bad("diff", "prod st<a>ge", "the second environment", "contains `<`"),
	bad("promote", "st`age to prod", "the source environment", "contains `` ` ``"),
	bad("rollback", "pröd", "`ö` (U+00F6)"),

	// Refs and versions.
	bad("deploy", "../../etc/passwd to prod", "contains `..`"),
	bad("deploy", "main~1 to prod", "contains `~`"),
	bad("deploy", "main^ to prod", "contains `^`"),
	bad("deploy", "a:b to prod", "contains `:`"),
	bad("deploy", "a? to prod", "contains `?`"),
	bad("deploy", "a* to prod", "contains `*`"),
	bad("deploy", "a[0] to prod", "contains `[`"),
	bad("deploy", `a\b to prod`, "contains `\\`"),
	bad("deploy", "main@{1} to prod", "contains `@{`"),
	bad("deploy", "@ to prod", "is `@`"),
	bad("deploy", "/main to prod", "starts with `/`"),
	bad("deploy", "main/ to prod", "ends with `/`"),
	bad("deploy", "main. to prod", "ends with `.`"),
	bad("deploy", "main.lock to prod", "ending with `.lock`"),
	bad("deploy", "a.lock/b to prod", "ending with `.lock`"),
	bad("deploy", "a/.b to prod", "starting with `.`"),
	bad("deploy", "a//b to prod", "contains `//`"),
	bad("deploy", "v1.4.0\u00A0 to prod", "U+00A0"),
	bad("deploy", "v１ to prod", "`１` (U+FF11)"),
	bad("deploy", long10k+" to prod", "is longer than 255 characters", "`"+strings.Repeat("a", MaxEcho-1)+"…`"),
	bad("deploy", strings.Repeat("r", 256)+" to prod", "is longer than 255 characters"),
	bad("rollback", "prod to v1..v2", "the version", "contains `..`"),
	bad("release", "v1 from -main", "does not take `-main`"),
	bad("release", "v1 from main..x", "the ref", "contains `..`"),
	badArgs("deploy", []string{"v1\x00", "to", "prod"}, "U+0000"),
	badArgs("deploy", []string{"v1\n@all", "to", "prod"}, "U+000A"),
	badArgs("deploy", []string{"v1", "to", "prod\xff"}, "U+FFFD"),
	badArgs("deploy", []string{long10k, "to", long10k}, "longer than 255"),

	// Reasons.
	bad("lock", "prod --reason "+strings.Repeat("x", 501), "is 501 characters long, and at most 500"),
	bad("deny", strings.Repeat("wordwordwo ", 50), "is 549 characters long"),
	badArgs("lock", []string{"prod", "--reason", "a\nb"}, "the control character U+000A"),
	badArgs("deny", []string{"a\rb"}, "U+000D"),
	badArgs("deny", []string{"evil\u202Etxt"}, "U+202E"),
	badArgs("deny", []string{"a\u2028b"}, "U+2028"),
	badArgs("deny", []string{"a\x85b"}, "not valid UTF-8"),
	badArgs("deny", []string{"a\u0085b"}, "U+0085"),
}

func TestParseRequestInvalid(t *testing.T) {
	for _, tc := range invalidRequests {
		t.Run(tc.name+" "+render.Truncate(tc.line, 40), func(t *testing.T) {
			inv := tc.invocation(t)
			got, err := ParseRequest(inv, "/")
			msg := checkUsageError(t, got, err)
			if !strings.Contains(msg, usageOf("/", tc.name)) {
				t.Errorf("message %q does not show the syntax %s", msg, usageOf("/", tc.name))
			}
			if !strings.Contains(msg, "`/"+tc.name+"`") && !strings.Contains(msg, "is not a flag") &&
				!strings.Contains(msg, "given twice") && !strings.Contains(msg, "value") {
				t.Errorf("message %q does not name the command", msg)
			}
			for _, h := range tc.has {
				if !strings.Contains(msg, h) {
					t.Errorf("message %q lacks %q", msg, h)
				}
			}
		})
	}
}

// usageOf is the syntax line a UsageError for name shows.
func usageOf(prefix, name string) string {
	spec, _ := Lookup(Table, name)
	return render.CodeSpan(strings.TrimRight(prefix+name+" "+spec.Syntax, " "))
}

// checkUsageError asserts err is a *UsageError with a safe, short message
// and no Request alongside it, and returns the message.
func checkUsageError(t *testing.T, got Request, err error) string {
	t.Helper()
	var ue *UsageError
	if !errors.As(err, &ue) || ue == nil {
		t.Fatalf("error %T %v, want *UsageError (request %+v)", err, err, got)
	}
	if got != (Request{}) {
		t.Errorf("request %+v returned with an error", got)
	}
	if ue.Error() != ue.Message {
		t.Errorf("Error() = %q, Message = %q", ue.Error(), ue.Message)
	}
	if len(ue.Message) > maxUsageMessage {
		t.Errorf("message is %d bytes long", len(ue.Message))
	}
	checkReply(t, ue.Message)
	return ue.Message
}

// maxUsageMessage bounds a UsageError's message: fixed text, the syntax
// and at most a few echoes of MaxEcho runes.
const maxUsageMessage = 2048

func TestParseRequestPrefix(t *testing.T) {
	for prefix, shown := range map[string]string{"": "/", ".": ".", "!ops ": "!ops "} {
		_, err := ParseRequest(Invocation{Name: "deploy", Args: []string{"v1"}}, prefix)
		if err == nil || !strings.HasPrefix(err.Error(), echo(shown+"deploy")) ||
			!strings.Contains(err.Error(), usageOf(shown, "deploy")) {
			t.Errorf("prefix %q: error %v, want one naming %s and showing %s",
				prefix, err, echo(shown+"deploy"), usageOf(shown, "deploy"))
		}
	}
}

func TestParseRequestExample(t *testing.T) {
	_, err := ParseRequest(Invocation{Name: "deploy", Args: []string{"v1.4.0", "to"}}, "/")
	want := "`/deploy` needs an environment: `/deploy <version|ref|sha> to <env> [--dry-run]`"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestParseRequestUnknown(t *testing.T) {
	for _, name := range []string{"", "deplyo", "ping", "@all", "deploy\n"} {
		got, err := ParseRequest(Invocation{Name: name, Args: []string{"x"}}, "/")
		msg := checkUsageError(t, got, err)
		if !strings.Contains(msg, "Unknown command") || !strings.Contains(msg, "`/help`") {
			t.Errorf("ParseRequest(%q) message %q", name, msg)
		}
	}
}

// TestGrammarsMatchTable keeps the grammars and the help table in step:
// every command has a grammar, and a syntax that names exactly the flags
// the grammar accepts.
func TestGrammarsMatchTable(t *testing.T) {
	for _, spec := range Table {
		if spec.Name == "deny" {
			continue
		}
		g, ok := grammars[spec.Name]
		if !ok {
			t.Errorf("no grammar for %q", spec.Name)
			continue
		}
		for _, f := range flagDefs {
			if shown, takes := strings.Contains(spec.Syntax, f.name), g.flags&f.bit != 0; shown != takes {
				t.Errorf("%s: syntax %q shows %s: %v, grammar takes it: %v", spec.Name, spec.Syntax, f.name, shown, takes)
			}
		}
	}
	if len(grammars) != len(Table)-1 {
		t.Errorf("%d grammars for %d commands", len(grammars), len(Table))
	}
	if spec, _ := Lookup(Table, "release"); spec.Syntax != "[<version>|major|minor|patch] [from <ref>] [--dry-run]" {
		t.Errorf("release syntax %q", spec.Syntax)
	}
}

// TestParseRequestFromParse runs commands end to end: comment body to
// Request.
func TestParseRequestFromParse(t *testing.T) {
	res := Parse("Ship it\n\n/lock prod --reason “db migration” --ttl=2h", Options{})
	if res.Outcome != Run {
		t.Fatalf("Parse: %+v", res)
	}
	got, err := ParseRequest(res.Invocation, "/")
	want := Request{Name: "lock", Environment: "prod", Reason: "db migration", TTL: 2 * time.Hour}
	if err != nil || got != want {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
}

func TestRefProblem(t *testing.T) {
	for _, s := range []string{"v1.4.0", "main", "a/b/c", "HEAD", "a.b", "a-b_c+d", "@x", "x@", "{}", "a.loc", "lock"} {
		if p := refProblem(s); p != "" {
			t.Errorf("refProblem(%q) = %q, want valid", s, p)
		}
	}
}

func TestParseTTL(t *testing.T) {
	for s, want := range map[string]time.Duration{
		"1s": time.Second, "90m": 90 * time.Minute, "2h": 2 * time.Hour, "1d": 24 * time.Hour,
		"030d": 30 * 24 * time.Hour, "2h30m": 150 * time.Minute,
	} {
		if got, p := parseTTL(s); got != want || p != "" {
			t.Errorf("parseTTL(%q) = %v, %q; want %v", s, got, p, want)
		}
	}
	for _, s := range []string{"", "d", "-1d", "+d", "1e3h", "0000000000000000000031d", "720h1ns", "1w"} {
		if got, p := parseTTL(s); p == "" || got != 0 {
			t.Errorf("parseTTL(%q) = %v, %q; want a problem", s, got, p)
		}
	}
}

func FuzzParseRequest(f *testing.F) {
	for _, tc := range append(slices.Clone(validRequests), invalidRequests...) {
		i := slices.IndexFunc(Table, func(s Spec) bool { return s.Name == tc.name })
		if tc.args == nil {
			f.Add(uint8(i), tc.line, false)
		} else {
			f.Add(uint8(i), strings.Join(tc.args, "\x1f"), true)
		}
	}
	f.Add(uint8(len(Table)), "x", false)
	f.Fuzz(func(t *testing.T, which uint8, line string, raw bool) {
		inv := Invocation{Name: "unknown", Line: 1}
		if int(which) < len(Table) {
			inv.Name = Table[which].Name
		}
		if raw {
			inv.Args = strings.Split(line, "\x1f")
		} else if args, err := tokenize(line); err == nil {
			inv.Args = args
		} else {
			return
		}
		got, err := ParseRequest(inv, "/")
		if err != nil {
			checkUsageError(t, got, err)
			return
		}
		if got.Name != inv.Name {
			t.Fatalf("Name %q for command %q", got.Name, inv.Name)
		}
		if got.DryRun && !slices.Contains(inv.Args, "--dry-run") {
			t.Fatalf("DryRun without --dry-run in %q", inv.Args)
		}
		checkRequest(t, got)
	})
}

// The validation rules, written independently of request.go.
var (
	testEnv    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$`)
	testRefSet = regexp.MustCompile(`^[!-~]{1,255}$`)
)

func testValidRef(s string) bool {
	if !testRefSet.MatchString(s) || strings.ContainsAny(s, "~^:?*[\\") || s == "@" {
		return false
	}
	for _, bad := range []string{"..", "@{", "//", "/."} {
		if strings.Contains(s, bad) {
			return false
		}
	}
	return !strings.HasPrefix(s, "-") && !strings.HasPrefix(s, "/") && !strings.HasPrefix(s, ".") &&
		!strings.HasSuffix(s, "/") && !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, ".lock") &&
		!strings.Contains(s, ".lock/")
}

func testValidReason(s string) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 500 {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool { return r != '\t' && unicode.IsControl(r) })
}

// checkRequest asserts that every field of a successful request obeys the
// validation rules and the shape of its command's grammar.
func checkRequest(t *testing.T, r Request) {
	t.Helper()
	check := func(ok bool, what string) {
		t.Helper()
		if !ok {
			t.Fatalf("%s: %+v", what, r)
		}
	}
	check(r.Environment == "" || testEnv.MatchString(r.Environment), "bad Environment")
	check(r.Other == "" || testEnv.MatchString(r.Other), "bad Other")
	check(r.Ref == "" || testValidRef(r.Ref), "bad Ref")
	check(r.From == "" || testValidRef(r.From), "bad From")
	check(testValidReason(r.Reason), "bad Reason")
	check(r.TTL >= 0 && r.TTL <= 30*24*time.Hour, "bad TTL")
	check(r.Name == "lock" || (r.TTL == 0 && !r.Global || r.Name == "unlock"), "lock field on another command")
	check(r.Reason == "" || r.Name == "lock" || r.Name == "deny", "Reason on another command")
	checkShape(t, r)
}

// checkShape asserts that the fields a command requires are set and the
// ones it does not have are empty.
func checkShape(t *testing.T, r Request) {
	t.Helper()
	env, other, ref, from := r.Environment != "", r.Other != "", r.Ref != "", r.From != ""
	var ok bool
	switch r.Name {
	case "deploy":
		ok = env && ref && !other && !from
	case "promote", "diff":
		ok = env && other && !strings.EqualFold(r.Environment, r.Other) && !ref && !from
	case "rollback":
		ok = env && !other && !from
	case "release":
		ok = !env && !other
	case "lock", "unlock":
		ok = env != r.Global && !other && !ref && !from
	case "status":
		ok = !other && !ref && !from
	default:
		ok = !env && !other && !ref && !from && !r.DryRun
	}
	if !ok {
		t.Fatalf("fields do not fit %s: %+v", r.Name, r)
	}
}
