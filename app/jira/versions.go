package jira

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	gojira "github.com/andygrunwald/go-jira"

	"github.com/issueops/issueops/app"
)

// EnsureVersion finds project's version called name, or creates it
// (unreleased).
//
// Names match exactly, case included. Jira refuses two names in a project
// that differ only by case, so when the project has "API 1.0" and the
// release asks for "api 1.0" no version can be made: that is a permanent
// error naming both, rather than silently adopting a version whose name
// differs from the one the repository's policy spells (it may belong to
// another team's scheme). Archived and released versions count: a
// version is found whatever its state.
//
// Two creators may race: Jira then answers the slower one 400 "A version
// with this name already exists in this project.". Any 400 on create is
// followed by one more look, and the version found is returned; the
// message is not matched, since Jira translates it.
func (c *Client) EnsureVersion(ctx context.Context, project, name string) (app.JiraVersion, error) {
	if project == "" || name == "" {
		return app.JiraVersion{}, app.Permanent(errors.New("jira: a version needs a project and a name"))
	}
	v, err := c.findVersion(ctx, project, name)
	if v != nil || err != nil {
		return c.appVersion(project, v), err
	}
	v, err = c.createVersion(ctx, project, name)
	var se *StatusError
	if err == nil || !errors.As(err, &se) || se.StatusCode != http.StatusBadRequest {
		return c.appVersion(project, v), err
	}
	again, lookErr := c.findVersion(ctx, project, name)
	switch {
	case again != nil:
		return c.appVersion(project, again), nil
	case lookErr != nil:
		return app.JiraVersion{}, fmt.Errorf("%w (after creating it failed: %v)", lookErr, err)
	}
	return app.JiraVersion{}, err
}

// findVersion returns project's version called name exactly, nil when
// there is none, and a permanent error when one differs only by case.
func (c *Client) findVersion(ctx context.Context, project, name string) (*gojira.Version, error) {
	path := "/rest/api/2/project/" + url.PathEscape(project) + "/versions"
	var versions []gojira.Version
	if err := c.call(ctx, http.MethodGet, path, nil, &versions); err != nil {
		return nil, err
	}
	var near *gojira.Version
	for i := range versions {
		switch {
		case versions[i].Name == name:
			return &versions[i], nil
		case near == nil && strings.EqualFold(versions[i].Name, name):
			near = &versions[i]
		}
	}
	if near != nil {
		return nil, app.Permanent(fmt.Errorf(
			"jira: project %s has version %q, which Jira counts as the same name as %q: rename one of them",
			project, near.Name, name))
	}
	return nil, nil
}

// newVersion is the create body. go-jira's Version names the project only
// by numeric id; Jira also takes the key, which is what the policy has.
type newVersion struct {
	Name     string `json:"name"`
	Project  string `json:"project"`
	Released bool   `json:"released"`
}

func (c *Client) createVersion(ctx context.Context, project, name string) (*gojira.Version, error) {
	var created gojira.Version
	body := newVersion{Name: name, Project: project, Released: false}
	if err := c.call(ctx, http.MethodPost, "/rest/api/2/version", body, &created); err != nil {
		return nil, err
	}
	if created.ID == "" {
		return nil, fmt.Errorf("jira: POST /rest/api/2/version: the answer has no version id")
	}
	return &created, nil
}

// versionRelease is the release body: only these two fields change.
// go-jira's Version would also send the id, which the endpoint does not
// document as writable.
type versionRelease struct {
	Released    bool   `json:"released"`
	ReleaseDate string `json:"releaseDate"`
}

// ReleaseVersion marks the version released on date, as a calendar day in
// date's own location. Releasing a released version again only sets the
// date.
func (c *Client) ReleaseVersion(ctx context.Context, versionID string, date time.Time) error {
	if versionID == "" {
		return app.Permanent(errors.New("jira: no version id to release"))
	}
	path := "/rest/api/2/version/" + url.PathEscape(versionID)
	body := versionRelease{Released: true, ReleaseDate: date.Format(time.DateOnly)}
	return c.call(ctx, http.MethodPut, path, body, nil)
}

// appVersion turns Jira's version into the app's, nil into the zero value.
func (c *Client) appVersion(project string, v *gojira.Version) app.JiraVersion {
	if v == nil {
		return app.JiraVersion{}
	}
	return app.JiraVersion{ID: v.ID, Name: v.Name, ProjectKey: project,
		Released: v.Released != nil && *v.Released,
		URL:      c.site + "/projects/" + url.PathEscape(project) + "/versions/" + url.PathEscape(v.ID)}
}

// call sends one request through go-jira and decodes a 2xx answer into
// out (nil: the body is ignored).
func (c *Client) call(ctx context.Context, method, path string, body, out any) error {
	req, err := c.api.NewRequestWithContext(ctx, method, path, body)
	if err != nil {
		return fmt.Errorf("jira: %s %s: %w", method, path, err)
	}
	resp, err := c.api.Do(req, out)
	return c.result(method, path, resp, err)
}
