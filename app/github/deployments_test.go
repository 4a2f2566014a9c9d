package github

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/github/githubtest"
)

const (
	routeCreateDeployment = "POST /repos/{owner}/{repo}/deployments"
	routeListDeployments  = "GET /repos/{owner}/{repo}/deployments"
	routeCreateStatus     = "POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses"
	routeListStatuses     = "GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses"
)

// seedHistory gives acme/widgets two commits on main and returns them.
func seedHistory(fake *githubtest.Server) (first, head string) {
	fake.SeedRepo("acme", "widgets", "main")
	first = fake.SeedCommit("acme", "widgets", "main", map[string]string{"app.txt": "1\n"})
	head = fake.SeedCommit("acme", "widgets", "main", map[string]string{"app.txt": "2\n"})
	return first, head
}

func decodeBody(t *testing.T, r githubtest.Request) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("request body %q: %v", r.Body, err)
	}
	return m
}

func TestCreateDeployment(t *testing.T) {
	fake := tokenFake(t)
	_, head := seedHistory(fake)
	g := opsClient(t, tokenClients(t, fake), 0)
	ctx := context.Background()

	d, err := g.CreateDeployment(ctx, testRepo, app.NewDeployment{SHA: head, Environment: "production", Description: "v1.2.3", OperationID: 41})
	if err != nil {
		t.Fatalf("CreateDeployment: %v", err)
	}
	if d.ID == 0 || d.SHA != head || d.Ref != head || d.Environment != "production" || d.OperationID != 41 ||
		d.Creator != "issueops-test" || d.Description != "v1.2.3" || d.CreatedAt.IsZero() {
		t.Fatalf("deployment %+v", d)
	}
	stored := fake.Deployments("acme", "widgets")
	if len(stored) != 1 || stored[0].ID != d.ID || stored[0].Production || stored[0].Transient ||
		string(stored[0].Payload) != `{"issueops_operation":41}` {
		t.Fatalf("stored %+v (payload %s)", stored, stored[0].Payload)
	}
	body := decodeBody(t, fake.RequestsTo(routeCreateDeployment)[0])
	for k, want := range map[string]any{"ref": head, "environment": "production", "task": "deploy",
		"auto_merge": false, "production_environment": false, "transient_environment": false} {
		if body[k] != want {
			t.Errorf("request %s = %v, want %v", k, body[k], want)
		}
	}
	if rc, ok := body["required_contexts"].([]any); !ok || len(rc) != 0 {
		t.Errorf("required_contexts = %#v, want []", body["required_contexts"])
	}

	// Without an operation there is no payload; Production is passed on.
	if _, err := g.CreateDeployment(ctx, testRepo, app.NewDeployment{SHA: head, Environment: "prod", Production: true}); err != nil {
		t.Fatal(err)
	}
	body = decodeBody(t, fake.RequestsTo(routeCreateDeployment)[1])
	if _, has := body["payload"]; has || body["production_environment"] != true {
		t.Errorf("second request %v", body)
	}
}

func TestCreateDeploymentRefusals(t *testing.T) {
	fake := tokenFake(t)
	_, head := seedHistory(fake)
	g := opsClient(t, tokenClients(t, fake), 0)
	ctx := context.Background()
	for _, d := range []app.NewDeployment{
		{SHA: "main", Environment: "staging"},    // a branch moves: never deployed by name
		{SHA: head[:12], Environment: "staging"}, // nor a prefix
		{SHA: head},                              // no environment
	} {
		_, err := g.CreateDeployment(ctx, testRepo, d)
		wantPermanent(t, err)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Fatalf("%d requests for refused deployments", n)
	}
	// A full SHA GitHub does not know: its 422 is permanent.
	_, err := g.CreateDeployment(ctx, testRepo, app.NewDeployment{SHA: strings.Repeat("ab", 20), Environment: "staging"})
	wantPermanent(t, err)
}

