// Package policy reads a repository's .github/issueops.yml: the environments
// and how each is deployed, approved, confirmed, ordered, locked and frozen;
// who may run which command; how releases are cut; where Slack hears of it.
// It is pure: the caller fetches the file from the default branch (a pull
// request cannot loosen its own policy) and hands the bytes to Parse.
//
// Parse is strict. An unknown key, a value of the wrong type or a reference
// to nothing is an *Error on its line: the file guards production, and a
// guard that a typo silently switched off ("aprovals:" read as no approvals)
// is worse than a policy that does not load.
package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/issueops/issueops/app/yamlerr"
)

// Path is where the policy lives in a repository.
const Path = ".github/issueops.yml"

// MaxSize caps the policy file; a bigger one is refused, not truncated.
const MaxSize = 1 << 20

// Policy is a repository's issueops configuration, validated: whatever
// Parse returns can be used without further checks.
type Policy struct {
	// Environments are the names the repository declares, sorted, for
	// listing them in messages and forms.
	Environments []string
	// Envs holds every declared environment by name; no entry is nil.
	Envs map[string]*Environment
	// Forms binds issue-form files of .github/ISSUE_TEMPLATE/ to actions
	// (file name → action), for forms that do not carry the issueops:<action>
	// label.
	Forms map[string]string
	// Permissions are the repository-wide rules per command; an environment
	// may override them, and Rule applies the defaults for the rest.
	Permissions Permissions
	// Release says how /release tags and describes a version.
	Release Release
	// Slack says where operations are announced; zero when not configured.
	Slack Slack
}

// Environment is one deploy target and the guards around it.
type Environment struct {
	// Name is the environment's key in the policy, exactly as written.
	Name string
	// Deploy says how a version reaches the environment.
	Deploy Deploy
	// Approvals are the reviews a deploy needs before it starts.
	Approvals Approvals
	// Confirm makes the requester /confirm the exact SHA shown, so a branch
	// that moved after the request is not deployed unseen.
	Confirm bool
	// ConfirmTTL is how long a confirmation prompt stays valid (15m unless
	// confirm_ttl says otherwise); a stale prompt shows a stale plan.
	ConfirmTTL time.Duration
	// After is the environment a SHA must be live in first (promotion
	// order), "" for none. Parse checks that it is declared and that the
	// order has no loop.
	After string
	// LockGroup names environments that run one operation at a time between
	// them (shared infrastructure); the others queue. "" for none.
	LockGroup string
	// Freeze are the weekly windows in which deploys need freeze_override.
	Freeze []Window
	// Permissions override the repository-wide rules in this environment.
	Permissions Permissions
	// URL is the environment_url shown on GitHub deployments, "" for none.
	URL string
}

// Deploy is the executor of an environment and its settings. Only the fields
// of Method are set; Parse refuses the keys of another method, so a gitops
// repo written under a workflow deploy is an error, not ignored.
type Deploy struct {
	// Method is "deployment" (the default: a GitHub deployment that an
	// external CD system acts on), "workflow" (workflow_dispatch) or "gitops"
	// (a commit to a GitOps repository).
	Method string

	// Workflow is the file name in .github/workflows to dispatch, like
	// deploy.yml (method workflow).
	Workflow string
	// Ref is the branch the workflow runs on; "" is the default branch.
	Ref string
	// Inputs are extra workflow_dispatch inputs, passed as written.
	Inputs map[string]string

	// Repo is the GitOps repository, owner/name (method gitops).
	Repo string
	// Path is the file in Repo, relative to its root (no "..").
	Path string
	// Key is the dotted YAML key path of the value in Path, like
	// spec.values.image.tag.
	Key string
	// Branch is where the commit goes; "" is Repo's default branch.
	Branch string
	// Value is what is written at Key ("{version}" unless set): {version} is
	// the requested ref, {sha} the commit it resolved to.
	Value string

	// Timeout is how long to wait for the deployment or workflow to report
	// completion before calling it failed (30m unless set, at most 24h).
	Timeout time.Duration
}

