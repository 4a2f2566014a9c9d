package githubtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// The App-manifest flow (https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest):
// a page POSTs a manifest form to github.com's /settings/apps/new (or
// /organizations/ORG/settings/apps/new) with ?state=S; GitHub creates the
// App and redirects to the manifest's redirect_url with ?code=C&state=S; the
// code is exchanged once, within an hour, at
// POST /app-manifests/{code}/conversions for the App's credentials.

const docManifest = "https://docs.github.com/rest/apps/apps#create-a-github-app-from-a-manifest"

// manifestCodeTTL is how long a manifest code can be exchanged, as on GitHub.
const manifestCodeTTL = time.Hour

// Manifest is a GitHub App manifest as the web side received it.
type Manifest struct {
	Name           string `json:"name"`
	URL            string `json:"url"`
	Description    string `json:"description,omitempty"`
	HookAttributes struct {
		URL    string `json:"url"`
		Active *bool  `json:"active,omitempty"`
	} `json:"hook_attributes"`
	RedirectURL        string            `json:"redirect_url"`
	CallbackURLs       []string          `json:"callback_urls,omitempty"`
	SetupURL           string            `json:"setup_url,omitempty"`
	Public             bool              `json:"public"`
	DefaultPermissions map[string]string `json:"default_permissions"`
	DefaultEvents      []string          `json:"default_events"`
}

// ManifestPost is one manifest form the web side received.
type ManifestPost struct {
	Path  string // e.g. "/settings/apps/new" or "/organizations/acme/settings/apps/new"
	Org   string // the organization; empty for a personal account
	State string // the state query parameter, passed through to the redirect
	// Raw is the manifest form field exactly as posted; Manifest is it decoded.
	Raw      string
	Manifest Manifest
	// Code is the code minted for the redirect; empty when the post was
	// refused (no or invalid manifest).
	Code string
}

// ConvertedApp is an App created by exchanging a manifest code, with the
// credentials the conversion returned, so tests can check where they went.
type ConvertedApp struct {
	ID                     int64
	Slug, Owner, HTMLURL   string
	ClientID, ClientSecret string
	WebhookSecret, PEM     string
	Permissions            map[string]string
	Events                 []string
	HookURL, RedirectURL   string
	ConvertedAt            time.Time
}

// manifestState is the API side's pending codes and created Apps. It has its
// own lock: Reset does not touch it, as GitHub does not forget Apps.
type manifestState struct {
	mu     sync.Mutex
	codes  map[string]manifestCode
	apps   []ConvertedApp
	nextID int64
}

type manifestCode struct {
	manifest Manifest
	owner    string
	org      bool
	webBase  string // the web side's URL, for html_url
	expires  time.Time
}

// mintManifestCode registers a code the conversion route accepts once.
func (s *Server) mintManifestCode(m Manifest, owner string, org bool, webBase string) string {
	code := randomHex(10)
	s.manifests.mu.Lock()
	defer s.manifests.mu.Unlock()
	if s.manifests.codes == nil {
		s.manifests.codes = make(map[string]manifestCode)
	}
	s.manifests.codes[code] = manifestCode{manifest: m, owner: owner, org: org, webBase: webBase, expires: time.Now().Add(manifestCodeTTL)}
	return code
}

// ConvertedApps returns the Apps created through the manifest flow, oldest
// first.
func (s *Server) ConvertedApps() []ConvertedApp {
	s.manifests.mu.Lock()
	defer s.manifests.mu.Unlock()
	return append([]ConvertedApp(nil), s.manifests.apps...)
}

// manifestAppJSON is the conversion's answer: the App with its credentials.
type manifestAppJSON struct {
	appJSON
	ClientSecret  string  `json:"client_secret"`
	WebhookSecret *string `json:"webhook_secret"`
	PEM           string  `json:"pem"`
}

