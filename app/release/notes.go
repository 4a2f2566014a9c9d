package release

import (
	"strings"

	"github.com/issueops/issueops/app/render"
)

// MaxNotesBytes bounds the requester's notes above a changelog, escaped:
// with MaxMarkdownBytes they stay inside GitHub's 125,000 characters.
const MaxNotesBytes = 4000

// EscapeNotes renders the text a requester wrote for a release (the form's
// release notes) as inert markdown: each line is sanitised and escaped as
// a subject is, so the notes can mention, link or embed nothing, and blank
// lines still separate paragraphs. Lines that would take the result past
// MaxNotesBytes are left out, and "…" says so.
func EscapeNotes(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		escaped := escape(strings.TrimSpace(render.Sanitize(line)))
		if b.Len()+len(escaped)+len("  \n…") > MaxNotesBytes {
			b.WriteString("…")
			break
		}
		if b.Len() > 0 {
			b.WriteString("  \n")
		}
		b.WriteString(escaped)
	}
	return strings.TrimSpace(b.String())
}
