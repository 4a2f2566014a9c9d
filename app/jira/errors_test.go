package jira_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/jira"
	"github.com/issueops/issueops/app/jira/jiratest"
)

// everyMethod calls each method of app.Jira on seeded data that would
// succeed without a fault.
var everyMethod = []struct {
	name string
	call func(context.Context, app.Jira, jiratest.Version) error
}{
	{"EnsureVersion", func(ctx context.Context, j app.Jira, _ jiratest.Version) error {
		_, err := j.EnsureVersion(ctx, "OPS", "api 2.0")
		return err
	}},
	{"AddFixVersion", func(ctx context.Context, j app.Jira, v jiratest.Version) error {
		return j.AddFixVersion(ctx, "OPS-1", v.Name)
	}},
	{"LinkRelease", func(ctx context.Context, j app.Jira, _ jiratest.Version) error {
		return j.LinkRelease(ctx, "OPS-1", "g", "https://example.com/r", "r")
	}},
	{"ReleaseVersion", func(ctx context.Context, j app.Jira, v jiratest.Version) error {
		return j.ReleaseVersion(ctx, v.ID, time.Now())
	}},
}

func seeded(t *testing.T) (*jiratest.Server, jiratest.Version) {
	s := jiratest.New(t)
	s.AddIssue("OPS-1")
	return s, s.AddVersion("OPS", "api 1.0")
}

type kind int

const (
	transient kind = iota
	permanent
	notFound
	rateLimited
)

func kindOf(err error) kind {
	var later *app.RetryAfterError
	switch {
	case errors.As(err, &later):
		return rateLimited
	case errors.Is(err, app.ErrNotFound):
		return notFound
	case errors.Is(err, app.ErrPermanent):
		return permanent
	}
	return transient
}

func TestFaultsAreClassified(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter string
		want       kind
		wantDelay  time.Duration
	}{
		{"429 with seconds", 429, "120", rateLimited, 120 * time.Second},
		{"429 without Retry-After", 429, "", rateLimited, time.Minute},
		{"429 with a date", 429, time.Now().Add(10 * time.Minute).UTC().Format(http.TimeFormat), rateLimited, 10 * time.Minute},
		{"429 asking for a day", 429, "86400", rateLimited, time.Hour},
		{"503", 503, "", transient, 0},
		{"500", 500, "", transient, 0},
		{"502", 502, "", transient, 0},
		{"400", 400, "", permanent, 0},
		{"401", 401, "", permanent, 0},
		{"403", 403, "", permanent, 0},
		{"409", 409, "", permanent, 0},
		{"404", 404, "", notFound, 0},
	}
	for _, m := range everyMethod {
		for _, tt := range tests {
			t.Run(m.name+"/"+tt.name, func(t *testing.T) {
				s, v := seeded(t)
				s.FailNext(1, tt.status, tt.retryAfter)
				err := m.call(context.Background(), newClient(t, s), v)
				if got := kindOf(err); got != tt.want {
					t.Fatalf("error %v: kind %d, want %d", err, got, tt.want)
				}
				var later *app.RetryAfterError
				if errors.As(err, &later) && (later.Delay < tt.wantDelay-2*time.Second || later.Delay > tt.wantDelay) {
					t.Errorf("delay %s, want %s", later.Delay, tt.wantDelay)
				}
				var se *jira.StatusError
				if !errors.As(err, &se) || se.StatusCode != tt.status {
					t.Errorf("error %v: want a StatusError %d", err, tt.status)
				}
			})
		}
	}
}

func TestWrongCredentialsArePermanent(t *testing.T) {
	for _, m := range everyMethod {
		t.Run(m.name, func(t *testing.T) {
			s, v := seeded(t)
			s.SetCredentials(jiratest.DefaultUser, "another-token")
			err := m.call(context.Background(), newClient(t, s), v)
			var se *jira.StatusError
			if kindOf(err) != permanent || !errors.As(err, &se) || se.StatusCode != 401 || !strings.Contains(se.Message, "not authenticated") {
				t.Errorf("error %v: want a permanent 401 with Jira's message", err)
			}
		})
	}
}

