package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/issueops/issueops/app/github/githubtest"
)

const conversionRoute = "POST /app-manifests/{code}/conversions"

// fakeClock is the setup server's injectable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// setupEnv is a setup server (handler only) with a fake GitHub, API and web.
type setupEnv struct {
	fake   *githubtest.Server
	web    *githubtest.Web
	cfg    setupConfig
	clock  *fakeClock
	s      *setupServer
	url    string
	stdout *syncBuffer
}

func newSetupEnv(t *testing.T) *setupEnv {
	t.Helper()
	fake := newFake(t, githubtest.Options{})
	web := githubtest.NewWeb(fake)
	t.Cleanup(web.Close)
	e := &setupEnv{fake: fake, web: web, clock: &fakeClock{t: time.Now()}, stdout: &syncBuffer{}}
	e.cfg = setupConfig{addr: "127.0.0.1:0", appName: "issueops", webURL: web.URL, githubURL: fake.URL, outDir: t.TempDir()}
	e.s = newSetupServer(e.cfg, e.clock.now, e.stdout)
	ts := httptest.NewServer(e.s)
	t.Cleanup(ts.Close)
	e.url = ts.URL
	return e
}

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func readResp(t *testing.T, resp *http.Response, err error) (int, string) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

var (
	formAction  = regexp.MustCompile(`<form method="post" action="([^"]*)">\s*<input type="hidden" name="manifest" value="([^"]*)">`)
	userForm    = url.Values{"name": {"issueops"}, "webhook_url": {"https://ops.example.com/webhook"}, "account": {"user"}}
	orgForm     = url.Values{"name": {"issueops"}, "webhook_url": {"https://ops.example.com/webhook"}, "account": {"org"}, "org": {"acme"}}
	envLineForm = regexp.MustCompile(`^([A-Z_]+)=(.*)$`)
)

// start submits the page's first form and returns the GitHub form it leads
// to: where it posts and the manifest it carries.
func (e *setupEnv) start(t *testing.T, form url.Values) (action, manifest string) {
	t.Helper()
	status, body := postForm(t, e.url+"/manifest", form)
	if status != http.StatusOK {
		t.Fatalf("POST /manifest: %d %s", status, body)
	}
	m := formAction.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no manifest form in %s", body)
	}
	return html.UnescapeString(m[1]), html.UnescapeString(m[2])
}

// github posts the manifest form to the fake web side, as the browser does,
// and returns the redirect back to the setup page.
func (e *setupEnv) github(t *testing.T, action, manifest string) string {
	t.Helper()
	resp, err := noFollow.PostForm(action, url.Values{"manifest": {manifest}})
	status, body := readResp(t, resp, err)
	if status != http.StatusFound {
		t.Fatalf("GitHub web side: %d %s", status, body)
	}
	return resp.Header.Get("Location")
}

// through runs the page and GitHub's web side: the callback URL GitHub
// redirects to.
func (e *setupEnv) through(t *testing.T, form url.Values) string {
	t.Helper()
	action, manifest := e.start(t, form)
	return e.github(t, action, manifest)
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	return readResp(t, resp, err)
}

func postForm(t *testing.T, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := http.PostForm(u, form)
	return readResp(t, resp, err)
}

func doReq(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	return readResp(t, resp, err)
}

// files lists the out directory.
func files(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			m := envLineForm.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("env line %q", line)
			}
			env[m[1]] = m[2]
		}
	}
	return env
}

func wantMode0600(t *testing.T, path string) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", filepath.Base(path), st.Mode().Perm())
	}
}

