package githubtest_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	gh "github.com/google/go-github/v60/github"

	"github.com/issueops/issueops/app/github/githubtest"
)

const routeCompare = "GET /repos/{owner}/{repo}/compare/{basehead}"

// compareHistory is acme/tree as seedCompare leaves it:
//
//	m1 ── m2 ── m3          main, tag v1 at m3
//	 │           └── a1 ── a2 ── a3      ahead3
//	 └── f1 ── f2 ── f3                  feature/deep
//	                  └── r1             release/v1.2
type compareHistory struct {
	m1, m2, m3, f1, f2, f3, a1, a2, a3, r1 string
}

func seedCompare(s *githubtest.Server) compareHistory {
	var h compareHistory
	s.SeedRepo("acme", "tree", "main")
	h.m1 = s.SeedCommit("acme", "tree", "main", map[string]string{"a.txt": "1\n"})
	h.f1 = s.SeedCommit("acme", "tree", "feature/deep", map[string]string{"f.txt": "1\n"}) // branches off m1
	h.f2 = s.SeedCommit("acme", "tree", "feature/deep", map[string]string{"f.txt": "2\n"})
	h.f3 = s.SeedCommit("acme", "tree", "feature/deep", map[string]string{"g/h.txt": "x\n"})
	s.MoveRef("acme", "tree", "release/v1.2", h.f3)
	h.r1 = s.SeedCommit("acme", "tree", "release/v1.2", map[string]string{"NOTES": "v1.2\n"})
	h.m2 = s.SeedCommit("acme", "tree", "main", map[string]string{"b.txt": "b\n"})
	h.m3 = s.SeedCommit("acme", "tree", "main", map[string]string{"a.txt": "3\n"})
	s.SeedTag("acme", "tree", "v1", h.m3)
	h.a1 = s.SeedCommit("acme", "tree", "ahead3", map[string]string{"c.txt": "1\n"}) // branches off m3
	h.a2 = s.SeedCommit("acme", "tree", "ahead3", map[string]string{"c.txt": "2\n"})
	h.a3 = s.SeedCommit("acme", "tree", "ahead3", map[string]string{"c.txt": "3\n"})
	// Unrelated histories: "orphan" is a root commit of its own.
	s.SeedRepo("acme", "split", "main")
	s.SeedCommit("acme", "split", "orphan", map[string]string{"x": "x"})
	s.SeedCommit("acme", "split", "main", map[string]string{"y": "y"}) // a second root
	return h
}

func shas(cs []*gh.RepositoryCommit) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.GetSHA()
	}
	return out
}

func fileNames(fs []*gh.CommitFile) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.GetStatus() + " " + f.GetFilename()
	}
	return out
}

