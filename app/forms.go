package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/issueops/issueops/app/form"
)

// StatusMarker is the hidden HTML comment that identifies a request's status
// comment, so a run cut short before it stored the comment's id finds it.
const StatusMarker = "<!-- issueops:request-status -->"

// leaseBusyDelay is how long a delivery waits when another delivery of the
// same issue is being handled.
const leaseBusyDelay = 2 * time.Second

// handledIssueActions are the issues events that (re)validate a request.
var handledIssueActions = map[string]bool{"opened": true, "edited": true, "labeled": true, "unlabeled": true, "reopened": true}

// HandlesIssueAction reports whether an issues event with this action can
// bind or re-validate a form request; intake stores the others as ignored.
func HandlesIssueAction(action string) bool { return handledIssueActions[action] }

// HandleIssue binds an issue opened from a form to its action and validates
// it: an invalid request gets one status comment listing every problem and
// the issueops:invalid label; a later edit checks it again and updates that
// comment in place; a valid one loses the label. Once the request's
// operation has started, edits change nothing and the status comment says
// so. Removing the action label withdraws the request. Edits by bots count
// (a workflow may fill the body); the app's own never do. Safe to call again
// for the same event.
func (s *Service) HandleIssue(ctx context.Context, ev IssueEvent) error {
	if !handledIssueActions[ev.Action] || s.requests == nil {
		return nil
	}
	// An unlabelled issue cannot be a request (a bound form needs a label
	// to be recognised by), unless its action label just went.
	withdrawing := ev.Action == "unlabeled" && strings.HasPrefix(ev.ChangedLabel, ActionLabelPrefix) && ev.ChangedLabel != InvalidLabel
	if len(ev.Labels) == 0 && !withdrawing {
		return nil
	}
	ctx = WithActor(ctx, ev.SenderLogin, ev.DeliveryID)
	gh, err := s.clientUnlessSelf(ctx, ev.InstallationID, ev.SenderLogin)
	if err != nil || gh == nil {
		return err
	}
	view := s.view(gh, ev.Repo)
	actions, err := view.boundAction(ctx, ev.Labels)
	if err != nil || (len(actions) == 0 && !withdrawing) {
		return err
	}
	key := IssueKey{RepoID: ev.RepoID, Repo: ev.Repo, Number: ev.IssueNumber}
	req, ok, err := s.requests.LeaseRequest(ctx, key, ev.DeliveryID, s.lease)
	if err != nil {
		return err
	}
	if !ok {
		return &RetryAfterError{Delay: leaseBusyDelay, Err: fmt.Errorf("issue %s#%d is being handled by another delivery", ev.Repo, ev.IssueNumber)}
	}
	if err := s.handleRequest(ctx, gh, view, ev, req); err != nil {
		if errors.Is(err, ErrPermanent) {
			s.reportFailure(ctx, gh, ev, req)
		}
		if rerr := s.requests.ReleaseRequest(context.WithoutCancel(ctx), key, ev.DeliveryID); rerr != nil {
			s.logger.WarnContext(ctx, "release request lease", "delivery_id", ev.DeliveryID, "error", rerr)
		}
		return err
	}
	return nil
}

// reportFailure tells the issue, as far as it can, that its request could
// not be checked and will not be retried: without this a permanent failure
// (a policy file too big to read, a comment GitHub refuses) leaves the user
// waiting for a comment that never comes. The details stay in the logs.
func (s *Service) reportFailure(ctx context.Context, gh GitHub, ev IssueEvent, req Request) {
	body := fmt.Sprintf("### ⚠️ issueops could not check this request\n\nInternal error, delivery %s. "+
		"The operators of issueops find the cause in its logs under that id; editing the issue tries again.\n\n%s",
		codeSpan(ev.DeliveryID), StatusMarker)
	if err := s.writeStatus(ctx, gh, ev, &req, body); err != nil {
		s.logger.WarnContext(ctx, "report a failed request", "delivery_id", ev.DeliveryID, "repo", ev.Repo.String(),
			"issue", ev.IssueNumber, "error", err)
	}
}

