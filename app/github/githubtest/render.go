package githubtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// ghTime is GitHub's timestamp format (UTC, whole seconds).
const ghTime = "2006-01-02T15:04:05Z"

func fmtTime(t time.Time) string { return t.UTC().Format(ghTime) }

// nodeID imitates GitHub's opaque global ids ("IC_kwDO...").
func nodeID(prefix string, id int64) string {
	return prefix + "_kwDO" + base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10)))
}

// apiError is GitHub's error body.
type apiError struct {
	Message          string     `json:"message"`
	Errors           []valError `json:"errors,omitempty"`
	DocumentationURL string     `json:"documentation_url"`
	Status           string     `json:"status"`
}

// valError is one entry of a 422 "Validation Failed" body.
type valError struct {
	Resource string `json:"resource"`
	Code     string `json:"code"`
	Field    string `json:"field"`
	Message  string `json:"message,omitempty"`
}

func errorResponse(status int, msg, doc string) *response {
	return &response{status: status, body: apiError{Message: msg, DocumentationURL: doc, Status: strconv.Itoa(status)}}
}

func validationFailed(doc string, errs ...valError) *response {
	return &response{status: http.StatusUnprocessableEntity, body: apiError{
		Message: "Validation Failed", Errors: errs, DocumentationURL: doc, Status: "422",
	}}
}

func badJSON(doc string) *response {
	return errorResponse(http.StatusBadRequest, "Problems parsing JSON", doc)
}

// userJSON is GitHub's simple-user object.
type userJSON struct {
	Login             string `json:"login"`
	ID                int64  `json:"id"`
	NodeID            string `json:"node_id"`
	AvatarURL         string `json:"avatar_url"`
	GravatarID        string `json:"gravatar_id"`
	URL               string `json:"url"`
	HTMLURL           string `json:"html_url"`
	FollowersURL      string `json:"followers_url"`
	FollowingURL      string `json:"following_url"`
	GistsURL          string `json:"gists_url"`
	StarredURL        string `json:"starred_url"`
	SubscriptionsURL  string `json:"subscriptions_url"`
	OrganizationsURL  string `json:"organizations_url"`
	ReposURL          string `json:"repos_url"`
	EventsURL         string `json:"events_url"`
	ReceivedEventsURL string `json:"received_events_url"`
	Type              string `json:"type"`
	UserViewType      string `json:"user_view_type"`
	SiteAdmin         bool   `json:"site_admin"`
}

func (s *Server) user(login string, id int64, typ string) userJSON {
	u := s.URL + "users/" + login
	html := "https://github.com/" + login
	prefix := "U"
	if typ == "Bot" {
		prefix = "BOT"
		html = "https://github.com/apps/" + s.opts.AppSlug
	}
	return userJSON{
		Login: login, ID: id, NodeID: nodeID(prefix, id),
		AvatarURL:         fmt.Sprintf("https://avatars.githubusercontent.com/u/%d?v=4", id),
		URL:               u,
		HTMLURL:           html,
		FollowersURL:      u + "/followers",
		FollowingURL:      u + "/following{/other_user}",
		GistsURL:          u + "/gists{/gist_id}",
		StarredURL:        u + "/starred{/owner}{/repo}",
		SubscriptionsURL:  u + "/subscriptions",
		OrganizationsURL:  u + "/orgs",
		ReposURL:          u + "/repos",
		EventsURL:         u + "/events{/privacy}",
		ReceivedEventsURL: u + "/received_events",
		Type:              typ,
		UserViewType:      "public",
	}
}

// appJSON is GitHub's integration (App) object.
type appJSON struct {
	ID                 int64             `json:"id"`
	Slug               string            `json:"slug"`
	NodeID             string            `json:"node_id"`
	ClientID           string            `json:"client_id"`
	Owner              userJSON          `json:"owner"`
	Name               string            `json:"name"`
	Description        string            `json:"description"`
	ExternalURL        string            `json:"external_url"`
	HTMLURL            string            `json:"html_url"`
	CreatedAt          string            `json:"created_at"`
	UpdatedAt          string            `json:"updated_at"`
	Permissions        map[string]string `json:"permissions"`
	Events             []string          `json:"events"`
	InstallationsCount int               `json:"installations_count"`
}

// appCreated is a fixed creation time for the App object.
func appCreated() time.Time { return time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC) }

func (s *Server) appObject() appJSON {
	owner := s.user("issueops", stableID("issueops"), "Organization")
	owner.NodeID = nodeID("O", owner.ID)
	return appJSON{
		ID: s.opts.AppID, Slug: s.opts.AppSlug, NodeID: nodeID("A", s.opts.AppID),
		ClientID:    "Iv1." + fmt.Sprintf("%016x", uint64(s.opts.AppID)*2654435761),
		Owner:       owner,
		Name:        s.opts.AppSlug,
		Description: "issueops test App",
		ExternalURL: "https://github.com/issueops/issueops",
		HTMLURL:     "https://github.com/apps/" + s.opts.AppSlug,
		CreatedAt:   fmtTime(appCreated()), UpdatedAt: fmtTime(appCreated()),
		Permissions:        defaultPermissions(),
		Events:             []string{"issue_comment", "issues"},
		InstallationsCount: 1,
	}
}

func defaultPermissions() map[string]string {
	return map[string]string{"issues": "write", "metadata": "read"}
}

