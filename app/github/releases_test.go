package github

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/github/githubtest"
)

var _ app.Releases = (*Client)(nil)

const (
	routeMatchingRefs = "GET /repos/{owner}/{repo}/git/matching-refs/{ref}"
	routeGetRef       = "GET /repos/{owner}/{repo}/git/ref/{ref}"
	routeGetTag       = "GET /repos/{owner}/{repo}/git/tags/{tag_sha}"
	routeCreateRef    = "POST /repos/{owner}/{repo}/git/refs"
	routeListReleases = "GET /repos/{owner}/{repo}/releases"
	routeNewRelease   = "POST /repos/{owner}/{repo}/releases"
)

// seedTagged seeds acme/widgets: main with two commits, the lightweight
// tags v1.0.0 and v10.0.0, the annotated v1.1.0 and a branch v1.2.0-wip
// (a branch, so never a tag).
func seedTagged(fake *githubtest.Server) (first, head string) {
	first, head = seedHistory(fake)
	fake.SeedTag("acme", "widgets", "v1.0.0", first)
	fake.SeedAnnotatedTag("acme", "widgets", "v1.1.0", head, "Release 1.1.0")
	fake.SeedTag("acme", "widgets", "v10.0.0", head)
	fake.MoveRef("acme", "widgets", "v1.2.0-wip", head)
	return first, head
}

func TestListTagNames(t *testing.T) {
	fake := tokenFake(t)
	seedTagged(fake)
	fake.SeedRepo("acme", "empty", "")
	g := opsClient(t, tokenClients(t, fake), 0)
	ctx := context.Background()
	for _, tc := range []struct {
		prefix, path string
		want         []string
	}{
		{"v1.", "/repos/acme/widgets/git/matching-refs/tags/v1.", []string{"v1.0.0", "v1.1.0"}},
		{"v1", "/repos/acme/widgets/git/matching-refs/tags/v1", []string{"v1.0.0", "v1.1.0", "v10.0.0"}},
		{"", "/repos/acme/widgets/git/matching-refs/tags", []string{"v1.0.0", "v1.1.0", "v10.0.0"}},
		{"v2", "/repos/acme/widgets/git/matching-refs/tags/v2", nil},
	} {
		fake.Reset()
		seedTagged(fake)
		names, err := g.ListTagNames(ctx, testRepo, tc.prefix)
		reqs := fake.RequestsTo(routeMatchingRefs)
		if err != nil || !slices.Equal(names, tc.want) || len(reqs) != 1 || reqs[0].Path != tc.path || len(reqs[0].Query) != 0 {
			t.Errorf("ListTagNames(%q) = %q, %v; requests %+v", tc.prefix, names, err, reqs)
		}
	}
	fake.SeedRepo("acme", "empty", "")
	if names, err := g.ListTagNames(ctx, app.Repo{Owner: "acme", Name: "empty"}, ""); err != nil || names != nil {
		t.Errorf("empty repository: %q, %v", names, err)
	}
	_, err := g.ListTagNames(ctx, app.Repo{Owner: "acme", Name: "nowhere"}, "")
	if !errors.Is(err, app.ErrNotFound) {
		t.Errorf("unknown repository: %v, want not found", err)
	}
	fake.Inject(githubtest.Fault{Route: routeMatchingRefs, Kind: githubtest.Status503})
	_, err = g.ListTagNames(ctx, testRepo, "v")
	wantTransient(t, err)
}

