package githubtest

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// FaultKind is a way GitHub can fail, so tests can prove the app's retry,
// back-off and idempotency handling.
type FaultKind int

const (
	// Status500 answers 500 {"message":"Server Error"}.
	Status500 FaultKind = iota
	// Status502 answers 502 {"message":"Server Error"}, as GitHub's
	// front end does when a backend is unreachable.
	Status502
	// Status503 answers 503 {"message":"Service Unavailable"}.
	Status503
	// Timeout holds the request without answering for Fault.Hold (default
	// 30s) or until the client goes away or the server closes, then closes
	// the connection without a response.
	Timeout
	// PrimaryRateLimit answers 403 with x-ratelimit-remaining: 0,
	// x-ratelimit-reset: now+Fault.Reset (default 60s) and GitHub's
	// "API rate limit exceeded for installation ID N." body.
	PrimaryRateLimit
	// SecondaryRateLimit403 answers 403 "You have exceeded a secondary rate
	// limit..." with Retry-After when Fault.RetryAfter > 0.
	SecondaryRateLimit403
	// TooMany429 answers 429 with the secondary-rate-limit body and
	// Retry-After when Fault.RetryAfter > 0.
	TooMany429
	// DropAfterWrite runs the real handler (its state change stands) and
	// then closes the connection without writing any response, so the
	// client sees an error such as EOF although the write happened. (Go's
	// transport silently retries a body-less GET that fails this way on a
	// reused connection, so test it with POST/PATCH or a fresh connection.)
	DropAfterWrite
)

// String names the kind, for test names and failure messages.
func (k FaultKind) String() string {
	switch k {
	case Status500:
		return "Status500"
	case Status502:
		return "Status502"
	case Status503:
		return "Status503"
	case Timeout:
		return "Timeout"
	case PrimaryRateLimit:
		return "PrimaryRateLimit"
	case SecondaryRateLimit403:
		return "SecondaryRateLimit403"
	case TooMany429:
		return "TooMany429"
	case DropAfterWrite:
		return "DropAfterWrite"
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// Fault describes requests to fail and how.
type Fault struct {
	// Method restricts the fault to one HTTP method; "" matches any.
	Method string
	// Route restricts the fault to one route, written as in Request.Route
	// ("POST /repos/{owner}/{repo}/issues/{issue_number}/comments") or as
	// the bare pattern; "" matches any request, including unknown paths.
	Route string
	Kind  FaultKind
	// Times is how many matching requests get the fault; 0 means 1.
	Times int
	// RetryAfter, when > 0, is sent as Retry-After (whole seconds, rounded
	// up) by SecondaryRateLimit403 and TooMany429.
	RetryAfter time.Duration
	// Reset is how far ahead x-ratelimit-reset lies for PrimaryRateLimit
	// (default 60s).
	Reset time.Duration
	// Hold is how long Timeout holds a request (default 30s).
	Hold time.Duration
}

type faultEntry struct {
	f    Fault
	left int
}

// Inject queues a fault. Faults apply in the order injected: each request
// takes the first queued fault that matches and still has Times left.
func (s *Server) Inject(f Fault) {
	n := f.Times
	if n <= 0 {
		n = 1
	}
	s.faultMu.Lock()
	s.faults = append(s.faults, &faultEntry{f: f, left: n})
	s.faultPending.Add(int64(n))
	s.faultMu.Unlock()
}

// takeFault consumes one use of the first fault matching the request.
func (s *Server) takeFault(method, routeName string) (Fault, bool) {
	if s.faultPending.Load() <= 0 {
		return Fault{}, false
	}
	_, pattern, _ := strings.Cut(routeName, " ")
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	for i, e := range s.faults {
		if e.left <= 0 {
			continue
		}
		if e.f.Method != "" && !strings.EqualFold(e.f.Method, method) {
			continue
		}
		if e.f.Route != "" && e.f.Route != routeName && e.f.Route != pattern {
			continue
		}
		e.left--
		s.faultPending.Add(-1)
		if e.left == 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		return e.f, true
	}
	return Fault{}, false
}

// secondaryRateDoc ends in "secondary-rate-limits", which is how clients
// such as go-github recognise a secondary rate limit.
const secondaryRateDoc = "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"

// faultResponse builds the answer for every kind except Timeout and
// DropAfterWrite, which write nothing.
func (s *Server) faultResponse(f Fault, who *identity) *response {
	switch f.Kind {
	case Status500:
		return errorResponse(http.StatusInternalServerError, "Server Error", docRoot)
	case Status502:
		return errorResponse(http.StatusBadGateway, "Server Error", docRoot)
	case Status503:
		return errorResponse(http.StatusServiceUnavailable, "Service Unavailable", docRoot)
	case PrimaryRateLimit:
		reset := f.Reset
		if reset <= 0 {
			reset = 60 * time.Second
		}
		limit, _, _, _ := s.countRate(who, time.Now(), true)
		resp := errorResponse(http.StatusForbidden, rateLimitedMessage(who),
			"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-rate-limits")
		resp.header = http.Header{}
		setRateHeaders(resp.header, limit, 0, limit, time.Now().Add(reset))
		return resp
	case SecondaryRateLimit403, TooMany429:
		status := http.StatusForbidden
		if f.Kind == TooMany429 {
			status = http.StatusTooManyRequests
		}
		id := s.requestID()
		resp := errorResponse(status, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "+
			"If you reach out to GitHub Support for help, please include the request ID "+id+".", secondaryRateDoc)
		resp.header = http.Header{"X-Github-Request-Id": {id}}
		if f.RetryAfter > 0 {
			resp.header.Set("Retry-After", strconv.FormatInt(int64(math.Ceil(f.RetryAfter.Seconds())), 10))
		}
		return resp
	}
	return errorResponse(http.StatusInternalServerError, "githubtest: unknown fault kind "+f.Kind.String(), docRoot)
}

// rateLimitedMessage is GitHub's primary rate-limit message for who.
func rateLimitedMessage(who *identity) string {
	switch who.kind {
	case installation:
		return "API rate limit exceeded for installation ID " + strconv.FormatInt(who.installationID, 10) + "."
	case staticUser:
		return "API rate limit exceeded for user ID " + strconv.FormatInt(who.id, 10) + "."
	case app:
		return "API rate limit exceeded for app ID " + strconv.FormatInt(who.id, 10) + "."
	}
	return "API rate limit exceeded for " + strings.TrimPrefix(who.rateKey, "ip:") +
		". (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)"
}

// ClearFaults drops the queued faults of route (written as for Fault.Route;
// "" drops every fault), so a test can hold a request for as long as it
// needs (Timeout with a large Times) and then let it through.
func (s *Server) ClearFaults(route string) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	kept := s.faults[:0]
	for _, e := range s.faults {
		if route == "" || e.f.Route == route {
			s.faultPending.Add(-int64(e.left))
			continue
		}
		kept = append(kept, e)
	}
	s.faults = kept
}
