package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/issueops/issueops/app"
)

var issueKey = app.IssueKey{RepoID: 1296269, Repo: app.Repo{Owner: "acme", Name: "widgets"}, Number: 7}

func TestRequestLeaseSaveAndRelease(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		ctx := context.Background()
		r, ok, err := st.LeaseRequest(ctx, issueKey, "d1", time.Minute)
		if err != nil || !ok || r.State != app.RequestNew || r.Key != issueKey {
			t.Fatalf("first lease = %+v, %v, %v", r, ok, err)
		}
		if _, ok, err := st.LeaseRequest(ctx, issueKey, "d2", time.Minute); err != nil || ok {
			t.Fatalf("a second holder leased a held issue: %v, %v", ok, err)
		}
		if _, ok, _ := st.LeaseRequest(ctx, issueKey, "d1", time.Minute); !ok {
			t.Fatal("the holder could not take its own lease again (a retry after a crash)")
		}
		r.Action, r.State, r.CommentID, r.CommentHash, r.BodyHash = "deploy", app.RequestValid, 99, "c", "b"
		r.Params, r.SHA = map[string]string{"environment": "staging"}, "abc"
		if err := st.SaveRequest(ctx, r, "d2"); !errors.Is(err, app.ErrLeaseLost) {
			t.Fatalf("save by a non-holder = %v, want ErrLeaseLost", err)
		}
		if err := st.SaveRequest(ctx, r, "d1"); err != nil {
			t.Fatal(err)
		}
		// Keyed by repository id: the request survives a rename, and a new
		// repository under the old name starts afresh.
		other := app.IssueKey{RepoID: issueKey.RepoID, Repo: app.Repo{Owner: "acme", Name: "renamed"}, Number: 7}
		if r, ok, err := st.LeaseRequest(ctx, app.IssueKey{RepoID: 42, Repo: issueKey.Repo, Number: 7}, "d9", time.Minute); err != nil || !ok || r.State != app.RequestNew {
			t.Fatalf("another repository under the same name saw %+v, %v, %v", r, ok, err)
		}
		got, ok, err := st.LeaseRequest(ctx, other, "d2", time.Minute)
		if err != nil || !ok {
			t.Fatalf("lease after save = %v, %v", ok, err)
		}
		if got.State != app.RequestValid || got.CommentID != 99 || got.Params["environment"] != "staging" || got.SHA != "abc" ||
			got.Action != "deploy" || got.CommentHash != "c" || got.BodyHash != "b" {
			t.Fatalf("read back %+v", got)
		}
		if err := st.ReleaseRequest(ctx, other, "d2"); err != nil {
			t.Fatal(err)
		}
		if again, ok, _ := st.LeaseRequest(ctx, issueKey, "d3", time.Minute); !ok || again.State != app.RequestValid {
			t.Fatalf("release must keep a validated request: %+v, %v", again, ok)
		}
	})
}

func TestRequestReleaseForgetsUnvalidated(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		ctx := context.Background()
		if _, _, err := st.LeaseRequest(ctx, issueKey, "d1", time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := st.ReleaseRequest(ctx, issueKey, "d1"); err != nil {
			t.Fatal(err)
		}
		n, err := st.engine.(interface {
			countRows(ctx context.Context, table string) (int, error)
		}).countRows(ctx, "requests")
		if err != nil || n != 0 {
			t.Fatalf("%d rows left after releasing a request never validated (%v), want 0", n, err)
		}
	})
}

func TestRequestLeaseExpires(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		ctx := context.Background()
		if _, ok, _ := st.LeaseRequest(ctx, issueKey, "crashed", 50*time.Millisecond); !ok {
			t.Fatal("no lease")
		}
		time.Sleep(60 * time.Millisecond)
		r, ok, err := st.LeaseRequest(ctx, issueKey, "next", time.Minute)
		if err != nil || !ok {
			t.Fatalf("an expired lease was not taken over: %v, %v", ok, err)
		}
		if err := st.SaveRequest(ctx, r, "crashed"); !errors.Is(err, app.ErrLeaseLost) {
			t.Fatalf("the old holder saved over the new one: %v", err)
		}
	})
}

// Many workers racing for one issue: at most one holds it at any time.
func TestRequestLeaseIsExclusive(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		ctx := context.Background()
		var holders, maxHolders, done atomic.Int32
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				holder := string(rune('a' + i))
				for {
					r, ok, err := st.LeaseRequest(ctx, issueKey, holder, time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if !ok {
						time.Sleep(time.Millisecond)
						continue
					}
					n := holders.Add(1)
					for m := maxHolders.Load(); n > m && !maxHolders.CompareAndSwap(m, n); m = maxHolders.Load() {
					}
					time.Sleep(time.Millisecond)
					holders.Add(-1)
					r.State = app.RequestInvalid
					if err := st.SaveRequest(ctx, r, holder); err != nil {
						t.Error(err)
					}
					done.Add(1)
					return
				}
			}()
		}
		wg.Wait()
		if maxHolders.Load() != 1 || done.Load() != 16 {
			t.Fatalf("max concurrent holders %d (want 1), done %d (want 16)", maxHolders.Load(), done.Load())
		}
	})
}
