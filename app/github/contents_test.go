package github

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/github/githubtest"
)

const (
	routePutContents = "PUT /repos/{owner}/{repo}/contents/{path}"
	routeListCommits = "GET /repos/{owner}/{repo}/commits"
	routeCompare     = "GET /repos/{owner}/{repo}/compare/{basehead}"
	routeEditIssue   = "PATCH /repos/{owner}/{repo}/issues/{issue_number}"
	releaseFile      = "clusters/prod/api/release.yaml"
)

var infra = app.Repo{Owner: "acme", Name: "flux-infra"}

func TestGitOpsFileUpdate(t *testing.T) {
	fake := tokenFake(t)
	fake.SeedRepo("acme", "flux-infra", "main")
	fake.SeedCommit("acme", "flux-infra", "main", map[string]string{releaseFile: "tag: v1\n", "README.md": "infra\n"})
	g := opsClient(t, tokenClients(t, fake), 0)
	ctx := context.Background()

	f, found, err := g.GetFile(ctx, infra, "main", releaseFile)
	if err != nil || !found || string(f.Content) != "tag: v1\n" || len(f.BlobSHA) != 40 {
		t.Fatalf("GetFile = %+v, %v, %v", f, found, err)
	}
	sha, err := g.PutFile(ctx, infra, "main", releaseFile, "deploy api v2 (issueops-3)", []byte("tag: v2\n"), f.BlobSHA)
	if err != nil {
		t.Fatalf("PutFile: %v", err)
	}
	if head, _, _ := g.ResolveRef(ctx, infra, "main"); head != sha {
		t.Fatalf("PutFile returned %s, main is at %s", sha, head)
	}
	body := decodeBody(t, fake.RequestsTo(routePutContents)[0])
	if body["content"] != base64.StdEncoding.EncodeToString([]byte("tag: v2\n")) || body["sha"] != f.BlobSHA ||
		body["branch"] != "main" || body["message"] != "deploy api v2 (issueops-3)" {
		t.Errorf("PUT body %v", body)
	}
	if now, _, _ := g.GetFile(ctx, infra, "main", releaseFile); string(now.Content) != "tag: v2\n" {
		t.Fatalf("file after the update %q", now.Content)
	}

	// The read blob is stale now: a conflict, never a silent overwrite.
	_, err = g.PutFile(ctx, infra, "main", releaseFile, "again", []byte("tag: v3\n"), f.BlobSHA)
	if !errors.Is(err, app.ErrConflict) || !errors.Is(err, app.ErrPermanent) {
		t.Fatalf("stale blob: %v, want ErrConflict", err)
	}
	// Creating a file that exists (read as absent) conflicts too.
	_, err = g.PutFile(ctx, infra, "main", releaseFile, "again", []byte("tag: v3\n"), "")
	if !errors.Is(err, app.ErrConflict) {
		t.Fatalf("create over an existing file: %v, want ErrConflict", err)
	}

	commits, err := g.ListCommits(ctx, infra, "main", releaseFile, 5)
	if err != nil || len(commits) != 2 || commits[0].SHA != sha || commits[0].Message != "deploy api v2 (issueops-3)" ||
		commits[0].Author != "issueops-test" || commits[1].Author != "octocat" {
		t.Fatalf("ListCommits = %+v, %v", commits, err)
	}
	q := fake.RequestsTo(routeListCommits)[0].Query
	if q.Get("sha") != "main" || q.Get("path") != releaseFile || q.Get("per_page") != "5" {
		t.Errorf("list query %v", q)
	}
	if only, err := g.ListCommits(ctx, infra, "main", "README.md", 5); err != nil || len(only) != 1 {
		t.Fatalf("commits touching README.md = %+v, %v", only, err)
	}
}

