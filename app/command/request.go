package command

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/issueops/issueops/app/render"
)

// Request is a command's arguments, read by the grammar of its command.
type Request struct {
	Name        string        // the command, as Invocation.Name
	Ref         string        // deploy: the version|ref|sha; rollback: the version after "to" (optional, "" = previous); release: the version|major|minor|patch ("" = from commits)
	Environment string        // deploy/rollback/lock/unlock: the environment; status: the optional environment; promote: the TARGET env; diff: the first env
	Other       string        // promote: the SOURCE env (the one before "to"); diff: the second env
	From        string        // release: the ref after "from" ("" = default branch)
	Global      bool          // lock/unlock --global
	Reason      string        // lock --reason; deny: the rest of the line joined with single spaces
	TTL         time.Duration // lock --ttl (0 = no expiry)
	DryRun      bool          // --dry-run
}

// UsageError is a command whose arguments do not fit its grammar. Message is
// user-facing markdown: it says what is wrong, with user text only inside
// short code spans, and shows the command's syntax with the configured
// prefix, so it can be posted back as is.
type UsageError struct{ Message string }

func (e *UsageError) Error() string { return e.Message }

// grammar is how one command reads its arguments: the flags it accepts
// (anywhere among the arguments) and a function that reads what is left,
// the positional arguments, into the request.
type grammar struct {
	flags flagSet
	args  func(rd reader, req *Request, pos []string) error
}

// grammars holds every command of Table. Their syntax, shown in errors and
// in /help, is Table's; a test keeps the two in step.
var grammars = map[string]grammar{
	"deploy":   {flagDryRun, readDeploy},
	"promote":  {flagDryRun, readPromote},
	"rollback": {flagDryRun, readRollback},
	"release":  {flagDryRun, readRelease},
	"lock":     {flagDryRun | flagGlobal | flagReason | flagTTL, readTarget},
	"unlock":   {flagDryRun | flagGlobal, readTarget},
	"status":   {0, readStatus},
	"diff":     {0, readDiff},
	"queue":    {0, readNothing},
	"approve":  {0, readNothing},
	"confirm":  {0, readNothing},
	"cancel":   {0, readNothing},
	"retry":    {0, readNothing},
	"help":     {0, readNothing},
}

// ParseRequest reads inv.Args by the grammar of inv.Name. prefix is the
// configured command prefix ("/" when empty), used in the syntax shown by a
// UsageError. The error is always a *UsageError. It is pure and total: any
// Invocation, including one Parse would never produce, gets a Request or a
// UsageError, and every value it returns passed the validation rules, since
// environments and refs end up in GitHub API paths, YAML and comments.
func ParseRequest(inv Invocation, prefix string) (Request, error) {
	if prefix == "" {
		prefix = "/"
	}
	rd := reader{prefix: prefix, name: inv.Name}
	if inv.Name == "deny" {
		return readDeny(rd, inv.Args)
	}
	g, ok := grammars[inv.Name]
	if !ok {
		return Request{}, &UsageError{Message: fmt.Sprintf("Unknown command %s. %s",
			rd.cmd(), helpPointer(prefix))}
	}
	req := Request{Name: inv.Name}
	pos, err := rd.readFlags(&req, inv.Args, g.flags)
	if err == nil {
		err = g.args(rd, &req, pos)
	}
	if err != nil {
		return Request{}, err
	}
	return req, nil
}

// reader builds the errors of one command, so every message names the
// command and shows its syntax the same way.
type reader struct {
	prefix, name string
}

// cmd is the command as typed, e.g. `/deploy`.
func (rd reader) cmd() string { return echo(rd.prefix + rd.name) }

// usage is the command's full syntax from Table. It is not user text, so
// it is not cut to MaxEcho.
func (rd reader) usage() string {
	spec, _ := Lookup(Table, rd.name)
	return render.CodeSpan(strings.TrimRight(rd.prefix+rd.name+" "+spec.Syntax, " "))
}

// missing says which argument is missing: "`/deploy` needs an environment:
// `/deploy <version|ref|sha> to <env> [--dry-run]`".
func (rd reader) missing(what string) error {
	return &UsageError{Message: fmt.Sprintf("%s needs %s: %s", rd.cmd(), what, rd.usage())}
}

// fail reports any other problem: format (which must echo user text) then
// the syntax.
func (rd reader) fail(format string, a ...any) error {
	return &UsageError{Message: fmt.Sprintf(format, a...) + " Usage: " + rd.usage()}
}

