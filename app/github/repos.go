package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	gh "github.com/google/go-github/v60/github"

	"github.com/issueops/issueops/app"
)

// DefaultBranch returns the repository's default branch, where policy and
// forms are read from.
func (c *Client) DefaultBranch(ctx context.Context, repo app.Repo) (string, error) {
	r, _, err := c.gh.Repositories.Get(ctx, repo.Owner, repo.Name)
	if err != nil {
		return "", classify(err)
	}
	if r.GetDefaultBranch() == "" {
		return "", app.Permanent(fmt.Errorf("repository %s has no default branch", repo))
	}
	return r.GetDefaultBranch(), nil
}

// ReadFile returns the content of the file at path on ref; found is false
// when there is no such path.
func (c *Client) ReadFile(ctx context.Context, repo app.Repo, ref, path string) ([]byte, bool, error) {
	f, found, err := c.GetFile(ctx, repo, ref, path)
	return f.Content, found, err
}

// GetFile reads the file at path on branch (or any ref) with its blob SHA,
// which an update must name; found is false when there is no such path.
func (c *Client) GetFile(ctx context.Context, repo app.Repo, branch, path string) (app.FileVersion, bool, error) {
	file, _, found, err := c.contents(ctx, repo, branch, path)
	if err != nil || !found {
		return app.FileVersion{}, false, err
	}
	if file == nil {
		return app.FileVersion{}, false, app.Permanent(fmt.Errorf("%s is a directory, not a file", path))
	}
	content, err := file.GetContent()
	if err != nil {
		return app.FileVersion{}, false, app.Permanent(fmt.Errorf("decode %s: %w", path, err))
	}
	return app.FileVersion{Content: []byte(content), BlobSHA: file.GetSHA()}, true, nil
}

// contents reads path at ref: a file, or a directory's entries; found is
// false when there is no such path. go-github refuses a path containing
// "..", which no retry changes.
func (c *Client) contents(ctx context.Context, repo app.Repo, ref, path string) (*gh.RepositoryContent, []*gh.RepositoryContent, bool, error) {
	file, dir, resp, err := c.gh.Repositories.GetContents(ctx, repo.Owner, repo.Name, path, &gh.RepositoryContentGetOptions{Ref: ref})
	if errors.Is(err, gh.ErrPathForbidden) {
		return nil, nil, false, app.Permanent(fmt.Errorf("path %q: %w", path, err))
	}
	if notFound(resp) {
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, classify(err)
	}
	return file, dir, true, nil
}

// ListDir returns the names of the files (not directories) in the directory
// at path on ref; found is false when there is no such path.
func (c *Client) ListDir(ctx context.Context, repo app.Repo, ref, path string) ([]string, bool, error) {
	_, entries, found, err := c.contents(ctx, repo, ref, path)
	if err != nil || !found {
		return nil, false, err
	}
	var names []string
	for _, entry := range entries {
		if entry.GetType() == "file" {
			names = append(names, entry.GetName())
		}
	}
	return names, true, nil
}

// ResolveRef returns the full SHA of the commit a branch, tag or SHA names;
// found is false when GitHub knows no such commit (it answers 404 or 422).
func (c *Client) ResolveRef(ctx context.Context, repo app.Repo, ref string) (string, bool, error) {
	sha, resp, err := c.gh.Repositories.GetCommitSHA1(ctx, repo.Owner, repo.Name, ref, "")
	if notFound(resp) || (resp != nil && resp.StatusCode == http.StatusUnprocessableEntity) {
		return "", false, nil
	}
	if err != nil {
		return "", false, classify(err)
	}
	return sha, true, nil
}

func notFound(resp *gh.Response) bool {
	return resp != nil && resp.StatusCode == http.StatusNotFound
}

// OnBranch compares branch with sha: "identical" or "behind" means sha is
// branch's head or one of its ancestors. One commit per page keeps the
// answer small whatever the distance.
func (c *Client) OnBranch(ctx context.Context, repo app.Repo, branch, sha string) (bool, error) {
	comp, resp, err := c.gh.Repositories.CompareCommits(ctx, repo.Owner, repo.Name, branch, sha, &gh.ListOptions{PerPage: 1})
	if notFound(resp) {
		return false, nil // no common ancestor: not on the branch
	}
	if err != nil {
		return false, classify(err)
	}
	return comp.GetStatus() == "identical" || comp.GetStatus() == "behind", nil
}
