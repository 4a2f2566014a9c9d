package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/issueops/issueops/app/command"
)

func (s *Service) cmdLock(ctx context.Context, gh GitHub, ev CommentEvent, inv command.Invocation) (string, error) {
	return s.opCommand(ctx, gh, ev, inv, s.lock)
}

// lock takes a sticky lock: until it is lifted or expires, only its owner's
// operations start in that environment (every environment with --global).
func (s *Service) lock(ctx context.Context, c *call) (string, error) {
	envName, where, err := c.lockTarget()
	if err != nil {
		return "", err
	}
	if err := s.authorize(ctx, c, "lock", envName, c.ev.SenderLogin); err != nil {
		return "", err
	}
	now := s.ops.now()
	l := Lock{RepoID: c.ev.RepoID, Repo: c.ev.Repo, Environment: lockKey(c.req), Owner: c.ev.SenderLogin,
		Reason: c.req.Reason, Issue: c.ev.IssueNumber, CreatedAt: now}
	if c.req.TTL > 0 {
		l.ExpiresAt = now.Add(c.req.TTL)
	}
	if c.req.DryRun {
		return fmt.Sprintf("**Dry run**: would lock %s for %s%s. Nothing was changed.", where, codeSpan(l.Owner), lockTerms(l)), nil
	}
	held, ok, err := s.ops.store.TakeLock(ctx, l)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", refuse("%s is already locked %s.", where, lockHolder(held))
	}
	s.logger.InfoContext(ctx, "environment locked", "delivery_id", c.ev.DeliveryID, "repo", c.ev.Repo.String(),
		"issue", c.ev.IssueNumber, "environment", l.Environment, "owner", l.Owner)
	return fmt.Sprintf("🔒 %s is locked by %s%s. Only their operations start there until %s.", where, codeSpan(l.Owner),
		lockTerms(l), codeSpan(s.prefix+"unlock "+unlockArg(c.req))), nil
}

func (s *Service) cmdUnlock(ctx context.Context, gh GitHub, ev CommentEvent, inv command.Invocation) (string, error) {
	return s.opCommand(ctx, gh, ev, inv, s.unlock)
}

// unlock lifts a lock: its owner's own with the unlock permission, anyone
// else's with unlock_others. Queued operations it held back start.
func (s *Service) unlock(ctx context.Context, c *call) (string, error) {
	envName, where, err := c.lockTarget()
	if err != nil {
		return "", err
	}
	if err := s.authorize(ctx, c, "unlock", envName, c.ev.SenderLogin); err != nil {
		return "", err
	}
	locks, err := s.ops.store.Locks(ctx, c.ev.RepoID)
	if err != nil {
		return "", err
	}
	held, found := findLock(locks, lockKey(c.req))
	if !found {
		return fmt.Sprintf("%s is not locked: nothing to do.", capitalize(where)), nil
	}
	if !strings.EqualFold(held.Owner, c.ev.SenderLogin) {
		if err := s.authorize(ctx, c, "unlock_others", envName, c.ev.SenderLogin); err != nil {
			return "", refuse("%s is locked %s; lifting someone else's lock needs %s.", where, lockHolder(held),
				describeRule(ruleFor(c.pol, "unlock_others", envName)))
		}
	}
	if c.req.DryRun {
		return fmt.Sprintf("**Dry run**: would unlock %s (locked %s). Nothing was changed.", where, lockHolder(held)), nil
	}
	_, released, started, err := s.ops.store.ReleaseLock(ctx, c.ev.RepoID, lockKey(c.req), held.Owner)
	if err != nil {
		return "", err
	}
	if !released {
		return "", refuse("the lock on %s changed meanwhile; check %s and try again.", where, codeSpan(s.prefix+"status"))
	}
	s.logStarted(ctx, started)
	reply := fmt.Sprintf("🔓 %s is unlocked (it was locked %s).", capitalize(where), lockHolder(held))
	if n := len(started); n > 0 {
		reply += fmt.Sprintf(" %d queued %s started.", n, plural(n, "operation", "operations"))
	}
	return reply, nil
}

// lockTarget is the environment a /lock or /unlock names ("" for
// --global) and how to say it.
func (c *call) lockTarget() (env, where string, err error) {
	if c.req.Global {
		return "", "every environment of this repository", nil
	}
	e, err := c.environment(c.req.Environment)
	if err != nil {
		return "", "", err
	}
	return e.Name, codeSpan(e.Name), nil
}

func lockKey(req command.Request) string {
	if req.Global {
		return GlobalLock
	}
	return req.Environment
}

func unlockArg(req command.Request) string {
	if req.Global {
		return "--global"
	}
	return req.Environment
}

func findLock(locks []Lock, env string) (Lock, bool) {
	for _, l := range locks {
		if l.Environment == env {
			return l, true
		}
	}
	return Lock{}, false
}

// lockHolder says who holds a lock, since when, why, and where.
func lockHolder(l Lock) string {
	s := fmt.Sprintf("by %s since %s", codeSpan(l.Owner), l.CreatedAt.UTC().Format("2006-01-02 15:04 MST"))
	if l.Issue != 0 {
		s += fmt.Sprintf(" (#%d)", l.Issue)
	}
	if l.Reason != "" {
		s += ", reason " + codeSpan(l.Reason)
	}
	return s
}

