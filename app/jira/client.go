// Package jira is the Jira adapter: it implements app.Jira with
// github.com/andygrunwald/go-jira, and maps Jira's failures onto the app's
// error kinds (rate limit, transient, permanent, not found).
//
// Requests follow Jira REST v2 as documented at developer.atlassian.com
// (https://developer.atlassian.com/cloud/jira/platform/rest/v2/ and the
// Data Center reference), which Jira Cloud and Jira Data Center both
// serve:
//
//	GET  /rest/api/2/project/{key}/versions   find a version by name
//	POST /rest/api/2/version                  create it
//	PUT  /rest/api/2/issue/{key}              add a fix version
//	POST /rest/api/2/issue/{key}/remotelink   link the release (by globalId)
//	PUT  /rest/api/2/version/{id}             mark the version released
package jira

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	gojira "github.com/andygrunwald/go-jira"

	"github.com/issueops/issueops/app"
)

// defaultTimeout bounds a request when Config says nothing: a Jira that
// hangs fails the step, which is retried, instead of holding a worker.
const defaultTimeout = 15 * time.Second

// Config says where Jira is and who the app is there.
type Config struct {
	// BaseURL is the site, e.g. https://acme.atlassian.net or
	// https://jira.example.com/jira for a Data Center context path.
	BaseURL string
	// User is the Jira Cloud account (an email) that Token belongs to.
	// Empty means Token is a Data Center personal access token, sent as a
	// bearer token.
	User  string
	Token string
	// HTTPClient supplies the transport (proxies, TLS); nil is the default.
	// Its redirects are never followed: see New.
	HTTPClient *http.Client
	// Timeout bounds each request; 0 keeps HTTPClient's, else 15s.
	Timeout time.Duration
}

// String hides the token, so that printing a Config cannot leak it.
func (c Config) String() string {
	return fmt.Sprintf("jira.Config{BaseURL:%q User:%q Token:%s Timeout:%s}",
		c.BaseURL, c.User, redactedToken(c.Token), c.Timeout)
}

// LogValue hides the token from slog, whatever the handler.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", c.BaseURL), slog.String("user", c.User),
		slog.String("token", redactedToken(c.Token)), slog.Duration("timeout", c.Timeout))
}

func redactedToken(token string) string {
	if token == "" {
		return "(none)"
	}
	return "(redacted)"
}

// Client talks to one Jira site. It implements app.Jira and is safe for
// concurrent use.
type Client struct {
	api *gojira.Client
	// site is BaseURL without its trailing slash, for the pages people open.
	site string
	// secrets are what no error text may carry: the token, and the basic
	// credentials as they travel.
	secrets []string
}

var _ app.Jira = (*Client)(nil)

// New checks cfg and returns a client; it makes no request. Redirects are
// refused rather than followed: Jira's REST API does not redirect, and a
// redirect (say http→https, or to a login page) would resend the
// credentials somewhere the operator did not name. The answer is a
// permanent error that says where Jira pointed.
func New(cfg Config) (*Client, error) {
	site, err := checkBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.Token == "" {
		return nil, errors.New("jira: token missing")
	}
	hc := http.Client{}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	hc.Transport = authTransport(cfg.User, cfg.Token, hc.Transport)
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	switch {
	case cfg.Timeout > 0:
		hc.Timeout = cfg.Timeout
	case hc.Timeout == 0:
		hc.Timeout = defaultTimeout
	}
	api, err := gojira.NewClient(&hc, site+"/")
	if err != nil {
		return nil, fmt.Errorf("jira: %w", err)
	}
	return &Client{api: api, site: site, secrets: secretsOf(cfg.User, cfg.Token)}, nil
}

// checkBaseURL accepts an absolute http(s) URL without credentials, query
// or fragment, and returns it without its trailing slash. A URL that does
// not parse is not echoed: it may hold a secret pasted by mistake.
func checkBaseURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("jira: base URL does not parse: %w", err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("jira: base URL %q is not an http(s) URL", u.Redacted())
	case u.Host == "":
		return "", fmt.Errorf("jira: base URL %q has no host", u.Redacted())
	case u.User != nil:
		return "", fmt.Errorf("jira: base URL %q carries credentials: set the user and token instead", u.Redacted())
	case u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("jira: base URL %q has a query or fragment", u.Redacted())
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// authTransport signs every request: basic auth (Jira Cloud: email + API
// token), or a bearer token (Data Center personal access token) when
// there is no user.
func authTransport(user, token string, next http.RoundTripper) http.RoundTripper {
	if user == "" {
		return &gojira.BearerAuthTransport{Token: token, Transport: next}
	}
	return &gojira.BasicAuthTransport{Username: user, Password: token, Transport: next}
}
