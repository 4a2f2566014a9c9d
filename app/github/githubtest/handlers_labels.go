package githubtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"unicode/utf8"
)

// maxLabelRunes is GitHub's limit on a label name.
const maxLabelRunes = 50

// labelJSON is GitHub's label object.
type labelJSON struct {
	ID          int64   `json:"id"`
	NodeID      string  `json:"node_id"`
	URL         string  `json:"url"`
	Name        string  `json:"name"`
	Color       string  `json:"color"`
	Default     bool    `json:"default"`
	Description *string `json:"description"`
}

// issueJSON is GitHub's issue object.
type issueJSON struct {
	ID                    int64           `json:"id"`
	NodeID                string          `json:"node_id"`
	URL                   string          `json:"url"`
	RepositoryURL         string          `json:"repository_url"`
	LabelsURL             string          `json:"labels_url"`
	CommentsURL           string          `json:"comments_url"`
	EventsURL             string          `json:"events_url"`
	HTMLURL               string          `json:"html_url"`
	Number                int             `json:"number"`
	State                 string          `json:"state"`
	StateReason           *string         `json:"state_reason"`
	Title                 string          `json:"title"`
	Body                  *string         `json:"body"`
	User                  userJSON        `json:"user"`
	Labels                []labelJSON     `json:"labels"`
	Assignee              *userJSON       `json:"assignee"`
	Assignees             []userJSON      `json:"assignees"`
	Milestone             *struct{}       `json:"milestone"`
	Locked                bool            `json:"locked"`
	ActiveLockReason      *string         `json:"active_lock_reason"`
	Comments              int             `json:"comments"`
	ClosedAt              *string         `json:"closed_at"`
	CreatedAt             string          `json:"created_at"`
	UpdatedAt             string          `json:"updated_at"`
	AuthorAssociation     string          `json:"author_association"`
	Reactions             reactionsRollup `json:"reactions"`
	TimelineURL           string          `json:"timeline_url"`
	PerformedViaGithubApp *appJSON        `json:"performed_via_github_app"`
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) renderLabel(r *repoRec, l *labelRec) labelJSON {
	return labelJSON{
		ID: l.id, NodeID: nodeID("LA", l.id), URL: s.repoAPI(r) + "/labels/" + url.PathEscape(l.name),
		Name: l.name, Color: l.color, Default: l.isDefault, Description: optString(l.description),
	}
}

func (s *Server) renderLabels(r *repoRec, i *issueRec) []labelJSON {
	out := make([]labelJSON, len(i.labels))
	for n, l := range i.labels {
		out[n] = s.renderLabel(r, l)
	}
	return out
}

// renderIssue builds the issue object; comments and reactions are the ones
// the fake holds for the issue. s.mu must be held.
func (s *Server) renderIssue(r *repoRec, i *issueRec) issueJSON {
	api := fmt.Sprintf("%s/issues/%d", s.repoAPI(r), i.number)
	key := mkRepoKey(r.owner, r.name)
	out := issueJSON{
		ID: i.id, NodeID: nodeID("I", i.id), URL: api, RepositoryURL: s.repoAPI(r),
		LabelsURL: api + "/labels{/name}", CommentsURL: api + "/comments", EventsURL: api + "/events",
		HTMLURL: fmt.Sprintf("%s/issues/%d", repoHTML(r), i.number), Number: i.number,
		State: i.state, Title: i.title, Body: optString(i.body),
		User:   s.user(i.login, stableID(i.login), "User"),
		Labels: s.renderLabels(r, i), Assignees: []userJSON{},
		Comments:  len(s.st.byIssue[issueKey{key, i.number}]),
		CreatedAt: fmtTime(i.created), UpdatedAt: fmtTime(i.updated),
		AuthorAssociation: "NONE", TimelineURL: api + "/timeline",
		Reactions: reactionsRollup{URL: api + "/reactions"},
	}
	out.StateReason = optString(i.stateReason)
	if i.state == "closed" {
		out.ClosedAt = optString(fmtTime(i.closed))
	}
	rr := &out.Reactions
	for _, re := range s.st.reactions[reactionTarget{key, false, int64(i.number)}] {
		rr.TotalCount++
		switch re.content {
		case "+1":
			rr.PlusOne++
		case "-1":
			rr.MinusOne++
		case "laugh":
			rr.Laugh++
		case "confused":
			rr.Confused++
		case "heart":
			rr.Heart++
		case "hooray":
			rr.Hooray++
		case "eyes":
			rr.Eyes++
		case "rocket":
			rr.Rocket++
		}
	}
	return out
}

