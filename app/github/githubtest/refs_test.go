package githubtest_test

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/issueops/issueops/app/github/githubtest"
)

const routeCreateRef = "POST /repos/{owner}/{repo}/git/refs"

// seedTags seeds acme/widgets with main, feature/x and the tags v1.0.0
// (lightweight), v1.1.0 (annotated) and v10.0.0, and returns main's head
// and v1.1.0's tag object.
func seedTags(s *githubtest.Server) (main, tagObject string) {
	s.SeedRepo("acme", "widgets", "main")
	main = s.SeedCommit("acme", "widgets", "main", map[string]string{"a": "1\n"})
	s.SeedCommit("acme", "widgets", "feature/x", map[string]string{"b": "1\n"})
	s.SeedTag("acme", "widgets", "v1.0.0", main)
	tagObject = s.SeedAnnotatedTag("acme", "widgets", "v1.1.0", main, "Release 1.1.0")
	s.SeedTag("acme", "widgets", "v10.0.0", "feature/x")
	return main, tagObject
}

func refNames(refs []*gh.Reference) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.GetRef() + " " + r.GetObject().GetType()
	}
	return out
}

func TestMatchingRefs(t *testing.T) {
	s := newServer(t)
	seedTags(s)
	c := goGitHub(t, s)
	ctx := context.Background()
	for _, tc := range []struct {
		ref  string
		want []string
	}{
		{"tags/v1", []string{"refs/tags/v1.0.0 commit", "refs/tags/v1.1.0 tag", "refs/tags/v10.0.0 commit"}},
		{"tags/v1.", []string{"refs/tags/v1.0.0 commit", "refs/tags/v1.1.0 tag"}},
		{"tags/v1.1.0", []string{"refs/tags/v1.1.0 tag"}},
		{"tags", []string{"refs/tags/v1.0.0 commit", "refs/tags/v1.1.0 tag", "refs/tags/v10.0.0 commit"}},
		{"heads/feature", []string{"refs/heads/feature/x commit"}},
		{"", []string{"refs/heads/feature/x commit", "refs/heads/main commit", "refs/tags/v1.0.0 commit",
			"refs/tags/v1.1.0 tag", "refs/tags/v10.0.0 commit"}},
		{"tags/v2", []string{}},
	} {
		// Paging is ignored, as on GitHub: per_page 1 still lists all.
		refs, resp, err := c.Git.ListMatchingRefs(ctx, "acme", "widgets", &gh.ReferenceListOptions{Ref: tc.ref, ListOptions: gh.ListOptions{PerPage: 1}})
		if err != nil || !slices.Equal(refNames(refs), tc.want) || resp.NextPage != 0 {
			t.Errorf("matching-refs/%s = %q (next %d), %v; want %q", tc.ref, refNames(refs), resp.NextPage, err, tc.want)
		}
	}
	auth := "token " + staticToken
	if r := do(t, s, "GET", ownerRepo+"/git/matching-refs/tags/v2", auth, ""); r.status != 200 || string(r.body) != "[]" {
		t.Errorf("no match: %d %s, want 200 []", r.status, r.body)
	}
	s.SeedRepo("acme", "empty", "")
	wantMessage(t, do(t, s, "GET", "repos/acme/empty/git/matching-refs/tags", auth, ""), 409, "Git Repository is empty.")
	wantMessage(t, do(t, s, "GET", "repos/acme/nowhere/git/matching-refs/tags", auth, ""), 404, "Not Found")
}

