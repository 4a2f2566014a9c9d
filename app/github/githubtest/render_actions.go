package githubtest

import (
	"fmt"
	"net/url"
)

// simpleCommitJSON is the head_commit of a workflow run.
type simpleCommitJSON struct {
	ID        string      `json:"id"`
	TreeID    string      `json:"tree_id"`
	Message   string      `json:"message"`
	Timestamp string      `json:"timestamp"`
	Author    gitNameJSON `json:"author"`
	Committer gitNameJSON `json:"committer"`
}

type gitNameJSON struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// runJSON is GitHub's workflow-run object.
type runJSON struct {
	ID                  int64             `json:"id"`
	Name                string            `json:"name"`
	NodeID              string            `json:"node_id"`
	CheckSuiteID        int64             `json:"check_suite_id"`
	CheckSuiteNodeID    string            `json:"check_suite_node_id"`
	HeadBranch          string            `json:"head_branch"`
	HeadSHA             string            `json:"head_sha"`
	Path                string            `json:"path"`
	DisplayTitle        string            `json:"display_title"`
	RunNumber           int               `json:"run_number"`
	RunAttempt          int               `json:"run_attempt"`
	Event               string            `json:"event"`
	Status              string            `json:"status"`
	Conclusion          *string           `json:"conclusion"`
	WorkflowID          int64             `json:"workflow_id"`
	URL                 string            `json:"url"`
	HTMLURL             string            `json:"html_url"`
	PullRequests        []any             `json:"pull_requests"`
	ReferencedWorkflows []any             `json:"referenced_workflows"`
	CreatedAt           string            `json:"created_at"`
	UpdatedAt           string            `json:"updated_at"`
	RunStartedAt        string            `json:"run_started_at"`
	Actor               userJSON          `json:"actor"`
	TriggeringActor     userJSON          `json:"triggering_actor"`
	JobsURL             string            `json:"jobs_url"`
	LogsURL             string            `json:"logs_url"`
	CheckSuiteURL       string            `json:"check_suite_url"`
	ArtifactsURL        string            `json:"artifacts_url"`
	CancelURL           string            `json:"cancel_url"`
	RerunURL            string            `json:"rerun_url"`
	PreviousAttemptURL  *string           `json:"previous_attempt_url"`
	WorkflowURL         string            `json:"workflow_url"`
	HeadCommit          *simpleCommitJSON `json:"head_commit"`
	Repository          map[string]any    `json:"repository"`
	HeadRepository      map[string]any    `json:"head_repository"`
	HeadRepositoryID    int64             `json:"head_repository_id"`
}

func runHTML(r *repoRec, run *runRec) string {
	return fmt.Sprintf("%s/actions/runs/%d", repoHTML(r), run.id)
}

func workflowPath(w *workflowRec) string { return ".github/workflows/" + w.file }

func (s *Server) workflowAPI(r *repoRec, w *workflowRec) string {
	return fmt.Sprintf("%s/actions/workflows/%d", s.repoAPI(r), w.id)
}

// renderRun builds the workflow-run object; s.mu must be held.
func (s *Server) renderRun(r *repoRec, run *runRec) runJSON {
	api := fmt.Sprintf("%s/actions/runs/%d", s.repoAPI(r), run.id)
	suite := run.id + 90000000000
	actor := s.user(run.by.login, run.by.id, run.by.userType)
	repo := s.minimalRepo(r)
	out := runJSON{
		ID: run.id, Name: workflowPath(run.wf), NodeID: nodeID("WFR", run.id),
		CheckSuiteID: suite, CheckSuiteNodeID: nodeID("CS", suite),
		HeadBranch: run.headBranch, HeadSHA: run.headSHA, Path: workflowPath(run.wf),
		DisplayTitle: run.title, RunNumber: run.number, RunAttempt: 1, Event: run.event,
		Status: run.status, Conclusion: optString(run.conclusion), WorkflowID: run.wf.id,
		URL: api, HTMLURL: runHTML(r, run), PullRequests: []any{}, ReferencedWorkflows: []any{},
		CreatedAt: fmtTime(run.created), UpdatedAt: fmtTime(run.updated), RunStartedAt: fmtTime(run.created),
		Actor: actor, TriggeringActor: actor,
		JobsURL: api + "/jobs", LogsURL: api + "/logs", CheckSuiteURL: fmt.Sprintf("%s/check-suites/%d", s.repoAPI(r), suite),
		ArtifactsURL: api + "/artifacts", CancelURL: api + "/cancel", RerunURL: api + "/rerun",
		WorkflowURL: s.workflowAPI(r, run.wf), Repository: repo, HeadRepository: repo, HeadRepositoryID: r.id,
	}
	if c := run.commit; c != nil {
		who := gitNameJSON{Name: c.authorName(), Email: c.authorEmail()}
		out.HeadCommit = &simpleCommitJSON{ID: c.sha, TreeID: c.tree, Message: c.message,
			Timestamp: fmtTime(c.at), Author: who, Committer: who}
	}
	return out
}

// minimalRepo is GitHub's minimal-repository object, as runs carry it:
// the repository's identity and its URL templates.
func (s *Server) minimalRepo(r *repoRec) map[string]any {
	full := s.renderRepo(r)
	out := make(map[string]any, len(repoURLTemplates)+10)
	for _, k := range []string{"id", "node_id", "name", "full_name", "private", "owner", "html_url", "description", "fork", "url"} {
		out[k] = full[k]
	}
	for _, t := range repoURLTemplates {
		out[t[0]] = full[t[0]]
	}
	return out
}

// renderWorkflow builds the workflow object of a workflow_run event.
func (s *Server) renderWorkflow(r *repoRec, w *workflowRec) map[string]any {
	path := workflowPath(w)
	return map[string]any{
		"id": w.id, "node_id": nodeID("W", w.id), "name": path, "path": path, "state": "active",
		"created_at": fmtTime(w.created), "updated_at": fmtTime(w.created),
		"url":       s.workflowAPI(r, w),
		"html_url":  repoHTML(r) + "/blob/" + escapePath(r.defaultBranch) + "/" + path,
		"badge_url": repoHTML(r) + "/workflows/" + url.PathEscape(path) + "/badge.svg",
	}
}

// workflowRunEvent is the workflow_run payload for the run's current
// status, shaped as octokit's example (workflow_run, workflow,
// repository, sender, installation); s.mu must be held.
func (s *Server) workflowRunEvent(r *repoRec, run *runRec) map[string]any {
	action := "in_progress"
	switch run.status {
	case "completed":
		action = "completed"
	case "queued":
		action = "requested"
	}
	p := s.eventPayload(r, action, run.by, s.eventInstallation(r, run.by.installationID))
	p["workflow_run"] = s.renderRun(r, run)
	p["workflow"] = s.renderWorkflow(r, run.wf)
	return p
}
