package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/issueops/issueops/app/policy"
)

// standardRoles are GitHub's repository roles; a custom role falls back to
// the legacy permission level GitHub reports with it.
var standardRoles = []string{"read", "triage", "write", "maintain", "admin"}

// roleOf is the repository role a permission answer grants, "" for none.
func roleOf(p Permission) string {
	if slices.Contains(standardRoles, p.RoleName) {
		return p.RoleName
	}
	switch p.Permission {
	case "admin", "maintain", "write", "triage", "read":
		return p.Permission
	}
	return ""
}

// access answers, for one person, whether they pass a rule, from GitHub at
// the moment of asking: the collaborator-permission API for roles and team
// memberships for teams. author_association is never used: it says how
// someone relates to the repository's owner, not what they may do.
type access struct {
	gh   Collaborators
	repo Repo
}

// passes reports whether login passes rule. An error means GitHub could not
// say: callers deny (fail closed).
func (a access) passes(ctx context.Context, rule policy.Rule, login string) (bool, string, error) {
	if rule.Role != "" {
		p, err := a.gh.CollaboratorPermission(ctx, a.repo, login)
		if err != nil {
			return false, "", fmt.Errorf("permission of %s: %w", login, err)
		}
		role := roleOf(p)
		if policy.RoleAtLeast(role, rule.Role) {
			return true, role, nil
		}
		if len(rule.Teams) == 0 {
			return false, role, nil
		}
	}
	for _, team := range rule.Teams {
		org, slug, ok := strings.Cut(strings.TrimPrefix(team, "@"), "/")
		if !ok {
			continue
		}
		member, err := a.gh.TeamMember(ctx, org, slug, login)
		if err != nil {
			return false, "", fmt.Errorf("membership of %s in %s: %w", login, team, err)
		}
		if member {
			return true, "", nil
		}
	}
	return false, "", nil
}

// describeRule says in words who passes a rule.
func describeRule(rule policy.Rule) string {
	var parts []string
	if rule.Role != "" {
		parts = append(parts, "the "+codeSpan(rule.Role)+" role or higher")
	}
	if len(rule.Teams) > 0 {
		parts = append(parts, "membership of "+codeSpanList(rule.Teams, 10))
	}
	return strings.Join(parts, " or ")
}

// authorize refuses login the command in env unless the policy's rule for
// it passes now. A GitHub failure refuses too, saying so: nothing runs on
// a permission nobody could check. A rate limit is not a refusal: the
// delivery waits and asks again.
func (s *Service) authorize(ctx context.Context, c *call, cmd, env, login string) error {
	rule := ruleFor(c.pol, cmd, env)
	ok, role, err := access{c.gh, c.ev.Repo}.passes(ctx, rule, login)
	if err != nil {
		return s.uncheckable(ctx, c, err, "your permission")
	}
	if ok {
		return nil
	}
	have := "no role"
	if role != "" {
		have = "the " + codeSpan(role) + " role"
	}
	where := ""
	if env != "" {
		where = " in " + codeSpan(env)
	}
	return refuse("%s%s needs %s; %s has %s.", codeSpan(s.prefix+cmd), where, describeRule(rule), codeSpan(login), have)
}

// ruleFor is the policy's rule for cmd in env. A promotion or rollback
// with no rule of its own follows the environment's deploy rule: each puts
// a commit into the environment, so it is never easier than a deploy.
func ruleFor(pol *policy.Policy, cmd, env string) policy.Rule {
	if cmd == KindPromote || cmd == KindRollback {
		e, _ := pol.Environment(env)
		_, own := pol.Permissions[cmd]
		if e != nil {
			_, envOwn := e.Permissions[cmd]
			own = own || envOwn
		}
		if !own {
			cmd = KindDeploy
		}
	}
	return pol.Rule(cmd, env)
}

// uncheckable turns a failed permission check into a refusal that says so
// (fail closed), or passes a rate limit on: the delivery waits and asks
// again. what names what could not be checked, for the user.
func (s *Service) uncheckable(ctx context.Context, c *call, err error, what string) error {
	var later *RetryAfterError
	if errors.As(err, &later) {
		return err
	}
	s.logger.WarnContext(ctx, "permission check failed; refused", "delivery_id", c.ev.DeliveryID,
		"repo", c.ev.Repo.String(), "issue", c.ev.IssueNumber, "error", err)
	return refuse("issueops could not check %s with GitHub (delivery %s), so nothing was done. Try again in a moment.",
		what, codeSpan(c.ev.DeliveryID))
}

// approverRule is who may approve in env: the environment's approvals.from
// (roles and teams, any of them), else the policy's approve rule.
func approverRule(pol *policy.Policy, env *policy.Environment) []policy.Rule {
	if len(env.Approvals.From) == 0 {
		return []policy.Rule{pol.Rule("approve", env.Name)}
	}
	var rule policy.Rule
	for _, from := range env.Approvals.From {
		if strings.HasPrefix(from, "@") {
			rule.Teams = append(rule.Teams, from)
		} else if rule.Role == "" || policy.RoleAtLeast(rule.Role, from) {
			rule.Role = from // the lowest role listed is the bar
		}
	}
	return []policy.Rule{rule}
}

// mayApprove checks login against the approver rules of env.
func mayApprove(ctx context.Context, a access, pol *policy.Policy, env *policy.Environment, login string) (bool, error) {
	for _, rule := range approverRule(pol, env) {
		ok, _, err := a.passes(ctx, rule, login)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// countedApprovals are the approvals that count for op now: bound to its
// current snapshot, one per person, the requester's only when self-approval
// is allowed.
func countedApprovals(op Operation, env *policy.Environment, all []Approval) []Approval {
	var out []Approval
	seen := map[string]bool{}
	for _, a := range all {
		login := strings.ToLower(a.Login)
		if a.Hash != op.Hash || seen[login] || (!env.Approvals.Self && authored(op, a.Login)) {
			continue
		}
		seen[login] = true
		out = append(out, a)
	}
	return out
}

// authored reports whether login requested op or shaped it: edited its
// issue, or failed before it was retried. Their approval is their own.
func authored(op Operation, login string) bool {
	if strings.EqualFold(login, op.Requester) {
		return true
	}
	for _, a := range strings.Split(op.Params[paramAuthors], ",") {
		if a != "" && strings.EqualFold(a, login) {
			return true
		}
	}
	return false
}

// addAuthor records login among op's authors (see authored).
func addAuthor(op *Operation, login string) {
	if login == "" || authored(*op, login) {
		return
	}
	if prev := op.Params[paramAuthors]; prev != "" {
		login = prev + "," + login
	}
	op.Params[paramAuthors] = login
}
