package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/issueops/issueops/app/policy"
	"github.com/issueops/issueops/app/release"
)

// releaseProgress is a release's share of runProgress: the plan made when
// it was requested, then each step done, so a run cut short (between the
// tag and the release, in the middle of Jira) resumes without doing
// anything twice.
type releaseProgress struct {
	Summary    string   `json:"summary,omitempty"`
	Commits    int      `json:"commits,omitempty"`
	JiraKeys   []string `json:"jira_keys,omitempty"`
	CompareURL string   `json:"compare_url,omitempty"`
	// Body is the release's text until the release is made, then dropped.
	Body   string `json:"body,omitempty"`
	Tagged bool   `json:"tagged,omitempty"`
	// NotLatest: a higher version was released before (a fix of an older
	// line), so this one must not become the repository's latest.
	NotLatest bool `json:"not_latest,omitempty"`
	// Creating is saved before the release is asked for: a release of the
	// tag found after it is this one's (its answer was lost), one found
	// before it someone else's.
	Creating   bool          `json:"creating,omitempty"`
	ReleaseID  int64         `json:"release_id,omitempty"`
	ReleaseURL string        `json:"release_url,omitempty"`
	Jira       *jiraProgress `json:"jira,omitempty"`
}

// jiraProgress is the Jira step of a release.
type jiraProgress struct {
	Version    string   `json:"version"` // the version's name
	VersionID  string   `json:"version_id,omitempty"`
	VersionURL string   `json:"version_url,omitempty"`
	Done       []string `json:"done,omitempty"`      // issues given the version and the link
	Missing    []string `json:"missing,omitempty"`   // keys Jira does not know
	Elsewhere  []string `json:"elsewhere,omitempty"` // keys of other projects, left alone
	Refused    []string `json:"refused,omitempty"`   // issues Jira would not change (permissions, workflow)
	Released   bool     `json:"released,omitempty"`  // the version is marked released
	// Waiting says Jira failed and the step waits to try again; Failed
	// that it gave up (a refusal retries cannot change).
	Waiting  bool   `json:"waiting,omitempty"`
	Failed   string `json:"failed,omitempty"`
	Finished bool   `json:"finished,omitempty"`
	// Skipped says why there is no Jira step at all.
	Skipped string `json:"skipped,omitempty"`
}

// runRelease takes a running release through its steps: the tag at the
// exact commit, the GitHub release, then the Jira fix version. Each step
// looks before it acts, so a retry never makes a second tag or release.
func (s *Service) runRelease(ctx context.Context, gh GitHub, view *repoView, pol *policy.Policy, op Operation) error {
	p := readProgress(op)
	rp := p.Release
	if rp == nil {
		rp = &releaseProgress{}
		p.Release = rp
	}
	if p.StartedAt.IsZero() {
		p.StartedAt = s.ops.now()
	}
	if view.policyErr != nil && !rp.Tagged {
		return s.fail(ctx, gh, op, brokenPolicy(view)) // nothing is published yet
	}
	if !p.Checked {
		c := &call{ev: CommentEvent{DeliveryID: op.DeliveryID, Repo: op.Issue.Repo, RepoID: op.Issue.RepoID,
			IssueNumber: op.Issue.Number}, gh: gh, view: view, pol: pol}
		if why, err := refusalText(s.authorize(ctx, c, KindRelease, "", op.Requester)); err != nil || why != "" {
			if err != nil {
				return err
			}
			return s.fail(ctx, gh, op, why)
		}
		p.Checked = true
		if err := s.saveStep(ctx, gh, &op, p, ""); err != nil {
			return err
		}
	}
	tag := op.Params[paramTag]
	if !rp.Tagged {
		why, err := s.ensureTag(ctx, gh, op, tag)
		if err != nil || why != "" {
			if err != nil {
				return err
			}
			return s.fail(ctx, gh, op, why)
		}
		rp.Tagged = true
		if err := s.saveStep(ctx, gh, &op, p, "tag "+tag+" at "+shortSHA(op.SHA)); err != nil {
			return err
		}
	}
	if rp.ReleaseURL == "" {
		r, why, err := s.ensureRelease(ctx, gh, pol, &op, &p)
		if err != nil || why != "" {
			if err != nil {
				return err
			}
			return s.fail(ctx, gh, op, why)
		}
		rp.ReleaseID, rp.ReleaseURL, rp.Body = r.ID, r.HTMLURL, ""
		if err := s.saveStep(ctx, gh, &op, p, "GitHub release "+tag+" published"); err != nil {
			return err
		}
	}
	if rp.Jira == nil {
		rp.Jira = s.planJira(pol, view.policyErr != nil, op)
	}
	op.Progress = p.encode() // Finish writes it
	if jiraPending(rp) {
		// The release is out, so the operation succeeds now and frees the
		// release slot; the Jira step, which may wait on Jira for hours,
		// runs after it in the same job. EnqueueRun comes first: a crash
		// between the two still runs it.
		if err := s.ops.store.EnqueueRun(ctx, op.ID); err != nil {
			return err
		}
	}
	return s.finish(ctx, gh, op, OpSucceeded, "")
}