func TestTagCommit(t *testing.T) {
	fake := tokenFake(t)
	first, head := seedTagged(fake)
	g := opsClient(t, tokenClients(t, fake), 0)
	ctx := context.Background()
	for _, tc := range []struct {
		name, want string
		requests   int // ref, then each tag object peeled
	}{
		{"v1.0.0", first, 1},
		{"v1.1.0", head, 2},
		{"v1", "", 1},          // a prefix is no tag
		{"v1.2.0-wip", "", 1},  // a branch
		{"nope/v1.0.0", "", 1}, // slashes stay in the name
	} {
		before := len(fake.Requests())
		sha, found, err := g.TagCommit(ctx, testRepo, tc.name)
		if err != nil || sha != tc.want || found != (tc.want != "") || len(fake.Requests())-before != tc.requests {
			t.Errorf("TagCommit(%s) = %q, %v, %v after %d requests; want %q", tc.name, sha, found, err, len(fake.Requests())-before, tc.want)
		}
	}
	if got := fake.RequestsTo(routeGetTag); len(got) != 1 {
		t.Errorf("%d tag object reads, want 1", len(got))
	}
	fake.SeedRepo("acme", "empty", "")
	if _, found, err := g.TagCommit(ctx, app.Repo{Owner: "acme", Name: "empty"}, "v1"); found || err != nil {
		t.Errorf("empty repository: %v, %v", found, err)
	}
	for _, route := range []string{routeGetRef, routeGetTag} {
		fake.Inject(githubtest.Fault{Route: route, Kind: githubtest.Status502})
		_, _, err := g.TagCommit(ctx, testRepo, "v1.1.0")
		wantTransient(t, err)
	}
}

func TestCreateTag(t *testing.T) {
	fake := tokenFake(t)
	first, head := seedTagged(fake)
	g := opsClient(t, tokenClients(t, fake), 0)
	ctx := context.Background()

	if err := g.CreateTag(ctx, testRepo, "v2.0.0", head); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(fake.Tags("acme", "widgets"), githubtest.Tag{Name: "v2.0.0", SHA: head}) {
		t.Fatalf("tags %+v, want a lightweight v2.0.0 at %s", fake.Tags("acme", "widgets"), head)
	}
	body := decodeBody(t, fake.RequestsTo(routeCreateRef)[0])
	if len(body) != 2 || body["ref"] != "refs/tags/v2.0.0" || body["sha"] != head {
		t.Errorf("request body %v", body)
	}
	// Already there, at the same commit or another: ErrAlreadyExists.
	for _, tc := range []struct{ name, sha string }{{"v2.0.0", head}, {"v2.0.0", first}, {"v1.1.0", head}} {
		err := g.CreateTag(ctx, testRepo, tc.name, tc.sha)
		if !errors.Is(err, app.ErrAlreadyExists) {
			t.Errorf("CreateTag(%s) again = %v, want ErrAlreadyExists", tc.name, err)
		}
		wantPermanent(t, err)
	}
	// Refusals for other reasons are permanent, but not "already exists".
	for _, tc := range []struct{ name, sha string }{{"v3", "0000000000000000000000000000000000000000"}, {"v3..x", head}, {"v2.0.0/rc", head}} {
		err := g.CreateTag(ctx, testRepo, tc.name, tc.sha)
		wantPermanent(t, err)
		if errors.Is(err, app.ErrAlreadyExists) {
			t.Errorf("CreateTag(%s, %s) = %v: not an existing tag", tc.name, tc.sha, err)
		}
	}

	// An answer lost after the write: retrying meets the tag, and TagCommit
	// tells the caller it is its own.
	fake.Inject(githubtest.Fault{Route: routeCreateRef, Kind: githubtest.DropAfterWrite})
	wantTransient(t, g.CreateTag(ctx, testRepo, "v2.1.0", head))
	if err := g.CreateTag(ctx, testRepo, "v2.1.0", head); !errors.Is(err, app.ErrAlreadyExists) {
		t.Fatalf("retry = %v, want ErrAlreadyExists", err)
	}
	if sha, found, err := g.TagCommit(ctx, testRepo, "v2.1.0"); err != nil || !found || sha != head {
		t.Fatalf("TagCommit after the lost answer = %q, %v, %v", sha, found, err)
	}
}

