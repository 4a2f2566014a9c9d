package github

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	gh "github.com/google/go-github/v60/github"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/github/githubtest"
)

const (
	testToken = "t"
	testAppID = 7
	testSlug  = "issueops-test"

	routeReact    = "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions"
	routeComment  = "POST /repos/{owner}/{repo}/issues/{issue_number}/comments"
	routeList     = "GET /repos/{owner}/{repo}/issues/{issue_number}/comments"
	routeUser     = "GET /user"
	routeApp      = "GET /app"
	routeAppToken = "POST /app/installations/{installation_id}/access_tokens"
)

var testRepo = app.Repo{Owner: "acme", Name: "widgets"}

// testKey is generated once, and small: RSA key generation is slow under
// -race, and 1024 bits is the least crypto/rsa allows.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		panic(err)
	}
	return k
})

func testKeyPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(testKey())})
}

// tokenFake starts a fake that accepts the static token "t".
func tokenFake(t *testing.T, mod ...func(*githubtest.Options)) *githubtest.Server {
	t.Helper()
	opts := githubtest.Options{Tokens: []string{testToken}}
	for _, m := range mod {
		m(&opts)
	}
	fake := githubtest.New(opts)
	t.Cleanup(fake.Close)
	return fake
}

// appFake starts a fake that knows the test App.
func appFake(t *testing.T) *githubtest.Server {
	t.Helper()
	fake := githubtest.New(githubtest.Options{AppID: testAppID, AppSlug: testSlug, AppPublicKey: &testKey().PublicKey})
	t.Cleanup(fake.Close)
	return fake
}

func tokenClients(t *testing.T, fake *githubtest.Server, mod ...func(*Config)) *Clients {
	t.Helper()
	cfg := Config{BaseURL: fake.URL, Token: testToken}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func appClients(t *testing.T, fake *githubtest.Server, mod ...func(*Config)) *Clients {
	t.Helper()
	cfg := Config{BaseURL: fake.URL, AppID: testAppID, PrivateKey: testKeyPEM()}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func forInstallation(t *testing.T, c *Clients, id int64) app.GitHub {
	t.Helper()
	g, err := c.ForInstallation(context.Background(), id)
	if err != nil {
		t.Fatalf("ForInstallation(%d): %v", id, err)
	}
	return g
}

func wantTransient(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("no error, want a transient one")
	}
	if errors.Is(err, app.ErrPermanent) {
		t.Fatalf("error %v is permanent, want transient", err)
	}
	var ra *app.RetryAfterError
	if errors.As(err, &ra) {
		t.Fatalf("error %v is a rate limit, want plain transient", err)
	}
}

func wantPermanent(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, app.ErrPermanent) {
		t.Fatalf("error %v, want one wrapping app.ErrPermanent", err)
	}
	var ra *app.RetryAfterError
	if errors.As(err, &ra) {
		t.Fatalf("error %v is also a rate limit", err)
	}
}

func wantRetryAfter(t *testing.T, err error, lo, hi time.Duration) {
	t.Helper()
	var ra *app.RetryAfterError
	if !errors.As(err, &ra) {
		t.Fatalf("error %v (%T), want *app.RetryAfterError", err, err)
	}
	if ra.Delay < lo || ra.Delay > hi {
		t.Fatalf("Delay %v, want within [%v, %v]", ra.Delay, lo, hi)
	}
	if errors.Is(err, app.ErrPermanent) {
		t.Fatalf("rate limit %v must not be permanent", err)
	}
	if ra.Err == nil {
		t.Fatal("RetryAfterError without its cause")
	}
}

func TestAddCommentReaction(t *testing.T) {
	fake := tokenFake(t)
	g := forInstallation(t, tokenClients(t, fake), 0)
	ctx := context.Background()
	c := fake.SeedComment("acme", "widgets", 3, "octocat", "/help")

	for range 2 { // GitHub answers 200 with the existing reaction the second time
		if err := g.AddCommentReaction(ctx, testRepo, c.ID, app.ReactionEyes); err != nil {
			t.Fatalf("AddCommentReaction: %v", err)
		}
	}
	if err := g.AddCommentReaction(ctx, testRepo, c.ID, app.ReactionRocket); err != nil {
		t.Fatalf("AddCommentReaction rocket: %v", err)
	}
	got := fake.Reactions("acme", "widgets", c.ID)
	if len(got) != 2 || got[0].Content != "eyes" || got[1].Content != "rocket" || got[0].UserLogin != "issueops-test" {
		t.Fatalf("reactions %+v, want eyes then rocket by issueops-test", got)
	}
	reqs := fake.RequestsTo(routeReact)
	if len(reqs) != 3 || reqs[0].Status != 201 || reqs[1].Status != 200 || reqs[2].Status != 201 {
		t.Fatalf("requests %+v", reqs)
	}
	if p := reqs[0].Path; p != fmt.Sprintf("/repos/acme/widgets/issues/comments/%d/reactions", c.ID) {
		t.Fatalf("path %q", p)
	}
	if a := reqs[0].Header.Get("Authorization"); a != "Bearer t" {
		t.Fatalf("Authorization %q", a)
	}
}

