package githubtest_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v4"

	"github.com/issueops/issueops/app/github/githubtest"
)

func TestUnknownRouteAndWrongMethodAre404(t *testing.T) {
	s := newServer(t)
	for _, c := range []struct{ method, path string }{
		{"GET", "nope"},
		{"GET", "user/"},
		{"DELETE", ownerRepo + "/issues/comments/1"},
		{"PUT", ownerRepo + "/issues/1/comments"},
		{"POST", "app"},
	} {
		r := do(t, s, c.method, c.path, "token "+staticToken, "")
		wantStatus(t, r, http.StatusNotFound)
		want := `{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}`
		if string(r.body) != want {
			t.Errorf("%s %s body %s, want %s", c.method, c.path, r.body, want)
		}
	}
	if got := s.Requests(); len(got) != 5 || got[0].Route != "" || got[0].Status != 404 {
		t.Fatalf("recorded %+v", got)
	}
}

func TestCommonHeadersAndRateLimitCounting(t *testing.T) {
	s := newServer(t)
	inst := installToken(t, s)
	var last int
	for i := range 3 {
		r := do(t, s, "GET", "user", "token "+staticToken, "")
		wantStatus(t, r, 200)
		h := r.header
		if ct := h.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Fatalf("Content-Type %q", ct)
		}
		if h.Get("X-GitHub-Request-Id") == "" || h.Get("X-Ratelimit-Resource") != "core" || h.Get("X-Ratelimit-Limit") != "5000" {
			t.Fatalf("headers %v", h)
		}
		rem, _ := strconv.Atoi(h.Get("X-Ratelimit-Remaining"))
		used, _ := strconv.Atoi(h.Get("X-Ratelimit-Used"))
		reset, _ := strconv.ParseInt(h.Get("X-Ratelimit-Reset"), 10, 64)
		if used != i+1 || rem != 5000-used || (i > 0 && rem != last-1) {
			t.Fatalf("request %d: remaining %d used %d", i, rem, used)
		}
		if d := time.Until(time.Unix(reset, 0)); d < 59*time.Minute || d > time.Hour {
			t.Fatalf("reset in %v", d)
		}
		last = rem
	}
	// Another token has its own budget.
	r := do(t, s, "GET", ownerRepo+"/issues/1/comments", inst, "")
	if r.header.Get("X-Ratelimit-Used") != "1" {
		t.Fatalf("installation token used %q", r.header.Get("X-Ratelimit-Used"))
	}
	// Anonymous callers get GitHub's 60.
	r = do(t, s, "GET", "user", "", "")
	if r.header.Get("X-Ratelimit-Limit") != "60" {
		t.Fatalf("anonymous limit %q", r.header.Get("X-Ratelimit-Limit"))
	}
}

func TestGetApp(t *testing.T) {
	s := newServer(t)
	r := do(t, s, "GET", "app", "Bearer "+appJWT(t), "")
	wantStatus(t, r, 200)
	var app struct {
		ID          int64
		Slug        string
		NodeID      string `json:"node_id"`
		Name        string
		HTMLURL     string `json:"html_url"`
		Owner       struct{ Login string }
		Permissions map[string]string
		Events      []string
	}
	r.json(t, &app)
	if app.ID != testAppID || app.Slug != testSlug || app.NodeID == "" || app.Name == "" || app.Owner.Login == "" ||
		app.HTMLURL != "https://github.com/apps/"+testSlug || app.Permissions == nil || app.Events == nil {
		t.Fatalf("app %+v", app)
	}
}

