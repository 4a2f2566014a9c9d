package slacktest

import (
	"net/http"
	"strconv"
)

// fault is one injected answer, taken by the next call.
type fault struct {
	status     int
	retryAfter int    // seconds; sent as Retry-After when > 0
	code       string // ok:false error code, for a 200 answer
}

// Down makes every call answer 503 until Up. Pending one-shot faults wait.
func (s *Server) Down() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = true
}

// Up ends Down.
func (s *Server) Up() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = false
}

// FailNext makes the next n calls answer status with an HTML body, as
// Slack's edge does for a 5xx (a 429 this way has no Retry-After).
func (s *Server) FailNext(n, status int) {
	s.queue(n, fault{status: status})
}

// RateLimitNext makes the next n calls answer 429 with Retry-After:
// retryAfterSeconds and Slack's ratelimited error.
func (s *Server) RateLimitNext(n, retryAfterSeconds int) {
	s.queue(n, fault{status: http.StatusTooManyRequests, retryAfter: retryAfterSeconds, code: "ratelimited"})
}

// ErrorNext makes the next n calls answer 200 with ok:false and code (for
// example "invalid_auth", "internal_error").
func (s *Server) ErrorNext(n int, code string) {
	s.queue(n, fault{status: http.StatusOK, code: code})
}

// FailChannel makes every post and update to channel (a name or an ID)
// answer ok:false with code (for example "not_in_channel", "is_archived"),
// until called again with code "".
func (s *Server) FailChannel(channel, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _ := s.resolve(channel, true)
	if id == "" {
		return
	}
	if code == "" {
		delete(s.failing, id)
		return
	}
	s.failing[id] = code
}

func (s *Server) queue(n int, f fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// takeFault returns the answer a fault imposes on the call being handled,
// if any. The caller holds s.mu.
func (s *Server) takeFault() (answer, bool) {
	if s.down {
		return answer{status: http.StatusServiceUnavailable}, true
	}
	if len(s.faults) == 0 {
		return answer{}, false
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	a := answer{status: f.status}
	if f.retryAfter > 0 {
		a.header = http.Header{"Retry-After": {strconv.Itoa(f.retryAfter)}}
	}
	if f.code != "" {
		a.body, a.errCode = map[string]any{"ok": false, "error": f.code}, f.code
	}
	return a, true
}
