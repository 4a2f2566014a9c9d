package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	gh "github.com/google/go-github/v60/github"
)

const setupHelp = `Usage: issueops setup [flags]

Registers the issueops GitHub App through GitHub's App-manifest flow. It serves
a page (by default on http://127.0.0.1:3000/) that asks for the App's name, the
webhook URL (where GitHub reaches issueops serve) and the account to own it,
your personal account or an organization, then sends you to GitHub to create
the App with the least privilege issueops needs: Issues read & write,
Contents read, Metadata read; events issue_comment and issues.

When GitHub sends you back, it exchanges the one-time code for the App's
credentials and writes them to the --out directory, both files mode 0600 and
never overwriting an existing one:
  issueops-app.pem   the App's private key
  issueops-app.env   ISSUEOPS_APP_ID, ISSUEOPS_PRIVATE_KEY_PATH,
                     ISSUEOPS_WEBHOOK_SECRET, ISSUEOPS_GITHUB_CLIENT_ID,
                     ISSUEOPS_GITHUB_CLIENT_SECRET (and ISSUEOPS_GITHUB_URL
                     when not api.github.com)
It prints the App's page and the serve command, then exits with status 0:
  set -a; . ./issueops-app.env; set +a; issueops serve
`

// setupConfig is the configuration of `issueops setup`.
type setupConfig struct {
	addr, webhookURL, appName string
	webURL, githubURL, outDir string
}

func parseSetupFlags(args []string, getenv func(string) string, stderr io.Writer) (setupConfig, error) {
	var c setupConfig
	fs := newFlagSet("setup", setupHelp, stderr)
	e := newEnvFlags(fs, getenv)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:3000", "address of the setup page (keep it on loopback)")
	fs.StringVar(&c.webhookURL, "webhook-url", "", "the App's webhook URL, e.g. https://issueops.example.com/webhook (empty: the page asks)")
	fs.StringVar(&c.appName, "app-name", "issueops", "the App's name, unique on GitHub (the page can change it)")
	fs.StringVar(&c.webURL, "github-web-url", "https://github.com/", "GitHub's web URL (GitHub Enterprise: https://HOST/)")
	e.str(&c.githubURL, "github-url", "ISSUEOPS_GITHUB_URL", defaultGitHubURL, "GitHub API URL (GitHub Enterprise: https://HOST/api/v3/)")
	fs.StringVar(&c.outDir, "out", ".", "directory to write issueops-app.pem and issueops-app.env to")
	if err := e.parse(args); err != nil {
		return c, err
	}
	for name, u := range map[string]string{"github-web-url": c.webURL, "github-url": c.githubURL} {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return c, usagef("--%s %q is not an http(s) URL", name, u)
		}
	}
	if c.webhookURL != "" {
		if err := checkWebhookURL(c.webhookURL); err != nil {
			return c, usagef("--webhook-url: %v", err)
		}
	}
	c.webURL, c.githubURL = withSlash(c.webURL), withSlash(c.githubURL)
	return c, nil
}

// runSetup registers the GitHub App through the App-manifest flow.
func runSetup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseSetupFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	if err := checkFree(cfg.outDir); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	if host, _, _ := net.SplitHostPort(cfg.addr); !isLoopback(host) {
		fmt.Fprintf(stderr, "warning: --addr %s is not a loopback address: anyone who can reach it can start the registration\n", cfg.addr)
	}
	s := newSetupServer(cfg, time.Now, stdout)
	fmt.Fprintf(stdout, "Open http://%s/ in a browser to register the GitHub App (Ctrl-C to stop).\n", ln.Addr())
	return s.run(ctx, ln)
}

// setupServer serves the pages of the manifest flow.
type setupServer struct {
	cfg    setupConfig
	states *stateStore
	api    *gh.Client
	stdout io.Writer
	// done is closed once the credentials are written and the page served.
	done     chan struct{}
	mu       sync.Mutex // one callback at a time
	finished bool
}

