package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/issueops/issueops/app/store"
	"github.com/issueops/issueops/app/store/storetest"
)

const redeliverRoute = "POST /app/hook/deliveries/{delivery_id}/attempts"

// The server is down while 20 commands are sent; GitHub records the
// deliveries as failed and does not retry them. When the server comes back
// on the same database, its recovery pass asks GitHub to redeliver each one,
// and all 20 run exactly once.
func TestMissedDeliveriesAreRecoveredAfterRestart(t *testing.T) {
	fake, keyPath := appFake(t)
	secret := rememberSecret(fmt.Sprintf("whsec-recover-%d", time.Now().UnixNano()))
	dbURL := storetest.SQLiteURL(t)
	addr := ""
	appMode := func(c *config) {
		c.githubToken, c.appID, c.privateKeyPath = "", 4242, keyPath
		c.webhookSecret, c.databaseURL, c.addr = secret, dbURL, addr
		c.recoverInterval, c.recoverWindow = 500*time.Millisecond, time.Hour
	}

	// Up: a command delivered by GitHub is answered, and a recovery pass
	// runs after it (its checkpoint then covers it).
	s1 := startServer(t, fake, appMode)
	addr = strings.TrimPrefix(s1.url, "http://")
	fake.SetWebhook(s1.url+"/webhook", secret)
	sentOK := time.Now()
	okGUID, status := fake.SendWebhook("issue_comment", comment{id: 5000, issue: 100, body: "/help", install: 77}.payload())
	if status != 202 {
		t.Fatalf("delivery while up: %d", status)
	}
	waitFor(t, "the reply while up", func() bool { return len(replies(fake, 100)) == 1 })
	waitFor(t, "a recovery pass after it", func() bool {
		for _, r := range fake.RequestsTo("GET /app/hook/deliveries") {
			if r.At.After(sentOK) && r.Status == 200 {
				return true
			}
		}
		return false
	})
	s1.stop()

	// Down: GitHub's deliveries fail to connect.
	const n = 20
	guids := make([]string, n)
	for i := range n {
		var status int
		guids[i], status = fake.SendWebhook("issue_comment", comment{id: int64(5001 + i), issue: i + 1, body: "/help", install: 77}.payload())
		if status != 0 {
			t.Fatalf("delivery %d to a stopped server answered %d", i, status)
		}
	}

	// Back, on the same address and database.
	restart := time.Now()
	s2 := startServer(t, fake, appMode)
	waitFor(t, "20 replies", func() bool {
		for i := 1; i <= n; i++ {
			if len(replies(fake, i)) == 0 {
				return false
			}
		}
		return true
	})
	took := time.Since(restart)
	t.Logf("restart to the last of %d replies: %s (recover interval 500ms)", n, took.Round(time.Millisecond))

	time.Sleep(1500 * time.Millisecond) // three more passes: none may ask again
	for i := 1; i <= n; i++ {
		if got := len(replies(fake, i)); got != 1 {
			t.Errorf("issue %d: %d replies; want exactly 1", i, got)
		}
	}
	if got := len(replies(fake, 100)); got != 1 {
		t.Errorf("the command answered while up got %d replies", got)
	}
	asked := map[string]int{}
	attempts := map[int64]string{}
	for _, a := range fake.HookAttempts() {
		attempts[a.ID] = a.GUID
	}
	for _, r := range fake.RequestsTo(redeliverRoute) {
		var id int64
		fmt.Sscanf(strings.TrimPrefix(r.Path, "/app/hook/deliveries/"), "%d", &id)
		asked[attempts[id]]++
	}
	if len(asked) != n {
		t.Errorf("redeliveries asked for %d guids; want %d", len(asked), n)
	}
	for guid, k := range asked {
		if k != 1 {
			t.Errorf("redelivery of %s asked %d times; want once", guid, k)
		}
	}
	if asked[okGUID] != 0 {
		t.Errorf("the delivery that succeeded was redelivered")
	}
	if m := s2.metrics(); !strings.Contains(m, "issueops_deliveries_recovered_total 20") ||
		!strings.Contains(m, `issueops_redelivery_requests_total{status="accepted"} 20`) {
		t.Errorf("recovery metrics:\n%s", grepLines(m, "recover"))
	}
	s2.stop()

	st, err := store.Open(context.Background(), dbURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i, guid := range guids {
		d, err := st.Delivery(context.Background(), guid)
		if err != nil {
			t.Errorf("delivery %d (%s) not stored: %v", i, guid, err)
			continue
		}
		if d.Runs != 1 || d.Status != store.StatusProcessed {
			t.Errorf("delivery %d: runs %d, status %s; want taken up once and processed", i, d.Runs, d.Status)
		}
	}
}
