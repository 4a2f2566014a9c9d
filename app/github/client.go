// Package github is the GitHub adapter: go-github clients per installation
// (App mode, through ghinstallation's cached and refreshed tokens) or one
// client for a personal token (token mode), with request metrics and the
// classification of failures into the app's error kinds.
package github

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	gh "github.com/google/go-github/v60/github"

	"github.com/issueops/issueops/app"
)

// RequestMetrics counts GitHub API requests by route template and status
// (0 when no response came). Contract: cheap and safe for concurrent use.
type RequestMetrics interface {
	GitHubRequest(route string, status int)
}

// Config selects the mode: Token for token mode, else AppID and PrivateKey.
type Config struct {
	BaseURL    string // API root, e.g. https://api.github.com/ or https://ghe.example.com/api/v3/
	Token      string
	AppID      int64
	PrivateKey []byte // PEM
	// Timeout bounds each request (default 15s): a request that hangs fails
	// and its job is retried instead of holding a worker.
	Timeout time.Duration
	Metrics RequestMetrics
	Logger  *slog.Logger
}

// Clients hands out an app.GitHub per installation. It implements
// app.GitHubClients.
type Clients struct {
	cfg     Config
	baseURL *url.URL
	http    http.RoundTripper
	apps    *ghinstallation.AppsTransport // nil in token mode

	mu      sync.Mutex
	clients map[int64]*Client
	self    string // login the app writes as, learnt once
}

// New checks cfg and returns the client factory. It makes no request.
func New(cfg Config) (*Clients, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://api.github.com/"
	}
	if !strings.HasSuffix(cfg.BaseURL, "/") {
		cfg.BaseURL += "/"
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("GitHub URL %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	c := &Clients{cfg: cfg, baseURL: base, clients: map[int64]*Client{},
		http: &metricsTransport{next: http.DefaultTransport, metrics: cfg.Metrics}}
	if cfg.Token == "" {
		if cfg.AppID == 0 || len(cfg.PrivateKey) == 0 {
			return nil, errors.New("GitHub credentials missing: set a token, or an App id and private key")
		}
		c.apps, err = ghinstallation.NewAppsTransport(c.http, cfg.AppID, cfg.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("GitHub App private key: %w", err)
		}
		c.apps.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	}
	return c, nil
}

// ForInstallation returns the client of an installation, making it on first
// use. In token mode every installation shares the token's client.
func (c *Clients) ForInstallation(_ context.Context, installationID int64) (app.GitHub, error) {
	if c.apps != nil && installationID == 0 {
		return nil, app.Permanent(errors.New("delivery has no installation id: is the webhook the App's?"))
	}
	if c.apps == nil {
		installationID = 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.clients[installationID]; ok {
		return cl, nil
	}
	var transport http.RoundTripper = &tokenTransport{next: c.http, token: c.cfg.Token}
	if c.apps != nil {
		itr := ghinstallation.NewFromAppsTransport(c.apps, installationID)
		itr.BaseURL = c.apps.BaseURL
		transport = itr
	}
	cl := &Client{gh: c.newGitHub(transport), owner: c}
	c.clients[installationID] = cl
	return cl, nil
}

func (c *Clients) newGitHub(transport http.RoundTripper) *gh.Client {
	client := gh.NewClient(&http.Client{Transport: transport, Timeout: c.cfg.Timeout})
	client.BaseURL = c.baseURL
	client.UploadURL = c.baseURL
	return client
}

// self learns, once, the login the app's comments carry: "<slug>[bot]" in
// App mode (GET /app with the App's JWT), the token's user in token mode.
func (c *Clients) selfLogin(ctx context.Context, client *gh.Client) (string, error) {
	c.mu.Lock()
	known := c.self
	c.mu.Unlock()
	if known != "" {
		return known, nil
	}
	var login string
	if c.apps != nil {
		a, _, err := c.newGitHub(c.apps).Apps.Get(ctx, "")
		if err != nil {
			return "", classify(err)
		}
		login = a.GetSlug() + "[bot]"
	} else {
		u, _, err := client.Users.Get(ctx, "")
		if err != nil {
			return "", classify(err)
		}
		login = u.GetLogin()
	}
	c.mu.Lock()
	c.self = login
	c.mu.Unlock()
	return login, nil
}

// tokenTransport authenticates token mode.
type tokenTransport struct {
	next  http.RoundTripper
	token string
}

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+t.token)
	return t.next.RoundTrip(req)
}