// planJira is the Jira step a release will take after it succeeded: nil
// for none, skipped (with the reason) when it cannot run.
func (s *Service) planJira(pol *policy.Policy, broken bool, op Operation) *jiraProgress {
	switch cfg := pol.Release.Jira; {
	case broken:
		return &jiraProgress{Skipped: "`.github/issueops.yml` no longer parses, so its Jira settings are unknown"}
	case cfg == nil:
		return nil
	case s.jira == nil:
		return &jiraProgress{Skipped: "Jira is not configured on this issueops installation"}
	default:
		return &jiraProgress{Version: release.Expand(cfg.Version, mustVersion(op.Ref))}
	}
}

// jiraPending reports whether a release's Jira step has yet to run.
func jiraPending(rp *releaseProgress) bool {
	j := rp.Jira
	return j != nil && !j.Finished && j.Failed == "" && j.Skipped == ""
}

// saveStep records a finished step: in the operation (and its audit
// entry, note), then in its status comment.
func (s *Service) saveStep(ctx context.Context, gh GitHub, op *Operation, p runProgress, note string) error {
	if err := s.saveNoted(ctx, op, p, note); err != nil {
		return err
	}
	if err := s.report(ctx, gh, *op); err != nil {
		return err
	}
	fresh, err := s.ops.store.Operation(ctx, op.ID) // report may have saved its comment id
	if err != nil {
		return err
	}
	if fresh.State != op.State {
		return errWaiting // ended meanwhile (a /cancel): stop here
	}
	*op = fresh
	return nil
}

// ensureTag makes sure tag names op's commit. why is the user-facing
// reason to stop: a tag that names another commit is never moved.
func (s *Service) ensureTag(ctx context.Context, gh GitHub, op Operation, tag string) (why string, err error) {
	repo := op.Issue.Repo
	at, found, err := gh.TagCommit(ctx, repo, tag)
	if err != nil {
		return "", fmt.Errorf("read the tag %s: %w", tag, err)
	}
	if !found {
		err = gh.CreateTag(ctx, repo, tag, op.SHA)
		if err == nil {
			s.logOp(ctx, op, "tag created", "tag", tag)
			return "", nil
		}
		if !errors.Is(err, ErrAlreadyExists) {
			return "", fmt.Errorf("create the tag %s: %w", tag, err)
		}
		// Made meanwhile, by us (a lost answer) or by someone else.
		if at, found, err = gh.TagCommit(ctx, repo, tag); err != nil {
			return "", err
		}
		if !found { // made and deleted again meanwhile: look again on the retry
			return "", fmt.Errorf("the tag %s exists and cannot be read", tag)
		}
	}
	if at != op.SHA {
		return fmt.Sprintf("the tag %s already exists at commit %s, not at %s: a release never moves a tag, so nothing was changed",
			codeSpan(tag), codeSpan(shortSHA(at)), codeSpan(shortSHA(op.SHA))), nil
	}
	return "", nil
}

