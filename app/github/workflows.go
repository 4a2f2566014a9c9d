package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	gh "github.com/google/go-github/v60/github"

	"github.com/issueops/issueops/app"
)

// runClockSkew widens the created filter of a run search: since is the
// app's clock and created_at GitHub's, and a run created a second "before"
// the dispatch was asked for must still be found. The correlation id, not
// the time, is what identifies the run.
const runClockSkew = time.Minute

// workflowPath checks a workflow file name and escapes it for a URL.
// GitHub names workflows by their file in .github/workflows (that prefix
// is accepted and dropped); they have no subdirectories.
func workflowPath(workflow string) (string, error) {
	file := strings.TrimPrefix(workflow, ".github/workflows/")
	if file == "" || strings.Contains(file, "/") || file == "." || file == ".." {
		return "", app.Permanent(fmt.Errorf("workflow %q is not a file name in .github/workflows", workflow))
	}
	return url.PathEscape(file), nil
}

// DispatchWorkflow triggers a workflow_dispatch of workflow on ref with
// inputs (POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches).
// GitHub answers 204 without saying which run it made: FindWorkflowRun
// finds it by the correlation id among the inputs.
func (c *Client) DispatchWorkflow(ctx context.Context, repo app.Repo, workflow, ref string, inputs map[string]string) error {
	file, err := workflowPath(workflow)
	if err != nil {
		return err
	}
	event := gh.CreateWorkflowDispatchEventRequest{Ref: ref}
	if len(inputs) > 0 {
		event.Inputs = make(map[string]interface{}, len(inputs))
		for k, v := range inputs {
			event.Inputs[k] = v
		}
	}
	_, err = c.gh.Actions.CreateWorkflowDispatchEventByFileName(ctx, repo.Owner, repo.Name, file, event)
	return classify(err)
}

// FindWorkflowRun looks through the workflow's workflow_dispatch runs
// created since (less runClockSkew; every run when since is zero), newest
// first, page by page up to maxPages of 100, for the one whose display
// title carries correlationID as a whole word (see hasCorrelation).
func (c *Client) FindWorkflowRun(ctx context.Context, repo app.Repo, workflow, correlationID string, since time.Time) (app.WorkflowRun, bool, error) {
	file, err := workflowPath(workflow)
	if err != nil {
		return app.WorkflowRun{}, false, err
	}
	if strings.TrimSpace(correlationID) == "" {
		return app.WorkflowRun{}, false, app.Permanent(fmt.Errorf("no correlation id to find a run of %s by", workflow))
	}
	opts := &gh.ListWorkflowRunsOptions{Event: "workflow_dispatch", ListOptions: gh.ListOptions{PerPage: 100}}
	if !since.IsZero() {
		opts.Created = ">=" + since.Add(-runClockSkew).UTC().Format(time.RFC3339)
	}
	for range maxPages {
		runs, resp, err := c.gh.Actions.ListWorkflowRunsByFileName(ctx, repo.Owner, repo.Name, file, opts)
		if err != nil {
			return app.WorkflowRun{}, false, classify(err)
		}
		for _, run := range runs.WorkflowRuns {
			if hasCorrelation(run.GetDisplayTitle(), correlationID) {
				return toWorkflowRun(run), true, nil
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return app.WorkflowRun{}, false, nil
}

// GetWorkflowRun reads a run (GET /repos/{owner}/{repo}/actions/runs/{run_id}).
func (c *Client) GetWorkflowRun(ctx context.Context, repo app.Repo, runID int64) (app.WorkflowRun, error) {
	run, _, err := c.gh.Actions.GetWorkflowRunByID(ctx, repo.Owner, repo.Name, runID)
	if err != nil {
		return app.WorkflowRun{}, classify(err)
	}
	return toWorkflowRun(run), nil
}

// CancelWorkflowRun asks GitHub to cancel a run
// (POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel). GitHub answers
// 202, which go-github reports as an AcceptedError: that is success. A run
// that already completed is answered 409 ("Cannot cancel a workflow run
// that is completed."): there is nothing left to cancel, so that is success
// too. An unknown run is a 404 (app.ErrNotFound, permanent).
func (c *Client) CancelWorkflowRun(ctx context.Context, repo app.Repo, runID int64) error {
	resp, err := c.gh.Actions.CancelWorkflowRunByID(ctx, repo.Owner, repo.Name, runID)
	var accepted *gh.AcceptedError
	if err == nil || errors.As(err, &accepted) {
		return nil
	}
	if resp != nil && resp.StatusCode == http.StatusConflict {
		return nil
	}
	return classify(err)
}

func toWorkflowRun(r *gh.WorkflowRun) app.WorkflowRun {
	return app.WorkflowRun{
		ID: r.GetID(), DisplayTitle: r.GetDisplayTitle(), Status: r.GetStatus(), Conclusion: r.GetConclusion(),
		HTMLURL: r.GetHTMLURL(), HeadSHA: r.GetHeadSHA(), CreatedAt: r.GetCreatedAt().Time,
	}
}

// hasCorrelation reports whether title carries id as a whole word: found
// with no letter or digit right before or after it, so "issueops-4" is not
// found in the run of "issueops-42", while run names that decorate the id
// ("Deploy issueops-42 to staging", "deploy-issueops-42", "[issueops-42]")
// still match.
func hasCorrelation(title, id string) bool {
	if id == "" {
		return false
	}
	for from := 0; from <= len(title)-len(id); {
		i := strings.Index(title[from:], id)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(id)
		before, _ := utf8.DecodeLastRuneInString(title[:start])
		after, _ := utf8.DecodeRuneInString(title[end:])
		if !isWordRune(before) && !isWordRune(after) {
			return true
		}
		from = start + 1 // byte by byte: an id need not be valid UTF-8
	}
	return false
}

// isWordRune is true for a letter or digit; utf8.RuneError, what the
// decoders answer at either end of the title, is neither.
func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}
