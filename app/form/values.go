package form

import (
	"strings"

	"github.com/issueops/issueops/app/render"
)

// readDropdown reads a dropdown answer. GitHub writes one choice as is and
// several joined with ", ", but an option may itself contain ", ", so a
// multiple answer is split by matching it against the options (splitOptions)
// rather than on the separator.
func readDropdown(f Field, s string) (Value, string) {
	if !f.Multiple {
		v := Value{Kind: Text, Text: s}
		return v, dropdownProblem(f, v)
	}
	if list, ok := splitOptions(s, f.Options); ok {
		return Value{Kind: List, List: list}, ""
	}
	v := Value{Kind: List, List: splitComma(s)}
	return v, dropdownProblem(f, v)
}

// splitComma is the best-effort split of an answer that matches no sequence
// of options: on ", ", pieces trimmed, empty ones dropped.
func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ", ") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// splitOptions splits s into a sequence of option labels joined by ", ", in
// the order written. When several splits exist ("a, b" may be one option or
// two) it prefers the longest option at each step. It is a dynamic program
// over the positions where a piece can start (0 and after each ", "):
// ok[p] says s[p:] splits, pick[p] is the option to take there; work is
// (pieces x options), never exponential.
func splitOptions(s string, opts []Option) ([]string, bool) {
	n := len(s)
	if n == 0 {
		return nil, true
	}
	pick := make([]int32, n)
	for p := n - 1; p >= 0; p-- {
		pick[p] = -1
		if p > 0 && (p < 2 || s[p-2:p] != ", ") {
			continue // not the start of a piece
		}
		best := -1
		for i, o := range opts {
			e := p + len(o.Label)
			if o.Label == "" || !strings.HasPrefix(s[p:], o.Label) || (best >= 0 && len(o.Label) <= len(opts[best].Label)) {
				continue
			}
			if e == n || (strings.HasPrefix(s[e:], ", ") && e+2 < n && pick[e+2] >= 0) {
				best = i
			}
		}
		pick[p] = int32(best)
	}
	if pick[0] < 0 {
		return nil, false
	}
	var out []string
	for p := 0; ; {
		o := opts[pick[p]].Label
		out = append(out, o)
		if p += len(o); p == n {
			return out, true
		}
		p += 2
	}
}

// dropdownProblem says what is wrong with a dropdown value against its
// options ("" when nothing is): Parse puts it in Result.Invalid and Validate
// reports it, so both speak alike.
func dropdownProblem(f Field, v Value) string {
	chosen := v.List
	if v.Kind == Text {
		chosen = nil
		if v.Text != "" {
			chosen = []string{v.Text}
		}
	}
	if !f.Multiple {
		if len(chosen) > 1 {
			return "choose only one option, not " + quoteList(chosen)
		}
		if len(chosen) == 1 && !hasOption(f, chosen[0]) {
			if several, ok := splitOptions(chosen[0], f.Options); ok && len(several) > 1 {
				return "choose only one option, not " + quoteList(several)
			}
		}
	}
	var unknown []string
	for _, c := range chosen {
		if !hasOption(f, c) {
			unknown = append(unknown, c)
		}
	}
	switch len(unknown) {
	case 0:
		return ""
	case 1:
		return quote(unknown[0]) + " is not one of the options"
	}
	return quoteList(unknown) + " are not among the options"
}

// hasOption reports whether label is one of f's options.
func hasOption(f Field, label string) bool {
	return optionIndex(f, label) >= 0
}

// optionIndex is the index of the option labelled label, or -1.
func optionIndex(f Field, label string) int {
	label = strings.TrimSpace(label)
	for i, o := range f.Options {
		if o.Label == label {
			return i
		}
	}
	return -1
}

// readCheckboxes reads "- [x] Label" lines: [x] or [X] ticked, [ ] or []
// not. The list holds the ticked options in template order, whatever order
// the lines are in; a line that is not a checkbox naming an option is
// reported, not dropped.
func readCheckboxes(f Field, s string) (Value, string) {
	ticked := make([]bool, len(f.Options))
	var bad []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		on, label, ok := parseCheckbox(l)
		i := optionIndex(f, label)
		if !ok || i < 0 {
			bad = append(bad, l)
			continue
		}
		ticked[i] = ticked[i] || on
	}
	v := Value{Kind: List}
	for i, on := range ticked {
		if on {
			v.List = append(v.List, f.Options[i].Label)
		}
	}
	switch len(bad) {
	case 0:
		return v, ""
	case 1:
		return v, "the line " + quote(bad[0]) + " is not a checkbox of this field"
	}
	return v, "the lines " + quoteList(bad) + " are not checkboxes of this field"
}

// parseCheckbox reads one task-list line: a bullet (-, * or +), a space, a
// box ([ ], [], [x] or [X]) and the label.
func parseCheckbox(l string) (ticked bool, label string, ok bool) {
	if len(l) < 2 || strings.IndexByte("-*+", l[0]) < 0 || (l[1] != ' ' && l[1] != '\t') {
		return false, "", false
	}
	l = strings.TrimLeft(l[1:], " \t")
	for _, box := range []string{"[ ]", "[]", "[x]", "[X]"} {
		if rest, found := strings.CutPrefix(l, box); found && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			return box == "[x]" || box == "[X]", strings.TrimSpace(rest), true
		}
	}
	return false, "", false
}

// quote renders user text inside a message as a markdown code span (no
// mention, link or markup can come out of it; line breaks and control
// characters become spaces), cut to 80 characters, because messages are
// shown back to people on GitHub and an answer can be 64 KiB.
func quote(s string) string {
	return render.CodeSpan(render.Truncate(s, 80))
}

// quoteList quotes the first five of list.
func quoteList(list []string) string { return render.CodeSpanList(list, 5, 80) }
