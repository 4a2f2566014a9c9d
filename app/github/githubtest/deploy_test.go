package githubtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/issueops/issueops/app/github/githubtest"
)

const (
	routeCreateDeployment = "POST /repos/{owner}/{repo}/deployments"
	routeCreateStatus     = "POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses"
)

// corpusPayload reads one of the shared webhook examples, or skips.
func corpusPayload(t *testing.T, name string) map[string]any {
	t.Helper()
	for _, dir := range []string{"../../../../shared/corpora/webhooks", "../../../../../shared/corpora/webhooks"} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return m
	}
	t.Skip("no shared webhook corpus (shared/corpora/webhooks)")
	return nil
}

// wantKeysOf checks that got has every member the real payload has, at the
// top and in the named objects (their own nested objects are the fake's
// shared user and repository renderers, checked elsewhere).
func wantKeysOf(t *testing.T, real, got map[string]any, objects ...string) {
	t.Helper()
	missing := func(a, b map[string]any, at string) {
		for k := range a {
			if _, ok := b[k]; !ok && k != "organization" && k != "enterprise" {
				t.Errorf("%s: no %q, which GitHub sends", at, k)
			}
		}
	}
	missing(real, got, "payload")
	for _, o := range objects {
		a, _ := real[o].(map[string]any)
		b, _ := got[o].(map[string]any)
		missing(a, b, o)
	}
}

func TestDeploymentsThroughGoGitHub(t *testing.T) {
	s, sha := seeded(t)
	c := goGitHub(t, s)
	ctx := context.Background()
	d, _, err := c.Repositories.CreateDeployment(ctx, "acme", "widgets", &gh.DeploymentRequest{
		Ref: gh.String(sha), Environment: gh.String("staging"), AutoMerge: gh.Bool(false),
		RequiredContexts: &[]string{}, Payload: map[string]int{"issueops_operation": 3},
	})
	if err != nil || d.GetSHA() != sha || d.GetCreator().GetLogin() != "issueops-test" || string(d.Payload) != `{"issueops_operation":3}` || d.GetTask() != "deploy" {
		t.Fatalf("CreateDeployment = %+v, %v", d, err)
	}
	byBranch, _, err := c.Repositories.CreateDeployment(ctx, "acme", "widgets", &gh.DeploymentRequest{Ref: gh.String("feature/x")})
	if err != nil || byBranch.GetEnvironment() != "production" || byBranch.GetRef() != "feature/x" || len(byBranch.GetSHA()) != 40 {
		t.Fatalf("by branch: %+v, %v", byBranch, err)
	}
	_, _, err = c.Repositories.CreateDeployment(ctx, "acme", "widgets", &gh.DeploymentRequest{Ref: gh.String("nope")})
	wantGitHubStatus(t, err, http.StatusUnprocessableEntity)

	for _, state := range []string{"queued", "success"} {
		if _, _, err := c.Repositories.CreateDeploymentStatus(ctx, "acme", "widgets", d.GetID(), &gh.DeploymentStatusRequest{
			State: gh.String(state), LogURL: gh.String("https://ci.example/" + state),
		}); err != nil {
			t.Fatalf("status %s: %v", state, err)
		}
	}
	statuses, _, err := c.Repositories.ListDeploymentStatuses(ctx, "acme", "widgets", d.GetID(), nil)
	if err != nil || len(statuses) != 2 || statuses[0].GetState() != "success" || statuses[0].GetLogURL() != "https://ci.example/success" ||
		statuses[0].GetTargetURL() != statuses[0].GetLogURL() || statuses[0].GetEnvironment() != "staging" {
		t.Fatalf("ListDeploymentStatuses = %+v, %v", statuses, err)
	}
	list, _, err := c.Repositories.ListDeployments(ctx, "acme", "widgets", &gh.DeploymentsListOptions{Environment: "staging"})
	if err != nil || len(list) != 1 || list[0].GetID() != d.GetID() {
		t.Fatalf("ListDeployments = %+v, %v", list, err)
	}
	all, _, err := c.Repositories.ListDeployments(ctx, "acme", "widgets", nil)
	if err != nil || len(all) != 2 || all[0].GetID() != byBranch.GetID() {
		t.Fatalf("all deployments, newest first = %+v, %v", all, err)
	}
	_, _, err = c.Repositories.ListDeploymentStatuses(ctx, "acme", "widgets", 42, nil)
	wantGitHubStatus(t, err, http.StatusNotFound)
	_, _, err = c.Repositories.ListDeployments(ctx, "acme", "nowhere", nil)
	wantGitHubStatus(t, err, http.StatusNotFound)
}

