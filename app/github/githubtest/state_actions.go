package githubtest

import (
	"fmt"
	"maps"
	"strings"
	"time"
)

// GitHub Actions: workflows a test seeds (SeedWorkflow), the runs their
// workflow_dispatch creates, and their completion, which a test drives
// (CompleteWorkflowRun) as the Actions runner would.

// WorkflowRun is a workflow run as the fake stores it.
type WorkflowRun struct {
	ID       int64
	Workflow string // the workflow's file name, e.g. "deploy.yml"
	// Ref is the branch or tag dispatched, as the request named it.
	Ref string
	// Inputs are the dispatch's inputs, each as its JSON text when it was
	// not a string.
	Inputs map[string]string
	// DisplayTitle is inputs["issueops_id"] when given (the run-name the
	// app's workflows are told to use), else the workflow file name.
	DisplayTitle string
	Event        string // "workflow_dispatch"
	Status       string // queued until CompleteWorkflowRun or a cancel, then completed
	Conclusion   string // "" until completed
	HeadSHA      string
	HeadBranch   string
	Actor        string // who dispatched it
	RunNumber    int
	CreatedAt    time.Time
	UpdatedAt    time.Time
	HTMLURL      string
}

// runConclusions are the conclusions GitHub gives a completed run.
var runConclusions = map[string]bool{
	"success": true, "failure": true, "cancelled": true, "skipped": true, "timed_out": true,
	"action_required": true, "neutral": true, "stale": true, "startup_failure": true,
}

type workflowRec struct {
	id      int64
	file    string // "deploy.yml"
	created time.Time
	runs    int // runs so far, for run_number
}

type runRec struct {
	id                 int64
	wf                 *workflowRec
	ref, headBranch    string
	inputs             map[string]string
	title, event       string
	status, conclusion string
	headSHA            string
	commit             *commitRec // nil when the repository has no commits
	by                 actor
	number             int
	created, updated   time.Time
	startedAt          time.Time
}

// workflowFile normalises a workflow named by file name or by its path
// ".github/workflows/NAME"; ok is false for anything else.
func workflowFile(name string) (file string, ok bool) {
	file = strings.TrimPrefix(name, ".github/workflows/")
	return file, file != "" && !strings.Contains(file, "/")
}

// SeedWorkflow makes the workflow file (e.g. "deploy.yml" or
// ".github/workflows/deploy.yml") exist in owner/repo, so it can be
// dispatched and its runs listed; dispatching an unseeded workflow is a 404,
// as on GitHub. It accepts any inputs (GitHub would check them against the
// file's workflow_dispatch inputs). The repository is created if needed;
// seeding a workflow again does nothing. It panics on a name in a
// subdirectory.
func (s *Server) SeedWorkflow(owner, repo, file string) {
	name, ok := workflowFile(file)
	if !ok {
		panic(fmt.Sprintf("githubtest: SeedWorkflow: invalid workflow file %q", file))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.ensureRepo(owner, repo)
	if r.workflows[name] == nil {
		r.workflows[name] = &workflowRec{id: stableID("workflow:" + r.owner + "/" + r.name + "/" + name), file: name, created: time.Now()}
	}
}

// workflow finds a workflow by file name or numeric id.
func (r *repoRec) workflow(idOrFile string) *workflowRec {
	if file, ok := workflowFile(idOrFile); ok {
		if w := r.workflows[file]; w != nil {
			return w
		}
	}
	for _, w := range r.workflows {
		if fmt.Sprint(w.id) == idOrFile {
			return w
		}
	}
	return nil
}

// run returns the repository's run id, or nil.
func (r *repoRec) run(id int64) *runRec {
	for _, run := range r.runs {
		if run.id == id {
			return run
		}
	}
	return nil
}

// addRun stores a new queued run of w, assigning its id and number.
func (st *state) addRun(r *repoRec, run *runRec) *runRec {
	st.nextRunID++
	run.id = st.nextRunID
	run.wf.runs++
	run.number = run.wf.runs
	run.status, run.event = "queued", "workflow_dispatch"
	run.updated = run.created
	r.runs = append(r.runs, run)
	return run
}

func (s *Server) exportRun(r *repoRec, run *runRec) WorkflowRun {
	return WorkflowRun{ID: run.id, Workflow: run.wf.file, Ref: run.ref, Inputs: maps.Clone(run.inputs),
		DisplayTitle: run.title, Event: run.event, Status: run.status, Conclusion: run.conclusion,
		HeadSHA: run.headSHA, HeadBranch: run.headBranch, Actor: run.by.login, RunNumber: run.number,
		CreatedAt: run.created, UpdatedAt: run.updated, HTMLURL: runHTML(r, run)}
}

// WorkflowRuns returns a repository's runs in creation order, so a test
// can see what was dispatched with which inputs; nil for an unknown
// repository.
func (s *Server) WorkflowRuns(owner, repo string) []WorkflowRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.repo(owner, repo)
	if r == nil {
		return nil
	}
	out := make([]WorkflowRun, len(r.runs))
	for i, run := range r.runs {
		out[i] = s.exportRun(r, run)
	}
	return out
}

// CompleteWorkflowRun finishes a run with conclusion (success, failure,
// cancelled, timed_out, …) as the Actions runner would. When a webhook is
// set (SetWebhook) GitHub's workflow_run "completed" event is delivered
// before it returns. It panics on an unknown run or conclusion.
func (s *Server) CompleteWorkflowRun(owner, repo string, runID int64, conclusion string) {
	if !runConclusions[conclusion] {
		panic(fmt.Sprintf("githubtest: CompleteWorkflowRun: invalid conclusion %q", conclusion))
	}
	s.mu.Lock()
	r := s.st.repo(owner, repo)
	var run *runRec
	if r != nil {
		run = r.run(runID)
	}
	if run == nil {
		s.mu.Unlock()
		panic(fmt.Sprintf("githubtest: CompleteWorkflowRun: no run %d in %s/%s", runID, owner, repo))
	}
	event := s.completeRun(r, run, conclusion)
	s.mu.Unlock()
	s.sendEvent("workflow_run", event)
}

// completeRun marks run completed with conclusion and returns its
// workflow_run "completed" event; s.mu must be held.
func (s *Server) completeRun(r *repoRec, run *runRec, conclusion string) map[string]any {
	now := time.Now()
	if run.startedAt.IsZero() {
		run.startedAt = now
	}
	run.status, run.conclusion, run.updated = "completed", conclusion, now
	return s.workflowRunEvent(r, run)
}