// ensureRelease finds the release of the tag an earlier run of op made, or
// makes it. why is the user-facing reason to stop: the tag was released by
// someone else, so this release would publish nothing of its own.
func (s *Service) ensureRelease(ctx context.Context, gh GitHub, pol *policy.Policy, op *Operation, p *runProgress) (GitRelease, string, error) {
	repo, tag, rp := op.Issue.Repo, op.Params[paramTag], p.Release
	r, found, err := gh.FindRelease(ctx, repo, tag)
	if err != nil {
		return r, "", fmt.Errorf("look for the release of %s: %w", tag, err)
	}
	switch {
	case found && rp.Creating:
		return r, "", nil // ours: the answer to its creation was lost
	case found:
		return r, fmt.Sprintf("%s is already released (%s): nothing was published again", codeSpan(tag), r.HTMLURL), nil
	}
	rp.Creating = true
	if err := s.saveProgress(ctx, op, *p); err != nil {
		return r, "", err
	}
	body := rp.Body
	if notes := op.Params[paramNotes]; notes != "" {
		body = release.EscapeNotes(notes) + "\n\n" + body
	}
	r, err = gh.CreateRelease(ctx, repo, NewGitRelease{TagName: tag, TargetSHA: op.SHA, Name: tag, Body: body,
		Draft: pol.Release.Draft, Prerelease: pol.Release.Prerelease || strings.Contains(op.Ref, "-"), NotLatest: rp.NotLatest})
	if errors.Is(err, ErrAlreadyExists) {
		return r, fmt.Sprintf("a release of %s appeared while this one was being made: nothing was published again", codeSpan(tag)), nil
	}
	if err != nil {
		return r, "", fmt.Errorf("create the release of %s: %w", tag, err)
	}
	s.logOp(ctx, *op, "release created", "tag", tag, "release_id", r.ID)
	return r, "", nil
}

// runJiraAfter is the Jira step of a release that succeeded: the issues it
// ships get their fix version and a link to the release. Jira failing
// never undoes the release: the status says the step waits, and the job
// retries it with backoff; a refusal no retry can change ends the step as
// failed. It runs under the policy of now, whose Jira settings may have
// changed since the release.
func (s *Service) runJiraAfter(ctx context.Context, gh GitHub, op Operation) error {
	p := readProgress(op)
	rp := p.Release
	view := s.view(gh, op.Issue.Repo)
	pol, err := view.readPolicy(ctx)
	if err != nil {
		return err
	}
	if now := s.planJira(pol, view.policyErr != nil, op); now == nil || now.Skipped != "" {
		rp.Jira.Skipped = "`.github/issueops.yml` no longer asks for it"
		if now != nil {
			rp.Jira.Skipped = now.Skipped
		}
		return s.saveStep(ctx, gh, &op, p, "Jira skipped")
	}
	err = s.syncJira(ctx, pol.Release.Jira, op, rp)
	if err == nil {
		rp.Jira.Waiting, rp.Jira.Finished = false, true
		return s.saveStep(ctx, gh, &op, p, "Jira version "+rp.Jira.Version+" done")
	}
	if errors.Is(err, ErrPermanent) {
		s.logOp(ctx, op, "the Jira step failed", "error", err)
		rp.Jira.Waiting, rp.Jira.Failed = false, fmt.Sprintf("Jira refused the request (the logs of operation %d say why)", op.ID)
		return s.saveStep(ctx, gh, &op, p, "Jira step failed")
	}
	s.logOp(ctx, op, "the Jira step will be retried", "error", err)
	if !rp.Jira.Waiting {
		rp.Jira.Waiting = true
		if serr := s.saveStep(ctx, gh, &op, p, "Jira unavailable: retrying"); serr != nil {
			return serr
		}
	}
	return err
}

