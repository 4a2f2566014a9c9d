package githubtest_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/issueops/issueops/app/github/githubtest"
)

// labelJSON is the label object as the tests read it.
type labelJSON struct {
	ID          int64
	NodeID      string `json:"node_id"`
	URL         string
	Name        string
	Color       string
	Default     bool
	Description *string
}

func labelNames(ls []labelJSON) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Name
	}
	return out
}

func TestGetIssue(t *testing.T) {
	s, _ := seeded(t)
	auth := "token " + staticToken
	s.SeedComment("acme", "widgets", 1, "bob", "first")
	wantStatus(t, do(t, s, "POST", ownerRepo+"/issues/1/reactions", auth, `{"content":"eyes"}`), 201)

	r := do(t, s, "GET", ownerRepo+"/issues/1", auth, "")
	wantStatus(t, r, 200)
	var iss struct {
		ID        int64
		NodeID    string `json:"node_id"`
		Number    int
		Title     string
		Body      *string
		State     string
		Labels    []labelJSON
		User      struct{ Login, Type string }
		Comments  int
		HTMLURL   string    `json:"html_url"`
		URL       string    `json:"url"`
		ClosedAt  *string   `json:"closed_at"`
		CreatedAt time.Time `json:"created_at"`
		UpdatedAt time.Time `json:"updated_at"`
		Reactions struct {
			TotalCount int `json:"total_count"`
			Eyes       int
		}
	}
	r.json(t, &iss)
	if iss.ID == 0 || iss.NodeID == "" || iss.Number != 1 || iss.Title != "Deploy" || iss.Body == nil || *iss.Body != "please" ||
		iss.State != "open" || iss.User.Login != "octocat" || iss.User.Type != "User" || iss.Comments != 1 ||
		iss.HTMLURL != "https://github.com/acme/widgets/issues/1" || iss.URL != s.URL+ownerRepo+"/issues/1" ||
		iss.ClosedAt != nil || iss.Reactions.Eyes != 1 || iss.Reactions.TotalCount != 1 {
		t.Fatalf("issue %s", r.body)
	}
	if got := labelNames(iss.Labels); !slices.Equal(got, []string{"bug", "issueops:invalid"}) {
		t.Fatalf("labels %v", got)
	}
	bug, created := iss.Labels[0], iss.Labels[1]
	if !bug.Default || bug.Color != "d73a4a" || bug.Description == nil || bug.ID == 0 || bug.NodeID == "" ||
		created.Default || created.Color != "ededed" || created.Description != nil ||
		created.URL != s.URL+ownerRepo+"/labels/issueops:invalid" {
		t.Fatalf("label objects %+v", iss.Labels)
	}

	time.Sleep(1100 * time.Millisecond) // updated_at has one-second resolution
	s.SetIssueBody("acme", "widgets", 1, "edited")
	r = do(t, s, "GET", ownerRepo+"/issues/1", auth, "")
	var edited struct {
		Body      string
		UpdatedAt time.Time `json:"updated_at"`
	}
	r.json(t, &edited)
	if edited.Body != "edited" || !edited.UpdatedAt.After(iss.UpdatedAt) {
		t.Fatalf("after SetIssueBody: %+v (was updated %v)", edited, iss.UpdatedAt)
	}
	if got, ok := s.Issue("ACME", "widgets", 1); !ok || got.Body != "edited" || got.State != "open" || got.UserLogin != "octocat" {
		t.Fatalf("Issue() = %+v, %v", got, ok)
	}

	r = do(t, s, "GET", ownerRepo+"/issues/2", auth, "")
	var closed struct {
		StateReason string `json:"state_reason"`
		Body        *string
		ClosedAt    *string `json:"closed_at"`
		User        struct{ Login string }
	}
	r.json(t, &closed)
	if closed.StateReason != "completed" || closed.ClosedAt == nil || closed.Body != nil || closed.User.Login != "alice" {
		t.Fatalf("closed issue %s", r.body)
	}
	for _, path := range []string{"/issues/99", "/issues/0", "/issues/x", "/issues/99999999999"} {
		wantMessage(t, do(t, s, "GET", ownerRepo+path, auth, ""), 404, "Not Found")
	}
	wantStatus(t, do(t, s, "GET", "repos/acme/nowhere/issues/1", auth, ""), 404)
}

