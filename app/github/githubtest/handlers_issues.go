package githubtest

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxCommentRunes is GitHub's limit on a comment body.
const maxCommentRunes = 65536

// reactionContents are the reactions GitHub accepts.
func validReaction(content string) bool {
	switch content {
	case "+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes":
		return true
	}
	return false
}

// createCommentReaction serves
// POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions.
func (s *Server) createCommentReaction(c *call) *response {
	return s.react(c, "comment_id", true)
}

// createIssueReaction serves POST /repos/{owner}/{repo}/issues/{issue_number}/reactions.
func (s *Server) createIssueReaction(c *call) *response {
	return s.react(c, "issue_number", false)
}

// react creates a reaction, or returns 200 with the existing one when the
// same user already left the same content: GitHub's idempotent behaviour.
// Comments the fake has never seen are assumed to exist (they were written on
// github.com); a comment it knows in another repository is a 404.
func (s *Server) react(c *call, param string, onComment bool) *response {
	id, ok := pathInt(c, param)
	if !ok {
		return notFound(c)
	}
	m, ok := parseObject(c.body)
	if !ok {
		return badJSON(c.rt.doc)
	}
	content, present, isString := stringField(m, "content")
	switch {
	case !present:
		return validationFailed(c.rt.doc, valError{Resource: "Reaction", Code: "missing_field", Field: "content"})
	case !isString || !validReaction(content):
		return validationFailed(c.rt.doc, valError{Resource: "Reaction", Code: "invalid", Field: "content"})
	}
	owner, repo := c.params["owner"], c.params["repo"]
	t := reactionTarget{mkRepoKey(owner, repo), onComment, id}
	s.mu.Lock()
	if onComment {
		if known := s.st.comments[id]; known != nil && known.issue.repoKey != t.repoKey {
			s.mu.Unlock()
			return notFound(c)
		}
	}
	rec, created := s.st.react(t, content, c.who, time.Now())
	out := s.renderReaction(rec)
	s.mu.Unlock()
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return &response{status: status, body: out}
}

// commentBody validates the "body" field of a create/update request.
func commentBody(c *call) (string, *response) {
	m, ok := parseObject(c.body)
	if !ok {
		return "", badJSON(c.rt.doc)
	}
	body, present, isString := stringField(m, "body")
	switch {
	case present && !isString:
		return "", &response{status: http.StatusUnprocessableEntity, body: apiError{
			Message:          fmt.Sprintf("Invalid request.\n\nFor 'properties/body', %s is not a string.", strings.TrimSpace(string(m["body"]))),
			DocumentationURL: c.rt.doc, Status: "422",
		}}
	case !present || body == "":
		return "", validationFailed(c.rt.doc, valError{Resource: "IssueComment", Code: "missing_field", Field: "body"})
	case utf8.RuneCountInString(body) > maxCommentRunes:
		return "", validationFailed(c.rt.doc, valError{Resource: "IssueComment", Code: "custom", Field: "body",
			Message: fmt.Sprintf("Body is too long (maximum is %d characters)", maxCommentRunes)})
	}
	return body, nil
}

// createComment serves POST /repos/{owner}/{repo}/issues/{issue_number}/comments.
// Every positive issue number is taken to exist.
func (s *Server) createComment(c *call) *response {
	issue, ok := pathInt(c, "issue_number")
	if !ok || issue > 1<<31-1 {
		return notFound(c)
	}
	body, errResp := commentBody(c)
	if errResp != nil {
		return errResp
	}
	s.mu.Lock()
	rec := s.st.addComment(c.params["owner"], c.params["repo"], int(issue), body, c.who, time.Now())
	out := s.renderComment(rec)
	s.mu.Unlock()
	return &response{status: http.StatusCreated, body: out, header: http.Header{"Location": {out.URL}}}
}

