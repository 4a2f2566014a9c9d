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

// checkPath refuses a file path GitHub could only misread: empty, or with
// an empty, "." or ".." segment.
func checkPath(path string) error {
	for _, seg := range strings.Split(path, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return app.Permanent(fmt.Errorf("invalid file path %q", path))
		}
	}
	return nil
}

// PutFile commits content to path on branch (PUT /repos/{owner}/{repo}/contents/{path})
// as the update of blob blobSHA ("" creates the file) and returns the new
// commit's SHA. When the file changed since it was read GitHub answers 409
// "PATH does not match SHA" (some versions 422), or 422 "sha wasn't
// supplied" when a file read as absent has appeared: those wrap
// app.ErrConflict (and app.ErrPermanent: the same request never succeeds).
func (c *Client) PutFile(ctx context.Context, repo app.Repo, branch, path, message string, content []byte, blobSHA string) (string, error) {
	if err := checkPath(path); err != nil {
		return "", err
	}
	opts := &gh.RepositoryContentFileOptions{Message: gh.String(message), Content: content}
	if content == nil {
		opts.Content = []byte{} // an empty file, not a missing member
	}
	if branch != "" {
		opts.Branch = gh.String(branch)
	}
	if blobSHA != "" {
		opts.SHA = gh.String(blobSHA)
	}
	res, resp, err := c.gh.Repositories.UpdateFile(ctx, repo.Owner, repo.Name, escapeSegments(path), opts)
	if err != nil {
		if isConflict(resp, err) {
			return "", fmt.Errorf("update %s on %s: %w: %w", path, branch, app.ErrConflict, classify(err))
		}
		return "", classify(err)
	}
	if res.GetSHA() == "" {
		return "", app.Permanent(fmt.Errorf("update %s on %s: GitHub answered no commit", path, branch))
	}
	return res.GetSHA(), nil
}

// isConflict recognises GitHub's answers to a stale or missing blob SHA:
// a 409 (but not a 409 for repository rule violations, which re-reading
// cannot cure), or a 422 that says so.
func isConflict(resp *gh.Response, err error) bool {
	if resp == nil {
		return false
	}
	msg := ""
	var er *gh.ErrorResponse
	if errors.As(err, &er) {
		msg = strings.ToLower(er.Message)
	}
	switch resp.StatusCode {
	case http.StatusConflict:
		return !strings.Contains(msg, "rule violation")
	case http.StatusUnprocessableEntity:
		return strings.Contains(msg, "does not match") || strings.Contains(msg, `"sha" wasn't supplied`)
	}
	return false
}

// ListCommits lists branch's newest commits touching path ("" for any), at
// most limit (30 when limit < 1). A repository without commits (GitHub's
// 409) has none.
func (c *Client) ListCommits(ctx context.Context, repo app.Repo, branch, path string, limit int) ([]app.Commit, error) {
	if limit < 1 {
		limit = defaultListLimit
	}
	opts := &gh.CommitsListOptions{SHA: branch, Path: path, ListOptions: gh.ListOptions{PerPage: min(limit, 100)}}
	var out []app.Commit
	for range maxPages {
		list, resp, err := c.gh.Repositories.ListCommits(ctx, repo.Owner, repo.Name, opts)
		if resp != nil && resp.StatusCode == http.StatusConflict {
			return nil, nil
		}
		if err != nil {
			return nil, classify(err)
		}
		for _, rc := range list {
			out = append(out, toCommit(rc))
			if len(out) == limit {
				return out, nil
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return out, nil
}

func toCommit(rc *gh.RepositoryCommit) app.Commit {
	author := rc.GetAuthor().GetLogin()
	if author == "" {
		author = rc.GetCommit().GetAuthor().GetName()
	}
	return app.Commit{SHA: rc.GetSHA(), Message: rc.GetCommit().GetMessage(), Author: author, HTMLURL: rc.GetHTMLURL()}
}

// CompareCommits compares base...head (GET /repos/{owner}/{repo}/compare/{basehead}):
// GitHub's counts of all the commits between them, and the oldest limit of
// those commits, oldest first, read in pages of up to 100. limit < 1 asks
// for the counts only, in one small request.
func (c *Client) CompareCommits(ctx context.Context, repo app.Repo, base, head string, limit int) (app.Comparison, error) {
	opts := &gh.ListOptions{PerPage: min(max(limit, 1), 100), Page: 1}
	var out app.Comparison
	for range maxPages {
		cmp, resp, err := c.gh.Repositories.CompareCommits(ctx, repo.Owner, repo.Name, base, head, opts)
		if err != nil {
			return app.Comparison{}, classify(err)
		}
		if opts.Page == 1 {
			out = app.Comparison{Status: cmp.GetStatus(), AheadBy: cmp.GetAheadBy(), BehindBy: cmp.GetBehindBy(), HTMLURL: cmp.GetHTMLURL()}
		}
		for _, rc := range cmp.Commits {
			if len(out.Commits) >= limit {
				return out, nil
			}
			out.Commits = append(out.Commits, toCommit(rc))
		}
		if len(out.Commits) >= limit || resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return out, nil
}
