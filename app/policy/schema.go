package policy

import (
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// The keys of each mapping of the policy, sorted for messages.
var (
	topKeys      = []string{"environments", "forms", "permissions", "release", "slack"}
	envKeys      = []string{"after", "approvals", "confirm", "confirm_ttl", "deploy", "freeze", "lock_group", "permissions", "url"}
	deployKeys   = []string{"branch", "inputs", "key", "method", "path", "ref", "repo", "timeout", "value", "workflow"}
	approvalKeys = []string{"from", "required", "self"}
	releaseKeys  = []string{"changelog", "draft", "jira", "prerelease", "tag"}
	jiraKeys     = []string{"project", "released", "version"}
	slackKeys    = []string{"channel", "environments"}
)

const (
	defaultTimeout    = 30 * time.Minute
	defaultConfirmTTL = 15 * time.Minute
	maxApprovals      = 10
)

// document reads the whole policy; root nil is an empty file.
func (d *decoder) document(root *yaml.Node) *Policy {
	p := &Policy{
		Envs:    map[string]*Environment{},
		Forms:   map[string]string{},
		Release: Release{Tag: "v{version}", Changelog: "conventional"},
	}
	if root == nil {
		return p
	}
	es := d.mapping(root, "the policy", topKeys)
	// Environments first, wherever they are: the other sections name them.
	for _, e := range es {
		if e.key == "environments" {
			d.environments(p, e.v)
		}
	}
	for _, e := range es {
		switch e.key {
		case "permissions":
			p.Permissions = d.permissions(e.v, "permissions")
		case "release":
			p.Release = d.release(e.v)
		case "slack":
			p.Slack = d.slack(e.v, p)
		case "forms":
			d.forms(e.v, p)
		}
	}
	return p
}

// environments reads the environments mapping into p, then checks the
// promotion order across it.
func (d *decoder) environments(p *Policy, n *yaml.Node) {
	afters := map[string]*yaml.Node{}
	for _, e := range d.mapping(n, "environments", nil) {
		if !validName(e.key) {
			d.fail(e.k, "%s is not an environment name: %s", q(e.key), nameRule)
		}
		env, after := d.environment(e.key, e.v)
		p.Envs[e.key] = env
		p.Environments = append(p.Environments, e.key)
		if after != nil {
			afters[e.key] = after
		}
	}
	slices.Sort(p.Environments)
	d.promotionOrder(p, afters)
}

// environment reads one environment; the node of its after, when set, is
// for promotionOrder.
func (d *decoder) environment(name string, n *yaml.Node) (*Environment, *yaml.Node) {
	env := &Environment{Name: name, Deploy: Deploy{Method: methodDeployment, Timeout: defaultTimeout}, ConfirmTTL: defaultConfirmTTL}
	where := "environment " + q(name)
	var afterNode, ttlKey *yaml.Node
	confirmOK := true
	for _, e := range d.mapping(n, where, envKeys) {
		label := e.key + " of " + where
		switch e.key {
		case "deploy":
			env.Deploy = d.deploy(e.v, where)
		case "approvals":
			env.Approvals = d.approvals(e.v, where)
		case "confirm":
			env.Confirm, confirmOK = d.boolean(e.v, label)
		case "confirm_ttl":
			if ttl, ok := d.duration(e.v, label, time.Minute, 24*time.Hour); ok && ttl != 0 {
				env.ConfirmTTL, ttlKey = ttl, e.k
			}
		case "after":
			if after, ok := d.str(e.v, label); ok && after != "" {
				env.After, afterNode = after, e.v
			}
		case "lock_group":
			if group, ok := d.str(e.v, label); ok && group != "" {
				if !validName(group) {
					d.fail(e.v, "%s: %s is not a lock group name: %s", label, q(group), nameRule)
				}
				env.LockGroup = group
			}
		case "freeze":
			env.Freeze = d.freeze(e.v, label)
		case "permissions":
			env.Permissions = d.permissions(e.v, label)
		case "url":
			if u, ok := d.str(e.v, label); ok && u != "" {
				if !validURL(u) {
					d.fail(e.v, "%s must be an https:// or http:// URL, not %s", label, q(u))
				}
				env.URL = u
			}
		}
	}
	if ttlKey != nil && confirmOK && !env.Confirm {
		d.fail(ttlKey, "%s sets confirm_ttl without confirm: true; the TTL is that of the confirmation prompt", where)
	}
	return env, afterNode
}

// approvals reads who must approve a deploy, and how many.
func (d *decoder) approvals(n *yaml.Node, envWhere string) Approvals {
	var a Approvals
	where := "approvals of " + envWhere
	var loose *yaml.Node // a key that means nothing while required is 0
	problems := d.problems
	for _, e := range d.mapping(n, where, approvalKeys) {
		label := e.key + " in " + where
		switch e.key {
		case "required":
			a.Required, _ = d.integer(e.v, label, 0, maxApprovals)
		case "from":
			fromOK := true
			for _, item := range d.list(e.v, label, `["@acme/release-managers", maintain]`) {
				s, ok := d.str(item, "an approver in "+label)
				if ok && !slices.Contains(Roles, s) && !teamRE.MatchString(s) {
					d.fail(item, "%s: %s is neither a role (%s) nor a team (%s)", label, q(s), roleList, teamForm)
					ok = false
				}
				fromOK = fromOK && ok
				a.From = append(a.From, s)
			}
			if len(a.From) > 0 && fromOK {
				loose = e.k
			}
		case "self":
			a.Self, _ = d.boolean(e.v, label)
			if a.Self {
				loose = e.k
			}
		}
	}
	if loose != nil && a.Required == 0 && d.problems == problems {
		d.fail(loose, "%s sets %s but required is 0, so no approval is asked for; set required", where, loose.Value)
	}
	return a
}

// promotionOrder checks after: it names another declared environment, and
// following it never comes back.
func (d *decoder) promotionOrder(p *Policy, afters map[string]*yaml.Node) {
	for _, name := range p.Environments {
		n, after := afters[name], p.Envs[name].After
		switch {
		case n == nil:
		case after == name:
			d.fail(n, "after of environment %s names the environment itself; it names the environment a SHA must be live in first", q(name))
		case !p.HasEnvironment(after) && d.wants(n): // the suggestion costs
			d.fail(n, "after of environment %s names %s, which is not declared (declared: %s)%s",
				q(name), q(after), listNames(p.Environments), didYouMean(after, p.Environments))
		}
	}
	const (
		unseen = iota
		onPath
		done
	)
	state := make(map[string]int, len(p.Environments))
	for _, start := range p.Environments {
		var path []string
		for cur := start; state[cur] == unseen; {
			state[cur] = onPath
			path = append(path, cur)
			next := p.Envs[cur].After
			if next == "" || next == cur || !p.HasEnvironment(next) {
				break
			}
			if state[next] == onPath {
				loop := path[slices.Index(path, next):]
				names := append(slices.Clone(loop), next)
				if len(names) > 10 {
					names = append(names[:9], "…", next)
				}
				text := strings.Join(names, " after ")
				for _, name := range loop {
					d.fail(afters[name], "the promotion order loops: %s", text)
				}
				break
			}
			cur = next
		}
		for _, name := range path {
			state[name] = done
		}
	}
}
