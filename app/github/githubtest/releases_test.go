package githubtest_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"

	gh "github.com/google/go-github/v60/github"

	"github.com/issueops/issueops/app/github/githubtest"
)

func TestCreateReleaseThroughGoGitHub(t *testing.T) {
	s := newServer(t)
	main, _ := seedTags(s)
	c := goGitHub(t, s)
	ctx := context.Background()

	rel, resp, err := c.Repositories.CreateRelease(ctx, "acme", "widgets", &gh.RepositoryRelease{
		TagName: gh.String("v1.0.0"), Name: gh.String("v1.0.0"), Body: gh.String("## Changes"), Draft: gh.Bool(false), Prerelease: gh.Bool(false),
	})
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("CreateRelease: %v", err)
	}
	if rel.GetID() == 0 || rel.GetTagName() != "v1.0.0" || rel.GetName() != "v1.0.0" || rel.GetBody() != "## Changes" ||
		rel.GetDraft() || rel.GetPrerelease() || rel.GetTargetCommitish() != "main" || rel.GetAuthor().GetLogin() != "issueops-test" ||
		rel.GetHTMLURL() != "https://github.com/acme/widgets/releases/tag/v1.0.0" || rel.PublishedAt == nil ||
		rel.GetTarballURL() != s.URL+"repos/acme/widgets/tarball/v1.0.0" || resp.Header.Get("Location") != rel.GetURL() {
		t.Fatalf("release %+v, Location %q", rel, resp.Header.Get("Location"))
	}
	got := s.Releases("acme", "widgets")
	if len(got) != 1 || got[0].ID != rel.GetID() || got[0].Body != "## Changes" || got[0].Author != "issueops-test" || got[0].PublishedAt.IsZero() {
		t.Fatalf("Releases = %+v", got)
	}

	// A draft without name or body: nulls, no archives, an untagged page.
	draft, _, err := c.Repositories.CreateRelease(ctx, "acme", "widgets", &gh.RepositoryRelease{TagName: gh.String("v1.1.0"), Draft: gh.Bool(true)})
	if err != nil || !draft.GetDraft() || draft.Name != nil || draft.Body != nil || draft.PublishedAt != nil || draft.TarballURL != nil ||
		draft.GetHTMLURL() == "https://github.com/acme/widgets/releases/tag/v1.1.0" {
		t.Fatalf("draft %+v, %v", draft, err)
	}
	r := do(t, s, "GET", fmt.Sprintf("%s/releases?per_page=1&page=2", ownerRepo), "token "+staticToken, "")
	if m := r.onlyItem(t); m["name"] != "v1.0.0" {
		t.Fatalf("page 2 holds %v", m)
	}

	// A second release of a tag, a draft's included: GitHub's 422.
	for _, tag := range []string{"v1.0.0", "v1.1.0"} {
		r := do(t, s, "POST", ownerRepo+"/releases", "token "+staticToken, `{"tag_name":"`+tag+`","name":"again"}`)
		want := `{"message":"Validation Failed","errors":[{"resource":"Release","code":"already_exists","field":"tag_name"}],` +
			`"documentation_url":"https://docs.github.com/rest/releases/releases#create-a-release","status":"422"}`
		if r.status != 422 || string(r.body) != want {
			t.Fatalf("second release of %s: %d %s\nwant %s", tag, r.status, r.body, want)
		}
	}
	if n := len(s.Releases("acme", "widgets")); n != 2 || len(s.Tags("acme", "widgets")) != 3 {
		t.Fatalf("%d releases and tags %v after refusals", n, s.Tags("acme", "widgets"))
	}
	// A tag that does not exist is made at target_commitish, as GitHub does;
	// a target that names no commit is a 422.
	_, _, err = c.Repositories.CreateRelease(ctx, "acme", "widgets", &gh.RepositoryRelease{TagName: gh.String("v9"), TargetCommitish: gh.String("nope")})
	wantGitHubStatus(t, err, 422)
	if _, _, err = c.Repositories.CreateRelease(ctx, "acme", "widgets", &gh.RepositoryRelease{TagName: gh.String("v9"), TargetCommitish: gh.String(main)}); err != nil {
		t.Fatal(err)
	}
	if tags := s.Tags("acme", "widgets"); len(tags) != 4 {
		t.Fatalf("tags %v after a release of a new tag", tags)
	}
}

