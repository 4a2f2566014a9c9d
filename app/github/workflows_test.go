package github

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/github/githubtest"
)

const (
	routeDispatch = "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches"
	routeListRuns = "GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs"
	routeGetRun   = "GET /repos/{owner}/{repo}/actions/runs/{run_id}"
	routeCancel   = "POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel"
)

func TestDispatchAndFindWorkflowRun(t *testing.T) {
	fake := tokenFake(t)
	_, head := seedHistory(fake)
	fake.SeedWorkflow("acme", "widgets", "deploy.yml")
	g := opsClient(t, tokenClients(t, fake), 0)
	ctx := context.Background()
	since := time.Now()

	// A run of another operation whose id extends ours must not be taken.
	if err := g.DispatchWorkflow(ctx, testRepo, "deploy.yml", "main", map[string]string{"issueops_id": "issueops-420"}); err != nil {
		t.Fatal(err)
	}
	if _, found, err := g.FindWorkflowRun(ctx, testRepo, "deploy.yml", "issueops-42", since); err != nil || found {
		t.Fatalf("FindWorkflowRun before the dispatch = %v, %v; want not found", found, err)
	}
	inputs := map[string]string{"issueops_id": "issueops-42", "env": "staging"}
	if err := g.DispatchWorkflow(ctx, testRepo, ".github/workflows/deploy.yml", "main", inputs); err != nil {
		t.Fatalf("DispatchWorkflow: %v", err)
	}
	runs := fake.WorkflowRuns("acme", "widgets")
	if len(runs) != 2 || runs[1].Inputs["env"] != "staging" || runs[1].HeadSHA != head || runs[1].Ref != "main" || runs[1].Workflow != "deploy.yml" {
		t.Fatalf("runs %+v", runs)
	}
	if body := decodeBody(t, fake.RequestsTo(routeDispatch)[1]); body["ref"] != "main" {
		t.Errorf("dispatch body %v", body)
	}

	run, found, err := g.FindWorkflowRun(ctx, testRepo, "deploy.yml", "issueops-42", since)
	if err != nil || !found || run.ID != runs[1].ID || run.Status != "queued" || run.HeadSHA != head ||
		run.DisplayTitle != "issueops-42" || !strings.HasSuffix(run.HTMLURL, fmt.Sprintf("/actions/runs/%d", run.ID)) {
		t.Fatalf("FindWorkflowRun = %+v, %v, %v", run, found, err)
	}
	q := fake.RequestsTo(routeListRuns)[1].Query
	wantCreated := ">=" + since.Add(-runClockSkew).UTC().Format(time.RFC3339)
	if q.Get("event") != "workflow_dispatch" || q.Get("created") != wantCreated || q.Get("per_page") != "100" {
		t.Errorf("list query %v, want created %s", q, wantCreated)
	}

	fake.CompleteWorkflowRun("acme", "widgets", run.ID, "failure")
	got, err := g.GetWorkflowRun(ctx, testRepo, run.ID)
	if err != nil || got.Status != "completed" || got.Conclusion != "failure" || got.ID != run.ID {
		t.Fatalf("GetWorkflowRun = %+v, %v", got, err)
	}
	_, err = g.GetWorkflowRun(ctx, testRepo, 1)
	if !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("GetWorkflowRun of an unknown run: %v", err)
	}
}