func TestJWTVerification(t *testing.T) {
	s := newServer(t)
	now := time.Now()
	other := mustKey(t)
	claims := func(iss any, iat, exp time.Duration) jwt.MapClaims {
		return jwt.MapClaims{"iss": iss, "iat": now.Add(iat).Unix(), "exp": now.Add(exp).Unix()}
	}
	hs, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims("4242", -time.Minute, time.Minute)).SignedString([]byte("k"))
	cases := []struct {
		name, auth string
		want       int
		msg        string
	}{
		{"string iss", "Bearer " + signJWT(t, testKey(), claims("4242", -30*time.Second, 2*time.Minute)), 200, ""},
		{"numeric iss", "Bearer " + signJWT(t, testKey(), claims(4242, -30*time.Second, 2*time.Minute)), 200, ""},
		{"iat within skew", "Bearer " + signJWT(t, testKey(), claims("4242", 30*time.Second, 2*time.Minute)), 200, ""},
		{"token scheme", "token " + signJWT(t, testKey(), claims("4242", 0, time.Minute)), 200, ""},
		{"expired", "Bearer " + signJWT(t, testKey(), claims("4242", -5*time.Minute, -time.Second)), 401,
			"'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"},
		{"exp too far", "Bearer " + signJWT(t, testKey(), claims("4242", 0, time.Hour)), 401,
			"'Expiration time' claim ('exp') is too far in the future"},
		{"iat in future", "Bearer " + signJWT(t, testKey(), claims("4242", 3*time.Minute, 5*time.Minute)), 401,
			"'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"},
		{"wrong iss", "Bearer " + signJWT(t, testKey(), claims("1", 0, time.Minute)), 401, "'Issuer' claim ('iss') must be an Integer"},
		{"wrong key", "Bearer " + signJWT(t, other, claims("4242", 0, time.Minute)), 401, "A JSON web token could not be decoded"},
		{"HS256", "Bearer " + hs, 401, "A JSON web token could not be decoded"},
		{"static token", "token " + staticToken, 401, "A JSON web token could not be decoded"},
		{"missing", "", 401, "A JSON web token could not be decoded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, s, "GET", "app", c.auth, "")
			if c.want == 200 {
				wantStatus(t, r, 200)
				return
			}
			wantMessage(t, r, c.want, c.msg)
		})
	}
	t.Run("no public key disables App endpoints", func(t *testing.T) {
		s := newServer(t, func(o *githubtest.Options) { o.AppPublicKey = nil })
		wantStatus(t, do(t, s, "GET", "app", "Bearer "+appJWT(t), ""), 401)
		wantStatus(t, do(t, s, "POST", "app/installations/1/access_tokens", "Bearer "+appJWT(t), ""), 401)
	})
}

func TestInstallationTokens(t *testing.T) {
	s := newServer(t)
	r := do(t, s, "POST", "app/installations/777/access_tokens", "Bearer "+appJWT(t), "")
	wantStatus(t, r, 201)
	var tok struct {
		Token               string
		ExpiresAt           time.Time `json:"expires_at"`
		Permissions         map[string]string
		RepositorySelection string `json:"repository_selection"`
	}
	r.json(t, &tok)
	if !strings.HasPrefix(tok.Token, "ghs_") || len(tok.Token) != 40 || tok.RepositorySelection != "all" || tok.Permissions["issues"] != "write" {
		t.Fatalf("token %+v", tok)
	}
	if d := time.Until(tok.ExpiresAt); d < 59*time.Minute || d > time.Hour {
		t.Fatalf("expires in %v", d)
	}
	r = do(t, s, "POST", "app/installations/777/access_tokens", "Bearer "+appJWT(t), `{"permissions":{"issues":"read"},"repositories":["widgets"]}`)
	wantStatus(t, r, 201)
	r.json(t, &tok)
	if tok.Permissions["issues"] != "read" || tok.RepositorySelection != "selected" {
		t.Fatalf("asked-for permissions not echoed: %+v", tok)
	}
	if got := s.TokensIssued(777); got != 2 {
		t.Fatalf("TokensIssued(777) = %d", got)
	}
	if got := s.TokensIssued(1); got != 0 {
		t.Fatalf("TokensIssued(1) = %d", got)
	}
	wantMessage(t, do(t, s, "POST", "app/installations/777/access_tokens", "Bearer "+appJWT(t), `{"permissions":`), 400, "Problems parsing JSON")
	wantStatus(t, do(t, s, "POST", "app/installations/abc/access_tokens", "Bearer "+appJWT(t), ""), 404)

	// The token works on repo endpoints and writes as the App's bot.
	r = do(t, s, "POST", ownerRepo+"/issues/3/comments", "token "+tok.Token, `{"body":"hi"}`)
	wantStatus(t, r, 201)
	var c struct {
		User struct{ Login, Type string }
		App  *struct{ Slug string } `json:"performed_via_github_app"`
	}
	r.json(t, &c)
	if c.User.Login != testSlug+"[bot]" || c.User.Type != "Bot" || c.App == nil || c.App.Slug != testSlug {
		t.Fatalf("comment author %+v", c)
	}
}

