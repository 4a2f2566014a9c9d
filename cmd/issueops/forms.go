package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/form"
	"github.com/issueops/issueops/app/policy"
	issuetemplates "github.com/issueops/issueops/issue-templates"
)

// maxBodyBytes bounds an issue body read by parse: GitHub caps bodies at
// 65,536 characters, which is at most four times as many bytes.
const maxBodyBytes = 4 * 65536

const parseHelp = `Usage: issueops parse [--template FILE] [--body FILE|-]

Parses a rendered issue-form body (from --body, or standard input) and prints
its fields as JSON, keyed by field id: input and textarea give a string ("" when
empty), a dropdown a string or, with multiple: true, an array, checkboxes the
array of ticked labels. Without --template, keys are the slugs of the section
headings and values the raw text. What does not match the form, and what the
form's validations refuse, is reported on standard error.
`

func runParse(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fset := newFlagSet("parse", parseHelp, stderr)
	templatePath := fset.String("template", "", "the issue form (YAML) the body was rendered from")
	bodyPath := fset.String("body", "-", "the rendered issue body; - reads standard input")
	if err := fset.Parse(args); err != nil {
		return flagError(err)
	}
	if fset.NArg() > 0 {
		return usagef("unexpected argument %q", fset.Arg(0))
	}
	body, err := readBody(*bodyPath, stdin)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if *templatePath == "" {
		return enc.Encode(form.ParseRaw(body))
	}
	data, err := os.ReadFile(*templatePath)
	if err != nil {
		return err
	}
	t, err := form.ParseTemplate(data)
	if err != nil {
		return fmt.Errorf("%s: %w", *templatePath, err)
	}
	result := form.Parse(t, body)
	for _, heading := range result.Unmatched {
		fmt.Fprintf(stderr, "note: section %q matches no field of the form\n", heading)
	}
	for _, heading := range result.Absorbed {
		fmt.Fprintf(stderr, "note: heading %q was read as part of the answer above it\n", heading)
	}
	for _, key := range result.Missing {
		fmt.Fprintf(stderr, "note: field %q has no section in the body\n", key)
	}
	for _, p := range form.Validate(t, result) {
		fmt.Fprintf(stderr, "invalid: %s\n", p)
	}
	return enc.Encode(result.Values)
}

func readBody(path string, stdin io.Reader) (string, error) {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return "", err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxBodyBytes+1))
	if err != nil {
		return "", err
	}
	if len(data) > maxBodyBytes {
		return "", fmt.Errorf("the body is over %d bytes; GitHub caps issue bodies at 65,536 characters", maxBodyBytes)
	}
	return string(data), nil
}

const checkHelp = `Usage: issueops check [DIR]

Validates a repository checkout offline (DIR, default the current directory):
every issue form in .github/ISSUE_TEMPLATE/ against GitHub's form schema and
against the fields issueops reads for the action its issueops:<action> label
names, and .github/issueops.yml when present. Prints one "file:line: message"
per problem and exits 1 when there is any.
`

func runCheck(args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("check", checkHelp, stderr)
	if err := fset.Parse(args); err != nil {
		return flagError(err)
	}
	if fset.NArg() > 1 {
		return usagef("unexpected argument %q", fset.Arg(1))
	}
	dir := "."
	if fset.NArg() == 1 {
		dir = fset.Arg(0)
	}
	files, err := formFiles(filepath.Join(dir, filepath.FromSlash(app.TemplateDir)))
	if err != nil {
		return err
	}
	policyPath := filepath.Join(dir, filepath.FromSlash(policy.Path))
	bound, problems, err := checkPolicy(policyPath, files)
	if err != nil {
		return err
	}
	for _, path := range files {
		found, err := checkForm(path, bound[filepath.Base(path)])
		if err != nil {
			return err
		}
		problems = append(problems, found...)
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, p)
	}
	fmt.Fprintf(stderr, "issueops check: %d %s, %d %s\n", len(files), pluralize(len(files), "form"),
		len(problems), pluralize(len(problems), "problem"))
	if len(problems) > 0 {
		return errCheckFailed
	}
	return nil
}

// errCheckFailed makes check exit 1 after it printed the problems.
var errCheckFailed = errors.New("problems found")

// formFiles lists the issue forms of dir: *.yml and *.yaml but the chooser's
// config.yml.
func formFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no %s directory", dir)
	}
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		isForm := strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".yaml")
		if !e.IsDir() && isForm && name != "config.yml" && name != "config.yaml" {
			files = append(files, filepath.Join(dir, name))
		}
	}
	slices.Sort(files)
	return files, nil
}

// checkPolicy reads the policy, when there is one, and returns the forms it
// binds (file name → action) and its problems: one that does not parse, a
// bound form that is not among files.
func checkPolicy(path string, files []string) (map[string]string, []string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	pol, err := policy.Parse(data)
	var perr *policy.Error
	if errors.As(err, &perr) {
		return nil, []string{fmt.Sprintf("%s:%d: %s", path, max(perr.Line, 1), perr.Msg)}, nil
	}
	var problems []string
	for _, name := range slices.Sorted(maps.Keys(pol.Forms)) {
		if !slices.ContainsFunc(files, func(f string) bool { return filepath.Base(f) == name }) {
			problems = append(problems, fmt.Sprintf("%s:1: forms binds %s, which is not a form of %s", path, name, app.TemplateDir))
		}
	}
	return pol.Forms, problems, nil
}

// checkForm applies GitHub's schema, then asks for the field ids its action
// reads: the action its issueops:<action> label names, or boundTo, the one
// the policy binds it to.
func checkForm(path, boundTo string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range form.Check(data) {
		out = append(out, fmt.Sprintf("%s:%d: %s", path, max(p.Line, 1), p.Message))
	}
	t, err := form.ParseTemplate(data)
	if err != nil || len(out) > 0 {
		return out, nil
	}
	bindings := map[string]string{} // action → why
	if boundTo != "" {
		bindings[boundTo] = "the policy binds this form to the " + boundTo + " action"
	}
	for _, label := range t.Labels {
		action, ok := strings.CutPrefix(label, app.ActionLabelPrefix)
		switch {
		case !ok || label == app.InvalidLabel:
		case app.RequiredFields[action] == nil:
			out = append(out, fmt.Sprintf("%s:1: the label %s names no action (%s)", path, label, strings.Join(issuetemplates.Actions, ", ")))
		default:
			bindings[action] = "the label " + label + " binds this form to the " + action + " action"
		}
	}
	for _, action := range slices.Sorted(maps.Keys(bindings)) {
		for _, id := range app.RequiredFields[action] {
			if !slices.ContainsFunc(t.Fields, func(f form.Field) bool { return f.Type != form.Markdown && f.Key() == id }) {
				out = append(out, fmt.Sprintf("%s:1: %s, which reads a field with id %q; the form has none", path, bindings[action], id))
			}
		}
	}
	return out, nil
}

func pluralize(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