// createFromManifest serves POST /app-manifests/{code}/conversions. It needs
// no credential; an unknown, used or expired code is 404.
func (s *Server) createFromManifest(c *call) *response {
	code := c.params["code"]
	s.manifests.mu.Lock()
	mc, ok := s.manifests.codes[code]
	delete(s.manifests.codes, code)
	s.manifests.mu.Unlock()
	if !ok || !time.Now().Before(mc.expires) {
		return notFound(c)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return errorResponse(http.StatusInternalServerError, "githubtest: "+err.Error(), c.rt.doc)
	}
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	perms := map[string]string{"metadata": "read"} // every App has it
	for k, v := range mc.manifest.DefaultPermissions {
		perms[k] = v
	}
	events := append([]string{}, mc.manifest.DefaultEvents...)
	name := mc.manifest.Name
	if name == "" {
		name = "issueops"
	}
	slug := slugify(name)
	now := time.Now()

	s.manifests.mu.Lock()
	s.manifests.nextID++
	id := 900000 + s.manifests.nextID
	s.manifests.mu.Unlock()

	ownerType, prefix := "User", "U"
	if mc.org {
		ownerType, prefix = "Organization", "O"
	}
	owner := s.user(mc.owner, stableID(mc.owner), ownerType)
	owner.NodeID = nodeID(prefix, owner.ID)
	secret := randomHex(20)
	app := ConvertedApp{
		ID: id, Slug: slug, Owner: mc.owner, HTMLURL: mc.webBase + "apps/" + slug,
		ClientID: "Iv23li" + randomHex(7), ClientSecret: randomHex(20), WebhookSecret: secret, PEM: pemText,
		Permissions: perms, Events: events,
		HookURL: mc.manifest.HookAttributes.URL, RedirectURL: mc.manifest.RedirectURL, ConvertedAt: now,
	}
	s.manifests.mu.Lock()
	s.manifests.apps = append(s.manifests.apps, app)
	s.manifests.mu.Unlock()
	return &response{status: http.StatusCreated, body: manifestAppJSON{
		appJSON: appJSON{
			ID: id, Slug: slug, NodeID: nodeID("A", id), ClientID: app.ClientID, Owner: owner,
			Name: name, Description: mc.manifest.Description, ExternalURL: mc.manifest.URL, HTMLURL: app.HTMLURL,
			CreatedAt: fmtTime(now), UpdatedAt: fmtTime(now), Permissions: perms, Events: events,
		},
		ClientSecret: app.ClientSecret, WebhookSecret: &secret, PEM: pemText,
	}}
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

func slugify(name string) string {
	return strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(name), "-"), "-")
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("githubtest: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// Web is the github.com side of the manifest flow: the page that receives a
// POSTed manifest form. Where GitHub shows the App for confirmation, it
// creates it at once: it records the manifest, mints a code the API fake
// accepts, and redirects (302) to redirect_url with code and state. It is
// not an API route, so it is served at its own base URL.
type Web struct {
	// URL is the base URL ending in "/", the stand-in for https://github.com/.
	URL string

	api *Server
	srv *httptest.Server

	mu    sync.Mutex
	posts []ManifestPost
}

// NewWeb starts the web side for api on a loopback port. Call Close when done.
func NewWeb(api *Server) *Web {
	w := &Web{api: api}
	w.srv = httptest.NewServer(http.HandlerFunc(w.serveHTTP))
	w.URL = w.srv.URL + "/"
	return w
}

// Close stops the web side.
func (w *Web) Close() { w.srv.Close() }

// Manifests returns every manifest form received, in arrival order.
func (w *Web) Manifests() []ManifestPost {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]ManifestPost(nil), w.posts...)
}

var orgNewApp = regexp.MustCompile(`^/organizations/([^/]+)/settings/apps/new$`)

func (w *Web) serveHTTP(rw http.ResponseWriter, r *http.Request) {
	org := ""
	switch m := orgNewApp.FindStringSubmatch(r.URL.Path); {
	case r.URL.Path == "/settings/apps/new":
	case m != nil:
		org = m[1]
	default:
		webError(rw, http.StatusNotFound, "Not Found")
		return
	}
	if r.Method != http.MethodPost {
		webError(rw, http.StatusNotFound, "Not Found")
		return
	}
	if err := r.ParseForm(); err != nil {
		webError(rw, http.StatusBadRequest, "Bad form")
		return
	}
	post := ManifestPost{Path: r.URL.Path, Org: org, State: r.URL.Query().Get("state"), Raw: r.PostForm.Get("manifest")}
	problem := ""
	switch err := json.Unmarshal([]byte(post.Raw), &post.Manifest); {
	case post.Raw == "":
		problem = "Invalid GitHub App manifest: missing manifest"
	case err != nil:
		problem = "Invalid GitHub App manifest: " + err.Error()
	case post.Manifest.URL == "":
		problem = "Invalid GitHub App manifest: url is required"
	case post.Manifest.RedirectURL == "":
		problem = "Invalid GitHub App manifest: redirect_url is required"
	}
	var target *url.URL
	if problem == "" {
		u, err := url.Parse(post.Manifest.RedirectURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problem = "Invalid GitHub App manifest: redirect_url is not an http(s) URL"
		}
		target = u
	}
	if problem == "" {
		owner := org
		if owner == "" {
			owner = w.api.opts.Login
		}
		post.Code = w.api.mintManifestCode(post.Manifest, owner, org != "", w.URL)
	}
	w.mu.Lock()
	w.posts = append(w.posts, post)
	w.mu.Unlock()
	if problem != "" {
		webError(rw, http.StatusUnprocessableEntity, problem)
		return
	}
	q := target.Query()
	q.Set("code", post.Code)
	if post.State != "" {
		q.Set("state", post.State)
	}
	target.RawQuery = q.Encode()
	http.Redirect(rw, r, target.String(), http.StatusFound)
}

func webError(rw http.ResponseWriter, status int, msg string) {
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.WriteHeader(status)
	fmt.Fprintf(rw, "<!DOCTYPE html><title>%d</title><p>%s</p>\n", status, html.EscapeString(msg))
}
