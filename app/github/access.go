package github

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/issueops/issueops/app"
)

// escapeSegments escapes each segment of a slash-separated path for a
// request URL: go-github writes most path parameters as given, so a file
// name with "?", "#" or "%" would otherwise change the request.
func escapeSegments(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// permissionLevel is GitHub's answer to the collaborator-permission API;
// go-github v60's RepositoryPermissionLevel has no role_name.
type permissionLevel struct {
	Permission string `json:"permission"`
	RoleName   string `json:"role_name"`
}

// CollaboratorPermission asks GitHub for login's access to repo now
// (GET /repos/{owner}/{repo}/collaborators/{username}/permission). GitHub's
// 404, for someone who is not a collaborator, is no access rather than an
// error; so is an empty login, which can be nobody's.
func (c *Client) CollaboratorPermission(ctx context.Context, repo app.Repo, login string) (app.Permission, error) {
	none := app.Permission{Permission: "none"}
	if login == "" {
		return none, nil
	}
	u := fmt.Sprintf("repos/%s/%s/collaborators/%s/permission", repo.Owner, repo.Name, url.PathEscape(login))
	req, err := c.gh.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return app.Permission{}, app.Permanent(fmt.Errorf("permission of %s in %s: %w", login, repo, err))
	}
	var level permissionLevel
	resp, err := c.gh.Do(ctx, req, &level)
	if notFound(resp) {
		return none, nil
	}
	if err != nil {
		return app.Permission{}, classify(err)
	}
	return app.Permission{Permission: level.Permission, RoleName: level.RoleName}, nil
}

// TeamMember reports whether login is an active member of org's team
// (GET /orgs/{org}/teams/{team_slug}/memberships/{username}). A pending
// invitation is not membership; GitHub's 404 (not a member, or no such
// team) is false without error.
func (c *Client) TeamMember(ctx context.Context, org, team, login string) (bool, error) {
	if org == "" || team == "" || login == "" {
		return false, nil
	}
	m, resp, err := c.gh.Teams.GetTeamMembershipBySlug(ctx, url.PathEscape(org), url.PathEscape(team), url.PathEscape(login))
	if notFound(resp) {
		return false, nil
	}
	if err != nil {
		return false, classify(err)
	}
	return m.GetState() == "active", nil
}