func TestDeploymentValidation(t *testing.T) {
	s, sha := seeded(t)
	auth := "token " + staticToken
	wantMessage(t, do(t, s, "POST", ownerRepo+"/deployments", auth, `{}`), 422, "Invalid request.\n\n\"ref\" wasn't supplied.")
	wantMessage(t, do(t, s, "POST", ownerRepo+"/deployments", auth, `{"ref":"nope"}`), 422, "No ref found for: nope")
	wantStatus(t, do(t, s, "POST", ownerRepo+"/deployments", auth, `{"ref":"main","auto_merge":"no"}`), 422)
	wantStatus(t, do(t, s, "POST", ownerRepo+"/deployments", auth, `{"ref":"main","payload":[1]}`), 422)
	wantStatus(t, do(t, s, "POST", ownerRepo+"/deployments", auth, `{"ref":`), 400)
	wantMessage(t, do(t, s, "POST", "repos/acme/empty/deployments", auth, `{"ref":"main"}`), 409, "Git Repository is empty.")
	id := s.SeedDeployment("acme", "widgets", githubtest.Deployment{SHA: sha})
	statuses := fmt.Sprintf("%s/deployments/%d/statuses", ownerRepo, id)
	wantMessage(t, do(t, s, "POST", statuses, auth, `{}`), 422, "Invalid request.\n\n\"state\" wasn't supplied.")
	wantStatus(t, do(t, s, "POST", statuses, auth, `{"state":"done"}`), 422)
	wantStatus(t, do(t, s, "POST", statuses, auth, `{"state":"success","description":"`+strings.Repeat("x", 141)+`"}`), 422)
	wantStatus(t, do(t, s, "POST", ownerRepo+"/deployments/99/statuses", auth, `{"state":"success"}`), 404)
	r := do(t, s, "POST", statuses, auth, `{"state":"success","target_url":"https://old.example","environment_url":"https://env.example"}`)
	wantStatus(t, r, 201)
	if m := r.object(t); m["log_url"] != "https://old.example" || m["environment_url"] != "https://env.example" {
		t.Fatalf("status %v: target_url is log_url's alias", m)
	}
}

func TestAutoInactive(t *testing.T) {
	s, sha := seeded(t)
	auth := "token " + staticToken
	old := s.SeedDeployment("acme", "widgets", githubtest.Deployment{SHA: sha, Environment: "staging"}, "success")
	keep := s.SeedDeployment("acme", "widgets", githubtest.Deployment{SHA: sha, Environment: "staging"})
	wantStatus(t, do(t, s, "POST", fmt.Sprintf("%s/deployments/%d/statuses", ownerRepo, keep), auth, `{"state":"success","auto_inactive":false}`), 201)
	if got := lastState(s, old); got != "success" {
		t.Fatalf("auto_inactive false still deactivated: %s", got)
	}
	// A production deployment's success deactivates older ones, but is
	// itself never deactivated.
	prod := s.SeedDeployment("acme", "widgets", githubtest.Deployment{SHA: sha, Environment: "staging", Production: true}, "success")
	failed := s.SeedDeployment("acme", "widgets", githubtest.Deployment{SHA: sha, Environment: "staging"}, "failure")
	other := s.SeedDeployment("acme", "widgets", githubtest.Deployment{SHA: sha, Environment: "qa"}, "success")
	newest := s.SeedDeployment("acme", "widgets", githubtest.Deployment{SHA: sha, Environment: "staging"})
	wantStatus(t, do(t, s, "POST", fmt.Sprintf("%s/deployments/%d/statuses", ownerRepo, newest), auth, `{"state":"success"}`), 201)
	for id, want := range map[int64]string{old: "inactive", keep: "inactive", prod: "success", failed: "failure", other: "success", newest: "success"} {
		if got := lastState(s, id); got != want {
			t.Errorf("deployment %d ends %s, want %s", id, got, want)
		}
	}
	sts := s.DeploymentStatuses("acme", "widgets", old)
	if len(sts) != 2 || sts[1].Creator != "octocat" { // by the one whose success did it
		t.Errorf("statuses of the deactivated deployment %+v", sts)
	}
}

// delivery returns the i'th delivery the receiver got.
func (r *hookReceiver) delivery(i int) (http.Header, []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got[i], r.body[i]
}