func TestInstallationTokenExpires(t *testing.T) {
	s := newServer(t, func(o *githubtest.Options) { o.TokenTTL = 100 * time.Millisecond })
	tok := installToken(t, s)
	wantStatus(t, do(t, s, "GET", ownerRepo+"/issues/1/comments", tok, ""), 200)
	time.Sleep(150 * time.Millisecond)
	wantMessage(t, do(t, s, "GET", ownerRepo+"/issues/1/comments", tok, ""), 401, "Bad credentials")
}

func TestGetUser(t *testing.T) {
	s := newServer(t, func(o *githubtest.Options) { o.Login = "octo" })
	r := do(t, s, "GET", "user", "Bearer "+staticToken, "")
	wantStatus(t, r, 200)
	var u struct {
		Login, Type string
		ID          int64
	}
	r.json(t, &u)
	if u.Login != "octo" || u.Type != "User" || u.ID == 0 {
		t.Fatalf("user %+v", u)
	}
	wantMessage(t, do(t, s, "GET", "user", installToken(t, s), ""), 403, "Resource not accessible by integration")
	wantMessage(t, do(t, s, "GET", "user", "token wrong", ""), 401, "Bad credentials")
	wantMessage(t, do(t, s, "GET", "user", "", ""), 401, "Requires authentication")
	wantMessage(t, do(t, s, "GET", "user", "Bearer "+appJWT(t), ""), 401, "Bad credentials")
}

func TestDefaultLogin(t *testing.T) {
	s := githubtest.New(githubtest.Options{Tokens: []string{"x"}})
	defer s.Close()
	if !strings.HasSuffix(s.URL, "/") || !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Fatalf("URL %q", s.URL)
	}
	r := do(t, s, "GET", "user", "token x", "")
	if r.object(t)["login"] != "issueops-test" {
		t.Fatalf("login %s", r.body)
	}
}

// commentJSON is the subset of the comment object the tests read.
type commentJSON struct {
	ID                int64
	NodeID            string `json:"node_id"`
	URL               string
	HTMLURL           string `json:"html_url"`
	IssueURL          string `json:"issue_url"`
	Body              string
	User              struct{ Login, Type string }
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	AuthorAssociation string    `json:"author_association"`
	Reactions         struct {
		TotalCount int `json:"total_count"`
		Eyes       int
	}
}

func TestCreateComment(t *testing.T) {
	s := newServer(t)
	auth := "token " + staticToken
	var prev int64
	for i := range 3 {
		r := do(t, s, "POST", ownerRepo+"/issues/5/comments", auth, fmt.Sprintf(`{"body":"hello %d"}`, i))
		wantStatus(t, r, 201)
		var c commentJSON
		r.json(t, &c)
		if c.ID <= prev || c.Body != fmt.Sprintf("hello %d", i) || c.User.Login != "issueops-test" || c.User.Type != "User" ||
			c.NodeID == "" || c.AuthorAssociation != "NONE" || c.CreatedAt.IsZero() || !c.UpdatedAt.Equal(c.CreatedAt) {
			t.Fatalf("comment %+v", c)
		}
		wantURL := fmt.Sprintf("%s%s/issues/comments/%d", s.URL, ownerRepo, c.ID)
		if c.URL != wantURL || r.header.Get("Location") != wantURL {
			t.Fatalf("url %q Location %q, want %q", c.URL, r.header.Get("Location"), wantURL)
		}
		if c.HTMLURL != fmt.Sprintf("https://github.com/acme/widgets/issues/5#issuecomment-%d", c.ID) || c.IssueURL != s.URL+ownerRepo+"/issues/5" {
			t.Fatalf("html_url %q issue_url %q", c.HTMLURL, c.IssueURL)
		}
		prev = c.ID
	}
	got := s.Comments("acme", "widgets", 5)
	if len(got) != 3 || got[2].ID != prev || got[0].Body != "hello 0" || got[0].UserType != "User" || got[0].UserLogin != "issueops-test" {
		t.Fatalf("Comments = %+v", got)
	}
	if len(s.Comments("acme", "widgets", 6)) != 0 {
		t.Fatal("comments leaked to another issue")
	}
	if len(s.Comments("ACME", "Widgets", 5)) != 3 {
		t.Fatal("owner/repo should be case-insensitive")
	}
}

