package form

import (
	"strings"
)

// Parse reads a body GitHub rendered from the form t back into values keyed
// by Field.Key. GitHub renders each non-markdown field as "### Label", a
// blank line, the answer; Parse finds those sections, matches them to fields
// by label and reads each answer by its field's type. It never fails: what
// it cannot place is reported in Result.Unmatched, Result.Missing and
// Result.Invalid, never guessed silently. It is linear in the body.
//
// Sections. A line is a heading when it is "### text" with at most three
// leading spaces, outside fenced code (``` or ~~~, closed by a fence of the
// same char at least as long; a fence never closed hides nothing, see
// scanHeadings). Its text matches a field when it equals the field's label,
// compared trimmed and with runs of whitespace as one space. Each field
// matches at most once, in body order; with two fields of one label the
// first heading goes to the first field in template order.
//
// The heading rule. A heading that matches no field still waiting for its
// section is "unknown": either text the user typed, or the section of a
// field the template no longer has. Typed text can span lines with headings
// only in a textarea without render (input and dropdown answers are one
// line; checkbox answers and rendered textareas are wrapped by GitHub). So
// an unknown heading stays part of the answer in two cases: inside the
// section of a textarea without render; and alone between blank lines as the
// whole of an input or dropdown section, since GitHub always writes an
// answer there ("_No response_" when empty), so that line is what was typed.
// Anywhere else (before the first section, after an input or dropdown
// answer, in a checkboxes or rendered-textarea section) it starts a section
// of its own: its text goes to Unmatched and the section is not read. The
// guesses this makes are limited to bodies GitHub did not render as is: a
// removed field's section right after a textarea is read as part of the
// textarea's answer, and a blank one right after a blank input or dropdown
// section becomes that field's answer. Text before the first heading is
// ignored.
//
// Values. A section's text is trimmed; "_No response_" or "None" as the
// whole answer means empty. Input and textarea give Text (a textarea with
// render has GitHub's one outer code fence removed); a dropdown gives Text,
// or a List when multiple; checkboxes give the List of ticked options in
// template order. Answers that are not among a dropdown's options, and
// checkbox lines that name no option, are reported in Invalid.
func Parse(t *Template, body string) Result {
	body = normalizeNewlines(body)
	fields := inputFields(t)
	spans, unmatched, absorbed := assignSections(fields, body, scanHeadings(body))
	r := Result{Values: make(map[string]Value, len(fields)), Unmatched: unmatched, Absorbed: absorbed}
	for i, f := range fields {
		key := f.Key()
		if spans[i] == nil {
			r.Values[key] = emptyValue(f)
			r.Missing = append(r.Missing, key)
			continue
		}
		v, problem := readValue(f, body[spans[i].start:spans[i].end])
		r.Values[key] = v
		if problem != "" {
			if r.Invalid == nil {
				r.Invalid = map[string]string{}
			}
			r.Invalid[key] = problem
		}
	}
	return r
}

// inputFields are the fields of t that take a value: all but markdown.
func inputFields(t *Template) []Field {
	if t == nil {
		return nil
	}
	out := make([]Field, 0, len(t.Fields))
	for _, f := range t.Fields {
		if f.Type != Markdown {
			out = append(out, f)
		}
	}
	return out
}

// span is the raw text of one section: body[start:end].
type span struct{ start, end int }

// assignSections applies the heading rule of Parse: it returns, per field,
// the span of its section (nil when it has none), the unknown headings that
// start sections of their own, and those read as part of an answer.
func assignSections(fields []Field, body string, hs []heading) (spans []*span, unmatched, absorbed []string) {
	waiting := make(map[string][]int, len(fields)) // label -> fields without a section yet
	for i, f := range fields {
		l := normLabel(f.Label)
		waiting[l] = append(waiting[l], i)
	}
	spans = make([]*span, len(fields))
	var cur *span    // the section being read, nil before the first or in an unmatched one
	var field *Field // the field cur belongs to
	for i, h := range hs {
		l := normLabel(h.text)
		if idx := waiting[l]; len(idx) > 0 {
			waiting[l] = idx[1:]
			closeSpan(cur, h.start)
			cur, field = &span{start: h.next}, &fields[idx[0]]
			spans[idx[0]] = cur
			continue
		}
		next := len(body)
		if i+1 < len(hs) {
			next = hs[i+1].start
		}
		if cur != nil && keepsHeading(field, body[cur.start:h.start], body[h.next:next]) {
			absorbed = append(absorbed, h.text)
			continue
		}
		closeSpan(cur, h.start)
		cur, field = nil, nil
		unmatched = append(unmatched, h.text)
	}
	closeSpan(cur, len(body))
	return spans, unmatched, absorbed
}

// keepsHeading decides whether an unknown heading is part of f's answer
// rather than a section of its own, given the section's text before the
// heading and the text after it up to the next heading. A textarea without
// render takes markdown, headings included. An input or dropdown answer is
// one line that GitHub always writes ("_No response_" or "None" when
// empty), so a heading line alone between blank lines, first in the
// section, is the answer itself (someone typed "### x" into an input).
func keepsHeading(f *Field, before, after string) bool {
	switch f.Type {
	case Textarea:
		return f.Render == ""
	case Input, Dropdown:
		return strings.TrimSpace(before) == "" && strings.TrimSpace(after) == ""
	}
	return false
}

// closeSpan ends a section where the next one begins.
func closeSpan(s *span, end int) {
	if s != nil {
		s.end = max(end, s.start)
	}
}

// emptyValue is the value of a field with no answer: "" or an empty list.
func emptyValue(f Field) Value {
	if f.Type == Checkboxes || (f.Type == Dropdown && f.Multiple) {
		return Value{Kind: List}
	}
	return Value{Kind: Text}
}

// noResponse reports whether an answer is GitHub's placeholder for none:
// "_No response_" for an empty field, "None" for a dropdown left unchosen.
func noResponse(s string) bool {
	return s == "_No response_" || s == "None"
}

// readValue reads one section's raw text as f's value, with a message for
// Result.Invalid when part of it could not be read.
func readValue(f Field, raw string) (Value, string) {
	s := strings.TrimSpace(raw)
	if noResponse(s) {
		return emptyValue(f), ""
	}
	switch f.Type {
	case Textarea:
		if f.Render != "" {
			s = unfence(s, f.Render)
		}
		return Value{Kind: Text, Text: s}, ""
	case Dropdown:
		return readDropdown(f, s)
	case Checkboxes:
		return readCheckboxes(f, s)
	}
	return Value{Kind: Text, Text: s}, ""
}

// unfence removes the code fence GitHub wraps a render textarea's answer in:
// a first line opening a fence with the render language as info string, and
// a last line closing it. Anything else is returned as it is (a body edited
// by hand, or made through the API, may have no fence).
func unfence(s, render string) string {
	nl := strings.IndexByte(s, '\n')
	last := strings.LastIndexByte(s, '\n')
	if nl < 0 {
		return s
	}
	first, end := s[:nl], s[last+1:]
	ch, size, _ := parseFence(first)
	info := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(first), string(ch)))
	ech, esize, closes := parseFence(end)
	if ch == 0 || !strings.EqualFold(info, render) || !closes || ech != ch || esize < size {
		return s
	}
	if last == nl {
		return ""
	}
	return s[nl+1 : last]
}
