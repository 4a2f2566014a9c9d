package githubtest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"
)

const (
	docCreateDeployment = "https://docs.github.com/rest/deployments/deployments#create-a-deployment"
	docListDeployments  = "https://docs.github.com/rest/deployments/deployments#list-deployments"
	docCreateStatus     = "https://docs.github.com/rest/deployments/statuses#create-a-deployment-status"
	docListStatuses     = "https://docs.github.com/rest/deployments/statuses#list-deployment-statuses"
	// maxStatusDescription is GitHub's limit on a status description.
	maxStatusDescription = 140
)

// boolField reads m[name] as a boolean: present is false when absent or
// null, ok false when present with another JSON type.
func boolField(m map[string]json.RawMessage, name string) (v, present, ok bool) {
	raw, found := m[name]
	if !found || string(bytes.TrimSpace(raw)) == "null" {
		return false, false, true
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return false, true, false
	}
	return v, true, true
}

// optionalString reads an optional string member; bad is the 422 for one
// that is not a string.
func optionalString(c *call, m map[string]json.RawMessage, resource, name string) (v string, present bool, bad *response) {
	v, present, isString := stringField(m, name)
	if present && !isString {
		return "", true, validationFailed(c.rt.doc, valError{Resource: resource, Code: "invalid", Field: name})
	}
	return v, present, nil
}

// deploymentRequest is a create-deployment body as the fake reads it.
type deploymentRequest struct {
	ref, task, env, description string
	hasDescription              bool
	payload                     json.RawMessage
	production, transient       bool
}

// parseDeployment validates a create-deployment body. auto_merge and
// required_contexts are checked for type only: the fake models no merges
// and no commit statuses, so every required context passes.
func parseDeployment(c *call) (deploymentRequest, *response) {
	m, ok := parseObject(c.body)
	if !ok {
		return deploymentRequest{}, badJSON(c.rt.doc)
	}
	var d deploymentRequest
	var present bool
	var bad *response
	if d.ref, present, bad = optionalString(c, m, "Deployment", "ref"); bad != nil {
		return d, bad
	} else if !present || d.ref == "" {
		return d, invalidRequest(c.rt.doc, `"ref" wasn't supplied.`)
	}
	for name, dst := range map[string]*string{"task": &d.task, "environment": &d.env, "description": &d.description} {
		var has bool
		if *dst, has, bad = optionalString(c, m, "Deployment", name); bad != nil {
			return d, bad
		}
		if name == "description" {
			d.hasDescription = has
		}
	}
	d.task, d.env = cmp.Or(d.task, "deploy"), cmp.Or(d.env, "production")
	d.production = d.env == "production"
	for name, dst := range map[string]*bool{"auto_merge": new(bool), "transient_environment": &d.transient, "production_environment": &d.production} {
		v, has, ok := boolField(m, name)
		if !ok {
			return d, validationFailed(c.rt.doc, valError{Resource: "Deployment", Code: "invalid", Field: name})
		}
		if has {
			*dst = v
		}
	}
	if raw, has := m["required_contexts"]; has && string(bytes.TrimSpace(raw)) != "null" {
		var contexts []string
		if err := json.Unmarshal(raw, &contexts); err != nil {
			return d, validationFailed(c.rt.doc, valError{Resource: "Deployment", Code: "invalid", Field: "required_contexts"})
		}
	}
	if raw, has := m["payload"]; has && string(bytes.TrimSpace(raw)) != "null" {
		var v any
		_ = json.Unmarshal(raw, &v)
		switch v.(type) {
		case map[string]any, string:
			d.payload = bytes.Clone(bytes.TrimSpace(raw))
		default:
			return d, validationFailed(c.rt.doc, valError{Resource: "Deployment", Code: "invalid", Field: "payload"})
		}
	}
	return d, nil
}

// createDeployment serves POST /repos/{owner}/{repo}/deployments: 201 with
// the deployment, made by the caller; 404 for an unseeded repository, 409
// for one without commits, 422 `No ref found for: REF` when ref is no
// branch, tag or commit of it, 422 for a body that breaks the schema.
func (s *Server) createDeployment(c *call) *response {
	req, bad := parseDeployment(c)
	r, answer := s.lockRepo(c, bad)
	if answer != nil {
		return answer
	}
	defer s.mu.Unlock()
	if len(r.commits) == 0 {
		return errorResponse(http.StatusConflict, "Git Repository is empty.", c.rt.doc)
	}
	commit := r.resolve(req.ref)
	if commit == nil {
		return errorResponse(http.StatusUnprocessableEntity, "No ref found for: "+req.ref, c.rt.doc)
	}
	d := &deploymentRec{sha: commit.sha, ref: req.ref, task: req.task, env: req.env, payload: req.payload,
		by: actorOf(c.who), production: req.production, transient: req.transient, created: time.Now()}
	if req.hasDescription {
		d.description = &req.description
	}
	s.st.addDeployment(r, d)
	out := s.renderDeployment(r, d)
	return &response{status: http.StatusCreated, body: out, header: http.Header{"Location": {out.URL}}}
}

