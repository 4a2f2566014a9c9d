package githubtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// parseObject decodes a JSON object body. An empty body and a JSON null
// count as {} (GitHub then reports missing fields, not a parse error; and
// ghinstallation sends "null" when it has no token options). ok is false for
// anything else that is not a JSON object.
func parseObject(body []byte) (m map[string]json.RawMessage, ok bool) {
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]json.RawMessage{}, true
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, false
	}
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	return m, true
}

// stringField reads m[name]: present is false when absent or null, isString
// false when present with another JSON type.
func stringField(m map[string]json.RawMessage, name string) (v string, present, isString bool) {
	raw, ok := m[name]
	if !ok || string(bytes.TrimSpace(raw)) == "null" {
		return "", false, false
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", true, false
	}
	return v, true, true
}

// pathInt parses a numeric path parameter; GitHub 404s on anything else.
func pathInt(c *call, name string) (int64, bool) {
	n, err := strconv.ParseInt(c.params[name], 10, 64)
	return n, err == nil && n > 0
}

func notFound(c *call) *response {
	return errorResponse(http.StatusNotFound, "Not Found", c.rt.doc)
}

// getApp serves GET /app.
func (s *Server) getApp(*call) *response {
	return &response{status: http.StatusOK, body: s.appObject()}
}

// tokenJSON is GitHub's installation-token object.
type tokenJSON struct {
	Token               string            `json:"token"`
	ExpiresAt           string            `json:"expires_at"`
	Permissions         map[string]string `json:"permissions"`
	RepositorySelection string            `json:"repository_selection"`
}

// createInstallationToken serves POST /app/installations/{id}/access_tokens.
// Any positive installation id is taken to be an installation of the App.
func (s *Server) createInstallationToken(c *call) *response {
	instID, ok := pathInt(c, "installation_id")
	if !ok {
		return notFound(c)
	}
	m, ok := parseObject(c.body)
	if !ok {
		return badJSON(c.rt.doc)
	}
	perms := defaultPermissions()
	if raw, ok := m["permissions"]; ok {
		var asked map[string]string
		if err := json.Unmarshal(raw, &asked); err != nil {
			return validationFailed(c.rt.doc, valError{Resource: "Installation", Code: "invalid", Field: "permissions"})
		}
		if len(asked) > 0 {
			perms = asked
		}
	}
	selection := "all"
	if _, ok := m["repositories"]; ok {
		selection = "selected"
	}
	if _, ok := m["repository_ids"]; ok {
		selection = "selected"
	}
	tok := newToken()
	expires := time.Now().Add(s.opts.TokenTTL)
	s.mu.Lock()
	s.st.tokens[tok] = instToken{installationID: instID, expires: expires}
	s.st.issued[instID]++
	s.mu.Unlock()
	return &response{status: http.StatusCreated, body: tokenJSON{
		Token:               tok,
		ExpiresAt:           fmtTime(expires),
		Permissions:         perms,
		RepositorySelection: selection,
	}}
}

// privateUserJSON is GitHub's private-user object (GET /user).
type privateUserJSON struct {
	userJSON
	Name                    string  `json:"name"`
	Company                 *string `json:"company"`
	Blog                    string  `json:"blog"`
	Location                *string `json:"location"`
	Email                   *string `json:"email"`
	Hireable                *bool   `json:"hireable"`
	Bio                     *string `json:"bio"`
	TwitterUsername         *string `json:"twitter_username"`
	PublicRepos             int     `json:"public_repos"`
	PublicGists             int     `json:"public_gists"`
	Followers               int     `json:"followers"`
	Following               int     `json:"following"`
	CreatedAt               string  `json:"created_at"`
	UpdatedAt               string  `json:"updated_at"`
	PrivateGists            int     `json:"private_gists"`
	TotalPrivateRepos       int     `json:"total_private_repos"`
	OwnedPrivateRepos       int     `json:"owned_private_repos"`
	DiskUsage               int     `json:"disk_usage"`
	Collaborators           int     `json:"collaborators"`
	TwoFactorAuthentication bool    `json:"two_factor_authentication"`
}

// getUser serves GET /user. Installation tokens act as no user, so GitHub
// refuses them with 403.
func (s *Server) getUser(c *call) *response {
	if c.who.kind != staticUser {
		return errorResponse(http.StatusForbidden, "Resource not accessible by integration", c.rt.doc)
	}
	created := fmtTime(appCreated())
	return &response{status: http.StatusOK, body: privateUserJSON{
		userJSON:  s.user(c.who.login, c.who.id, "User"),
		Name:      c.who.login,
		CreatedAt: created,
		UpdatedAt: created,
	}}
}
