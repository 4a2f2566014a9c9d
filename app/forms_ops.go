package app

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/issueops/issueops/app/policy"
)

// paramForm marks an operation requested by an issue form: its issue is
// closed when it succeeds.
const paramForm = "_form"

// frozenByOperation reports whether the issue's operation has left the
// waiting states: from then on the request is frozen and edits change
// nothing.
func (s *Service) frozenByOperation(ctx context.Context, key IssueKey) (bool, error) {
	if s.ops.store == nil {
		return false, nil
	}
	op, found, err := s.ops.store.IssueOperation(ctx, key)
	if err != nil || !found {
		return false, err
	}
	switch op.State {
	case OpAwaitingApproval, OpAwaitingConfirmation:
		return false, nil
	case OpCancelled, OpDenied:
		// Ended before it ran (an edit cancelled it, a reviewer said no):
		// the next valid edit requests it again.
		return ran(op), nil
	}
	return true, nil
}

// authorizeBoth checks the rule for the issue's author, who requests, and
// for the person whose edit made the request what it is now, when another:
// someone allowed only to edit issues must not shape a request that then
// runs on the author's permission.
func (s *Service) authorizeBoth(ctx context.Context, c *call, cmd, env, author, editor string) error {
	if err := s.authorize(ctx, c, cmd, env, author); err != nil {
		return err
	}
	if editor == "" || strings.EqualFold(editor, author) {
		return nil
	}
	return s.authorize(ctx, c, cmd, env, editor)
}

// ran reports whether an operation got as far as running: a deploy has
// its deployment or progress, a release (whose plan is in its progress from
// the start) passed its checks at the start.
func ran(op Operation) bool {
	if op.Kind == KindRelease {
		rp := readProgress(op)
		return rp.Checked || rp.Release != nil && rp.Release.Tagged
	}
	return op.DeploymentID != 0 || op.Progress != ""
}

// runRequest starts what a valid form request asks for, or brings its
// waiting operation in step with an edit. It returns the sentence the
// request's status comment says about it ("" when the action does not run
// from forms yet).
func (s *Service) runRequest(ctx context.Context, gh GitHub, view *repoView, ev IssueEvent, issue Issue, req *Request) (string, error) {
	if s.ops.store == nil {
		return "", nil
	}
	if req.Params[FieldDryRun] == "true" {
		return "Dry run: nothing runs. Untick the dry-run box to run the request.",
			s.cancelWaiting(ctx, gh, req.Key, "the issue was edited into a dry run")
	}
	pol, err := view.readPolicy(ctx)
	if err != nil {
		return "", err
	}
	c := &call{ev: CommentEvent{DeliveryID: ev.DeliveryID, InstallationID: ev.InstallationID, Repo: ev.Repo,
		RepoID: ev.RepoID, IssueNumber: ev.IssueNumber, SenderLogin: issue.UserLogin}, gh: gh, view: view, pol: pol}
	var sentence string
	switch req.Action {
	case KindDeploy, KindRollback:
		sentence, err = s.formOperation(ctx, c, req, ev.SenderLogin)
	case "environment":
		sentence, err = s.formEnvironment(ctx, c, req)
	case KindRelease:
		sentence, err = s.formRelease(ctx, c, req, ev.SenderLogin)
	default:
		return "", nil
	}
	var refusal *Refusal
	if errors.As(err, &refusal) {
		s.auditRefusal(ctx, req.Key, req.Action, req.Params[FieldEnvironment], refusal)
		return "Not started: " + refusal.Message + " Edit the issue to try again.", nil
	}
	return sentence, err
}

// formOperation creates the operation of a deploy or rollback form, or
// updates the one waiting for approval when the issue was edited: its new
// snapshot voids the approvals given before, and the status comment says so.
func (s *Service) formOperation(ctx context.Context, c *call, req *Request, editor string) (string, error) {
	env, err := c.environment(req.Params[FieldEnvironment])
	if err != nil {
		return "", err
	}
	op := Operation{Issue: req.Key, InstallationID: c.ev.InstallationID, Kind: req.Action, Environment: env.Name,
		Ref: req.Params[FieldVersion], SHA: req.SHA, Requester: c.ev.SenderLogin, Params: maps.Clone(req.Params),
		Slots: slotsFor(env), DeliveryID: c.ev.DeliveryID}
	delete(op.Params, FieldEnvironment)
	delete(op.Params, FieldVersion)
	op.Params[paramForm] = "1"
	existing, found, err := s.ops.store.IssueOperation(ctx, req.Key)
	if err != nil {
		return "", err
	}
	if found && !existing.State.Terminal() {
		return s.editedOperation(ctx, c, env, existing, op, editor)
	}
	if err := s.authorizeBoth(ctx, c, op.Kind, env.Name, op.Requester, editor); err != nil {
		return "", err
	}
	if op.Ref == "" { // a rollback to the previous deployment
		c.req.Name = op.Kind
		if err := s.target(ctx, c, env, &op); err != nil {
			return "", err
		}
	}
	if err := s.checkOrder(ctx, c, env, op); err != nil {
		return "", err
	}
	if _, err := s.checkFreeze(ctx, c, env, op.Requester); err != nil {
		return "", err
	}
	op.Hash = snapshotHash(op)
	if err := s.startRequest(ctx, c, op); err != nil {
		return "", err
	}
	created, _, err := s.ops.store.IssueOperation(ctx, req.Key)
	return operationSentence(created), err
}