func TestCreateComment(t *testing.T) {
	fake := tokenFake(t)
	g := forInstallation(t, tokenClients(t, fake), 0)
	body := "Deployed `v1.2.3` ✓\r\n\n<!-- issueops:reply-to=5 -->"
	if _, err := g.CreateComment(context.Background(), testRepo, 12, body); err != nil {
		t.Fatalf("CreateComment: %v", err)
	}
	got := fake.Comments("acme", "widgets", 12)
	if len(got) != 1 || got[0].Body != body || got[0].UserLogin != "issueops-test" || got[0].UserType != "User" {
		t.Fatalf("comments %+v", got)
	}
	if reqs := fake.RequestsTo(routeComment); len(reqs) != 1 || reqs[0].Status != 201 {
		t.Fatalf("requests %+v", reqs)
	}
}

func TestFindCommentPaginates(t *testing.T) {
	fake := tokenFake(t)
	g := forInstallation(t, tokenClients(t, fake), 0)
	ctx := context.Background()
	const marker = "<!-- issueops:reply-to=4242 -->"
	for i := range 250 {
		body := fmt.Sprintf("comment %d", i+1)
		author := "octocat"
		switch i {
		case 10: // the marker pasted by someone else never counts
			body = "copied\n\n" + marker
		case 229: // page 3 at 100 a page, by the app's own user
			body, author = "the reply\n\n"+marker, "issueops-test"
		}
		fake.SeedComment("acme", "widgets", 7, author, body)
	}
	since := time.Now().Add(-time.Hour)

	_, found, err := g.FindComment(ctx, testRepo, 7, marker, since)
	if err != nil || !found {
		t.Fatalf("FindComment = %v, %v; want true", found, err)
	}
	reqs := fake.RequestsTo(routeList)
	if len(reqs) != 3 {
		t.Fatalf("%d list requests, want 3 (pages 1-3)", len(reqs))
	}
	for i, r := range reqs {
		wantPage := "" // the first request asks for no page
		if i > 0 {
			wantPage = strconv.Itoa(i + 1)
		}
		if r.Query.Get("page") != wantPage || r.Query.Get("per_page") != "100" || r.Query.Get("since") == "" {
			t.Fatalf("request %d query %v", i, r.Query)
		}
	}

	fake.Reset()
	for i := range 250 {
		fake.SeedComment("acme", "widgets", 7, "octocat", fmt.Sprintf("comment %d", i+1))
	}
	_, found, err = g.FindComment(ctx, testRepo, 7, marker, since)
	if err != nil || found {
		t.Fatalf("FindComment without the marker = %v, %v; want false", found, err)
	}
	if n := len(fake.RequestsTo(routeList)); n != 3 {
		t.Fatalf("%d list requests, want every page read", n)
	}

	_, found, err = g.FindComment(ctx, testRepo, 8, marker, since)
	if err != nil || found {
		t.Fatalf("FindComment on an issue without comments = %v, %v", found, err)
	}
}

func TestFindCommentSince(t *testing.T) {
	fake := tokenFake(t)
	g := forInstallation(t, tokenClients(t, fake), 0)
	ctx := context.Background()
	const oldMarker, newMarker = "<!-- old -->", "<!-- new -->"
	old := fake.SeedComment("acme", "widgets", 9, "issueops-test", "before "+oldMarker)
	// GitHub compares at one-second resolution: start the window on the next
	// whole second so the old comment is certainly outside it.
	boundary := old.UpdatedAt.Truncate(time.Second).Add(time.Second)
	time.Sleep(time.Until(boundary) + 20*time.Millisecond)
	fake.SeedComment("acme", "widgets", 9, "issueops-test", "after "+newMarker)

	for _, c := range []struct {
		marker string
		since  time.Time
		want   bool
	}{
		{oldMarker, boundary, false},
		{newMarker, boundary, true},
		{oldMarker, boundary.Add(-time.Second), true},
		{oldMarker, time.Time{}, true},
		{newMarker, time.Now().Add(time.Hour), false},
	} {
		_, found, err := g.FindComment(ctx, testRepo, 9, c.marker, c.since)
		if err != nil || found != c.want {
			t.Errorf("FindComment(%q, since %v) = %v, %v; want %v", c.marker, c.since, found, err, c.want)
		}
	}
}

func TestSelfTokenMode(t *testing.T) {
	fake := tokenFake(t, func(o *githubtest.Options) { o.Login = "ops-robot" })
	clients := tokenClients(t, fake)
	for _, id := range []int64{0, 0, 99} { // token mode: one identity whatever the installation
		login, err := forInstallation(t, clients, id).Self(context.Background())
		if err != nil || login != "ops-robot" {
			t.Fatalf("Self = %q, %v; want ops-robot", login, err)
		}
	}
	if n := len(fake.RequestsTo(routeUser)); n != 1 {
		t.Fatalf("%d GET /user, want 1 (the login is learnt once)", n)
	}
}

