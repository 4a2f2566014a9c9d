package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/issueops/issueops/app/form"
	"github.com/issueops/issueops/app/release"
)

// Field ids the actions read from their forms. The shipped forms in
// issue-templates/ use them; a test keeps the two in step.
const (
	FieldEnvironment = "environment"
	FieldVersion     = "version"
	FieldRef         = "ref"
	FieldAction      = "action"
	FieldTTL         = "ttl"
	FieldDryRun      = "dry_run"
)

// RequiredFields lists, per action, the field ids its form must have.
var RequiredFields = map[string][]string{
	"deploy":      {FieldEnvironment, FieldVersion},
	"rollback":    {FieldEnvironment, FieldVersion},
	"release":     {FieldVersion, FieldRef},
	"environment": {FieldAction, FieldEnvironment, FieldTTL},
}

// EnvironmentActions are the choices of the environment form's action field.
var EnvironmentActions = []string{"lock", "unlock", "create", "destroy"}

// RepoFacts answers the questions an action's rules ask about the
// repository. Contract: HasEnvironment reports whether the policy declares
// the environment and lists the declared ones for the message; ResolveRef
// returns the full commit SHA a branch, tag or SHA names, found=false when
// none matches; OnDefaultBranch reports whether a commit is the default
// branch's head or an ancestor; errors are GitHub failures, never "not
// found".
type RepoFacts interface {
	HasEnvironment(ctx context.Context, name string) (ok bool, known []string, err error)
	ResolveRef(ctx context.Context, ref string) (sha string, found bool, err error)
	OnDefaultBranch(ctx context.Context, sha string) (ok bool, branch string, err error)
	DefaultBranch(ctx context.Context) (string, error)
}

// ruled is what an action's rules make of a parsed form.
type ruled struct {
	problems []form.Problem
	params   map[string]string
	sha      string
}

// applyRules checks the action's own rules on values already valid for the
// form, and collects the request's parameters. Fields the form already
// reported are not checked again.
func applyRules(ctx context.Context, facts RepoFacts, action string, t *form.Template, values map[string]form.Value, reported map[string]bool) (ruled, error) {
	r := ruled{params: map[string]string{}}
	label := func(id string) string { return fieldLabel(t, id) }
	for _, id := range RequiredFields[action] {
		if !hasField(t, id) {
			r.problems = append(r.problems, form.Problem{Message: fmt.Sprintf(
				"the form has no field with id %s, which the %s action reads", codeSpan(id), action)})
			reported[id] = true
		}
	}
	text := func(id string) string { return strings.TrimSpace(values[id].Text) }
	for _, field := range t.Fields {
		switch {
		case field.Key() == FieldDryRun:
			// Only a ticked box means a dry run: a dropdown answering
			// "no" must not.
			if field.Type == form.Checkboxes && len(values[FieldDryRun].List) > 0 {
				r.params[FieldDryRun] = "true"
			}
		case action == KindRelease && field.Key() == paramNotes && values[paramNotes].Kind == form.Text:
			// The one textarea an action reads: the text above the changelog.
			r.params[paramNotes] = truncateBytes(text(paramNotes), release.MaxNotesBytes)
		case field.Type != form.Markdown && field.Type != form.Textarea && values[field.Key()].Kind == form.Text:
			r.params[field.Key()] = text(field.Key())
		}
	}
	check := func(id string, fn func(string) (string, error)) error {
		if reported[id] || !hasField(t, id) {
			return nil
		}
		msg, err := fn(text(id))
		if msg != "" {
			r.problems = append(r.problems, form.Problem{Field: label(id), Message: msg})
		}
		return err
	}
	environment := func(v string) (string, error) { return checkEnvironment(ctx, facts, v) }
	commit := func(optional bool) func(string) (string, error) {
		return func(v string) (string, error) {
			if v == "" && optional {
				return "", nil
			}
			sha, msg, err := resolve(ctx, facts, v)
			r.sha = sha
			return msg, err
		}
	}
	var err error
	switch action {
	case "deploy", "rollback":
		err = firstErr(check(FieldEnvironment, environment), check(FieldVersion, commit(action == "rollback")))
	case "release":
		err = firstErr(check(FieldVersion, checkReleaseVersion), check(FieldRef, func(v string) (string, error) {
			if v == "" {
				branch, err := facts.DefaultBranch(ctx)
				if err != nil {
					return "", err
				}
				v = branch
				r.params[FieldRef] = branch
			}
			return commit(false)(v)
		}))
	case "environment":
		if text(FieldAction) != "create" {
			err = check(FieldEnvironment, environment)
		}
		err = firstErr(err, check(FieldTTL, checkTTL))
	}
	return r, err
}

