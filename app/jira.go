package app

import (
	"context"
	"time"
)

// JiraVersion is a Jira project version (a "fix version").
type JiraVersion struct {
	ID         string
	Name       string
	ProjectKey string
	Released   bool
	// URL is the version's page for people, for links in comments.
	URL string
}

// Jira records a release as a fix version on the issues it ships.
//
// Contract:
//   - EnsureVersion finds project's version called name, or creates it
//     (unreleased); calling it again returns the same version.
//   - AddFixVersion adds the version called name to the issue's fix
//     versions; an issue that has it already is not an error. An issue
//     that does not exist, or that the user cannot see, is ErrNotFound
//     (wrapped).
//   - LinkRelease puts a remote link from the issue to url, titled title,
//     keyed by globalID: calling it again with the same globalID updates
//     that link instead of adding another (Jira's own rule).
//   - ReleaseVersion marks the version released on date.
//
// Errors: a 429 is a *RetryAfterError carrying Jira's Retry-After (a
// minute when it gave none); 5xx, timeouts and network failures are
// transient; other 4xx are Permanent. No error text carries the token.
type Jira interface {
	EnsureVersion(ctx context.Context, project, name string) (JiraVersion, error)
	AddFixVersion(ctx context.Context, issueKey, versionName string) error
	LinkRelease(ctx context.Context, issueKey, globalID, url, title string) error
	ReleaseVersion(ctx context.Context, versionID string, date time.Time) error
}
