package jira_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/jira"
	"github.com/issueops/issueops/app/jira/jiratest"
)

func newClient(t *testing.T, s *jiratest.Server) *jira.Client {
	t.Helper()
	c, err := jira.New(jira.Config{BaseURL: s.URL(), User: jiratest.DefaultUser, Token: jiratest.DefaultToken})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// methodsOf lists the requests the fake received as "METHOD path".
func methodsOf(s *jiratest.Server) []string {
	var out []string
	for _, r := range s.Requests() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  jira.Config
	}{
		{"empty URL", jira.Config{Token: "t"}},
		{"no scheme", jira.Config{BaseURL: "jira.example.com", Token: "t"}},
		{"ftp", jira.Config{BaseURL: "ftp://jira.example.com", Token: "t"}},
		{"no host", jira.Config{BaseURL: "https://", Token: "t"}},
		{"credentials in URL", jira.Config{BaseURL: "https://me:hunter2@jira.example.com", Token: "t"}},
		{"query", jira.Config{BaseURL: "https://jira.example.com/?x=1", Token: "t"}},
		{"does not parse", jira.Config{BaseURL: "https://jira.example.com/%zz-hunter2", Token: "t"}},
		{"no token", jira.Config{BaseURL: "https://jira.example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := jira.New(tt.cfg)
			if err == nil {
				t.Fatal("accepted")
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q echoes a secret", err)
			}
		})
	}
	for _, ok := range []string{"https://acme.atlassian.net", "http://jira.internal:8080/jira/"} {
		if _, err := jira.New(jira.Config{BaseURL: ok, Token: "t"}); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
}

func TestEnsureVersionCreatesOnce(t *testing.T) {
	s := jiratest.New(t)
	s.AddProject("OPS")
	c := newClient(t, s)
	ctx := context.Background()
	first, err := c.EnsureVersion(ctx, "OPS", "api 1.0")
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.EnsureVersion(ctx, "OPS", "api 1.0")
	if err != nil {
		t.Fatal(err)
	}
	versions := s.Versions("OPS")
	if len(versions) != 1 {
		t.Fatalf("fake holds %d versions, want 1", len(versions))
	}
	want := app.JiraVersion{ID: versions[0].ID, Name: "api 1.0", ProjectKey: "OPS",
		URL: s.URL() + "/projects/OPS/versions/" + versions[0].ID}
	if first != want || second != want {
		t.Errorf("got %+v then %+v, want %+v", first, second, want)
	}
	wantCalls := []string{"GET /rest/api/2/project/OPS/versions", "POST /rest/api/2/version", "GET /rest/api/2/project/OPS/versions"}
	if got := methodsOf(s); !slices.Equal(got, wantCalls) {
		t.Errorf("requests %v, want %v", got, wantCalls)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(s.Requests()[1].Body), &body); err != nil {
		t.Fatal(err)
	}
	if len(body) != 3 || body["name"] != "api 1.0" || body["project"] != "OPS" || body["released"] != false {
		t.Errorf("create body %v", body)
	}
}

func TestEnsureVersionFindsExisting(t *testing.T) {
	s := jiratest.New(t)
	s.AddVersion("OPS", "api 0.9")
	seeded := s.AddVersion("OPS", "api 1.0")
	c := newClient(t, s)
	got, err := c.EnsureVersion(context.Background(), "OPS", "api 1.0")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != seeded.ID || got.Released {
		t.Errorf("got %+v, want version %s", got, seeded.ID)
	}
	if calls := methodsOf(s); len(calls) != 1 {
		t.Errorf("requests %v, want the lookup only", calls)
	}
}

func TestEnsureVersionRefusesCaseTwin(t *testing.T) {
	s := jiratest.New(t)
	s.AddVersion("OPS", "API 1.0")
	c := newClient(t, s)
	_, err := c.EnsureVersion(context.Background(), "OPS", "api 1.0")
	if !errors.Is(err, app.ErrPermanent) || !strings.Contains(err.Error(), `"API 1.0"`) {
		t.Fatalf("error %v: want a permanent one naming the twin", err)
	}
	if calls := methodsOf(s); len(calls) != 1 {
		t.Errorf("requests %v: want no create attempt", calls)
	}
}

// A creator that wins between the lookup and the create makes Jira answer
// 400: the version it made is returned.
func TestEnsureVersionLosesTheRace(t *testing.T) {
	s := jiratest.New(t)
	s.AddProject("OPS")
	var winner jiratest.Version
	s.OnRequest(func(method, path string) {
		if method == http.MethodPost && path == "/rest/api/2/version" && winner.ID == "" {
			winner = s.AddVersion("OPS", "api 1.0")
		}
	})
	c := newClient(t, s)
	got, err := c.EnsureVersion(context.Background(), "OPS", "api 1.0")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != winner.ID || len(s.Versions("OPS")) != 1 {
		t.Errorf("got %+v with %d versions, want the winner %s alone", got, len(s.Versions("OPS")), winner.ID)
	}
	if statuses := s.Requests(); statuses[1].Status != http.StatusBadRequest {
		t.Errorf("create answered %d, want Jira's 400", statuses[1].Status)
	}
}

func TestEnsureVersionErrors(t *testing.T) {
	s := jiratest.New(t)
	s.AddProject("OPS")
	c := newClient(t, s)
	ctx := context.Background()
	if _, err := c.EnsureVersion(ctx, "NOPE", "1.0"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("unknown project: %v, want ErrNotFound", err)
	}
	long := strings.Repeat("x", 300)
	_, err := c.EnsureVersion(ctx, "OPS", long)
	if !errors.Is(err, app.ErrPermanent) || errors.Is(err, app.ErrNotFound) || !strings.Contains(err.Error(), "255") {
		t.Errorf("refused name: %v, want permanent with Jira's reason", err)
	}
	if _, err := c.EnsureVersion(ctx, "OPS", ""); !errors.Is(err, app.ErrPermanent) {
		t.Errorf("empty name: %v", err)
	}
}

func TestAddFixVersion(t *testing.T) {
	s := jiratest.New(t)
	s.AddIssue("OPS-1")
	s.AddVersion("OPS", "api 0.9")
	s.AddVersion("OPS", "api 1.0")
	c := newClient(t, s)
	ctx := context.Background()
	for _, name := range []string{"api 0.9", "api 1.0", "api 1.0"} {
		if err := c.AddFixVersion(ctx, "OPS-1", name); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if is, _ := s.Issue("OPS-1"); !slices.Equal(is.FixVersions, []string{"api 0.9", "api 1.0"}) {
		t.Errorf("fix versions %v", is.FixVersions)
	}
	want := `{"update":{"fixVersions":[{"add":{"name":"api 1.0"}}]}}`
	if last := s.Requests()[2]; last.Method != http.MethodPut || last.Path != "/rest/api/2/issue/OPS-1" || strings.TrimSpace(last.Body) != want {
		t.Errorf("request %+v, want PUT with %s", last, want)
	}
}

func TestAddFixVersionErrors(t *testing.T) {
	s := jiratest.New(t)
	s.AddIssue("OPS-1")
	c := newClient(t, s)
	ctx := context.Background()
	tests := []struct {
		name, key, version string
		notFound           bool
	}{
		{"missing issue", "OPS-2", "1.0", true},
		{"key that is a path", "OPS-1/remotelink", "1.0", true},
		{"unknown version", "OPS-1", "9.9", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.AddFixVersion(ctx, tt.key, tt.version)
			if !errors.Is(err, app.ErrPermanent) || errors.Is(err, app.ErrNotFound) != tt.notFound {
				t.Errorf("error %v: want permanent, not found %v", err, tt.notFound)
			}
		})
	}
	var se *jira.StatusError
	err := c.AddFixVersion(ctx, "OPS-2", "1.0")
	if !errors.As(err, &se) || se.StatusCode != 404 || !strings.Contains(se.Message, "does not exist") {
		t.Errorf("error %v: want Jira's 404 and message", err)
	}
}

func TestLinkRelease(t *testing.T) {
	s := jiratest.New(t)
	s.AddIssue("OPS-1")
	c := newClient(t, s)
	ctx := context.Background()
	steps := []struct{ globalID, url, title string }{
		{"issueops:acme/api:v1.0.0", "https://github.com/acme/api/releases/tag/v1.0.0", "api v1.0.0"},
		{"issueops:acme/api:v1.0.0", "https://github.com/acme/api/releases/tag/v1.0.0", "api v1.0.0 (final)"},
		{"issueops:acme/api:v1.1.0", "https://github.com/acme/api/releases/tag/v1.1.0", "api v1.1.0"},
	}
	for _, st := range steps {
		if err := c.LinkRelease(ctx, "OPS-1", st.globalID, st.url, st.title); err != nil {
			t.Fatal(err)
		}
	}
	is, _ := s.Issue("OPS-1")
	if len(is.RemoteLinks) != 2 {
		t.Fatalf("links %+v, want 2", is.RemoteLinks)
	}
	if l := is.RemoteLinks[0]; l.GlobalID != steps[0].globalID || l.Title != "api v1.0.0 (final)" || l.URL != steps[0].url {
		t.Errorf("first link %+v: want it updated", l)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(s.Requests()[0].Body), &body); err != nil {
		t.Fatal(err)
	}
	object, _ := body["object"].(map[string]any)
	if len(body) != 2 || body["globalId"] != steps[0].globalID || len(object) != 2 || object["url"] != steps[0].url {
		t.Errorf("request body %v", body)
	}
	if err := c.LinkRelease(ctx, "OPS-404", "g", "https://x", "x"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("missing issue: %v", err)
	}
	if err := c.LinkRelease(ctx, "OPS-1", "", "https://x", "x"); !errors.Is(err, app.ErrPermanent) {
		t.Errorf("no global id: %v", err)
	}
}

func TestReleaseVersion(t *testing.T) {
	s := jiratest.New(t)
	v := s.AddVersion("OPS", "api 1.0")
	c := newClient(t, s)
	ctx := context.Background()
	date := time.Date(2026, 3, 4, 23, 30, 0, 0, time.FixedZone("Paris", 3600))
	if err := c.ReleaseVersion(ctx, v.ID, date); err != nil {
		t.Fatal(err)
	}
	got := s.Versions("OPS")[0]
	if !got.Released || got.ReleaseDate != "2026-03-04" {
		t.Errorf("version %+v, want released on 2026-03-04", got)
	}
	req := s.Requests()[0]
	if req.Method != http.MethodPut || req.Path != "/rest/api/2/version/"+v.ID ||
		strings.TrimSpace(req.Body) != `{"released":true,"releaseDate":"2026-03-04"}` {
		t.Errorf("request %+v", req)
	}
	if err := c.ReleaseVersion(ctx, "424242", date); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("unknown version: %v", err)
	}
}
