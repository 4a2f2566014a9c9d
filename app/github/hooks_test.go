package github

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/github/githubtest"
	"github.com/issueops/issueops/app/recovery"
)

var _ recovery.GitHub = (*AppHook)(nil)

func TestAppHookListsPagesAndRedelivers(t *testing.T) {
	fake := appFake(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fake.SetWebhook("http://"+ln.Addr().String()+"/webhook", "s")
	ln.Close() // the app is down: every delivery fails
	var guids []string
	for range 5 {
		g, _ := fake.SendWebhook("issue_comment", []byte(`{"action":"created","installation":{"id":1}}`))
		guids = append(guids, g)
	}
	if _, ok := appClients(t, tokenFake(t), func(c *Config) { c.AppID, c.PrivateKey, c.Token = 0, nil, testToken }).AppHook(); ok {
		t.Fatal("token mode has no App webhook")
	}
	hook, ok := appClients(t, fake).AppHook()
	if !ok {
		t.Fatal("App mode has an App webhook")
	}
	ctx := context.Background()
	var got []recovery.Delivery
	cursor, pages := "", 0
	for {
		p, err := hook.ListDeliveries(ctx, cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		got = append(got, p.Deliveries...)
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	if pages != 3 || len(got) != 5 {
		t.Fatalf("%d pages, %d deliveries; want 3 and 5", pages, len(got))
	}
	for i, d := range got {
		if d.GUID != guids[4-i] || d.OK() || d.Event != "issue_comment" || d.Action != "created" ||
			d.DeliveredAt.IsZero() || time.Since(d.DeliveredAt) > time.Minute {
			t.Errorf("delivery %d: %+v", i, d)
		}
	}
	if err := hook.Redeliver(ctx, got[0].ID); err != nil {
		t.Fatalf("redeliver (202): %v", err)
	}
	if err := hook.Redeliver(ctx, 1); !errors.Is(err, app.ErrPermanent) {
		t.Errorf("redeliver of an unknown attempt: %v; want permanent", err)
	}
	fake.Inject(githubtest.Fault{Method: "POST", Route: "POST /app/hook/deliveries/{delivery_id}/attempts",
		Kind: githubtest.TooMany429, RetryAfter: 2 * time.Second})
	var later *app.RetryAfterError
	if err := hook.Redeliver(ctx, got[1].ID); !errors.As(err, &later) || later.Delay != 2*time.Second {
		t.Errorf("rate-limited redelivery: %v", err)
	}
	fake.Inject(githubtest.Fault{Method: "GET", Route: "GET /app/hook/deliveries", Kind: githubtest.Status502})
	if _, err := hook.ListDeliveries(ctx, "", 2); err == nil || errors.Is(err, app.ErrPermanent) {
		t.Errorf("a 502 listing: %v; want a transient error", err)
	}
}
