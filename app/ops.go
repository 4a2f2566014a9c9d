package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/issueops/issueops/app/command"
	"github.com/issueops/issueops/app/policy"
)

// Refusal is a request issueops will not carry out, with the reason to tell
// the user. It is an answer, not a failure: the delivery is done.
type Refusal struct{ Message string }

func (r *Refusal) Error() string { return r.Message }

func refuse(format string, args ...any) error { return &Refusal{Message: fmt.Sprintf(format, args...)} }

// opsConfig is what operations need beyond the Service's basics.
type opsConfig struct {
	store OperationStore
	// poll is how often a running operation asks GitHub whether its deploy
	// finished, besides the deployment_status and workflow_run events.
	poll time.Duration
	now  func() time.Time
}

// registerOps adds the operation commands when an OperationStore is given.
func (s *Service) registerOps() {
	if s.ops.store == nil {
		return
	}
	for name, fn := range map[string]CommandFunc{
		"deploy": s.cmdDeploy, "rollback": s.cmdDeploy, "promote": s.cmdDeploy,
		"approve": s.cmdApprove, "deny": s.cmdDeny, "confirm": s.cmdConfirm,
		"cancel": s.cmdCancel, "retry": s.cmdRetry, "release": s.cmdRelease,
		"lock": s.cmdLock, "unlock": s.cmdUnlock,
		"status": s.cmdStatus, "diff": s.cmdDiff, "queue": s.cmdQueue,
	} {
		s.commands[name] = fn
	}
}

// call is one command being handled: the event, its parsed arguments, the
// installation's GitHub and the repository's policy.
type call struct {
	ev   CommentEvent
	req  command.Request
	gh   GitHub
	view *repoView
	pol  *policy.Policy
}

func (c *call) key() IssueKey {
	return IssueKey{RepoID: c.ev.RepoID, Repo: c.ev.Repo, Number: c.ev.IssueNumber}
}

// opCommand wraps a command that needs the policy and its arguments parsed:
// a usage error or refusal becomes the reply; a broken policy is shown.
func (s *Service) opCommand(ctx context.Context, gh GitHub, ev CommentEvent, inv command.Invocation, fn func(context.Context, *call) (string, error)) (string, error) {
	req, err := command.ParseRequest(inv, s.prefix)
	var usage *command.UsageError
	if errors.As(err, &usage) {
		return usage.Message, nil
	}
	if err != nil {
		return "", err
	}
	c := &call{ev: ev, req: req, gh: gh, view: s.view(gh, ev.Repo)}
	if c.pol, err = c.view.readPolicy(ctx); err != nil {
		return "", err
	}
	if c.view.policyErr != nil {
		return fmt.Sprintf("❌ `.github/issueops.yml` on the default branch does not parse, so nothing runs: %s",
			codeSpan(c.view.policyErr.Error())), nil
	}
	reply, err := fn(ctx, c)
	var refusal *Refusal
	if errors.As(err, &refusal) {
		s.auditRefusal(ctx, c.key(), inv.Name, c.req.Environment, refusal)
		return "❌ " + refusal.Message, nil
	}
	return reply, err
}

// environment returns the declared environment the request names.
func (c *call) environment(name string) (*policy.Environment, error) {
	env, ok := c.pol.Environment(name)
	if !ok {
		known := "none is declared"
		if len(c.pol.Environments) > 0 {
			known = "declared: " + codeSpanList(c.pol.Environments, 20)
		}
		return nil, refuse("%s is not an environment of this repository (%s in `.github/issueops.yml`).", codeSpan(name), known)
	}
	return env, nil
}

// opEnvironment is the environment rules op runs under (see opEnvironment).
func (c *call) opEnvironment(op Operation) (*policy.Environment, error) {
	if op.Kind == KindRelease {
		return releaseEnvironment(), nil
	}
	return c.environment(op.Environment)
}

// snapshotHash is what approvals bind to: the kind, environment, requested
// ref, resolved SHA and parameters. Any change voids earlier approvals.
func snapshotHash(op Operation) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s", op.Kind, op.Environment, op.Ref, op.SHA)
	for _, k := range slices.Sorted(maps.Keys(op.Params)) {
		if !strings.HasPrefix(k, "_") { // bookkeeping, not a parameter
			fmt.Fprintf(h, "\x00%s=%s", k, op.Params[k])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Bookkeeping parameters: not part of the snapshot.
const (
	paramComment = "_comment" // the command comment that requested it
	paramAuthors = "_authors" // others who shaped the request (see authored)
	paramLabel   = "_label"   // the state label last put on the issue
	paramFrom    = "from"     // a promotion's source environment
	paramReason  = "reason"
)

// slotsFor lists the run slots an operation in env needs.
func slotsFor(env *policy.Environment) []string {
	if env.Name == "" { // releases
		return []string{releaseSlot}
	}
	slots := []string{"env:" + env.Name}
	if env.LockGroup != "" {
		slots = append(slots, "group:"+env.LockGroup)
	}
	return slots
}

// activeOperation returns the issue's operation that has not ended.
func (s *Service) activeOperation(ctx context.Context, key IssueKey) (Operation, error) {
	op, found, err := s.ops.store.IssueOperation(ctx, key)
	if err != nil {
		return op, err
	}
	if !found || op.State.Terminal() {
		return op, refuse("this issue has no operation in progress.")
	}
	return op, nil
}

func shortSHA(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
