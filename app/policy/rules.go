package policy

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Roles are GitHub's repository roles, weakest first: a rule or an approver
// naming one admits that role and every stronger one.
var Roles = []string{"read", "triage", "write", "maintain", "admin"}

// RoleAtLeast reports whether the role have is at least want. No role ("")
// and names that are not roles never pass, so a lookup that failed closed
// stays closed.
func RoleAtLeast(have, want string) bool {
	h, w := slices.Index(Roles, have), slices.Index(Roles, want)
	return h >= 0 && w >= 0 && h >= w
}

// Permissions maps a command to the rule a user must pass to run it. The
// keys are the commands that change something (see Rule for the defaults);
// Parse refuses any other, so a misspelt command cannot leave its default
// in place unnoticed.
type Permissions map[string]Rule

// Rule admits a user who has at least Role (when set) or is an active member
// of any of Teams (when set). In YAML it is a bare role ("write") or a
// mapping {role: write, teams: ["@acme/sre"]}; a rule admitting no one is an
// error, not a lockout.
type Rule struct {
	Role  string
	Teams []string // "@org/team-slug"
}

// commands are the keys of permissions, sorted for messages.
var commands = []string{
	"approve", "cancel", "confirm", "deploy", "freeze_override", "lock",
	"promote", "release", "retry", "rollback", "unlock", "unlock_others",
}

// defaultRole is the rule of a command the policy does not mention: changes
// need write, taking over another's lock maintain, deploying into a freeze
// admin; reading (status, diff, queue, help, anything else) read.
func defaultRole(command string) string {
	switch command {
	case "unlock_others":
		return "maintain"
	case "freeze_override":
		return "admin"
	case "read", "status", "diff", "queue", "help":
		return "read"
	}
	if slices.Contains(commands, command) {
		return "write"
	}
	return "read"
}

// Rule returns the rule for command in env: the environment's override,
// else the repository-wide rule, else the default (see defaultRole). The
// Teams slice is the caller's to keep.
func (p *Policy) Rule(command, env string) Rule {
	if p != nil {
		if e, ok := p.Environment(env); ok {
			if r, ok := e.Permissions[command]; ok {
				return Rule{Role: r.Role, Teams: slices.Clone(r.Teams)}
			}
		}
		if r, ok := p.Permissions[command]; ok {
			return Rule{Role: r.Role, Teams: slices.Clone(r.Teams)}
		}
	}
	return Rule{Role: defaultRole(command)}
}

const (
	roleList = "read, triage, write, maintain or admin"
	teamForm = `"@org/team-slug"`
)

// permissions reads a mapping of command to rule.
func (d *decoder) permissions(n *yaml.Node, where string) Permissions {
	es := d.mapping(n, where, commands)
	if es == nil {
		return nil
	}
	perms := Permissions{}
	for _, e := range es {
		perms[e.key] = d.rule(e.v, e.key+" in "+where)
	}
	return perms
}

// rule reads a bare role or {role, teams}.
func (d *decoder) rule(n *yaml.Node, label string) Rule {
	n = d.resolve(n)
	switch {
	case d.exhausted:
		return Rule{}
	case isNull(n):
		d.fail(n, "%s is empty: give a role (%s) or {teams: [%s]}", label, roleList, teamForm)
		return Rule{}
	case n.Kind == yaml.ScalarNode:
		role, _ := d.str(n, label)
		d.role(n, role, label)
		return Rule{Role: role}
	case n.Kind != yaml.MappingNode:
		d.fail(n, "%s must be a role (%s) or a mapping {role: …, teams: [%s]}, not %s", label, roleList, teamForm, describe(n))
		return Rule{}
	}
	var r Rule
	problems := d.problems
	for _, e := range d.mapping(n, label, []string{"role", "teams"}) {
		switch e.key {
		case "role":
			if role, ok := d.str(e.v, "role in "+label); ok && role != "" {
				r.Role = role
				d.role(e.v, role, "role in "+label)
			}
		case "teams":
			for _, item := range d.list(e.v, "teams in "+label, "["+teamForm+"]") {
				if team, ok := d.str(item, "a team in "+label); ok {
					if !teamRE.MatchString(team) {
						d.fail(item, "%s: %s is not a team: write %s", label, q(team), teamForm)
					}
					r.Teams = append(r.Teams, team)
				}
			}
		}
	}
	if r.Role == "" && len(r.Teams) == 0 && d.problems == problems {
		d.fail(n, "%s admits no one: give a role (%s), teams ([%s]) or both", label, roleList, teamForm)
	}
	return r
}

func (d *decoder) role(n *yaml.Node, role, label string) {
	if !slices.Contains(Roles, role) {
		hint := ""
		if slices.Contains(Roles, strings.ToLower(role)) {
			hint = "; roles are lower case"
		}
		d.fail(n, "%s: %s is not a role: %s%s", label, q(role), roleList, hint)
	}
}
