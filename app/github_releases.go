package app

import (
	"context"
	"errors"
)

// ErrAlreadyExists is returned by a create that found the thing already
// there (GitHub's 422 "Reference already exists"): the caller reads it and
// decides whether it is its own earlier write.
var ErrAlreadyExists = errors.New("already exists")

// GitRelease is a GitHub release.
type GitRelease struct {
	ID         int64
	TagName    string
	Name       string
	Body       string
	HTMLURL    string
	Draft      bool
	Prerelease bool
}

// NewGitRelease is what CreateRelease asks GitHub for. The tag exists
// already when it is called (CreateTag); TargetSHA is sent all the same, so
// that a tag deleted meanwhile is made again at that exact commit rather
// than at the default branch's head (GitHub ignores it for an existing tag).
type NewGitRelease struct {
	TagName    string
	TargetSHA  string
	Name       string
	Body       string
	Draft      bool
	Prerelease bool
	// NotLatest keeps GitHub from marking it the repository's latest
	// release (a fix of an older line: 1.4.1 after 2.0.0); otherwise
	// GitHub's default applies.
	NotLatest bool
}

// Releases tags commits and publishes GitHub releases.
//
// Contract:
//   - ListTagNames returns the names (without refs/tags/) of every tag that
//     starts with prefix, reading every page of the matching-refs API.
//   - TagCommit answers the commit SHA refs/tags/name points at, an
//     annotated tag peeled to its commit; found=false when there is no such
//     tag.
//   - CreateTag creates the lightweight tag refs/tags/name at sha. A tag
//     that exists already is ErrAlreadyExists (wrapped, permanent): the
//     caller reads it with TagCommit.
//   - FindRelease finds the release of tag, drafts included (which GitHub's
//     releases/tags/{tag} endpoint never returns), among the repository's
//     newest 100 releases; found=false when there is none.
//   - CreateRelease creates a release of an existing tag; it is not
//     idempotent on GitHub's side, so callers FindRelease first.
//   - ListCommitsFrom returns up to limit commits reachable from sha,
//     newest first, for a first release, which has no tag to compare with.
//   - CompareAll returns base...head with every commit, oldest first,
//     reading every page of the compare API (250 commits a page), up to
//     limit commits.
//
// Errors are classified as for the rest of GitHub.
type Releases interface {
	ListTagNames(ctx context.Context, repo Repo, prefix string) ([]string, error)
	TagCommit(ctx context.Context, repo Repo, name string) (sha string, found bool, err error)
	CreateTag(ctx context.Context, repo Repo, name, sha string) error
	FindRelease(ctx context.Context, repo Repo, tag string) (GitRelease, bool, error)
	CreateRelease(ctx context.Context, repo Repo, r NewGitRelease) (GitRelease, error)
	ListCommitsFrom(ctx context.Context, repo Repo, sha string, limit int) ([]Commit, error)
	CompareAll(ctx context.Context, repo Repo, base, head string, limit int) (Comparison, error)
}