// Runs made long ago fall outside since; the id finds the run wherever it
// lies in the window, across pages.
func TestFindWorkflowRunPages(t *testing.T) {
	fake := tokenFake(t)
	fake.SeedWorkflow("acme", "widgets", "deploy.yml")
	g := opsClient(t, tokenClients(t, fake), 0)
	ctx := context.Background()
	if err := g.DispatchWorkflow(ctx, testRepo, "deploy.yml", "main", map[string]string{"issueops_id": "issueops-7"}); err != nil {
		t.Fatal(err)
	}
	for i := range 230 {
		if err := g.DispatchWorkflow(ctx, testRepo, "deploy.yml", "main", map[string]string{"issueops_id": fmt.Sprintf("other-%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	run, found, err := g.FindWorkflowRun(ctx, testRepo, "deploy.yml", "issueops-7", time.Time{})
	if err != nil || !found || run.DisplayTitle != "issueops-7" {
		t.Fatalf("FindWorkflowRun = %+v, %v, %v", run, found, err)
	}
	reqs := fake.RequestsTo(routeListRuns)
	if len(reqs) != 3 || reqs[0].Query.Has("created") || reqs[2].Query.Get("page") != "3" {
		t.Fatalf("%d list requests (%v), want 3 pages without a created filter", len(reqs), reqs[len(reqs)-1].Query)
	}
	if _, found, err := g.FindWorkflowRun(ctx, testRepo, "deploy.yml", "issueops-8", time.Time{}); err != nil || found {
		t.Fatalf("an id no run has = %v, %v", found, err)
	}
}

func TestWorkflowNames(t *testing.T) {
	fake := tokenFake(t)
	fake.SeedWorkflow("acme", "widgets", "deploy prod?.yml")
	g := opsClient(t, tokenClients(t, fake), 0)
	ctx := context.Background()
	if err := g.DispatchWorkflow(ctx, testRepo, "deploy prod?.yml", "release/v1", nil); err != nil {
		t.Fatalf("a name to escape: %v", err)
	}
	if runs := fake.WorkflowRuns("acme", "widgets"); len(runs) != 1 || runs[0].Ref != "release/v1" || runs[0].DisplayTitle != "deploy prod?.yml" {
		t.Fatalf("runs %+v", runs)
	}
	if _, found, err := g.FindWorkflowRun(ctx, testRepo, "deploy prod?.yml", "deploy", time.Time{}); err != nil || !found {
		t.Fatalf("FindWorkflowRun of an escaped name = %v, %v", found, err)
	}
	before := len(fake.Requests())
	for _, name := range []string{"", "sub/deploy.yml", "../deploy.yml", ".github/workflows/"} {
		wantPermanent(t, g.DispatchWorkflow(ctx, testRepo, name, "main", nil))
		_, _, err := g.FindWorkflowRun(ctx, testRepo, name, "x", time.Time{})
		wantPermanent(t, err)
	}
	_, _, err := g.FindWorkflowRun(ctx, testRepo, "deploy prod?.yml", " ", time.Time{})
	wantPermanent(t, err) // an empty id would match any run
	if n := len(fake.Requests()) - before; n != 0 {
		t.Fatalf("%d requests for refused names", n)
	}
	// A workflow GitHub does not have: 404, permanent.
	err = g.DispatchWorkflow(ctx, testRepo, "missing.yml", "main", nil)
	if !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("dispatch of a missing workflow: %v", err)
	}
}

func TestWorkflowFaults(t *testing.T) {
	fake := tokenFake(t)
	fake.SeedWorkflow("acme", "widgets", "deploy.yml")
	g := opsClient(t, tokenClients(t, fake, func(c *Config) { c.Timeout = 300 * time.Millisecond }), 0)
	ctx := context.Background()

	fake.Inject(githubtest.Fault{Route: routeDispatch, Kind: githubtest.TooMany429, RetryAfter: 9 * time.Second})
	wantRetryAfter(t, g.DispatchWorkflow(ctx, testRepo, "deploy.yml", "main", nil), 9*time.Second, 9*time.Second)

	fake.Inject(githubtest.Fault{Route: routeListRuns, Kind: githubtest.Timeout, Hold: 5 * time.Second})
	_, _, err := g.FindWorkflowRun(ctx, testRepo, "deploy.yml", "x", time.Time{})
	wantTransient(t, err)

	fake.Inject(githubtest.Fault{Route: routeGetRun, Kind: githubtest.Status500})
	_, err = g.GetWorkflowRun(ctx, testRepo, 1)
	wantTransient(t, err)

	// A dispatch whose answer is lost did happen: a retry must look first.
	fake.Inject(githubtest.Fault{Route: routeDispatch, Kind: githubtest.DropAfterWrite})
	wantTransient(t, g.DispatchWorkflow(ctx, testRepo, "deploy.yml", "main", map[string]string{"issueops_id": "issueops-5"}))
	if _, found, err := g.FindWorkflowRun(ctx, testRepo, "deploy.yml", "issueops-5", time.Time{}); err != nil || !found {
		t.Fatalf("the dropped dispatch's run = %v, %v", found, err)
	}
}

func TestCancelWorkflowRun(t *testing.T) {
	fake := tokenFake(t)
	fake.SeedWorkflow("acme", "widgets", "deploy.yml")
	g := opsClient(t, tokenClients(t, fake), 0)
	ctx := context.Background()
	if err := g.DispatchWorkflow(ctx, testRepo, "deploy.yml", "main", map[string]string{"issueops_id": "issueops-9"}); err != nil {
		t.Fatal(err)
	}
	run := fake.WorkflowRuns("acme", "widgets")[0]

	// 202 (go-github's AcceptedError) is success, and the run is cancelled.
	if err := g.CancelWorkflowRun(ctx, testRepo, run.ID); err != nil {
		t.Fatalf("CancelWorkflowRun of a queued run: %v", err)
	}
	got, err := g.GetWorkflowRun(ctx, testRepo, run.ID)
	if err != nil || got.Status != "completed" || got.Conclusion != "cancelled" {
		t.Fatalf("run after cancel = %+v, %v", got, err)
	}
	// 409 "Cannot cancel a workflow run that is completed.": nothing to do.
	if err := g.CancelWorkflowRun(ctx, testRepo, run.ID); err != nil {
		t.Fatalf("CancelWorkflowRun of a completed run: %v", err)
	}
	if rs := fake.RequestsTo(routeCancel); len(rs) != 2 || rs[0].Status != 202 || rs[1].Status != 409 {
		t.Fatalf("cancel requests %+v", rs)
	}
	// An unknown run: 404, permanent.
	err = g.CancelWorkflowRun(ctx, testRepo, 1)
	wantPermanent(t, err)
	if !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("cancel of an unknown run: %v", err)
	}

	fake.Inject(githubtest.Fault{Route: routeCancel, Kind: githubtest.Status500})
	wantTransient(t, g.CancelWorkflowRun(ctx, testRepo, run.ID))
	fake.Inject(githubtest.Fault{Route: routeCancel, Kind: githubtest.TooMany429, RetryAfter: 7 * time.Second})
	wantRetryAfter(t, g.CancelWorkflowRun(ctx, testRepo, run.ID), 7*time.Second, 7*time.Second)
}

func TestHasCorrelation(t *testing.T) {
	for _, c := range []struct {
		title, id string
		want      bool
	}{
		{"issueops-42", "issueops-42", true},
		{"Deploy issueops-42 to staging", "issueops-42", true},
		{"deploy-issueops-42", "issueops-42", true},
		{"[issueops-42]", "issueops-42", true},
		{"issueops-42: v1.2.3", "issueops-42", true},
		{"issueops-420", "issueops-42", false},
		{"xissueops-42", "issueops-42", false},
		{"issueops-420 then issueops-42", "issueops-42", true},
		{"étéissueops-42", "issueops-42", false},
		{"été issueops-42", "issueops-42", true},
		{"42", "42", true},
		{"142", "42", false},
		{"", "42", false},
		{"anything", "", false},
		{"aaa", "aa", false},
	} {
		if got := hasCorrelation(c.title, c.id); got != c.want {
			t.Errorf("hasCorrelation(%q, %q) = %v, want %v", c.title, c.id, got, c.want)
		}
	}
}

func FuzzHasCorrelation(f *testing.F) {
	for _, s := range [][2]string{{"Deploy issueops-42 to staging", "issueops-42"}, {"issueops-420", "issueops-42"},
		{"aaa", "aa"}, {"\xff42\xff", "42"}, {"é42", "42"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, title, id string) {
		got := hasCorrelation(title, id)
		if got && (id == "" || !strings.Contains(title, id)) {
			t.Fatalf("hasCorrelation(%q, %q) without the id in the title", title, id)
		}
		// Spaces around the id always make it a word of its own.
		if id != "" && !hasCorrelation(title+" "+id+" ", id) {
			t.Fatalf("hasCorrelation(%q, %q) misses the id as a separate word", title+" "+id+" ", id)
		}
		// A letter glued to both sides hides the id: "x" + id + "x" holds
		// it only right after the first x (id has no x of its own).
		if id != "" && !strings.Contains(id, "x") && hasCorrelation("x"+id+"x", id) {
			t.Fatalf("hasCorrelation(%q, %q) matched inside a word", "x"+id+"x", id)
		}
	})
}