// extra refuses an argument the grammar has no place for.
func (rd reader) extra(arg string) error {
	return rd.fail("%s does not take the argument %s.", rd.cmd(), echo(arg))
}

// env validates an environment argument; what names it in the error.
func (rd reader) env(s, what string) (string, error) {
	if s == "" {
		return "", rd.fail("%s: %s is empty.", rd.cmd(), what)
	}
	if p := envProblem(s); p != "" {
		return "", rd.fail("%s: %s %s is not valid: it %s. %s", rd.cmd(), what, echo(s), p, envRule)
	}
	return s, nil
}

// ref validates a version, ref or sha argument; what names it in the error.
func (rd reader) ref(s, what string) (string, error) {
	if s == "" {
		return "", rd.fail("%s: %s is empty.", rd.cmd(), what)
	}
	if p := refProblem(s); p != "" {
		return "", rd.fail("%s: %s %s is not a valid git ref: it %s.", rd.cmd(), what, echo(s), p)
	}
	return s, nil
}

// flagSet is a set of flags, one bit each.
type flagSet uint8

const (
	flagDryRun flagSet = 1 << iota
	flagGlobal
	flagReason
	flagTTL
)

// flagDef is one flag: its name as typed, whether it takes a value, and how
// it sets the request.
type flagDef struct {
	bit   flagSet
	name  string
	value bool
	set   func(rd reader, req *Request, v string) error
}

var flagDefs = []flagDef{
	{flagDryRun, "--dry-run", false, func(_ reader, r *Request, _ string) error { r.DryRun = true; return nil }},
	{flagGlobal, "--global", false, func(_ reader, r *Request, _ string) error { r.Global = true; return nil }},
	{flagReason, "--reason", true, setReason},
	{flagTTL, "--ttl", true, setTTL},
}

func lookupFlag(name string) (flagDef, bool) {
	for _, f := range flagDefs {
		if f.name == name {
			return f, true
		}
	}
	return flagDef{}, false
}

// readFlags applies the flags among args to req and returns the other
// arguments in order. Any argument starting with "-" is a flag, so a
// misspelt flag is refused rather than read as an environment or ref. A
// value is "--ttl=2h" or the next argument, "--ttl 2h", unless that
// argument starts with "--": "--reason --dry-run" is a forgotten reason,
// not a reason of "--dry-run" and a real, not dry, run.
func (rd reader) readFlags(req *Request, args []string, accepted flagSet) ([]string, error) {
	var pos []string
	var seen flagSet
	for i := 0; i < len(args); i++ {
		if !isFlag(args[i]) {
			pos = append(pos, args[i])
			continue
		}
		f, v, err := rd.flag(args, &i, accepted, seen)
		if err != nil {
			return nil, err
		}
		seen |= f.bit
		if err := f.set(rd, req, v); err != nil {
			return nil, err
		}
	}
	return pos, nil
}

// flag reads the flag at args[*i], and its value, advancing *i past a
// value given as the next argument.
func (rd reader) flag(args []string, i *int, accepted, seen flagSet) (flagDef, string, error) {
	name, v, hasValue := strings.Cut(args[*i], "=")
	f, ok := lookupFlag(name)
	switch {
	case startsWithDashLookalike(name):
		return f, "", rd.fail("%s is not a flag: flags start with two hyphens, as in %s.",
			echo(name), echo("--"+strings.TrimLeft(name, "-‐‑‒–—―−")))
	case !ok || accepted&f.bit == 0:
		return f, "", rd.fail("%s does not take %s.", rd.cmd(), echo(name))
	case seen&f.bit != 0:
		return f, "", rd.fail("%s is given twice.", echo(name))
	case !f.value && hasValue:
		return f, "", rd.fail("%s takes no value.", echo(name))
	case f.value && !hasValue:
		if *i+1 == len(args) || strings.HasPrefix(args[*i+1], "--") {
			return f, "", rd.fail("%s needs a value.", echo(name))
		}
		*i++
		v = args[*i]
	}
	if f.value && strings.TrimSpace(v) == "" {
		return f, "", rd.fail("%s needs a value.", echo(name))
	}
	return f, v, nil
}

// isFlag reports whether arg is meant as a flag: it starts with a hyphen,
// or with a dash that phones and word processors make of "--".
func isFlag(arg string) bool {
	return (len(arg) > 1 && arg[0] == '-') || startsWithDashLookalike(arg)
}

