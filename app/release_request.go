package app

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"

	"github.com/issueops/issueops/app/command"
	"github.com/issueops/issueops/app/policy"
	"github.com/issueops/issueops/app/release"
)

// Release parameters of an operation (KindRelease): part of the snapshot.
const (
	paramTag      = "tag"      // the tag the release makes, from the policy's template
	paramPrevious = "previous" // the previous release's tag, "" for a first release
	paramTarget   = "target"   // what was asked to release from (default branch when empty)
	paramNotes    = "notes"    // the form's text above the changelog
)

// releaseSlot is the run slot of releases: one release at a time per
// repository, whatever its environments do.
const releaseSlot = "release"

// maxReleaseCommits bounds the changelog of one release; a release past it
// is still made, its changelog says how many more there were.
const maxReleaseCommits = 10000

// releaseEnvironment is what the operation machinery (approvals, queue,
// status) sees of releases: no approvals, no confirmation, the one slot.
func releaseEnvironment() *policy.Environment { return &policy.Environment{} }

// opEnvironment is the environment rules op runs under.
func opEnvironment(pol *policy.Policy, op Operation) (*policy.Environment, bool) {
	if op.Kind == KindRelease {
		return releaseEnvironment(), true
	}
	return pol.Environment(op.Environment)
}

func (s *Service) cmdRelease(ctx context.Context, gh GitHub, ev CommentEvent, inv command.Invocation) (string, error) {
	return s.opCommand(ctx, gh, ev, inv, func(ctx context.Context, c *call) (string, error) {
		var reply string
		err := s.withIssueLease(ctx, c.key(), ev.DeliveryID, func() error {
			var err error
			reply, err = s.requestRelease(ctx, c, releaseAsk{version: c.req.Ref, from: c.req.From})
			return err
		})
		return reply, err
	})
}

// requestRelease turns /release or a release form into an operation: the
// commit, the version (asked for, or bumped from the conventional commits
// since the previous release) and the changelog are settled now, so the
// status comment and a dry run show exactly what will be published.
func (s *Service) requestRelease(ctx context.Context, c *call, ask releaseAsk) (string, error) {
	if earlier, found, err := s.ops.store.OperationByDelivery(ctx, c.ev.RepoID, c.ev.DeliveryID); err != nil || found && c.ev.DeliveryID != "" {
		if err != nil {
			return "", err
		}
		// This delivery requested it on an earlier run: planning again now
		// could find nothing left to release, and refuse what worked.
		return "", s.progress(ctx, c.gh, c.pol, earlier)
	}
	if err := s.authorize(ctx, c, KindRelease, "", c.ev.SenderLogin); err != nil {
		return "", err
	}
	plan, err := s.planRelease(ctx, c, ask.version, ask.from)
	if err != nil {
		return "", err
	}
	op := Operation{Issue: c.key(), InstallationID: c.ev.InstallationID, Kind: KindRelease, Ref: plan.version.String(),
		SHA: plan.sha, Requester: c.ev.SenderLogin, Slots: []string{releaseSlot}, DeliveryID: c.ev.DeliveryID,
		Params: map[string]string{paramComment: strconv.FormatInt(c.ev.CommentID, 10), paramTag: plan.tag,
			paramPrevious: plan.previous, paramTarget: ask.from}}
	if ask.notes != "" {
		op.Params[paramNotes] = ask.notes
	}
	if ask.form {
		op.Params[paramForm] = "1"
		delete(op.Params, paramComment)
	}
	op.Hash = snapshotHash(op)
	op.Progress = runProgress{Release: &releaseProgress{Summary: plan.changelog.Summary(),
		Commits: plan.changelog.Commits, JiraKeys: plan.changelog.JiraKeys, CompareURL: plan.compareURL, NotLatest: plan.notLatest,
		Body: plan.changelog.Markdown(release.Links{Server: plan.server, Repo: c.ev.Repo.String(), Compare: plan.compareURL})}}.encode()
	if c.req.DryRun {
		return renderReleasePlan(s.prefix, c.pol, op, plan), nil
	}
	return "", s.startRequest(ctx, c, op)
}

// releaseAsk is what a /release command or a release form asks for.
type releaseAsk struct {
	version string // a version, a bump keyword, or "" (from the commits)
	from    string // the ref to release, "" for the default branch
	notes   string // text above the changelog (forms)
	form    bool
}

// releasePlan is what a release will publish.
type releasePlan struct {
	sha        string
	version    release.Version
	tag        string
	previous   string // "" for a first release
	bump       string // what picked the version: "major", "minor", "patch", or "" when asked for
	changelog  release.Changelog
	compareURL string
	server     string // the web server commits link to
	notLatest  bool   // a higher version is released already
}

