package githubtest

import (
	"fmt"
	"net/http"
	"strings"
)

// Who may do what: collaborator permissions and team memberships, which
// the app asks GitHub for instead of trusting a payload's
// author_association. Nothing is granted unless a test says so: an unknown
// login is a 404, as GitHub answers for someone who is not a collaborator.

const (
	docPermission = "https://docs.github.com/rest/collaborators/collaborators#get-repository-permissions-for-a-user"
	docMembership = "https://docs.github.com/rest/teams/members#get-team-membership-for-a-user"
)

type permissionKey struct {
	repoKey
	login string // lower-cased: logins match case-insensitively
}

type permissionRec struct {
	login            string // as set
	permission, role string
}

type teamKey struct{ org, team, login string } // all lower-cased

type access struct {
	permissions map[permissionKey]permissionRec
	teams       map[teamKey]string // state: "active" or "pending"
}

func (a *access) reset() {
	a.permissions = make(map[permissionKey]permissionRec)
	a.teams = make(map[teamKey]string)
}

// legacyPermissions are the values GitHub's "permission" field takes.
var legacyPermissions = map[string]bool{"admin": true, "write": true, "read": true, "none": true}

// SetPermission makes login a collaborator of owner/repo with GitHub's
// legacy permission (admin, write, read or none) and repository role
// (admin, maintain, write, triage, read or a custom role's name), as
// GET /repos/{owner}/{repo}/collaborators/{username}/permission answers
// them. Without an entry that endpoint answers 404. An empty permission
// removes the entry. It panics on a permission GitHub never answers.
func (s *Server) SetPermission(owner, repo, login, permission, roleName string) {
	if permission != "" && !legacyPermissions[permission] {
		panic(fmt.Sprintf("githubtest: SetPermission: invalid permission %q", permission))
	}
	k := permissionKey{mkRepoKey(owner, repo), strings.ToLower(login)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if permission == "" {
		delete(s.st.access.permissions, k)
		return
	}
	s.st.access.permissions[k] = permissionRec{login: login, permission: permission, role: roleName}
}

// SetTeamMember records login's membership of org's team (by slug) with
// state "active" or "pending" (an invitation not yet accepted); "" removes
// it. Unknown memberships answer 404, as GitHub does for a non-member. It
// panics on any other state.
func (s *Server) SetTeamMember(org, team, login, state string) {
	switch state {
	case "", "active", "pending":
	default:
		panic(fmt.Sprintf("githubtest: SetTeamMember: invalid state %q", state))
	}
	k := teamKey{strings.ToLower(org), strings.ToLower(team), strings.ToLower(login)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if state == "" {
		delete(s.st.access.teams, k)
		return
	}
	s.st.access.teams[k] = state
}

// collaboratorJSON is GitHub's collaborator object: a simple user with
// the collaborator's permissions and role.
type collaboratorJSON struct {
	userJSON
	Permissions map[string]bool `json:"permissions"`
	RoleName    string          `json:"role_name"`
}

// rolePermissions is the permissions object GitHub gives each role.
func rolePermissions(permission, role string) map[string]bool {
	p := map[string]bool{"admin": false, "maintain": false, "push": false, "triage": false, "pull": false}
	switch {
	case role == "admin" || permission == "admin":
		p["admin"], p["maintain"], p["push"], p["triage"], p["pull"] = true, true, true, true, true
	case role == "maintain":
		p["maintain"], p["push"], p["triage"], p["pull"] = true, true, true, true
	case role == "write" || permission == "write":
		p["push"], p["triage"], p["pull"] = true, true, true
	case role == "triage":
		p["triage"], p["pull"] = true, true
	case permission == "read":
		p["pull"] = true
	}
	return p
}

// getPermission serves
// GET /repos/{owner}/{repo}/collaborators/{username}/permission: 200 with
// {permission, role_name, user}, 404 for a login without an entry.
func (s *Server) getPermission(c *call) *response {
	k := permissionKey{mkRepoKey(c.params["owner"], c.params["repo"]), strings.ToLower(c.params["username"])}
	s.mu.Lock()
	p, ok := s.st.access.permissions[k]
	s.mu.Unlock()
	if !ok {
		return notFound(c)
	}
	user := collaboratorJSON{
		userJSON:    s.userFor(p.login),
		Permissions: rolePermissions(p.permission, p.role),
		RoleName:    p.role,
	}
	return &response{status: http.StatusOK, body: map[string]any{
		"permission": p.permission, "role_name": p.role, "user": user,
	}}
}

// getMembership serves GET /orgs/{org}/teams/{team_slug}/memberships/{username}:
// 200 {url, role, state}, 404 for someone who is neither a member nor invited.
func (s *Server) getMembership(c *call) *response {
	org, team, login := c.params["org"], c.params["team_slug"], c.params["username"]
	s.mu.Lock()
	state, ok := s.st.access.teams[teamKey{strings.ToLower(org), strings.ToLower(team), strings.ToLower(login)}]
	s.mu.Unlock()
	if !ok {
		return notFound(c)
	}
	return &response{status: http.StatusOK, body: map[string]any{
		"url":   fmt.Sprintf("%sorganizations/%d/team/%d/memberships/%s", s.URL, stableID("org:"+strings.ToLower(org)), stableID("team:"+strings.ToLower(org+"/"+team)), login),
		"role":  "member",
		"state": state,
	}}
}

// userFor renders the user behind a login: "<slug>[bot]" is the App's bot,
// any other "[bot]" login another App's, the rest humans.
func (s *Server) userFor(login string) userJSON {
	a := s.namedActor(login)
	return s.user(a.login, a.id, a.userType)
}

// actor is who made something the fake stores, as its records keep it.
type actor struct {
	login          string
	id             int64
	userType       string // "User" or "Bot"
	viaApp         bool   // made with one of the App's installation tokens
	installationID int64
}

func actorOf(who *identity) actor {
	return actor{login: who.login, id: who.id, userType: who.userType,
		viaApp: who.kind == installation, installationID: who.installationID}
}

// namedActor is the actor a seeding helper names by login.
func (s *Server) namedActor(login string) actor {
	switch {
	case strings.EqualFold(login, s.opts.AppSlug+"[bot]"):
		return actor{login: s.opts.AppSlug + "[bot]", id: s.botUserID(), userType: "Bot", viaApp: true}
	case strings.HasSuffix(login, "[bot]"):
		return actor{login: login, id: stableID(login), userType: "Bot"}
	}
	return actor{login: login, id: stableID(login), userType: "User"}
}

// noteInstallation remembers which installation last worked on a
// repository, so that events the fake sends on a test's behalf (a status
// from the CD system, a finished run) carry the installation the app
// expects, as GitHub's App deliveries do.
func (s *Server) noteInstallation(who *identity, params map[string]string) {
	if who == nil || who.kind != installation || params["owner"] == "" || params["repo"] == "" {
		return
	}
	s.mu.Lock()
	s.st.installs[mkRepoKey(params["owner"], params["repo"])] = who.installationID
	s.mu.Unlock()
}
