// The sections of the policy beside environments: release, Slack, forms.

package policy

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	issuetemplates "github.com/issueops/issueops/issue-templates"
)

// release reads how versions are tagged and published.
func (d *decoder) release(n *yaml.Node) Release {
	r := Release{Tag: "v{version}", Changelog: "conventional"}
	for _, e := range d.mapping(n, "release", releaseKeys) {
		label := "release." + e.key
		switch e.key {
		case "tag":
			if tag, ok := d.str(e.v, label); ok && tag != "" {
				switch bad := badPlaceholder(tag, "{version}"); {
				case bad != "":
					d.fail(e.v, "%s has the placeholder %s; the one known is {version}", label, q(bad))
				case !strings.Contains(tag, "{version}"):
					d.fail(e.v, "%s must contain {version}, or every release would have the tag %s", label, q(tag))
				case !validRef(strings.ReplaceAll(tag, "{version}", "1.2.3")):
					d.fail(e.v, "%s %s does not make a valid git tag name", label, q(tag))
				}
				r.Tag = tag
			}
		case "changelog":
			if c, ok := d.str(e.v, label); ok && c != "" {
				if c != "conventional" && c != "plain" {
					d.fail(e.v, "%s is %s; it is conventional or plain", label, q(c))
				}
				r.Changelog = c
			}
		case "prerelease":
			r.Prerelease, _ = d.boolean(e.v, label)
		case "draft":
			r.Draft, _ = d.boolean(e.v, label)
		case "jira":
			if !isNull(d.resolve(e.v)) {
				r.Jira = d.jira(e.k, e.v)
			}
		}
	}
	return r
}

// jira reads the Jira version of a release; k is the jira key, where a
// missing project is reported.
func (d *decoder) jira(k, n *yaml.Node) *Jira {
	j := &Jira{Version: "{version}"}
	hasProject, problems := false, d.problems
	for _, e := range d.mapping(n, "release.jira", jiraKeys) {
		label := "release.jira." + e.key
		switch e.key {
		case "project":
			hasProject = !isNull(e.v)
			j.Project = d.checked(e.v, label, "", jiraRE.MatchString, "a Jira project key, like OPS")
		case "version":
			if v, ok := d.str(e.v, label); ok && v != "" {
				switch bad := badPlaceholder(v, "{version}"); {
				case bad != "":
					d.fail(e.v, "%s has the placeholder %s; the one known is {version}", label, q(bad))
				case !strings.Contains(v, "{version}"):
					d.fail(e.v, "%s must contain {version}, or every release would be the Jira version %s", label, q(v))
				case len(v) > 200:
					d.fail(e.v, "%s is longer than Jira allows", label)
				}
				j.Version = v
			}
		case "released":
			j.Released, _ = d.boolean(e.v, label)
		}
	}
	if !hasProject && d.problems == problems {
		d.fail(k, "release.jira needs project (the Jira project key, like OPS)")
	}
	return j
}

// slack reads the announcement channels; the environments of p are known.
func (d *decoder) slack(n *yaml.Node, p *Policy) Slack {
	var s Slack
	for _, e := range d.mapping(n, "slack", slackKeys) {
		switch e.key {
		case "channel":
			s.Channel = d.channel(e.k, e.v, "slack.channel")
		case "environments":
			es := d.mapping(e.v, "slack.environments", nil)
			if es != nil {
				s.Environments = make(map[string]string, len(es))
			}
			for _, route := range es {
				if !p.HasEnvironment(route.key) && d.wants(route.k) { // the suggestion costs
					d.fail(route.k, "slack.environments: %s is not a declared environment (declared: %s)%s",
						q(route.key), listNames(p.Environments), didYouMean(route.key, p.Environments))
				}
				s.Environments[route.key] = d.channel(route.k, route.v, "the channel of "+q(route.key)+" in slack.environments")
			}
		}
	}
	return s
}

// channel reads a Slack channel. Unquoted, "#deploys" is a YAML comment and
// the value is empty: that gets its own hint.
func (d *decoder) channel(k, v *yaml.Node, label string) string {
	if isNull(d.resolve(v)) {
		if strings.HasPrefix(k.LineComment, "#") || strings.HasPrefix(v.LineComment, "#") {
			d.fail(k, "%s is empty: quote the channel (%s: \"#deploys\"), or YAML reads #… as a comment", label, q(k.Value))
		} else {
			d.fail(k, "%s is empty", label)
		}
		return ""
	}
	return d.checked(v, label, "", channelRE.MatchString, `a channel, "#name" (quoted) or an ID like C0123456789`)
}

// forms reads the bindings of issue forms to actions.
func (d *decoder) forms(n *yaml.Node, p *Policy) {
	for _, e := range d.mapping(n, "forms", nil) {
		isYAML := strings.HasSuffix(e.key, ".yml") || strings.HasSuffix(e.key, ".yaml")
		if strings.ContainsAny(e.key, "/\\") || strings.HasPrefix(e.key, ".") || !isYAML {
			d.fail(e.k, "forms: %s must be the file name of a form in .github/ISSUE_TEMPLATE/, like deploy.yml", q(e.key))
		}
		action, ok := d.str(e.v, "the action of "+q(e.key)+" in forms")
		if ok && !slices.Contains(issuetemplates.Actions, action) {
			d.fail(e.v, "forms: %s binds %s, which is not an action (%s)%s",
				q(e.key), q(action), strings.Join(issuetemplates.Actions, ", "), didYouMean(action, issuetemplates.Actions))
		}
		p.Forms[e.key] = action
	}
}