func lastState(s *githubtest.Server, id int64) string {
	sts := s.DeploymentStatuses("acme", "widgets", id)
	if len(sts) == 0 {
		return ""
	}
	return sts[len(sts)-1].State
}

// The CD system's status, through AddDeploymentStatus, reaches the app as
// GitHub's deployment_status event, with the installation that made the
// deployment.
func TestAddDeploymentStatusSendsEvent(t *testing.T) {
	s, sha := seeded(t)
	recv := newReceiver(t, http.StatusAccepted)
	s.SetWebhook(recv.URL, "hook-secret")
	inst := installToken(t, s)
	r := do(t, s, "POST", ownerRepo+"/deployments", inst, `{"ref":"`+sha+`","environment":"staging","payload":{"issueops_operation":12}}`)
	wantStatus(t, r, http.StatusCreated)
	var created struct{ ID int64 }
	r.json(t, &created)
	if d := s.Deployments("acme", "widgets"); len(d) != 1 || d[0].Creator != testSlug+"[bot]" {
		t.Fatalf("deployments %+v", d)
	}
	if recv.count() != 0 {
		t.Fatal("creating a deployment through the API sent an event")
	}

	s.AddDeploymentStatus("acme", "widgets", created.ID, "success", "argo-cd[bot]")
	if recv.count() != 1 {
		t.Fatalf("%d deliveries, want 1", recv.count())
	}
	hdr, body := recv.delivery(0)
	if ev := hdr.Get("X-GitHub-Event"); ev != "deployment_status" {
		t.Fatalf("event %q", ev)
	}
	var event gh.DeploymentStatusEvent
	if err := json.Unmarshal(body, &event); err != nil {
		t.Fatal(err)
	}
	if event.GetDeploymentStatus().GetState() != "success" || event.GetDeployment().GetID() != created.ID ||
		event.GetDeployment().GetSHA() != sha || string(event.GetDeployment().Payload) != `{"issueops_operation":12}` ||
		event.GetInstallation().GetID() != testInstall || event.GetSender().GetLogin() != "argo-cd[bot]" ||
		event.GetRepo().GetFullName() != "acme/widgets" || event.GetDeploymentStatus().GetCreator().GetType() != "Bot" {
		t.Fatalf("event %s", body)
	}
	var got map[string]any
	_ = json.Unmarshal(body, &got)
	wantKeysOf(t, corpusPayload(t, "deployment_status.created.with-installation.json"), got, "deployment_status", "deployment")
	if a := s.HookAttempts(); len(a) != 1 || a[0].Event != "deployment_status" || a[0].Action != "created" {
		t.Fatalf("attempts %+v", a)
	}
}

// In token mode there is no installation; without a webhook nothing is sent.
func TestAddDeploymentStatusTokenMode(t *testing.T) {
	s := githubtest.New(githubtest.Options{Tokens: []string{staticToken}})
	t.Cleanup(s.Close)
	sha := seedFixture(s)
	id := s.SeedDeployment("acme", "widgets", githubtest.Deployment{SHA: sha, Environment: "staging", Creator: "alice"})
	s.AddDeploymentStatus("acme", "widgets", id, "in_progress", "ci")
	if len(s.HookAttempts()) != 0 {
		t.Fatal("an event without a webhook")
	}
	recv := newReceiver(t, http.StatusOK)
	s.SetWebhook(recv.URL, "")
	s.AddDeploymentStatus("acme", "widgets", id, "success", "ci")
	var m map[string]any
	if _, body := recv.delivery(0); json.Unmarshal(body, &m) != nil {
		t.Fatalf("event %s", body)
	}
	if _, has := m["installation"]; has {
		t.Fatalf("token-mode event with an installation: %v", m["installation"])
	}
	sts := s.DeploymentStatuses("acme", "widgets", id)
	if len(sts) != 2 || sts[0].State != "in_progress" || sts[1].Creator != "ci" || sts[1].CreatedAt.IsZero() {
		t.Fatalf("statuses %+v", sts)
	}
	if d := s.Deployments("acme", "widgets"); d[0].Creator != "alice" || d[0].Task != "deploy" || d[0].Ref != sha {
		t.Fatalf("seeded deployment %+v", d[0])
	}
}

