package githubtest_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/issueops/issueops/app/github/githubtest"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestPutContents(t *testing.T) {
	s, main := seeded(t)
	auth := "token " + staticToken
	readme := gitBlobSHA("# Widgets\n")
	put := func(path, body string) result { return do(t, s, "PUT", ownerRepo+"/contents/"+path, auth, body) }

	r := put("README.md", `{"message":"Bump","content":"`+b64("# Widgets v2\n")+`","sha":"`+readme+`"}`)
	wantStatus(t, r, http.StatusOK)
	var out struct {
		Content struct{ SHA, Path string }
		Commit  struct {
			SHA     string
			Message string
			Parents []struct{ SHA string }
			Author  struct{ Name string }
		}
	}
	r.json(t, &out)
	if out.Content.SHA != gitBlobSHA("# Widgets v2\n") || out.Content.Path != "README.md" || out.Commit.Message != "Bump" ||
		len(out.Commit.Parents) != 1 || out.Commit.Parents[0].SHA != main || out.Commit.Author.Name != "issueops-test" {
		t.Fatalf("answer %s", r.body)
	}
	head := do(t, s, "GET", ownerRepo+"/commits/main", auth, "")
	if !strings.Contains(string(head.body), `"sha":"`+out.Commit.SHA+`"`) {
		t.Fatalf("main is not at the new commit %s", out.Commit.SHA)
	}
	wantMessage(t, put("README.md", `{"message":"m","content":"eA==","sha":"`+readme+`"}`), 409, "README.md does not match "+readme)
	wantMessage(t, put("README.md", `{"message":"m","content":"eA=="}`), 422, "Invalid request.\n\n\"sha\" wasn't supplied.")
	wantMessage(t, put("README.md", `{"content":"eA=="}`), 422, "Invalid request.\n\n\"message\" wasn't supplied.")
	wantMessage(t, put("README.md", `{"message":"m","content":"%%%","sha":"`+readme+`"}`), 422, "content is not valid Base64")
	wantMessage(t, put("README.md", `{"message":"m","content":"eA==","branch":"nope","sha":"bad"}`), 404, "Branch nope not found")
	wantStatus(t, put("docs", `{"message":"m","content":"eA=="}`), 422)        // a directory
	wantStatus(t, put("README.md/x", `{"message":"m","content":"eA=="}`), 422) // under a file
	wantStatus(t, put("a//b", `{"message":"m","content":"eA=="}`), 422)        // empty segment
	wantStatus(t, do(t, s, "PUT", "repos/acme/nowhere/contents/a", auth, `{"message":"m","content":"eA=="}`), 404)

	// A new file, on another branch, ignores sha.
	wantStatus(t, put("deploy/new%20file.yaml", `{"message":"Add","content":"`+b64("a: 1\n")+`","branch":"feature/x","sha":"ignored"}`), http.StatusCreated)
	c := goGitHub(t, s)
	f, _, _, err := c.Repositories.GetContents(context.Background(), "acme", "widgets", "deploy/new file.yaml", &gh.RepositoryContentGetOptions{Ref: "feature/x"})
	if got, _ := f.GetContent(); err != nil || got != "a: 1\n" {
		t.Fatalf("new file = %q, %v", got, err)
	}
	if _, _, resp, _ := c.Repositories.GetContents(context.Background(), "acme", "widgets", "deploy/new file.yaml", nil); resp.StatusCode != 404 {
		t.Fatalf("the file reached main: %d", resp.StatusCode)
	}
}

