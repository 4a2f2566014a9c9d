package release

import (
	"strings"

	"github.com/issueops/issueops/app/render"
)

// MaxNotesBytes bounds the requester's notes put above a changelog.
const MaxNotesBytes = 4000

// EscapeNotes renders the text a requester wrote for a release (the form's
// release notes) as inert markdown paragraphs: each line is sanitised and
// escaped as a subject is, so the notes can mention, link or embed
// nothing, and blank lines still separate paragraphs.
func EscapeNotes(s string) string {
	if len(s) > MaxNotesBytes {
		s = strings.ToValidUTF8(s[:MaxNotesBytes], "") + "…"
	}
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, line := range lines {
		lines[i] = escape(strings.TrimSpace(render.Sanitize(line)))
	}
	return strings.TrimSpace(strings.Join(lines, "  \n"))
}
