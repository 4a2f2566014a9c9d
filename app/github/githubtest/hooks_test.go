package githubtest_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/issueops/issueops/app/github/githubtest"
)

// hookReceiver is an app's webhook endpoint that records what it got.
type hookReceiver struct {
	*httptest.Server
	mu    sync.Mutex
	got   []http.Header
	body  [][]byte
	reply int
}

func newReceiver(t *testing.T, reply int) *hookReceiver {
	r := &hookReceiver{reply: reply}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, req.Header.Clone())
		r.body = append(r.body, b)
		r.mu.Unlock()
		w.WriteHeader(r.reply)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *hookReceiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// closedURL is a loopback URL nothing listens on: a delivery there fails to
// connect, as to an app that is down.
func closedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/webhook"
	ln.Close()
	return url
}

const hookPayload = `{"action":"created","installation":{"id":77},"repository":{"id":1296269},"comment":{"id":1}}`

// seedHookAttempts makes sure the fake has a failed and a delivered attempt
// and a live webhook, and returns the failed attempt's id.
func seedHookAttempts(t *testing.T, s *githubtest.Server) int64 {
	t.Helper()
	if len(s.HookAttempts()) == 0 {
		s.SetWebhook(closedURL(t), "sekrit")
		s.SendWebhook("issue_comment", []byte(hookPayload))
		s.SetWebhook(newReceiver(t, http.StatusAccepted).URL, "sekrit")
		s.SendWebhook("issue_comment", []byte(hookPayload))
	}
	s.SetWebhook(newReceiver(t, http.StatusAccepted).URL, "sekrit")
	for _, a := range s.HookAttempts() {
		if a.Status != "OK" {
			return a.ID
		}
	}
	t.Fatal("no failed attempt")
	return 0
}

func TestWebhookDeliveryFailsWhileDownAndIsRedelivered(t *testing.T) {
	s := newServer(t)
	s.SetWebhook(closedURL(t), "sekrit")
	guid, status := s.SendWebhook("issue_comment", []byte(hookPayload))
	if status != 0 || guid == "" {
		t.Fatalf("delivery to a down app: guid %q status %d", guid, status)
	}
	down := newReceiver(t, http.StatusServiceUnavailable)
	s.SetWebhook(down.URL, "sekrit")
	if _, status := s.SendWebhook("ping", []byte(`{"zen":"z"}`)); status != 503 {
		t.Fatalf("status %d; want the app's 503", status)
	}
	attempts := s.HookAttempts()
	if len(attempts) != 2 || attempts[0].Status != "failed to connect to host" || attempts[0].StatusCode != 0 ||
		attempts[1].Status != "Invalid HTTP Response: 503" || attempts[0].Action != "created" || attempts[1].ID <= attempts[0].ID {
		t.Fatalf("attempts %+v", attempts)
	}

	// The list, newest first, as go-github's HookDelivery reads it.
	r := do(t, s, "GET", "app/hook/deliveries?per_page=1", "Bearer "+appJWT(t), "")
	var page []map[string]any
	if err := json.Unmarshal(r.body, &page); err != nil || r.status != 200 || len(page) != 1 {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	if page[0]["event"] != "ping" || page[0]["action"] != nil || page[0]["installation_id"] != nil {
		t.Errorf("newest first: %s", r.body)
	}
	base := strings.TrimSuffix(s.URL, "/")
	wantLink := fmt.Sprintf(`<%s/app/hook/deliveries?per_page=1&cursor=v1_%d>; rel="next"`, base, attempts[0].ID)
	if got := r.header.Get("Link"); got != wantLink {
		t.Fatalf("Link\n got  %s\n want %s", got, wantLink)
	}
	r = do(t, s, "GET", fmt.Sprintf("app/hook/deliveries?per_page=1&cursor=v1_%d", attempts[0].ID), "Bearer "+appJWT(t), "")
	if err := json.Unmarshal(r.body, &page); err != nil || len(page) != 1 || page[0]["guid"] != guid ||
		page[0]["installation_id"] != float64(77) || page[0]["repository_id"] != float64(1296269) || r.header.Get("Link") != "" {
		t.Fatalf("last page: %s, Link %q", r.body, r.header.Get("Link"))
	}
	if r := do(t, s, "GET", "app/hook/deliveries", "token nope", ""); r.status != 401 {
		t.Errorf("list without the App JWT: %d", r.status)
	}

	// Redelivery: 202 at once, then the same guid, headers and body with a
	// fresh signature, recorded as a redelivery.
	up := newReceiver(t, http.StatusAccepted)
	s.SetWebhook(up.URL, "new-secret")
	r = do(t, s, "POST", fmt.Sprintf("app/hook/deliveries/%d/attempts", attempts[0].ID), "Bearer "+appJWT(t), "")
	if r.status != 202 || strings.TrimSpace(string(r.body)) != "{}" {
		t.Fatalf("redeliver: %d %s", r.status, r.body)
	}
	deadline := time.Now().Add(5 * time.Second)
	for up.count() == 0 || len(s.HookAttempts()) < 3 {
		if time.Now().After(deadline) {
			t.Fatal("the redelivery never came")
		}
		time.Sleep(5 * time.Millisecond)
	}
	h, body := up.got[0], up.body[0]
	mac := hmac.New(sha256.New, []byte("new-secret"))
	mac.Write(body)
	if string(body) != hookPayload || h.Get("X-GitHub-Delivery") != guid || h.Get("X-GitHub-Event") != "issue_comment" ||
		h.Get("X-Hub-Signature-256") != "sha256="+hex.EncodeToString(mac.Sum(nil)) ||
		h.Get("X-GitHub-Hook-Installation-Target-Type") != "integration" || h.Get("Content-Type") != "application/json" {
		t.Errorf("redelivered %s with %v", body, h)
	}
	last := s.HookAttempts()[2]
	if !last.Redelivery || last.GUID != guid || last.Status != "OK" || last.StatusCode != 202 {
		t.Errorf("redelivery attempt %+v", last)
	}

	if r := do(t, s, "POST", "app/hook/deliveries/999/attempts", "Bearer "+appJWT(t), ""); r.status != 404 {
		t.Errorf("unknown attempt: %d", r.status)
	}
	s.Reset()
	if n := len(s.HookAttempts()); n != 0 {
		t.Errorf("Reset kept %d attempts", n)
	}
}