func TestPutFileNewFilesAndPaths(t *testing.T) {
	fake := tokenFake(t)
	fake.SeedRepo("acme", "flux-infra", "main")
	fake.SeedCommit("acme", "flux-infra", "main", map[string]string{"a": "1"})
	fake.SeedCommit("acme", "flux-infra", "env/prod", map[string]string{"a": "2"})
	g := opsClient(t, tokenClients(t, fake), 0)
	ctx := context.Background()
	for _, path := range []string{"apps/my app/values?.yaml", "100%/#1.yaml", "a:b/c.yaml"} {
		if _, err := g.PutFile(ctx, infra, "env/prod", path, "add "+path, []byte("x: 1\n"), ""); err != nil {
			t.Fatalf("PutFile(%q): %v", path, err)
		}
		got, found, err := g.GetFile(ctx, infra, "env/prod", path)
		if err != nil || !found || string(got.Content) != "x: 1\n" {
			t.Fatalf("GetFile(%q) = %q, %v, %v", path, got.Content, found, err)
		}
		if _, found, _ := g.GetFile(ctx, infra, "main", path); found {
			t.Fatalf("%q written on main too", path)
		}
	}
	before := len(fake.Requests())
	for _, bad := range []string{"", "../etc/passwd", "a//b", "a/./b", "dir/"} {
		_, err := g.PutFile(ctx, infra, "main", bad, "m", []byte("x"), "")
		wantPermanent(t, err)
	}
	if n := len(fake.Requests()) - before; n != 0 {
		t.Fatalf("%d requests for invalid paths", n)
	}
	_, _, err := g.GetFile(ctx, infra, "main", "a/../b")
	wantPermanent(t, err)
	// An unknown branch is GitHub's 404: permanent, and no conflict.
	_, err = g.PutFile(ctx, infra, "nope", "a", "m", []byte("x"), "")
	if !errors.Is(err, app.ErrNotFound) || errors.Is(err, app.ErrConflict) {
		t.Fatalf("unknown branch: %v", err)
	}
}

func TestPutFileFaults(t *testing.T) {
	fake := tokenFake(t)
	fake.SeedCommit("acme", "flux-infra", "main", map[string]string{releaseFile: "tag: v1\n"})
	g := opsClient(t, tokenClients(t, fake), 0)
	ctx := context.Background()
	f, _, _ := g.GetFile(ctx, infra, "main", releaseFile)

	fake.Inject(githubtest.Fault{Route: routePutContents, Kind: githubtest.Status502})
	_, err := g.PutFile(ctx, infra, "main", releaseFile, "m", []byte("tag: v2\n"), f.BlobSHA)
	wantTransient(t, err)

	// The write happened but its answer was lost: the retry meets a
	// conflict, and the history shows the earlier run's commit.
	fake.Inject(githubtest.Fault{Route: routePutContents, Kind: githubtest.DropAfterWrite})
	_, err = g.PutFile(ctx, infra, "main", releaseFile, "deploy v2 (issueops-9)", []byte("tag: v2\n"), f.BlobSHA)
	wantTransient(t, err)
	_, err = g.PutFile(ctx, infra, "main", releaseFile, "deploy v2 (issueops-9)", []byte("tag: v2\n"), f.BlobSHA)
	if !errors.Is(err, app.ErrConflict) {
		t.Fatalf("retry after a lost answer: %v", err)
	}
	if cs, err := g.ListCommits(ctx, infra, "main", releaseFile, 1); err != nil || len(cs) != 1 || cs[0].Message != "deploy v2 (issueops-9)" {
		t.Fatalf("ListCommits = %+v, %v", cs, err)
	}

	// A repository without commits has no history, not an error.
	fake.SeedRepo("acme", "empty", "")
	if cs, err := g.ListCommits(ctx, app.Repo{Owner: "acme", Name: "empty"}, "main", "", 3); err != nil || len(cs) != 0 {
		t.Fatalf("empty repository: %+v, %v", cs, err)
	}

	fake.Inject(githubtest.Fault{Route: routeListCommits, Kind: githubtest.SecondaryRateLimit403, RetryAfter: 2 * time.Second})
	_, err = g.ListCommits(ctx, infra, "main", "", 1)
	wantRetryAfter(t, err, 2*time.Second, 2*time.Second)
}

func TestListCommitsPages(t *testing.T) {
	fake := tokenFake(t)
	for i := range 130 {
		fake.SeedCommit("acme", "flux-infra", "main", map[string]string{"n": fmt.Sprint(i)})
	}
	g := opsClient(t, tokenClients(t, fake), 0)
	cs, err := g.ListCommits(context.Background(), infra, "main", "n", 120)
	if err != nil || len(cs) != 120 || cs[0].Message != "Update n" {
		t.Fatalf("ListCommits = %d, %v", len(cs), err)
	}
	if n := len(fake.RequestsTo(routeListCommits)); n != 2 {
		t.Fatalf("%d requests, want 2 pages of 100", n)
	}
}