func TestGetRefAndTagObject(t *testing.T) {
	s := newServer(t)
	main, tagObject := seedTags(s)
	c := goGitHub(t, s)
	ctx := context.Background()

	ref, _, err := c.Git.GetRef(ctx, "acme", "widgets", "tags/v1.0.0")
	if err != nil || ref.GetRef() != "refs/tags/v1.0.0" || ref.GetObject().GetType() != "commit" || ref.GetObject().GetSHA() != main ||
		ref.GetURL() != s.URL+"repos/acme/widgets/git/refs/tags/v1.0.0" || ref.GetObject().GetURL() != s.URL+"repos/acme/widgets/git/commits/"+main {
		t.Fatalf("lightweight tag: %+v, %v", ref, err)
	}
	ref, _, err = c.Git.GetRef(ctx, "acme", "widgets", "refs/tags/v1.1.0") // go-github drops refs/
	if err != nil || ref.GetObject().GetType() != "tag" || ref.GetObject().GetSHA() != tagObject ||
		ref.GetObject().GetURL() != s.URL+"repos/acme/widgets/git/tags/"+tagObject {
		t.Fatalf("annotated tag: %+v, %v", ref, err)
	}
	tag, _, err := c.Git.GetTag(ctx, "acme", "widgets", tagObject)
	if err != nil || tag.GetSHA() != tagObject || tag.GetTag() != "v1.1.0" || tag.GetMessage() != "Release 1.1.0\n" ||
		tag.GetObject().GetType() != "commit" || tag.GetObject().GetSHA() != main || tag.GetTagger().GetName() != "octocat" ||
		tag.GetVerification().GetVerified() {
		t.Fatalf("tag object: %+v, %v", tag, err)
	}
	if ref, _, err := c.Git.GetRef(ctx, "acme", "widgets", "heads/feature/x"); err != nil || ref.GetRef() != "refs/heads/feature/x" {
		t.Fatalf("branch with a slash: %+v, %v", ref, err)
	}
	for _, missing := range []string{"tags/v1", "tags/v2.0.0", "heads/nope", "tags", "main", "notes/x"} {
		_, _, err := c.Git.GetRef(ctx, "acme", "widgets", missing)
		wantGitHubStatus(t, err, 404)
	}
	for _, sha := range []string{main, strings.Repeat("0", 40), tagObject[:7]} {
		_, _, err := c.Git.GetTag(ctx, "acme", "widgets", sha)
		wantGitHubStatus(t, err, 404)
	}

	// A moved tag is lightweight; its tag object stays readable by SHA.
	s.MoveRef("acme", "widgets", "v1.1.0", "feature/x")
	if ref, _, err := c.Git.GetRef(ctx, "acme", "widgets", "tags/v1.1.0"); err != nil || ref.GetObject().GetType() != "commit" {
		t.Fatalf("moved tag: %+v, %v", ref, err)
	}
	if _, _, err := c.Git.GetTag(ctx, "acme", "widgets", tagObject); err != nil {
		t.Fatalf("tag object after the move: %v", err)
	}
	s.SeedRepo("acme", "empty", "")
	auth := "token " + staticToken
	wantMessage(t, do(t, s, "GET", "repos/acme/empty/git/ref/tags/v1", auth, ""), 409, "Git Repository is empty.")
	wantMessage(t, do(t, s, "GET", "repos/acme/empty/git/tags/"+tagObject, auth, ""), 409, "Git Repository is empty.")
}

// The fake's tag objects are git's: git, given the fields the API shows,
// accepts the object and names it the same.
func TestTagObjectSHAIsGits(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	s := newServer(t)
	_, tagObject := seedTags(s)
	tag, _, err := goGitHub(t, s).Git.GetTag(context.Background(), "acme", "widgets", tagObject)
	if err != nil {
		t.Fatal(err)
	}
	tagger := tag.GetTagger()
	raw := fmt.Sprintf("object %s\ntype %s\ntag %s\ntagger %s <%s> %d +0000\n\n%s", tag.GetObject().GetSHA(), tag.GetObject().GetType(),
		tag.GetTag(), tagger.GetName(), tagger.GetEmail(), tagger.GetDate().Unix(), tag.GetMessage())
	cmd := exec.Command(git, "hash-object", "-t", "tag", "--stdin") // hash-object checks the format
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader(raw)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git hash-object: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != tagObject {
		t.Fatalf("git names the tag %s, the fake %s", got, tagObject)
	}
}

