package githubtest_test

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/issueops/issueops/app/github/githubtest"
)

const (
	routeRepo     = "GET /repos/{owner}/{repo}"
	routeContents = "GET /repos/{owner}/{repo}/contents/{path}"
	routeCommit   = "GET /repos/{owner}/{repo}/commits/{ref}"
	routeIssue    = "GET /repos/{owner}/{repo}/issues/{issue_number}"
	routeAddLabel = "POST /repos/{owner}/{repo}/issues/{issue_number}/labels"
	routeDelLabel = "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}"
)

// seeded starts a fake with seedFixture's repositories and issues.
func seeded(t *testing.T) (*githubtest.Server, string) {
	t.Helper()
	s := newServer(t)
	return s, seedFixture(s)
}

// gitBlobSHA is how git names a file's content.
func gitBlobSHA(content string) string {
	sum := sha1.Sum([]byte(fmt.Sprintf("blob %d\x00%s", len(content), content)))
	return hex.EncodeToString(sum[:])
}

func TestRouteMatching(t *testing.T) {
	s, _ := seeded(t)
	auth := "token " + staticToken
	for _, c := range []struct {
		method, path, route string
		status              int
	}{
		{"GET", ownerRepo, routeRepo, 200},
		{"GET", ownerRepo + "/", "", 404},
		{"GET", ownerRepo + "/contents/docs/guide/intro.md", routeContents, 200},
		{"GET", ownerRepo + "/contents/docs%2Fguide/intro.md", routeContents, 200}, // escaped slash
		{"GET", ownerRepo + "/contents/docs/a%20b.md", routeContents, 200},
		{"GET", ownerRepo + "/contents/", routeContents, 200},
		{"GET", ownerRepo + "/contents", "", 404},
		{"GET", ownerRepo + "/commits/feature/x", routeCommit, 200},
		{"GET", ownerRepo + "/commits/refs/heads/feature/x", routeCommit, 200},
		{"GET", ownerRepo + "/issues/1", routeIssue, 200},
		{"GET", ownerRepo + "/issues/comments/1", "GET /repos/{owner}/{repo}/issues/comments/{comment_id}", 404},
		{"GET", ownerRepo + "/issues/1/comments", "GET /repos/{owner}/{repo}/issues/{issue_number}/comments", 200},
		{"GET", ownerRepo + "/issues/comments", routeIssue, 404}, // not a number
		{"POST", ownerRepo + "/issues/1/labels", routeAddLabel, 200},
		{"DELETE", ownerRepo + "/issues/1/labels/issueops%3Ainvalid", routeDelLabel, 200},
		{"DELETE", ownerRepo + "/issues/1/labels", "", 404},
		{"DELETE", ownerRepo + "/issues/1/labels/a/b", "", 404},                                      // {name} is not greedy
		{"PUT", ownerRepo + "/contents/README.md", "PUT /repos/{owner}/{repo}/contents/{path}", 422}, // no message
		{"PATCH", ownerRepo + "/contents/README.md", "", 404},
		{"GET", ownerRepo + "/commits", "GET /repos/{owner}/{repo}/commits", 200},
		{"GET", ownerRepo + "/actions/workflows/a%20b.yml/runs", "GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs", 404},
		{"GET", ownerRepo + "/actions/workflows/a/b.yml/runs", "", 404}, // {workflow_id} is not greedy
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			body := ""
			if c.method == "POST" {
				body = `["bug"]`
			}
			r := do(t, s, c.method, c.path, auth, body)
			wantStatus(t, r, c.status)
			reqs := s.Requests()
			if got := reqs[len(reqs)-1].Route; got != c.route {
				t.Fatalf("route %q, want %q", got, c.route)
			}
		})
	}
}