func TestSetupFlowUser(t *testing.T) {
	e := newSetupEnv(t)
	status, body := get(t, e.url+"/")
	if status != 200 || !strings.Contains(body, `name="webhook_url"`) || regexp.MustCompile(`(src|href)=|<script|<link|@import|url\(`).MatchString(body) {
		t.Fatalf("index page: %d %s", status, body)
	}
	action, manifest := e.start(t, userForm)
	au, _ := url.Parse(action)
	state := au.Query().Get("state")
	if !strings.HasPrefix(action, e.web.URL+"settings/apps/new?state=") || len(state) != 43 {
		t.Fatalf("form posts to %s", action)
	}
	location := e.github(t, action, manifest)

	posts := e.web.Manifests()
	if len(posts) != 1 || posts[0].Org != "" || posts[0].State != state {
		t.Fatalf("GitHub received %+v", posts)
	}
	m := posts[0].Manifest
	wantPerms := map[string]string{"issues": "write", "contents": "write", "deployments": "write",
		"actions": "write", "members": "read", "metadata": "read"}
	if !maps.Equal(m.DefaultPermissions, wantPerms) {
		t.Errorf("permissions %v, want exactly %v", m.DefaultPermissions, wantPerms)
	}
	if !slices.Equal(m.DefaultEvents, []string{"issue_comment", "issues", "deployment_status", "workflow_run"}) {
		t.Errorf("events %v", m.DefaultEvents)
	}
	if m.HookAttributes.URL != "https://ops.example.com/webhook" || m.RedirectURL != e.url+"/callback" || m.Public || m.Name != "issueops" || m.URL == "" {
		t.Errorf("manifest %+v", m)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(posts[0].Raw), &raw); err != nil || raw["public"] != false {
		t.Errorf("manifest must say public false: %s", posts[0].Raw)
	}

	status, body = get(t, location)
	if status != 200 {
		t.Fatalf("callback: %d %s", status, body)
	}
	apps := e.fake.ConvertedApps()
	if len(apps) != 1 {
		t.Fatalf("converted %d apps", len(apps))
	}
	app := apps[0]
	for _, secret := range []string{app.PEM, app.WebhookSecret, app.ClientSecret, "PRIVATE KEY"} {
		if strings.Contains(body, secret) || strings.Contains(e.stdout.String(), secret) {
			t.Errorf("a secret is shown on the page or printed")
		}
	}
	pemPath, envPath := filepath.Join(e.cfg.outDir, pemFileName), filepath.Join(e.cfg.outDir, envFileName)
	for _, want := range []string{app.HTMLURL, "set -a; . " + envPath + "; set +a; issueops serve", html.EscapeString(pemPath)} {
		if !strings.Contains(html.UnescapeString(body), html.UnescapeString(want)) {
			t.Errorf("callback page lacks %q:\n%s", want, body)
		}
		if !strings.Contains(e.stdout.String(), html.UnescapeString(want)) {
			t.Errorf("stdout lacks %q:\n%s", want, e.stdout.String())
		}
	}
	select {
	case <-e.s.done:
	default:
		t.Error("setup server not done after the credentials were written")
	}

	wantMode0600(t, pemPath)
	wantMode0600(t, envPath)
	if b, _ := os.ReadFile(pemPath); string(b) != app.PEM {
		t.Error("the PEM file is not the App's key")
	}
	env := readEnvFile(t, envPath)
	want := map[string]string{
		"ISSUEOPS_APP_ID":               strconv.FormatInt(app.ID, 10),
		"ISSUEOPS_PRIVATE_KEY_PATH":     pemPath,
		"ISSUEOPS_WEBHOOK_SECRET":       app.WebhookSecret,
		"ISSUEOPS_GITHUB_CLIENT_ID":     app.ClientID,
		"ISSUEOPS_GITHUB_CLIENT_SECRET": app.ClientSecret,
		"ISSUEOPS_GITHUB_URL":           e.fake.URL, // not api.github.com
	}
	if !maps.Equal(env, want) {
		t.Errorf("env file %v\nwant %v", env, want)
	}
	if !filepath.IsAbs(env["ISSUEOPS_PRIVATE_KEY_PATH"]) {
		t.Error("key path not absolute")
	}

	// The same redirect again: the state is used up; nothing changes.
	before, _ := os.ReadFile(envPath)
	if status, _ := get(t, location); status != http.StatusBadRequest {
		t.Errorf("second use of the state: %d, want 400", status)
	}
	if after, _ := os.ReadFile(envPath); !bytes.Equal(before, after) || len(e.fake.RequestsTo(conversionRoute)) != 1 {
		t.Error("a second use of the state changed something")
	}
}

func TestSetupFlowOrganization(t *testing.T) {
	e := newSetupEnv(t)
	action, manifest := e.start(t, orgForm)
	if !strings.HasPrefix(action, e.web.URL+"organizations/acme/settings/apps/new?state=") {
		t.Fatalf("form posts to %s", action)
	}
	location := e.github(t, action, manifest)
	if posts := e.web.Manifests(); len(posts) != 1 || posts[0].Org != "acme" || posts[0].Path != "/organizations/acme/settings/apps/new" {
		t.Fatalf("GitHub received %+v", posts)
	}
	if status, body := get(t, location); status != 200 {
		t.Fatalf("callback: %d %s", status, body)
	}
	if apps := e.fake.ConvertedApps(); len(apps) != 1 || apps[0].Owner != "acme" {
		t.Fatalf("apps %+v", apps)
	}
}