// listDeployments serves GET /repos/{owner}/{repo}/deployments, newest
// first, filtered by sha, ref, task and environment when given, paged with
// per_page and page; 404 for an unseeded repository.
func (s *Server) listDeployments(c *call) *response {
	q := c.r.URL.Query()
	perPage, page := pageParams(q)
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repoOf(c)
	if r == nil {
		return notFound(c)
	}
	var match []*deploymentRec
	for i := len(r.deploys) - 1; i >= 0; i-- {
		d := r.deploys[i]
		if !filterMatch(q, "sha", d.sha) || !filterMatch(q, "ref", d.ref) || !filterMatch(q, "task", d.task) ||
			!filterMatch(q, "environment", d.env) {
			continue
		}
		match = append(match, d)
	}
	items, last := pageOf(match, perPage, page)
	out := make([]deploymentJSON, len(items))
	for i, d := range items {
		out[i] = s.renderDeployment(r, d)
	}
	return s.paged(c, out, page, last)
}

// filterMatch applies one listing filter: absent or empty (GitHub's
// default "none") matches everything.
func filterMatch(q url.Values, name, v string) bool {
	f := q.Get(name)
	return f == "" || f == "none" || f == v
}

// deploymentOf is the seeded deployment a call names, or nil; s.mu held.
func (s *Server) deploymentOf(c *call) (*repoRec, *deploymentRec) {
	id, ok := pathInt(c, "deployment_id")
	r := s.repoOf(c)
	if !ok || r == nil {
		return r, nil
	}
	return r, r.deployment(id)
}

// parseStatus validates a create-status body; log_url wins over its older
// alias target_url.
func parseStatus(c *call) (st statusRec, autoInactive bool, bad *response) {
	m, ok := parseObject(c.body)
	if !ok {
		return st, false, badJSON(c.rt.doc)
	}
	state, present, bad := optionalString(c, m, "DeploymentStatus", "state")
	switch {
	case bad != nil:
		return st, false, bad
	case !present:
		return st, false, invalidRequest(c.rt.doc, `"state" wasn't supplied.`)
	case !deploymentStates[state]:
		return st, false, validationFailed(c.rt.doc, valError{Resource: "DeploymentStatus", Code: "invalid", Field: "state"})
	}
	st.state = state
	var target string
	for name, dst := range map[string]*string{"description": &st.description, "environment": &st.env,
		"log_url": &st.logURL, "target_url": &target, "environment_url": &st.envURL} {
		if *dst, _, bad = optionalString(c, m, "DeploymentStatus", name); bad != nil {
			return st, false, bad
		}
	}
	st.logURL = cmp.Or(st.logURL, target)
	if utf8.RuneCountInString(st.description) > maxStatusDescription {
		return st, false, validationFailed(c.rt.doc, valError{Resource: "DeploymentStatus", Code: "custom", Field: "description",
			Message: fmt.Sprintf("description is too long (maximum is %d characters)", maxStatusDescription)})
	}
	autoInactive, present, ok = boolField(m, "auto_inactive")
	if !ok {
		return st, false, validationFailed(c.rt.doc, valError{Resource: "DeploymentStatus", Code: "invalid", Field: "auto_inactive"})
	}
	return st, autoInactive || !present, nil
}

// createDeploymentStatus serves
// POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses: 201 with
// the status, made by the caller; 404 for an unknown deployment, 422 for a
// missing or invalid state or a description over 140 characters. A success
// applies auto_inactive (default true) to older deployments. It sends no
// webhook: AddDeploymentStatus is the CD system's way in.
func (s *Server) createDeploymentStatus(c *call) *response {
	st, autoInactive, bad := parseStatus(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	r, d := s.deploymentOf(c)
	if d == nil {
		return notFound(c)
	}
	if bad != nil {
		return bad
	}
	st.by, st.created = actorOf(c.who), time.Now()
	rec := s.st.addStatus(r, d, st, autoInactive)
	out := s.renderStatus(r, d, rec)
	return &response{status: http.StatusCreated, body: out, header: http.Header{"Location": {out.URL}}}
}

// listDeploymentStatuses serves
// GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses, newest
// first, paged; 404 for an unknown deployment.
func (s *Server) listDeploymentStatuses(c *call) *response {
	perPage, page := pageParams(c.r.URL.Query())
	s.mu.Lock()
	defer s.mu.Unlock()
	r, d := s.deploymentOf(c)
	if d == nil {
		return notFound(c)
	}
	newest := make([]*statusRec, 0, len(d.statuses))
	for i := len(d.statuses) - 1; i >= 0; i-- {
		newest = append(newest, d.statuses[i])
	}
	items, last := pageOf(newest, perPage, page)
	out := make([]deploymentStatusJSON, len(items))
	for i, st := range items {
		out[i] = s.renderStatus(r, d, st)
	}
	return s.paged(c, out, page, last)
}