func TestCommentValidation(t *testing.T) {
	s := newServer(t)
	auth := "token " + staticToken
	path := ownerRepo + "/issues/5/comments"
	for _, body := range []string{"", "null", `{}`, `{"body":""}`, `{"body":null}`} {
		r := do(t, s, "POST", path, auth, body)
		wantStatus(t, r, 422)
		want := `{"message":"Validation Failed","errors":[{"resource":"IssueComment","code":"missing_field","field":"body"}],` +
			`"documentation_url":"https://docs.github.com/rest/issues/comments#create-an-issue-comment","status":"422"}`
		if string(r.body) != want {
			t.Fatalf("body %q: got %s", body, r.body)
		}
	}
	for _, body := range []string{`{"body":`, `[1]`, `"x"`, `{"body":"a"} x`} {
		wantMessage(t, do(t, s, "POST", path, auth, body), 400, "Problems parsing JSON")
	}
	wantMessage(t, do(t, s, "POST", path, auth, `{"body":12}`), 422, "Invalid request.\n\nFor 'properties/body', 12 is not a string.")
	r := do(t, s, "POST", path, auth, `{"body":"`+strings.Repeat("x", 65537)+`"}`)
	wantMessage(t, r, 422, "Validation Failed")
	wantStatus(t, do(t, s, "POST", ownerRepo+"/issues/x/comments", auth, `{"body":"a"}`), 404)
	wantStatus(t, do(t, s, "POST", path, auth, `{"body":"`+strings.Repeat("é", 65536)+`"}`), 201)
	wantMessage(t, do(t, s, "POST", path, "token bad", `{"body":"a"}`), 401, "Bad credentials")
	if n := len(s.Comments("acme", "widgets", 5)); n != 1 {
		t.Fatalf("%d comments stored, want 1", n)
	}
}

func TestGetAndUpdateComment(t *testing.T) {
	s := newServer(t)
	auth := "token " + staticToken
	var c commentJSON
	do(t, s, "POST", ownerRepo+"/issues/9/comments", auth, `{"body":"v1"}`).json(t, &c)
	path := fmt.Sprintf("%s/issues/comments/%d", ownerRepo, c.ID)

	var got commentJSON
	r := do(t, s, "GET", path, auth, "")
	wantStatus(t, r, 200)
	r.json(t, &got)
	if got.ID != c.ID || got.Body != "v1" {
		t.Fatalf("get %+v", got)
	}
	wantMessage(t, do(t, s, "GET", ownerRepo+"/issues/comments/1", auth, ""), 404, "Not Found")
	wantStatus(t, do(t, s, "GET", fmt.Sprintf("repos/acme/other/issues/comments/%d", c.ID), auth, ""), 404)
	wantStatus(t, do(t, s, "GET", ownerRepo+"/issues/comments/abc", auth, ""), 404)

	r = do(t, s, "PATCH", path, auth, `{"body":"v2"}`)
	wantStatus(t, r, 200)
	r.json(t, &got)
	if got.ID != c.ID || got.Body != "v2" || got.UpdatedAt.Before(got.CreatedAt) {
		t.Fatalf("patched %+v", got)
	}
	if cs := s.Comments("acme", "widgets", 9); len(cs) != 1 || cs[0].Body != "v2" || cs[0].UpdatedAt.Before(cs[0].CreatedAt) {
		t.Fatalf("Comments after patch %+v", cs)
	}
	wantStatus(t, do(t, s, "PATCH", ownerRepo+"/issues/comments/12345", auth, `{"body":"x"}`), 404)
	wantStatus(t, do(t, s, "PATCH", fmt.Sprintf("repos/acme/other/issues/comments/%d", c.ID), auth, `{"body":"x"}`), 404)
	wantStatus(t, do(t, s, "PATCH", path, auth, `{"body":""}`), 422)
	wantStatus(t, do(t, s, "PATCH", path, auth, `{`), 400)
}

func TestSeedComment(t *testing.T) {
	s := newServer(t)
	c := s.SeedComment("acme", "widgets", 2, "alice", "/deploy")
	r := do(t, s, "GET", fmt.Sprintf("%s/issues/comments/%d", ownerRepo, c.ID), "token "+staticToken, "")
	wantStatus(t, r, 200)
	var got commentJSON
	r.json(t, &got)
	if got.User.Login != "alice" || got.User.Type != "User" || got.Body != "/deploy" {
		t.Fatalf("seeded %+v", got)
	}
}