func checkEnvironment(ctx context.Context, facts RepoFacts, name string) (string, error) {
	ok, known, err := facts.HasEnvironment(ctx, name)
	if err != nil || ok {
		return "", err
	}
	if len(known) == 0 {
		return fmt.Sprintf("%s is not an environment of this repository: `.github/issueops.yml` on the default branch declares none", codeSpan(name)), nil
	}
	return fmt.Sprintf("%s is not an environment of `.github/issueops.yml` on the default branch; it declares %s",
		codeSpan(name), codeSpanList(known, 20)), nil
}

// resolve turns a version, branch, tag or SHA into a commit SHA. A bare
// semantic version also matches its "v"-prefixed tag. A commit named by its
// SHA must be on the default branch: GitHub also answers for commits that
// exist only in a fork, which nobody here reviewed.
func resolve(ctx context.Context, facts RepoFacts, ref string) (sha, msg string, err error) {
	if reason := refProblem(ref); reason != "" {
		return "", fmt.Sprintf("%s is not a valid branch, tag or commit name: %s", codeSpan(ref), reason), nil
	}
	sha, found, err := facts.ResolveRef(ctx, ref)
	if err != nil {
		return "", "", err
	}
	if found && namesCommit(ref, sha) {
		ok, branch, err := facts.OnDefaultBranch(ctx, sha)
		if err != nil || !ok {
			return "", fmt.Sprintf("commit %s is not on the default branch %s; name the branch or tag that holds it",
				codeSpan(sha), codeSpan(branch)), err
		}
	}
	if found {
		return sha, "", nil
	}
	if _, perr := release.ParseVersion(ref); perr == nil && !strings.HasPrefix(ref, "v") {
		if sha, found, err = facts.ResolveRef(ctx, "v"+ref); err != nil || found {
			return sha, "", err
		}
	}
	return "", fmt.Sprintf("no branch, tag or commit %s exists in this repository", codeSpan(ref)), nil
}

// namesCommit reports whether ref is (a prefix of) the SHA it resolved to,
// rather than a branch or tag.
func namesCommit(ref, sha string) bool {
	return len(ref) >= 4 && strings.HasPrefix(sha, strings.ToLower(ref)) && strings.Trim(strings.ToLower(ref), "0123456789abcdef") == ""
}

// refProblem applies git's ref-name rules (git check-ref-format), so that
// nothing that is not a ref name reaches a GitHub API path.
func refProblem(ref string) string {
	switch {
	case ref == "":
		return "it is empty"
	case len(ref) > 255:
		return "it is longer than 255 characters"
	case strings.HasPrefix(ref, "-"), strings.HasPrefix(ref, "/"), strings.HasSuffix(ref, "/"),
		strings.HasSuffix(ref, "."), strings.HasSuffix(ref, ".lock"):
		return "it may not start with - or /, or end with /, . or .lock"
	case strings.Contains(ref, ".."), strings.Contains(ref, "@{"), strings.Contains(ref, "//"), strings.Contains(ref, "/."):
		return "it may not contain .., @{, // or /."
	case strings.HasPrefix(ref, "refs/pull/"), strings.HasPrefix(ref, "pull/"):
		// A pull request's head may come from a fork: not the repository's code.
		return "pull-request refs may hold a fork's commits; name a branch, tag or commit of this repository"
	}
	for _, c := range ref {
		if c <= ' ' || c == 0x7f || strings.ContainsRune(`~^:?*[\`, c) || c > 0x7e {
			return "it may only contain printable ASCII other than space and ~^:?*[\\"
		}
	}
	return ""
}

func checkReleaseVersion(v string) (string, error) {
	if v == "" || release.IsBump(v) {
		return "", nil
	}
	if _, err := release.ParseVersion(v); err != nil {
		return fmt.Sprintf("%s is not `major`, `minor`, `patch` or a semantic version such as `1.5.0`", codeSpan(v)), nil
	}
	return "", nil
}

// maxLockTTL bounds a lock duration: a longer hold is an unlock forgotten.
const maxLockTTL = 90 * 24 * time.Hour

func checkTTL(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 || d > maxLockTTL {
		return fmt.Sprintf("%s is not a duration between 1s and 2160h, such as `30m` or `2h`", codeSpan(v)), nil
	}
	return "", nil
}

func hasField(t *form.Template, id string) bool {
	for _, f := range t.Fields {
		if f.Type != form.Markdown && f.Key() == id {
			return true
		}
	}
	return false
}

func fieldLabel(t *form.Template, id string) string {
	for _, f := range t.Fields {
		if f.Key() == id {
			return f.Label
		}
	}
	return id
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// truncateBytes cuts s to at most n bytes without splitting a character.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
