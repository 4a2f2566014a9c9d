package githubtest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

const (
	docDispatch  = "https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event"
	docListRuns  = "https://docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow"
	docGetRun    = "https://docs.github.com/rest/actions/workflow-runs#get-a-workflow-run"
	docCancelRun = "https://docs.github.com/rest/actions/workflow-runs#cancel-a-workflow-run"
	// correlationInput is the dispatch input the app's workflows put in
	// their run-name, which the fake takes as the run's display title.
	correlationInput = "issueops_id"
	// maxInputs is GitHub's documented limit on a dispatch's inputs.
	maxInputs = 25
)

// workflowOf is the seeded workflow a call names, or nil; s.mu held.
func (s *Server) workflowOf(c *call) (*repoRec, *workflowRec) {
	r := s.repoOf(c)
	if r == nil {
		return nil, nil
	}
	return r, r.workflow(c.params["workflow_id"])
}

// parseDispatch reads a dispatch body: ref, and inputs whose values are
// kept as strings (a boolean or number as its JSON text).
func parseDispatch(c *call) (ref string, inputs map[string]string, bad *response) {
	m, ok := parseObject(c.body)
	if !ok {
		return "", nil, badJSON(c.rt.doc)
	}
	ref, present, bad := optionalString(c, m, "WorkflowDispatch", "ref")
	if bad != nil {
		return "", nil, bad
	}
	if !present || ref == "" {
		return "", nil, invalidRequest(c.rt.doc, `"ref" wasn't supplied.`)
	}
	inputs = map[string]string{}
	if raw, has := m["inputs"]; has && string(bytes.TrimSpace(raw)) != "null" {
		var values map[string]json.RawMessage
		if err := json.Unmarshal(raw, &values); err != nil {
			return "", nil, invalidRequest(c.rt.doc, "For 'properties/inputs', "+strings.TrimSpace(string(raw))+" is not an object.")
		}
		if len(values) > maxInputs {
			return "", nil, validationFailed(c.rt.doc, valError{Resource: "WorkflowDispatch", Code: "custom", Field: "inputs",
				Message: fmt.Sprintf("inputs may have at most %d properties", maxInputs)})
		}
		for k, v := range values {
			var str string
			if err := json.Unmarshal(v, &str); err != nil {
				if t := bytes.TrimSpace(v); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
					return "", nil, invalidRequest(c.rt.doc, "For 'properties/"+k+"', "+string(t)+" is not a string.")
				}
				str = string(bytes.TrimSpace(v))
			}
			inputs[k] = str
		}
	}
	return ref, inputs, nil
}

// dispatchRef resolves a dispatch's ref as GitHub does: a branch or a tag
// (refs/heads/ and refs/tags/ forms too), never a bare SHA. In a repository
// without seeded commits any ref is taken, with a made-up head SHA, so tests
// of dispatching need not seed history.
func (r *repoRec) dispatchRef(ref string) (branch string, commit *commitRec, sha string, ok bool) {
	if len(r.commits) == 0 {
		name := strings.TrimPrefix(strings.TrimPrefix(ref, "refs/heads/"), "refs/tags/")
		return name, nil, gitHash("commit", "githubtest dispatch "+ref), true
	}
	for _, kind := range []struct {
		refs   map[string]string
		prefix string
	}{{r.branches, "refs/heads/"}, {r.tags, "refs/tags/"}} {
		name := strings.TrimPrefix(ref, kind.prefix)
		if sha, found := kind.refs[name]; found {
			return name, r.commits[sha], sha, true
		}
	}
	return "", nil, "", false
}