func TestCreateRef(t *testing.T) {
	s := newServer(t)
	main, tagObject := seedTags(s)
	auth := "token " + staticToken
	create := func(ref, sha string) result {
		return do(t, s, "POST", ownerRepo+"/git/refs", auth, `{"ref":"`+ref+`","sha":"`+sha+`"}`)
	}

	r := create("refs/tags/v2.0.0", strings.ToUpper(main))
	wantStatus(t, r, http.StatusCreated)
	var ref struct {
		Ref, URL string
		Object   struct{ SHA, Type string }
	}
	r.json(t, &ref)
	if ref.Ref != "refs/tags/v2.0.0" || ref.Object.SHA != main || ref.Object.Type != "commit" || r.header.Get("Location") != ref.URL {
		t.Fatalf("created %+v, Location %q", ref, r.header.Get("Location"))
	}
	if tags := s.Tags("acme", "widgets"); !slices.Contains(tags, githubtest.Tag{Name: "v2.0.0", SHA: main}) {
		t.Fatalf("tags %+v, want a lightweight v2.0.0", tags)
	}

	// The same ref again, at the same or another commit: GitHub's body, exactly.
	for _, sha := range []string{main, tagObject} {
		r = create("refs/tags/v2.0.0", sha)
		want := `{"message":"Reference already exists","documentation_url":"https://docs.github.com/rest/git/refs#create-a-reference","status":"422"}`
		if r.status != 422 || string(r.body) != want {
			t.Fatalf("again: %d %s\nwant %s", r.status, r.body, want)
		}
	}
	for _, tc := range []struct{ ref, sha, msg string }{
		{"refs/tags/v1.1.0", main, "Reference already exists"},
		{"refs/heads/main", main, "Reference already exists"},
		{"tags/v3", main, "Reference name must contain at least three slash-separated components."},
		{"refs/v3", main, "Reference name must contain at least three slash-separated components."},
		{"refs/tags/v3 beta", main, "refs/tags/v3 beta is not a valid ref name."},
		{"refs/tags/v3..1", main, "refs/tags/v3..1 is not a valid ref name."},
		{"refs/tags/v3.lock", main, "refs/tags/v3.lock is not a valid ref name."},
		{"refs/tags/v3", strings.Repeat("0", 40), "Object does not exist"},
		{"refs/tags/v3", main[:7], "Object does not exist"},
		{"refs/tags/v1.0.0/rc", main, "Reference update failed"}, // v1.0.0 is a file
		{"refs/heads/feature", main, "Reference update failed"},  // feature/ is a directory
		{"refs/heads/x", tagObject, "Reference update failed"},   // a branch must name a commit
	} {
		wantMessage(t, create(tc.ref, tc.sha), 422, tc.msg)
	}
	wantMessage(t, do(t, s, "POST", ownerRepo+"/git/refs", auth, `{"sha":"`+main+`"}`), 422, "Invalid request.\n\n\"ref\" wasn't supplied.")
	wantMessage(t, do(t, s, "POST", ownerRepo+"/git/refs", auth, `{"ref":"refs/tags/a","sha":1}`), 422, "Invalid request.\n\nFor 'properties/sha', 1 is not a string.")
	wantMessage(t, do(t, s, "POST", ownerRepo+"/git/refs", auth, `{`), 400, "Problems parsing JSON")

	// A branch; a tag naming a tag object is annotated.
	wantStatus(t, create("refs/heads/release/2", main), http.StatusCreated)
	wantStatus(t, create("refs/tags/v1.1.0-again", tagObject), http.StatusCreated)
	if tags := s.Tags("acme", "widgets"); !slices.Contains(tags, githubtest.Tag{Name: "v1.1.0-again", SHA: main, ObjectSHA: tagObject, Message: "Release 1.1.0\n"}) {
		t.Fatalf("tags %+v", tags)
	}
	if got, _ := s.FileAt("acme", "widgets", "release/2", "a"); got != "1\n" {
		t.Fatalf("release/2 has a = %q", got)
	}

	s.SeedRepo("acme", "empty", "")
	wantMessage(t, do(t, s, "POST", "repos/acme/empty/git/refs", auth, `{"ref":"refs/tags/v1","sha":"`+main+`"}`), 409, "Git Repository is empty.")
	wantMessage(t, do(t, s, "POST", "repos/acme/nowhere/git/refs", auth, `{}`), 404, "Not Found")
}

// A dropped answer leaves the ref made; faults and authentication apply.
func TestCreateRefFaults(t *testing.T) {
	s := newServer(t)
	main, _ := seedTags(s)
	auth := "token " + staticToken
	body := `{"ref":"refs/tags/v3.0.0","sha":"` + main + `"}`
	s.Inject(githubtest.Fault{Route: routeCreateRef, Kind: githubtest.Status503})
	wantStatus(t, do(t, s, "POST", ownerRepo+"/git/refs", auth, body), 503)
	if slices.ContainsFunc(s.Tags("acme", "widgets"), func(tg githubtest.Tag) bool { return tg.Name == "v3.0.0" }) {
		t.Fatal("a 503 made the tag")
	}
	s.Inject(githubtest.Fault{Route: routeCreateRef, Kind: githubtest.DropAfterWrite})
	if _, err := send(&http.Client{Timeout: 5 * time.Second}, s, "POST", ownerRepo+"/git/refs", auth, body); err == nil {
		t.Fatal("the dropped answer arrived")
	}
	if !slices.Contains(s.Tags("acme", "widgets"), githubtest.Tag{Name: "v3.0.0", SHA: main}) {
		t.Fatal("the dropped write did not make the tag")
	}
	wantMessage(t, do(t, s, "POST", ownerRepo+"/git/refs", auth, body), 422, "Reference already exists")
	wantMessage(t, do(t, s, "POST", ownerRepo+"/git/refs", "token bad", body), 401, "Bad credentials")
}

func TestSeedAnnotatedTagPanics(t *testing.T) {
	s := newServer(t)
	seedTags(s)
	for name, f := range map[string]func(){
		"unknown repository": func() { s.SeedAnnotatedTag("acme", "nowhere", "v1", "main", "m") },
		"unknown commit":     func() { s.SeedAnnotatedTag("acme", "widgets", "v1", "nope", "m") },
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