func TestSeedDeploymentPanics(t *testing.T) {
	s := newServer(t)
	for name, fn := range map[string]func(){
		"bad seed state":  func() { s.SeedDeployment("acme", "widgets", githubtest.Deployment{SHA: "x"}, "done") },
		"unknown":         func() { s.AddDeploymentStatus("acme", "widgets", 1, "success", "ci") },
		"bad added state": func() { s.AddDeploymentStatus("acme", "widgets", 1, "won", "ci") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			fn()
		}()
	}
}

func TestPermissionsAndTeams(t *testing.T) {
	s := newServer(t)
	c := goGitHub(t, s)
	ctx := context.Background()
	s.SetPermission("acme", "widgets", "Alice", "write", "maintain")
	r := do(t, s, "GET", ownerRepo+"/collaborators/alice/permission", "token "+staticToken, "")
	wantStatus(t, r, 200)
	var p struct {
		Permission string
		RoleName   string `json:"role_name"`
		User       struct {
			Login       string
			Permissions map[string]bool
			RoleName    string `json:"role_name"`
		}
	}
	r.json(t, &p)
	if p.RoleName != "maintain" || p.User.Login != "Alice" || !p.User.Permissions["maintain"] || p.User.Permissions["admin"] {
		t.Fatalf("permission %s", r.body)
	}
	level, _, err := c.Repositories.GetPermissionLevel(ctx, "acme", "widgets", "alice")
	if err != nil || level.GetPermission() != "write" {
		t.Fatalf("GetPermissionLevel = %+v, %v", level, err)
	}
	s.SetPermission("acme", "widgets", "alice", "", "")
	_, _, err = c.Repositories.GetPermissionLevel(ctx, "acme", "widgets", "alice")
	wantGitHubStatus(t, err, 404)

	s.SetTeamMember("acme", "ops", "bob", "pending")
	m, _, err := c.Teams.GetTeamMembershipBySlug(ctx, "acme", "ops", "bob")
	if err != nil || m.GetState() != "pending" || m.GetRole() != "member" {
		t.Fatalf("membership %+v, %v", m, err)
	}
	s.SetTeamMember("acme", "ops", "bob", "")
	_, _, err = c.Teams.GetTeamMembershipBySlug(ctx, "acme", "ops", "bob")
	wantGitHubStatus(t, err, 404)

	s.SetPermission("acme", "widgets", "alice", "read", "triage")
	s.Reset()
	_, _, err = c.Repositories.GetPermissionLevel(ctx, "acme", "widgets", "alice")
	wantGitHubStatus(t, err, 404)
	for _, bad := range []func(){
		func() { s.SetPermission("acme", "widgets", "x", "maintain", "maintain") }, // maintain is a role, not a permission
		func() { s.SetTeamMember("acme", "ops", "x", "invited") },
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

// Every new route is reached through the fault machinery like the others.
func TestFaultsOnOperationRoutes(t *testing.T) {
	s, sha := seeded(t)
	auth := "token " + staticToken
	s.Inject(githubtest.Fault{Route: routeCreateDeployment, Kind: githubtest.Status500})
	wantStatus(t, do(t, s, "POST", ownerRepo+"/deployments", auth, `{"ref":"main"}`), 500)
	if len(s.Deployments("acme", "widgets")) != 0 {
		t.Fatal("a 500 fault created a deployment")
	}
	id := s.SeedDeployment("acme", "widgets", githubtest.Deployment{SHA: sha})
	s.Inject(githubtest.Fault{Route: routeCreateStatus, Kind: githubtest.DropAfterWrite})
	if _, err := send(http.DefaultClient, s, "POST", fmt.Sprintf("%s/deployments/%d/statuses", ownerRepo, id), auth, `{"state":"success"}`); err == nil {
		t.Fatal("a dropped response answered")
	}
	if sts := s.DeploymentStatuses("acme", "widgets", id); len(sts) != 1 {
		t.Fatalf("the dropped write did not happen: %+v", sts)
	}
	s.Inject(githubtest.Fault{Route: "GET /repos/{owner}/{repo}/collaborators/{username}/permission", Kind: githubtest.TooMany429, RetryAfter: time.Second})
	r := do(t, s, "GET", ownerRepo+"/collaborators/alice/permission", auth, "")
	if r.status != 429 || r.header.Get("Retry-After") != "1" {
		t.Fatalf("429 fault: %d %v", r.status, r.header)
	}
	reqs := s.RequestsTo(routeCreateStatus)
	if len(reqs) != 1 || reqs[0].Status != 0 || !slices.Contains(githubtest.Routes(), routeCreateStatus) {
		t.Fatalf("recorded %+v", reqs)
	}
}