// getComment serves GET /repos/{owner}/{repo}/issues/comments/{comment_id}.
func (s *Server) getComment(c *call) *response {
	id, ok := pathInt(c, "comment_id")
	if !ok {
		return notFound(c)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.st.commentIn(c.params["owner"], c.params["repo"], id)
	if rec == nil {
		return notFound(c)
	}
	return &response{status: http.StatusOK, body: s.renderComment(rec)}
}

// updateComment serves PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}.
func (s *Server) updateComment(c *call) *response {
	id, ok := pathInt(c, "comment_id")
	if !ok {
		return notFound(c)
	}
	if _, ok := parseObject(c.body); !ok {
		return badJSON(c.rt.doc)
	}
	s.mu.Lock()
	exists := s.st.commentIn(c.params["owner"], c.params["repo"], id) != nil
	s.mu.Unlock()
	if !exists {
		return notFound(c)
	}
	body, errResp := commentBody(c)
	if errResp != nil {
		return errResp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.st.commentIn(c.params["owner"], c.params["repo"], id)
	if rec == nil { // removed by a concurrent Reset
		return notFound(c)
	}
	rec.body = body
	rec.updated = time.Now()
	return &response{status: http.StatusOK, body: s.renderComment(rec)}
}

// listComments serves GET /repos/{owner}/{repo}/issues/{issue_number}/comments
// with since, per_page and page, and GitHub's Link pagination header.
func (s *Server) listComments(c *call) *response {
	issue, ok := pathInt(c, "issue_number")
	if !ok || issue > 1<<31-1 {
		return notFound(c)
	}
	q := c.r.URL.Query()
	var since time.Time
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return validationFailed(c.rt.doc, valError{Resource: "IssueComment", Code: "invalid", Field: "since"})
		}
		since = t
	}
	perPage := 30
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		perPage = min(n, 100)
	}
	page := 1
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		page = n
	}

	k := issueKey{mkRepoKey(c.params["owner"], c.params["repo"]), int(issue)}
	s.mu.Lock()
	all := s.st.commentsSince(k, since)
	total := len(all)
	out := make([]commentJSON, 0, perPage)
	// page <= total also keeps (page-1)*perPage from overflowing.
	if start := (page - 1) * perPage; page <= total && start < total {
		for _, rec := range all[start:min(start+perPage, total)] {
			out = append(out, s.renderComment(rec))
		}
	}
	s.mu.Unlock()

	resp := &response{status: http.StatusOK, body: out}
	if link := s.linkHeader(c.r.URL, page, (total+perPage-1)/perPage); link != "" {
		resp.header = http.Header{"Link": {link}}
	}
	return resp
}

// linkHeader builds GitHub's Link header (rel order prev, next, last,
// first). The request's query is kept in its order with page set, as
// GitHub does; no header when everything fits on the page asked for.
func (s *Server) linkHeader(u *url.URL, page, lastPage int) string {
	if lastPage <= 1 && page <= 1 {
		return ""
	}
	pageURL := func(p int) string {
		var parts []string
		replaced := false
		for _, kv := range strings.Split(u.RawQuery, "&") {
			if kv == "" {
				continue
			}
			if name, _, _ := strings.Cut(kv, "="); name == "page" {
				if !replaced {
					parts = append(parts, "page="+strconv.Itoa(p))
					replaced = true
				}
				continue
			}
			parts = append(parts, kv)
		}
		if !replaced {
			parts = append(parts, "page="+strconv.Itoa(p))
		}
		return fmt.Sprintf("<%s%s?%s>", s.base, u.EscapedPath(), strings.Join(parts, "&"))
	}
	var links []string
	if page > 1 {
		links = append(links, pageURL(page-1)+`; rel="prev"`)
	}
	if page < lastPage {
		links = append(links, pageURL(page+1)+`; rel="next"`, pageURL(lastPage)+`; rel="last"`)
	}
	if page > 1 {
		links = append(links, pageURL(1)+`; rel="first"`)
	}
	return strings.Join(links, ", ")
}