func TestCompareCommitsLimit(t *testing.T) {
	fake := tokenFake(t)
	base := fake.SeedCommit("acme", "widgets", "main", map[string]string{"n": "0"})
	var shas []string
	for i := 1; i <= 130; i++ {
		shas = append(shas, fake.SeedCommit("acme", "widgets", "main", map[string]string{"n": fmt.Sprint(i)}))
	}
	g := opsClient(t, tokenClients(t, fake), 0)
	ctx := context.Background()
	for _, c := range []struct{ limit, commits, requests int }{{3, 3, 1}, {0, 0, 1}, {120, 120, 2}, {500, 130, 2}} {
		before := len(fake.RequestsTo(routeCompare))
		cmp, err := g.CompareCommits(ctx, testRepo, base, "main", c.limit)
		if err != nil || cmp.Status != "ahead" || cmp.AheadBy != 130 || cmp.BehindBy != 0 || len(cmp.Commits) != c.commits || cmp.HTMLURL == "" {
			t.Fatalf("limit %d: %+v (%d commits), %v", c.limit, cmp.Status, len(cmp.Commits), err)
		}
		if c.commits > 0 && (cmp.Commits[0].SHA != shas[0] || cmp.Commits[c.commits-1].SHA != shas[c.commits-1]) {
			t.Fatalf("limit %d: not the oldest first", c.limit)
		}
		if n := len(fake.RequestsTo(routeCompare)) - before; n != c.requests {
			t.Errorf("limit %d: %d requests, want %d", c.limit, n, c.requests)
		}
	}
	if cmp, err := g.CompareCommits(ctx, testRepo, "main", base, 5); err != nil || cmp.Status != "behind" || cmp.BehindBy != 130 || len(cmp.Commits) != 0 {
		t.Fatalf("behind: %+v, %v", cmp, err)
	}
	_, err := g.CompareCommits(ctx, testRepo, "main", "nope", 5)
	if !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("unknown ref: %v", err)
	}
}

func TestCloseIssue(t *testing.T) {
	fake := tokenFake(t)
	fake.SeedIssue("acme", "widgets", githubtest.Issue{Number: 8, Title: "[deploy] v1"})
	g := opsClient(t, tokenClients(t, fake), 0)
	ctx := context.Background()
	for range 2 { // closing a closed issue succeeds
		if err := g.CloseIssue(ctx, testRepo, 8); err != nil {
			t.Fatalf("CloseIssue: %v", err)
		}
	}
	if iss, _ := fake.Issue("acme", "widgets", 8); iss.State != "closed" || iss.StateReason != "completed" {
		t.Fatalf("issue %+v", iss)
	}
	if body := decodeBody(t, fake.RequestsTo(routeEditIssue)[0]); body["state"] != "closed" || body["state_reason"] != "completed" {
		t.Errorf("PATCH body %v", body)
	}
	if !errors.Is(g.CloseIssue(ctx, testRepo, 9), app.ErrNotFound) {
		t.Error("closing a missing issue is not a not-found")
	}
	fake.Inject(githubtest.Fault{Route: routeEditIssue, Kind: githubtest.Status503})
	wantTransient(t, g.CloseIssue(ctx, testRepo, 8))
}

func TestIsConflict(t *testing.T) {
	answer := func(status int, msg string) (*gh.Response, error) {
		resp := &gh.Response{Response: &http.Response{StatusCode: status}}
		return resp, &gh.ErrorResponse{Response: resp.Response, Message: msg}
	}
	for _, c := range []struct {
		status int
		msg    string
		want   bool
	}{
		{409, "clusters/prod/api.yaml does not match 3d21ec53a331a6f037a91c368710b99387d012c1", true},
		{409, "", true},
		{422, "clusters/prod/api.yaml does not match 3d21ec5", true}, // older versions
		{422, "Invalid request.\n\n\"sha\" wasn't supplied.", true},
		{409, "Repository rule violations found\n\nChanges must be made through a pull request.", false},
		{422, "Invalid request.\n\n\"message\" wasn't supplied.", false},
		{404, "Not Found", false},
	} {
		resp, err := answer(c.status, c.msg)
		if got := isConflict(resp, err); got != c.want {
			t.Errorf("isConflict(%d %q) = %v, want %v", c.status, c.msg, got, c.want)
		}
	}
	if isConflict(nil, errors.New("connection reset")) {
		t.Error("no answer is no conflict")
	}
}