// planRelease settles the commit, the previous release and the version.
func (s *Service) planRelease(ctx context.Context, c *call, asked, from string) (releasePlan, error) {
	var plan releasePlan
	target := from
	if target == "" {
		branch, err := c.view.defaultBranch(ctx)
		if err != nil {
			return plan, err
		}
		target = branch
	}
	sha, err := s.resolveRef(ctx, c.view, target)
	if err != nil {
		return plan, err
	}
	plan.sha = sha
	tmpl := c.pol.Release.Tag
	tags, err := c.gh.ListTagNames(ctx, c.ev.Repo, release.TagPrefix(tmpl))
	if err != nil {
		return plan, fmt.Errorf("list the release tags: %w", err)
	}
	explicit, isVersion := release.Version{}, false
	if asked != "" && !release.IsBump(asked) {
		if explicit, err = release.ParseVersion(asked); err != nil {
			return plan, refuse("%s is not a version: %s.", codeSpan(asked), err.Error())
		}
		isVersion = true
		plan.previous, _, _ = release.LatestBefore(tmpl, tags, explicit)
		_, highest, ok := release.Latest(tmpl, tags, false)
		plan.notLatest = ok && release.Compare(highest, explicit) > 0
	} else {
		plan.previous, _, _ = release.Latest(tmpl, tags, false)
	}
	commits, err := s.releaseCommits(ctx, c.gh, c.ev.Repo, plan.previous, sha)
	if err != nil {
		return plan, err
	}
	if len(commits) == 0 {
		return plan, refuse("there is nothing to release: %s has no commits since %s.", codeSpan(target), codeSpan(plan.previous))
	}
	changes := make([]release.Change, len(commits))
	for i, cm := range commits {
		changes[i] = release.ParseChange(cm.SHA, cm.Author, authorURL(cm), cm.HTMLURL, cm.Message)
	}
	plan.changelog = release.NewChangelog(changes, c.pol.Release.Changelog)
	if isVersion {
		plan.version = explicit
	} else {
		plan.version, plan.bump = nextVersion(tmpl, plan.previous, asked, changes)
	}
	plan.tag = release.TagName(tmpl, plan.version)
	plan.server = serverOf(commits[0])
	if plan.previous != "" {
		plan.compareURL = fmt.Sprintf("%s/%s/compare/%s...%s", plan.server, c.ev.Repo,
			url.PathEscape(plan.previous), url.PathEscape(plan.tag))
	}
	return plan, s.checkTagFree(ctx, c, tags, plan)
}

// nextVersion bumps the previous release (0.0.0 for a first one) as asked,
// or as the commits since say: breaking → major, feat → minor, else patch.
func nextVersion(tmpl, previous, asked string, changes []release.Change) (release.Version, string) {
	last := release.Version{Major: "0", Minor: "0", Patch: "0"}
	if v, ok := release.VersionFromTag(tmpl, previous); ok {
		last = v
	}
	bump, ok := release.ParseBump(asked)
	if !ok {
		bump = release.BumpOf(changes)
	}
	return last.Bumped(bump), bump.String()
}

// checkTagFree refuses a version whose tag already names another commit:
// nothing is changed. A tag at the same commit is reused.
func (s *Service) checkTagFree(ctx context.Context, c *call, tags []string, plan releasePlan) error {
	if !slices.Contains(tags, plan.tag) {
		return nil
	}
	at, found, err := c.gh.TagCommit(ctx, c.ev.Repo, plan.tag)
	if err != nil || !found || at == plan.sha {
		return err
	}
	return refuse("the tag %s already exists at commit %s, not at %s: a release never moves a tag. Release another version.",
		codeSpan(plan.tag), codeSpan(shortSHA(at)), codeSpan(shortSHA(plan.sha)))
}

// releaseCommits lists what a release ships: base...head, or for a first
// release every commit up to head (at most maxReleaseCommits).
func (s *Service) releaseCommits(ctx context.Context, gh GitHub, repo Repo, base, head string) ([]Commit, error) {
	if base == "" {
		commits, err := gh.ListCommitsFrom(ctx, repo, head, maxReleaseCommits)
		if err != nil {
			return nil, fmt.Errorf("list the commits of a first release: %w", err)
		}
		slices.Reverse(commits) // oldest first, as a comparison lists them
		return commits, nil
	}
	cmp, err := gh.CompareAll(ctx, repo, base, head, maxReleaseCommits)
	if err != nil {
		return nil, fmt.Errorf("compare %s...%s: %w", base, head, err)
	}
	if cmp.Status == "behind" || cmp.Status == "identical" {
		return nil, nil
	}
	return cmp.Commits, nil
}

// loginRE is a GitHub login: a commit's author is linked only when it is one.
var loginRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,37}[A-Za-z0-9])?$`)

// authorURL links a commit's author when GitHub knows their login.
func authorURL(c Commit) string {
	if c.Author == "" || !loginRE.MatchString(c.Author) {
		return ""
	}
	return serverOf(c) + "/" + c.Author
}

// serverOf is the web server of a commit's link (github.com, or a GitHub
// Enterprise host).
func serverOf(c Commit) string {
	u, err := url.Parse(c.HTMLURL)
	if err != nil || u.Host == "" {
		return "https://github.com"
	}
	return u.Scheme + "://" + u.Host
}

// formRelease requests the release a release form asks for. Releases wait
// for no approval, so by the time an edit comes the request is frozen
// (frozenByOperation); an issue whose release is under way is told so.
func (s *Service) formRelease(ctx context.Context, c *call, req *Request, editor string) (string, error) {
	existing, found, err := s.ops.store.IssueOperation(ctx, req.Key)
	if err != nil {
		return "", err
	}
	if found && !existing.State.Terminal() {
		return operationSentence(existing), nil
	}
	if err := s.authorizeBoth(ctx, c, KindRelease, "", c.ev.SenderLogin, editor); err != nil {
		return "", err
	}
	if _, err := s.requestRelease(ctx, c, releaseAsk{version: req.Params[FieldVersion], from: req.Params[FieldRef],
		notes: req.Params[paramNotes], form: true}); err != nil {
		return "", err
	}
	created, _, err := s.ops.store.IssueOperation(ctx, req.Key)
	return operationSentence(created), err
}
