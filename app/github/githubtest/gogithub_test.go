package githubtest_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	gh "github.com/google/go-github/v60/github"

	"github.com/issueops/issueops/app/github/githubtest"
)

// goGitHub is a real go-github client pointed at the fake with the static
// token, so the new routes are proven against the decoder the app uses.
func goGitHub(t *testing.T, s *githubtest.Server) *gh.Client {
	t.Helper()
	c := gh.NewClient(nil).WithAuthToken(staticToken)
	base, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	c.BaseURL = base
	return c
}

func wantGitHubStatus(t *testing.T, err error, status int) {
	t.Helper()
	var er *gh.ErrorResponse
	if !errors.As(err, &er) || er.Response.StatusCode != status {
		t.Fatalf("error %v, want HTTP %d", err, status)
	}
}

func TestGoGitHubRepositories(t *testing.T) {
	s, main := seeded(t)
	ctx := context.Background()
	c := goGitHub(t, s)
	text := "line one\n" + strings.Repeat("é日本 wide content ", 40) + "\nno newline at end"
	s.SeedCommit("acme", "widgets", "feature/x", map[string]string{"config/issueops.yml": text})

	repo, _, err := c.Repositories.Get(ctx, "acme", "widgets")
	if err != nil || repo.GetDefaultBranch() != "main" || repo.GetFullName() != "acme/widgets" || repo.GetOwner().GetLogin() != "acme" {
		t.Fatalf("Get: %+v, %v", repo, err)
	}
	_, _, err = c.Repositories.Get(ctx, "acme", "nowhere")
	wantGitHubStatus(t, err, 404)

	for _, ref := range []string{"feature/x", "refs/heads/feature/x"} {
		file, dir, _, err := c.Repositories.GetContents(ctx, "acme", "widgets", "config/issueops.yml", &gh.RepositoryContentGetOptions{Ref: ref})
		if err != nil || dir != nil {
			t.Fatalf("GetContents(%s): %v", ref, err)
		}
		got, err := file.GetContent()
		if err != nil || got != text || file.GetSHA() != gitBlobSHA(text) || file.GetSize() != len(text) || file.GetType() != "file" {
			t.Fatalf("GetContent(%s) = %q, %v (sha %s)", ref, got, err, file.GetSHA())
		}
	}
	file, _, _, err := c.Repositories.GetContents(ctx, "acme", "widgets", "docs/a b.md", nil)
	if got, _ := file.GetContent(); err != nil || got != "spaced\n" {
		t.Fatalf("path with a space: %q, %v", got, err)
	}
	_, dir, _, err := c.Repositories.GetContents(ctx, "acme", "widgets", "docs/", nil)
	if err != nil || len(dir) != 2 || dir[0].GetName() != "a b.md" || dir[1].GetType() != "dir" || dir[1].GetPath() != "docs/guide" {
		t.Fatalf("directory: %v, %v", dir, err)
	}
	_, dir, _, err = c.Repositories.GetContents(ctx, "acme", "widgets", "", nil)
	if err != nil || len(dir) != 2 {
		t.Fatalf("root: %v, %v", dir, err)
	}
	_, _, resp, err := c.Repositories.GetContents(ctx, "acme", "widgets", "config/issueops.yml", nil)
	if wantGitHubStatus(t, err, 404); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("missing file: %v", resp.Status)
	}

	feature, _, err := c.Repositories.GetCommitSHA1(ctx, "acme", "widgets", "feature/x", "")
	if err != nil || len(feature) != 40 || feature == main {
		t.Fatalf("GetCommitSHA1(feature/x) = %q, %v", feature, err)
	}
	if sha, _, err := c.Repositories.GetCommitSHA1(ctx, "acme", "widgets", "v1.0.0", ""); err != nil || sha != main {
		t.Fatalf("GetCommitSHA1(v1.0.0) = %q, %v", sha, err)
	}
	_, resp, err = c.Repositories.GetCommitSHA1(ctx, "acme", "widgets", "feature/x", feature)
	if err == nil || resp == nil || resp.StatusCode != http.StatusNotModified {
		t.Fatalf("GetCommitSHA1 with the last SHA: %v, %v", resp, err)
	}
	_, _, err = c.Repositories.GetCommitSHA1(ctx, "acme", "widgets", "nope", "")
	wantGitHubStatus(t, err, 422)
	commit, _, err := c.Repositories.GetCommit(ctx, "acme", "widgets", feature, nil)
	if err != nil || commit.GetSHA() != feature || len(commit.Parents) != 1 || commit.GetCommit().GetMessage() == "" ||
		commit.GetCommit().GetAuthor().GetDate().IsZero() || len(commit.Files) != 1 {
		t.Fatalf("GetCommit: %+v, %v", commit, err)
	}
}

func TestGoGitHubIssuesAndLabels(t *testing.T) {
	s, _ := seeded(t)
	ctx := context.Background()
	c := goGitHub(t, s)

	iss, _, err := c.Issues.Get(ctx, "acme", "widgets", 1)
	if err != nil || iss.GetNumber() != 1 || iss.GetTitle() != "Deploy" || iss.GetBody() != "please" || iss.GetState() != "open" ||
		len(iss.Labels) != 2 || iss.Labels[1].GetName() != "issueops:invalid" || iss.GetUser().GetLogin() != "octocat" {
		t.Fatalf("Issues.Get: %+v, %v", iss, err)
	}
	_, _, err = c.Issues.Get(ctx, "acme", "widgets", 99)
	wantGitHubStatus(t, err, 404)

	for range 2 { // idempotent
		ls, _, err := c.Issues.AddLabelsToIssue(ctx, "acme", "widgets", 1, []string{"issueops:valid", "bug"})
		if err != nil || len(ls) != 3 || ls[2].GetName() != "issueops:valid" || ls[2].GetColor() != "ededed" {
			t.Fatalf("AddLabelsToIssue: %v, %v", ls, err)
		}
	}
	_, _, err = c.Issues.AddLabelsToIssue(ctx, "acme", "widgets", 99, []string{"bug"})
	wantGitHubStatus(t, err, 404)
	_, _, err = c.Issues.AddLabelsToIssue(ctx, "acme", "widgets", 1, nil)
	wantGitHubStatus(t, err, 422)

	// go-github puts the name in the path as it is: ':' unescaped.
	if _, err := c.Issues.RemoveLabelForIssue(ctx, "acme", "widgets", 1, "issueops:invalid"); err != nil {
		t.Fatalf("RemoveLabelForIssue: %v", err)
	}
	_, err = c.Issues.RemoveLabelForIssue(ctx, "acme", "widgets", 1, "issueops:invalid")
	wantGitHubStatus(t, err, 404)
	if got, _ := s.Issue("acme", "widgets", 1); !slices.Equal(got.Labels, []string{"bug", "issueops:valid"}) {
		t.Fatalf("labels after removal %v", got.Labels)
	}
	// And escaped, as other clients send it.
	wantStatus(t, do(t, s, "DELETE", ownerRepo+"/issues/1/labels/issueops%3Avalid", "token "+staticToken, ""), 200)
	if got, _ := s.Issue("acme", "widgets", 1); !slices.Equal(got.Labels, []string{"bug"}) {
		t.Fatalf("labels after escaped removal %v", got.Labels)
	}
}