// rewriteState replaces the state in a callback URL.
func rewriteState(t *testing.T, location, state string) string {
	u, err := url.Parse(location)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if state == "" {
		q.Del("state")
	} else {
		q.Set("state", state)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func TestSetupWrongStateChangesNothing(t *testing.T) {
	e := newSetupEnv(t)
	location := e.through(t, userForm)
	u, _ := url.Parse(location)
	good := u.Query().Get("state")
	for _, bad := range []string{"", good[:42], good + "A", strings.Repeat("A", 43)} {
		status, body := get(t, rewriteState(t, location, bad))
		if status != http.StatusBadRequest || !strings.Contains(body, "not valid") {
			t.Errorf("state %q: %d, want 400", bad, status)
		}
	}
	if n := len(e.fake.RequestsTo(conversionRoute)); n != 0 || len(files(t, e.cfg.outDir)) != 0 {
		t.Fatalf("wrong states exchanged %d codes or wrote files %v", n, files(t, e.cfg.outDir))
	}
	// The wrong states did not use up the right one.
	if status, body := get(t, location); status != 200 {
		t.Fatalf("right state after wrong ones: %d %s", status, body)
	}
}

func TestSetupStateExpires(t *testing.T) {
	e := newSetupEnv(t)
	early := e.through(t, userForm)
	e.clock.advance(5 * time.Minute)
	late := e.through(t, userForm)
	e.clock.advance(5*time.Minute + time.Second) // early is 10m1s old, late 5m1s
	if status, _ := get(t, early); status != http.StatusBadRequest {
		t.Fatalf("state older than 10 minutes: %d, want 400", status)
	}
	if n := len(e.fake.RequestsTo(conversionRoute)); n != 0 || len(files(t, e.cfg.outDir)) != 0 {
		t.Fatalf("an expired state exchanged a code (%d) or wrote files", n)
	}
	if status, body := get(t, late); status != 200 {
		t.Fatalf("state 5 minutes old: %d %s", status, body)
	}
}

func TestSetupExchangeFailure(t *testing.T) {
	e := newSetupEnv(t)
	// A code GitHub does not know (used or expired): 404 from the API.
	location := e.through(t, userForm)
	u, _ := url.Parse(location)
	q := u.Query()
	q.Set("code", "0123456789abcdef")
	u.RawQuery = q.Encode()
	status, body := get(t, u.String())
	if status != http.StatusBadGateway || !strings.Contains(body, "404") || !strings.Contains(body, "No file was written") {
		t.Fatalf("unknown code: %d %s", status, body)
	}
	// GitHub failing: 500.
	e.fake.Inject(githubtest.Fault{Route: conversionRoute, Kind: githubtest.Status500})
	status, body = get(t, e.through(t, userForm))
	if status != http.StatusBadGateway || !strings.Contains(body, "500") {
		t.Fatalf("GitHub 500: %d %s", status, body)
	}
	if got := files(t, e.cfg.outDir); len(got) != 0 {
		t.Fatalf("files written after a failed exchange: %v", got)
	}
	select {
	case <-e.s.done:
		t.Fatal("setup finished after a failed exchange")
	default:
	}
	// Starting again works.
	if status, body := get(t, e.through(t, userForm)); status != 200 {
		t.Fatalf("retry: %d %s", status, body)
	}
}

func TestSetupRefusesExistingFiles(t *testing.T) {
	// At start: the command refuses and says so.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, envFileName), []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"setup", "--addr", "127.0.0.1:0", "--out", dir}, func(string) string { return "" }, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "already exists") || !strings.Contains(stderr.String(), envFileName) {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}

	// Appearing while the page runs: the code is not exchanged, nothing written.
	e := newSetupEnv(t)
	location := e.through(t, userForm)
	pemPath := filepath.Join(e.cfg.outDir, pemFileName)
	if err := os.WriteFile(pemPath, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	status, body := get(t, location)
	if status != http.StatusConflict || !strings.Contains(body, "already exists") {
		t.Fatalf("callback with an existing key file: %d %s", status, body)
	}
	if b, _ := os.ReadFile(pemPath); string(b) != "keep" || len(files(t, e.cfg.outDir)) != 1 || len(e.fake.RequestsTo(conversionRoute)) != 0 {
		t.Fatal("an existing file was overwritten, another written, or the code spent")
	}

	// O_EXCL at write time too.
	if _, _, err := writeCredentials(e.cfg.outDir, defaultGitHubURL, appCredentials{id: 1, pem: "k"}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("writeCredentials over an existing file: %v", err)
	}
	if got := files(t, e.cfg.outDir); len(got) != 1 {
		t.Fatalf("a refused write left %v", got)
	}
}

func TestSetupEnvFile(t *testing.T) {
	c := appCredentials{id: 42, name: "ops", htmlURL: "https://github.com/apps/ops", webhookSecret: "w$'x", clientID: "Iv1", clientSecret: "cs"}
	got := string(envFile(c, "/srv/my keys/issueops-app.pem", "https://api.github.com"))
	for _, want := range []string{"ISSUEOPS_APP_ID=42\n", "ISSUEOPS_PRIVATE_KEY_PATH='/srv/my keys/issueops-app.pem'\n",
		`ISSUEOPS_WEBHOOK_SECRET='w$'\''x'` + "\n", "ISSUEOPS_GITHUB_CLIENT_ID=Iv1\n", "ISSUEOPS_GITHUB_CLIENT_SECRET=cs\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("env file lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "ISSUEOPS_GITHUB_URL") {
		t.Errorf("default GitHub URL written:\n%s", got)
	}
	// A POSIX shell reads the values back exactly.
	if sh, err := exec.LookPath("sh"); err == nil {
		f := filepath.Join(t.TempDir(), "env")
		os.WriteFile(f, []byte(got), 0o600)
		out, err := exec.Command(sh, "-c", `set -a; . "$0"; printf %s "$ISSUEOPS_WEBHOOK_SECRET|$ISSUEOPS_PRIVATE_KEY_PATH"`, f).Output()
		if err != nil || string(out) != "w$'x|/srv/my keys/issueops-app.pem" {
			t.Errorf("sourced: %q %v", out, err)
		}
	}
	if ghe := string(envFile(c, "/k.pem", "https://ghe.example.com/api/v3")); !strings.Contains(ghe, "ISSUEOPS_GITHUB_URL=https://ghe.example.com/api/v3/\n") {
		t.Errorf("GitHub Enterprise URL missing:\n%s", ghe)
	}
}

func TestSetupFormChecksAndEscapes(t *testing.T) {
	e := newSetupEnv(t)
	for name, form := range map[string]url.Values{
		"bad webhook": {"name": {"x"}, "webhook_url": {"javascript:alert(1)"}, "account": {"user"}},
		"bad org":     {"name": {"x"}, "webhook_url": {"https://a.example/webhook"}, "account": {"org"}, "org": {"a/b"}},
		"no name":     {"name": {""}, "webhook_url": {"https://a.example/webhook"}, "account": {"user"}},
	} {
		status, body := postForm(t, e.url+"/manifest", form)
		if status != http.StatusBadRequest || !strings.Contains(body, `id="error"`) {
			t.Errorf("%s: %d", name, status)
		}
	}
	evil := `"><script>alert(1)</script>`
	status, body := postForm(t, e.url+"/manifest", url.Values{"name": {evil}, "webhook_url": {"https://a.example/hook?q=" + url.QueryEscape(evil)}, "account": {"user"}})
	if status != 200 || strings.Contains(body, "<script>") {
		t.Fatalf("unescaped input in the page: %d %s", status, body)
	}
	// Another Host (DNS rebinding) is refused.
	req, _ := http.NewRequest("GET", e.url+"/", nil)
	req.Host = "evil.example:80"
	if status, _ := doReq(t, req); status != http.StatusMisdirectedRequest {
		t.Errorf("foreign Host: %d, want 421", status)
	}
}

func TestSetupHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"setup", "--help"}, func(string) string { return "" }, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"App-manifest", "-webhook-url", "-github-web-url", "-github-url", "-out", "-addr", "issueops-app.env", "ISSUEOPS_GITHUB_URL", "127.0.0.1:3000"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("--help lacks %q", want)
		}
	}
}