// handleRequest runs under the issue's lease. It reads the issue afresh, so
// deliveries handled out of order still end on the issue's latest text.
func (s *Service) handleRequest(ctx context.Context, gh GitHub, view *repoView, ev IssueEvent, req Request) error {
	issue, err := gh.GetIssue(ctx, ev.Repo, ev.IssueNumber)
	if err != nil {
		return fmt.Errorf("read issue %d: %w", ev.IssueNumber, err)
	}
	actions, err := view.boundAction(ctx, issue.Labels)
	if err != nil {
		return err
	}
	bodyHash := hashOf(strings.Join(actions, ",") + "\n" + issue.Body)
	if req.State != RequestStarted {
		frozen, err := s.frozenByOperation(ctx, req.Key)
		if err != nil {
			return err
		}
		if frozen {
			req.State = RequestStarted
		}
	}
	pending := req.State == RequestValid || req.State == RequestInvalid
	skip := (len(actions) == 0 && !pending) ||
		(issue.State == "closed" && req.State != RequestStarted) ||
		(req.State == RequestValid && req.BodyHash == bodyHash) // a title edit, another label: nothing to check again
	if skip {
		return s.requests.ReleaseRequest(ctx, req.Key, ev.DeliveryID)
	}
	var comment string
	switch {
	case req.State == RequestStarted:
		comment = renderStarted(req, bodyHash != req.BodyHash)
	case len(actions) == 0:
		req.State, req.BodyHash, req.Params, req.SHA = RequestWithdrawn, bodyHash, nil, ""
		comment = renderWithdrawn(req.Action)
		if err := s.cancelWaiting(ctx, gh, req.Key, "the issue lost its action label"); err != nil {
			return err
		}
	default:
		st, err := s.checkRequest(ctx, view, actions, issue)
		if err != nil {
			return err
		}
		req.Action, req.BodyHash, req.Params, req.SHA = st.action, bodyHash, st.params, st.sha
		req.State = RequestValid
		if len(st.problems) > 0 {
			req.State, req.Params, req.SHA = RequestInvalid, nil, ""
			if err := s.cancelWaiting(ctx, gh, req.Key, "the issue was edited and is no longer a valid request"); err != nil {
				return err
			}
		} else if st.run, err = s.runRequest(ctx, gh, view, ev, issue, &req); err != nil {
			return err
		}
		comment = renderChecked(st)
	}
	if err := s.writeStatus(ctx, gh, ev, &req, comment+"\n\n"+StatusMarker); err != nil {
		return err
	}
	if err := s.labelRequest(ctx, gh, ev, req.State, issue.Labels); err != nil {
		return err
	}
	s.logger.InfoContext(ctx, "form request checked", "delivery_id", ev.DeliveryID, "repo", ev.Repo.String(),
		"issue", ev.IssueNumber, "action", req.Action, "state", string(req.State))
	return s.requests.SaveRequest(ctx, req, ev.DeliveryID)
}

// checked is a request's form and rules applied to the issue's body.
type checked struct {
	action   string
	file     string // the form's path on the default branch, "" for the shipped one
	branch   string
	problems []form.Problem
	notes    []string
	template *form.Template
	params   map[string]string
	sha      string
	// run says what running the valid request did ("" when running it
	// from a form is not enabled).
	run string
}

func (s *Service) checkRequest(ctx context.Context, view *repoView, actions []string, issue Issue) (checked, error) {
	st := checked{action: actions[0]}
	if len(actions) > 1 {
		st.problems = append(st.problems, form.Problem{Message: fmt.Sprintf(
			"the issue carries %s: one issue requests one action, so keep one of these labels", codeSpanList(prefixed(actions), 10))})
	}
	if _, err := view.readPolicy(ctx); err != nil {
		return st, err
	}
	if view.policyErr != nil {
		st.problems = append(st.problems, form.Problem{Message: fmt.Sprintf(
			"`.github/issueops.yml` on the default branch does not parse: %s", codeSpan(view.policyErr.Error()))})
	}
	src, err := view.formFor(ctx, st.action)
	if err != nil {
		return st, err
	}
	st.file, st.branch, st.template, st.notes = src.file, view.branch, src.template, src.notes
	st.problems = append(st.problems, src.problems...)
	parsed := form.Parse(src.template, issue.Body)
	st.notes = append(st.notes, driftNotes(src.template, parsed)...)
	formProblems := form.Validate(src.template, parsed)
	reported := map[string]bool{}
	for _, p := range formProblems {
		for _, f := range src.template.Fields {
			if f.Label == p.Field {
				reported[f.Key()] = true
			}
		}
	}
	st.problems = append(st.problems, formProblems...)
	r, err := applyRules(ctx, facts{view}, st.action, src.template, parsed.Values, reported)
	if err != nil {
		return st, err
	}
	st.problems = append(st.problems, r.problems...)
	st.params, st.sha = r.params, r.sha
	return st, nil
}

