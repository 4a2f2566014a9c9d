package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/issueops/issueops/app/github/githubtest"
	"github.com/issueops/issueops/app/store/storetest"
	"github.com/issueops/issueops/handlers"
)

// TestMain doubles as the issueops binary for the subprocess tests (crash,
// shutdown): with ISSUEOPS_TEST_MAIN=1 it runs main instead of the tests.
// After the tests it scans every log line the suite produced for secrets.
func TestMain(m *testing.M) {
	if os.Getenv("ISSUEOPS_TEST_MAIN") == "1" {
		main()
		return
	}
	code := m.Run()
	if code == 0 {
		code = scanSuiteLogs()
	}
	os.Exit(code)
}

// suiteLogs collects the logs of every server the tests run, in process or
// as a subprocess; suiteSecrets the credentials they were given.
var (
	suiteLogs    syncBuffer
	suiteSecrets sync.Map
)

func rememberSecret(s string) string {
	suiteSecrets.Store(s, true)
	return s
}

// credentialPatterns are shapes of credentials that must never be logged,
// whatever test produced them: installation tokens, JWTs, PEM keys.
var credentialPatterns = regexp.MustCompile(`ghs_[A-Za-z0-9]{8,}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+|-----BEGIN [A-Z ]*PRIVATE KEY`)

func scanSuiteLogs() int {
	logs := suiteLogs.String()
	bad := 0
	suiteSecrets.Range(func(k, _ any) bool {
		if secret := k.(string); strings.Contains(logs, secret) {
			fmt.Fprintf(os.Stderr, "FAIL: a secret given to the server appears in its logs (%d bytes of logs scanned)\n", len(logs))
			bad++
		}
		return true
	})
	if m := credentialPatterns.FindString(logs); m != "" {
		fmt.Fprintf(os.Stderr, "FAIL: a credential-shaped string appears in the logs: %.12s…\n", m)
		bad++
	}
	if bad > 0 {
		return 1
	}
	fmt.Fprintf(os.Stderr, "log scan: %d bytes of server logs, no secret, token, JWT or private key found\n", len(logs))
	return 0
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is an in-process issueops serve on a loopback port, with the fake
// GitHub it talks to.
type server struct {
	t      testing.TB
	url    string
	secret string
	dbURL  string
	fake   *githubtest.Server
	logs   *syncBuffer
	stop   func()
}

type serverOption func(*config)

func startServer(t testing.TB, fake *githubtest.Server, opts ...serverOption) *server {
	t.Helper()
	secret := rememberSecret(fmt.Sprintf("whsec-%d", time.Now().UnixNano()))
	cfg := config{
		databaseURL:     storetest.SQLiteURL(t),
		webhookSecret:   secret,
		githubToken:     rememberSecret("test-token-" + t.Name()),
		githubURL:       fake.URL,
		commandPrefix:   "/",
		workers:         8,
		jobTimeout:      10 * time.Second,
		shutdownTimeout: 10 * time.Second,
		githubTimeout:   2 * time.Second,
		retryBase:       50 * time.Millisecond,
	}
	for _, o := range opts {
		o(&cfg)
	}
	addr := "127.0.0.1:0"
	if cfg.addr != "" { // a restart on the address of an earlier server
		addr = cfg.addr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(io.MultiWriter(logs, &suiteLogs), &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, ln, logger) }()
	s := &server{t: t, url: "http://" + ln.Addr().String(), secret: secret, dbURL: cfg.databaseURL, fake: fake, logs: logs}
	s.stop = sync.OnceFunc(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("serve did not stop")
		}
	})
	t.Cleanup(s.stop)
	waitReady(t, s.url)
	return s
}

// waitReady waits until the server at url answers /readyz with 200.
func waitReady(t testing.TB, url string) {
	t.Helper()
	waitFor(t, "server ready", func() bool {
		resp, err := http.Get(url + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
}

func newFake(t testing.TB, opts githubtest.Options) *githubtest.Server {
	if opts.Tokens == nil {
		opts.Tokens = []string{"test-token-" + t.Name()}
	}
	fake := githubtest.New(opts)
	t.Cleanup(fake.Close)
	return fake
}

// comment describes an issue_comment delivery.
type comment struct {
	id         int64
	issue      int
	body       string
	action     string // default created
	login      string // default octocat
	senderType string // default User
	install    int64
}

func (c comment) payload() []byte {
	action, login, kind := orDefault(c.action, "created"), orDefault(c.login, "octocat"), orDefault(c.senderType, "User")
	issue := c.issue
	if issue == 0 {
		issue = 1
	}
	install := ""
	if c.install != 0 {
		install = fmt.Sprintf(`,"installation":{"id":%d}`, c.install)
	}
	return fmt.Appendf(nil, `{"action":%q,"issue":{"number":%d,"title":"t","user":{"login":"octocat","type":"User"}},`+
		`"comment":{"id":%d,"body":%q,"user":{"login":%q,"type":%q},"author_association":"OWNER"},`+
		`"repository":{"id":%d,"name":"api","full_name":"acme/api","owner":{"login":"acme","type":"Organization"}},`+
		`"sender":{"login":%q,"type":%q}%s}`, action, issue, c.id, c.body, login, kind, apiRepoID, login, kind, install)
}

// apiRepoID is acme/api's id in the fake GitHub: the deliveries the tests
// build carry it, like the events the fake sends itself.
var apiRepoID = githubtest.RepoID("acme", "api")

// orDefault is v, or def when v is empty.
func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

var deliverySeq struct {
	sync.Mutex
	n int
}

func nextDeliveryID() string {
	deliverySeq.Lock()
	defer deliverySeq.Unlock()
	deliverySeq.n++
	return fmt.Sprintf("d-%d-%d", time.Now().UnixNano(), deliverySeq.n)
}

// post sends a delivery signed with the server's secret and returns the status.
func (s *server) post(event, id string, body []byte) int {
	return s.postSigned(event, id, body, handlers.Sign([]byte(s.secret), body))
}

func (s *server) postSigned(event, id string, body []byte, signature string) int {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.url+"/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", id)
	if signature != "" {
		req.Header.Set("X-Hub-Signature-256", signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("post delivery: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func (s *server) comment(c comment) int {
	return s.post("issue_comment", nextDeliveryID(), c.payload())
}

func (s *server) metrics() string {
	resp, err := http.Get(s.url + "/metrics")
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// replies are the comments on an issue of acme/api.
func replies(fake *githubtest.Server, issue int) []githubtest.Comment {
	return fake.Comments("acme", "api", issue)
}

// appFake is a fake GitHub that knows App 4242 ("issueops-e2e") and the path
// of that App's private key, for servers in App mode.
func appFake(t *testing.T) (*githubtest.Server, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	rememberSecret(string(pemBytes))
	keyPath := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(keyPath, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return newFake(t, githubtest.Options{AppID: 4242, AppSlug: "issueops-e2e", AppPublicKey: &key.PublicKey}), keyPath
}
