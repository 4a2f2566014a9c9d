package githubtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"
)

const docUpdateIssue = "https://docs.github.com/rest/issues/issues#update-an-issue"

// stateReasons are the state_reason values GitHub accepts.
var stateReasons = map[string]bool{"completed": true, "not_planned": true, "reopened": true}

// issueEdit is an update-issue body as the fake reads it; nil members were
// not given.
type issueEdit struct {
	title, body, state, reason *string
	bodyNull                   bool
	labels                     []string
	hasLabels                  bool
}

// parseIssueEdit validates title, body, state, state_reason and labels;
// other members are accepted and ignored.
func parseIssueEdit(c *call) (issueEdit, *response) {
	m, ok := parseObject(c.body)
	if !ok {
		return issueEdit{}, badJSON(c.rt.doc)
	}
	var e issueEdit
	invalid := func(field string) *response {
		return validationFailed(c.rt.doc, valError{Resource: "Issue", Code: "invalid", Field: field})
	}
	for name, dst := range map[string]**string{"title": &e.title, "body": &e.body, "state": &e.state, "state_reason": &e.reason} {
		v, present, isString := stringField(m, name)
		switch {
		case present && !isString:
			return e, invalid(name)
		case present:
			*dst = &v
		}
	}
	if raw, has := m["body"]; has && string(bytes.TrimSpace(raw)) == "null" {
		e.bodyNull = true
	}
	switch {
	case e.title != nil && *e.title == "":
		return e, validationFailed(c.rt.doc, valError{Resource: "Issue", Code: "missing_field", Field: "title"})
	case e.state != nil && *e.state != "open" && *e.state != "closed":
		return e, invalid("state")
	case e.reason != nil && !stateReasons[*e.reason]:
		return e, invalid("state_reason")
	}
	if raw, has := m["labels"]; has && string(bytes.TrimSpace(raw)) != "null" {
		e.hasLabels = true
		names, bad := parseLabelNames(&call{r: c.r, rt: c.rt, body: raw})
		var empty []json.RawMessage
		if bad != nil && json.Unmarshal(raw, &empty) == nil && len(empty) == 0 {
			names, bad = nil, nil // [] clears the labels
		}
		if bad != nil {
			return e, bad
		}
		e.labels = names
	}
	return e, nil
}

// apply changes the issue as GitHub does: closing sets closed_at (kept when
// it was closed already) and state_reason (default completed); reopening
// clears closed_at and says reopened.
func (e issueEdit) apply(st *state, r *repoRec, i *issueRec, now time.Time) {
	if e.title != nil {
		i.title = *e.title
	}
	if e.body != nil || e.bodyNull {
		i.body = ""
		if e.body != nil {
			i.body = *e.body
		}
	}
	if e.hasLabels {
		i.labels = nil
		for _, name := range e.labels {
			i.addLabel(st.labelOrCreate(r, name))
		}
	}
	switch {
	case e.state != nil && *e.state == "closed":
		if i.state != "closed" {
			i.closed, i.stateReason = now, "completed"
		}
		i.state = "closed"
		if e.reason != nil && *e.reason != "reopened" {
			i.stateReason = *e.reason
		}
	case e.state != nil && *e.state == "open" && i.state == "closed":
		i.state, i.stateReason, i.closed = "open", "reopened", time.Time{}
	}
	i.updated = now
}

// updateIssue serves PATCH /repos/{owner}/{repo}/issues/{issue_number}:
// 200 with the issue as changed (closing a closed issue is a 200 that keeps
// it as it was closed); 404 for an issue that was not seeded, 400 for bad
// JSON, 422 for an invalid state, state_reason, title or labels. It sends no
// webhook.
func (s *Server) updateIssue(c *call) *response {
	e, bad := parseIssueEdit(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	r, i := s.issueOf(c)
	if i == nil {
		return notFound(c)
	}
	if bad != nil {
		return bad
	}
	e.apply(&s.st, r, i, time.Now())
	return &response{status: http.StatusOK, body: s.renderIssue(r, i)}
}
