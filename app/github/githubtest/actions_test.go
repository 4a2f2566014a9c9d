package githubtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	gh "github.com/google/go-github/v60/github"
)

const routeDispatch = "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches"

func TestDispatchCreatesRun(t *testing.T) {
	s, main := seeded(t)
	s.SeedWorkflow("acme", "widgets", ".github/workflows/deploy.yml")
	c := goGitHub(t, s)
	ctx := context.Background()
	before := time.Now().Add(-time.Second)

	resp, err := c.Actions.CreateWorkflowDispatchEventByFileName(ctx, "acme", "widgets", "deploy.yml", gh.CreateWorkflowDispatchEventRequest{
		Ref: "main", Inputs: map[string]interface{}{"issueops_id": "issueops-1", "dry_run": true, "count": 3},
	})
	if err != nil || resp.StatusCode != http.StatusNoContent || resp.ContentLength > 0 {
		t.Fatalf("dispatch = %v, %v", resp, err)
	}
	runs := s.WorkflowRuns("acme", "widgets")
	if len(runs) != 1 {
		t.Fatalf("runs %+v", runs)
	}
	run := runs[0]
	if run.DisplayTitle != "issueops-1" || run.Status != "queued" || run.Conclusion != "" || run.Event != "workflow_dispatch" ||
		run.HeadSHA != main || run.HeadBranch != "main" || run.Actor != "issueops-test" || run.RunNumber != 1 ||
		run.Inputs["dry_run"] != "true" || run.Inputs["count"] != "3" || run.CreatedAt.Before(before) {
		t.Fatalf("run %+v", run)
	}

	// By numeric id, on a tag; no issueops_id: titled by the file.
	list, _, err := c.Actions.ListWorkflowRunsByFileName(ctx, "acme", "widgets", "deploy.yml", nil)
	if err != nil || list.GetTotalCount() != 1 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	wfID := list.WorkflowRuns[0].GetWorkflowID()
	if _, err := c.Actions.CreateWorkflowDispatchEventByID(ctx, "acme", "widgets", wfID, gh.CreateWorkflowDispatchEventRequest{Ref: "refs/tags/v1.0.0"}); err != nil {
		t.Fatalf("dispatch by id: %v", err)
	}
	runs = s.WorkflowRuns("acme", "widgets")
	if len(runs) != 2 || runs[1].DisplayTitle != "deploy.yml" || runs[1].HeadBranch != "v1.0.0" || runs[1].RunNumber != 2 {
		t.Fatalf("second run %+v", runs[1])
	}

	got, _, err := c.Actions.GetWorkflowRunByID(ctx, "acme", "widgets", runs[0].ID)
	if err != nil || got.GetDisplayTitle() != "issueops-1" ||
		got.GetHeadCommit().GetID() != main || got.GetRepository().GetFullName() != "acme/widgets" || got.GetHTMLURL() != runs[0].HTMLURL {
		t.Fatalf("GetWorkflowRunByID = %+v, %v", got, err)
	}
	_, _, err = c.Actions.GetWorkflowRunByID(ctx, "acme", "widgets", 1)
	wantGitHubStatus(t, err, http.StatusNotFound)
}

