// Package githubtest is a stateful fake of the part of GitHub's REST API that
// issueops calls, served by net/http/httptest.
//
// It exists so that end-to-end, crash and load tests can run the real app
// against something that behaves like api.github.com (same paths, status
// codes, bodies, headers and authentication rules, including GitHub's
// idempotent "same reaction again returns 200" behaviour) without the network.
// Every request is recorded, state (comments, reactions, issued tokens, issue
// labels) can be inspected, and faults (5xx, rate limits, hangs, dropped
// responses) can be injected per route. It adds no latency unless asked and
// is safe for heavy concurrent use.
//
// Comments and reactions are accepted on any repository and issue. The
// repository, contents, commit, compare, issue, label, deployment and
// Actions routes serve only what a test seeded: repositories (SeedRepo),
// commits on branches and tags (SeedCommit, SeedTag, MoveRef), issues
// (SeedIssue, SetIssueBody) and workflows (SeedWorkflow); who may do what
// comes from SetPermission and SetTeamMember. A test plays the systems
// around GitHub with SeedDeployment, AddDeploymentStatus (a CD system) and
// CompleteWorkflowRun (Actions), which send the webhook events GitHub
// would when a webhook is set.
package githubtest

import (
	"context"
	"crypto/rsa"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxBodyBytes bounds how much of a request body the fake reads and records;
// GitHub itself rejects payloads far smaller than this.
const maxBodyBytes = 10 << 20

// Options configures a fake server. The zero value serves the token endpoints
// to nobody; tests set Tokens and/or the App identity they need.
type Options struct {
	// Tokens are static tokens accepted in token mode ("token X" or
	// "Bearer X"), standing in for a personal access token.
	Tokens []string
	// AppID is the GitHub App id the App JWT's iss claim must name.
	AppID int64
	// AppSlug names the App; writes made with its installation tokens are
	// attributed to "<AppSlug>[bot]". Default "issueops".
	AppSlug string
	// AppPublicKey verifies App JWTs (RS256). Nil disables the App endpoints:
	// every JWT is then rejected with 401, as GitHub rejects an unknown App.
	AppPublicKey *rsa.PublicKey
	// Login is the user behind the static Tokens (GET /user and the author of
	// their writes). Default "issueops-test".
	Login string
	// Latency is added before every response (default 0, so load
	// measurements see only the app's own time). See SetLatency.
	Latency time.Duration
	// TokenTTL is the lifetime of installation tokens (default 1h, as on
	// GitHub), so token-refresh paths can be tested with a short one.
	TokenTTL time.Duration
	// ResponseLatency is added after a request's handler has run and before
	// its response is written: the write has happened while the client still
	// waits, the window in which a crash or a cancelled shutdown loses the
	// answer but not the change.
	ResponseLatency time.Duration
	// Listener, when set, is where the fake serves (a fixed address, so a
	// separately started server can be pointed at it); default a loopback port.
	Listener net.Listener
}

// Server is a running fake GitHub API. All methods are safe for concurrent
// use; the zero value is not usable, create one with New.
type Server struct {
	// URL is the base URL ending in "/", e.g. "http://127.0.0.1:PORT/",
	// ready for go-github's BaseURL.
	URL string

	opts     Options
	base     string // URL without the trailing slash
	static   map[string]bool
	srv      *httptest.Server
	done     chan struct{}
	doneOnce sync.Once

	latency atomic.Int64
	reqSeq  atomic.Uint64
	hooksMu sync.Mutex
	hooks   atomic.Pointer[[]func(Request)]

	recMu    sync.Mutex
	requests []*Request

	faultMu      sync.Mutex
	faults       []*faultEntry
	faultPending atomic.Int64

	mu    sync.Mutex // guards st
	st    state
	rateM sync.Mutex
	rate  map[string]*rateWindow

	webhook webhookState // the App's webhook and its deliveries (handlers_hooks.go)

	manifests manifestState // App-manifest codes and the Apps created from them
}

// Request is one request as the fake received it, with the status it
// answered, so tests can assert on exactly what the app sent.
type Request struct {
	Method string
	Path   string
	// Route is the matched route, e.g.
	// "POST /repos/{owner}/{repo}/issues/{issue_number}/comments"; empty for
	// paths the fake does not serve.
	Route  string
	Query  url.Values
	Header http.Header
	Body   []byte
	// At is when the request arrived, before any latency or fault.
	At time.Time
	// Status is the status the fake wrote; 0 if it wrote none (dropped, held
	// until the client left, or still in progress).
	Status int
}

// New starts a fake server on a loopback port. Call Close when done.
func New(opts Options) *Server {
	if opts.AppSlug == "" {
		opts.AppSlug = "issueops"
	}
	if opts.Login == "" {
		opts.Login = "issueops-test"
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = time.Hour
	}
	s := &Server{
		opts:   opts,
		static: make(map[string]bool, len(opts.Tokens)),
		done:   make(chan struct{}),
		rate:   make(map[string]*rateWindow),
	}
	for _, t := range opts.Tokens {
		s.static[t] = true
	}
	s.st.init()
	s.latency.Store(int64(opts.Latency))
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	if opts.Listener != nil {
		_ = s.srv.Listener.Close()
		s.srv.Listener = opts.Listener
	}
	s.srv.Start()
	s.base = s.srv.URL
	s.URL = s.srv.URL + "/"
	return s
}

// Close releases requests held by Timeout faults or latency, then stops the
// server and waits for in-flight requests. It is safe to call more than once.
func (s *Server) Close() {
	s.doneOnce.Do(func() { close(s.done) })
	s.srv.Close()
}

// SetLatency changes the delay added before every response, for tests that
// need a slow GitHub partway through.
func (s *Server) SetLatency(d time.Duration) {
	s.latency.Store(int64(d))
}

// OnRequest registers fn to be called with each request after the fake has
// handled it (response written or dropped). It is called without locks held,
// from the request's goroutine, so it must be cheap and goroutine-safe; the
// load tool uses it to timestamp the arrival of the reaction it waits for.
func (s *Server) OnRequest(fn func(Request)) {
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	var next []func(Request)
	if cur := s.hooks.Load(); cur != nil {
		next = append(next, *cur...)
	}
	next = append(next, fn)
	s.hooks.Store(&next)
}

// Requests returns a copy of every recorded request in arrival order. The
// copies share Header, Query and Body with the record: treat them as
// read-only.
func (s *Server) Requests() []Request {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
	}
	return out
}

