package githubtest_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/issueops/issueops/app/github/githubtest"
)

func TestStatusFaults(t *testing.T) {
	for _, c := range []struct {
		kind   githubtest.FaultKind
		status int
		msg    string
	}{
		{githubtest.Status500, 500, "Server Error"},
		{githubtest.Status502, 502, "Server Error"},
		{githubtest.Status503, 503, "Service Unavailable"},
	} {
		t.Run(c.kind.String(), func(t *testing.T) {
			s := newServer(t)
			auth := "token " + staticToken
			s.Inject(githubtest.Fault{Route: commentRoute, Kind: c.kind, Times: 2})
			for range 2 {
				wantMessage(t, do(t, s, "POST", ownerRepo+"/issues/1/comments", auth, `{"body":"x"}`), c.status, c.msg)
			}
			wantStatus(t, do(t, s, "POST", ownerRepo+"/issues/1/comments", auth, `{"body":"x"}`), 201)
			if n := len(s.Comments("acme", "widgets", 1)); n != 1 {
				t.Fatalf("%d comments, want 1 (faulted requests must not write)", n)
			}
			reqs := s.RequestsTo(commentRoute)
			if len(reqs) != 3 || reqs[0].Status != c.status || reqs[2].Status != 201 {
				t.Fatalf("recorded %+v", reqs)
			}
		})
	}
}

func TestFaultMatching(t *testing.T) {
	s := newServer(t)
	auth := "token " + staticToken
	// Bare pattern plus Method, and an unrelated route: only matching requests fail.
	s.Inject(githubtest.Fault{Method: "GET", Route: "/repos/{owner}/{repo}/issues/{issue_number}/comments", Kind: githubtest.Status500})
	s.Inject(githubtest.Fault{Route: "POST /app", Kind: githubtest.Status503})
	wantStatus(t, do(t, s, "POST", ownerRepo+"/issues/1/comments", auth, `{"body":"x"}`), 201)
	wantStatus(t, do(t, s, "GET", ownerRepo+"/issues/1/comments", auth, ""), 500)
	wantStatus(t, do(t, s, "GET", ownerRepo+"/issues/1/comments", auth, ""), 200)
	// Route "" matches anything, even unknown paths; faults apply in order.
	s.Inject(githubtest.Fault{Kind: githubtest.Status502})
	s.Inject(githubtest.Fault{Kind: githubtest.Status500})
	wantStatus(t, do(t, s, "GET", "nope", auth, ""), 502)
	wantStatus(t, do(t, s, "GET", "user", auth, ""), 500)
	wantStatus(t, do(t, s, "GET", "user", auth, ""), 200)
}

// ClearFaults drops the faults of one route, or all, and leaves the rest.
func TestClearFaults(t *testing.T) {
	s := newServer(t)
	auth := "token " + staticToken
	s.Inject(githubtest.Fault{Route: "GET /user", Kind: githubtest.Status500, Times: 100})
	s.Inject(githubtest.Fault{Route: "POST /repos/{owner}/{repo}/issues/{issue_number}/comments", Kind: githubtest.Status502, Times: 100})
	wantStatus(t, do(t, s, "GET", "user", auth, ""), 500)
	s.ClearFaults("GET /user")
	wantStatus(t, do(t, s, "GET", "user", auth, ""), 200)
	wantStatus(t, do(t, s, "POST", ownerRepo+"/issues/1/comments", auth, `{"body":"x"}`), 502)
	s.ClearFaults("")
	wantStatus(t, do(t, s, "POST", ownerRepo+"/issues/1/comments", auth, `{"body":"x"}`), 201)
}

func TestPrimaryRateLimitFault(t *testing.T) {
	s := newServer(t)
	inst := installToken(t, s)
	s.Inject(githubtest.Fault{Kind: githubtest.PrimaryRateLimit, Reset: 90 * time.Second})
	r := do(t, s, "POST", ownerRepo+"/issues/comments/5/reactions", inst, `{"content":"eyes"}`)
	wantMessage(t, r, 403, "API rate limit exceeded for installation ID 777.")
	if r.header.Get("X-Ratelimit-Remaining") != "0" || r.header.Get("X-Ratelimit-Limit") != "5000" {
		t.Fatalf("headers %v", r.header)
	}
	reset, _ := strconv.ParseInt(r.header.Get("X-Ratelimit-Reset"), 10, 64)
	if d := time.Until(time.Unix(reset, 0)); d < 85*time.Second || d > 91*time.Second {
		t.Fatalf("reset in %v", d)
	}
	if n := len(s.Reactions("acme", "widgets", 5)); n != 0 {
		t.Fatal("rate-limited request must not write")
	}
	wantStatus(t, do(t, s, "POST", ownerRepo+"/issues/comments/5/reactions", inst, `{"content":"eyes"}`), 201)
}

