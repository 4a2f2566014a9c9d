package app

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/issueops/issueops/app/policy"
)

// opView is what an operation's status comment shows.
type opView struct {
	prefix    string
	op        Operation
	approvals []Approval
	queue     []Operation
	locks     []Lock
}

var stateIcons = map[OpState]string{
	OpAwaitingApproval: "⏳", OpAwaitingConfirmation: "✋", OpQueued: "🕒", OpRunning: "🚀",
	OpSucceeded: "✅", OpFailed: "❌", OpCancelled: "🚫", OpDenied: "⛔",
}

// renderOperation is an operation's status comment: what it deploys, where
// it stands, and what it waits for.
func renderOperation(v opView) string {
	op := v.op
	var b strings.Builder
	fmt.Fprintf(&b, "### %s %s: %s\n\n", stateIcons[op.State], capitalize(describe(op)), stateWords(op.State))
	if op.Kind == KindRelease {
		renderReleaseLines(&b, op)
	} else {
		fmt.Fprintf(&b, "- Commit: %s\n", codeSpan(op.SHA))
		fmt.Fprintf(&b, "- Requested by %s (operation %d)\n", codeSpan(op.Requester), op.ID)
	}
	if reason := op.Params[paramReason]; reason != "" {
		fmt.Fprintf(&b, "- Reason: %s\n", codeSpan(reason))
	}
	if names := approverNames(op, v.approvals); len(names) > 0 {
		fmt.Fprintf(&b, "- Approved by %s\n", codeSpanList(names, 20))
	}
	if op.DeploymentID != 0 {
		fmt.Fprintf(&b, "- GitHub deployment %d\n", op.DeploymentID)
	}
	p := readProgress(op)
	if p.RunURL != "" {
		fmt.Fprintf(&b, "- Workflow run: %s\n", p.RunURL)
	}
	if p.Commit != "" {
		fmt.Fprintf(&b, "- GitOps commit %s\n", codeSpan(p.Commit))
	}
	b.WriteString("\n" + nextStep(v) + "\n")
	if note := op.Params["_note"]; note != "" && !op.State.Terminal() {
		b.WriteString("\n> [!NOTE]\n> " + note + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// approverNames lists who approved the current snapshot.
func approverNames(op Operation, approvals []Approval) []string {
	var names []string
	for _, a := range approvals {
		if a.Hash == op.Hash {
			names = append(names, a.Login)
		}
	}
	return names
}

// nextStep says what the operation waits for, or how it ended.
func nextStep(v opView) string {
	op, p := v.op, v.prefix
	switch op.State {
	case OpAwaitingApproval:
		return fmt.Sprintf("Waiting for approval: %s to approve, %s to reject. Approvals bind to this commit and these parameters.",
			codeSpan(p+"approve"), codeSpan(p+"deny"))
	case OpAwaitingConfirmation:
		return fmt.Sprintf("%s: type %s to deploy exactly commit %s, before %s. %s stops it.", codeSpan(op.Requester),
			codeSpan(p+"confirm"), codeSpan(op.SHA), op.ConfirmBy.UTC().Format("15:04 MST"), codeSpan(p+"cancel"))
	case OpQueued:
		held := ""
		if l, ok := heldBy(v.locks, op); ok {
			what := codeSpan(op.Environment)
			if l.Environment == GlobalLock {
				what = "Every environment"
			}
			held = fmt.Sprintf(" %s is locked %s.", what, lockHolder(l))
		}
		what := codeSpan(op.Environment) + " is free"
		if op.Kind == KindRelease {
			what = "no other release of this repository runs"
		}
		return fmt.Sprintf("Queued: it starts by itself when %s (position %d).%s %s leaves the queue.",
			what, queuePosition(v.queue, op), held, codeSpan(p+"cancel"))
	case OpRunning:
		return "Running."
	case OpSucceeded:
		return "Done."
	}
	if op.Reason != "" {
		return capitalize(op.Reason) + "."
	}
	return capitalize(stateWords(op.State)) + "."
}

// heldBy returns the lock of someone else that holds op back, if any.
func heldBy(locks []Lock, op Operation) (Lock, bool) {
	for _, env := range []string{op.Environment, GlobalLock} {
		if l, ok := findLock(locks, env); ok && !strings.EqualFold(l.Owner, op.Requester) {
			return l, true
		}
	}
	return Lock{}, false
}

func queuePosition(queue []Operation, op Operation) int {
	n := 0
	for _, q := range queue {
		if q.State == OpQueued && q.Environment == op.Environment {
			n++
			if q.ID == op.ID {
				return n
			}
		}
	}
	return n + 1
}

// planView is what a --dry-run shows.
type planView struct {
	prefix   string
	pol      *policy.Policy
	op       Operation
	env      *policy.Environment
	locks    []Lock
	queue    []Operation
	override string
}

// renderPlan says what a request would do, changing nothing.
func renderPlan(v planView) string {
	op, env := v.op, v.env
	var b strings.Builder
	fmt.Fprintf(&b, "### 📝 Dry run: %s\n\nNothing was changed. The plan:\n\n", describe(op))
	fmt.Fprintf(&b, "- Commit: %s\n", codeSpan(op.SHA))
	if n := env.Approvals.Required; n > 0 {
		fmt.Fprintf(&b, "- Approvals needed: %d, from %s\n", n, describeApprovers(approverRule(v.pol, env)))
	} else {
		b.WriteString("- Approvals needed: none\n")
	}
	if env.Confirm {
		b.WriteString("- The requester confirms the exact commit before it runs\n")
	}
	if v.override != "" {
		fmt.Fprintf(&b, "- The freeze %s is overridden\n", codeSpan(v.override))
	}
	if l, ok := findLock(v.locks, env.Name); ok {
		fmt.Fprintf(&b, "- Lock: %s is locked %s\n", codeSpan(env.Name), lockHolder(l))
	} else if l, ok := findLock(v.locks, GlobalLock); ok {
		fmt.Fprintf(&b, "- Lock: every environment is locked %s\n", lockHolder(l))
	} else {
		b.WriteString("- Lock: none\n")
	}
	waiting := 0
	for _, q := range v.queue {
		if q.Environment == env.Name {
			waiting++
		}
	}
	fmt.Fprintf(&b, "- Ahead in the queue: %d\n", waiting)
	b.WriteString("- Requests it would make:\n")
	for _, r := range plannedRequests(op, env) {
		b.WriteString("  - " + r + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// plannedRequests lists the GitHub writes an operation makes.
func plannedRequests(op Operation, env *policy.Environment) []string {
	repo := op.Issue.Repo.String()
	reqs := []string{fmt.Sprintf("`POST /repos/%s/deployments` for %s in %s", repo, codeSpan(shortSHA(op.SHA)), codeSpan(env.Name)),
		"`POST …/deployments/{id}/statuses` `in_progress`"}
	switch env.Deploy.Method {
	case MethodWorkflow:
		reqs = append(reqs, fmt.Sprintf("`POST /repos/%s/actions/workflows/%s/dispatches` with %s and %s", repo, env.Deploy.Workflow,
			codeSpan(CorrelationInput+"=issueops-<operation id>"), codeSpan(SHAInput+"="+op.SHA)),
			"`POST …/deployments/{id}/statuses` `success` or `failure` when the run completes")
	case MethodGitOps:
		reqs = append(reqs, fmt.Sprintf("`PUT /repos/%s/contents/%s` setting %s to %s", env.Deploy.Repo, env.Deploy.Path,
			codeSpan(env.Deploy.Key), codeSpan(expand(cmp.Or(env.Deploy.Value, "{version}"), op))),
			"`POST …/deployments/{id}/statuses` `success`")
	default:
		reqs = append(reqs, "then waits for your deploy system to report `success` or `failure` on the deployment")
	}
	return reqs
}

// describeApprovers says who may approve.
func describeApprovers(rules []policy.Rule) string {
	var parts []string
	for _, r := range rules {
		parts = append(parts, describeRule(r))
	}
	return strings.Join(parts, " or ")
}

// cell makes a GFM table cell of untrusted text: a code span with its
// pipes escaped, which GFM unescapes inside cells.
func cell(s string) string { return strings.ReplaceAll(codeSpan(s), "|", `\|`) }

func renderQueue(queue []Operation) string {
	if len(queue) == 0 {
		return "The queue is empty: nothing runs or waits."
	}
	var b strings.Builder
	b.WriteString("| # | operation | environment | commit | requested by | state | issue |\n|---|---|---|---|---|---|---|\n")
	for i, op := range queue {
		what, where := op.Kind, cell(op.Environment)
		if op.Kind == KindRelease {
			what, where = "release "+cell(op.Params[paramTag]), "—"
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | #%d |\n", i+1, what, where, cell(shortSHA(op.SHA)),
			cell(op.Requester), stateWords(op.State), op.Issue.Number)
	}
	return strings.TrimRight(b.String(), "\n")
}

// boardRow is one environment on the /status board.
type boardRow struct {
	env     string
	last    *Deployment
	state   string
	by      string
	version string // what was asked for, when issueops made the deployment
	lock    *Lock
	waiting int
}

func renderBoard(rows []boardRow) string {
	if len(rows) == 0 {
		return "No environment is declared in `.github/issueops.yml`."
	}
	var b strings.Builder
	b.WriteString("| environment | version | commit | by | when | state | lock | queued |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		version, sha, by, when, state := "–", "–", "–", "–", "never deployed"
		if d := r.last; d != nil {
			version, sha, state = cell(cmp.Or(r.version, d.Ref)), cell(shortSHA(d.SHA)), r.state
			by = cell(cmp.Or(r.by, d.Creator))
			when = d.CreatedAt.UTC().Format(time.DateTime + " MST")
		}
		lock := "–"
		if r.lock != nil {
			lock = "🔒 " + cell(r.lock.Owner)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %d |\n", cell(r.env), version, sha, by, when, state, lock, r.waiting)
	}
	return strings.TrimRight(b.String(), "\n")
}

func renderDiff(a, b string, da, db Deployment, cmp Comparison) string {
	var out strings.Builder
	fmt.Fprintf(&out, "### %s → %s\n\n%s runs %s, %s runs %s: %d %s ahead, %d behind.\n\n", codeSpan(a), codeSpan(b),
		codeSpan(a), codeSpan(shortSHA(da.SHA)), codeSpan(b), codeSpan(shortSHA(db.SHA)), cmp.AheadBy,
		plural(cmp.AheadBy, "commit", "commits"), cmp.BehindBy)
	for _, c := range cmp.Commits {
		title, _, _ := strings.Cut(c.Message, "\n")
		fmt.Fprintf(&out, "- %s %s (%s)\n", codeSpan(shortSHA(c.SHA)), codeSpan(title), codeSpan(c.Author))
	}
	if more := cmp.AheadBy - len(cmp.Commits); more > 0 {
		fmt.Fprintf(&out, "- and %d more\n", more)
	}
	if cmp.HTMLURL != "" {
		fmt.Fprintf(&out, "\n%s\n", cmp.HTMLURL)
	}
	return strings.TrimRight(out.String(), "\n")
}
