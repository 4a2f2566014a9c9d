package form

import (
	"sort"
	"strings"
)

// Validate checks a parsed body against its template's rules, because GitHub
// enforces them only in public repositories and never for issues made
// through the API. It returns every problem at once, in template order, so
// one comment can list them all; each names the field by its label.
//
// Reported: a required input, textarea or dropdown that is empty or has no
// section; a dropdown value not among its options, or several values for a
// single-choice dropdown; each required checkbox option not ticked; and
// everything in r.Invalid (a field with an Invalid entry is not checked
// against its options again, so nothing is said twice). Unmatched sections
// and optional missing fields are not problems: the caller shows them as
// notes. validations.required on a checkboxes element is not enforced:
// GitHub gives it no effect; per-option required is the rule there.
func Validate(t *Template, r Result) []Problem {
	var out []Problem
	known := map[string]bool{}
	for _, f := range inputFields(t) {
		key := f.Key()
		known[key] = true
		v, ok := r.Values[key]
		if !ok {
			v = emptyValue(f)
		}
		name := f.Label
		if strings.TrimSpace(name) == "" {
			name = key
		}
		invalid, isInvalid := r.Invalid[key]
		if isInvalid {
			out = append(out, Problem{Field: name, Message: invalid})
		}
		for _, msg := range fieldProblems(f, v, isInvalid) {
			out = append(out, Problem{Field: name, Message: msg})
		}
	}
	return append(out, strayInvalid(r, known)...)
}

// fieldProblems checks one field's value. checked says the value was already
// found wrong against the options (r.Invalid), so that is not repeated.
func fieldProblems(f Field, v Value, checked bool) []string {
	switch f.Type {
	case Input, Textarea:
		if f.Required && strings.TrimSpace(v.Text) == "" {
			return []string{"is required"}
		}
	case Dropdown:
		var out []string
		if f.Required && isEmpty(v) {
			out = append(out, "is required: choose an option")
		}
		if !checked {
			if msg := dropdownProblem(f, v); msg != "" {
				out = append(out, msg)
			}
		}
		return out
	case Checkboxes:
		return checkboxProblems(f, v, checked)
	}
	return nil
}

// isEmpty reports whether a value holds no answer.
func isEmpty(v Value) bool {
	if v.Kind == List {
		return len(v.List) == 0
	}
	return strings.TrimSpace(v.Text) == ""
}

// checkboxProblems names each required option left unticked and, unless
// already reported, each ticked label that is not an option.
func checkboxProblems(f Field, v Value, checked bool) []string {
	ticked := map[string]bool{}
	for _, l := range v.List {
		ticked[strings.TrimSpace(l)] = true
	}
	var out []string
	for _, o := range f.Options {
		if o.Required && !ticked[o.Label] {
			out = append(out, quote(o.Label)+" must be ticked")
		}
	}
	if checked {
		return out
	}
	for _, l := range v.List {
		if !hasOption(f, l) {
			out = append(out, quote(l)+" is not one of the options")
		}
	}
	return out
}

// strayInvalid reports r.Invalid entries of keys the template does not have
// (a Result built elsewhere), sorted by key so the output is stable.
func strayInvalid(r Result, known map[string]bool) []Problem {
	var keys []string
	for k := range r.Invalid {
		if !known[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := make([]Problem, 0, len(keys))
	for _, k := range keys {
		out = append(out, Problem{Field: k, Message: r.Invalid[k]})
	}
	return out
}
