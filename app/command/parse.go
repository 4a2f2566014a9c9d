package command

import (
	"strings"
	"unicode/utf8"
)

// Limits on what Parse reads. They bound the work a single comment can
// cause and keep replies short.
const (
	// MaxBodyRunes is the longest comment body, in runes, that Parse reads.
	// GitHub allows 65,536 characters per comment.
	MaxBodyRunes = 65536
	// MaxArgs is the most arguments a command may have.
	MaxArgs = 64
	// MaxEcho is the most runes of user text echoed back in a reply.
	MaxEcho = 64
)

// Outcome says what the caller should do with a comment.
type Outcome int

const (
	// Ignore means the comment holds no command: do nothing, say nothing.
	Ignore Outcome = iota
	// Run means the comment holds exactly one known, well-formed command.
	Run
	// Reply means the comment tried to give a command but got it wrong:
	// post Result.Reply and run nothing.
	Reply
)

// String names the outcome for logs and test failures.
func (o Outcome) String() string {
	switch o {
	case Ignore:
		return "Ignore"
	case Run:
		return "Run"
	case Reply:
		return "Reply"
	}
	return "Outcome(?)"
}

// Invocation is one recognised command, ready to dispatch.
type Invocation struct {
	Name string   // command name without prefix, e.g. "deploy"
	Args []string // arguments after the name, tokenized, flags included as typed, e.g. ["v1.4.0","to","staging","--dry-run"]
	Line int      // 1-based line number of the command line in the body
}

// Result is what Parse decided about a comment.
type Result struct {
	Outcome    Outcome
	Invocation Invocation // set when Outcome == Run
	Reply      string     // set when Outcome == Reply: GitHub-flavoured markdown to post back to the user
}

// Options configures Parse. The zero value parses "/" commands from Table.
type Options struct {
	Prefix string // default "/" when empty; may be e.g. "."
	Specs  []Spec // default Table when nil
}

func (o Options) prefix() string {
	if o.Prefix == "" {
		return "/"
	}
	return o.Prefix
}

func (o Options) specs() []Spec {
	if o.Specs == nil {
		return Table
	}
	return o.Specs
}

// found is a command line: a prefixed, syntactically valid name on a line
// markdown shows as plain text. The name may or may not be known.
type found struct {
	name string // without prefix
	rest string // the rest of the line after the name, unparsed
	line int    // 1-based
}

// Parse finds the slash command in a comment body and decides what to do
// with it. A comment holds at most one command: a paragraph line (not code,
// quote or HTML) that starts, after at most three columns of indentation,
// with the prefix and a lowercase ASCII name followed by whitespace or the
// end of the line; lines in list items count, lines in block quotes do not.
// The rest of the line is tokenized into arguments.
//
// Parse never panics and its work is bounded: a body over MaxBodyRunes is
// refused unread, a comment with no line that could be a command is
// ignored without parsing its markdown, and one shaped to make markdown
// parsing slow (see MaxNesting, MaxIndent, MaxLinkScan) gets a Reply.
// Everything it echoes into a reply goes through render.CodeSpan.
func Parse(body string, opts Options) Result {
	if tooLong(body) {
		return reply(tooLongReply())
	}
	prefix, specs := opts.prefix(), opts.specs()
	src := normalizeNewlines(body)
	if !mayHaveCommand(src, prefix) {
		return Result{Outcome: Ignore}
	}
	if tooComplex(src, prefix) {
		return reply(tooComplexReply())
	}
	cmds, total := findCommands(src, prefix)
	switch {
	case total == 0:
		return Result{Outcome: Ignore}
	case total > 1:
		return reply(multipleReply(prefix, cmds, total))
	}
	c := cmds[0]
	if _, ok := Lookup(specs, c.name); !ok {
		return reply(unknownReply(prefix, c.name, specs))
	}
	args, err := tokenize(c.rest)
	if err != nil {
		return reply(argsReply(prefix, c.name, err))
	}
	return Result{Outcome: Run, Invocation: Invocation{Name: c.name, Args: args, Line: c.line}}
}

func reply(text string) Result {
	return Result{Outcome: Reply, Reply: text}
}

// tooLong reports whether body has more than MaxBodyRunes runes, looking at
// the byte length first so that huge bodies cost nothing to reject.
func tooLong(body string) bool {
	switch {
	case len(body) <= MaxBodyRunes:
		return false
	case len(body) > MaxBodyRunes*utf8.UTFMax:
		return true
	}
	return utf8.RuneCountInString(body) > MaxBodyRunes
}

// normalizeNewlines turns CRLF and lone CR into LF, so line numbers and
// line ends mean the same whatever client posted the comment.
func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// maxListed is how many command lines a "one command per comment" reply
// names; the rest are only counted.
const maxListed = 10

// findCommands returns the first maxListed command lines of src and how
// many there are in all.
func findCommands(src, prefix string) ([]found, int) {
	var cmds []found
	total := 0
	lines := lineCounter{src: src}
	b := []byte(src)
	textLines(b, func(start int) {
		name, rest, ok := matchCommand(src[start:lineEnd(b, start)], prefix)
		if !ok {
			return
		}
		total++
		if len(cmds) < maxListed {
			cmds = append(cmds, found{name: name, rest: rest, line: lines.at(start)})
		}
	})
	return cmds, total
}

// matchCommand splits a line into command name and the rest when it is
// prefix, then [a-z][a-z0-9-]*, then a space, a tab or the end. Anything
// else right after the name (an uppercase or non-ASCII letter, a
// confusable, an invisible character, punctuation) means the line is not a
// command at all, so lookalikes are never mapped to real commands.
func matchCommand(line, prefix string) (name, rest string, ok bool) {
	if !strings.HasPrefix(line, prefix) {
		return "", "", false
	}
	s := line[len(prefix):]
	n := 0
	for n < len(s) && isNameByte(s[n], n == 0) {
		n++
	}
	if n == 0 || (n < len(s) && s[n] != ' ' && s[n] != '\t') {
		return "", "", false
	}
	return s[:n], s[n:], true
}

func isNameByte(c byte, first bool) bool {
	if 'a' <= c && c <= 'z' {
		return true
	}
	return !first && (c == '-' || ('0' <= c && c <= '9'))
}

// lineCounter turns byte offsets into 1-based line numbers, counting
// incrementally because offsets arrive in increasing order.
type lineCounter struct {
	src  string
	pos  int // offset counted up to
	line int // newlines in src[:pos]
}

func (c *lineCounter) at(pos int) int {
	if pos < c.pos { // not expected; stay correct anyway
		c.pos, c.line = 0, 0
	}
	c.line += strings.Count(c.src[c.pos:pos], "\n")
	c.pos = pos
	return c.line + 1
}