func TestGetRepo(t *testing.T) {
	s := newServer(t)
	auth := "token " + staticToken
	// Comments work on any repository; the repository routes need seeding.
	wantStatus(t, do(t, s, "POST", ownerRepo+"/issues/1/comments", auth, `{"body":"x"}`), 201)
	wantMessage(t, do(t, s, "GET", ownerRepo, auth, ""), 404, "Not Found")

	s.SeedRepo("Acme", "Widgets", "trunk")
	s.SeedIssue("acme", "widgets", githubtest.Issue{Number: 1})
	s.SeedIssue("acme", "widgets", githubtest.Issue{Number: 2, State: "closed"})
	s.SeedRepo("acme", "widgets", "") // again: keeps the default branch
	r := do(t, s, "GET", "repos/ACME/widgets", auth, "")
	wantStatus(t, r, 200)
	var repo struct {
		ID            int64
		Name          string
		FullName      string `json:"full_name"`
		Owner         struct{ Login, Type string }
		Private       bool
		DefaultBranch string `json:"default_branch"`
		HTMLURL       string `json:"html_url"`
		URL           string
		OpenIssues    int `json:"open_issues_count"`
	}
	r.json(t, &repo)
	if repo.ID == 0 || repo.Name != "Widgets" || repo.FullName != "Acme/Widgets" || repo.Owner.Login != "Acme" ||
		repo.Owner.Type != "User" || repo.Private || repo.DefaultBranch != "trunk" || repo.OpenIssues != 1 ||
		repo.HTMLURL != "https://github.com/Acme/Widgets" || repo.URL != s.URL+"repos/Acme/Widgets" {
		t.Fatalf("repo %+v", repo)
	}
	wantMessage(t, do(t, s, "GET", ownerRepo, "", ""), 401, "Requires authentication")

	s.Reset()
	wantStatus(t, do(t, s, "GET", ownerRepo, auth, ""), 404)
	if _, ok := s.Issue("acme", "widgets", 1); ok || s.RepoLabels("acme", "widgets") != nil {
		t.Fatal("Reset kept seeded state")
	}
}

// contentJSON is the subset of a content object the tests read.
type contentJSON struct {
	Type, Encoding, Name, Path, Content, SHA, URL string
	Size                                          int
	HTMLURL                                       string  `json:"html_url"`
	DownloadURL                                   *string `json:"download_url"`
}

func TestGetContents(t *testing.T) {
	s, _ := seeded(t)
	auth := "token " + staticToken
	long := strings.Repeat("0123456789", 20) + "\nünïcode\n"
	second := s.SeedCommit("acme", "widgets", "main", map[string]string{"docs/long.txt": long, "docs/a b.md": ""})

	get := func(path string) result { return do(t, s, "GET", ownerRepo+"/contents/"+path, auth, "") }
	var f contentJSON
	r := get("docs/long.txt")
	wantStatus(t, r, 200)
	r.json(t, &f)
	if f.Type != "file" || f.Encoding != "base64" || f.Name != "long.txt" || f.Path != "docs/long.txt" ||
		f.Size != len(long) || f.SHA != gitBlobSHA(long) || f.DownloadURL == nil ||
		f.HTMLURL != "https://github.com/acme/widgets/blob/main/docs/long.txt" ||
		f.URL != s.URL+ownerRepo+"/contents/docs/long.txt?ref=main" {
		t.Fatalf("file %+v", f)
	}
	lines := strings.SplitAfter(f.Content, "\n")
	for i, l := range lines[:len(lines)-1] {
		if len(l) > 61 || (len(l) != 61 && i < len(lines)-2) || !strings.HasSuffix(l, "\n") {
			t.Fatalf("line %d %q: want 60 base64 characters and a newline", i, l)
		}
	}
	if dec, err := base64.StdEncoding.DecodeString(f.Content); err != nil || string(dec) != long {
		t.Fatalf("content decodes to %q, %v", dec, err)
	}

	// A directory lists its entries in git's order, directories as "dir".
	var dir []contentJSON
	r = get("docs")
	wantStatus(t, r, 200)
	r.json(t, &dir)
	if len(dir) != 2 || dir[0].Name != "guide" || dir[0].Type != "dir" || dir[0].DownloadURL != nil ||
		dir[1].Path != "docs/long.txt" || dir[1].Type != "file" || dir[1].SHA != gitBlobSHA(long) || dir[1].Content != "" {
		t.Fatalf("docs: %s", r.body)
	}
	r = get("")
	r.json(t, &dir)
	if len(dir) != 2 || dir[0].Name != "README.md" || dir[1].Name != "docs" {
		t.Fatalf("root: %s", r.body)
	}

	// ref: branch (default: the default branch), tag, SHA, SHA prefix.
	for _, c := range []struct {
		path, want string
		status     int
	}{
		{"docs/a%20b.md", "", 404}, // deleted on main
		{"docs/a%20b.md?ref=v1.0.0", "spaced\n", 200},
		{"docs/a%20b.md?ref=" + second, "", 404},
		{"docs/long.txt?ref=" + second[:8], long, 200},
		{"docs/long.txt?ref=v1.0.0", "", 404},
		{"src/main.go?ref=feature/x", "package main\n", 200},
		{"src/main.go?ref=refs/heads/feature/x", "package main\n", 200},
		{"README.md?ref=feature/x", "", 404}, // deleted on the branch
		{"docs/guide/intro.md/more", "", 404},
		{"../README.md", "", 404},
	} {
		r := get(c.path)
		wantStatus(t, r, c.status)
		if c.status == 200 {
			r.json(t, &f)
			if dec, _ := base64.StdEncoding.DecodeString(f.Content); string(dec) != c.want {
				t.Errorf("%s: content %q, want %q", c.path, dec, c.want)
			}
		} else if msg := r.object(t)["message"]; msg != "Not Found" {
			t.Errorf("%s: message %q", c.path, msg)
		}
	}
	wantMessage(t, get("README.md?ref=nope"), 404, "No commit found for the ref nope")
	wantMessage(t, do(t, s, "GET", "repos/acme/empty/contents/", auth, ""), 404, "This repository is empty.")
	wantMessage(t, do(t, s, "GET", "repos/acme/nowhere/contents/", auth, ""), 404, "Not Found")

	// MoveRef moves main back: the old tree is read again.
	s.MoveRef("acme", "widgets", "main", "v1.0.0")
	wantStatus(t, get("docs/a%20b.md"), 200)

	big := strings.Repeat("x", 1<<20+1)
	s.SeedCommit("acme", "widgets", "main", map[string]string{"big.bin": big})
	get("big.bin").json(t, &f)
	if f.Encoding != "none" || f.Content != "" || f.Size != len(big) {
		t.Fatalf("big file: encoding %q, %d bytes of content", f.Encoding, len(f.Content))
	}
}