// syncJira is the Jira step itself; every call in it may be repeated.
func (s *Service) syncJira(ctx context.Context, cfg *policy.Jira, op Operation, rp *releaseProgress) error {
	j := rp.Jira
	v, err := s.jira.EnsureVersion(ctx, cfg.Project, j.Version)
	if err != nil {
		return fmt.Errorf("the Jira version %s: %w", j.Version, err)
	}
	j.VersionID, j.VersionURL = v.ID, v.URL
	globalID := fmt.Sprintf("issueops:release:%d:%s", op.Issue.RepoID, op.Params[paramTag])
	title := fmt.Sprintf("%s %s", op.Issue.Repo, op.Params[paramTag])
	for _, key := range rp.JiraKeys {
		if slices.Contains(j.Done, key) || slices.Contains(j.Missing, key) || slices.Contains(j.Elsewhere, key) || slices.Contains(j.Refused, key) {
			continue
		}
		if !strings.HasPrefix(key, cfg.Project+"-") {
			j.Elsewhere = append(j.Elsewhere, key)
			continue
		}
		err := s.jira.AddFixVersion(ctx, key, v.Name)
		if err == nil {
			err = s.jira.LinkRelease(ctx, key, globalID, rp.ReleaseURL, title)
		}
		var later *RetryAfterError
		switch {
		case errors.Is(err, ErrNotFound):
			j.Missing = append(j.Missing, key)
		case errors.Is(err, ErrPermanent) && !errors.As(err, &later):
			s.logOp(ctx, op, "Jira refused an issue", "issue_key", key, "error", err)
			j.Refused = append(j.Refused, key)
		case err != nil:
			return fmt.Errorf("the Jira issue %s: %w", key, err)
		default:
			j.Done = append(j.Done, key)
		}
	}
	if cfg.Released && !j.Released && !v.Released {
		if err := s.jira.ReleaseVersion(ctx, v.ID, s.ops.now()); err != nil {
			return fmt.Errorf("release the Jira version %s: %w", v.Name, err)
		}
	}
	j.Released = cfg.Released
	return nil
}

// mustVersion reads a release operation's version (checked when requested).
func mustVersion(s string) release.Version {
	v, _ := release.ParseVersion(s)
	return v
}

// giveUpReleased ends a release whose job gave up after its GitHub release
// was out (its reporting failed for good): the release succeeded. A Jira
// step it had not reached is not run: the status says so.
func (s *Service) giveUpReleased(ctx context.Context, op Operation) error {
	p := readProgress(op)
	if j := p.Release.Jira; j != nil && jiraPending(p.Release) {
		j.Failed = fmt.Sprintf("not run: issueops hit an internal error first (operation %d; its logs say why)", op.ID)
	}
	op.Progress, op.Note = p.encode(), "the release is out; issueops could not finish reporting it"
	op.State = OpSucceeded
	started, err := s.ops.store.Finish(ctx, op, OpSucceeded)
	if errors.Is(err, ErrStateChanged) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("end release %d: %w", op.ID, err)
	}
	s.logStarted(ctx, started)
	op.Note = "" // recorded by Finish
	if gh, err := s.clients.ForInstallation(ctx, op.InstallationID); err == nil {
		if err := s.report(ctx, gh, op); err != nil {
			s.logger.WarnContext(ctx, "report a release that gave up", "operation_id", op.ID, "error", err)
		}
	}
	return nil
}

// giveUpJira ends the Jira step of a release that succeeded when its job
// used every retry: the step failed, the release stands.
func (s *Service) giveUpJira(ctx context.Context, op Operation, cause error) error {
	p := readProgress(op)
	if p.Release == nil || !jiraPending(p.Release) {
		return nil
	}
	s.logOp(ctx, op, "the Jira step gave up", "error", cause)
	p.Release.Jira.Waiting = false
	p.Release.Jira.Failed = fmt.Sprintf("Jira did not answer after every retry (operation %d; its logs say why)", op.ID)
	gh, err := s.clients.ForInstallation(ctx, op.InstallationID)
	if err != nil {
		return err
	}
	return s.saveStep(ctx, gh, &op, p, "Jira step gave up")
}

// retriedRelease is the plan of a failed release, for /retry: the steps it
// did are found again by looking (the tag, the release), not trusted.
func retriedRelease(last Operation) string {
	old := readProgress(last).Release
	if old == nil {
		return ""
	}
	return runProgress{Release: &releaseProgress{Summary: old.Summary, Commits: old.Commits, JiraKeys: old.JiraKeys,
		CompareURL: old.CompareURL, Body: old.Body}}.encode()
}