// driftNotes reports how the body and the form disagree: sections the form
// does not have, fields the body does not have. Never guessed silently.
func driftNotes(t *form.Template, r form.Result) []string {
	var notes []string
	for _, heading := range r.Unmatched {
		notes = append(notes, fmt.Sprintf("The section %s matches no field of the form (was the form changed after the issue was opened?); it was not read.", codeSpan(heading)))
	}
	for _, heading := range r.Absorbed {
		notes = append(notes, fmt.Sprintf("The heading %s was read as part of the answer above it, not as a field of the form.", codeSpan(heading)))
	}
	for _, key := range r.Missing {
		notes = append(notes, fmt.Sprintf("The form's field %s has no section in the issue; it was read as empty.", codeSpan(fieldLabel(t, key))))
	}
	return notes
}

// writeStatus creates the status comment or edits it in place, and records
// its id and hash in req. An unchanged comment is not written again.
func (s *Service) writeStatus(ctx context.Context, gh GitHub, ev IssueEvent, req *Request, body string) error {
	hash := hashOf(body)
	if req.CommentID != 0 && hash == req.CommentHash {
		return nil
	}
	if req.CommentID == 0 {
		// A run cut short after posting but before saving left the
		// comment without its id: look for it rather than post twice.
		id, found, err := gh.FindComment(ctx, ev.Repo, ev.IssueNumber, StatusMarker, time.Time{})
		if err != nil {
			return fmt.Errorf("look for the status comment: %w", err)
		}
		req.CommentID = id
		if !found {
			id, err := gh.CreateComment(ctx, ev.Repo, ev.IssueNumber, body)
			if err != nil {
				return fmt.Errorf("post the status comment: %w", err)
			}
			req.CommentID, req.CommentHash = id, hash
			return nil
		}
	}
	err := gh.EditComment(ctx, ev.Repo, req.CommentID, body)
	if errors.Is(err, ErrNotFound) {
		// Someone deleted the status comment: post a new one, looked for
		// first as above.
		req.CommentID = 0
		return s.writeStatus(ctx, gh, ev, req, body)
	}
	if err != nil {
		return fmt.Errorf("edit the status comment: %w", err)
	}
	req.CommentHash = hash
	return nil
}

// labelRequest puts issueops:invalid on an invalid request and takes it off
// any other, touching GitHub only when the label must change.
func (s *Service) labelRequest(ctx context.Context, gh GitHub, ev IssueEvent, state RequestState, labels []string) error {
	has := slices.Contains(labels, InvalidLabel)
	switch {
	case state == RequestInvalid && !has:
		return gh.AddLabels(ctx, ev.Repo, ev.IssueNumber, InvalidLabel)
	case state != RequestInvalid && has:
		return gh.RemoveLabel(ctx, ev.Repo, ev.IssueNumber, InvalidLabel)
	}
	return nil
}

// facts answers the action rules' questions from the repository view.
type facts struct{ view *repoView }

func (f facts) HasEnvironment(ctx context.Context, name string) (bool, []string, error) {
	pol, err := f.view.readPolicy(ctx)
	if err != nil || f.view.policyErr != nil {
		return true, nil, err // a broken policy is reported once, on its own
	}
	return pol.HasEnvironment(name), pol.Environments, nil
}

func (f facts) ResolveRef(ctx context.Context, ref string) (string, bool, error) {
	if ref != "" && ref == f.view.branch && f.view.head != "" {
		return f.view.head, true, nil
	}
	return f.view.gh.ResolveRef(ctx, f.view.repo, ref)
}

func (f facts) DefaultBranch(ctx context.Context) (string, error) { return f.view.defaultBranch(ctx) }

func (f facts) OnDefaultBranch(ctx context.Context, sha string) (bool, string, error) {
	branch, err := f.view.defaultBranch(ctx)
	if err != nil {
		return false, "", err
	}
	ok, err := f.view.gh.OnBranch(ctx, f.view.repo, branch, sha)
	return ok, branch, err
}

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func prefixed(actions []string) []string {
	out := make([]string, len(actions))
	for i, a := range actions {
		out[i] = ActionLabelPrefix + a
	}
	return out
}
