package githubtest_test

import (
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/issueops/issueops/app/github/githubtest"
)

const testManifest = `{"name":"Issue Ops","url":"https://example.com/",` +
	`"hook_attributes":{"url":"https://hooks.example.com/webhook"},` +
	`"redirect_url":"http://127.0.0.1:1/callback?x=1","public":false,` +
	`"default_permissions":{"issues":"write","contents":"read"},"default_events":["issues","issue_comment"]}`

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// postManifest posts a manifest form to the web side as a browser would.
func postManifest(t *testing.T, web *githubtest.Web, path, manifest string) *http.Response {
	t.Helper()
	resp, err := noRedirect.PostForm(web.URL+strings.TrimPrefix(path, "/"), url.Values{"manifest": {manifest}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// mintManifestCode runs the web side of the flow and returns the code of
// its redirect; org empty registers for the user.
func mintManifestCode(t *testing.T, s *githubtest.Server, org string) string {
	t.Helper()
	web := githubtest.NewWeb(s)
	defer web.Close()
	path := "settings/apps/new?state=st"
	if org != "" {
		path = "organizations/" + org + "/" + path
	}
	resp := postManifest(t, web, path, testManifest)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("web side answered %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query().Get("code")
}

func TestManifestFlow(t *testing.T) {
	s := newServer(t)
	web := githubtest.NewWeb(s)
	defer web.Close()

	resp := postManifest(t, web, "organizations/acme/settings/apps/new?state=S%2B1", testManifest)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d, want 302", resp.StatusCode)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	q := loc.Query()
	if loc.Host != "127.0.0.1:1" || loc.Path != "/callback" || q.Get("x") != "1" || q.Get("state") != "S+1" || q.Get("code") == "" {
		t.Fatalf("redirect to %s", loc)
	}
	posts := web.Manifests()
	if len(posts) != 1 || posts[0].Org != "acme" || posts[0].State != "S+1" || posts[0].Code != q.Get("code") ||
		posts[0].Manifest.HookAttributes.URL != "https://hooks.example.com/webhook" || posts[0].Manifest.DefaultPermissions["issues"] != "write" {
		t.Fatalf("recorded %+v", posts)
	}

	r := do(t, s, "POST", "app-manifests/"+q.Get("code")+"/conversions", "", "")
	wantStatus(t, r, http.StatusCreated)
	var app struct {
		ID                                         int64
		Slug, HTMLURL, ClientID, ClientSecret, PEM string
		WebhookSecret                              string `json:"webhook_secret"`
		Owner                                      struct{ Login, Type string }
		Permissions                                map[string]string
		Events                                     []string
	}
	r.json(t, &app)
	block, _ := pem.Decode([]byte(app.PEM))
	if block == nil {
		t.Fatalf("pem is not PEM")
	}
	if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
		t.Fatalf("pem: %v", err)
	}
	if app.Slug != "issue-ops" || app.Owner.Login != "acme" || app.Owner.Type != "Organization" || app.WebhookSecret == "" ||
		app.Permissions["metadata"] != "read" || app.Permissions["contents"] != "read" || len(app.Events) != 2 {
		t.Fatalf("app %+v", app)
	}
	if got := s.ConvertedApps(); len(got) != 1 || got[0].ID != app.ID || got[0].PEM != app.PEM {
		t.Fatalf("ConvertedApps %+v", got)
	}
	// Single use.
	wantStatus(t, do(t, s, "POST", "app-manifests/"+q.Get("code")+"/conversions", "", ""), http.StatusNotFound)

	// Refused forms mint nothing.
	if resp := postManifest(t, web, "settings/apps/new", `{"url":"https://example.com/"}`); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("manifest without redirect_url: %d", resp.StatusCode)
	}
	if resp := postManifest(t, web, "settings/apps/new", `not json`); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad manifest: %d", resp.StatusCode)
	}
	if resp := postManifest(t, web, "settings/apps/other", testManifest); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("other path: %d", resp.StatusCode)
	}
	if posts := web.Manifests(); len(posts) != 3 || posts[1].Code != "" || posts[2].Code != "" {
		t.Fatalf("refused posts recorded as %+v", posts[1:])
	}
}