func TestGetCommit(t *testing.T) {
	s, main := seeded(t)
	auth := "token " + staticToken
	feature := s.SeedCommit("acme", "widgets", "feature/x", map[string]string{"src/main.go": "package main\n\nfunc main() {}\n"})

	r := do(t, s, "GET", ownerRepo+"/commits/feature/x", auth, "")
	wantStatus(t, r, 200)
	var c struct {
		SHA    string
		NodeID string `json:"node_id"`
		Commit struct {
			Message string
			Author  struct{ Name, Date string }
			Tree    struct{ SHA string }
		}
		HTMLURL string `json:"html_url"`
		URL     string
		Parents []struct{ SHA string }
		Stats   struct{ Additions, Deletions, Total int }
		Files   []struct{ Filename, Status string }
	}
	r.json(t, &c)
	if c.SHA != feature || c.NodeID == "" || c.Commit.Message != "Update src/main.go" || c.Commit.Author.Name != "octocat" ||
		len(c.Commit.Tree.SHA) != 40 || len(c.Parents) != 1 || c.HTMLURL != "https://github.com/acme/widgets/commit/"+feature ||
		c.URL != s.URL+ownerRepo+"/commits/"+feature || c.Stats.Additions != 2 || c.Stats.Total != 2 ||
		len(c.Files) != 1 || c.Files[0].Status != "modified" {
		t.Fatalf("commit %s", r.body)
	}

	shaOf := func(ref string, hdr map[string]string) result {
		h := map[string]string{"Accept": "application/vnd.github.sha"}
		for k, v := range hdr {
			h[k] = v
		}
		return doWith(t, s, "GET", ownerRepo+"/commits/"+ref, auth, "", h)
	}
	for _, c := range []struct{ ref, want string }{
		{"main", main}, {"v1.0.0", main}, {"refs/tags/v1.0.0", main}, {"tags/v1.0.0", main},
		{main, main}, {strings.ToUpper(main), main}, {main[:7], main}, {"feature/x", feature},
	} {
		r := shaOf(c.ref, nil)
		wantStatus(t, r, 200)
		if string(r.body) != c.want || r.header.Get("Content-Type") != "text/plain; charset=utf-8" || r.header.Get("ETag") != `"`+c.want+`"` {
			t.Errorf("%s: %q %v", c.ref, r.body, r.header)
		}
	}

	// The ETag of the SHA form gives a free 304 while the ref stays put.
	used := shaOf("main", nil).header.Get("X-Ratelimit-Used")
	r = shaOf("main", map[string]string{"If-None-Match": `"` + main + `"`})
	wantStatus(t, r, 304)
	if len(r.body) != 0 || r.header.Get("X-Ratelimit-Used") != used {
		t.Fatalf("304: body %q, used %s then %s", r.body, used, r.header.Get("X-Ratelimit-Used"))
	}
	s.MoveRef("acme", "widgets", "main", feature)
	r = shaOf("main", map[string]string{"If-None-Match": `"` + main + `"`})
	if r.status != 200 || string(r.body) != feature {
		t.Fatalf("after the push: %d %s", r.status, r.body)
	}

	for _, ref := range []string{"nope", main[:6], "deadbeefdeadbeef", "feature"} {
		wantMessage(t, do(t, s, "GET", ownerRepo+"/commits/"+ref, auth, ""), 422, "No commit found for SHA: "+ref)
	}
	wantMessage(t, do(t, s, "GET", "repos/acme/empty/commits/main", auth, ""), 409, "Git Repository is empty.")
	wantMessage(t, do(t, s, "GET", "repos/acme/nowhere/commits/main", auth, ""), 404, "Not Found")
	wantMessage(t, do(t, s, "GET", ownerRepo+"/commits/", auth, ""), 404, "Not Found")
}