func startsWithDashLookalike(s string) bool {
	for _, d := range []string{"‐", "‑", "‒", "–", "—", "―", "−"} {
		if strings.HasPrefix(s, d) {
			return true
		}
	}
	return false
}

func setReason(rd reader, req *Request, v string) error {
	if p := reasonProblem(v); p != "" {
		return rd.fail("%s: the reason %s.", rd.cmd(), p)
	}
	req.Reason = v
	return nil
}

func setTTL(rd reader, req *Request, v string) error {
	d, p := parseTTL(v)
	if p != "" {
		return rd.fail("%s: the TTL %s %s.", rd.cmd(), echo(v), p)
	}
	req.TTL = d
	return nil
}

// What the positional arguments are called in errors.
const (
	whatRef = "a version, ref or sha"
	whatEnv = "an environment"
)

// readDeploy reads "<version|ref|sha> to <env>".
func readDeploy(rd reader, req *Request, pos []string) error {
	ref, env, err := rd.around(pos, "to", whatRef, whatEnv)
	if err == nil {
		req.Ref, err = rd.ref(ref, "the version")
	}
	if err == nil {
		req.Environment, err = rd.env(env, "the environment")
	}
	return err
}

// readPromote reads "<from-env> to <to-env>": the source goes to Other and
// the target to Environment, because the target is the environment the
// operation deploys to, and locks, approvals and policy are about it.
func readPromote(rd reader, req *Request, pos []string) error {
	from, to, err := rd.around(pos, "to", "the environment to promote from", "the environment to promote to")
	if err == nil {
		req.Other, err = rd.env(from, "the source environment")
	}
	if err == nil {
		req.Environment, err = rd.env(to, "the target environment")
	}
	if err == nil && sameEnv(from, to) {
		err = rd.fail("%s: promoting %s to itself does nothing; name two different environments.", rd.cmd(), echo(from))
	}
	return err
}

// around reads exactly "<a> kw <b>", naming what is missing when the user
// stopped short, including "to <env>" with nothing before it.
func (rd reader) around(pos []string, kw, a, b string) (string, string, error) {
	switch {
	case len(pos) == 0 || (len(pos) < 3 && pos[0] == kw):
		return "", "", rd.missing(a)
	case len(pos) == 1 || (len(pos) == 2 && pos[1] == kw):
		return "", "", rd.missing(b)
	case pos[1] != kw:
		return "", "", rd.fail("%s: expected %s after %s, not %s.", rd.cmd(), echo(kw), echo(pos[0]), echo(pos[1]))
	case len(pos) > 3:
		return "", "", rd.extra(pos[3])
	}
	return pos[0], pos[2], nil
}

// readRollback reads "<env> [to <version>]".
func readRollback(rd reader, req *Request, pos []string) error {
	switch {
	case len(pos) == 0 || (len(pos) < 3 && pos[0] == "to"):
		return rd.missing(whatEnv)
	case len(pos) > 1 && pos[1] != "to":
		return rd.fail("%s: expected %s after %s, not %s.", rd.cmd(), echo("to"), echo(pos[0]), echo(pos[1]))
	case len(pos) == 2:
		return rd.missing("a version after " + echo("to"))
	case len(pos) > 3:
		return rd.extra(pos[3])
	}
	var err error
	if req.Environment, err = rd.env(pos[0], "the environment"); err != nil || len(pos) == 1 {
		return err
	}
	req.Ref, err = rd.ref(pos[2], "the version")
	return err
}

// bumps are the release keywords that pick the next version from the last.
var bumps = []string{"major", "minor", "patch"}

// readRelease reads "[<version>|major|minor|patch] [from <ref>]".
func readRelease(rd reader, req *Request, pos []string) error {
	if len(pos) > 0 && pos[0] != "from" {
		if err := rd.version(req, pos[0]); err != nil {
			return err
		}
		pos = pos[1:]
	}
	switch {
	case len(pos) == 0:
		return nil
	case pos[0] != "from":
		return rd.fail("%s: expected %s after the version, not %s.", rd.cmd(), echo("from"), echo(pos[0]))
	case len(pos) == 1:
		return rd.missing("a ref after " + echo("from"))
	case len(pos) > 2:
		return rd.extra(pos[2])
	}
	var err error
	req.From, err = rd.ref(pos[1], "the ref")
	return err
}

