// The deploy settings of an environment, per method.

package policy

import (
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Deploy methods, and the keys that belong to one method only.
const (
	methodDeployment = "deployment"
	methodWorkflow   = "workflow"
	methodGitOps     = "gitops"
)

var methodOf = map[string]string{
	"workflow": methodWorkflow, "ref": methodWorkflow, "inputs": methodWorkflow,
	"repo": methodGitOps, "path": methodGitOps, "key": methodGitOps, "branch": methodGitOps, "value": methodGitOps,
}

// deploy reads an environment's executor: the method, then the keys of that
// method only, then what the method cannot do without.
func (d *decoder) deploy(n *yaml.Node, envWhere string) Deploy {
	dep := Deploy{Method: methodDeployment, Timeout: defaultTimeout}
	where := "deploy of " + envWhere
	problems := d.problems
	es := d.mapping(n, where, deployKeys)
	var methodNode *yaml.Node
	methodOK := true
	for _, e := range es {
		if e.key != "method" {
			continue
		}
		method, ok := d.str(e.v, "method in "+where)
		switch {
		case !ok:
			methodOK = false
		case method == methodDeployment || method == methodWorkflow || method == methodGitOps:
			dep.Method, methodNode = method, e.v
		case method != "":
			d.fail(e.v, "method in %s is %s; methods are deployment, workflow and gitops%s",
				where, q(method), didYouMean(method, []string{methodDeployment, methodWorkflow, methodGitOps}))
			methodOK = false
		}
	}
	present := map[string]bool{}
	for _, e := range es {
		label := e.key + " in " + where
		present[e.key] = !isNull(e.v)
		if m := methodOf[e.key]; m != "" && m != dep.Method {
			if methodOK {
				d.fail(e.k, "%s is a setting of the %s method, and this deploy uses %s", label, m, dep.Method)
			}
			continue
		}
		switch e.key {
		case "workflow":
			dep.Workflow = d.checked(e.v, label, dep.Workflow, workflowRE.MatchString, "a file name of .github/workflows, like deploy.yml")
		case "ref":
			dep.Ref = d.checked(e.v, label, dep.Ref, validRef, "a branch name")
		case "inputs":
			dep.Inputs = d.inputs(e.v, label)
		case "repo":
			dep.Repo = d.checked(e.v, label, dep.Repo, validRepo, "owner/name")
		case "path":
			dep.Path = d.checked(e.v, label, dep.Path, validFilePath, `a file path relative to the repository's root, without "..", like clusters/prod/release.yaml`)
		case "key":
			dep.Key = d.checked(e.v, label, dep.Key, validKeyPath, "a dotted key path, like spec.values.image.tag")
		case "branch":
			dep.Branch = d.checked(e.v, label, dep.Branch, validRef, "a branch name")
		case "value":
			if v, ok := d.str(e.v, label); ok && v != "" {
				if bad := badPlaceholder(v, "{version}", "{sha}"); bad != "" {
					d.fail(e.v, "%s has the placeholder %s; known are {version} and {sha}", label, q(bad))
				} else if !strings.Contains(v, "{version}") && !strings.Contains(v, "{sha}") {
					d.fail(e.v, "%s has neither {version} nor {sha}: every deploy would write the same %s", label, q(v))
				}
				dep.Value = v
			}
		case "timeout":
			if t, ok := d.duration(e.v, label, time.Second, 24*time.Hour); ok && t != 0 {
				dep.Timeout = t
			}
		}
	}
	var missing []string
	need := func(key, what string) {
		if !present[key] {
			missing = append(missing, key+" ("+what+")")
		}
	}
	switch dep.Method {
	case methodWorkflow:
		need("workflow", "the file name in .github/workflows")
	case methodGitOps:
		need("repo", "owner/name")
		need("path", "the file in repo")
		need("key", "the dotted key path in the file")
		if dep.Value == "" {
			dep.Value = "{version}"
		}
	}
	if len(missing) > 0 && methodNode != nil && d.problems == problems {
		d.fail(methodNode, "%s uses the %s method, which needs %s", where, dep.Method, strings.Join(missing, ", "))
	}
	return dep
}

// checked reads a string that must pass valid; a null keeps old.
func (d *decoder) checked(n *yaml.Node, label, old string, valid func(string) bool, want string) string {
	s, ok := d.str(n, label)
	if !ok || s == "" && isNull(d.resolve(n)) {
		return old
	}
	if !valid(s) {
		d.fail(n, "%s must be %s, not %s", label, want, q(s))
	}
	return s
}

// inputs reads extra workflow_dispatch inputs: ids GitHub accepts, string
// values (a number or a boolean is passed as written).
// reservedInputs are the workflow inputs issueops passes on every dispatch.
var reservedInputs = map[string]bool{"issueops_id": true, "issueops_sha": true}

func (d *decoder) inputs(n *yaml.Node, label string) map[string]string {
	es := d.mapping(n, label, nil)
	if es == nil {
		return nil
	}
	inputs := make(map[string]string, len(es))
	for _, e := range es {
		if !inputRE.MatchString(e.key) {
			d.fail(e.k, "%s: %s is not a workflow input id (a letter or _, then letters, digits, - or _)", label, q(e.key))
		}
		if reservedInputs[strings.ToLower(e.key)] {
			d.fail(e.k, "%s: %s is the input issueops itself passes (the operation's id and commit); name yours otherwise", label, q(e.key))
		}
		if isNull(e.v) {
			d.fail(e.v, "%s: the input %s has no value; write \"\" for an empty one", label, q(e.key))
		}
		v, _ := d.str(e.v, "the input "+q(e.key)+" in "+label)
		inputs[e.key] = v
	}
	return inputs
}
