package command

import (
	"errors"
	"fmt"
	"strings"

	"github.com/issueops/issueops/app/render"
)

// The replies below are fixed English text plus user text that always goes
// through echo, so a reply can never carry a mention, link or markup that
// the commenter typed.

// echo renders user text (a prefix and name, a quote character) as a
// short, inert code span.
func echo(s string) string {
	return render.CodeSpan(render.Truncate(s, MaxEcho))
}

func helpPointer(prefix string) string {
	return fmt.Sprintf("Type %s for the list of commands.", echo(prefix+"help"))
}

func tooLongReply() string {
	return fmt.Sprintf("This comment is too long to read as a command: "+
		"commands are only read from comments of at most %d characters. "+
		"Post the command in a comment of its own.", MaxBodyRunes)
}

func tooComplexReply() string {
	return fmt.Sprintf("This comment is too complex to read as a command: "+
		"a line nests more than %d quotes or lists, a line is indented more than %d characters, "+
		"or its links are too long or too many. Post the command in a comment of its own.", MaxNesting, MaxIndent)
}

func multipleReply(prefix string, cmds []found, total int) string {
	names := make([]string, len(cmds))
	for i, c := range cmds {
		names[i] = echo(prefix + c.name)
	}
	list := strings.Join(names, ", ")
	if more := total - len(cmds); more > 0 {
		list += fmt.Sprintf(" and %d more", more)
	}
	return fmt.Sprintf("Only one command per comment is accepted, and this comment has %d: %s. "+
		"Nothing was run; post each command in a comment of its own.", total, list)
}

func unknownReply(prefix, name string, specs []Spec) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Unknown command %s.", echo(prefix+name))
	if s, ok := suggest(specs, name); ok {
		fmt.Fprintf(&b, " Did you mean %s?", echo(prefix+s))
	}
	b.WriteString(" " + helpPointer(prefix))
	return b.String()
}

func argsReply(prefix, name string, err error) string {
	cmd := echo(prefix + name)
	var ae *argsError
	switch {
	case errors.As(err, &ae) && ae.tooMany:
		return fmt.Sprintf("%s has too many arguments: at most %d are accepted. Nothing was run.", cmd, MaxArgs)
	case errors.As(err, &ae):
		return fmt.Sprintf("%s has an unterminated quote: the %s is never closed. "+
			"Close it, or remove it, and try again. Nothing was run.", cmd, echo(ae.quote))
	}
	return fmt.Sprintf("%s could not be read. Nothing was run. %s", cmd, helpPointer(prefix))
}
