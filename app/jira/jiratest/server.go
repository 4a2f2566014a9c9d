// Package jiratest is a stateful fake Jira for tests: an httptest server
// that implements exactly the Jira REST v2 endpoints the jira adapter
// calls, with Jira's status codes and JSON shapes (ids as strings, self
// URLs, errorMessages/errors bodies), checks credentials, records every
// request and injects faults (5xx, 429 with or without Retry-After, an
// outage, slowness).
//
// Endpoints:
//
//	GET  /rest/api/2/project/{key}/versions
//	POST /rest/api/2/version
//	PUT  /rest/api/2/version/{id}
//	PUT  /rest/api/2/issue/{key}             (fixVersions add/remove/set)
//	POST /rest/api/2/issue/{key}/remotelink  (keyed by globalId)
//
// All methods are safe for concurrent use.
package jiratest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Default credentials: New and NewServer accept basic auth with these.
const (
	DefaultUser  = "issueops@example.com"
	DefaultToken = "jira-test-token"
)

// Request is one request the fake received, as recorded by Requests.
type Request struct {
	Method string
	Path   string // unescaped, as r.URL.Path
	Query  string
	Body   string
	// Status is what the fake answered (an injected fault included).
	Status int
}

// Server is the fake Jira. Create it with New or NewServer.
type Server struct {
	srv *httptest.Server

	mu        sync.Mutex
	user      string
	token     string
	log       []Request
	failLeft  int
	failCode  int
	failAfter string
	down      bool
	delay     time.Duration
	onRequest func(method, path string)
	state
}

// New starts a fake Jira that is closed when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := NewServer()
	t.Cleanup(s.Close)
	return s
}

// NewServer starts a fake Jira; the caller closes it.
func NewServer() *Server {
	s := &Server{user: DefaultUser, token: DefaultToken, state: newState()}
	s.srv = httptest.NewServer(s.handler())
	return s
}

// Close stops the server, waiting for requests in flight.
func (s *Server) Close() { s.srv.Close() }

// URL is the Jira base URL, without a trailing slash.
func (s *Server) URL() string { return s.srv.URL }

// SetCredentials changes the accepted credentials: basic auth user+token,
// or, when user is empty, "Authorization: Bearer token" (a Data Center
// personal access token).
func (s *Server) SetCredentials(user, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user, s.token = user, token
}

// FailNext answers the next n requests with status (and Retry-After when
// retryAfter is not empty) before they reach any endpoint.
func (s *Server) FailNext(n, status int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failLeft, s.failCode, s.failAfter = n, status, retryAfter
}

// Down makes every request a 503 while down is true.
func (s *Server) Down(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Slow delays every answer by d (0 restores speed). A client that gives
// up first releases the request.
func (s *Server) Slow(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// OnRequest calls fn with each request's method and path before the fake
// handles it, so that a test can change the state in between (e.g. make a
// racing creator win). fn may call the Server's methods.
func (s *Server) OnRequest(fn func(method, path string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onRequest = fn
}

// Requests returns a copy of every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	s.routes(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		s.serve(rec, r, mux)
		s.mu.Lock()
		s.log = append(s.log, Request{Method: r.Method, Path: r.URL.Path,
			Query: r.URL.RawQuery, Body: string(body), Status: rec.status})
		s.mu.Unlock()
	})
}

// serve applies, in order, the hook, slowness, injected faults and the
// credential check, then hands the request to its endpoint.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, mux *http.ServeMux) {
	s.mu.Lock()
	hook, delay := s.onRequest, s.delay
	s.mu.Unlock()
	if hook != nil {
		hook(r.Method, r.URL.Path)
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
	}
	if status, retryAfter, failing := s.fault(); failing {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		writeError(w, status, []string{http.StatusText(status)}, nil)
		return
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="protected-area"`)
		writeError(w, http.StatusUnauthorized,
			[]string{"You are not authenticated. Authentication required to perform this operation."}, nil)
		return
	}
	mux.ServeHTTP(w, r)
}

// fault consumes one injected failure, if any.
func (s *Server) fault() (status int, retryAfter string, failing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return http.StatusServiceUnavailable, "", true
	}
	if s.failLeft > 0 {
		s.failLeft--
		return s.failCode, s.failAfter, true
	}
	return 0, "", false
}

func (s *Server) authorized(r *http.Request) bool {
	s.mu.Lock()
	wantUser, wantToken := s.user, s.token
	s.mu.Unlock()
	if wantUser == "" {
		return r.Header.Get("Authorization") == "Bearer "+wantToken
	}
	user, token, ok := r.BasicAuth()
	return ok && user == wantUser && token == wantToken
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}