// version reads a release version. "Major" and the like are refused, not
// taken for a tag of that name: they are a bump keyword mistyped.
func (rd reader) version(req *Request, v string) error {
	for _, b := range bumps {
		if v != b && strings.EqualFold(v, b) {
			return rd.fail("%s: did you mean %s? The bump keywords are lowercase.", rd.cmd(), echo(b))
		}
	}
	var err error
	req.Ref, err = rd.ref(v, "the version")
	return err
}

// readTarget reads the "<env>|--global" of lock and unlock, after the
// flags, so --global may come anywhere.
func readTarget(rd reader, req *Request, pos []string) error {
	switch {
	case len(pos) > 1:
		return rd.extra(pos[1])
	case len(pos) == 1 && req.Global:
		return rd.fail("%s takes an environment or %s, not both.", rd.cmd(), echo("--global"))
	case len(pos) == 0 && !req.Global:
		return rd.missing(whatEnv + " or " + echo("--global"))
	case len(pos) == 0:
		return nil
	}
	var err error
	req.Environment, err = rd.env(pos[0], "the environment")
	return err
}

// readStatus reads "[env]".
func readStatus(rd reader, req *Request, pos []string) error {
	switch len(pos) {
	case 0:
		return nil
	case 1:
		var err error
		req.Environment, err = rd.env(pos[0], "the environment")
		return err
	}
	return rd.extra(pos[1])
}

// readDiff reads "<env> <env>", two different environments.
func readDiff(rd reader, req *Request, pos []string) error {
	switch {
	case len(pos) == 0:
		return rd.missing("two environments")
	case len(pos) == 1:
		return rd.missing("a second environment")
	case len(pos) > 2:
		return rd.extra(pos[2])
	}
	var err error
	if req.Environment, err = rd.env(pos[0], "the first environment"); err != nil {
		return err
	}
	if req.Other, err = rd.env(pos[1], "the second environment"); err != nil {
		return err
	}
	if sameEnv(pos[0], pos[1]) {
		return rd.fail("%s compares two different environments, not %s with itself.", rd.cmd(), echo(pos[0]))
	}
	return nil
}

// readNothing refuses any argument.
func readNothing(rd reader, _ *Request, pos []string) error {
	if len(pos) > 0 {
		return rd.fail("%s takes no arguments, not %s.", rd.cmd(), echo(pos[0]))
	}
	return nil
}

// readDeny reads "[reason…]": every argument, flags included, is part of
// the reason, since a reviewer's words are not for the grammar to take
// apart. Empty arguments ("") add nothing, so words are joined by single
// spaces.
func readDeny(rd reader, args []string) (Request, error) {
	words := make([]string, 0, len(args))
	for _, a := range args {
		if a != "" {
			words = append(words, a)
		}
	}
	reason := strings.Join(words, " ")
	if p := reasonProblem(reason); p != "" {
		return Request{}, rd.fail("%s: the reason %s.", rd.cmd(), p)
	}
	return Request{Name: rd.name, Reason: reason}, nil
}

// sameEnv reports whether a and b name the same environment. GitHub
// compares environment names without regard to case.
func sameEnv(a, b string) bool { return strings.EqualFold(a, b) }

// Validation limits. Environments and refs reach GitHub API paths, YAML
// files and comments, so they are held to the narrowest form that real
// names take; reasons are free text, but bounded and on one line.
const (
	maxEnvLen    = 64                  // bytes (ASCII) in an environment name
	maxRefLen    = 255                 // bytes in a ref or version
	maxReason    = 500                 // runes in a reason
	maxTTL       = 30 * 24 * time.Hour // the longest lock
	maxTTLDigits = 3                   // digits in "<n>d": more is over maxTTL anyway
)

// envRule is the rule for environment names, as shown to users.
const envRule = "Environment names are 1–64 ASCII letters, digits, `.`, `_` and `-`, and do not start with `-` or `.`."

// envProblem returns why s is not a valid environment name, as a phrase
// after "it", or "" when it is valid: 1–64 of [A-Za-z0-9._-], not starting
// with '-' or '.'. Characters are checked first so that a look-alike
// letter is named, whatever the length.
func envProblem(s string) string {
	for _, r := range s {
		if !isEnvRune(r) {
			return "contains " + describeRune(r)
		}
	}
	switch {
	case s == "":
		return "is empty"
	case len(s) > maxEnvLen:
		return fmt.Sprintf("is longer than %d characters", maxEnvLen)
	case s[0] == '-' || s[0] == '.':
		return "starts with " + echo(s[:1])
	}
	return ""
}

func isEnvRune(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' ||
		r == '.' || r == '_' || r == '-'
}