func TestBearerTokenWithoutUser(t *testing.T) {
	s, v := seeded(t)
	s.SetCredentials("", "data-center-pat")
	c, err := jira.New(jira.Config{BaseURL: s.URL(), Token: "data-center-pat"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range everyMethod {
		if err := m.call(context.Background(), c, v); err != nil {
			t.Errorf("%s: %v", m.name, err)
		}
	}
}

func TestOutageThenRecovery(t *testing.T) {
	s, v := seeded(t)
	c := newClient(t, s)
	s.Down(true)
	for _, m := range everyMethod {
		if err := m.call(context.Background(), c, v); err == nil || kindOf(err) != transient {
			t.Errorf("%s while down: %v, want transient", m.name, err)
		}
	}
	s.Down(false)
	for _, m := range everyMethod {
		if err := m.call(context.Background(), c, v); err != nil {
			t.Errorf("%s when up: %v", m.name, err)
		}
	}
}

func TestTimeoutIsTransient(t *testing.T) {
	s, v := seeded(t)
	s.Slow(2 * time.Second)
	c, err := jira.New(jira.Config{BaseURL: s.URL(), User: jiratest.DefaultUser, Token: jiratest.DefaultToken,
		Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range everyMethod {
		err := m.call(context.Background(), c, v)
		var ne net.Error
		if kindOf(err) != transient || !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("%s: %v, want a transient timeout", m.name, err)
		}
	}
}

func TestConnectionRefusedIsTransient(t *testing.T) {
	s := jiratest.NewServer()
	url := s.URL()
	s.Close()
	c, err := jira.New(jira.Config{BaseURL: url, User: "u", Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range everyMethod {
		if err := m.call(context.Background(), c, jiratest.Version{ID: "1", Name: "x"}); err == nil || kindOf(err) != transient {
			t.Errorf("%s: %v, want transient", m.name, err)
		}
	}
}

// A server that echoes the credentials it got must not get them into an
// error, nor may an unbounded message.
func TestErrorsCarryNoSecretAndStayShort(t *testing.T) {
	const user, token = "me@example.com", "s3cr3t-T0KEN-value"
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + token))
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		auth := r.Header.Get("Authorization")
		_, _ = w.Write([]byte(`{"errorMessages":["you sent ` + auth + ` with ` + token + `", "` +
			strings.Repeat("long ", 100) + `"],"errors":{"name":"bad"}}`))
	}))
	defer echo.Close()
	c, err := jira.New(jira.Config{BaseURL: echo.URL, User: user, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range everyMethod {
		err := m.call(context.Background(), c, jiratest.Version{ID: "1", Name: "x"})
		var se *jira.StatusError
		if !errors.As(err, &se) || !strings.Contains(se.Message, "you sent Basic [redacted] with [redacted]") {
			t.Fatalf("%s: %v, want Jira's message redacted", m.name, err)
		}
		if msg := err.Error(); strings.Contains(msg, token) || strings.Contains(msg, basic) {
			t.Errorf("%s: error %q carries the credentials", m.name, msg)
		}
		if n := len([]rune(se.Message)); n > 200 {
			t.Errorf("%s: message of %d runes", m.name, n)
		}
	}
}

func TestPlainTextAndHTMLBodies(t *testing.T) {
	tests := []struct {
		name, contentType, body, want string
	}{
		{"plain text", "text/plain;charset=UTF-8", "Basic authentication with passwords is deprecated.\n", "Basic authentication with passwords is deprecated."},
		{"html page", "text/html", "<html><body>Oops</body></html>", ""},
		{"empty", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(http.StatusForbidden)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c, err := jira.New(jira.Config{BaseURL: srv.URL, User: "u", Token: "t0ken"})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range everyMethod {
				err := m.call(context.Background(), c, jiratest.Version{ID: "1", Name: "x"})
				var se *jira.StatusError
				if !errors.As(err, &se) || kindOf(err) != permanent {
					t.Fatalf("%s: %v, want permanent", m.name, err)
				}
				// LinkRelease goes through go-jira's own error reader, which
				// keeps no text of a body that is not JSON.
				if se.Message != tt.want && !(m.name == "LinkRelease" && se.Message == "") {
					t.Errorf("%s: message %q, want %q", m.name, se.Message, tt.want)
				}
			}
		})
	}
}

func TestRedirectIsRefused(t *testing.T) {
	s, v := seeded(t)
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, s.URL()+r.URL.Path, http.StatusMovedPermanently)
	}))
	defer redirect.Close()
	c, err := jira.New(jira.Config{BaseURL: redirect.URL, User: jiratest.DefaultUser, Token: jiratest.DefaultToken})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range everyMethod {
		err := m.call(context.Background(), c, v)
		if kindOf(err) != permanent || !strings.Contains(err.Error(), s.URL()) {
			t.Errorf("%s: %v, want permanent naming the target", m.name, err)
		}
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("the redirect target got %d requests", n)
	}
}

func TestConfigHidesToken(t *testing.T) {
	cfg := jira.Config{BaseURL: "https://x", User: "u", Token: "hunter2"}
	for _, s := range []string{cfg.String(), fmt.Sprintf("%v %+v", cfg, cfg), cfg.LogValue().String()} {
		if strings.Contains(s, "hunter2") || !strings.Contains(s, "redacted") {
			t.Errorf("%q", s)
		}
	}
}