func TestDispatchValidation(t *testing.T) {
	s, main := seeded(t)
	s.SeedWorkflow("acme", "widgets", "deploy.yml")
	auth := "token " + staticToken
	path := ownerRepo + "/actions/workflows/deploy.yml/dispatches"
	wantMessage(t, do(t, s, "POST", path, auth, `{}`), 422, "Invalid request.\n\n\"ref\" wasn't supplied.")
	wantMessage(t, do(t, s, "POST", path, auth, `{"ref":"nope"}`), 422, "No ref found for: nope")
	wantMessage(t, do(t, s, "POST", path, auth, `{"ref":"`+main+`"}`), 422, "No ref found for: "+main) // a SHA is no ref
	wantStatus(t, do(t, s, "POST", path, auth, `{"ref":"main","inputs":{"a":{"b":1}}}`), 422)
	wantStatus(t, do(t, s, "POST", path, auth, `{"ref":"main","inputs":[1]}`), 422)
	many := map[string]string{}
	for i := range 26 {
		many[fmt.Sprint("k", i)] = "v"
	}
	tooMany, _ := json.Marshal(map[string]any{"ref": "main", "inputs": many})
	wantStatus(t, do(t, s, "POST", path, auth, string(tooMany)), 422)
	wantStatus(t, do(t, s, "POST", ownerRepo+"/actions/workflows/other.yml/dispatches", auth, `{"ref":"main"}`), 404)
	wantStatus(t, do(t, s, "POST", "repos/acme/nowhere/actions/workflows/deploy.yml/dispatches", auth, `{"ref":"main"}`), 404)
	wantStatus(t, do(t, s, "GET", ownerRepo+"/actions/workflows/other.yml/runs", auth, ""), 404)
	wantStatus(t, do(t, s, "GET", ownerRepo+"/actions/workflows/deploy.yml/runs?created=soon", auth, ""), 422)
	if n := len(s.WorkflowRuns("acme", "widgets")); n != 0 {
		t.Fatalf("%d runs from refused dispatches", n)
	}
	// A repository without commits takes any ref.
	s.SeedWorkflow("acme", "bare", "ci.yml")
	wantStatus(t, do(t, s, "POST", "repos/acme/bare/actions/workflows/ci.yml/dispatches", auth, `{"ref":"main"}`), 204)
	if runs := s.WorkflowRuns("acme", "bare"); len(runs) != 1 || len(runs[0].HeadSHA) != 40 {
		t.Fatalf("runs %+v", runs)
	}
}