func TestListDeployments(t *testing.T) {
	fake := tokenFake(t)
	first, head := seedHistory(fake)
	g := opsClient(t, tokenClients(t, fake), 0)
	ctx := context.Background()
	past := time.Now().Add(-time.Hour)
	// Someone else's deployment claims to be operation 7: it must not count.
	forged := fake.SeedDeployment("acme", "widgets", githubtest.Deployment{SHA: first, Environment: "staging",
		Payload: json.RawMessage(`{"issueops_operation":7}`), CreatedAt: past}, "success")
	ours, err := g.CreateDeployment(ctx, testRepo, app.NewDeployment{SHA: head, Environment: "staging", OperationID: 7})
	if err != nil {
		t.Fatal(err)
	}
	fake.SeedDeployment("acme", "widgets", githubtest.Deployment{SHA: head, Environment: "production"})

	list, err := g.ListDeployments(ctx, testRepo, "staging", "", 10)
	if err != nil || len(list) != 2 {
		t.Fatalf("ListDeployments = %+v, %v", list, err)
	}
	if list[0].ID != ours.ID || list[0].OperationID != 7 || list[1].ID != forged || list[1].OperationID != 0 || list[1].Creator != "octocat" {
		t.Fatalf("newest first, only ours with an operation: %+v", list)
	}
	if !list[1].CreatedAt.Equal(past.Truncate(time.Second)) {
		t.Errorf("created_at %v, want %v", list[1].CreatedAt, past)
	}
	bySHA, err := g.ListDeployments(ctx, testRepo, "staging", first, 10)
	if err != nil || len(bySHA) != 1 || bySHA[0].ID != forged {
		t.Fatalf("by sha = %+v, %v", bySHA, err)
	}
	q := fake.RequestsTo(routeListDeployments)[1].Query
	if q.Get("sha") != first || q.Get("environment") != "staging" || q.Get("per_page") != "10" {
		t.Errorf("query %v", q)
	}
}

func TestListDeploymentsPagesUpToLimit(t *testing.T) {
	fake := tokenFake(t)
	_, head := seedHistory(fake)
	for range 130 {
		fake.SeedDeployment("acme", "widgets", githubtest.Deployment{SHA: head, Environment: "staging"})
	}
	g := opsClient(t, tokenClients(t, fake), 0)
	for limit, wantReqs := range map[int]int{120: 2, 100: 1, 3: 1, 500: 2, 0: 1} {
		before := len(fake.RequestsTo(routeListDeployments))
		list, err := g.ListDeployments(context.Background(), testRepo, "staging", "", limit)
		want := min(limit, 130)
		if limit == 0 {
			want = 30
		}
		if err != nil || len(list) != want {
			t.Fatalf("limit %d: %d deployments, %v; want %d", limit, len(list), err, want)
		}
		if n := len(fake.RequestsTo(routeListDeployments)) - before; n != wantReqs {
			t.Errorf("limit %d: %d requests, want %d", limit, n, wantReqs)
		}
		if list[0].ID <= list[len(list)-1].ID {
			t.Errorf("limit %d: not newest first", limit)
		}
	}
}