func TestReleases(t *testing.T) {
	fake := tokenFake(t)
	seedTagged(fake)
	g := opsClient(t, tokenClients(t, fake), 0)
	ctx := context.Background()

	if _, found, err := g.FindRelease(ctx, testRepo, "v1.1.0"); found || err != nil {
		t.Fatalf("FindRelease before any = %v, %v", found, err)
	}
	rel, err := g.CreateRelease(ctx, testRepo, app.NewGitRelease{TagName: "v1.1.0", Name: "v1.1.0", Body: "## Features\n", Prerelease: true})
	if err != nil || rel.ID == 0 || rel.TagName != "v1.1.0" || rel.Name != "v1.1.0" || rel.Body != "## Features\n" || rel.Draft || !rel.Prerelease ||
		rel.HTMLURL != "https://github.com/acme/widgets/releases/tag/v1.1.0" {
		t.Fatalf("CreateRelease = %+v, %v", rel, err)
	}
	body := decodeBody(t, fake.RequestsTo(routeNewRelease)[0])
	if _, ok := body["target_commitish"]; ok || body["draft"] != false || body["prerelease"] != true || len(body) != 5 {
		t.Errorf("request body %v: want tag_name, name, body, draft and prerelease only", body)
	}
	found, ok, err := g.FindRelease(ctx, testRepo, "v1.1.0")
	if err != nil || !ok || found != rel {
		t.Fatalf("FindRelease = %+v, %v, %v; want %+v", found, ok, err, rel)
	}
	_, err = g.CreateRelease(ctx, testRepo, app.NewGitRelease{TagName: "v1.1.0"})
	if !errors.Is(err, app.ErrAlreadyExists) {
		t.Fatalf("second release = %v, want ErrAlreadyExists", err)
	}
	wantPermanent(t, err)

	// A draft, without name or body, is found too; a missing tag is refused.
	draft, err := g.CreateRelease(ctx, testRepo, app.NewGitRelease{TagName: "v1.0.0", Draft: true})
	if err != nil || !draft.Draft || draft.Name != "" {
		t.Fatalf("draft = %+v, %v", draft, err)
	}
	if body := decodeBody(t, fake.RequestsTo(routeNewRelease)[2]); len(body) != 3 {
		t.Errorf("draft request body %v: empty name and body are left out", body)
	}
	if got, ok, err := g.FindRelease(ctx, testRepo, "v1.0.0"); err != nil || !ok || got.ID != draft.ID || !got.Draft {
		t.Fatalf("FindRelease of the draft = %+v, %v, %v", got, ok, err)
	}
	// A tag deleted before its release: GitHub makes it at the target.
	head := fake.Tags("acme", "widgets")[0].SHA
	if _, err = g.CreateRelease(ctx, testRepo, app.NewGitRelease{TagName: "v9.9.9", TargetSHA: head}); err != nil {
		t.Fatalf("release of a missing tag: %v", err)
	}
	if sha, found, err := g.TagCommit(ctx, testRepo, "v9.9.9"); err != nil || !found || sha != head {
		t.Errorf("the release made its tag at %q (%v, %v), want %s", sha, found, err, head)
	}
	for _, r := range fake.RequestsTo(routeListReleases) {
		if r.Query.Encode() != "per_page=100" {
			t.Errorf("list query %q, want per_page=100", r.Query.Encode())
		}
	}
	fake.Inject(githubtest.Fault{Route: routeListReleases, Kind: githubtest.Status500})
	_, _, err = g.FindRelease(ctx, testRepo, "v1.0.0")
	wantTransient(t, err)
}

// FindRelease reads one page: a release older than the newest 100 is not
// found, by contract.
func TestFindReleaseNewest100(t *testing.T) {
	fake := tokenFake(t)
	_, head := seedHistory(fake)
	for i := range 101 {
		tag := fmt.Sprintf("v0.%d.0", i)
		fake.SeedTag("acme", "widgets", tag, head)
		fake.SeedRelease("acme", "widgets", githubtest.Release{TagName: tag, Draft: i%2 == 0})
	}
	g := opsClient(t, tokenClients(t, fake), 0)
	for tag, want := range map[string]bool{"v0.100.0": true, "v0.1.0": true, "v0.0.0": false} {
		if _, found, err := g.FindRelease(context.Background(), testRepo, tag); err != nil || found != want {
			t.Errorf("FindRelease(%s) = %v, %v; want %v", tag, found, err, want)
		}
	}
	if n := len(fake.RequestsTo(routeListReleases)); n != 3 {
		t.Errorf("%d list requests, want one per call", n)
	}
}