func TestPutContentsEmptyRepositoryAndGoGitHub(t *testing.T) {
	s := newServer(t)
	s.SeedRepo("acme", "fresh", "trunk")
	c := goGitHub(t, s)
	ctx := context.Background()
	res, resp, err := c.Repositories.CreateFile(ctx, "acme", "fresh", "README.md", &gh.RepositoryContentFileOptions{
		Message: gh.String("Initial commit"), Content: []byte("hello\n"),
	})
	if err != nil || resp.StatusCode != 201 || len(res.Commit.Parents) != 0 || res.GetContent().GetSHA() != gitBlobSHA("hello\n") {
		t.Fatalf("CreateFile in an empty repository = %+v, %v", res, err)
	}
	up, _, err := c.Repositories.UpdateFile(ctx, "acme", "fresh", "README.md", &gh.RepositoryContentFileOptions{
		Message: gh.String("Edit"), Content: []byte("hello again\n"), SHA: gh.String(gitBlobSHA("hello\n")), Branch: gh.String("trunk"),
	})
	if err != nil || up.GetSHA() == "" || up.Parents[0].GetSHA() != res.GetSHA() {
		t.Fatalf("UpdateFile = %+v, %v", up, err)
	}
	_, _, err = c.Repositories.UpdateFile(ctx, "acme", "fresh", "README.md", &gh.RepositoryContentFileOptions{
		Message: gh.String("Edit"), Content: []byte("x"), SHA: gh.String(gitBlobSHA("hello\n")),
	})
	wantGitHubStatus(t, err, http.StatusConflict)
}

