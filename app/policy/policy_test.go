package policy

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// designExample is the sketch of DESIGN.md §3, plus a form binding.
const designExample = `
environments:
  staging:    { deploy: { method: workflow, workflow: deploy.yml, inputs: { env: staging } } }
  production:
    deploy:    { method: gitops, repo: acme/flux-infra, path: clusters/prod/api/release.yaml, key: spec.values.image.tag }
    approvals: { required: 2, from: ["@acme/release-managers"], self: false }
    confirm:   true             # the requester must /confirm the exact SHA shown
    after:     staging          # promotion order: must be live in staging first
    lock_group: backend         # one operation at a time across the group; others queue (FIFO)
    freeze:    ["Fri 16:00-Mon 08:00 Europe/Paris"]
permissions:                    # minimum repository role, or teams, per command
  deploy: write
  rollback: write
  release: { teams: ["@acme/release-managers"] }
  unlock_others: maintain
release: { tag: "v{version}", changelog: conventional, jira: { project: OPS, version: "api {version}" } }
slack:   { channel: "#deploys", environments: { production: "#prod-changes" } }
forms:
  ship-it.yml: deploy
`

func mustParse(t *testing.T, doc string) *Policy {
	t.Helper()
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, doc)
	}
	return p
}

func TestParseDesignExample(t *testing.T) {
	p := mustParse(t, designExample)
	if !slices.Equal(p.Environments, []string{"production", "staging"}) || len(p.Envs) != 2 {
		t.Fatalf("environments = %q, envs %v", p.Environments, p.Envs)
	}
	if !p.HasEnvironment("staging") || p.HasEnvironment("Staging") || p.HasEnvironment("qa") {
		t.Error("HasEnvironment must match declared names exactly")
	}
	staging, ok := p.Environment("staging")
	if !ok {
		t.Fatal("no staging")
	}
	want := &Environment{Name: "staging", ConfirmTTL: 15 * time.Minute, Deploy: Deploy{
		Method: "workflow", Workflow: "deploy.yml", Inputs: map[string]string{"env": "staging"}, Timeout: 30 * time.Minute}}
	if !reflect.DeepEqual(staging, want) {
		t.Errorf("staging = %+v\nwant      %+v", staging, want)
	}
	prod, _ := p.Environment("production")
	if prod.Freeze == nil || prod.Freeze[0].Text != "Fri 16:00-Mon 08:00 Europe/Paris" {
		t.Fatalf("freeze = %+v", prod.Freeze)
	}
	freeze := prod.Freeze
	prod.Freeze = nil
	want = &Environment{Name: "production", Confirm: true, ConfirmTTL: 15 * time.Minute, After: "staging", LockGroup: "backend",
		Deploy: Deploy{Method: "gitops", Repo: "acme/flux-infra", Path: "clusters/prod/api/release.yaml", Key: "spec.values.image.tag",
			Value: "{version}", Timeout: 30 * time.Minute},
		Approvals: Approvals{Required: 2, From: []string{"@acme/release-managers"}}}
	if !reflect.DeepEqual(prod, want) {
		t.Errorf("production = %+v\nwant         %+v", prod, want)
	}
	prod.Freeze = freeze
	friday := time.Date(2026, 5, 15, 18, 0, 0, 0, time.UTC) // 20:00 in Paris
	if w, frozen := p.Frozen("production", friday); !frozen || w.Text != freeze[0].Text {
		t.Errorf("Frozen(production, Friday evening) = %v, %v", w, frozen)
	}
	if _, frozen := p.Frozen("staging", friday); frozen {
		t.Error("staging has no freeze")
	}
	wantPerms := Permissions{"deploy": {Role: "write"}, "rollback": {Role: "write"},
		"release": {Teams: []string{"@acme/release-managers"}}, "unlock_others": {Role: "maintain"}}
	if !reflect.DeepEqual(p.Permissions, wantPerms) {
		t.Errorf("permissions = %+v", p.Permissions)
	}
	wantRelease := Release{Tag: "v{version}", Changelog: "conventional", Jira: &Jira{Project: "OPS", Version: "api {version}"}}
	if !reflect.DeepEqual(p.Release, wantRelease) {
		t.Errorf("release = %+v, jira %+v", p.Release, p.Release.Jira)
	}
	if want := (Slack{Channel: "#deploys", Environments: map[string]string{"production": "#prod-changes"}}); !reflect.DeepEqual(p.Slack, want) {
		t.Errorf("slack = %+v", p.Slack)
	}
	if !reflect.DeepEqual(p.Forms, map[string]string{"ship-it.yml": "deploy"}) {
		t.Errorf("forms = %v", p.Forms)
	}
}