func TestListCommitsFrom(t *testing.T) {
	fake := tokenFake(t)
	fake.SeedRepo("acme", "widgets", "main")
	var seeded []string
	for i := range 160 {
		seeded = append(seeded, fake.SeedCommit("acme", "widgets", "main", map[string]string{"n": fmt.Sprint(i)}))
	}
	fake.SeedCommit("acme", "widgets", "main", map[string]string{"n": "later"}) // not reachable from the SHA asked for
	from := seeded[len(seeded)-1]
	g := opsClient(t, tokenClients(t, fake), 0)
	ctx := context.Background()
	newestFirst := slices.Clone(seeded)
	slices.Reverse(newestFirst)
	for _, tc := range []struct{ limit, want, requests int }{{5, 5, 1}, {150, 150, 2}, {500, 160, 2}} {
		before := len(fake.RequestsTo(routeListCommits))
		commits, err := g.ListCommitsFrom(ctx, testRepo, from, tc.limit)
		if err != nil || len(commits) != tc.want || len(fake.RequestsTo(routeListCommits))-before != tc.requests {
			t.Fatalf("limit %d: %d commits in %d requests, %v", tc.limit, len(commits), len(fake.RequestsTo(routeListCommits))-before, err)
		}
		for i, c := range commits {
			if c.SHA != newestFirst[i] || c.Author != "octocat" || c.Message != "Update n" && c.Message != "Create n" {
				t.Fatalf("limit %d: commit %d = %+v, want %s", tc.limit, i, c, newestFirst[i])
			}
		}
	}
	if q := fake.RequestsTo(routeListCommits)[0].Query; q.Get("sha") != from || q.Get("per_page") != "5" {
		t.Errorf("query %v", q)
	}
	_, err := g.ListCommitsFrom(ctx, testRepo, "0000000000000000000000000000000000000000", 5)
	wantPermanent(t, err)
}

func TestCompareAll(t *testing.T) {
	fake := tokenFake(t)
	_, base := seedHistory(fake)
	var ahead []string
	for i := range 1000 {
		ahead = append(ahead, fake.SeedCommit("acme", "widgets", "main", map[string]string{"n": fmt.Sprint(i)}))
	}
	head := ahead[len(ahead)-1]
	g := opsClient(t, tokenClients(t, fake), 0)
	ctx := context.Background()

	// The fake, like GitHub's description, serves at most 100 a page
	// whatever per_page asks: the Link header leads through all of them.
	for _, tc := range []struct{ limit, want, pages int }{{0, 1000, 10}, {1000, 1000, 10}, {250, 250, 3}, {5000, 1000, 10}, {1, 1, 1}} {
		before := len(fake.RequestsTo(routeCompare))
		cmp, err := g.CompareAll(ctx, testRepo, base, head, tc.limit)
		reqs := fake.RequestsTo(routeCompare)[before:]
		if err != nil || cmp.Status != "ahead" || cmp.AheadBy != 1000 || cmp.BehindBy != 0 || len(cmp.Commits) != tc.want || len(reqs) != tc.pages ||
			cmp.HTMLURL != "https://github.com/acme/widgets/compare/"+base+"..."+head {
			t.Fatalf("limit %d: %s ahead %d, %d commits in %d requests, %v", tc.limit, cmp.Status, cmp.AheadBy, len(cmp.Commits), len(reqs), err)
		}
		for i, c := range cmp.Commits { // oldest first
			if c.SHA != ahead[i] || c.Author != "octocat" || c.HTMLURL != "https://github.com/acme/widgets/commit/"+c.SHA {
				t.Fatalf("limit %d: commit %d = %+v, want %s", tc.limit, i, c, ahead[i])
			}
		}
		for i, r := range reqs {
			if r.Query.Get("per_page") != "250" || r.Query.Get("page") != fmt.Sprint(i+1) {
				t.Fatalf("limit %d: request %d query %q", tc.limit, i, r.Query.Encode())
			}
		}
	}
	if cmp, err := g.CompareAll(ctx, testRepo, head, head, 10); err != nil || cmp.Status != "identical" || len(cmp.Commits) != 0 {
		t.Fatalf("identical = %+v, %v", cmp, err)
	}
	_, err := g.CompareAll(ctx, testRepo, base, "nope", 10)
	if !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("unknown head = %v, want not found", err)
	}
	before := len(fake.RequestsTo(routeCompare))
	fake.Inject(githubtest.Fault{Route: routeCompare, Kind: githubtest.Status503})
	_, err = g.CompareAll(ctx, testRepo, base, head, 0)
	wantTransient(t, err)
	if n := len(fake.RequestsTo(routeCompare)) - before; n != 1 {
		t.Fatalf("%d requests after a 503, want 1: no retry inside the adapter", n)
	}
}

