package policy

import (
	"reflect"
	"testing"
)

func TestRoleAtLeast(t *testing.T) {
	for _, c := range []struct {
		have, want string
		ok         bool
	}{
		{"admin", "read", true}, {"admin", "admin", true}, {"maintain", "write", true}, {"write", "write", true},
		{"write", "maintain", false}, {"triage", "write", false}, {"read", "triage", false}, {"triage", "read", true},
		{"", "read", false}, {"none", "read", false}, {"Admin", "read", false}, {"admin", "", false}, {"admin", "owner", false},
	} {
		if got := RoleAtLeast(c.have, c.want); got != c.ok {
			t.Errorf("RoleAtLeast(%q, %q) = %v", c.have, c.want, got)
		}
	}
}

func TestRuleDefaults(t *testing.T) {
	p := mustParse(t, "environments: {prod: }\n")
	for cmd, role := range map[string]string{
		"deploy": "write", "promote": "write", "rollback": "write", "lock": "write", "unlock": "write", "release": "write",
		"approve": "write", "cancel": "write", "retry": "write", "confirm": "write",
		"unlock_others": "maintain", "freeze_override": "admin",
		"status": "read", "diff": "read", "queue": "read", "help": "read", "whatever": "read", "": "read",
	} {
		if got := p.Rule(cmd, "prod"); !reflect.DeepEqual(got, Rule{Role: role}) {
			t.Errorf("Rule(%q) = %+v, want %s", cmd, got, role)
		}
	}
	for _, cmd := range commands {
		if defaultRole(cmd) == "read" {
			t.Errorf("the command %s defaults to read", cmd)
		}
	}
}

func TestRulePrecedence(t *testing.T) {
	p := mustParse(t, `
environments:
  staging: {}
  production:
    permissions:
      deploy: { role: maintain, teams: ["@acme/sre"] }
      freeze_override: maintain
permissions:
  deploy: triage
  rollback: { teams: ["@acme/oncall"] }
`)
	for _, c := range []struct {
		cmd, env string
		want     Rule
	}{
		{"deploy", "production", Rule{Role: "maintain", Teams: []string{"@acme/sre"}}}, // the environment's override
		{"deploy", "staging", Rule{Role: "triage"}},                                    // the repository's rule
		{"deploy", "qa", Rule{Role: "triage"}},                                         // an undeclared environment: the repository's
		{"deploy", "", Rule{Role: "triage"}},
		{"rollback", "production", Rule{Teams: []string{"@acme/oncall"}}},
		{"freeze_override", "production", Rule{Role: "maintain"}},
		{"freeze_override", "staging", Rule{Role: "admin"}}, // the default
		{"lock", "production", Rule{Role: "write"}},
		{"status", "production", Rule{Role: "read"}},
	} {
		if got := p.Rule(c.cmd, c.env); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Rule(%q, %q) = %+v, want %+v", c.cmd, c.env, got, c.want)
		}
	}
	// The returned teams are the caller's.
	r := p.Rule("deploy", "production")
	r.Teams[0] = "@evil/x"
	if p.Rule("deploy", "production").Teams[0] != "@acme/sre" {
		t.Error("Rule shares its Teams with the policy")
	}
}