// defaults is the environment a bare declaration gets.
func defaults(name string) *Environment {
	return &Environment{Name: name, ConfirmTTL: 15 * time.Minute, Deploy: Deploy{Method: "deployment", Timeout: 30 * time.Minute}}
}

// TestParseShapes covers each valid way of writing each setting.
func TestParseShapes(t *testing.T) {
	for _, c := range []struct {
		name, doc string
		check     func(t *testing.T, p *Policy)
	}{
		{"empty file", "", func(t *testing.T, p *Policy) {
			if len(p.Environments) != 0 || p.Envs == nil || p.Forms == nil || p.Release.Tag != "v{version}" || p.Release.Changelog != "conventional" {
				t.Errorf("%+v", p)
			}
		}},
		{"comments only", "# nothing yet\n", func(t *testing.T, p *Policy) {
			if len(p.Envs) != 0 {
				t.Errorf("%+v", p)
			}
		}},
		{"empty document", "---\n", func(t *testing.T, p *Policy) {}},
		{"empty trailing document", "environments: {a: }\n---\n", func(t *testing.T, p *Policy) {
			if !p.HasEnvironment("a") {
				t.Error(p.Environments)
			}
		}},
		{"null and empty environments", "environments:\n  staging:\n  qa: {}\n  \"1\": {}\n", func(t *testing.T, p *Policy) {
			for _, name := range []string{"staging", "qa", "1"} {
				if env, ok := p.Environment(name); !ok || !reflect.DeepEqual(env, defaults(name)) {
					t.Errorf("%s = %+v", name, env)
				}
			}
		}},
		{"null sections", "environments:\npermissions:\nrelease:\nslack:\nforms:\n", func(t *testing.T, p *Policy) {
			if len(p.Envs) != 0 || p.Permissions != nil || p.Release.Tag != "v{version}" || p.Slack.Channel != "" {
				t.Errorf("%+v", p)
			}
		}},
		{"deployment method", "environments:\n  a: {deploy: {method: deployment, timeout: 2h}}\n", func(t *testing.T, p *Policy) {
			if d := p.Envs["a"].Deploy; !reflect.DeepEqual(d, Deploy{Method: "deployment", Timeout: 2 * time.Hour}) {
				t.Errorf("%+v", d)
			}
		}},
		{"workflow method", "environments:\n  a:\n    deploy:\n      method: workflow\n      workflow: ship.yaml\n      ref: release/v2\n" +
			"      inputs: {region: eu-west-1, dry_run: false, replicas: 010, empty: \"\"}\n      timeout: 1h30m\n",
			func(t *testing.T, p *Policy) {
				want := Deploy{Method: "workflow", Workflow: "ship.yaml", Ref: "release/v2", Timeout: 90 * time.Minute,
					Inputs: map[string]string{"region": "eu-west-1", "dry_run": "false", "replicas": "010", "empty": ""}}
				if d := p.Envs["a"].Deploy; !reflect.DeepEqual(d, want) {
					t.Errorf("%+v", d)
				}
			}},
		{"gitops method", "environments:\n  a:\n    deploy: {method: gitops, repo: acme/infra.git-ops, path: apps/api/values.yaml, key: image.tag," +
			" branch: main, value: \"{version}-{sha}\", timeout: 10m}\n",
			func(t *testing.T, p *Policy) {
				want := Deploy{Method: "gitops", Repo: "acme/infra.git-ops", Path: "apps/api/values.yaml", Key: "image.tag",
					Branch: "main", Value: "{version}-{sha}", Timeout: 10 * time.Minute}
				if d := p.Envs["a"].Deploy; d.Inputs != nil || !reflect.DeepEqual(d, want) {
					t.Errorf("%+v", d)
				}
			}},
		{"approvals", "environments:\n  a: {approvals: {required: 10, from: [maintain, \"@acme/sre_team.x\"], self: true}}\n  b: {approvals: {required: 0}}\n",
			func(t *testing.T, p *Policy) {
				want := Approvals{Required: 10, From: []string{"maintain", "@acme/sre_team.x"}, Self: true}
				if a := p.Envs["a"].Approvals; !reflect.DeepEqual(a, want) {
					t.Errorf("%+v", a)
				}
			}},
		{"confirm", "environments:\n  a: {confirm: true, confirm_ttl: 1m}\n  b: {confirm: True, confirm_ttl: 24h}\n  c: {confirm: false}\n",
			func(t *testing.T, p *Policy) {
				if a, b, c := p.Envs["a"], p.Envs["b"], p.Envs["c"]; !a.Confirm || a.ConfirmTTL != time.Minute ||
					!b.Confirm || b.ConfirmTTL != 24*time.Hour || c.Confirm || c.ConfirmTTL != 15*time.Minute {
					t.Errorf("%+v %+v %+v", a, b, c)
				}
			}},
		{"after chain and lock groups", "environments:\n  dev: {lock_group: shared.db}\n  staging: {after: dev, lock_group: shared.db}\n  production: {after: staging}\n",
			func(t *testing.T, p *Policy) {
				if p.Envs["staging"].After != "dev" || p.Envs["production"].After != "staging" || p.Envs["dev"].LockGroup != "shared.db" {
					t.Errorf("%+v", p.Envs)
				}
			}},
		{"freeze windows", "environments:\n  a:\n    freeze:\n      - Fri 16:00-Mon 08:00 Europe/Paris\n      - \"sat 0:00 - sun 23:59\"\n      - Wednesday 12:00-Wednesday 13:00 America/New_York\n",
			func(t *testing.T, p *Policy) {
				if f := p.Envs["a"].Freeze; len(f) != 3 || f[1].Text != "sat 0:00 - sun 23:59" || f[1].loc != time.UTC || f[2].loc.String() != "America/New_York" {
					t.Errorf("%+v", f)
				}
			}},
		{"url", "environments:\n  a: {url: \"https://api.example.com/health?x=1\"}\n  b: {url: http://localhost:8080}\n", func(t *testing.T, p *Policy) {
			if p.Envs["a"].URL != "https://api.example.com/health?x=1" || p.Envs["b"].URL != "http://localhost:8080" {
				t.Errorf("%+v", p.Envs)
			}
		}},
		{"rules", "permissions:\n  deploy: triage\n  lock: {role: maintain}\n  release: {role: admin, teams: [\"@acme/rm\", \"@acme/sre\"]}\n" +
			"environments:\n  prod:\n    permissions: {deploy: {teams: [\"@acme/sre\"]}, freeze_override: maintain}\n",
			func(t *testing.T, p *Policy) {
				want := Permissions{"deploy": {Role: "triage"}, "lock": {Role: "maintain"}, "release": {Role: "admin", Teams: []string{"@acme/rm", "@acme/sre"}}}
				if !reflect.DeepEqual(p.Permissions, want) {
					t.Errorf("%+v", p.Permissions)
				}
				if want := (Permissions{"deploy": {Teams: []string{"@acme/sre"}}, "freeze_override": {Role: "maintain"}}); !reflect.DeepEqual(p.Envs["prod"].Permissions, want) {
					t.Errorf("%+v", p.Envs["prod"].Permissions)
				}
			}},
		{"release", "release:\n  tag: release-{version}\n  changelog: plain\n  prerelease: true\n  draft: true\n  jira: {project: OPS_2, released: true}\n",
			func(t *testing.T, p *Policy) {
				want := Release{Tag: "release-{version}", Changelog: "plain", Prerelease: true, Draft: true, Jira: &Jira{Project: "OPS_2", Version: "{version}", Released: true}}
				if !reflect.DeepEqual(p.Release, want) {
					t.Errorf("%+v %+v", p.Release, p.Release.Jira)
				}
			}},
		{"release without jira", "release: {jira: }\n", func(t *testing.T, p *Policy) {
			if p.Release.Jira != nil || p.Release.Tag != "v{version}" {
				t.Errorf("%+v", p.Release)
			}
		}},
		{"slack by id", "environments: {prod: }\nslack: {channel: C0123456789, environments: {prod: G0123456789}}\n", func(t *testing.T, p *Policy) {
			if p.Slack.Channel != "C0123456789" || p.Slack.Environments["prod"] != "G0123456789" {
				t.Errorf("%+v", p.Slack)
			}
		}},
		{"slack before environments", "slack:\n  environments: {prod: \"#prod\"}\nenvironments:\n  prod: {}\n", func(t *testing.T, p *Policy) {
			if p.Slack.Environments["prod"] != "#prod" {
				t.Errorf("%+v", p.Slack)
			}
		}},
		{"aliases and merges", "environments:\n  staging: &base\n    deploy: &wf {method: workflow, workflow: deploy.yml}\n    confirm: true\n" +
			"  production:\n    <<: *base\n    confirm: false\n    lock_group: backend\n  qa:\n    deploy: *wf\n    <<: [{after: staging}, *base]\n",
			func(t *testing.T, p *Policy) {
				prod, qa := p.Envs["production"], p.Envs["qa"]
				if prod.Deploy.Workflow != "deploy.yml" || prod.Confirm || prod.LockGroup != "backend" {
					t.Errorf("production = %+v", prod)
				}
				if qa.Deploy.Workflow != "deploy.yml" || !qa.Confirm || qa.After != "staging" {
					t.Errorf("qa = %+v", qa)
				}
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.check(t, mustParse(t, c.doc))
		})
	}
}