func TestSeedCommit(t *testing.T) {
	seedTwice := func() []string {
		s := newServer(t)
		a := s.SeedCommit("o", "r", "main", map[string]string{"a": "1"})
		b := s.SeedCommit("o", "r", "main", map[string]string{"a": "2", "d/e": "3"})
		c := s.SeedCommit("o", "r", "dev", nil) // branches off main
		d := s.SeedCommit("o", "r", "refs/tags/v1", map[string]string{"a": ""})
		s.SeedTag("o", "r", "v0", a[:9])
		e := s.SeedCommit("o", "r", "v0", map[string]string{"z": "z"}) // an existing tag moves
		return []string{a, b, c, d, e}
	}
	first, again := seedTwice(), seedTwice()
	seen := map[string]bool{}
	for i, sha := range first {
		if len(sha) != 40 || sha != again[i] || seen[sha] {
			t.Fatalf("SHAs %v then %v: want 40-hex, distinct and deterministic", first, again)
		}
		seen[sha] = true
	}

	s := newServer(t)
	s.SeedCommit("o", "r", "main", map[string]string{"a/b": "x"})
	for name, f := range map[string]func(){
		"file over directory": func() { s.SeedCommit("o", "r", "main", map[string]string{"a": "x"}) },
		"directory over file": func() { s.SeedCommit("o", "r", "main", map[string]string{"a/b/c": "x"}) },
		"dot-dot path":        func() { s.SeedCommit("o", "r", "main", map[string]string{"../x": "x"}) },
		"unknown tag target":  func() { s.SeedTag("o", "r", "v1", "nope") },
		"unknown repository":  func() { s.MoveRef("o", "nope", "main", "main") },
		"unseeded issue body": func() { s.SetIssueBody("o", "r", 1, "x") },
		"issue number 0":      func() { s.SeedIssue("o", "r", githubtest.Issue{}) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f()
		})
	}
}

func TestNewRoutesFaultsAndAuth(t *testing.T) {
	s, _ := seeded(t)
	auth := "token " + staticToken
	for _, route := range []string{routeRepo, routeContents, routeCommit, routeIssue, routeAddLabel, routeDelLabel} {
		s.Inject(githubtest.Fault{Route: route, Kind: githubtest.Status503})
	}
	reqs := []struct{ method, path, body string }{
		{"GET", ownerRepo, ""},
		{"GET", ownerRepo + "/contents/README.md", ""},
		{"GET", ownerRepo + "/commits/main", ""},
		{"GET", ownerRepo + "/issues/1", ""},
		{"POST", ownerRepo + "/issues/1/labels", `["x"]`},
		{"DELETE", ownerRepo + "/issues/1/labels/bug", ""},
	}
	for _, rq := range reqs {
		wantMessage(t, do(t, s, rq.method, rq.path, auth, rq.body), 503, "Service Unavailable")
	}
	if iss, _ := s.Issue("acme", "widgets", 1); len(iss.Labels) != 2 {
		t.Fatalf("faulted writes changed labels: %v", iss.Labels)
	}
	for _, rq := range reqs {
		wantStatus(t, do(t, s, rq.method, rq.path, auth, rq.body), http.StatusOK)
		wantMessage(t, do(t, s, rq.method, rq.path, "token bad", rq.body), 401, "Bad credentials")
	}
	if n := len(s.RequestsTo(routeContents)); n != 3 {
		t.Fatalf("%d contents requests recorded, want 3", n)
	}
}