// RequestsTo returns the recorded requests whose Route equals route (for
// example "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions"),
// in arrival order.
func (s *Server) RequestsTo(route string) []Request {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if r.Route == route {
			out = append(out, *r)
		}
	}
	return out
}

// Reset forgets recorded requests, comments, reactions, seeded repositories
// (with their commits, refs, issues, labels, workflows, runs, deployments
// and statuses), permissions and team memberships, pending faults,
// token-issue counts and rate-limit counters, so one fake can serve several
// subtests. Installation tokens already issued stay valid (a running app
// keeps its cached token), ids keep increasing (an id is never reused), and
// latency, the webhook and OnRequest hooks are kept.
func (s *Server) Reset() {
	s.recMu.Lock()
	s.requests = nil
	s.recMu.Unlock()

	s.faultMu.Lock()
	s.faults = nil
	s.faultPending.Store(0)
	s.faultMu.Unlock()

	s.mu.Lock()
	s.st.reset()
	s.mu.Unlock()

	s.resetWebhook()

	s.rateM.Lock()
	s.rate = make(map[string]*rateWindow)
	s.rateM.Unlock()
}

// serveHTTP is the whole pipeline: record, latency, identify, fault, handle,
// write, notify.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	rt, params := matchRoute(r.Method, r.URL.EscapedPath())
	rec := &Request{
		Method: r.Method,
		Path:   r.URL.Path,
		Query:  r.URL.Query(),
		Header: r.Header.Clone(),
		Body:   body,
		At:     at,
	}
	if rt != nil {
		rec.Route = rt.name
	}
	s.recMu.Lock()
	s.requests = append(s.requests, rec)
	s.recMu.Unlock()

	status := 0
	// Deferred so the record and hooks are completed even when the response
	// is aborted with a panic (http.ErrAbortHandler).
	defer func() {
		s.recMu.Lock()
		rec.Status = status
		done := *rec
		s.recMu.Unlock()
		if hooks := s.hooks.Load(); hooks != nil {
			for _, fn := range *hooks {
				fn(done)
			}
		}
	}()
	status = s.serve(w, r, rt, params, body)
}

// serve produces the response and returns the status written (0 if none).
func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt *route, params map[string]string, body []byte) int {
	if d := time.Duration(s.latency.Load()); d > 0 {
		if !s.wait(r.Context(), d) {
			return 0
		}
	}
	who, authErr := s.identify(r, rt)
	if authErr == nil {
		s.noteInstallation(who, params)
	}
	routeName := ""
	if rt != nil {
		routeName = rt.name
	}
	drop := false
	if f, ok := s.takeFault(r.Method, routeName); ok {
		if f.Kind == Timeout {
			hold := f.Hold
			if hold <= 0 {
				hold = 30 * time.Second
			}
			s.wait(r.Context(), hold)
			hijackClose(w)
			return 0
		}
		if f.Kind == DropAfterWrite {
			drop = true
		} else {
			resp := s.faultResponse(f, who)
			s.write(w, who, resp)
			return resp.status
		}
	}

	var resp *response
	switch {
	case rt == nil:
		resp = errorResponse(http.StatusNotFound, "Not Found", docRoot)
	case authErr != nil:
		resp = authErr
	default:
		resp = rt.handler(s, &call{r: r, rt: rt, params: params, body: body, who: who})
	}
	if d := s.opts.ResponseLatency; d > 0 && !s.wait(r.Context(), d) {
		return 0 // the client left: the change stands, unanswered
	}
	if drop {
		// The handler ran and its state change stands; the client never
		// learns the outcome, as when a connection breaks mid-response.
		hijackClose(w)
		return 0
	}
	s.write(w, who, resp)
	return resp.status
}

// wait sleeps for d unless the client goes away or the server closes first;
// it reports whether the full duration elapsed.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

// hijackClose closes the connection without writing a response; where the
// connection cannot be taken over it aborts the response instead.
func hijackClose(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// remoteHost is the client's IP, used as the anonymous rate-limit key.
func remoteHost(r *http.Request) string {
	host := r.RemoteAddr
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.TrimSpace(host)
}