func TestSelfAppMode(t *testing.T) {
	fake := appFake(t)
	clients := appClients(t, fake)
	for _, id := range []int64{42, 43} {
		login, err := forInstallation(t, clients, id).Self(context.Background())
		if err != nil || login != "issueops-test[bot]" {
			t.Fatalf("Self = %q, %v; want issueops-test[bot]", login, err)
		}
	}
	reqs := fake.RequestsTo(routeApp)
	if len(reqs) != 1 || reqs[0].Status != 200 {
		t.Fatalf("GET /app requests %+v, want one 200", reqs)
	}
	if a := reqs[0].Header.Get("Authorization"); !strings.HasPrefix(a, "Bearer ey") {
		t.Fatalf("GET /app Authorization %q, want the App JWT", a)
	}
	// Self needs no installation token.
	if n := fake.TokensIssued(42) + fake.TokensIssued(43); n != 0 {
		t.Fatalf("%d installation tokens issued for Self", n)
	}
}

func TestAppModeCachesInstallationToken(t *testing.T) {
	fake := appFake(t)
	clients := appClients(t, fake)
	ctx := context.Background()
	c := fake.SeedComment("acme", "widgets", 1, "octocat", "/help")

	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 20 {
		wg.Go(func() {
			g, err := clients.ForInstallation(ctx, 42)
			if err != nil {
				errs <- err
				return
			}
			if i%2 == 0 {
				errs <- g.AddCommentReaction(ctx, testRepo, c.ID, app.ReactionEyes)
			} else {
				_, err := g.CreateComment(ctx, testRepo, 1, fmt.Sprintf("reply %d", i))
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("call: %v", err)
		}
	}
	if n := fake.TokensIssued(42); n != 1 {
		t.Fatalf("TokensIssued(42) = %d after 20 calls, want 1", n)
	}
	g42a, g42b := forInstallation(t, clients, 42), forInstallation(t, clients, 42)
	if g42a != g42b {
		t.Fatal("ForInstallation made a second client for the same installation")
	}

	g43 := forInstallation(t, clients, 43)
	for range 3 {
		if _, err := g43.CreateComment(ctx, app.Repo{Owner: "other", Name: "repo"}, 2, "from 43"); err != nil {
			t.Fatalf("CreateComment as 43: %v", err)
		}
	}
	if n := fake.TokensIssued(43); n != 1 {
		t.Fatalf("TokensIssued(43) = %d, want 1", n)
	}
	if n := fake.TokensIssued(42); n != 1 {
		t.Fatalf("TokensIssued(42) = %d after installation 43 worked, want still 1", n)
	}

	auth := map[string]map[string]bool{} // repo → Authorization values seen
	for _, r := range fake.Requests() {
		if strings.HasPrefix(r.Path, "/repos/") {
			repo := strings.Join(strings.Split(r.Path, "/")[2:4], "/")
			if auth[repo] == nil {
				auth[repo] = map[string]bool{}
			}
			auth[repo][r.Header.Get("Authorization")] = true
		}
	}
	if len(auth["acme/widgets"]) != 1 || len(auth["other/repo"]) != 1 {
		t.Fatalf("Authorization values per installation: %v, want one each", auth)
	}
	for a := range auth["acme/widgets"] {
		if auth["other/repo"][a] {
			t.Fatalf("installations 42 and 43 share the token %q", a)
		}
		if !strings.HasPrefix(a, "token ghs_") {
			t.Fatalf("Authorization %q, want an installation token", a)
		}
	}
	for _, cm := range fake.Comments("acme", "widgets", 1) {
		if cm.UserLogin == "octocat" {
			continue
		}
		if cm.UserLogin != "issueops-test[bot]" || cm.UserType != "Bot" {
			t.Fatalf("comment by %q (%s), want issueops-test[bot]", cm.UserLogin, cm.UserType)
		}
	}
}

func TestForInstallation(t *testing.T) {
	fake := appFake(t)
	_, err := appClients(t, fake).ForInstallation(context.Background(), 0)
	wantPermanent(t, err)

	tc := tokenClients(t, tokenFake(t))
	if forInstallation(t, tc, 0) != forInstallation(t, tc, 12345) {
		t.Fatal("token mode: installations must share the token's client")
	}
}

func TestNewConfig(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"token", Config{Token: "x"}, true},
		{"app", Config{AppID: 1, PrivateKey: testKeyPEM()}, true},
		{"no credentials", Config{}, false},
		{"app without key", Config{AppID: 1}, false},
		{"key without app id", Config{PrivateKey: testKeyPEM()}, false},
		{"bad key", Config{AppID: 1, PrivateKey: []byte("-----BEGIN RSA PRIVATE KEY-----\nnope\n-----END RSA PRIVATE KEY-----\n")}, false},
		{"ftp URL", Config{BaseURL: "ftp://example.com/", Token: "x"}, false},
		{"no host", Config{BaseURL: "https:///api/v3/", Token: "x"}, false},
		{"relative URL", Config{BaseURL: "api.github.com", Token: "x"}, false},
		{"GHE URL", Config{BaseURL: "https://ghe.example.com/api/v3", Token: "x"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := New(c.cfg)
			if (err == nil) != c.ok {
				t.Fatalf("New err = %v, want ok=%v", err, c.ok)
			}
			if err != nil {
				return
			}
			if !strings.HasSuffix(got.baseURL.Path, "/") {
				t.Fatalf("base URL %q must end in /", got.baseURL)
			}
			if got.cfg.Timeout != 15*time.Second {
				t.Fatalf("default timeout %v", got.cfg.Timeout)
			}
		})
	}
	c, err := New(Config{Token: "x"})
	if err != nil || c.baseURL.String() != "https://api.github.com/" {
		t.Fatalf("default base URL: %v, %v", c, err)
	}
}

