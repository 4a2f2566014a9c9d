package main

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// The pure part of `issueops setup`: the App manifest, the single-use states
// of the manifest flow, and the credential files.

// appPermissions is the least privilege the features need (README, "Set up
// with issueops setup"): issues write for reactions, replies, status
// comments and labels; contents write for forms, policy and refs, and the
// GitOps commits; deployments write to record every deploy; actions write
// to dispatch deploy workflows; members read for team rules and approvals;
// metadata read, which every App has.
var appPermissions = map[string]string{"issues": "write", "contents": "write", "deployments": "write",
	"actions": "write", "members": "read", "metadata": "read"}

// appEvents are the webhook events the App subscribes to: issue_comment for
// slash commands, issues for forms, deployment_status and workflow_run for
// deploys that report back.
var appEvents = []string{"issue_comment", "issues", "deployment_status", "workflow_run"}

const projectURL = "https://github.com/issueops/issueops"

// appManifest is GitHub's App manifest (Registering a GitHub App from a
// manifest: "GitHub App Manifest parameters").
type appManifest struct {
	Name               string            `json:"name"`
	URL                string            `json:"url"`
	Description        string            `json:"description"`
	HookAttributes     hookAttributes    `json:"hook_attributes"`
	RedirectURL        string            `json:"redirect_url"`
	Public             bool              `json:"public"`
	DefaultPermissions map[string]string `json:"default_permissions"`
	DefaultEvents      []string          `json:"default_events"`
}

type hookAttributes struct {
	URL    string `json:"url"`
	Active bool   `json:"active"`
}

func newManifest(name, webhookURL, redirectURL string) appManifest {
	return appManifest{
		Name:               name,
		URL:                projectURL,
		Description:        "Runs deploys, releases and environment operations from GitHub issues.",
		HookAttributes:     hookAttributes{URL: webhookURL, Active: true},
		RedirectURL:        redirectURL,
		Public:             false,
		DefaultPermissions: appPermissions,
		DefaultEvents:      appEvents,
	}
}

// stateTTL is how long a state minted for the manifest form stays valid.
const stateTTL = 10 * time.Minute

// stateStore holds the states of forms sent to GitHub: random, single use,
// expiring after stateTTL.
type stateStore struct {
	mu     sync.Mutex
	now    func() time.Time
	states map[string]time.Time // state → expiry
}

func newStateStore(now func() time.Time) *stateStore {
	return &stateStore{now: now, states: map[string]time.Time{}}
}

// mint returns a new state: 32 random bytes, base64url.
func (s *stateStore) mint() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	st := base64.RawURLEncoding.EncodeToString(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.states[st] = s.now().Add(stateTTL)
	return st, nil
}

// take reports whether got is a state minted here, unused and unexpired,
// and uses it up. Every stored state is compared in constant time, so the
// time taken tells nothing about how much of got matched. A state that
// matches nothing changes nothing.
func (s *stateStore) take(got string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	match, found := "", false
	for st, exp := range s.states {
		if subtle.ConstantTimeCompare([]byte(st), []byte(got)) == 1 {
			match, found = st, true
		}
		if !now.Before(exp) {
			delete(s.states, st) // expired: forget it
		}
	}
	if !found {
		return false
	}
	exp, live := s.states[match]
	delete(s.states, match)
	return live && now.Before(exp)
}

// Credential files, in the --out directory.
const (
	pemFileName = "issueops-app.pem"
	envFileName = "issueops-app.env"
)

// appCredentials is what the code exchange returned.
type appCredentials struct {
	id                                         int64
	name, htmlURL                              string
	pem, webhookSecret, clientID, clientSecret string
}

// credentialPaths are the absolute paths of the two files in dir.
func credentialPaths(dir string) (pemPath, envPath string, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", "", err
	}
	return filepath.Join(abs, pemFileName), filepath.Join(abs, envFileName), nil
}

// errExists says a credential file is there already; it is never overwritten.
var errExists = errors.New("already exists")

// checkFree fails if either credential file exists in dir.
func checkFree(dir string) error {
	pemPath, envPath, err := credentialPaths(dir)
	if err != nil {
		return err
	}
	for _, p := range []string{pemPath, envPath} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s %w: refusing to overwrite it (move it away, or choose another --out)", p, errExists)
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if st, err := os.Stat(filepath.Dir(pemPath)); err != nil || !st.IsDir() {
		return fmt.Errorf("--out %s is not a directory", filepath.Dir(pemPath))
	}
	return nil
}

// writeCredentials creates the key and the env file, both 0600 and neither
// overwriting anything (O_EXCL). Both are created before either is written,
// so a refusal leaves no file behind.
func writeCredentials(dir, githubURL string, c appCredentials) (pemPath, envPath string, err error) {
	if pemPath, envPath, err = credentialPaths(dir); err != nil {
		return "", "", err
	}
	open := func(p string) (*os.File, error) {
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("%s %w: refusing to overwrite it", p, errExists)
		}
		return f, err
	}
	pf, err := open(pemPath)
	if err != nil {
		return "", "", err
	}
	ef, err := open(envPath)
	if err != nil {
		pf.Close()
		os.Remove(pemPath)
		return "", "", err
	}
	write := func(f *os.File, b []byte) error {
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return err
		}
		if _, err := f.Write(b); err != nil {
			f.Close()
			return err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	err = errors.Join(write(pf, []byte(c.pem)), write(ef, envFile(c, pemPath, githubURL)))
	if err != nil {
		return "", "", fmt.Errorf("writing the credentials: %w", err)
	}
	return pemPath, envPath, nil
}

const defaultGitHubURL = "https://api.github.com/"

// envFile renders the variables serve reads; a POSIX shell can source it
// (set -a; . ./issueops-app.env; set +a) and so can systemd's EnvironmentFile.
func envFile(c appCredentials, pemPath, githubURL string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# GitHub App %q (%q), written by issueops setup.\n", c.name, c.htmlURL)
	fmt.Fprintf(&b, "# Secrets: keep this file private (mode 0600).\n")
	kv := func(k, v string) { fmt.Fprintf(&b, "%s=%s\n", k, shellQuote(v)) }
	kv("ISSUEOPS_APP_ID", fmt.Sprint(c.id))
	kv("ISSUEOPS_PRIVATE_KEY_PATH", pemPath)
	kv("ISSUEOPS_WEBHOOK_SECRET", c.webhookSecret)
	kv("ISSUEOPS_GITHUB_CLIENT_ID", c.clientID)
	kv("ISSUEOPS_GITHUB_CLIENT_SECRET", c.clientSecret)
	if withSlash(githubURL) != defaultGitHubURL {
		kv("ISSUEOPS_GITHUB_URL", withSlash(githubURL))
	}
	return []byte(b.String())
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:@%+=,-]+$`)

// shellQuote leaves safe values bare and single-quotes the rest.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func withSlash(u string) string {
	if !strings.HasSuffix(u, "/") {
		return u + "/"
	}
	return u
}
