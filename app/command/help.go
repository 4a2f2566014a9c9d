package command

import (
	"strings"

	"github.com/issueops/issueops/app/render"
)

// HelpText renders the reply to /help: a header line and one list item per
// spec, "- `/<name> <syntax>` — summary", in specs order. The usage goes
// through render.CodeSpan so syntax full of <, |, [ and quotes shows as
// typed. It is generated from the same specs Parse recognises, so the two
// cannot drift apart.
func HelpText(prefix string, specs []Spec) string {
	if prefix == "" {
		prefix = "/"
	}
	var b strings.Builder
	b.WriteString("Commands (one per comment, on a line of its own):\n\n")
	for _, s := range specs {
		usage := strings.TrimRight(prefix+s.Name+" "+s.Syntax, " ")
		b.WriteString("- " + render.CodeSpan(usage))
		if s.Summary != "" {
			b.WriteString(" — " + s.Summary)
		}
		b.WriteString("\n")
	}
	return b.String()
}