func TestParseEmpty(t *testing.T) {
	p, err := Parse(nil)
	if err != nil || len(p.Environments) != 0 || p.HasEnvironment("") {
		t.Fatalf("Parse(empty) = %+v, %v", p, err)
	}
	if _, ok := p.Environment("x"); ok {
		t.Error("an empty policy has no environment")
	}
	if r := p.Rule("deploy", "x"); r.Role != "write" {
		t.Errorf("Rule = %+v", r)
	}
}

// A policy built by hand (no Parse) still answers.
func TestZeroPolicy(t *testing.T) {
	var p Policy
	if _, ok := p.Environment("a"); ok || p.Rule("freeze_override", "a").Role != "admin" {
		t.Error("zero policy")
	}
	if _, frozen := p.Frozen("a", time.Now()); frozen {
		t.Error("zero policy is frozen")
	}
	var nilPolicy *Policy
	if _, ok := nilPolicy.Environment("a"); ok || nilPolicy.Rule("deploy", "a").Role != "write" {
		t.Error("nil policy")
	}
	if (Window{}).Contains(time.Now()) {
		t.Error("the zero Window contains a time")
	}
}

func TestErrorFormat(t *testing.T) {
	if got := (&Error{Line: 3, Msg: "x"}).Error(); got != "line 3: x" {
		t.Error(got)
	}
	if got := (&Error{Msg: "x"}).Error(); got != "x" {
		t.Error(got)
	}
	_, err := Parse([]byte(strings.Repeat("#", MaxSize+1)))
	var perr *Error
	if !errors.As(err, &perr) || perr.Line != 0 || !strings.Contains(perr.Msg, "more than") {
		t.Errorf("too big: %v", err)
	}
}