// dispatchWorkflow serves
// POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches
// (workflow_id a file name or id): 204, and a queued workflow_dispatch run
// of ref by the caller appears at once with the inputs recorded; 404 for an
// unseeded repository or workflow, 422 for a missing ref or one that is no
// branch or tag ("No ref found for: REF").
func (s *Server) dispatchWorkflow(c *call) *response {
	ref, inputs, bad := parseDispatch(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	r, w := s.workflowOf(c)
	if w == nil {
		return notFound(c)
	}
	if bad != nil {
		return bad
	}
	branch, commit, sha, ok := r.dispatchRef(ref)
	if !ok {
		return errorResponse(http.StatusUnprocessableEntity, "No ref found for: "+ref, c.rt.doc)
	}
	s.st.addRun(r, &runRec{wf: w, ref: ref, headBranch: branch, inputs: inputs,
		title: cmp.Or(inputs[correlationInput], w.file), headSHA: sha, commit: commit,
		by: actorOf(c.who), created: time.Now()})
	return &response{status: http.StatusNoContent}
}

// runFilter is the query of a run listing.
type runFilter struct {
	event, status, branch, actor, headSHA string
	created                               timeRange
}

func (f runFilter) match(run *runRec) bool {
	switch {
	case f.event != "" && f.event != run.event,
		f.branch != "" && f.branch != run.headBranch,
		f.actor != "" && !strings.EqualFold(f.actor, run.by.login),
		f.headSHA != "" && f.headSHA != run.headSHA,
		f.status != "" && f.status != run.status && f.status != run.conclusion:
		return false
	}
	return f.created.contains(run.created)
}

// listWorkflowRuns serves
// GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs: 200
// {total_count, workflow_runs} newest first, filtered by event, status (a
// status or a conclusion), branch, actor, head_sha and created (GitHub's
// date syntax, see parseCreated), paged; 404 for an unseeded repository or
// workflow, 422 for a created filter that does not parse.
func (s *Server) listWorkflowRuns(c *call) *response {
	q := c.r.URL.Query()
	perPage, page := pageParams(q)
	f := runFilter{event: q.Get("event"), status: q.Get("status"), branch: q.Get("branch"),
		actor: q.Get("actor"), headSHA: q.Get("head_sha")}
	createdOK := true
	if v := q.Get("created"); v != "" {
		f.created, createdOK = parseCreated(v)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, w := s.workflowOf(c)
	if w == nil {
		return notFound(c)
	}
	if !createdOK {
		return validationFailed(c.rt.doc, valError{Resource: "WorkflowRun", Code: "invalid", Field: "created"})
	}
	var match []*runRec
	for i := len(r.runs) - 1; i >= 0; i-- {
		if run := r.runs[i]; run.wf == w && f.match(run) {
			match = append(match, run)
		}
	}
	items, last := pageOf(match, perPage, page)
	out := make([]runJSON, len(items))
	for i, run := range items {
		out[i] = s.renderRun(r, run)
	}
	return s.paged(c, map[string]any{"total_count": len(match), "workflow_runs": out}, page, last)
}

// getWorkflowRun serves GET /repos/{owner}/{repo}/actions/runs/{run_id}:
// 200 with the run, 404 for an unknown one.
func (s *Server) getWorkflowRun(c *call) *response {
	id, ok := pathInt(c, "run_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repoOf(c)
	if !ok || r == nil {
		return notFound(c)
	}
	run := r.run(id)
	if run == nil {
		return notFound(c)
	}
	return &response{status: http.StatusOK, body: s.renderRun(r, run)}
}

// cancelWorkflowRun serves POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel:
// 202 {} and a queued or in_progress run is completed with conclusion
// cancelled; when a webhook is set, its workflow_run "completed" event (as
// CompleteWorkflowRun sends) is delivered right after, from another
// goroutine, since GitHub answers before it tells the webhook; 409 "Cannot
// cancel a workflow run that is completed." for a completed run, 404 for an
// unknown one.
func (s *Server) cancelWorkflowRun(c *call) *response {
	id, ok := pathInt(c, "run_id")
	s.mu.Lock()
	r := s.repoOf(c)
	var run *runRec
	if ok && r != nil {
		run = r.run(id)
	}
	if run == nil {
		s.mu.Unlock()
		return notFound(c)
	}
	if run.status == "completed" {
		s.mu.Unlock()
		return errorResponse(http.StatusConflict, "Cannot cancel a workflow run that is completed.", c.rt.doc)
	}
	event := s.completeRun(r, run, "cancelled")
	s.mu.Unlock()
	s.sendEventSoon("workflow_run", event)
	return &response{status: http.StatusAccepted, body: map[string]any{}}
}
