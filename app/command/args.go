package command

import (
	"strings"
)

// argsError says why a command's arguments could not be tokenized.
type argsError struct {
	tooMany bool   // more than MaxArgs arguments
	quote   string // the opening quote of an unterminated quoted string
}

func (e *argsError) Error() string {
	if e.tooMany {
		return "too many arguments"
	}
	return "unterminated quote " + e.quote
}

// tokenize splits the text after a command name into arguments: runs of
// characters separated by spaces and tabs. A double-quoted ("…", also
// typographic “…” as phones and word processors type them) or
// single-quoted ('…') string is part of one argument, without its quotes,
// so --reason "db migration" is two arguments and "" is an empty one.
// Inside double quotes any of " “ ” closes the string. A backslash is an
// ordinary character. More than MaxArgs arguments, or a quote left open,
// is an error.
func tokenize(s string) ([]string, error) {
	var (
		args  []string
		cur   strings.Builder
		inArg bool   // an argument has started (possibly empty: "")
		quote string // the opening quote while inside a quoted string
	)
	for _, r := range s {
		switch {
		case quote != "":
			if closesQuote(quote, r) {
				quote = ""
			} else {
				cur.WriteRune(r)
			}
		case r == ' ' || r == '\t':
			if inArg {
				if len(args) == MaxArgs {
					return nil, &argsError{tooMany: true}
				}
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		case isQuote(r):
			quote, inArg = string(r), true
		default:
			cur.WriteRune(r)
			inArg = true
		}
	}
	if quote != "" {
		return nil, &argsError{quote: quote}
	}
	if inArg {
		if len(args) == MaxArgs {
			return nil, &argsError{tooMany: true}
		}
		args = append(args, cur.String())
	}
	return args, nil
}

func isQuote(r rune) bool {
	return r == '"' || r == '\'' || isDoubleQuote(r)
}

func isDoubleQuote(r rune) bool {
	return r == '"' || r == '“' || r == '”'
}

func closesQuote(open string, r rune) bool {
	if open == "'" {
		return r == '\''
	}
	return isDoubleQuote(r)
}