// refProblem returns why s is not a plausible git ref name, as a phrase
// after "it", or "" when it is one. The rules are git check-ref-format's,
// narrowed to printable ASCII: 1–255 bytes; none of space ~ ^ : ? * [ \;
// no "..", "@{" or "//"; not "@"; no leading "-" or "/"; no trailing "/",
// "." or ".lock"; and no path component that starts with "." or ends with
// ".lock".
func refProblem(s string) string {
	if p := refCharProblem(s); p != "" {
		return p
	}
	switch {
	case s == "":
		return "is empty"
	case len(s) > maxRefLen:
		return fmt.Sprintf("is longer than %d characters", maxRefLen)
	case s == "@":
		return "is " + echo("@")
	case s[0] == '-' || s[0] == '/':
		return "starts with " + echo(s[:1])
	case s[len(s)-1] == '/' || s[len(s)-1] == '.':
		return "ends with " + echo(s[len(s)-1:])
	}
	return refPartProblem(s)
}

// refCharProblem names the first character s may not contain.
func refCharProblem(s string) string {
	for _, r := range s {
		if r <= ' ' || r > '~' || strings.ContainsRune(`~^:?*[\`, r) {
			return "contains " + describeRune(r)
		}
	}
	return ""
}

// refPartProblem names the first forbidden sequence or path component.
func refPartProblem(s string) string {
	for _, seq := range []string{"..", "@{", "//"} {
		if strings.Contains(s, seq) {
			return "contains " + echo(seq)
		}
	}
	for part := range strings.SplitSeq(s, "/") {
		switch {
		case strings.HasPrefix(part, "."):
			return "has a part starting with " + echo(".")
		case strings.HasSuffix(part, ".lock"):
			return "has a part ending with " + echo(".lock")
		}
	}
	return ""
}

// reasonProblem returns why s is not a valid reason, as a phrase after
// "the reason", or "" when it is valid: at most maxReason runes, valid
// UTF-8, with no control character but tab. Line and paragraph separators
// and bidi controls are refused too: they break lines in YAML and comments
// or make the text read other than it is stored.
func reasonProblem(s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	if n := utf8.RuneCountInString(s); n > maxReason {
		return fmt.Sprintf("is %d characters long, and at most %d are accepted", n, maxReason)
	}
	for _, r := range s {
		if r != '\t' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || isBidiControl(r)) {
			return "contains the control character " + describeRune(r)
		}
	}
	return ""
}

// isBidiControl reports whether r is a bidi embedding, override or
// isolate ("Trojan Source").
func isBidiControl(r rune) bool {
	return '\u202A' <= r && r <= '\u202E' || '\u2066' <= r && r <= '\u2069'
}

// parseTTL reads a lock TTL, a Go duration ("90m", "2h") or whole days
// ("3d"), and returns it, or why it is refused as a phrase after the
// value. It must be more than zero and at most maxTTL.
func parseTTL(s string) (time.Duration, string) {
	d, ok := parseDays(s)
	if !ok {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, "is not a duration: use e.g. " + echo("90m") + ", " + echo("2h") + " or " + echo("3d")
		}
	}
	switch {
	case d <= 0:
		return 0, "is not more than zero"
	case d > maxTTL:
		return 0, "is longer than 30 days"
	}
	return d, ""
}

// parseDays reads "<n>d". ok is false when s has another form; a number
// too long to be at most maxTTL reads as just over it.
func parseDays(s string) (d time.Duration, ok bool) {
	digits, found := strings.CutSuffix(s, "d")
	if !found || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, false
	}
	if len(strings.TrimLeft(digits, "0")) > maxTTLDigits {
		return maxTTL + 1, true
	}
	n, _ := strconv.Atoi(digits) // at most maxTTLDigits significant digits: cannot fail
	return time.Duration(n) * 24 * time.Hour, true
}

// describeRune names a character the user typed: printable ASCII as a
// code span, other visible characters as a code span and their code
// point (so a Cyrillic "а" is told from a Latin "a"), and spaces, controls
// and invisible characters by code point alone.
func describeRune(r rune) string {
	switch {
	case r == ' ':
		return "a space"
	case r > ' ' && r <= '~':
		return echo(string(r))
	case unicode.IsGraphic(r) && !unicode.IsSpace(r) && !render.IsInvisible(r):
		return fmt.Sprintf("%s (U+%04X)", echo(string(r)), r)
	}
	return fmt.Sprintf("U+%04X", r)
}
