package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/issueops/issueops/app/form"
	"github.com/issueops/issueops/app/policy"
	issuetemplates "github.com/issueops/issueops/issue-templates"
)

// TemplateDir is where GitHub looks for issue forms.
const TemplateDir = ".github/ISSUE_TEMPLATE"

// ActionLabelPrefix starts the label that binds an issue to an action
// (issueops:deploy); InvalidLabel marks a request with problems.
const (
	ActionLabelPrefix = "issueops:"
	InvalidLabel      = "issueops:invalid"
)

// maxTemplateFiles bounds how many forms are read while looking for the one
// that carries an action's label.
const maxTemplateFiles = 50

// repoView reads one repository's default branch, policy and forms for the
// length of one event, each at most once.
type repoView struct {
	gh     GitHub
	repo   Repo
	branch string
	// head is the default branch's head commit as readPolicy resolved it:
	// a ref naming the branch in the same event resolves to it unasked.
	head string

	policyRead bool
	policy     *policy.Policy
	policyErr  error // the policy file is broken: shown to the user

	templates map[string]templateFile
	// cache keeps parsed policies by commit; nil reads the file every time.
	cache *policyCache
}

// templateFile is a form file as read from the default branch.
type templateFile struct {
	found    bool
	template *form.Template
	err      error // it does not parse
}

func newRepoView(gh GitHub, repo Repo, cache *policyCache) *repoView {
	return &repoView{gh: gh, repo: repo, templates: map[string]templateFile{}, cache: cache}
}

func (v *repoView) defaultBranch(ctx context.Context) (string, error) {
	if v.branch != "" {
		return v.branch, nil
	}
	branch, err := v.gh.DefaultBranch(ctx, v.repo)
	if err != nil {
		return "", fmt.Errorf("default branch of %s: %w", v.repo, err)
	}
	v.branch = branch
	return branch, nil
}

// readPolicy returns the policy of the default branch: an empty one when
// the repository has none, and an empty one with policyErr set when the file
// does not parse. The error return is for GitHub failures only. The file is
// read at the branch's head commit, and parsed once per commit.
func (v *repoView) readPolicy(ctx context.Context) (*policy.Policy, error) {
	if v.policyRead {
		return v.policy, nil
	}
	branch, err := v.defaultBranch(ctx)
	if err != nil {
		return nil, err
	}
	head := branch
	if v.cache != nil {
		sha, found, err := v.gh.ResolveRef(ctx, v.repo, branch)
		switch {
		case errors.Is(err, ErrPermanent):
			// An empty repository has no head (GitHub answers 409): read
			// by branch name, uncached.
		case err != nil:
			return nil, fmt.Errorf("head of %s: %w", branch, err)
		case found:
			head, v.head = sha, sha
		}
	}
	cached, ok := v.cache.lookup(v.repo, head)
	if !ok {
		if cached, err = v.fetchPolicy(ctx, head); err != nil {
			return nil, err
		}
		if head != branch {
			v.cache.put(v.repo, head, cached)
		}
	}
	v.policy, v.policyErr, v.policyRead = cached.policy, cached.err, true
	return v.policy, nil
}

// fetchPolicy reads and parses the policy file at ref.
func (v *repoView) fetchPolicy(ctx context.Context, ref string) (cachedPolicy, error) {
	data, found, err := v.gh.ReadFile(ctx, v.repo, ref, policy.Path)
	if err != nil {
		return cachedPolicy{}, fmt.Errorf("read %s: %w", policy.Path, err)
	}
	empty, _ := policy.Parse(nil) // the defaults, with nothing declared
	out := cachedPolicy{policy: empty}
	if found {
		if p, perr := policy.Parse(data); perr != nil {
			out.err = perr
		} else {
			out.policy = p
		}
	}
	return out, nil
}

// template reads and parses TemplateDir/name on the default branch.
func (v *repoView) template(ctx context.Context, name string) (templateFile, error) {
	if tf, ok := v.templates[name]; ok {
		return tf, nil
	}
	branch, err := v.defaultBranch(ctx)
	if err != nil {
		return templateFile{}, err
	}
	data, found, err := v.gh.ReadFile(ctx, v.repo, branch, TemplateDir+"/"+name)
	if err != nil {
		return templateFile{}, fmt.Errorf("read form %s: %w", name, err)
	}
	tf := templateFile{found: found}
	if found {
		tf.template, tf.err = form.ParseTemplate(data)
	}
	v.templates[name] = tf
	return tf, nil
}