// TestSetupProcessExits runs setup as a real process: after the callback
// page it exits with status 0, having printed the serve command.
func TestSetupProcessExits(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	web := githubtest.NewWeb(fake)
	t.Cleanup(web.Close)
	addr, dir := freeAddr(t), t.TempDir()
	cmd := exec.Command(os.Args[0], "setup", "--addr", addr, "--out", dir, "--github-web-url", web.URL, "--webhook-url", "https://ops.example.com/webhook")
	cmd.Env = append(os.Environ(), "ISSUEOPS_TEST_MAIN=1", "ISSUEOPS_GITHUB_URL="+fake.URL)
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	waitFor(t, "setup page", func() bool { return strings.Contains(stdout.String(), "Open http://") })

	e := &setupEnv{fake: fake, web: web, url: "http://" + addr}
	status, body := get(t, e.url+"/")
	if status != 200 || !strings.Contains(body, `value="https://ops.example.com/webhook"`) {
		t.Fatalf("index: %d %s", status, body)
	}
	if status, body := get(t, e.through(t, userForm)); status != 200 {
		t.Fatalf("callback: %d %s", status, body)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("setup exited with %v, stderr %s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("setup still running after the callback")
	}
	app := fake.ConvertedApps()[0]
	out := stdout.String() + stderr.String()
	if !strings.Contains(out, "issueops serve") || !strings.Contains(out, app.HTMLURL) || strings.Contains(out, app.WebhookSecret) || strings.Contains(out, app.ClientSecret) {
		t.Fatalf("output: %s", out)
	}
	if env := readEnvFile(t, filepath.Join(dir, envFileName)); env["ISSUEOPS_GITHUB_URL"] != fake.URL {
		t.Errorf("ISSUEOPS_GITHUB_URL from the environment not kept: %v", env["ISSUEOPS_GITHUB_URL"])
	}
}