// issueOf finds the seeded issue a call names; s.mu must be held.
func (s *Server) issueOf(c *call) (*repoRec, *issueRec) {
	n, ok := pathInt(c, "issue_number")
	if !ok || n > 1<<31-1 {
		return nil, nil
	}
	return s.st.issue(c.params["owner"], c.params["repo"], int(n))
}

// getIssue serves GET /repos/{owner}/{repo}/issues/{issue_number}: 200 with
// the issue, 404 when it was not seeded.
func (s *Server) getIssue(c *call) *response {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, i := s.issueOf(c)
	if i == nil {
		return notFound(c)
	}
	return &response{status: http.StatusOK, body: s.renderIssue(r, i)}
}

// addLabels serves POST /repos/{owner}/{repo}/issues/{issue_number}/labels
// with {"labels":[...]} or a bare array (as go-github sends), each item a
// name or {"name":...}. Labels the issue has already are kept once, unknown
// ones are created on the repository; 200 with all the issue's labels. 404
// for an issue that was not seeded, 400 for bad JSON, 422 for a body without
// label names.
func (s *Server) addLabels(c *call) *response {
	names, bad := parseLabelNames(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	r, i := s.issueOf(c)
	if i == nil {
		return notFound(c)
	}
	if bad != nil {
		return bad
	}
	for _, name := range names {
		i.addLabel(s.st.labelOrCreate(r, name))
	}
	return &response{status: http.StatusOK, body: s.renderLabels(r, i)}
}

// removeLabel serves DELETE
// /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}: 200 with the
// labels left, 404 "Label does not exist" when the issue lacks it, 404 "Not
// Found" for an issue that was not seeded. The matcher has already decoded
// an escaped name ("issueops%3Ainvalid").
func (s *Server) removeLabel(c *call) *response {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, i := s.issueOf(c)
	if i == nil {
		return notFound(c)
	}
	if !i.removeLabel(c.params["name"]) {
		return errorResponse(http.StatusNotFound, "Label does not exist", c.rt.doc)
	}
	return &response{status: http.StatusOK, body: s.renderLabels(r, i)}
}

// parseLabelNames reads an add-labels body.
func parseLabelNames(c *call) ([]string, *response) {
	invalid := func(field string) *response {
		return validationFailed(c.rt.doc, valError{Resource: "Label", Code: "invalid", Field: field})
	}
	var items []json.RawMessage
	if body := bytes.TrimSpace(c.body); len(body) > 0 && body[0] == '[' {
		if err := json.Unmarshal(body, &items); err != nil {
			return nil, badJSON(c.rt.doc)
		}
	} else {
		m, ok := parseObject(c.body)
		if !ok {
			return nil, badJSON(c.rt.doc)
		}
		raw, present := m["labels"]
		if !present || string(bytes.TrimSpace(raw)) == "null" {
			return nil, validationFailed(c.rt.doc, valError{Resource: "Label", Code: "missing_field", Field: "labels"})
		}
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, invalid("labels")
		}
	}
	if len(items) == 0 {
		return nil, invalid("labels")
	}
	names := make([]string, 0, len(items))
	for _, item := range items {
		var name string
		if err := json.Unmarshal(item, &name); err != nil {
			var obj struct{ Name *string }
			if err := json.Unmarshal(item, &obj); err != nil || obj.Name == nil {
				return nil, invalid("labels")
			}
			name = *obj.Name
		}
		if name == "" || utf8.RuneCountInString(name) > maxLabelRunes {
			return nil, invalid("name")
		}
		names = append(names, name)
	}
	return names, nil
}
