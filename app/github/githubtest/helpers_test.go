package githubtest_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v4"

	"github.com/issueops/issueops/app/github/githubtest"
)

const (
	testAppID    = 4242
	testSlug     = "issueops-dev"
	staticToken  = "ghp_statictoken"
	testInstall  = int64(777)
	ownerRepo    = "repos/acme/widgets"
	commentRoute = "POST /repos/{owner}/{repo}/issues/{issue_number}/comments"
)

// testKey is generated once: RSA key generation is slow under -race.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// newServer starts a fake with the test App and a static token.
func newServer(t *testing.T, mod ...func(*githubtest.Options)) *githubtest.Server {
	t.Helper()
	opts := githubtest.Options{
		Tokens:       []string{staticToken},
		AppID:        testAppID,
		AppSlug:      testSlug,
		AppPublicKey: &testKey().PublicKey,
	}
	for _, m := range mod {
		m(&opts)
	}
	s := githubtest.New(opts)
	t.Cleanup(s.Close)
	return s
}

// signJWT signs an App JWT with the given claims using key.
func signJWT(t *testing.T, key *rsa.PrivateKey, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// appJWT is a valid JWT as ghinstallation makes it.
func appJWT(t *testing.T) string {
	now := time.Now()
	return signJWT(t, testKey(), jwt.MapClaims{
		"iat": now.Add(-30 * time.Second).Unix(),
		"exp": now.Add(2 * time.Minute).Unix(),
		"iss": "4242",
	})
}

type result struct {
	status int
	header http.Header
	body   []byte
	accept string // the Accept sent, when not the default JSON one
}

func (r result) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

func (r result) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.json(t, &m)
	return m
}

// do sends one request; auth is the whole Authorization value ("" = none).
func do(t *testing.T, s *githubtest.Server, method, path, auth, body string) result {
	t.Helper()
	res, err := send(http.DefaultClient, s, method, path, auth, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return res
}

// doWith is do with extra request headers (Accept, If-None-Match...).
func doWith(t *testing.T, s *githubtest.Server, method, path, auth, body string, hdr map[string]string) result {
	t.Helper()
	res, err := sendWith(http.DefaultClient, s, method, path, auth, body, hdr)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return res
}

func send(c *http.Client, s *githubtest.Server, method, path, auth, body string) (result, error) {
	return sendWith(c, s, method, path, auth, body, nil)
}

func sendWith(c *http.Client, s *githubtest.Server, method, path, auth, body string, hdr map[string]string) (result, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+strings.TrimPrefix(path, "/"), rd)
	if err != nil {
		return result{}, err
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	res := result{status: resp.StatusCode, header: resp.Header, body: b}
	if a := req.Header.Get("Accept"); a != "application/vnd.github+json" {
		res.accept = a
	}
	return res, err
}

// installToken obtains an installation token through the App endpoint.
func installToken(t *testing.T, s *githubtest.Server) string {
	t.Helper()
	r := do(t, s, "POST", "app/installations/777/access_tokens", "Bearer "+appJWT(t), "")
	if r.status != http.StatusCreated {
		t.Fatalf("access token: %d %s", r.status, r.body)
	}
	var tok struct{ Token string }
	r.json(t, &tok)
	return "token " + tok.Token
}

func wantStatus(t *testing.T, r result, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body %s", r.status, want, r.body)
	}
}

func wantMessage(t *testing.T, r result, status int, msg string) {
	t.Helper()
	wantStatus(t, r, status)
	if got := r.object(t)["message"]; got != msg {
		t.Fatalf("message %q, want %q", got, msg)
	}
}

func mustKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