// editedOperation applies an edit of the issue to its waiting operation.
// The edited request is checked as a new one would be, with the editor's
// permission; the editor becomes one of its authors, whose approval does
// not count.
func (s *Service) editedOperation(ctx context.Context, c *call, env *policy.Environment, existing, wanted Operation, editor string) (string, error) {
	if wanted.Ref == "" && existing.Kind == KindRollback {
		wanted.Ref, wanted.SHA = existing.Ref, existing.SHA // still the previous deployment
	}
	for k, v := range existing.Params {
		if _, ok := wanted.Params[k]; !ok && k != "_note" {
			wanted.Params[k] = v
		}
	}
	wanted.ID = existing.ID
	if snapshotHash(wanted) == existing.Hash {
		return operationSentence(existing), nil
	}
	if err := s.checkEdit(ctx, c, env, wanted, editor); err != nil {
		var refusal *Refusal
		if !errors.As(err, &refusal) {
			return "", err
		}
		// The issue no longer asks for what waits: stop it, then say why.
		if cerr := s.cancelWaiting(ctx, c.gh, existing.Issue, "the issue was edited into a request that cannot run: "+
			strings.TrimSuffix(refusal.Message, ".")); cerr != nil {
			return "", cerr
		}
		return "", err
	}
	addAuthor(&wanted, editor)
	from := existing.State
	existing.Kind, existing.Environment, existing.Ref, existing.SHA = wanted.Kind, wanted.Environment, wanted.Ref, wanted.SHA
	existing.Params, existing.Slots = wanted.Params, wanted.Slots
	existing.Hash = snapshotHash(existing)
	existing.Params["_note"] = "The issue was edited, so approvals given before no longer count."
	existing.State = OpAwaitingApproval
	if err := s.update(ctx, existing, from); err != nil {
		return "", err
	}
	s.logOp(ctx, existing, "operation edited from its issue")
	return operationSentence(existing), s.progress(ctx, c.gh, c.pol, existing)
}

// checkEdit checks an edited request as a new one: the editor's
// permission, the promotion order and freezes.
func (s *Service) checkEdit(ctx context.Context, c *call, env *policy.Environment, wanted Operation, editor string) error {
	if err := s.authorize(ctx, c, wanted.Kind, env.Name, editor); err != nil {
		return err
	}
	if err := s.checkOrder(ctx, c, env, wanted); err != nil {
		return err
	}
	_, err := s.checkFreeze(ctx, c, env, wanted.Requester)
	return err
}

// cancelWaiting cancels the issue's operation if it waits for approval or
// confirmation: its issue was edited into something else.
func (s *Service) cancelWaiting(ctx context.Context, gh GitHub, key IssueKey, reason string) error {
	if s.ops.store == nil {
		return nil
	}
	op, found, err := s.ops.store.IssueOperation(ctx, key)
	if err != nil || !found || (op.State != OpAwaitingApproval && op.State != OpAwaitingConfirmation) {
		return err
	}
	return s.end(ctx, gh, op, OpCancelled, reason)
}

func operationSentence(op Operation) string {
	return fmt.Sprintf("Operation %d runs this request: its status comment follows. Until it starts, an edit of the issue is checked again.", op.ID)
}

// formEnvironment runs an environment form: lock or unlock. The request is
// done once it ran, so its issue is closed.
func (s *Service) formEnvironment(ctx context.Context, c *call, req *Request) (string, error) {
	c.req.Environment = req.Params[FieldEnvironment]
	if ttl := req.Params[FieldTTL]; ttl != "" {
		d, err := time.ParseDuration(ttl)
		if err != nil {
			return "", refuse("%s is not a duration.", codeSpan(ttl))
		}
		c.req.TTL = d
	}
	var (
		reply string
		err   error
	)
	switch req.Params[FieldAction] {
	case "lock":
		reply, err = s.lock(ctx, c)
	case "unlock":
		reply, err = s.unlock(ctx, c)
	default:
		return fmt.Sprintf("Running %s from an issue is not enabled on this installation yet: nothing ran.", codeSpan(req.Params[FieldAction])), nil
	}
	if err != nil {
		return "", err
	}
	req.State = RequestStarted
	if err := c.gh.CloseIssue(ctx, c.ev.Repo, c.ev.IssueNumber); err != nil {
		return "", err
	}
	return reply, nil
}
