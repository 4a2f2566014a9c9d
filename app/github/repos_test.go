package github

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/github/githubtest"
)

func TestRepositoryReads(t *testing.T) {
	fake := tokenFake(t)
	fake.SeedRepo("acme", "widgets", "trunk")
	main := fake.SeedCommit("acme", "widgets", "trunk", map[string]string{
		".github/issueops.yml":              "environments: {}\n",
		".github/ISSUE_TEMPLATE/deploy.yml": "name: d\n",
		".github/ISSUE_TEMPLATE/sub/x.yml":  "nested\n",
	})
	branch := fake.SeedCommit("acme", "widgets", "feature/x", map[string]string{".github/issueops.yml": "loosened\n"})
	fake.SeedTag("acme", "widgets", "v1.4.0", main)
	g := forInstallation(t, tokenClients(t, fake), 0)
	ctx := context.Background()

	if b, err := g.DefaultBranch(ctx, testRepo); err != nil || b != "trunk" {
		t.Errorf("DefaultBranch = %q, %v", b, err)
	}
	for _, c := range []struct {
		ref, path, want string
		found           bool
	}{
		{"trunk", ".github/issueops.yml", "environments: {}\n", true},
		{"feature/x", ".github/issueops.yml", "loosened\n", true},
		{"trunk", ".github/missing.yml", "", false},
	} {
		data, found, err := g.ReadFile(ctx, testRepo, c.ref, c.path)
		if err != nil || found != c.found || string(data) != c.want {
			t.Errorf("ReadFile(%s, %s) = %q, %v, %v", c.ref, c.path, data, found, err)
		}
	}
	if _, _, err := g.ReadFile(ctx, testRepo, "trunk", ".github/ISSUE_TEMPLATE"); !errors.Is(err, app.ErrPermanent) {
		t.Errorf("ReadFile of a directory = %v, want a permanent error", err)
	}
	names, found, err := g.ListDir(ctx, testRepo, "trunk", ".github/ISSUE_TEMPLATE")
	if err != nil || !found || !slices.Equal(names, []string{"deploy.yml"}) {
		t.Errorf("ListDir = %q, %v, %v; want the one file, not the subdirectory", names, found, err)
	}
	if _, found, err := g.ListDir(ctx, testRepo, "trunk", "nope"); err != nil || found {
		t.Errorf("ListDir of a missing path = %v, %v", found, err)
	}
	for ref, want := range map[string]string{"trunk": main, "feature/x": branch, "v1.4.0": main, main[:7]: main, main: main, "nope": ""} {
		sha, found, err := g.ResolveRef(ctx, testRepo, ref)
		if err != nil || sha != want || found != (want != "") {
			t.Errorf("ResolveRef(%q) = %q, %v, %v; want %q", ref, sha, found, err, want)
		}
	}
}

func TestIssueEdits(t *testing.T) {
	fake := tokenFake(t)
	fake.SeedIssue("acme", "widgets", githubtest.Issue{Number: 3, Title: "[deploy] x", Body: "### A\n\nb", Labels: []string{"issueops:deploy"}})
	g := forInstallation(t, tokenClients(t, fake), 0)
	ctx := context.Background()
	iss, err := g.GetIssue(ctx, testRepo, 3)
	if err != nil || iss.Body != "### A\n\nb" || iss.State != "open" || !slices.Equal(iss.Labels, []string{"issueops:deploy"}) {
		t.Fatalf("GetIssue = %+v, %v", iss, err)
	}
	for range 2 { // idempotent
		if err := g.AddLabels(ctx, testRepo, 3, app.InvalidLabel); err != nil {
			t.Fatal(err)
		}
	}
	if iss, _ := fake.Issue("acme", "widgets", 3); !slices.Equal(iss.Labels, []string{"issueops:deploy", app.InvalidLabel}) {
		t.Errorf("labels after adding = %q", iss.Labels)
	}
	for range 2 { // the second removal meets GitHub's 404, which is success
		if err := g.RemoveLabel(ctx, testRepo, 3, app.InvalidLabel); err != nil {
			t.Fatal(err)
		}
	}
	if iss, _ := fake.Issue("acme", "widgets", 3); !slices.Equal(iss.Labels, []string{"issueops:deploy"}) {
		t.Errorf("labels after removing = %q", iss.Labels)
	}
	id, err := g.CreateComment(ctx, testRepo, 3, "first <!-- m -->")
	if err != nil || id == 0 {
		t.Fatalf("CreateComment = %d, %v", id, err)
	}
	if err := g.EditComment(ctx, testRepo, id, "second <!-- m -->"); err != nil {
		t.Fatal(err)
	}
	found, ok, err := g.FindComment(ctx, testRepo, 3, "<!-- m -->", time.Time{})
	if err != nil || !ok || found != id {
		t.Errorf("FindComment = %d, %v, %v; want %d", found, ok, err, id)
	}
	if cs := fake.Comments("acme", "widgets", 3); len(cs) != 1 || cs[0].Body != "second <!-- m -->" {
		t.Errorf("comments = %+v", cs)
	}
	if _, err := g.GetIssue(ctx, testRepo, 99); !errors.Is(err, app.ErrPermanent) {
		t.Errorf("GetIssue of a missing issue = %v, want permanent", err)
	}
}

func TestOnBranch(t *testing.T) {
	fake := tokenFake(t)
	fake.SeedRepo("acme", "widgets", "main")
	first := fake.SeedCommit("acme", "widgets", "main", map[string]string{"a": "1"})
	head := fake.SeedCommit("acme", "widgets", "main", map[string]string{"a": "2"})
	side := fake.SeedCommit("acme", "widgets", "feature/x", map[string]string{"b": "1"})
	g := forInstallation(t, tokenClients(t, fake), 0)
	for sha, want := range map[string]bool{first: true, head: true, side: false} {
		got, err := g.OnBranch(context.Background(), testRepo, "main", sha)
		if err != nil || got != want {
			t.Errorf("OnBranch(main, %s) = %v, %v; want %v", sha[:7], got, err, want)
		}
	}
	if got, err := g.OnBranch(context.Background(), testRepo, "main", "0000000000000000000000000000000000000000"); err != nil || got {
		t.Errorf("OnBranch of an unknown commit = %v, %v; want false", got, err)
	}
}
