package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	gh "github.com/google/go-github/v60/github"

	"github.com/issueops/issueops/app"
)

// Tags and releases: the calls of app.Releases.

const (
	// comparePerPage is the page size CompareAll asks for: the most commits
	// GitHub's compare answers unpaged. Where GitHub serves fewer (its
	// published description says at most 100), the Link header still names
	// every next page, so pages are followed by it, never counted.
	comparePerPage = 250
	// compareMaxCommits is the most commits GitHub's compare lists, however
	// it is paged; CompareAll never asks for more.
	compareMaxCommits = 10000
	// maxTagDepth bounds the peeling of a tag object that tags another.
	maxTagDepth = 4
)

// ListTagNames lists the tags whose names start with prefix
// (GET /repos/{owner}/{repo}/git/matching-refs/tags/{prefix}). GitHub
// answers every match at once and ignores paging, but a Link header, were
// one ever sent, is followed. An empty prefix lists every tag: it asks for
// "tags", not "tags/", whose trailing slash GitHub need not route, and
// keeps only refs/tags/ refs. A repository without commits (GitHub's 409)
// has none.
func (c *Client) ListTagNames(ctx context.Context, repo app.Repo, prefix string) ([]string, error) {
	opts := &gh.ReferenceListOptions{Ref: "tags/" + prefix}
	if prefix == "" {
		opts.Ref = "tags"
	}
	var names []string
	for range maxPages {
		refs, resp, err := c.gh.Git.ListMatchingRefs(ctx, repo.Owner, repo.Name, opts)
		if emptyRepository(resp) {
			return nil, nil
		}
		if err != nil {
			return nil, classify(err)
		}
		for _, ref := range refs {
			if name, ok := strings.CutPrefix(ref.GetRef(), "refs/tags/"); ok && strings.HasPrefix(name, prefix) {
				names = append(names, name)
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return names, nil
}

// emptyRepository recognises the git database's 409 "Git Repository is
// empty.": no commits, so no refs.
func emptyRepository(resp *gh.Response) bool {
	return resp != nil && resp.StatusCode == http.StatusConflict
}

// TagCommit reads refs/tags/name (GET /repos/{owner}/{repo}/git/ref/tags/{name})
// and peels an annotated tag through its tag objects
// (GET /repos/{owner}/{repo}/git/tags/{sha}) to the commit. found is false
// when there is no such tag (404), or no commit at all (409). A tag of a
// tree or blob is a permanent error: no commit is ever found there.
func (c *Client) TagCommit(ctx context.Context, repo app.Repo, name string) (string, bool, error) {
	ref, resp, err := c.gh.Git.GetRef(ctx, repo.Owner, repo.Name, "tags/"+name)
	if notFound(resp) || emptyRepository(resp) {
		return "", false, nil
	}
	if err != nil {
		return "", false, classify(err)
	}
	if ref.GetRef() != "refs/tags/"+name {
		return "", false, nil // not the tag asked for, whatever GitHub matched
	}
	obj := ref.GetObject()
	for range maxTagDepth {
		switch obj.GetType() {
		case "commit":
			return obj.GetSHA(), true, nil
		case "tag":
			tag, _, err := c.gh.Git.GetTag(ctx, repo.Owner, repo.Name, obj.GetSHA())
			if err != nil {
				return "", false, classify(err)
			}
			obj = tag.GetObject()
		default:
			return "", false, app.Permanent(fmt.Errorf("tag %s points at a %s, not a commit", name, obj.GetType()))
		}
	}
	return "", false, app.Permanent(fmt.Errorf("tag %s: tag objects nested more than %d deep", name, maxTagDepth))
}

// CreateTag creates the lightweight tag refs/tags/name at sha
// (POST /repos/{owner}/{repo}/git/refs). GitHub's 422 "Reference already
// exists", whatever the tag points at, wraps app.ErrAlreadyExists (and
// app.ErrPermanent): the caller reads the tag with TagCommit to tell its
// own earlier write, answered or not, from someone else's.
func (c *Client) CreateTag(ctx context.Context, repo app.Repo, name, sha string) error {
	_, resp, err := c.gh.Git.CreateRef(ctx, repo.Owner, repo.Name, &gh.Reference{
		Ref: gh.String("refs/tags/" + name), Object: &gh.GitObject{SHA: gh.String(sha)},
	})
	if err != nil && alreadyExists(resp, err) {
		return fmt.Errorf("tag %s: %w: %w", name, app.ErrAlreadyExists, classify(err))
	}
	return classify(err)
}

// alreadyExists recognises GitHub's 422 for a create that found its
// target there: "Reference already exists" for a ref, a validation error
// with code already_exists for a release.
func alreadyExists(resp *gh.Response, err error) bool {
	var er *gh.ErrorResponse
	if resp == nil || resp.StatusCode != http.StatusUnprocessableEntity || !errors.As(err, &er) {
		return false
	}
	if strings.Contains(strings.ToLower(er.Message), "already exists") {
		return true
	}
	for _, e := range er.Errors {
		if e.Code == "already_exists" {
			return true
		}
	}
	return false
}

// FindRelease looks for the release of tag among the newest 100
// (GET /repos/{owner}/{repo}/releases?per_page=100, one page): the list
// shows drafts to whoever may push, where releases/tags/{tag} never does.
func (c *Client) FindRelease(ctx context.Context, repo app.Repo, tag string) (app.GitRelease, bool, error) {
	list, _, err := c.gh.Repositories.ListReleases(ctx, repo.Owner, repo.Name, &gh.ListOptions{PerPage: 100})
	if err != nil {
		return app.GitRelease{}, false, classify(err)
	}
	for _, rel := range list {
		if rel.GetTagName() == tag {
			return toRelease(rel), true, nil
		}
	}
	return app.GitRelease{}, false, nil
}

// CreateRelease creates a release of the tag r.TagName
// (POST /repos/{owner}/{repo}/releases) with target_commitish r.TargetSHA:
// GitHub ignores it when the tag exists, and makes a missing tag there
// rather than at the default branch's head. An empty name or body is left out, so GitHub shows
// the tag as the title. A second release of the tag (GitHub's 422
// already_exists) wraps app.ErrAlreadyExists.
func (c *Client) CreateRelease(ctx context.Context, repo app.Repo, r app.NewGitRelease) (app.GitRelease, error) {
	req := &gh.RepositoryRelease{TagName: gh.String(r.TagName), Draft: gh.Bool(r.Draft), Prerelease: gh.Bool(r.Prerelease)}
	if r.TargetSHA != "" {
		req.TargetCommitish = gh.String(r.TargetSHA)
	}
	if r.NotLatest {
		req.MakeLatest = gh.String("false")
	}
	if r.Name != "" {
		req.Name = gh.String(r.Name)
	}
	if r.Body != "" {
		req.Body = gh.String(r.Body)
	}
	rel, resp, err := c.gh.Repositories.CreateRelease(ctx, repo.Owner, repo.Name, req)
	if err != nil {
		if alreadyExists(resp, err) {
			return app.GitRelease{}, fmt.Errorf("release of %s: %w: %w", r.TagName, app.ErrAlreadyExists, classify(err))
		}
		return app.GitRelease{}, classify(err)
	}
	return toRelease(rel), nil
}

func toRelease(rel *gh.RepositoryRelease) app.GitRelease {
	return app.GitRelease{ID: rel.GetID(), TagName: rel.GetTagName(), Name: rel.GetName(), Body: rel.GetBody(),
		HTMLURL: rel.GetHTMLURL(), Draft: rel.GetDraft(), Prerelease: rel.GetPrerelease()}
}

// ListCommitsFrom lists up to limit commits reachable from sha, newest
// first (GET /repos/{owner}/{repo}/commits?sha=…), as ListCommits does:
// pages of up to 100, at most maxPages of them.
func (c *Client) ListCommitsFrom(ctx context.Context, repo app.Repo, sha string, limit int) ([]app.Commit, error) {
	return c.ListCommits(ctx, repo, sha, "", limit)
}

// CompareAll compares base...head (GET /repos/{owner}/{repo}/compare/{basehead})
// reading every page, oldest commit first, until it holds GitHub's
// total_commits or limit of them (limit < 1, or above what GitHub lists,
// means compareMaxCommits). Pass SHAs: a branch that moves between pages
// would mix two comparisons.
func (c *Client) CompareAll(ctx context.Context, repo app.Repo, base, head string, limit int) (app.Comparison, error) {
	if limit < 1 || limit > compareMaxCommits {
		limit = compareMaxCommits
	}
	opts := &gh.ListOptions{PerPage: comparePerPage, Page: 1}
	var out app.Comparison
	for {
		cmp, resp, err := c.gh.Repositories.CompareCommits(ctx, repo.Owner, repo.Name, base, head, opts)
		if err != nil {
			return app.Comparison{}, classify(err)
		}
		if opts.Page == 1 {
			out = app.Comparison{Status: cmp.GetStatus(), AheadBy: cmp.GetAheadBy(), BehindBy: cmp.GetBehindBy(), HTMLURL: cmp.GetHTMLURL()}
		}
		for _, rc := range cmp.Commits[:min(len(cmp.Commits), limit-len(out.Commits))] {
			out.Commits = append(out.Commits, toCommit(rc))
		}
		// A page without commits ends the walk whatever the Link says.
		if len(out.Commits) >= min(cmp.GetTotalCommits(), limit) || resp.NextPage == 0 || len(cmp.Commits) == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}