// TestFaultClassification runs each fault the fake can inject through the
// real client and checks the kind of error the app sees. Each case has its own
// fake and Clients: go-github refuses requests client-side for a while after
// a rate limit.
func TestFaultClassification(t *testing.T) {
	for _, c := range []struct {
		name    string
		fault   githubtest.Fault
		timeout time.Duration
		check   func(t *testing.T, err error, elapsed time.Duration)
	}{
		{"500", githubtest.Fault{Kind: githubtest.Status500}, 0, transientCheck},
		{"502", githubtest.Fault{Kind: githubtest.Status502}, 0, transientCheck},
		{"503", githubtest.Fault{Kind: githubtest.Status503}, 0, transientCheck},
		{"timeout", githubtest.Fault{Kind: githubtest.Timeout, Hold: 10 * time.Second}, 300 * time.Millisecond,
			func(t *testing.T, err error, elapsed time.Duration) {
				wantTransient(t, err)
				if elapsed > 3*time.Second {
					t.Fatalf("request returned after %v; the 300ms client timeout should have cut it", elapsed)
				}
			}},
		{"dropped response", githubtest.Fault{Kind: githubtest.DropAfterWrite}, 0, transientCheck},
		{"primary rate limit", githubtest.Fault{Kind: githubtest.PrimaryRateLimit, Reset: 30 * time.Second}, 0,
			retryCheck(28*time.Second, 32*time.Second)},
		{"secondary 403 with Retry-After", githubtest.Fault{Kind: githubtest.SecondaryRateLimit403, RetryAfter: 7 * time.Second}, 0,
			retryCheck(7*time.Second, 7*time.Second)},
		{"secondary 403 without Retry-After", githubtest.Fault{Kind: githubtest.SecondaryRateLimit403}, 0,
			retryCheck(60*time.Second, time.Hour)},
		{"429 with Retry-After", githubtest.Fault{Kind: githubtest.TooMany429, RetryAfter: 3 * time.Second}, 0,
			retryCheck(3*time.Second, 3*time.Second)},
		{"429 without Retry-After", githubtest.Fault{Kind: githubtest.TooMany429}, 0,
			retryCheck(60*time.Second, time.Hour)},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			fake := tokenFake(t)
			g := forInstallation(t, tokenClients(t, fake, func(cfg *Config) { cfg.Timeout = c.timeout }), 0)
			f := c.fault
			f.Route = routeReact
			fake.Inject(f)
			start := time.Now()
			err := g.AddCommentReaction(context.Background(), testRepo, 5, app.ReactionEyes)
			c.check(t, err, time.Since(start))
			if n := len(fake.RequestsTo(routeReact)); n != 1 {
				t.Fatalf("%d requests reached the fake, want 1 (no hidden retries)", n)
			}
		})
	}
}

func transientCheck(t *testing.T, err error, _ time.Duration) { wantTransient(t, err) }

func retryCheck(lo, hi time.Duration) func(*testing.T, error, time.Duration) {
	return func(t *testing.T, err error, _ time.Duration) { wantRetryAfter(t, err, lo, hi) }
}

// After a primary rate limit go-github refuses further requests itself until
// the reset; those refusals must still be rate limits, not permanent errors.
func TestPrimaryRateLimitBlocksClientSide(t *testing.T) {
	fake := tokenFake(t)
	g := forInstallation(t, tokenClients(t, fake), 0)
	fake.Inject(githubtest.Fault{Kind: githubtest.PrimaryRateLimit, Reset: 30 * time.Second})
	ctx := context.Background()
	wantRetryAfter(t, secondErr(g.CreateComment(ctx, testRepo, 1, "x")), 28*time.Second, 32*time.Second)
	wantRetryAfter(t, secondErr(g.CreateComment(ctx, testRepo, 1, "x")), 27*time.Second, 32*time.Second)
	if n := len(fake.RequestsTo(routeComment)); n != 1 {
		t.Fatalf("%d requests reached the fake, want 1", n)
	}
}

