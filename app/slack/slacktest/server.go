// Package slacktest is a stateful fake of the part of Slack's Web API the
// Slack adapter calls (chat.postMessage, chat.update, auth.test), for
// tests.
//
// It is slack-go's own slacktest server with these methods replaced
// through its custom handler hook (slacktest.Binder), so that it records
// every call in order, keeps each message's current content and each
// thread, checks the token, and injects faults. Methods slack-go's server
// answers itself (rtm.*, users.info, conversations.*, …) keep their canned
// answers and are neither recorded nor faulted; any other method is
// recorded and answered unknown_method.
package slacktest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	upstream "github.com/slack-go/slack/slacktest"
)

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	token string
	srv   *upstream.Server

	mu       sync.Mutex
	calls    []Call
	faults   []fault
	down     bool
	latency  time.Duration
	channels map[string]*channel // by ID
	byName   map[string]string   // name (without #) → ID
	failing  map[string]string   // channel ID → Slack error code
	messages map[string]*Message // by channel ID + "/" + ts
	seq      int64               // last ts handed out
}

// New starts a fake that accepts token (as a Bearer header or a form
// token, as Slack does). Close it when done.
func New(token string) *Server {
	s := &Server{token: token}
	s.resetState()
	s.srv = upstream.NewTestServer(func(c upstream.Customize) {
		c.Handle("/chat.postMessage", s.handle(s.postMessage))
		c.Handle("/chat.update", s.handle(s.update))
		c.Handle("/auth.test", s.handle(s.authTest))
		c.Handle("/", s.handle(unknownMethod))
	})
	s.srv.Start()
	return s
}

// URL is the API base URL to configure the client with; it ends with "/".
func (s *Server) URL() string { return s.srv.GetAPIURL() }

// Close stops the server.
func (s *Server) Close() { s.srv.Stop() }

// Reset forgets calls, channels, messages and pending faults, and brings the
// fake up again.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetState()
}

func (s *Server) resetState() {
	s.calls, s.faults, s.down, s.latency = nil, nil, false, 0
	s.channels = map[string]*channel{}
	s.byName = map[string]string{}
	s.failing = map[string]string{}
	s.messages = map[string]*Message{}
	s.seq = 0
}

// SetLatency delays every answer by d (0 for none), for timeout tests.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// answer is what a method handler decided: an HTTP status, headers, and a
// JSON body (nil for a bodyless error status).
type answer struct {
	status  int
	header  http.Header
	body    map[string]any
	errCode string
}

func ok(body map[string]any) answer {
	body["ok"] = true
	return answer{status: http.StatusOK, body: body}
}

func slackError(code string) answer {
	return answer{status: http.StatusOK, body: map[string]any{"ok": false, "error": code}, errCode: code}
}

// handle wraps a method: it reads the call, records it, applies faults and
// the token check, runs the method and writes its answer.
func (s *Server) handle(method func(*Call) answer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		call := readCall(r)
		s.mu.Lock()
		latency := s.latency
		s.mu.Unlock()
		if latency > 0 {
			select {
			case <-time.After(latency):
			case <-r.Context().Done():
			}
		}
		s.mu.Lock()
		a, faulted := s.takeFault()
		if !faulted {
			a = s.authorize(&call)
			if a.status == 0 {
				a = method(&call)
			}
		}
		call.Status, call.Error = a.status, a.errCode
		s.calls = append(s.calls, call)
		s.mu.Unlock()
		write(w, a)
	}
}

// authorize checks the token; a zero answer lets the call through.
func (s *Server) authorize(c *Call) answer {
	switch {
	case c.Token == "":
		return slackError("not_authed")
	case c.Token != s.token:
		return slackError("invalid_auth")
	}
	return answer{}
}

func write(w http.ResponseWriter, a answer) {
	for k, vs := range a.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if a.body == nil {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, "<html><body>"+http.StatusText(a.status)+"</body></html>")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(a.status)
	_ = json.NewEncoder(w).Encode(a.body)
}

// readCall decodes a request as Slack would: form or JSON body, token from
// the Authorization header or the form.
func readCall(r *http.Request) Call {
	c := Call{Method: strings.TrimPrefix(r.URL.Path, "/"), Form: url.Values{}, At: time.Now()}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<22))
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		c.Form = jsonForm(raw)
	} else if form, err := url.ParseQuery(string(raw)); err == nil {
		c.Form = form
	}
	for k, vs := range r.URL.Query() {
		c.Form[k] = append(c.Form[k], vs...)
	}
	if bearer, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); found {
		c.Token, c.TokenIn = bearer, "header"
	} else if t := c.Form.Get("token"); t != "" {
		c.Token, c.TokenIn = t, "form"
	}
	c.fill()
	return c
}

// jsonForm flattens a JSON body into form values (nested values as JSON),
// so both encodings are read the same way.
func jsonForm(raw []byte) url.Values {
	form := url.Values{}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return form
	}
	for k, v := range obj {
		var s string
		if json.Unmarshal(v, &s) == nil {
			form.Set(k, s)
		} else {
			form.Set(k, string(v))
		}
	}
	return form
}

func (s *Server) authTest(*Call) answer {
	return ok(map[string]any{"url": "https://issueops-test.slack.com/", "team": "issueops-test",
		"user": "issueops", "team_id": "T0000000001", "user_id": "U0000000001", "bot_id": "B0000000001"})
}

func unknownMethod(*Call) answer { return slackError("unknown_method") }
