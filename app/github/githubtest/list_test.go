package githubtest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/issueops/issueops/app/github/githubtest"
)

func TestListCommentsPagination(t *testing.T) {
	s := newServer(t)
	auth := "token " + staticToken
	for i := range 65 {
		wantStatus(t, do(t, s, "POST", ownerRepo+"/issues/4/comments", auth, fmt.Sprintf(`{"body":"c%d"}`, i)), 201)
	}
	base := s.URL + ownerRepo + "/issues/4/comments"
	list := func(query string) (result, []commentJSON) {
		t.Helper()
		r := do(t, s, "GET", ownerRepo+"/issues/4/comments"+query, auth, "")
		wantStatus(t, r, 200)
		var cs []commentJSON
		r.json(t, &cs)
		return r, cs
	}

	r, cs := list("")
	if len(cs) != 30 || cs[0].Body != "c0" || cs[29].Body != "c29" {
		t.Fatalf("page 1: %d comments", len(cs))
	}
	for i := 1; i < len(cs); i++ {
		if cs[i].ID <= cs[i-1].ID {
			t.Fatal("not ordered by id")
		}
	}
	wantLink(t, r, fmt.Sprintf(`<%s?page=2>; rel="next", <%s?page=3>; rel="last"`, base, base))

	r, cs = list("?page=2")
	if len(cs) != 30 || cs[0].Body != "c30" {
		t.Fatalf("page 2: %d comments", len(cs))
	}
	wantLink(t, r, fmt.Sprintf(`<%s?page=1>; rel="prev", <%s?page=3>; rel="next", <%s?page=3>; rel="last", <%s?page=1>; rel="first"`, base, base, base, base))

	r, cs = list("?per_page=30&page=3")
	if len(cs) != 5 || cs[4].Body != "c64" {
		t.Fatalf("page 3: %d comments", len(cs))
	}
	wantLink(t, r, fmt.Sprintf(`<%s?per_page=30&page=2>; rel="prev", <%s?per_page=30&page=1>; rel="first"`, base, base))

	r, cs = list("?per_page=10")
	if len(cs) != 10 {
		t.Fatalf("per_page=10: %d comments", len(cs))
	}
	wantLink(t, r, fmt.Sprintf(`<%s?per_page=10&page=2>; rel="next", <%s?per_page=10&page=7>; rel="last"`, base, base))

	r, cs = list("?per_page=500")
	if len(cs) != 65 {
		t.Fatalf("per_page capped at 100 should return all 65, got %d", len(cs))
	}
	wantLink(t, r, "")

	r, cs = list("?page=9")
	if len(cs) != 0 || string(r.body) != "[]" {
		t.Fatalf("past the end: %s", r.body)
	}

	r, cs = list("?per_page=0&page=0")
	if len(cs) != 30 {
		t.Fatalf("per_page=0 should mean default, got %d", len(cs))
	}

	r = do(t, s, "GET", "repos/acme/empty/issues/1/comments", auth, "")
	if string(r.body) != "[]" || r.header.Get("Link") != "" {
		t.Fatalf("empty issue: %s link %q", r.body, r.header.Get("Link"))
	}
}

func wantLink(t *testing.T, r result, want string) {
	t.Helper()
	if got := r.header.Get("Link"); got != want {
		t.Fatalf("Link\n got  %s\n want %s", got, want)
	}
}

func TestListCommentsSince(t *testing.T) {
	s := newServer(t)
	auth := "token " + staticToken
	var a, b commentJSON
	do(t, s, "POST", ownerRepo+"/issues/8/comments", auth, `{"body":"a"}`).json(t, &a)
	do(t, s, "POST", ownerRepo+"/issues/8/comments", auth, `{"body":"b"}`).json(t, &b)
	// GitHub timestamps have one-second resolution: move to the next second.
	time.Sleep(time.Until(a.CreatedAt.Add(time.Second)) + 50*time.Millisecond)
	var edited commentJSON
	do(t, s, "PATCH", fmt.Sprintf("%s/issues/comments/%d", ownerRepo, a.ID), auth, `{"body":"a2"}`).json(t, &edited)

	since := func(ts time.Time) []commentJSON {
		t.Helper()
		r := do(t, s, "GET", ownerRepo+"/issues/8/comments?since="+url.QueryEscape(ts.UTC().Format(time.RFC3339)), auth, "")
		wantStatus(t, r, 200)
		var cs []commentJSON
		r.json(t, &cs)
		return cs
	}
	if cs := since(a.CreatedAt); len(cs) != 2 {
		t.Fatalf("since creation: %d comments", len(cs))
	}
	if cs := since(edited.UpdatedAt); len(cs) != 1 || cs[0].ID != a.ID || cs[0].Body != "a2" {
		t.Fatalf("since edit: %+v", cs)
	}
	if cs := since(edited.UpdatedAt.Add(time.Hour)); len(cs) != 0 {
		t.Fatalf("since future: %+v", cs)
	}
	r := do(t, s, "GET", ownerRepo+"/issues/8/comments?since=yesterday", auth, "")
	wantMessage(t, r, http.StatusUnprocessableEntity, "Validation Failed")
}