func TestPermanentErrors(t *testing.T) {
	fake := tokenFake(t)
	g := forInstallation(t, tokenClients(t, fake), 0)
	ctx := context.Background()
	elsewhere := fake.SeedComment("someone", "else", 1, "octocat", "hi")

	t.Run("404 reaction on a comment of another repository", func(t *testing.T) {
		wantPermanent(t, g.AddCommentReaction(ctx, testRepo, elsewhere.ID, app.ReactionEyes))
	})
	t.Run("404 comment on an issue GitHub cannot have", func(t *testing.T) {
		wantPermanent(t, secondErr(g.CreateComment(ctx, testRepo, 1<<40, "x")))
	})
	t.Run("404 list comments of an issue GitHub cannot have", func(t *testing.T) {
		_, _, err := g.FindComment(ctx, testRepo, 1<<40, "x", time.Time{})
		wantPermanent(t, err)
	})
	t.Run("422 invalid reaction content", func(t *testing.T) {
		wantPermanent(t, g.AddCommentReaction(ctx, testRepo, 5, "smile"))
	})
	t.Run("422 empty comment", func(t *testing.T) {
		wantPermanent(t, secondErr(g.CreateComment(ctx, testRepo, 1, "")))
	})
	for _, r := range fake.Requests() {
		if r.Route == "GET /user" {
			continue // FindComment learns the app's own login first
		}
		if r.Status != 404 && r.Status != 422 {
			t.Errorf("%s %s answered %d", r.Method, r.Path, r.Status)
		}
	}
}

func TestBadCredentialsAreTransient(t *testing.T) {
	// A 401 is what an installation token that expired a moment ago gets: retry.
	fake := tokenFake(t)
	g := forInstallation(t, tokenClients(t, fake, func(c *Config) { c.Token = "wrong" }), 0)
	wantTransient(t, secondErr(g.CreateComment(context.Background(), testRepo, 1, "x")))
	if _, err := g.Self(context.Background()); err == nil || errors.Is(err, app.ErrPermanent) {
		t.Fatalf("Self with a bad token: %v, want transient", err)
	}
}

func TestAppModeTokenFaults(t *testing.T) {
	for _, c := range []struct {
		name  string
		fault githubtest.Fault
		check func(t *testing.T, err error)
	}{
		{"502", githubtest.Fault{Kind: githubtest.Status502}, func(t *testing.T, err error) { wantTransient(t, err) }},
		{"primary rate limit", githubtest.Fault{Kind: githubtest.PrimaryRateLimit, Reset: 30 * time.Second},
			func(t *testing.T, err error) { wantRetryAfter(t, err, 28*time.Second, 32*time.Second) }},
		{"429", githubtest.Fault{Kind: githubtest.TooMany429, RetryAfter: 3 * time.Second},
			func(t *testing.T, err error) { wantRetryAfter(t, err, 3*time.Second, 3*time.Second) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			fake := appFake(t)
			g := forInstallation(t, appClients(t, fake), 42)
			f := c.fault
			f.Route = routeAppToken
			fake.Inject(f)
			c.check(t, secondErr(g.CreateComment(context.Background(), testRepo, 1, "x")))
			// The next call gets a token and succeeds.
			if _, err := g.CreateComment(context.Background(), testRepo, 1, "x"); err != nil {
				t.Fatalf("after the fault: %v", err)
			}
			if n := fake.TokensIssued(42); n != 1 {
				t.Fatalf("TokensIssued = %d, want 1", n)
			}
		})
	}
}

// recordingMetrics is a RequestMetrics that remembers every observation.
type recordingMetrics struct {
	mu  sync.Mutex
	got []observation
}

type observation struct {
	route  string
	status int
}

func (m *recordingMetrics) GitHubRequest(route string, status int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.got = append(m.got, observation{route, status})
}

func (m *recordingMetrics) take() []observation {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.got
	m.got = nil
	return out
}

