package policy

import (
	"errors"
	"strings"
	"testing"
)

func env(body string) string { return "environments:\n  production:\n" + body }

// TestParseErrors: each problem is one *Error, on the line of the key or
// value at fault, naming it.
func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		doc  string
		line int
		want []string
	}{
		// YAML itself.
		// The parser stops at the end of the file, on the line after the last.
		{"syntax", "environments:\n  staging: [\n", 3, []string{"did not find expected"}},
		{"syntax inside", "environments:\n  staging: [\nforms: {}\n", 2, []string{"did not find expected"}},
		{"duplicate top key", "forms: {}\nforms: {}\n", 2, []string{`the policy has the key "forms" twice (first on line 1)`}},
		{"second document", "environments: {a: }\n---\nforms: {}\n", 3, []string{"second YAML document"}},
		{"not a mapping", "- environments\n", 1, []string{"the policy must be a mapping, not a list"}},
		{"unknown top key", "forms: {}\nenviroments:\n  a: {}\n", 2, []string{`unknown key "enviroments" in the policy`, "known: environments, forms, permissions, release, slack", `did you mean "environments"?`}},
		{"complex key", "? [a]\n: b\n", 1, []string{"the policy has a key that is a list"}},
		{"null key", "environments:\n  ~: {}\n", 2, []string{"environments has a key that is empty"}},

		{"long string", "release:\n  tag: " + strings.Repeat("v", maxString+1) + "\n", 2, []string{"release.tag is 4097 bytes long"}},
		{"long value quoted short", "release:\n  changelog: " + strings.Repeat("x", 200) + "\n", 2, []string{`release.changelog is "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"…;`}},

		// Environments.
		{"environments list", "environments: [a, b]\n", 1, []string{"environments must be a mapping, not a list"}},
		{"empty name", "environments:\n  \"\": {}\n", 2, []string{`"" is not an environment name`}},
		{"name with a space", "environments:\n  ok: {}\n  my env: {}\n", 3, []string{`"my env" is not an environment name`, "1 to 64"}},
		{"name starting with a dash", "environments:\n  -prod: {}\n", 2, []string{`"-prod" is not an environment name`}},
		{"name starting with a dot", "environments:\n  .prod: {}\n", 2, []string{`".prod" is not an environment name`}},
		{"name too long", "environments:\n  " + strings.Repeat("a", 65) + ": {}\n", 2, []string{"is not an environment name"}},
		{"duplicate environment", "environments:\n  a: {}\n  b: {}\n  a: {}\n", 4, []string{`environments has the key "a" twice (first on line 2)`}},
		{"environment not a mapping", "environments:\n  staging: [deploy]\n", 2, []string{`environment "staging" must be a mapping, not a list`}},
		{"environment a string", "environments:\n  staging: yes\n", 2, []string{`environment "staging" must be a mapping, not "yes"`}},
		{"unknown environment key", env("    confirm: true\n    aprovals: {required: 2}\n"), 4,
			[]string{`unknown key "aprovals" in environment "production"`, "known: after, approvals, confirm", `did you mean "approvals"?`}},
		{"duplicate environment key", env("    confirm: true\n    confirm: false\n"), 4, []string{`environment "production" has the key "confirm" twice`}},

		// Deploy.
		{"deploy not a mapping", env("    deploy: workflow\n"), 3, []string{`deploy of environment "production" must be a mapping, not "workflow"`}},
		{"unknown deploy key", env("    deploy:\n      method: gitops\n      reop: a/b\n"), 5, []string{`unknown key "reop" in deploy of environment "production"`, `did you mean "repo"?`}},
		{"unknown method", env("    deploy: {method: workflows}\n"), 3, []string{`method in deploy of environment "production" is "workflows"`, `did you mean "workflow"?`}},
		{"method not a string", env("    deploy: {method: [gitops]}\n"), 3, []string{"method in deploy", "must be a string, not a list"}},
		{"workflow missing", env("    deploy:\n      timeout: 5m\n      method: workflow\n"), 5, []string{"uses the workflow method, which needs workflow"}},
		{"workflow with a directory", env("    deploy: {method: workflow, workflow: ci/deploy.yml}\n"), 3, []string{"workflow in deploy", `"ci/deploy.yml"`}},
		{"workflow not yaml", env("    deploy: {method: workflow, workflow: deploy}\n"), 3, []string{"a file name of .github/workflows"}},
		{"bad ref", env("    deploy: {method: workflow, workflow: d.yml, ref: \"a..b\"}\n"), 3, []string{"ref in deploy", "a branch name"}},
		{"inputs a list", env("    deploy: {method: workflow, workflow: d.yml, inputs: [a]}\n"), 3, []string{"inputs in deploy", "must be a mapping"}},
		{"input without value", env("    deploy:\n      method: workflow\n      workflow: d.yml\n      inputs:\n        env:\n"), 7, []string{`the input "env" has no value`}},
		{"bad input id", env("    deploy:\n      method: workflow\n      workflow: d.yml\n      inputs:\n        1env: x\n"), 7, []string{`"1env" is not a workflow input id`}},
		{"input a mapping", env("    deploy:\n      method: workflow\n      workflow: d.yml\n      inputs:\n        env: {a: b}\n"), 7, []string{`the input "env"`, "must be a string, not a mapping"}},
		{"gitops missing all", env("    deploy: {method: gitops}\n"), 3, []string{"uses the gitops method, which needs repo (owner/name), path (the file in repo), key"}},
		{"gitops missing key", env("    deploy: {method: gitops, repo: a/b, path: x.yaml}\n"), 3, []string{"which needs key"}},
		{"gitops bad repo", env("    deploy: {method: gitops, repo: acme, path: x.yaml, key: a}\n"), 3, []string{"repo in deploy", "owner/name", `"acme"`}},
		{"gitops repo dot dot", env("    deploy: {method: gitops, repo: acme/.., path: x.yaml, key: a}\n"), 3, []string{"repo in deploy"}},
		{"gitops path up", env("    deploy:\n      method: gitops\n      repo: a/b\n      path: ../x.yaml\n      key: a\n"), 6, []string{"path in deploy", `"../x.yaml"`}},
		{"gitops path absolute", env("    deploy:\n      method: gitops\n      repo: a/b\n      path: /x.yaml\n      key: a\n"), 6, []string{"path in deploy"}},
		{"gitops path empty segment", env("    deploy:\n      method: gitops\n      repo: a/b\n      path: a//x.yaml\n      key: a\n"), 6, []string{"path in deploy"}},
		{"gitops bad key", env("    deploy:\n      method: gitops\n      repo: a/b\n      path: x.yaml\n      key: spec..tag\n"), 7, []string{"key in deploy", "dotted key path"}},
		{"gitops bad branch", env("    deploy:\n      method: gitops\n      repo: a/b\n      path: x.yaml\n      key: a\n      branch: -main\n"), 8, []string{"branch in deploy"}},
		{"gitops unknown placeholder", env("    deploy:\n      method: gitops\n      repo: a/b\n      path: x.yaml\n      key: a\n      value: \"{ver}\"\n"), 8, []string{"value in deploy", `placeholder "{ver}"`}},
		{"reserved input", env("    deploy:\n      method: workflow\n      workflow: d.yml\n      inputs:\n        issueops_sha: x\n"), 7, []string{"issueops_sha", "issueops itself passes"}},
		{"gitops constant value", env("    deploy:\n      method: gitops\n      repo: a/b\n      path: x.yaml\n      key: a\n      value: latest\n"), 8, []string{"value in deploy", "neither {version} nor {sha}"}},
		{"key of another method", env("    deploy:\n      method: workflow\n      workflow: d.yml\n      repo: a/b\n"), 6, []string{"repo in deploy", "setting of the gitops method", "uses workflow"}},
		{"key of another method, default", env("    deploy:\n      workflow: d.yml\n"), 4, []string{"workflow in deploy", "setting of the workflow method", "uses deployment"}},
		{"timeout no unit", env("    deploy: {timeout: 30}\n"), 3, []string{"timeout in deploy", "must be a duration", `not "30"`}},
		{"timeout too long", env("    deploy: {timeout: 25h}\n"), 3, []string{"timeout in deploy", "from 1s to 24h"}},
		{"timeout negative", env("    deploy: {timeout: -5m}\n"), 3, []string{"timeout in deploy"}},
		{"timeout zero", env("    deploy: {timeout: 0s}\n"), 3, []string{"timeout in deploy"}},

		// Approvals.
		{"approvals a list", env("    approvals: [2]\n"), 3, []string{`approvals of environment "production" must be a mapping`}},
		{"required a word", env("    approvals:\n      required: two\n"), 4, []string{"required in approvals", `whole number from 0 to 10, not "two"`}},
		{"required too many", env("    approvals: {required: 11}\n"), 3, []string{"required in approvals"}},
		{"required negative", env("    approvals: {required: -1}\n"), 3, []string{"required in approvals"}},
		{"required a fraction", env("    approvals: {required: 1.5}\n"), 3, []string{"required in approvals"}},
		{"from a string", env("    approvals: {required: 1, from: \"@acme/rm\"}\n"), 3, []string{"from in approvals", "must be a list"}},
		{"from a bad role", env("    approvals:\n      required: 1\n      from: [writer]\n"), 5, []string{`"writer" is neither a role`}},
		{"from a bad team", env("    approvals:\n      required: 1\n      from: [\"@acme\"]\n"), 5, []string{`"@acme" is neither a role`}},
		{"from without required", env("    approvals:\n      from: [\"@acme/rm\"]\n"), 4, []string{"sets from but required is 0"}},
		{"self not a bool", env("    approvals: {required: 1, self: yes}\n"), 3, []string{"self in approvals", `must be true or false, not "yes"`}},
		{"self without required", env("    approvals:\n      self: true\n"), 4, []string{"sets self but required is 0"}},

		// Confirm, after, lock group, URL.
		{"confirm not a bool", env("    confirm: \"true\"\n"), 3, []string{`confirm of environment "production" must be true or false`}},
		{"confirm_ttl too short", env("    confirm: true\n    confirm_ttl: 30s\n"), 4, []string{"confirm_ttl of environment", "from 1m to 24h"}},
		{"confirm_ttl too long", env("    confirm: true\n    confirm_ttl: 48h\n"), 4, []string{"confirm_ttl of environment"}},
		{"confirm_ttl without confirm", env("    confirm_ttl: 5m\n"), 3, []string{"confirm_ttl without confirm: true"}},
		{"after undeclared", "environments:\n  staging: {}\n  production:\n    after: stagin\n", 4, []string{`after of environment "production" names "stagin", which is not declared`, "declared: production, staging", `did you mean "staging"?`}},
		{"after itself", env("    after: production\n"), 3, []string{"names the environment itself"}},
		{"after not a string", env("    after: [staging]\n"), 3, []string{"after of environment", "must be a string"}},
		{"after loop", "environments:\n  a: {}\n  staging:\n    after: production\n  production:\n    after: staging\n", 4, []string{"the promotion order loops: production after staging after production"}},
		{"after loop of three", "environments:\n  c: {after: b}\n  a: {after: c}\n  b: {after: a}\n", 2, []string{"loops: a after c after b after a"}},
		{"lock group", env("    lock_group: \"back end\"\n"), 3, []string{`"back end" is not a lock group name`}},
		{"url scheme", env("    url: ftp://example.com\n"), 3, []string{"url of environment", "https:// or http://"}},
		{"url relative", env("    url: example.com/x\n"), 3, []string{"url of environment"}},

		// Freeze.
		{"freeze a string", env("    freeze: Fri 16:00-Mon 08:00\n"), 3, []string{"freeze of environment", "must be a list"}},
		{"freeze syntax", env("    freeze:\n      - Fri 16:00-Mon 08:00 Europe/Paris\n      - Fri 16:00\n"), 5, []string{"is not a freeze window", `"Fri 16:00"`}},
		{"freeze day", env("    freeze: [\"Fry 16:00-Mon 08:00\"]\n"), 3, []string{`"Fry" is not a day`}},
		{"freeze time", env("    freeze: [\"Fri 16:00-Mon 24:00\"]\n"), 3, []string{`"24:00" is not a time of day`}},
		{"freeze zone", env("    freeze: [\"Fri 16:00-Mon 08:00 Europe/Pariss\"]\n"), 3, []string{`unknown time zone "Europe/Pariss"`}},
		{"freeze local zone", env("    freeze: [\"Fri 16:00-Mon 08:00 Local\"]\n"), 3, []string{`unknown time zone "Local"`}},
		{"freeze empty window", env("    freeze: [\"Fri 16:00-fri 16:00\"]\n"), 3, []string{"starts when it ends"}},
		{"freeze item a mapping", env("    freeze: [{from: Fri}]\n"), 3, []string{"a window of freeze", "must be a string"}},
		{"freeze item empty", env("    freeze: [\"\"]\n"), 3, []string{"has an empty window"}},

		// Permissions.
		{"permissions a list", "permissions: [deploy]\n", 1, []string{"permissions must be a mapping"}},
		{"unknown command", "permissions:\n  deploy: write\n  stauts: read\n", 3, []string{`unknown key "stauts" in permissions`, "known: approve, cancel"}},
		{"read commands are not keys", "permissions:\n  status: read\n", 2, []string{`unknown key "status" in permissions`}},
		{"bad role", "permissions:\n  deploy: writer\n", 2, []string{"deploy in permissions", `"writer" is not a role`}},
		{"role in capitals", "permissions:\n  deploy: Write\n", 2, []string{`"Write" is not a role`, "lower case"}},
		{"empty rule", "permissions:\n  deploy:\n", 2, []string{"deploy in permissions is empty"}},
		{"rule a list", "permissions:\n  release: [\"@acme/rm\"]\n", 2, []string{"release in permissions must be a role", "not a list"}},
		{"rule admits no one", "permissions:\n  release: {}\n", 2, []string{"release in permissions admits no one"}},
		{"rule unknown key", "permissions:\n  release: {team: [\"@acme/rm\"]}\n", 2, []string{`unknown key "team" in release in permissions`, `did you mean "teams"?`}},
		{"rule bad team", "permissions:\n  release:\n    teams: [\"@acme/rm\", \"acme/sre\"]\n", 3, []string{`"acme/sre" is not a team`}},
		{"rule bad team slug", "permissions:\n  release:\n    teams: [\"@acme/..\"]\n", 3, []string{`"@acme/.." is not a team`}},
		{"rule bad role in mapping", "permissions:\n  release:\n    role: boss\n", 3, []string{"role in release in permissions", `"boss" is not a role`}},
		{"environment permissions", env("    permissions:\n      deploy: admin\n      freze_override: admin\n"), 5, []string{`unknown key "freze_override" in permissions of environment "production"`, `did you mean "freeze_override"?`}},

		// Release.
		{"release a string", "release: v1\n", 1, []string{"release must be a mapping"}},
		{"unknown release key", "release:\n  tags: x\n", 2, []string{`unknown key "tags" in release`, `did you mean "tag"?`}},
		{"tag without version", "release:\n  tag: latest\n", 2, []string{"release.tag must contain {version}"}},
		{"tag placeholder", "release:\n  tag: \"v{version}-{date}\"\n", 2, []string{`release.tag has the placeholder "{date}"`}},
		{"tag not a ref", "release:\n  tag: \"v {version}\"\n", 2, []string{"not make a valid git tag"}},
		{"changelog", "release:\n  changelog: fancy\n", 2, []string{`release.changelog is "fancy"`}},
		{"draft not a bool", "release:\n  draft: no\n", 2, []string{"release.draft must be true or false"}},
		{"jira without project", "release:\n  jira: {released: true}\n", 2, []string{"release.jira needs project"}},
		{"jira empty", "release:\n  tag: v{version}\n  jira: {}\n", 3, []string{"release.jira needs project"}},
		{"jira lower-case project", "release:\n  jira:\n    project: ops\n", 3, []string{"release.jira.project", "Jira project key"}},
		{"jira version", "release:\n  jira:\n    project: OPS\n    version: api\n", 4, []string{"release.jira.version must contain {version}"}},
		{"jira unknown key", "release:\n  jira:\n    project: OPS\n    relased: true\n", 4, []string{`unknown key "relased" in release.jira`, `did you mean "released"?`}},

		// Slack.
		{"channel as a comment", "slack:\n  channel: #deploys\n", 2, []string{"slack.channel is empty", "quote the channel"}},
		{"channel empty", "slack:\n  channel:\n", 2, []string{"slack.channel is empty"}},
		{"channel without #", "slack:\n  channel: deploys\n", 2, []string{"slack.channel must be a channel", `not "deploys"`}},
		{"unknown slack key", "slack:\n  chanel: \"#x\"\n", 2, []string{`unknown key "chanel" in slack`, `did you mean "channel"?`}},
		{"slack undeclared environment", "environments:\n  production: {}\nslack:\n  environments:\n    prod: \"#prod\"\n", 5, []string{`slack.environments: "prod" is not a declared environment`, "declared: production"}},
		{"slack environment channel", "environments:\n  production: {}\nslack:\n  environments:\n    production: prod\n", 5, []string{`the channel of "production" in slack.environments must be a channel`}},
		{"slack environment channel comment", "environments:\n  production: {}\nslack:\n  environments:\n    production: #prod\n", 5, []string{"is empty: quote the channel"}},

		// Forms.
		{"forms a list", "forms: [a.yml]\n", 1, []string{"forms must be a mapping"}},
		{"form path", "forms:\n  ../x.yml: deploy\n", 2, []string{"file name"}},
		{"form dir", "forms:\n  a/b.yml: deploy\n", 2, []string{"file name"}},
		{"form not yaml", "forms:\n  deploy.md: deploy\n", 2, []string{`"deploy.md" must be the file name of a form`}},
		{"form unnamed", "forms:\n  \"\": deploy\n", 2, []string{`"" must be the file name of a form`}},
		{"unknown action", "forms:\n  a.yml: deploi\n", 2, []string{"not an action", `did you mean "deploy"?`}},
		{"action a list", "forms:\n  a.yml: [deploy]\n", 2, []string{"must be a string"}},

		// Aliases and merges.
		{"unknown key through a merge", "environments:\n  staging: &base\n    confirm: true\n  production:\n    <<: *base\n    lock_grup: x\n", 6, []string{`unknown key "lock_grup"`}},
		{"anchored mistake", "environments:\n  staging: {deploy: &d {method: workflow}}\n  production: {deploy: *d}\n", 2, []string{"which needs workflow"}},
		{"merge of a list of scalars", env("    <<: [a]\n"), 3, []string{"a merge (<<) in environment \"production\" takes a mapping"}},
		{"merge loop", "environments:\n  a: &a {<<: *a}\n", 2, []string{"includes the mapping it is in"}},
		{"duplicate merge key", env("    <<: {confirm: true}\n    <<: {confirm: false}\n"), 4, []string{`has the key "<<" twice`}},

		// The first problem in the file is the one reported, whatever the
		// order the checks run in.
		{"cross-check before a type error", "environments:\n  production:\n    after: nowhere\n  staging:\n    confirm: maybe\n", 3, []string{"not declared"}},
		{"type error before a cross-check", "environments:\n  staging:\n    confirm: maybe\n  production:\n    after: nowhere\n", 3, []string{"confirm of environment"}},
		{"slack first", "slack:\n  environments: {qa: \"#qa\"}\nenvironments:\n  production: {confirm: maybe}\n", 2, []string{`"qa" is not a declared environment`}},
		{"later section first in file", "release: {tag: x}\nenvironments:\n  production: {confirm: maybe}\n", 1, []string{"release.tag"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.doc))
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("Parse = %v, want an *Error\n%s", err, c.doc)
			}
			if perr.Line != c.line || strings.Contains(perr.Msg, "\n") {
				t.Errorf("Parse = %q, want it on line %d\n%s", err, c.line, c.doc)
			}
			for _, want := range c.want {
				if !strings.Contains(perr.Msg, want) {
					t.Errorf("Parse = %q, want it to say %q", err, want)
				}
			}
		})
	}
}