func lockTerms(l Lock) string {
	s := ""
	if l.Reason != "" {
		s += ", reason " + codeSpan(l.Reason)
	}
	if !l.ExpiresAt.IsZero() {
		s += ", until " + l.ExpiresAt.UTC().Format("2006-01-02 15:04 MST")
	}
	return s
}

func (s *Service) cmdQueue(ctx context.Context, gh GitHub, ev CommentEvent, inv command.Invocation) (string, error) {
	return s.opCommand(ctx, gh, ev, inv, func(ctx context.Context, c *call) (string, error) {
		if err := s.authorize(ctx, c, "queue", "", c.ev.SenderLogin); err != nil {
			return "", err
		}
		queue, err := s.ops.store.Queue(ctx, c.ev.RepoID)
		if err != nil {
			return "", err
		}
		return renderQueue(queue), nil
	})
}

func (s *Service) cmdStatus(ctx context.Context, gh GitHub, ev CommentEvent, inv command.Invocation) (string, error) {
	return s.opCommand(ctx, gh, ev, inv, s.status)
}

// status is the board: per environment what is live (version, SHA, who,
// when, state), its lock and how many wait for it.
func (s *Service) status(ctx context.Context, c *call) (string, error) {
	if err := s.authorize(ctx, c, "status", c.req.Environment, c.ev.SenderLogin); err != nil {
		return "", err
	}
	names := c.pol.Environments
	if c.req.Environment != "" {
		env, err := c.environment(c.req.Environment)
		if err != nil {
			return "", err
		}
		names = []string{env.Name}
	}
	locks, err := s.ops.store.Locks(ctx, c.ev.RepoID)
	if err != nil {
		return "", err
	}
	queue, err := s.ops.store.Queue(ctx, c.ev.RepoID)
	if err != nil {
		return "", err
	}
	rows := make([]boardRow, 0, len(names))
	for _, name := range names {
		row, err := s.boardRow(ctx, c, name, locks, queue)
		if err != nil {
			return "", err
		}
		rows = append(rows, row)
	}
	return renderBoard(rows), nil
}

// boardRow reads one environment's line of the board.
func (s *Service) boardRow(ctx context.Context, c *call, env string, locks []Lock, queue []Operation) (boardRow, error) {
	row := boardRow{env: env}
	ds, err := c.gh.ListDeployments(ctx, c.ev.Repo, env, "", 1)
	if err != nil {
		return row, fmt.Errorf("deployments of %s: %w", env, err)
	}
	if len(ds) > 0 {
		row.last = &ds[0]
		statuses, err := c.gh.ListDeploymentStatuses(ctx, c.ev.Repo, ds[0].ID)
		if err != nil {
			return row, err
		}
		row.state = "created"
		if len(statuses) > 0 {
			row.state = statuses[0].State
		}
		row.version = s.versionOf(ctx, c.ev.RepoID, ds[0])
		if ds[0].OperationID != 0 {
			if op, err := s.ops.store.Operation(ctx, ds[0].OperationID); err == nil && op.Issue.RepoID == c.ev.RepoID {
				row.by = op.Requester
			}
		}
	}
	if l, ok := findLock(locks, env); ok {
		row.lock = &l
	} else if l, ok := findLock(locks, GlobalLock); ok {
		row.lock = &l
	}
	for _, op := range queue {
		if op.Environment == env && op.State == OpQueued {
			row.waiting++
		}
	}
	return row, nil
}

// maxDiffCommits bounds the commits /diff lists.
const maxDiffCommits = 50

func (s *Service) cmdDiff(ctx context.Context, gh GitHub, ev CommentEvent, inv command.Invocation) (string, error) {
	return s.opCommand(ctx, gh, ev, inv, s.diff)
}

// diff lists the commits between the SHAs live in two environments.
func (s *Service) diff(ctx context.Context, c *call) (string, error) {
	if err := s.authorize(ctx, c, "diff", "", c.ev.SenderLogin); err != nil {
		return "", err
	}
	var live [2]Deployment
	for i, name := range []string{c.req.Environment, c.req.Other} {
		env, err := c.environment(name)
		if err != nil {
			return "", err
		}
		d, found, err := liveDeployment(ctx, c.gh, c.ev.Repo, env.Name)
		if err != nil {
			return "", err
		}
		if !found {
			return "", refuse("nothing is live in %s yet.", codeSpan(env.Name))
		}
		live[i] = d
	}
	if live[0].SHA == live[1].SHA {
		return fmt.Sprintf("%s and %s run the same commit %s.", codeSpan(c.req.Environment), codeSpan(c.req.Other), codeSpan(shortSHA(live[0].SHA))), nil
	}
	cmp, err := c.gh.CompareCommits(ctx, c.ev.Repo, live[0].SHA, live[1].SHA, maxDiffCommits)
	if err != nil {
		return "", fmt.Errorf("compare: %w", err)
	}
	return renderDiff(c.req.Environment, c.req.Other, live[0], live[1], cmp), nil
}