func TestReactions(t *testing.T) {
	s := newServer(t)
	inst := installToken(t, s)
	user := "token " + staticToken
	c := s.SeedComment("acme", "widgets", 1, "alice", "please deploy")
	path := fmt.Sprintf("%s/issues/comments/%d/reactions", ownerRepo, c.ID)

	type reaction struct {
		ID        int64
		NodeID    string `json:"node_id"`
		Content   string
		User      struct{ Login, Type string }
		CreatedAt time.Time `json:"created_at"`
	}
	var first, again reaction
	r := do(t, s, "POST", path, inst, `{"content":"eyes"}`)
	wantStatus(t, r, 201)
	r.json(t, &first)
	if first.Content != "eyes" || first.User.Login != testSlug+"[bot]" || first.User.Type != "Bot" || first.NodeID == "" || first.CreatedAt.IsZero() {
		t.Fatalf("reaction %+v", first)
	}
	r = do(t, s, "POST", path, inst, `{"content":"eyes"}`)
	wantStatus(t, r, 200)
	r.json(t, &again)
	if again.ID != first.ID {
		t.Fatalf("repeat reaction id %d, want existing %d", again.ID, first.ID)
	}
	wantStatus(t, do(t, s, "POST", path, inst, `{"content":"rocket"}`), 201)
	wantStatus(t, do(t, s, "POST", path, user, `{"content":"eyes"}`), 201)

	got := s.Reactions("acme", "widgets", c.ID)
	if len(got) != 3 || got[0].ID != first.ID || got[0].Content != "eyes" || got[0].UserLogin != testSlug+"[bot]" ||
		got[1].Content != "rocket" || got[2].UserLogin != "issueops-test" {
		t.Fatalf("Reactions = %+v", got)
	}
	var withRollup commentJSON
	do(t, s, "GET", fmt.Sprintf("%s/issues/comments/%d", ownerRepo, c.ID), user, "").json(t, &withRollup)
	if withRollup.Reactions.TotalCount != 3 || withRollup.Reactions.Eyes != 2 {
		t.Fatalf("rollup %+v", withRollup.Reactions)
	}

	for _, body := range []string{`{"content":"smile"}`, `{"content":1}`} {
		r := do(t, s, "POST", path, inst, body)
		wantStatus(t, r, 422)
		want := `{"message":"Validation Failed","errors":[{"resource":"Reaction","code":"invalid","field":"content"}],` +
			`"documentation_url":"https://docs.github.com/rest/reactions/reactions#create-reaction-for-an-issue-comment","status":"422"}`
		if string(r.body) != want {
			t.Fatalf("%s: %s", body, r.body)
		}
	}
	r = do(t, s, "POST", path, inst, `{}`)
	wantStatus(t, r, 422)
	if errs := r.object(t)["errors"].([]any); errs[0].(map[string]any)["code"] != "missing_field" {
		t.Fatalf("missing content: %s", r.body)
	}
	wantStatus(t, do(t, s, "POST", path, inst, `{"content":`), 400)

	// Comments made outside the fake are accepted; a known comment under
	// another repository is not.
	wantStatus(t, do(t, s, "POST", ownerRepo+"/issues/comments/99/reactions", inst, `{"content":"eyes"}`), 201)
	wantStatus(t, do(t, s, "POST", fmt.Sprintf("repos/acme/other/issues/comments/%d/reactions", c.ID), inst, `{"content":"eyes"}`), 404)

	// Issue reactions.
	ipath := ownerRepo + "/issues/12/reactions"
	wantStatus(t, do(t, s, "POST", ipath, inst, `{"content":"+1"}`), 201)
	wantStatus(t, do(t, s, "POST", ipath, inst, `{"content":"+1"}`), 200)
	wantStatus(t, do(t, s, "POST", ipath, inst, `{"content":"nope"}`), 422)
	if ir := s.IssueReactions("acme", "widgets", 12); len(ir) != 1 || ir[0].Content != "+1" {
		t.Fatalf("IssueReactions = %+v", ir)
	}
	if n := len(s.IssueReactions("acme", "widgets", 13)); n != 0 {
		t.Fatalf("issue 13 has %d reactions", n)
	}
}

// BenchmarkReactionParallel measures the fake's own cost per reaction, which
// the load tool's latency figures include.
func BenchmarkReactionParallel(b *testing.B) {
	s := githubtest.New(githubtest.Options{Tokens: []string{staticToken}})
	defer s.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := n.Add(1)
			r, err := send(client, s, "POST", fmt.Sprintf("%s/issues/comments/%d/reactions", ownerRepo, id), "token "+staticToken, `{"content":"eyes"}`)
			if err != nil || r.status != http.StatusCreated {
				b.Errorf("%v %d", err, r.status)
				return
			}
		}
	})
}