// Approvals are the reviews a deploy needs.
type Approvals struct {
	// Required is how many distinct approvers are needed, 0 to 10; 0 needs
	// none.
	Required int
	// From lists who may approve, each a role name (the approver needs at
	// least that role) or a team "@org/team-slug"; empty is anyone with the
	// approve permission (write by default).
	From []string
	// Self lets the requester's own approval count; false keeps four eyes.
	Self bool
}

// Release says how /release tags a version and what it publishes.
type Release struct {
	// Tag is the tag template; it contains {version} ("v{version}" unless
	// set).
	Tag string
	// Changelog is "conventional" (grouped by Conventional Commits type, the
	// default) or "plain" (one line per commit).
	Changelog string
	// Prerelease and Draft are set on the GitHub release.
	Prerelease bool
	Draft      bool
	// Jira, when not nil, names the Jira version to create for a release.
	Jira *Jira
}

// Jira is the Jira version a release creates or updates.
type Jira struct {
	// Project is the project key, like OPS.
	Project string
	// Version is the version-name template; it contains {version}
	// ("{version}" unless set).
	Version string
	// Released marks the Jira version released when the release is made.
	Released bool
}

// Slack says where operations are announced.
type Slack struct {
	// Channel gets every announcement not routed by Environments, "" for
	// none: a "#name" or a channel ID.
	Channel string
	// Environments route the announcements of an environment (declared) to
	// its own channel.
	Environments map[string]string
}

// Error is a problem in the policy file, on Line when it is known (else 0).
type Error struct {
	Line int
	Msg  string
}

// Error writes "line N: message", the form check and comments quote.
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// Parse reads and validates a policy file. An empty file is an empty policy
// (with the defaults). A problem is an *Error: the first one in the file,
// on its line.
func Parse(data []byte) (*Policy, error) {
	if len(data) > MaxSize {
		return nil, &Error{Msg: fmt.Sprintf("the file is %d bytes, more than the %d allowed", len(data), MaxSize)}
	}
	root, perr := readYAML(data)
	if perr != nil {
		return nil, perr
	}
	d := &decoder{maxWork: workFor(len(data))}
	p := d.document(root)
	if d.err != nil {
		return nil, d.err
	}
	return p, nil
}

// readYAML parses data into a node tree, nil for an empty file. A second
// document with content is an error: it would be ignored otherwise.
func readYAML(data []byte) (root *yaml.Node, perr *Error) {
	// yaml.v3 has panicked on malformed input before; Parse must not,
	// whatever the file holds.
	defer func() {
		if r := recover(); r != nil {
			root, perr = nil, &Error{Msg: oneLine(fmt.Sprintf("the YAML parser failed: %v", r))}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return nil, nil
	} else if err != nil {
		return nil, yamlError(err)
	}
	for {
		var more yaml.Node
		err := dec.Decode(&more)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, yamlError(err)
		}
		if n := content(&more); !isNull(n) {
			return nil, &Error{Line: n.Line, Msg: "a second YAML document (after ---): the policy is one document"}
		}
	}
	return content(&doc), nil
}

// content is the top node of a document.
func content(doc *yaml.Node) *yaml.Node {
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		return doc.Content[0]
	}
	return doc
}

// yamlError turns a yaml.v3 syntax error into an *Error on one line, on
// the line an editor shows.
func yamlError(err error) *Error {
	line, msg := yamlerr.Split(err)
	return &Error{Line: line, Msg: oneLine(msg)}
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// HasEnvironment reports whether name is a declared environment. Names
// compare exactly: "Production" and "production" are different environments.
func (p *Policy) HasEnvironment(name string) bool {
	_, found := slices.BinarySearch(p.Environments, name)
	return found
}

// Environment returns the declared environment called name (exactly), so
// callers need not index Envs and check for absence themselves.
func (p *Policy) Environment(name string) (*Environment, bool) {
	if p == nil {
		return nil, false
	}
	env, ok := p.Envs[name]
	return env, ok && env != nil
}