// onlyItem decodes a one-item array and returns its item.
func (r result) onlyItem(t *testing.T) map[string]any {
	t.Helper()
	var items []map[string]any
	r.json(t, &items)
	if len(items) != 1 {
		t.Fatalf("%d items, want 1: %s", len(items), r.body)
	}
	return items[0]
}

func TestCreateReleaseValidation(t *testing.T) {
	s := newServer(t)
	seedTags(s)
	auth := "token " + staticToken
	for _, tc := range []struct{ body, msg string }{
		{`{"name":"x"}`, "Invalid request.\n\n\"tag_name\" wasn't supplied."},
		{`{"tag_name":7}`, "Invalid request.\n\nFor 'properties/tag_name', 7 is not a string."},
		{`{"tag_name":"v1.0.0","draft":"yes"}`, "Invalid request.\n\nFor 'properties/draft', \"yes\" is not a boolean."},
		{`{"tag_name":"v1.0.0","prerelease":1}`, "Invalid request.\n\nFor 'properties/prerelease', 1 is not a boolean."},
		{`{"tag_name":""}`, "Validation Failed"},
		{`[`, "Problems parsing JSON"},
	} {
		r := do(t, s, "POST", ownerRepo+"/releases", auth, tc.body)
		if got := r.object(t)["message"]; got != tc.msg || r.status/100 != 4 {
			t.Errorf("%s: %d %q, want %q", tc.body, r.status, got, tc.msg)
		}
	}
	wantMessage(t, do(t, s, "POST", "repos/acme/nowhere/releases", auth, `{"tag_name":"v1"}`), 404, "Not Found")
	if rels := s.Releases("acme", "widgets"); len(rels) != 0 {
		t.Fatalf("refused bodies made %+v", rels)
	}
}

func TestListReleasesPagination(t *testing.T) {
	s := newServer(t)
	main, _ := seedTags(s)
	var ids []int64
	for i := range 5 {
		tag := fmt.Sprintf("v0.%d.0", i)
		s.SeedTag("acme", "widgets", tag, main)
		ids = append(ids, s.SeedRelease("acme", "widgets", githubtest.Release{TagName: tag, Draft: i == 4, Author: "alice"}))
	}
	c := goGitHub(t, s)
	var got []int64
	opts := &gh.ListOptions{PerPage: 2}
	for pages := 1; ; pages++ {
		list, resp, err := c.Repositories.ListReleases(context.Background(), "acme", "widgets", opts)
		if err != nil || pages > 3 {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, rel := range list {
			got = append(got, rel.GetID())
			if rel.GetAuthor().GetLogin() != "alice" || rel.GetDraft() != (rel.GetTagName() == "v0.4.0") {
				t.Errorf("release %+v", rel)
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	slices.Reverse(ids) // newest first
	if !slices.Equal(got, ids) {
		t.Fatalf("listed %v, want %v", got, ids)
	}
	wantMessage(t, do(t, s, "GET", "repos/acme/nowhere/releases", "token "+staticToken, ""), 404, "Not Found")
	s.SeedRepo("acme", "bare", "")
	if r := do(t, s, "GET", "repos/acme/bare/releases", "token "+staticToken, ""); r.status != 200 || string(r.body) != "[]" {
		t.Fatalf("no releases: %d %s", r.status, r.body)
	}
}

func TestSeedReleasePanics(t *testing.T) {
	s := newServer(t)
	seedTags(s)
	s.SeedRelease("acme", "widgets", githubtest.Release{TagName: "v1.0.0"})
	for name, rel := range map[string]struct {
		repo string
		githubtest.Release
	}{
		"unknown repository": {"nowhere", githubtest.Release{TagName: "v1.0.0"}},
		"unknown tag":        {"widgets", githubtest.Release{TagName: "v9"}},
		"second release":     {"widgets", githubtest.Release{TagName: "v1.0.0"}},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			s.SeedRelease("acme", rel.repo, rel.Release)
		})
	}
}