func TestDeploymentStatuses(t *testing.T) {
	fake := tokenFake(t)
	_, head := seedHistory(fake)
	g := opsClient(t, tokenClients(t, fake), 0)
	ctx := context.Background()
	older := fake.SeedDeployment("acme", "widgets", githubtest.Deployment{SHA: head, Environment: "staging"}, "success")
	d, err := g.CreateDeployment(ctx, testRepo, app.NewDeployment{SHA: head, Environment: "staging", OperationID: 1})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("é", 200)
	for _, s := range []app.DeploymentStatus{
		{State: "in_progress"},
		{State: "success", Description: long, LogURL: "https://github.com/acme/widgets/actions/runs/1"},
	} {
		if err := g.CreateDeploymentStatus(ctx, testRepo, d.ID, s); err != nil {
			t.Fatalf("CreateDeploymentStatus(%s): %v", s.State, err)
		}
	}
	reqs := fake.RequestsTo(routeCreateStatus)
	if first := decodeBody(t, reqs[0]); len(first) != 1 || first["state"] != "in_progress" {
		t.Errorf("first status request %v: log_url and description only when given", first)
	}
	second := decodeBody(t, reqs[1])
	if desc, _ := second["description"].(string); utf8.RuneCountInString(desc) != 140 || !strings.HasSuffix(desc, "…") {
		t.Errorf("description %q, want cut to 140 characters", desc)
	}
	if second["log_url"] != "https://github.com/acme/widgets/actions/runs/1" {
		t.Errorf("log_url %v", second["log_url"])
	}

	got, err := g.ListDeploymentStatuses(ctx, testRepo, d.ID)
	if err != nil || len(got) != 2 || got[0].State != "success" || got[1].State != "in_progress" ||
		got[0].LogURL != "https://github.com/acme/widgets/actions/runs/1" || got[0].CreatedAt.IsZero() {
		t.Fatalf("ListDeploymentStatuses = %+v, %v", got, err)
	}
	// GitHub's auto_inactive: the older success in staging is now inactive.
	if old, err := g.ListDeploymentStatuses(ctx, testRepo, older); err != nil || len(old) != 2 || old[0].State != "inactive" {
		t.Fatalf("older deployment's statuses = %+v, %v", old, err)
	}
	_, err = g.ListDeploymentStatuses(ctx, testRepo, 12345)
	if !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("statuses of an unknown deployment: %v, want not found", err)
	}
	err = g.CreateDeploymentStatus(ctx, testRepo, d.ID, app.DeploymentStatus{State: "done"})
	wantPermanent(t, err)
}

func TestDeploymentsAppMode(t *testing.T) {
	fake := appFake(t)
	_, head := seedHistory(fake)
	g := opsClient(t, appClients(t, fake), 42)
	ctx := context.Background()
	d, err := g.CreateDeployment(ctx, testRepo, app.NewDeployment{SHA: head, Environment: "staging", OperationID: 9})
	if err != nil || d.Creator != "issueops-test[bot]" {
		t.Fatalf("CreateDeployment = %+v, %v", d, err)
	}
	list, err := g.ListDeployments(ctx, testRepo, "staging", head, 5)
	if err != nil || len(list) != 1 || list[0].OperationID != 9 {
		t.Fatalf("ListDeployments = %+v, %v; the bot's own deployment names its operation", list, err)
	}
}

func TestDeploymentFaults(t *testing.T) {
	for _, c := range []struct {
		route string
		fault githubtest.FaultKind
		check func(*testing.T, error)
	}{
		{routeCreateDeployment, githubtest.Status500, func(t *testing.T, err error) { wantTransient(t, err) }},
		{routeCreateDeployment, githubtest.SecondaryRateLimit403, func(t *testing.T, err error) { wantRetryAfter(t, err, time.Minute, time.Hour) }},
		{routeListDeployments, githubtest.PrimaryRateLimit, func(t *testing.T, err error) { wantRetryAfter(t, err, 50*time.Second, 70*time.Second) }},
		{routeCreateStatus, githubtest.DropAfterWrite, func(t *testing.T, err error) { wantTransient(t, err) }},
		{routeListStatuses, githubtest.Status503, func(t *testing.T, err error) { wantTransient(t, err) }},
	} {
		t.Run(fmt.Sprintf("%s %s", c.route, c.fault), func(t *testing.T) {
			fake := tokenFake(t)
			_, head := seedHistory(fake)
			id := fake.SeedDeployment("acme", "widgets", githubtest.Deployment{SHA: head, Environment: "staging"})
			g := opsClient(t, tokenClients(t, fake), 0)
			ctx := context.Background()
			fake.Inject(githubtest.Fault{Route: c.route, Kind: c.fault})
			var err error
			switch c.route {
			case routeCreateDeployment:
				_, err = g.CreateDeployment(ctx, testRepo, app.NewDeployment{SHA: head, Environment: "staging"})
			case routeListDeployments:
				_, err = g.ListDeployments(ctx, testRepo, "staging", "", 5)
			case routeCreateStatus:
				err = g.CreateDeploymentStatus(ctx, testRepo, id, app.DeploymentStatus{State: "success"})
			case routeListStatuses:
				_, err = g.ListDeploymentStatuses(ctx, testRepo, id)
			}
			c.check(t, err)
		})
	}
}