// Every request of the release calls is counted, with its status, as the
// transport counts every other call.
func TestReleaseCallsCounted(t *testing.T) {
	fake := tokenFake(t)
	_, head := seedTagged(fake)
	metrics := &recordingMetrics{}
	g := opsClient(t, tokenClients(t, fake, func(c *Config) { c.Metrics = metrics }), 0)
	ctx := context.Background()
	_, _, _ = g.TagCommit(ctx, testRepo, "v1.1.0")
	_ = g.CreateTag(ctx, testRepo, "v1.0.0", head) // 422
	_, _ = g.ListTagNames(ctx, testRepo, "")
	_, _, _ = g.FindRelease(ctx, testRepo, "v1.0.0")
	// The tag name and SHA stay in the route: RouteTemplate templates only
	// owners, repositories, logins and numbers.
	want := []observation{
		{"GET /repos/{owner}/{repo}/git/ref/", 200},
		{"GET /repos/{owner}/{repo}/git/tags/", 200},
		{"POST /repos/{owner}/{repo}/git/refs", 422},
		{"GET /repos/{owner}/{repo}/git/matching-refs/", 200},
		{"GET /repos/{owner}/{repo}/releases", 200},
	}
	got := metrics.take()
	if len(got) != len(want) {
		t.Fatalf("observed %v, want %d observations", got, len(want))
	}
	for i, o := range got {
		if !strings.HasPrefix(o.route, want[i].route) || o.status != want[i].status {
			t.Errorf("observation %d = %v, want %v…", i, o, want[i])
		}
	}
}

// FuzzTagRoundTrip sends any tag name through go-github to the fake and
// back: a tag CreateTag makes is found under exactly its name by TagCommit
// and ListTagNames; one GitHub refuses is a permanent error, never "already
// exists" in a fresh repository, and leaves no tag.
func FuzzTagRoundTrip(f *testing.F) {
	for _, s := range []string{"v1.2.3", "release/2024", "a#b", "50%", "日本", "a b", "a..b", "x/../y", "", "@", "a?b", "%2F", "v1/", "/v1"} {
		f.Add(s)
	}
	fake := githubtest.New(githubtest.Options{Tokens: []string{testToken}})
	defer fake.Close()
	c, err := New(Config{BaseURL: fake.URL, Token: testToken})
	if err != nil {
		f.Fatal(err)
	}
	g, err := c.ForInstallation(context.Background(), 0)
	if err != nil {
		f.Fatal(err)
	}
	cl := g.(*Client)
	f.Fuzz(func(t *testing.T, name string) {
		if !utf8.ValidString(name) {
			return // JSON, and so the API, cannot carry it
		}
		fake.Reset()
		sha := fake.SeedCommit("acme", "widgets", "main", map[string]string{"a": "1"})
		ctx := context.Background()
		err := cl.CreateTag(ctx, testRepo, name, sha)
		got, found, readErr := cl.TagCommit(ctx, testRepo, name)
		if readErr != nil {
			t.Fatalf("TagCommit(%q): %v", name, readErr)
		}
		if err != nil {
			if !errors.Is(err, app.ErrPermanent) || errors.Is(err, app.ErrAlreadyExists) || found || len(fake.Tags("acme", "widgets")) != 0 {
				t.Fatalf("CreateTag(%q) = %v; then found %v, tags %v", name, err, found, fake.Tags("acme", "widgets"))
			}
			return
		}
		if !found || got != sha {
			t.Fatalf("TagCommit(%q) = %q, %v; want %s", name, got, found, sha)
		}
		names, err := cl.ListTagNames(ctx, testRepo, name)
		if err != nil || !slices.Equal(names, []string{name}) {
			t.Fatalf("ListTagNames(%q) = %q, %v", name, names, err)
		}
	})
}