func TestAddLabels(t *testing.T) {
	s, _ := seeded(t)
	auth := "token " + staticToken
	path := ownerRepo + "/issues/1/labels"
	for _, c := range []struct {
		name, body string
		status     int
		want       []string // the issue's labels after the request
	}{
		{"object", `{"labels":["deploy"]}`, 200, []string{"bug", "issueops:invalid", "deploy"}},
		{"again is a no-op", `{"labels":["deploy","bug"]}`, 200, []string{"bug", "issueops:invalid", "deploy"}},
		{"bare array", `["question","deploy"]`, 200, []string{"bug", "issueops:invalid", "deploy", "question"}},
		{"objects with names", `{"labels":[{"name":"help wanted"}]}`, 200, []string{"bug", "issueops:invalid", "deploy", "question", "help wanted"}},
		{"case-insensitive", `["BUG","Deploy"]`, 200, []string{"bug", "issueops:invalid", "deploy", "question", "help wanted"}},
		{"missing labels", `{}`, 422, nil},
		{"null", `null`, 422, nil},
		{"empty list", `{"labels":[]}`, 422, nil},
		{"not a list", `{"labels":"bug"}`, 422, nil},
		{"number item", `[1]`, 422, nil},
		{"empty name", `[""]`, 422, nil},
		{"object without name", `[{"color":"fff"}]`, 422, nil},
		{"too long", `["` + strings.Repeat("x", 51) + `"]`, 422, nil},
		{"bad JSON", `{"labels":`, 400, nil},
		{"bad array", `["a",`, 400, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, s, "POST", path, auth, c.body)
			wantStatus(t, r, c.status)
			if c.status != 200 {
				return
			}
			var ls []labelJSON
			r.json(t, &ls)
			if got := labelNames(ls); !slices.Equal(got, c.want) {
				t.Fatalf("response labels %v, want %v", got, c.want)
			}
			if iss, _ := s.Issue("acme", "widgets", 1); !slices.Equal(iss.Labels, c.want) {
				t.Fatalf("Issue().Labels %v, want %v", iss.Labels, c.want)
			}
		})
	}
	// Unknown labels were created on the repository, once each.
	repoLabels := s.RepoLabels("acme", "widgets")
	if len(repoLabels) != 11 || repoLabels[9] != "issueops:invalid" || repoLabels[10] != "deploy" {
		t.Fatalf("repository labels %v", repoLabels)
	}
	wantMessage(t, do(t, s, "POST", ownerRepo+"/issues/99/labels", auth, `["bug"]`), 404, "Not Found")
	wantMessage(t, do(t, s, "POST", ownerRepo+"/issues/99/labels", auth, `{}`), 404, "Not Found")
}

func TestRemoveLabel(t *testing.T) {
	s, _ := seeded(t)
	auth := "token " + staticToken
	s.SeedIssue("acme", "widgets", githubtest.Issue{Number: 3, Labels: []string{"a/b", "bug", "needs review", "issueops:invalid"}})
	path := ownerRepo + "/issues/3/labels/"
	for _, c := range []struct {
		name, label string
		status      int
		msg         string
		want        []string
	}{
		{"escaped colon", "issueops%3Ainvalid", 200, "", []string{"a/b", "bug", "needs review"}},
		{"already removed", "issueops%3Ainvalid", 404, "Label does not exist", nil},
		{"escaped slash", "a%2Fb", 200, "", []string{"bug", "needs review"}},
		{"escaped space", "needs%20review", 200, "", []string{"bug"}},
		{"case-insensitive", "BUG", 200, "", []string{}},
		{"never there", "wontfix", 404, "Label does not exist", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, s, "DELETE", path+c.label, auth, "")
			if c.status != 200 {
				wantMessage(t, r, c.status, c.msg)
				return
			}
			wantStatus(t, r, 200)
			var ls []labelJSON
			r.json(t, &ls)
			if got := labelNames(ls); !slices.Equal(got, c.want) || ls == nil {
				t.Fatalf("labels %v (%s), want %v", got, r.body, c.want)
			}
		})
	}
	if reqs := s.RequestsTo(routeDelLabel); len(reqs) != 6 || reqs[0].Path != "/"+path+"issueops:invalid" {
		t.Fatalf("recorded %d, first path %q", len(reqs), reqs[0].Path)
	}
	wantMessage(t, do(t, s, "DELETE", ownerRepo+"/issues/99/labels/bug", auth, ""), 404, "Not Found")
	if got := s.RepoLabels("acme", "widgets"); !slices.Contains(got, "issueops:invalid") {
		t.Fatalf("removing from an issue must keep the repository label: %v", got)
	}
}

func TestSeedIssueReplaces(t *testing.T) {
	s := newServer(t)
	s.SeedIssue("acme", "widgets", githubtest.Issue{Number: 7, Title: "a", Labels: []string{"x", "x", "y"}})
	s.SeedIssue("acme", "widgets", githubtest.Issue{Number: 7, Title: "b", State: "closed", Labels: []string{"y"}})
	got, ok := s.Issue("acme", "widgets", 7)
	if !ok || got.Title != "b" || got.State != "closed" || !slices.Equal(got.Labels, []string{"y"}) {
		t.Fatalf("Issue() = %+v", got)
	}
	// SeedIssue created the repository with the default branch "main".
	r := do(t, s, "GET", ownerRepo, "token "+staticToken, "")
	if r.object(t)["default_branch"] != "main" {
		t.Fatalf("repo %s", r.body)
	}
	if _, ok := s.Issue("acme", "widgets", 8); ok {
		t.Fatal("Issue() found an unseeded issue")
	}
}