func TestSecondaryRateLimitFaults(t *testing.T) {
	for _, c := range []struct {
		kind   githubtest.FaultKind
		status int
	}{{githubtest.SecondaryRateLimit403, 403}, {githubtest.TooMany429, 429}} {
		t.Run(c.kind.String(), func(t *testing.T) {
			s := newServer(t)
			auth := "token " + staticToken
			s.Inject(githubtest.Fault{Kind: c.kind, RetryAfter: 1500 * time.Millisecond})
			s.Inject(githubtest.Fault{Kind: c.kind})
			r := do(t, s, "GET", "user", auth, "")
			wantStatus(t, r, c.status)
			m := r.object(t)
			if msg := m["message"].(string); !strings.HasPrefix(msg, "You have exceeded a secondary rate limit") ||
				!strings.Contains(msg, r.header.Get("X-GitHub-Request-Id")) {
				t.Fatalf("message %q", msg)
			}
			if doc := m["documentation_url"].(string); !strings.HasSuffix(doc, "secondary-rate-limits") {
				t.Fatalf("documentation_url %q", doc)
			}
			if r.header.Get("Retry-After") != "2" || r.header.Get("X-Ratelimit-Remaining") == "0" {
				t.Fatalf("Retry-After %q remaining %q", r.header.Get("Retry-After"), r.header.Get("X-Ratelimit-Remaining"))
			}
			r = do(t, s, "GET", "user", auth, "")
			wantStatus(t, r, c.status)
			if _, ok := r.header["Retry-After"]; ok {
				t.Fatal("Retry-After sent without Fault.RetryAfter")
			}
		})
	}
}

func TestTimeoutFault(t *testing.T) {
	s := newServer(t)
	auth := "token " + staticToken
	s.Inject(githubtest.Fault{Route: commentRoute, Kind: githubtest.Timeout, Times: 2})
	// A client with a deadline gives up while the fake holds the request.
	client := &http.Client{Timeout: 100 * time.Millisecond}
	start := time.Now()
	_, err := send(client, s, "POST", ownerRepo+"/issues/1/comments", auth, `{"body":"x"}`)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("err %v after %v", err, time.Since(start))
	}
	// A client without one gets an error once the hold ends: nothing is answered.
	s2 := newServer(t)
	s2.Inject(githubtest.Fault{Kind: githubtest.Timeout, Hold: 150 * time.Millisecond})
	start = time.Now()
	_, err = send(&http.Client{Transport: &http.Transport{}}, s2, "GET", "user", auth, "")
	if err == nil || time.Since(start) < 150*time.Millisecond {
		t.Fatalf("err %v after %v", err, time.Since(start))
	}
	waitFor(t, func() bool { r := s2.Requests(); return len(r) == 1 && r[0].Status == 0 })
	if n := len(s.Comments("acme", "widgets", 1)); n != 0 {
		t.Fatal("timed-out request must not write")
	}
	// Close does not wait out the 30s default hold.
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = send(http.DefaultClient, s, "POST", ownerRepo+"/issues/1/comments", auth, `{"body":"x"}`)
	}()
	waitFor(t, func() bool { return len(s.Requests()) == 2 })
	closed := time.Now()
	s.Close()
	<-done
	if d := time.Since(closed); d > 5*time.Second {
		t.Fatalf("Close took %v", d)
	}
}

func TestDropAfterWrite(t *testing.T) {
	s := newServer(t)
	auth := "token " + staticToken
	s.Inject(githubtest.Fault{Route: commentRoute, Kind: githubtest.DropAfterWrite})
	var seen atomic.Int32
	s.OnRequest(func(r githubtest.Request) {
		if r.Route == commentRoute && r.Status == 0 {
			seen.Add(1)
		}
	})
	_, err := send(&http.Client{Transport: &http.Transport{}}, s, "POST", ownerRepo+"/issues/1/comments", auth, `{"body":"once"}`)
	if err == nil || !(errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "EOF") ||
		strings.Contains(err.Error(), "connection reset")) {
		t.Fatalf("want an EOF-like error, got %v", err)
	}
	cs := s.Comments("acme", "widgets", 1)
	if len(cs) != 1 || cs[0].Body != "once" {
		t.Fatalf("the write must have happened: %+v", cs)
	}
	// Hooks run after the connection is closed, so the client can see EOF
	// before the hook has run: wait for it, then make sure it ran once.
	waitFor(t, func() bool { return seen.Load() >= 1 })
	if seen.Load() != 1 {
		t.Fatalf("OnRequest saw %d dropped requests", seen.Load())
	}
	// A retried reaction after a drop comes back 200 with the same reaction.
	s.Inject(githubtest.Fault{Kind: githubtest.DropAfterWrite})
	path := ownerRepo + "/issues/comments/77/reactions"
	if _, err := send(&http.Client{Transport: &http.Transport{}}, s, "POST", path, auth, `{"content":"eyes"}`); err == nil {
		t.Fatal("dropped request returned a response")
	}
	wantStatus(t, do(t, s, "POST", path, auth, `{"content":"eyes"}`), 200)
	if n := len(s.Reactions("acme", "widgets", 77)); n != 1 {
		t.Fatalf("%d reactions", n)
	}
}