func newSetupServer(cfg setupConfig, now func() time.Time, stdout io.Writer) *setupServer {
	api := gh.NewClient(&http.Client{Timeout: 30 * time.Second})
	api.BaseURL, _ = url.Parse(cfg.githubURL) // checked by parseSetupFlags
	return &setupServer{cfg: cfg, states: newStateStore(now), api: api, stdout: stdout, done: make(chan struct{})}
}

// run serves on ln until the App is registered (nil) or ctx ends.
func (s *setupServer) run(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	var err error
	select {
	case <-s.done:
	case <-ctx.Done():
		err = errors.New("interrupted: no App was registered")
	case err = <-served:
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutCtx) // lets the last page finish
	return err
}

func (s *setupServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.hostAllowed(r.Host) {
		http.Error(w, "unexpected Host header", http.StatusMisdirectedRequest)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self' "+origin(s.cfg.webURL))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	switch {
	case r.URL.Path == "/" && r.Method == http.MethodGet:
		s.page(w, http.StatusOK, setupIndex, formData{Name: s.cfg.appName, WebhookURL: s.cfg.webhookURL})
	case r.URL.Path == "/manifest" && r.Method == http.MethodPost:
		s.manifest(w, r)
	case r.URL.Path == "/callback" && r.Method == http.MethodGet:
		s.callback(w, r)
	default:
		http.NotFound(w, r)
	}
}

// hostAllowed guards against DNS rebinding: when listening on loopback,
// the page only answers requests addressed to a loopback name.
func (s *setupServer) hostAllowed(hostport string) bool {
	if host, _, _ := net.SplitHostPort(s.cfg.addr); !isLoopback(host) {
		return true
	}
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	return isLoopback(host)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

func origin(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Scheme + "://" + p.Host
}

type formData struct {
	Name, WebhookURL, Org, Error string
}

var (
	orgName = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	// manifestCode is the shape of GitHub's codes; anything else is refused
	// before it reaches a URL path.
	manifestCode = regexp.MustCompile(`^[A-Za-z0-9_-]{1,200}$`)
)

func checkWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", raw)
	}
	return nil
}

// manifest answers the first form: it checks it and shows the form that
// posts the manifest to GitHub, with a fresh state.
func (s *setupServer) manifest(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		s.page(w, http.StatusForbidden, setupError, formData{Error: "The form must be sent from this page."})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.page(w, http.StatusBadRequest, setupError, formData{Error: "The form could not be read."})
		return
	}
	f := formData{Name: strings.TrimSpace(r.PostForm.Get("name")), WebhookURL: strings.TrimSpace(r.PostForm.Get("webhook_url"))}
	if r.PostForm.Get("account") == "org" {
		f.Org = strings.TrimSpace(r.PostForm.Get("org"))
	}
	switch {
	case f.Name == "" || len(f.Name) > 34:
		f.Error = "Give the App a name of 1 to 34 characters."
	case checkWebhookURL(f.WebhookURL) != nil:
		f.Error = "The webhook URL must be an http(s) URL, such as https://issueops.example.com/webhook."
	case r.PostForm.Get("account") == "org" && !orgName.MatchString(f.Org):
		f.Error = "Enter the organization's name (letters, digits and hyphens)."
	}
	if f.Error != "" {
		s.page(w, http.StatusBadRequest, setupIndex, f)
		return
	}
	state, err := s.states.mint()
	if err != nil {
		s.page(w, http.StatusInternalServerError, setupError, formData{Error: "No random state: " + err.Error()})
		return
	}
	manifest, err := json.Marshal(newManifest(f.Name, f.WebhookURL, "http://"+r.Host+"/callback"))
	if err != nil {
		s.page(w, http.StatusInternalServerError, setupError, formData{Error: err.Error()})
		return
	}
	s.page(w, http.StatusOK, setupConfirm, struct {
		formData
		OutDir   string
		Action   string
		Manifest string
	}{f, s.outDirAbs(), newAppURL(s.cfg.webURL, f.Org, state), string(manifest)})
}

// newAppURL is where the manifest form posts: GitHub's new-App page of the
// user or of the organization.
func newAppURL(web, org, state string) string {
	path := "settings/apps/new"
	if org != "" {
		path = "organizations/" + url.PathEscape(org) + "/" + path
	}
	return withSlash(web) + path + "?state=" + url.QueryEscape(state)
}