func TestCompareCommits(t *testing.T) {
	s := newServer(t)
	h := seedCompare(s)
	ctx := context.Background()
	c := goGitHub(t, s)

	type want struct {
		status                   string
		ahead, behind            int
		baseSHA, headSHA, merged string // merged: the merge base
		commits, files           []string
	}
	for _, tc := range []struct {
		name, base, head string
		want
	}{
		{"identical branches", "main", "main", want{"identical", 0, 0, h.m3, h.m3, h.m3, nil, nil}},
		{"identical tag and SHA prefix", "v1", h.m3[:7], want{"identical", 0, 0, h.m3, h.m3, h.m3, nil, nil}},
		{"ahead by 3", "main", "ahead3", want{"ahead", 3, 0, h.m3, h.a3, h.m3, []string{h.a1, h.a2, h.a3}, []string{"added c.txt"}}},
		{"ahead by 3 from a SHA", h.m3, "refs/heads/ahead3", want{"ahead", 3, 0, h.m3, h.a3, h.m3, []string{h.a1, h.a2, h.a3}, []string{"added c.txt"}}},
		{"behind", "ahead3", "main", want{"behind", 0, 3, h.a3, h.m3, h.m3, nil, nil}},
		{"behind an older commit", "main", h.m1, want{"behind", 0, 2, h.m3, h.m1, h.m1, nil, nil}},
		{"diverged", "main", "feature/deep", want{"diverged", 3, 2, h.m3, h.f3, h.m1, []string{h.f1, h.f2, h.f3}, []string{"added f.txt", "added g/h.txt"}}},
		{"diverged the other way", "feature/deep", "ahead3", want{"diverged", 5, 3, h.f3, h.a3, h.m1,
			[]string{h.m2, h.m3, h.a1, h.a2, h.a3}, []string{"modified a.txt", "added b.txt", "added c.txt"}}},
		{"slash branch against a tag", "tags/v1", "feature/deep", want{"diverged", 3, 2, h.m3, h.f3, h.m1, []string{h.f1, h.f2, h.f3}, []string{"added f.txt", "added g/h.txt"}}},
		{"two slash branches", "feature/deep", "release/v1.2", want{"ahead", 1, 0, h.f3, h.r1, h.f3, []string{h.r1}, []string{"added NOTES"}}},
		{"owner-qualified sides", "acme:main", "ACME:ahead3", want{"ahead", 3, 0, h.m3, h.a3, h.m3, []string{h.a1, h.a2, h.a3}, []string{"added c.txt"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmp, resp, err := c.Repositories.CompareCommits(ctx, "acme", "tree", tc.base, tc.head, nil)
			if err != nil {
				t.Fatal(err)
			}
			if cmp.GetStatus() != tc.status || cmp.GetAheadBy() != tc.ahead || cmp.GetBehindBy() != tc.behind ||
				cmp.GetTotalCommits() != tc.ahead {
				t.Fatalf("status %s ahead %d behind %d total %d, want %s %d %d",
					cmp.GetStatus(), cmp.GetAheadBy(), cmp.GetBehindBy(), cmp.GetTotalCommits(), tc.status, tc.ahead, tc.behind)
			}
			if got := cmp.GetMergeBaseCommit().GetSHA(); got != tc.merged {
				t.Errorf("merge base %s, want %s", got, tc.merged)
			}
			if got := cmp.GetBaseCommit().GetSHA(); got != tc.baseSHA {
				t.Errorf("base commit %s, want %s", got, tc.baseSHA)
			}
			if got := shas(cmp.Commits); !slices.Equal(got, tc.commits) {
				t.Errorf("commits %v, want %v", got, tc.commits)
			}
			if got := fileNames(cmp.Files); !slices.Equal(got, tc.files) {
				t.Errorf("files %v, want %v", got, tc.files)
			}
			for i, rc := range cmp.Commits {
				if rc.GetCommit().GetMessage() == "" || rc.GetHTMLURL() != "https://github.com/acme/tree/commit/"+rc.GetSHA() ||
					len(rc.Parents) != 1 || (i > 0 && rc.Parents[0].GetSHA() != cmp.Commits[i-1].GetSHA()) {
					t.Errorf("commit %d: %+v", i, rc)
				}
			}
			if resp.Header.Get("Link") != "" {
				t.Errorf("unpaged answer with Link %q", resp.Header.Get("Link"))
			}
			html := "https://github.com/acme/tree/compare/" + tc.base + "..." + tc.head
			if cmp.GetURL() != s.URL+"repos/acme/tree/compare/"+tc.base+"..."+tc.head || cmp.GetHTMLURL() != html ||
				cmp.GetDiffURL() != html+".diff" || cmp.GetPatchURL() != html+".patch" ||
				cmp.GetPermalinkURL() != "https://github.com/acme/tree/compare/acme:"+tc.baseSHA+"...acme:"+tc.headSHA {
				t.Errorf("urls: %s %s %s %s %s", cmp.GetURL(), cmp.GetHTMLURL(), cmp.GetPermalinkURL(), cmp.GetDiffURL(), cmp.GetPatchURL())
			}
		})
	}

	// 404s: unknown repository, unresolvable sides, another owner's fork,
	// unrelated histories, a repository without commits, no separator.
	for _, tc := range []struct{ owner, repo, base, head string }{
		{"acme", "nowhere", "main", "main"},
		{"acme", "tree", "main", "nope"},
		{"acme", "tree", "nope", "main"},
		{"acme", "tree", h.m1[:6], "main"}, // too short a prefix
		{"acme", "tree", "feature", "main"},
		{"acme", "tree", "someone:main", "main"},
		{"acme", "split", "orphan", "main"}, // unrelated histories
		{"acme", "empty", "main", "main"},
	} {
		t.Run("404 "+tc.repo+" "+tc.base+"..."+tc.head, func(t *testing.T) {
			_, _, err := c.Repositories.CompareCommits(ctx, tc.owner, tc.repo, tc.base, tc.head, nil)
			wantGitHubStatus(t, err, 404)
		})
	}
	s.SeedRepo("acme", "empty", "")
	_, _, err := c.Repositories.CompareCommits(ctx, "acme", "empty", "main", "main", nil)
	wantGitHubStatus(t, err, 404)
	auth := "token " + staticToken
	wantMessage(t, do(t, s, "GET", "repos/acme/tree/compare/main", auth, ""), 404, "Not Found")
	wantMessage(t, do(t, s, "GET", "repos/acme/tree/compare/main...", auth, ""), 404, "Not Found")
	wantMessage(t, do(t, s, "GET", "repos/acme/tree/compare/", auth, ""), 404, "Not Found")
	wantMessage(t, do(t, s, "GET", "repos/acme/tree/compare/main...nope", auth, ""), 404, "Not Found")
}

func TestCompareRawPaths(t *testing.T) {
	s := newServer(t)
	h := seedCompare(s)
	auth := "token " + staticToken
	var cmp struct {
		Status    string
		AheadBy   int                  `json:"ahead_by"`
		BehindBy  int                  `json:"behind_by"`
		MergeBase struct{ SHA string } `json:"merge_base_commit"`
		Commits   []struct{ SHA string }
		Files     []struct{ Filename, Status string }
		URL       string
	}
	for _, tc := range []struct {
		path, status string
		ahead        int
		files        []string
	}{
		// Slashes unescaped on either side, as GitHub's own links write them.
		{"main...feature/deep", "diverged", 3, []string{"f.txt", "g/h.txt"}},
		{"refs/heads/feature/deep...refs/heads/main", "diverged", 2, []string{"a.txt", "b.txt"}},
		{"feature%2Fdeep...main", "diverged", 2, []string{"a.txt", "b.txt"}}, // go-github's escaping
		// Two dots: the same commits, but files against base itself.
		{"main..feature/deep", "diverged", 3, []string{"a.txt", "b.txt", "f.txt", "g/h.txt"}},
		{h.m1 + ".." + h.m3[:10], "ahead", 2, []string{"a.txt", "b.txt"}},
	} {
		r := do(t, s, "GET", "repos/acme/tree/compare/"+tc.path, auth, "")
		wantStatus(t, r, 200)
		r.json(t, &cmp)
		var files []string
		for _, f := range cmp.Files {
			files = append(files, f.Filename)
		}
		if cmp.Status != tc.status || cmp.AheadBy != tc.ahead || cmp.MergeBase.SHA != h.m1 && tc.status == "diverged" ||
			!slices.Equal(files, tc.files) {
			t.Errorf("%s: %s ahead %d merge base %s files %v", tc.path, cmp.Status, cmp.AheadBy, cmp.MergeBase.SHA, files)
		}
		if reqs := s.Requests(); reqs[len(reqs)-1].Route != routeCompare {
			t.Errorf("%s: matched %q", tc.path, reqs[len(reqs)-1].Route)
		}
	}
	// The unrelated histories of acme/split share no commit.
	wantMessage(t, do(t, s, "GET", "repos/acme/split/compare/orphan...main", auth, ""), 404, "No common ancestor between orphan and main.")

	// Faults and authentication apply as on every route.
	s.Inject(githubtest.Fault{Route: routeCompare, Kind: githubtest.Status503})
	wantMessage(t, do(t, s, "GET", "repos/acme/tree/compare/main...ahead3", auth, ""), 503, "Service Unavailable")
	wantStatus(t, do(t, s, "GET", "repos/acme/tree/compare/main...ahead3", auth, ""), 200)
	wantMessage(t, do(t, s, "GET", "repos/acme/tree/compare/main...ahead3", "token bad", ""), 401, "Bad credentials")
}

func TestCompareCommitsPagination(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	c := goGitHub(t, s)
	base := s.SeedCommit("acme", "long", "main", map[string]string{"n": "0"})
	var seeded []string
	for i := 1; i <= 600; i++ {
		seeded = append(seeded, s.SeedCommit("acme", "long", "topic/many", map[string]string{"n": fmt.Sprint(i)}))
	}

	// Without page or per_page: the 250 most recent commits, oldest first,
	// no Link header (as GitHub documents for large comparisons).
	cmp, resp, err := c.Repositories.CompareCommits(ctx, "acme", "long", "main", "topic/many", nil)
	if err != nil || cmp.GetTotalCommits() != 600 || cmp.GetAheadBy() != 600 || !slices.Equal(shas(cmp.Commits), seeded[350:]) ||
		resp.NextPage != 0 || resp.Header.Get("Link") != "" || len(cmp.Files) != 1 {
		t.Fatalf("unpaged: total %d, %d commits, next %d, Link %q, %d files, %v",
			cmp.GetTotalCommits(), len(cmp.Commits), resp.NextPage, resp.Header.Get("Link"), len(cmp.Files), err)
	}

	for _, tc := range []struct {
		name    string
		perPage int // asked for
		pages   int
		size    int // commits per page but the last
	}{
		{"per_page 250 is capped at 100", 250, 6, 100},
		{"per_page 100", 100, 6, 100},
		{"per_page 30 by default", 0, 20, 30},
		{"per_page 200 capped: 3 pages from page 4", 200, 6, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := &gh.ListOptions{PerPage: tc.perPage, Page: 1}
			if strings.HasSuffix(tc.name, "from page 4") {
				opts.Page = 4
			}
			first := opts.Page
			var got []string
			pages := 0
			for {
				cmp, resp, err := c.Repositories.CompareCommits(ctx, "acme", "long", base[:12], "topic/many", opts)
				if err != nil {
					t.Fatal(err)
				}
				pages++
				if cmp.GetTotalCommits() != 600 || cmp.GetStatus() != "ahead" || cmp.GetMergeBaseCommit().GetSHA() != base {
					t.Fatalf("page %d: total %d status %s", opts.Page, cmp.GetTotalCommits(), cmp.GetStatus())
				}
				if wantFiles := opts.Page == 1; (len(cmp.Files) == 1) != wantFiles {
					t.Fatalf("page %d: %d files", opts.Page, len(cmp.Files))
				}
				if resp.LastPage != 0 && resp.LastPage != tc.pages || resp.NextPage == 0 && opts.Page != tc.pages {
					t.Fatalf("page %d: last %d next %d (Link %q)", opts.Page, resp.LastPage, resp.NextPage, resp.Header.Get("Link"))
				}
				if opts.Page > 1 && resp.FirstPage != 1 || opts.Page > 1 && resp.PrevPage != opts.Page-1 {
					t.Fatalf("page %d: first %d prev %d", opts.Page, resp.FirstPage, resp.PrevPage)
				}
				if opts.Page < tc.pages && len(cmp.Commits) != tc.size {
					t.Fatalf("page %d: %d commits, want %d", opts.Page, len(cmp.Commits), tc.size)
				}
				got = append(got, shas(cmp.Commits)...)
				if resp.NextPage == 0 {
					break
				}
				opts.Page = resp.NextPage
			}
			if pages != tc.pages-first+1 || !slices.Equal(got, seeded[(first-1)*tc.size:]) {
				t.Fatalf("%d pages, %d commits", pages, len(got))
			}
		})
	}

	// A page past the end is empty, with links back.
	cmp, resp, err = c.Repositories.CompareCommits(ctx, "acme", "long", "main", "topic/many", &gh.ListOptions{Page: 99, PerPage: 100})
	if err != nil || len(cmp.Commits) != 0 || cmp.GetTotalCommits() != 600 || len(cmp.Files) != 0 || resp.PrevPage != 98 || resp.FirstPage != 1 {
		t.Fatalf("page 99: %d commits, prev %d, %v", len(cmp.Commits), resp.PrevPage, err)
	}
	// The Link header keeps the query as the client wrote it.
	r := do(t, s, "GET", "repos/acme/long/compare/main...topic/many?per_page=100&page=2", "token "+staticToken, "")
	want := fmt.Sprintf(`<%srepos/acme/long/compare/main...topic/many?per_page=100&page=1>; rel="prev", `+
		`<%[1]srepos/acme/long/compare/main...topic/many?per_page=100&page=3>; rel="next", `+
		`<%[1]srepos/acme/long/compare/main...topic/many?per_page=100&page=6>; rel="last", `+
		`<%[1]srepos/acme/long/compare/main...topic/many?per_page=100&page=1>; rel="first"`, s.URL)
	if got := r.header.Get("Link"); got != want {
		t.Fatalf("Link\n%s\nwant\n%s", got, want)
	}
}