func TestListWorkflowRunsFilters(t *testing.T) {
	s, _ := seeded(t)
	s.SeedWorkflow("acme", "widgets", "deploy.yml")
	s.SeedWorkflow("acme", "widgets", "other.yml")
	auth := "token " + staticToken
	for i := range 5 {
		ref := "main"
		if i%2 == 1 {
			ref = "feature/x"
		}
		wantStatus(t, do(t, s, "POST", ownerRepo+"/actions/workflows/deploy.yml/dispatches", auth, fmt.Sprintf(`{"ref":%q,"inputs":{"issueops_id":"op-%d"}}`, ref, i)), 204)
	}
	wantStatus(t, do(t, s, "POST", ownerRepo+"/actions/workflows/other.yml/dispatches", auth, `{"ref":"main"}`), 204)
	runs := s.WorkflowRuns("acme", "widgets")
	s.CompleteWorkflowRun("acme", "widgets", runs[0].ID, "success")

	list := func(query string) (total int, titles []string) {
		t.Helper()
		r := do(t, s, "GET", ownerRepo+"/actions/workflows/deploy.yml/runs?"+query, auth, "")
		wantStatus(t, r, 200)
		var out struct {
			TotalCount   int `json:"total_count"`
			WorkflowRuns []struct {
				DisplayTitle string `json:"display_title"`
			} `json:"workflow_runs"`
		}
		r.json(t, &out)
		for _, run := range out.WorkflowRuns {
			titles = append(titles, run.DisplayTitle)
		}
		return out.TotalCount, titles
	}
	future := url.QueryEscape(">=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	past := url.QueryEscape(">=" + time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
	for _, c := range []struct {
		query string
		total int
		first string
	}{
		{"", 5, "op-4"},
		{"event=workflow_dispatch&created=" + past, 5, "op-4"},
		{"created=" + future, 0, ""},
		{"event=push", 0, ""},
		{"branch=feature/x", 2, "op-3"},
		{"status=completed", 1, "op-0"},
		{"status=success", 1, "op-0"},
		{"status=queued", 4, "op-4"},
		{"actor=ISSUEOPS-TEST", 5, "op-4"},
		{"per_page=2&page=3", 5, "op-0"},
	} {
		total, titles := list(c.query)
		if total != c.total || (c.first != "" && (len(titles) == 0 || titles[0] != c.first)) || (c.first == "" && len(titles) != 0) {
			t.Errorf("?%s: total %d, titles %v; want %d from %q", c.query, total, titles, c.total, c.first)
		}
	}
}

func TestCompleteWorkflowRunSendsEvent(t *testing.T) {
	s, main := seeded(t)
	s.SeedWorkflow("acme", "widgets", "deploy.yml")
	recv := newReceiver(t, http.StatusAccepted)
	s.SetWebhook(recv.URL, "hook-secret")
	inst := installToken(t, s)
	wantStatus(t, do(t, s, "POST", ownerRepo+"/actions/workflows/deploy.yml/dispatches", inst, `{"ref":"main","inputs":{"issueops_id":"issueops-77"}}`), 204)
	run := s.WorkflowRuns("acme", "widgets")[0]
	if run.Actor != testSlug+"[bot]" || recv.count() != 0 {
		t.Fatalf("run %+v, %d deliveries", run, recv.count())
	}
	s.CompleteWorkflowRun("acme", "widgets", run.ID, "success")
	if recv.count() != 1 {
		t.Fatalf("%d deliveries, want 1", recv.count())
	}
	hdr, body := recv.delivery(0)
	var event gh.WorkflowRunEvent
	if err := json.Unmarshal(body, &event); err != nil {
		t.Fatal(err)
	}
	wr := event.GetWorkflowRun()
	if hdr.Get("X-GitHub-Event") != "workflow_run" || event.GetAction() != "completed" || wr.GetID() != run.ID ||
		wr.GetStatus() != "completed" || wr.GetConclusion() != "success" || wr.GetDisplayTitle() != "issueops-77" ||
		wr.GetHeadSHA() != main || wr.GetHTMLURL() != run.HTMLURL || wr.GetCreatedAt().IsZero() || wr.GetEvent() != "workflow_dispatch" ||
		event.GetInstallation().GetID() != testInstall || event.GetSender().GetLogin() != testSlug+"[bot]" ||
		event.GetWorkflow().GetPath() != ".github/workflows/deploy.yml" || event.GetRepo().GetFullName() != "acme/widgets" {
		t.Fatalf("event %s", body)
	}
	var got map[string]any
	_ = json.Unmarshal(body, &got)
	wantKeysOf(t, corpusPayload(t, "workflow_run.completed.json"), got, "workflow_run", "workflow")
	if now := s.WorkflowRuns("acme", "widgets")[0]; now.Status != "completed" || now.Conclusion != "success" || !now.UpdatedAt.After(now.CreatedAt.Add(-time.Nanosecond)) {
		t.Fatalf("run after completion %+v", now)
	}
	for _, bad := range []func(){
		func() { s.CompleteWorkflowRun("acme", "widgets", run.ID, "great") },
		func() { s.CompleteWorkflowRun("acme", "widgets", 1, "success") },
		func() { s.SeedWorkflow("acme", "widgets", "sub/deploy.yml") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			bad()
		}()
	}
}

func TestCancelWorkflowRun(t *testing.T) {
	s, _ := seeded(t)
	s.SeedWorkflow("acme", "widgets", "deploy.yml")
	recv := newReceiver(t, http.StatusAccepted)
	s.SetWebhook(recv.URL, "hook-secret")
	inst := installToken(t, s)
	c := goGitHub(t, s)
	ctx := context.Background()
	for _, id := range []string{"issueops-80", "issueops-81"} {
		wantStatus(t, do(t, s, "POST", ownerRepo+"/actions/workflows/deploy.yml/dispatches", inst, `{"ref":"main","inputs":{"issueops_id":"`+id+`"}}`), 204)
	}
	runs := s.WorkflowRuns("acme", "widgets")
	queued, done := runs[0], runs[1]
	s.CompleteWorkflowRun("acme", "widgets", done.ID, "success")
	waitFor(t, func() bool { return recv.count() == 1 })

	r := do(t, s, "POST", fmt.Sprintf("%s/actions/runs/%d/cancel", ownerRepo, queued.ID), inst, "")
	wantStatus(t, r, http.StatusAccepted)
	if got := r.object(t); len(got) != 0 {
		t.Fatalf("202 body %s, want {}", r.body)
	}
	if now := s.WorkflowRuns("acme", "widgets")[0]; now.Status != "completed" || now.Conclusion != "cancelled" {
		t.Fatalf("run after cancel %+v", now)
	}
	waitFor(t, func() bool { return recv.count() == 2 })
	hdr, body := recv.delivery(1)
	var event gh.WorkflowRunEvent
	if err := json.Unmarshal(body, &event); err != nil {
		t.Fatal(err)
	}
	wr := event.GetWorkflowRun()
	if hdr.Get("X-GitHub-Event") != "workflow_run" || event.GetAction() != "completed" || wr.GetID() != queued.ID ||
		wr.GetStatus() != "completed" || wr.GetConclusion() != "cancelled" || wr.GetDisplayTitle() != "issueops-80" ||
		event.GetInstallation().GetID() != testInstall {
		t.Fatalf("event %s", body)
	}

	// Already completed, by the runner or by the cancel: 409, nothing sent.
	for _, id := range []int64{done.ID, queued.ID} {
		wantMessage(t, do(t, s, "POST", fmt.Sprintf("%s/actions/runs/%d/cancel", ownerRepo, id), inst, ""),
			http.StatusConflict, "Cannot cancel a workflow run that is completed.")
	}
	if now := s.WorkflowRuns("acme", "widgets")[1]; now.Conclusion != "success" {
		t.Fatalf("a completed run changed: %+v", now)
	}
	// go-github reports the 202 as an AcceptedError.
	wantStatus(t, do(t, s, "POST", ownerRepo+"/actions/workflows/deploy.yml/dispatches", inst, `{"ref":"main"}`), 204)
	third := s.WorkflowRuns("acme", "widgets")[2]
	resp, err := c.Actions.CancelWorkflowRunByID(ctx, "acme", "widgets", third.ID)
	var accepted *gh.AcceptedError
	if !errors.As(err, &accepted) || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("CancelWorkflowRunByID = %v, %v", resp, err)
	}
	waitFor(t, func() bool { return recv.count() == 3 })

	_, err = c.Actions.CancelWorkflowRunByID(ctx, "acme", "widgets", 1)
	wantGitHubStatus(t, err, http.StatusNotFound)
	_, err = c.Actions.CancelWorkflowRunByID(ctx, "acme", "nowhere", queued.ID)
	wantGitHubStatus(t, err, http.StatusNotFound)
	wantStatus(t, do(t, s, "POST", ownerRepo+"/actions/runs/x/cancel", inst, ""), http.StatusNotFound)
	time.Sleep(20 * time.Millisecond)
	if n := recv.count(); n != 3 {
		t.Fatalf("%d deliveries, want 3", n)
	}

	// Without a webhook the run is still cancelled.
	s.SetWebhook("", "")
	wantStatus(t, do(t, s, "POST", ownerRepo+"/actions/workflows/deploy.yml/dispatches", inst, `{"ref":"main"}`), 204)
	fourth := s.WorkflowRuns("acme", "widgets")[3]
	wantStatus(t, do(t, s, "POST", fmt.Sprintf("%s/actions/runs/%d/cancel", ownerRepo, fourth.ID), inst, ""), http.StatusAccepted)
	if now := s.WorkflowRuns("acme", "widgets")[3]; now.Conclusion != "cancelled" || len(s.HookAttempts()) != 3 {
		t.Fatalf("run %+v, %d attempts", now, len(s.HookAttempts()))
	}
}

// Runs and workflows go with Reset; the webhook stays.
func TestActionsReset(t *testing.T) {
	s := newServer(t)
	s.SeedWorkflow("acme", "widgets", "deploy.yml")
	wantStatus(t, do(t, s, "POST", ownerRepo+"/actions/workflows/deploy.yml/dispatches", "token "+staticToken, `{"ref":"main"}`), 204)
	s.Reset()
	if runs := s.WorkflowRuns("acme", "widgets"); runs != nil {
		t.Fatalf("runs after Reset %+v", runs)
	}
	wantStatus(t, do(t, s, "POST", ownerRepo+"/actions/workflows/deploy.yml/dispatches", "token "+staticToken, `{"ref":"main"}`), 404)
	if rs := s.RequestsTo(routeDispatch); len(rs) != 1 || rs[0].Status != 404 {
		t.Fatalf("requests %+v", rs)
	}
}