func (s *setupServer) outDirAbs() string {
	abs, err := filepath.Abs(s.cfg.outDir)
	if err != nil {
		return s.cfg.outDir
	}
	return abs
}

// callback completes the flow: state, code exchange, files.
func (s *setupServer) callback(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	if s.finished || !s.states.take(q.Get("state")) {
		s.page(w, http.StatusBadRequest, setupError, formData{Error: "This link is not valid: its state is unknown, " +
			"used or older than 10 minutes. Nothing was changed; start again."})
		return
	}
	code := q.Get("code")
	if !manifestCode.MatchString(code) {
		s.page(w, http.StatusBadRequest, setupError, formData{Error: "GitHub sent no valid code. Nothing was saved; start again."})
		return
	}
	// Checked before the code is spent: a refusal then costs nothing.
	if err := checkFree(s.cfg.outDir); err != nil {
		s.page(w, http.StatusConflict, setupError, formData{Error: err.Error() +
			". The code was not exchanged; delete the App GitHub just created (its settings page) or keep it and start again once the files are moved."})
		return
	}
	cfg, _, err := s.api.Apps.CompleteAppManifest(r.Context(), code)
	if err != nil {
		msg := "GitHub refused to exchange the code: " + exchangeError(err) + ". No file was written; start again."
		s.page(w, http.StatusBadGateway, setupError, formData{Error: msg})
		return
	}
	creds := appCredentials{
		id: cfg.GetID(), name: cfg.GetName(), htmlURL: cfg.GetHTMLURL(), pem: cfg.GetPEM(),
		webhookSecret: cfg.GetWebhookSecret(), clientID: cfg.GetClientID(), clientSecret: cfg.GetClientSecret(),
	}
	if creds.id == 0 || creds.pem == "" {
		s.page(w, http.StatusBadGateway, setupError, formData{Error: "GitHub's answer has no App id or private key. No file was written."})
		return
	}
	pemPath, envPath, err := writeCredentials(s.cfg.outDir, s.cfg.githubURL, creds)
	if err != nil {
		s.page(w, http.StatusInternalServerError, setupError, formData{Error: err.Error() +
			". The App " + creds.htmlURL + " exists: generate a new private key on its page."})
		return
	}
	s.finished = true
	command := "set -a; . " + shellQuote(s.envRef(envPath)) + "; set +a; issueops serve"
	fmt.Fprintf(s.stdout, "Registered the GitHub App %q: %s\nWrote %s and %s (mode 0600).\n"+
		"Install it on your repositories: %s/installations/new\nThen run:\n  %s\n",
		creds.name, creds.htmlURL, pemPath, envPath, creds.htmlURL, command)
	s.page(w, http.StatusOK, setupDone, map[string]string{
		"Name": creds.name, "HTMLURL": creds.htmlURL, "PEMPath": pemPath, "EnvPath": envPath, "ServeCommand": command,
	})
	close(s.done)
}

// envRef names the env file as the serve command sources it: ./NAME when
// it is in the working directory.
func (s *setupServer) envRef(envPath string) string {
	if wd, err := os.Getwd(); err == nil && filepath.Dir(envPath) == wd {
		return "./" + envFileName
	}
	return envPath
}

// exchangeError describes a failed exchange without the response body.
func exchangeError(err error) string {
	var er *gh.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		if er.Response.StatusCode == http.StatusNotFound {
			return "404 Not Found (the code is unknown, used or older than an hour)"
		}
		return er.Response.Status
	}
	return err.Error()
}

// page renders a template fully before writing, so a template error is a
// clean 500.
func (s *setupServer) page(w http.ResponseWriter, status int, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		http.Error(w, "template: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// sameOrigin refuses a form posted by another site (a page that would slip
// its own webhook URL into the App): browsers say where a request comes
// from in Sec-Fetch-Site, or else in Origin (which is "null" for the page's
// own forms, since it sends no referrer).
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin" || site == "none"
	}
	o := r.Header.Get("Origin")
	return o == "" || o == "null" || o == "http://"+r.Host
}
