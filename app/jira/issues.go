package jira

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	gojira "github.com/andygrunwald/go-jira"

	"github.com/issueops/issueops/app"
)

// AddFixVersion adds the version called versionName to the issue's fix
// versions with an "add" operation, which leaves the issue's other fix
// versions alone and makes a second call a no-op. A missing issue, or one
// the user cannot see, is Jira's 404: app.ErrNotFound. A version name the
// issue's project lacks is Jira's 400: permanent.
func (c *Client) AddFixVersion(ctx context.Context, issueKey, versionName string) error {
	if issueKey == "" || versionName == "" {
		return app.Permanent(errors.New("jira: a fix version needs an issue key and a version name"))
	}
	edit := map[string]any{"update": map[string]any{
		"fixVersions": []any{map[string]any{"add": map[string]string{"name": versionName}}},
	}}
	key := url.PathEscape(issueKey)
	resp, err := c.api.Issue.UpdateIssueWithContext(ctx, key, edit)
	return c.result(http.MethodPut, "/rest/api/2/issue/"+key, resp, err)
}

// LinkRelease puts a remote link from the issue to target. Jira keys remote
// links by globalId within an issue: posting the same globalId again
// updates that link, so a retried step never adds a second one. An empty
// globalID would add a link on every call, so it is refused.
func (c *Client) LinkRelease(ctx context.Context, issueKey, globalID, target, title string) error {
	if issueKey == "" || globalID == "" || target == "" || title == "" {
		return app.Permanent(errors.New("jira: a release link needs an issue key, a global id, a URL and a title"))
	}
	link := &gojira.RemoteLink{GlobalID: globalID, Object: &gojira.RemoteLinkObject{URL: target, Title: title}}
	key := url.PathEscape(issueKey)
	_, resp, err := c.api.Issue.AddRemoteLinkWithContext(ctx, key, link)
	return c.result(http.MethodPost, "/rest/api/2/issue/"+key+"/remotelink", resp, err)
}