func TestMetricsTransport(t *testing.T) {
	fake := tokenFake(t)
	metrics := &recordingMetrics{}
	g := forInstallation(t, tokenClients(t, fake, func(c *Config) { c.Metrics = metrics }), 0)
	ctx := context.Background()

	if err := g.AddCommentReaction(ctx, testRepo, 77, app.ReactionEyes); err != nil {
		t.Fatal(err)
	}
	if err := g.AddCommentReaction(ctx, testRepo, 77, app.ReactionEyes); err != nil {
		t.Fatal(err)
	}
	if _, err := g.CreateComment(ctx, testRepo, 3, "hi"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := g.FindComment(ctx, testRepo, 3, "nope", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Self(ctx); err != nil {
		t.Fatal(err)
	}
	fake.Inject(githubtest.Fault{Route: routeReact, Kind: githubtest.DropAfterWrite})
	wantTransient(t, g.AddCommentReaction(ctx, testRepo, 78, app.ReactionEyes))
	fake.Inject(githubtest.Fault{Route: routeComment, Kind: githubtest.Status503})
	wantTransient(t, secondErr(g.CreateComment(ctx, testRepo, 3, "hi")))

	want := []observation{
		{"POST /repos/{owner}/{repo}/issues/comments/{n}/reactions", 201},
		{"POST /repos/{owner}/{repo}/issues/comments/{n}/reactions", 200},
		{"POST /repos/{owner}/{repo}/issues/{n}/comments", 201},
		{"GET /user", 200}, // FindComment learns the app's login, once
		{"GET /repos/{owner}/{repo}/issues/{n}/comments", 200},
		{"POST /repos/{owner}/{repo}/issues/comments/{n}/reactions", 0},
		{"POST /repos/{owner}/{repo}/issues/{n}/comments", 503},
	}
	wantObservations(t, metrics, want)
}

func TestMetricsTransportAppMode(t *testing.T) {
	fake := appFake(t)
	metrics := &recordingMetrics{}
	clients := appClients(t, fake, func(c *Config) { c.Metrics = metrics })
	g := forInstallation(t, clients, 42)
	if _, err := g.Self(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := g.CreateComment(context.Background(), testRepo, 3, "hi"); err != nil {
		t.Fatal(err)
	}
	want := []observation{
		{"GET /app", 200},
		{"POST /app/installations/{n}/access_tokens", 201},
		{"POST /repos/{owner}/{repo}/issues/{n}/comments", 201},
	}
	wantObservations(t, metrics, want)
}

func wantObservations(t *testing.T, metrics *recordingMetrics, want []observation) {
	t.Helper()
	if got := metrics.take(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("observations\n got %v\nwant %v", got, want)
	}
}

func TestRouteTemplate(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"/repos/acme/api/issues/12/comments", "/repos/{owner}/{repo}/issues/{n}/comments"},
		{"/repos/acme/api/issues/comments/1234567890/reactions", "/repos/{owner}/{repo}/issues/comments/{n}/reactions"},
		{"/repos/acme/api/issues/12/reactions", "/repos/{owner}/{repo}/issues/{n}/reactions"},
		{"/repos/acme/api/issues/comments/99", "/repos/{owner}/{repo}/issues/comments/{n}"},
		{"/repos/123/456/issues/7", "/repos/{owner}/{repo}/issues/{n}"},
		{"/repos/acme", "/repos/{owner}"},
		{"/repos/acme/api/", "/repos/{owner}/{repo}"},
		{"/repos", "/repos"},
		// GitHub Enterprise Server's API prefix is dropped.
		{"/api/v3/repos/acme/api/issues/12/comments", "/repos/{owner}/{repo}/issues/{n}/comments"},
		{"/api/v3/app/installations/42/access_tokens", "/app/installations/{n}/access_tokens"},
		{"/api/v3/user", "/user"},
		{"/api/v3", "/"},
		{"/api/v3/", "/"},
		// ...but only as a whole segment.
		{"/api/v3foo/bar", "/api/v3foo/bar"},
		{"/api/v30/7", "/api/v30/{n}"},
		// Users and organizations.
		{"/users/octocat", "/users/{owner}"},
		{"/users/octocat/repos", "/users/{owner}/repos"},
		{"/users/12345", "/users/{owner}"},
		{"/orgs/acme", "/orgs/{owner}"},
		{"/orgs/acme/installation", "/orgs/{owner}/installation"},
		{"/orgs/acme/teams/ops", "/orgs/{owner}/teams/ops"},
		// Logins, which would make a series per person.
		{"/repos/acme/api/collaborators/octocat/permission", "/repos/{owner}/{repo}/collaborators/{username}/permission"},
		{"/orgs/acme/teams/ops/memberships/octocat", "/orgs/{owner}/teams/ops/memberships/{username}"},
		{"/orgs/acme/teams/ops/memberships/12345", "/orgs/{owner}/teams/ops/memberships/{username}"},
		{"/repos/acme/collaborators/issues/1", "/repos/{owner}/{repo}/issues/{n}"},
		// Numbers, wherever they are.
		{"/app/installations/42/access_tokens", "/app/installations/{n}/access_tokens"},
		{"/repositories/123456/issues/1", "/repositories/{n}/issues/{n}"},
		{"/repos/a/b/issues/99999999999999999999999999", "/repos/{owner}/{repo}/issues/{n}"},
		{"/repos/a/b/issues/007", "/repos/{owner}/{repo}/issues/{n}"},
		{"/repos/a/b/issues/-1", "/repos/{owner}/{repo}/issues/-1"},
		{"/gists/abc123", "/gists/abc123"},
		{"/app", "/app"},
		{"/user", "/user"},
		{"/", "/"},
		{"", "/"},
	} {
		if got := RouteTemplate(c.in); got != c.want {
			t.Errorf("RouteTemplate(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRateLimitDelay(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	reset := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	for _, c := range []struct {
		name    string
		status  int
		h       http.Header
		msg     string
		want    time.Duration
		limited bool
	}{
		{"200 is no limit", 200, hdr("Retry-After", "5"), "", 0, false},
		{"404 is no limit", 404, hdr(), "rate limit", 0, false},
		{"500 is no limit", 500, hdr("Retry-After", "5"), "", 0, false},
		{"403 without permission is no limit", 403, hdr(), "Resource not accessible by integration", 0, false},
		{"403 with remaining 1 is no limit", 403, hdr("X-Ratelimit-Remaining", "1", "X-Ratelimit-Reset", reset(time.Minute)), "Forbidden", 0, false},
		{"403 Retry-After", 403, hdr("Retry-After", "7"), "", 7 * time.Second, true},
		{"429 Retry-After", 429, hdr("Retry-After", "3"), "", 3 * time.Second, true},
		{"Retry-After 0 waits a second", 429, hdr("Retry-After", "0"), "", time.Second, true},
		{"Retry-After wins over reset", 403, hdr("Retry-After", "2", "X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", reset(time.Hour)), "", 2 * time.Second, true},
		{"primary: until reset plus a second", 403, hdr("X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", reset(30*time.Second)), "", 31 * time.Second, true},
		{"primary on 429", 429, hdr("X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", reset(10*time.Second)), "", 11 * time.Second, true},
		{"primary: reset passed", 403, hdr("X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", reset(-time.Minute)), "", rateLimitFallback, true},
		{"primary: reset now", 403, hdr("X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", reset(0)), "", rateLimitFallback, true},
		{"primary: no reset", 403, hdr("X-Ratelimit-Remaining", "0"), "", rateLimitFallback, true},
		{"primary: garbage reset", 403, hdr("X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", "soon"), "", rateLimitFallback, true},
		{"primary: reset far away does not wrap", 403, hdr("X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", "100000000000000000"), "", time.Duration(math.MaxInt64), true},
		{"secondary by message", 403, hdr(), "You have exceeded a secondary rate limit", rateLimitFallback, true},
		{"message case-insensitive", 403, hdr(), "API Rate Limit exceeded", rateLimitFallback, true},
		{"bare 429", 429, hdr(), "", rateLimitFallback, true},
		{"garbage Retry-After falls back", 429, hdr("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"), "", rateLimitFallback, true},
		{"negative Retry-After falls back", 403, hdr("Retry-After", "-5"), "rate limit", rateLimitFallback, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, limited := rateLimitDelay(c.status, c.h, c.msg, now)
			if got != c.want || limited != c.limited {
				t.Fatalf("rateLimitDelay = %v, %v; want %v, %v", got, limited, c.want, c.limited)
			}
			if limited && got <= 0 {
				t.Fatalf("a rate limit must ask for a positive wait, got %v", got)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	for _, c := range []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"", 0, false},
		{"7", 7 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"120", 2 * time.Minute, true},
		{"0", time.Second, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"abc", 0, false},
		{"Wed, 21 Oct 2015 07:28:00 GMT", 0, false},
		{"99999999999999", time.Duration(math.MaxInt64) / time.Second * time.Second, true},
		{"9223372036854775807", time.Duration(math.MaxInt64) / time.Second * time.Second, true},
		{"9223372036854775808", 0, false},
	} {
		h := http.Header{}
		if c.value != "" {
			h.Set("Retry-After", c.value)
		}
		got, ok := retryAfter(h)
		if got != c.want || ok != c.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", c.value, got, ok, c.want, c.ok)
		}
	}
}

func TestClassify(t *testing.T) {
	resp := func(status int, kv ...string) *http.Response {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		req, _ := http.NewRequest("POST", "https://api.github.com/repos/a/b/issues/1/comments", nil)
		return &http.Response{StatusCode: status, Header: h, Request: req}
	}
	ghErr := func(status int, msg string, kv ...string) error {
		return &gh.ErrorResponse{Response: resp(status, kv...), Message: msg}
	}
	dur := func(d time.Duration) *time.Duration { return &d }
	plain := errors.New("connection refused")

	if classify(nil) != nil {
		t.Fatal("classify(nil) != nil")
	}
	if got := classify(plain); got != plain {
		t.Fatalf("classify(network error) = %v, want it unchanged", got)
	}
	for _, c := range []struct {
		name  string
		err   error
		check func(*testing.T, error)
	}{
		{"500", ghErr(500, "Server Error"), wantTransient},
		{"502", ghErr(502, "Server Error"), wantTransient},
		{"401", ghErr(401, "Bad credentials"), wantTransient},
		{"304", ghErr(304, ""), wantTransient},
		{"403 no permission", ghErr(403, "Resource not accessible by integration"), wantPermanent},
		{"404", ghErr(404, "Not Found"), wantPermanent},
		{"410", ghErr(410, "Issues are disabled for this repo"), wantPermanent},
		{"422", ghErr(422, "Validation Failed"), wantPermanent},
		{"403 rate-limit message", ghErr(403, "You have exceeded a secondary rate limit."), retryIn(rateLimitFallback, rateLimitFallback)},
		{"429 Retry-After", ghErr(429, "", "Retry-After", "4"), retryIn(4*time.Second, 4*time.Second)},
		{"RateLimitError reset", &gh.RateLimitError{Rate: gh.Rate{Reset: gh.Timestamp{Time: time.Now().Add(10 * time.Second)}}, Response: resp(403)},
			retryIn(10*time.Second, 12*time.Second)},
		{"RateLimitError Retry-After", &gh.RateLimitError{Rate: gh.Rate{Reset: gh.Timestamp{Time: time.Now().Add(time.Hour)}}, Response: resp(403, "Retry-After", "5")},
			retryIn(5*time.Second, 5*time.Second)},
		{"RateLimitError reset passed", &gh.RateLimitError{Rate: gh.Rate{Reset: gh.Timestamp{Time: time.Now().Add(-time.Hour)}}},
			retryIn(rateLimitFallback, rateLimitFallback)},
		{"RateLimitError reset far away", &gh.RateLimitError{Rate: gh.Rate{Reset: gh.Timestamp{Time: time.Unix(1e17, 0)}}},
			retryIn(time.Hour, time.Duration(math.MaxInt64))},
		{"AbuseRateLimitError 7s", &gh.AbuseRateLimitError{Response: resp(403), RetryAfter: dur(7 * time.Second)}, retryIn(7*time.Second, 7*time.Second)},
		{"AbuseRateLimitError 0", &gh.AbuseRateLimitError{Response: resp(403), RetryAfter: dur(0)}, retryIn(rateLimitFallback, rateLimitFallback)},
		{"AbuseRateLimitError none", &gh.AbuseRateLimitError{Response: resp(403)}, retryIn(rateLimitFallback, rateLimitFallback)},
		{"wrapped 404", fmt.Errorf("outer: %w", ghErr(404, "Not Found")), wantPermanent},
		{"token endpoint 404", &url.Error{Op: "Post", URL: "u", Err: &ghinstallation.HTTPError{Message: "m", Response: resp(404)}}, wantPermanent},
		{"token endpoint 500", &url.Error{Op: "Post", URL: "u", Err: &ghinstallation.HTTPError{Message: "m", Response: resp(500)}}, wantTransient},
		{"token endpoint rate limit", &url.Error{Op: "Post", URL: "u", Err: &ghinstallation.HTTPError{Message: "m", Response: resp(403, "Retry-After", "9")}},
			retryIn(9*time.Second, 9*time.Second)},
		{"token endpoint unreachable", &url.Error{Op: "Post", URL: "u", Err: &ghinstallation.HTTPError{Message: "m", RootCause: plain}}, wantTransient},
		{"context deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), wantTransient},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := classify(c.err)
			c.check(t, got)
			if !errors.Is(got, c.err) {
				t.Fatalf("classify lost the cause: %v does not wrap %v", got, c.err)
			}
		})
	}
}

func retryIn(lo, hi time.Duration) func(*testing.T, error) {
	return func(t *testing.T, err error) { t.Helper(); wantRetryAfter(t, err, lo, hi) }
}

func FuzzRouteTemplate(f *testing.F) {
	for _, s := range []string{
		"", "/", "//", "/api/v3", "/api/v3/", "/api/v3/api/v3/1", "/api/v31/2",
		"/repos/acme/api/issues/12/comments", "/repos/1/2/3/4", "/users/1", "/orgs//1",
		"/app/installations/42/access_tokens", "/repos/a/b/issues/comments/18446744073709551616/reactions",
		"/repos/a/b/issues/0x10", "repos/a", "/\x00/1/\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		out := RouteTemplate(path)
		if !strings.HasPrefix(out, "/") {
			t.Fatalf("RouteTemplate(%q) = %q does not start with /", path, out)
		}
		// Every output segment is either a placeholder or an input segment
		// kept as it was; so no numeric segment may be left at all.
		outSegs := strings.Split(strings.TrimPrefix(out, "/"), "/")
		for i, s := range outSegs {
			if isNumber(s) {
				t.Fatalf("RouteTemplate(%q) = %q keeps the number %q (segment %d)", path, out, s, i)
			}
		}
		// Segments are replaced, never added, dropped or merged.
		in := path
		if rest, ok := strings.CutPrefix(in, "/api/v3"); ok && (rest == "" || rest[0] == '/') {
			in = rest
		}
		inSegs := strings.Split(strings.Trim(in, "/"), "/")
		if len(inSegs) != len(outSegs) {
			t.Fatalf("RouteTemplate(%q) = %q: %d segments from %d", path, out, len(outSegs), len(inSegs))
		}
		for i, s := range inSegs {
			if outSegs[i] != s && !strings.HasPrefix(outSegs[i], "{") {
				t.Fatalf("RouteTemplate(%q) = %q: segment %d %q became %q", path, out, i, s, outSegs[i])
			}
			if isNumber(s) && outSegs[i] == s {
				t.Fatalf("RouteTemplate(%q) = %q: numeric segment %d kept", path, out, i)
			}
		}
	})
}

// secondErr drops the first result of a two-result call.
func secondErr[T any](_ T, err error) error { return err }