// reactionsRollup is the "reactions" summary embedded in comments.
type reactionsRollup struct {
	URL        string `json:"url"`
	TotalCount int    `json:"total_count"`
	PlusOne    int    `json:"+1"`
	MinusOne   int    `json:"-1"`
	Laugh      int    `json:"laugh"`
	Confused   int    `json:"confused"`
	Heart      int    `json:"heart"`
	Hooray     int    `json:"hooray"`
	Eyes       int    `json:"eyes"`
	Rocket     int    `json:"rocket"`
}

// commentJSON is GitHub's issue-comment object.
type commentJSON struct {
	ID                    int64           `json:"id"`
	NodeID                string          `json:"node_id"`
	URL                   string          `json:"url"`
	HTMLURL               string          `json:"html_url"`
	Body                  string          `json:"body"`
	User                  userJSON        `json:"user"`
	CreatedAt             string          `json:"created_at"`
	UpdatedAt             string          `json:"updated_at"`
	IssueURL              string          `json:"issue_url"`
	AuthorAssociation     string          `json:"author_association"`
	PerformedViaGithubApp *appJSON        `json:"performed_via_github_app"`
	Reactions             reactionsRollup `json:"reactions"`
}

// commentURL is a comment's API URL (also sent as Location on create).
func (s *Server) commentURL(c *commentRec) string {
	return fmt.Sprintf("%srepos/%s/%s/issues/comments/%d", s.URL, c.owner, c.repo, c.id)
}

// renderComment must be called with s.mu held (it reads the record).
func (s *Server) renderComment(c *commentRec) commentJSON {
	n := c.reactionsN
	out := commentJSON{
		ID:                c.id,
		NodeID:            nodeID("IC", c.id),
		URL:               s.commentURL(c),
		HTMLURL:           fmt.Sprintf("https://github.com/%s/%s/issues/%d#issuecomment-%d", c.owner, c.repo, c.issue.number, c.id),
		Body:              c.body,
		User:              s.user(c.login, c.userID, c.userType),
		CreatedAt:         fmtTime(c.created),
		UpdatedAt:         fmtTime(c.updated),
		IssueURL:          fmt.Sprintf("%srepos/%s/%s/issues/%d", s.URL, c.owner, c.repo, c.issue.number),
		AuthorAssociation: "NONE",
		Reactions: reactionsRollup{
			URL:     s.commentURL(c) + "/reactions",
			PlusOne: n["+1"], MinusOne: n["-1"], Laugh: n["laugh"], Confused: n["confused"],
			Heart: n["heart"], Hooray: n["hooray"], Eyes: n["eyes"], Rocket: n["rocket"],
		},
	}
	for _, v := range n {
		out.Reactions.TotalCount += v
	}
	if c.viaApp {
		a := s.appObject()
		out.PerformedViaGithubApp = &a
	}
	return out
}

// reactionJSON is GitHub's reaction object.
type reactionJSON struct {
	ID        int64    `json:"id"`
	NodeID    string   `json:"node_id"`
	User      userJSON `json:"user"`
	Content   string   `json:"content"`
	CreatedAt string   `json:"created_at"`
}

func (s *Server) renderReaction(r *reactionRec) reactionJSON {
	return reactionJSON{
		ID: r.id, NodeID: nodeID("REA", r.id),
		User:    s.user(r.login, r.userID, r.userType),
		Content: r.content, CreatedAt: fmtTime(r.created),
	}
}

// write sends resp with the headers GitHub puts on every response. A 304
// and a 204 carry no body; a 304 is, as on GitHub, not charged to the rate
// limit.
func (s *Server) write(w http.ResponseWriter, who *identity, resp *response) {
	payload, ctype := resp.raw, resp.contentType
	noBody := resp.status == http.StatusNotModified || resp.status == http.StatusNoContent
	if payload == nil && !noBody {
		var err error
		if payload, err = json.Marshal(resp.body); err != nil {
			resp = errorResponse(http.StatusInternalServerError, "githubtest: "+err.Error(), docRoot)
			payload, _ = json.Marshal(resp.body)
		}
		ctype = "application/json; charset=utf-8"
	}
	h := w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	if ctype != "" {
		h.Set("Content-Type", ctype)
	}
	if h.Get("X-GitHub-Media-Type") == "" {
		h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	}
	h.Set("X-GitHub-Api-Version-Selected", "2022-11-28")
	if h.Get("X-GitHub-Request-Id") == "" {
		h.Set("X-GitHub-Request-Id", s.requestID())
	}
	if h.Get("X-Ratelimit-Limit") == "" {
		limit, remaining, used, reset := s.countRate(who, time.Now(), resp.status != http.StatusNotModified)
		setRateHeaders(h, limit, remaining, used, reset)
	}
	if !noBody {
		h.Set("Content-Length", strconv.Itoa(len(payload)))
	}
	w.WriteHeader(resp.status)
	if len(payload) > 0 {
		_, _ = w.Write(payload)
	}
}

func setRateHeaders(h http.Header, limit, remaining, used int, reset time.Time) {
	h.Set("X-Ratelimit-Limit", strconv.Itoa(limit))
	h.Set("X-Ratelimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-Ratelimit-Used", strconv.Itoa(used))
	h.Set("X-Ratelimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("X-Ratelimit-Resource", "core")
}

// requestID imitates GitHub's "XXXX:XXXX:XXXXXX:XXXXXX:XXXXXXXX" ids.
func (s *Server) requestID() string {
	n := s.reqSeq.Add(1)
	return fmt.Sprintf("FA4E:%04X:%06X:%06X:%08X", n>>48&0xFFFF, n>>24&0xFFFFFF, n&0xFFFFFF, uint32(time.Now().Unix()))
}
