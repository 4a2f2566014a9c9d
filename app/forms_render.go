package app

import (
	"fmt"
	"strings"

	"github.com/issueops/issueops/app/form"
	"github.com/issueops/issueops/app/render"
)

// maxListed bounds the problems and the notes a status comment lists:
// GitHub refuses comments over 65,536 characters, and a body can hold
// thousands of stray sections. Each line is at most a few hundred
// characters (user text is cut to 200), so the comment stays far below.
const maxListed = 30

// codeSpan shows untrusted text literally: no mention, link or markup.
func codeSpan(s string) string { return render.CodeSpan(render.Truncate(s, 200)) }

// codeSpanList renders up to max items as code spans, "and N more" after.
func codeSpanList(items []string, max int) string { return render.CodeSpanList(items, max, 200) }

func actionTitle(action string) string {
	if action == "" {
		return "Request"
	}
	return strings.ToUpper(action[:1]) + action[1:]
}

// renderChecked is the status comment of a request that has not started:
// every problem at once, or the parameters it will run with.
func renderChecked(st checked) string {
	var b strings.Builder
	title := actionTitle(st.action)
	if n := len(st.problems); n > 0 {
		fmt.Fprintf(&b, "### ❌ %s request: %d %s to fix\n\n", title, n, plural(n, "problem", "problems"))
		b.WriteString("Edit the issue to fix them: issueops checks it again after every edit. Nothing runs until then.\n\n")
		for i, p := range st.problems {
			if i == maxListed {
				fmt.Fprintf(&b, "- and %d more\n", n-maxListed)
				break
			}
			b.WriteString("- " + problemLine(p) + "\n")
		}
	} else {
		fmt.Fprintf(&b, "### ✅ %s request is valid\n\n", title)
		b.WriteString(paramLines(st.template, st.params, st.sha))
		if st.run != "" {
			b.WriteString("\n" + st.run + "\n")
		} else {
			fmt.Fprintf(&b, "\nRunning %s requests from issues is not enabled on this installation yet: nothing ran. "+
				"Until the request starts, an edit of the issue is checked again.\n", st.action)
		}
	}
	writeNotes(&b, st)
	return strings.TrimRight(b.String(), "\n")
}

// renderWithdrawn is the status comment of a request whose issue lost its
// action label.
func renderWithdrawn(action string) string {
	return fmt.Sprintf("### ➖ No longer a %s request\n\nThe issue carries no `issueops:<action>` label any more, so issueops "+
		"does not check it. Add the label back to make it a request again.", action)
}

// renderStarted is the status comment of a request whose operation has
// started: its parameters are frozen.
func renderStarted(req Request, edited bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### ▶️ %s request started\n\n", actionTitle(req.Action))
	b.WriteString(paramLines(nil, req.Params, req.SHA))
	if edited {
		fmt.Fprintf(&b, "\nThe issue was edited or relabelled after the %s started. Edits change nothing now: it runs with the parameters above. "+
			"Open a new issue to request another %s.\n", req.Action, req.Action)
	}
	return strings.TrimRight(b.String(), "\n")
}

func problemLine(p form.Problem) string {
	if p.Field == "" {
		return capitalize(p.Message)
	}
	return codeSpan(p.Field) + ": " + p.Message
}

// paramLines lists the request's one-line parameters by field label (by id
// when the form is not at hand), with the commit they resolved to.
func paramLines(t *form.Template, params map[string]string, sha string) string {
	var b strings.Builder
	for _, key := range sortedParamKeys(t, params) {
		value := params[key]
		name := key
		if t != nil {
			name = fieldLabel(t, key)
		}
		switch {
		case key == FieldDryRun:
			b.WriteString("- Dry run: yes\n")
		case value == "":
			fmt.Fprintf(&b, "- %s: (empty)\n", codeSpan(name))
		default:
			fmt.Fprintf(&b, "- %s: %s\n", codeSpan(name), codeSpan(value))
		}
	}
	if sha != "" {
		fmt.Fprintf(&b, "- Commit: %s\n", codeSpan(sha))
	}
	return b.String()
}

// sortedParamKeys orders parameters as the form does, else by key.
func sortedParamKeys(t *form.Template, params map[string]string) []string {
	var keys []string
	if t != nil {
		for _, f := range t.Fields {
			if _, ok := params[f.Key()]; ok && f.Key() != FieldDryRun {
				keys = append(keys, f.Key())
			}
		}
	} else {
		keys = sortedKeys(params)
		keys = removeKey(keys, FieldDryRun)
	}
	if _, ok := params[FieldDryRun]; ok {
		keys = append(keys, FieldDryRun)
	}
	return keys
}

func writeNotes(b *strings.Builder, st checked) {
	notes := st.notes
	if st.file != "" {
		notes = append(notes, fmt.Sprintf("Read against the form %s on %s.", codeSpan(st.file), codeSpan(st.branch)))
	}
	if len(notes) == 0 {
		return
	}
	b.WriteString("\n<details><summary>Notes</summary>\n\n")
	for i, n := range notes {
		if i == maxListed {
			fmt.Fprintf(b, "- and %d more\n", len(notes)-maxListed)
			break
		}
		b.WriteString("- " + n + "\n")
	}
	b.WriteString("\n</details>\n")
}

func removeKey(keys []string, key string) []string {
	out := keys[:0]
	for _, k := range keys {
		if k != key {
			out = append(out, k)
		}
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