// The fake's commits are git's: real git, given the same files, author,
// dates and messages, names them the same.
func TestPutContentsSHAsAreGits(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	s := newServer(t)
	s.SeedCommit("acme", "widgets", "main", map[string]string{"README.md": "hi\n", "deploy/values.yaml": "tag: v1\n"})
	r := do(t, s, "PUT", ownerRepo+"/contents/deploy/values.yaml", "token "+staticToken,
		`{"message":"Deploy v2","content":"`+b64("tag: v2\n")+`","sha":"`+gitBlobSHA("tag: v1\n")+`"}`)
	wantStatus(t, r, 200)

	dir := t.TempDir()
	run := func(env []string, args ...string) string {
		t.Helper()
		cmd := exec.Command(git, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		cmd.Env = append(cmd.Env, "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	write := func(path, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, path), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	commit := func(sha string) {
		t.Helper()
		var c struct {
			Commit struct {
				Message string
				Author  struct{ Name, Email, Date string }
			}
		}
		do(t, s, "GET", ownerRepo+"/commits/"+sha, "token "+staticToken, "").json(t, &c)
		a := c.Commit.Author
		date, _ := time.Parse(time.RFC3339, a.Date)
		stamp := fmt.Sprintf("%d +0000", date.Unix())
		run([]string{"GIT_AUTHOR_NAME=" + a.Name, "GIT_AUTHOR_EMAIL=" + a.Email, "GIT_AUTHOR_DATE=" + stamp,
			"GIT_COMMITTER_NAME=" + a.Name, "GIT_COMMITTER_EMAIL=" + a.Email, "GIT_COMMITTER_DATE=" + stamp},
			"commit", "-q", "--no-gpg-sign", "--allow-empty-message", "-m", c.Commit.Message)
		if got := run(nil, "rev-parse", "HEAD"); got != sha {
			t.Fatalf("git names the commit %s, the fake %s", got, sha)
		}
	}
	run(nil, "init", "-q", "-b", "main")
	var first struct{ Parents []struct{ SHA string } }
	var second struct {
		SHA     string
		Parents []struct{ SHA string }
	}
	do(t, s, "GET", ownerRepo+"/commits/main", "token "+staticToken, "").json(t, &second)
	do(t, s, "GET", ownerRepo+"/commits/"+second.Parents[0].SHA, "token "+staticToken, "").json(t, &first)
	write("README.md", "hi\n")
	write("deploy/values.yaml", "tag: v1\n")
	run(nil, "add", "-A")
	commit(second.Parents[0].SHA)
	write("deploy/values.yaml", "tag: v2\n")
	run(nil, "add", "-A")
	commit(second.SHA)
	if len(first.Parents) != 0 {
		t.Fatalf("the seeded commit has parents %v", first.Parents)
	}
}

func TestListCommitsFake(t *testing.T) {
	s, main := seeded(t)
	c := goGitHub(t, s)
	ctx := context.Background()
	readme2 := s.SeedCommit("acme", "widgets", "main", map[string]string{"README.md": "two\n"})
	s.SeedCommit("acme", "widgets", "main", map[string]string{"other.txt": "x\n"})
	docs := s.SeedCommit("acme", "widgets", "main", map[string]string{"docs/guide/intro.md": "changed\n"})

	for _, c2 := range []struct {
		opts *gh.CommitsListOptions
		want []string
	}{
		{&gh.CommitsListOptions{Path: "README.md"}, []string{readme2, main}},
		{&gh.CommitsListOptions{SHA: "main", Path: "docs"}, []string{docs, main}},
		{&gh.CommitsListOptions{SHA: main}, []string{main}},
		{&gh.CommitsListOptions{SHA: "main", ListOptions: gh.ListOptions{PerPage: 2, Page: 2}}, []string{readme2, main}},
		{&gh.CommitsListOptions{Path: "nothing"}, nil},
		{&gh.CommitsListOptions{Until: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}, nil},
	} {
		list, _, err := c.Repositories.ListCommits(ctx, "acme", "widgets", c2.opts)
		if err != nil {
			t.Fatalf("%+v: %v", c2.opts, err)
		}
		var got []string
		for _, rc := range list {
			got = append(got, rc.GetSHA())
		}
		if strings.Join(got, ",") != strings.Join(c2.want, ",") {
			t.Errorf("%+v: %v, want %v", c2.opts, got, c2.want)
		}
	}
	_, _, err := c.Repositories.ListCommits(ctx, "acme", "widgets", &gh.CommitsListOptions{SHA: "nope"})
	wantGitHubStatus(t, err, 404)
	_, _, err = c.Repositories.ListCommits(ctx, "acme", "empty", nil)
	wantGitHubStatus(t, err, 409)
}

func TestUpdateIssueState(t *testing.T) {
	s, _ := seeded(t)
	c := goGitHub(t, s)
	ctx := context.Background()
	iss, _, err := c.Issues.Edit(ctx, "acme", "widgets", 1, &gh.IssueRequest{State: gh.String("closed")})
	if err != nil || iss.GetState() != "closed" || iss.GetStateReason() != "completed" || iss.ClosedAt == nil {
		t.Fatalf("close = %+v, %v", iss, err)
	}
	closedAt := iss.GetClosedAt()
	again, _, err := c.Issues.Edit(ctx, "acme", "widgets", 1, &gh.IssueRequest{State: gh.String("closed")})
	if err != nil || !again.GetClosedAt().Equal(closedAt) {
		t.Fatalf("closing again = %+v, %v; closed_at must stay", again, err)
	}
	re, _, err := c.Issues.Edit(ctx, "acme", "widgets", 1, &gh.IssueRequest{State: gh.String("open"), Title: gh.String("Deploy v2"), Labels: &[]string{"bug"}})
	if err != nil || re.GetState() != "open" || re.GetStateReason() != "reopened" || re.ClosedAt != nil || re.GetTitle() != "Deploy v2" || len(re.Labels) != 1 {
		t.Fatalf("reopen = %+v, %v", re, err)
	}
	if got, _ := s.Issue("acme", "widgets", 1); got.State != "open" || got.StateReason != "reopened" || got.Labels[0] != "bug" {
		t.Fatalf("stored %+v", got)
	}
	if _, _, err := c.Issues.Edit(ctx, "acme", "widgets", 1, &gh.IssueRequest{State: gh.String("closed"), StateReason: gh.String("not_planned")}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Issue("acme", "widgets", 1); got.StateReason != "not_planned" {
		t.Fatalf("state_reason %q", got.StateReason)
	}
	_, _, err = c.Issues.Edit(ctx, "acme", "widgets", 1, &gh.IssueRequest{State: gh.String("done")})
	wantGitHubStatus(t, err, 422)
	_, _, err = c.Issues.Edit(ctx, "acme", "widgets", 404, &gh.IssueRequest{State: gh.String("closed")})
	wantGitHubStatus(t, err, 404)
	s.Inject(githubtest.Fault{Route: "PATCH /repos/{owner}/{repo}/issues/{issue_number}", Kind: githubtest.Status503})
	_, _, err = c.Issues.Edit(ctx, "acme", "widgets", 1, &gh.IssueRequest{State: gh.String("open")})
	wantGitHubStatus(t, err, 503)
}