func TestRecordingOnRequestAndReset(t *testing.T) {
	s := newServer(t)
	auth := "token " + staticToken
	var hooked []githubtest.Request
	var mu sync.Mutex
	s.OnRequest(func(r githubtest.Request) { mu.Lock(); hooked = append(hooked, r); mu.Unlock() })
	before := time.Now()
	do(t, s, "POST", ownerRepo+"/issues/3/comments?x=1", auth, `{"body":"rec"}`)
	do(t, s, "GET", ownerRepo+"/issues/3/comments?per_page=5", auth, "")
	reqs := s.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Path != "/"+ownerRepo+"/issues/3/comments" || r.Route != commentRoute || r.Query.Get("x") != "1" ||
		string(r.Body) != `{"body":"rec"}` || r.Header.Get("Authorization") != auth || r.Status != 201 || r.At.Before(before) {
		t.Fatalf("request %+v", r)
	}
	if got := s.RequestsTo("GET /repos/{owner}/{repo}/issues/{issue_number}/comments"); len(got) != 1 || got[0].Query.Get("per_page") != "5" {
		t.Fatalf("RequestsTo %+v", got)
	}
	mu.Lock()
	if len(hooked) != 2 || hooked[0].Status != 201 || hooked[1].Status != 200 {
		t.Fatalf("hooked %+v", hooked)
	}
	mu.Unlock()
	tok := installToken(t, s)
	lastID := s.Comments("acme", "widgets", 3)[0].ID
	s.Inject(githubtest.Fault{Kind: githubtest.Status500})
	s.Reset()
	if len(s.Requests()) != 0 || len(s.Comments("acme", "widgets", 3)) != 0 || s.TokensIssued(testInstall) != 0 {
		t.Fatal("Reset left state behind")
	}
	// Faults are cleared, issued tokens stay valid, ids keep increasing.
	r2 := do(t, s, "POST", ownerRepo+"/issues/3/comments", tok, `{"body":"after"}`)
	wantStatus(t, r2, 201)
	var c commentJSON
	r2.json(t, &c)
	if c.ID <= lastID {
		t.Fatalf("id %d reused after Reset (last was %d)", c.ID, lastID)
	}
}

func TestLatency(t *testing.T) {
	s := newServer(t, func(o *githubtest.Options) { o.Latency = 80 * time.Millisecond })
	start := time.Now()
	do(t, s, "GET", "user", "token "+staticToken, "")
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Fatalf("latency option ignored: %v", d)
	}
	s.SetLatency(0)
	start = time.Now()
	do(t, s, "GET", "user", "token "+staticToken, "")
	if d := time.Since(start); d > 70*time.Millisecond {
		t.Fatalf("SetLatency(0) ignored: %v", d)
	}
}

func TestConcurrentComments(t *testing.T) {
	s := newServer(t)
	inst := installToken(t, s)
	const n = 200
	ids := make(chan int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := send(http.DefaultClient, s, "POST", ownerRepo+"/issues/1/comments", inst, fmt.Sprintf(`{"body":"c%d"}`, i))
			if err != nil || r.status != 201 {
				t.Errorf("create: %v %d", err, r.status)
				return
			}
			var c commentJSON
			if err := json.Unmarshal(r.body, &c); err != nil {
				t.Error(err)
				return
			}
			ids <- c.ID
			// Everyone also adds the same reaction; exactly one must create it.
			if _, err := send(http.DefaultClient, s, "POST", ownerRepo+"/issues/1/reactions", inst, `{"content":"eyes"}`); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[int64]bool{}
	for id := range ids {
		if seen[id] {
			t.Fatalf("duplicate id %d", id)
		}
		seen[id] = true
	}
	if len(seen) != n || len(s.Comments("acme", "widgets", 1)) != n {
		t.Fatalf("%d ids, %d stored", len(seen), len(s.Comments("acme", "widgets", 1)))
	}
	created := 0
	for _, r := range s.RequestsTo("POST /repos/{owner}/{repo}/issues/{issue_number}/reactions") {
		if r.Status == 201 {
			created++
		}
	}
	if created != 1 || len(s.IssueReactions("acme", "widgets", 1)) != 1 {
		t.Fatalf("%d reactions created", created)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