// boundAction returns the action an issue with these labels requests, ""
// for none. An issueops:<action> label binds; otherwise a form the policy
// binds to an action does, when the issue carries all of that form's labels
// (GitHub puts them on every issue opened from it). Several action labels
// are returned all, sorted, for the caller to refuse.
func (v *repoView) boundAction(ctx context.Context, labels []string) ([]string, error) {
	var actions []string
	for _, label := range labels {
		action, ok := strings.CutPrefix(label, ActionLabelPrefix)
		if ok && slices.Contains(issuetemplates.Actions, action) && !slices.Contains(actions, action) {
			actions = append(actions, action)
		}
	}
	if len(actions) > 0 {
		slices.Sort(actions)
		return actions, nil
	}
	pol, err := v.readPolicy(ctx)
	if err != nil {
		return nil, err
	}
	for _, name := range sortedKeys(pol.Forms) {
		if !slices.Contains(issuetemplates.Actions, pol.Forms[name]) {
			continue
		}
		tf, err := v.template(ctx, name)
		if err != nil {
			return nil, err
		}
		if tf.template != nil && len(tf.template.Labels) > 0 && containsAll(labels, tf.template.Labels) {
			return []string{pol.Forms[name]}, nil
		}
	}
	return nil, nil
}

// formSource is the form an issue is read against and where it came from.
type formSource struct {
	template *form.Template
	// file is the path on the default branch, "" for the shipped form.
	file  string
	notes []string
	// problems are forms that exist but do not parse.
	problems []form.Problem
}

// formFor finds the form of action on the default branch: a form the policy
// binds to it, else <action>.yml or .yaml, else any form carrying the
// issueops:<action> label, else the form shipped with issueops.
func (v *repoView) formFor(ctx context.Context, action string) (formSource, error) {
	var src formSource
	pol, err := v.readPolicy(ctx)
	if err != nil {
		return src, err
	}
	var candidates []string
	for _, name := range sortedKeys(pol.Forms) {
		if pol.Forms[name] == action {
			candidates = append(candidates, name)
		}
	}
	candidates = append(candidates, action+".yml", action+".yaml")
	label := ActionLabelPrefix + action
	bound := len(candidates) - 2 // the policy's forms need no label
	for i, name := range candidates {
		if ok, err := v.tryForm(ctx, &src, name, label, i >= bound, true); ok || err != nil {
			return src, err
		}
	}
	names, err := v.otherForms(ctx, candidates)
	if err != nil {
		return src, err
	}
	for _, name := range names {
		if ok, err := v.tryForm(ctx, &src, name, label, true, false); ok || err != nil {
			return src, err
		}
	}
	return v.shippedForm(action, src)
}

// tryForm reads one candidate form and takes it when it parses and, if
// needLabel, carries label. A form that does not parse is a problem to show
// when report is set (it is bound or named after the action).
func (v *repoView) tryForm(ctx context.Context, src *formSource, name, label string, needLabel, report bool) (bool, error) {
	tf, err := v.template(ctx, name)
	if err != nil || !tf.found {
		return false, err
	}
	if tf.err != nil {
		if report {
			src.problems = append(src.problems, form.Problem{Message: fmt.Sprintf(
				"the form %s does not parse (%s); `issueops check` shows what to fix",
				codeSpan(TemplateDir+"/"+name), codeSpan(tf.err.Error()))})
		}
		return false, nil
	}
	if needLabel && !slices.Contains(tf.template.Labels, label) {
		return false, nil
	}
	src.template, src.file = tf.template, TemplateDir+"/"+name
	return true, nil
}

// otherForms lists the form files of TemplateDir not already tried.
func (v *repoView) otherForms(ctx context.Context, tried []string) ([]string, error) {
	branch, err := v.defaultBranch(ctx)
	if err != nil {
		return nil, err
	}
	names, found, err := v.gh.ListDir(ctx, v.repo, branch, TemplateDir)
	if err != nil || !found {
		return nil, err
	}
	var out []string
	for _, name := range names {
		isForm := strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".yaml")
		if isForm && name != "config.yml" && name != "config.yaml" && !slices.Contains(tried, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	if len(out) > maxTemplateFiles {
		out = out[:maxTemplateFiles]
	}
	return out, nil
}

func (v *repoView) shippedForm(action string, src formSource) (formSource, error) {
	data, err := issuetemplates.File(action)
	if err != nil {
		return src, fmt.Errorf("shipped form %s: %w", action, err)
	}
	t, err := form.ParseTemplate(data)
	if err != nil {
		return src, fmt.Errorf("shipped form %s: %w", action, err)
	}
	src.template = t
	src.notes = append(src.notes, fmt.Sprintf("No form in %s on %s carries the label %s: the issue was read against the %s form shipped with issueops.",
		codeSpan(TemplateDir), codeSpan(v.branch), codeSpan(ActionLabelPrefix+action), action))
	return src, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
