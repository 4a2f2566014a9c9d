package store

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/issueops/issueops/app"
)

var opRepo = app.Repo{Owner: "acme", Name: "widgets"}

const opRepoID = 1296269

// newOp is an operation on issue of opRepo, waiting for approval, that
// needs the slots of env (and of its lock group, if given).
func newOp(issue int, env, requester string, group ...string) app.Operation {
	slots := []string{"env:" + env}
	for _, g := range group {
		slots = append(slots, "group:"+g)
	}
	return app.Operation{Issue: app.IssueKey{RepoID: opRepoID, Repo: opRepo, Number: issue}, InstallationID: 42,
		Kind: app.KindDeploy, Environment: env, Ref: "v1.4.0", SHA: "0123456789abcdef0123456789abcdef01234567",
		Requester: requester, Params: map[string]string{"reason": "ship it"}, Hash: "h1",
		State: app.OpAwaitingApproval, Slots: slots, DeliveryID: "d-1"}
}

type counter interface {
	count(ctx context.Context, query string, args ...any) (int, error)
}

func count(t *testing.T, st *Store, query string, args ...any) int {
	t.Helper()
	n, err := st.engine.(counter).count(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustCreate(t *testing.T, st *Store, op app.Operation) app.Operation {
	t.Helper()
	created, err := st.CreateOperation(context.Background(), op)
	if err != nil {
		t.Fatal(err)
	}
	return created
}

func mustRead(t *testing.T, st *Store, id int64) app.Operation {
	t.Helper()
	op, err := st.Operation(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return op
}

func TestOperationCreateReadUpdate(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		ctx := context.Background()
		before := time.Now().Add(-time.Millisecond)
		op := newOp(7, "production", "alice", "backend")
		op.ConfirmBy = time.UnixMilli(1_700_000_000_123).UTC()
		created := mustCreate(t, st, op)
		if created.ID == 0 || created.CreatedAt.Before(before) || !created.UpdatedAt.Equal(created.CreatedAt) {
			t.Fatalf("created %+v: want an id and creation times", created)
		}
		got := mustRead(t, st, created.ID)
		if !reflect.DeepEqual(got, created) {
			t.Fatalf("read back\n%+v\nwant\n%+v", got, created)
		}
		if _, err := st.Operation(ctx, created.ID+100); !errors.Is(err, app.ErrNotFound) {
			t.Fatalf("unknown id: %v, want ErrNotFound", err)
		}

		// Compare-and-set: a stale writer loses.
		got.State, got.ConfirmBy, got.Progress, got.DeploymentID = app.OpAwaitingConfirmation, time.Time{}, `{"step":1}`, 991
		got.StatusComment, got.StatusHash, got.Params["note"], got.Slots = 5, "sh", "x", []string{"env:production"}
		if err := st.UpdateOperation(ctx, got, app.OpAwaitingApproval); err != nil {
			t.Fatal(err)
		}
		if err := st.UpdateOperation(ctx, got, app.OpAwaitingApproval); !errors.Is(err, app.ErrStateChanged) {
			t.Fatalf("stale update: %v, want ErrStateChanged", err)
		}
		if err := st.UpdateOperation(ctx, app.Operation{ID: created.ID + 100, State: app.OpDenied}, app.OpAwaitingApproval); !errors.Is(err, app.ErrNotFound) {
			t.Fatalf("update of an unknown id: %v, want ErrNotFound", err)
		}
		again := mustRead(t, st, created.ID)
		if again.State != app.OpAwaitingConfirmation || !again.ConfirmBy.IsZero() || again.Progress != `{"step":1}` ||
			again.DeploymentID != 991 || again.StatusComment != 5 || again.Params["note"] != "x" || len(again.Slots) != 1 ||
			!again.CreatedAt.Equal(created.CreatedAt) {
			t.Fatalf("after update: %+v", again)
		}

		// Into or out of the queue only through Enqueue and Finish.
		moved := again
		moved.State = app.OpRunning
		if err := st.UpdateOperation(ctx, moved, app.OpAwaitingConfirmation); err == nil || errors.Is(err, app.ErrStateChanged) {
			t.Fatalf("update into running: %v, want a refusal", err)
		}
		queued := newOp(8, "staging", "bob")
		queued.State = app.OpQueued
		if _, err := st.CreateOperation(ctx, queued); err == nil {
			t.Fatal("created an operation straight into the queue")
		}

		if byIssue, found, err := st.IssueOperation(ctx, op.Issue); err != nil || !found || byIssue.ID != created.ID {
			t.Fatalf("IssueOperation = %d, %v, %v", byIssue.ID, found, err)
		}
		if _, found, err := st.IssueOperation(ctx, app.IssueKey{RepoID: opRepoID, Number: 99}); err != nil || found {
			t.Fatalf("IssueOperation of an issue without one = %v, %v", found, err)
		}
		if byDep, found, err := st.OperationByDeployment(ctx, opRepoID, 991); err != nil || !found || byDep.ID != created.ID {
			t.Fatalf("OperationByDeployment = %d, %v, %v", byDep.ID, found, err)
		}
		if _, found, err := st.OperationByDeployment(ctx, 42, 991); err != nil || found {
			t.Fatalf("OperationByDeployment of another repository = %v, %v", found, err)
		}
	})
}

// Sixteen workers create an operation on one issue at once: the database,
// not a read before the insert, lets exactly one through.
func TestOneOpenOperationPerIssue(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		ctx := context.Background()
		var created, exists atomic.Int32
		var wg sync.WaitGroup
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := st.CreateOperation(ctx, newOp(7, "production", "alice"))
				switch {
				case err == nil:
					created.Add(1)
				case errors.Is(err, app.ErrOperationExists):
					exists.Add(1)
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if created.Load() != 1 || exists.Load() != 15 {
			t.Fatalf("created %d, refused %d; want 1 and 15", created.Load(), exists.Load())
		}
		first, _, _ := st.IssueOperation(ctx, newOp(7, "", "").Issue)
		first.State = app.OpDenied
		if err := st.UpdateOperation(ctx, first, app.OpAwaitingApproval); err != nil {
			t.Fatal(err)
		}
		second := mustCreate(t, st, newOp(7, "production", "alice")) // the first one ended
		if newest, _, _ := st.IssueOperation(ctx, first.Issue); newest.ID != second.ID {
			t.Fatalf("IssueOperation = %d, want the newest, %d", newest.ID, second.ID)
		}
		first.State = app.OpAwaitingApproval
		if err := st.UpdateOperation(ctx, first, app.OpDenied); !errors.Is(err, app.ErrOperationExists) {
			t.Fatalf("reviving an ended operation next to an open one: %v, want ErrOperationExists", err)
		}
		other := newOp(7, "production", "alice")
		other.Issue.RepoID = 42 // same number, another repository
		mustCreate(t, st, other)
	})
}

func TestApprovalsAreRecordedOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		ctx := context.Background()
		op := mustCreate(t, st, newOp(7, "production", "alice"))
		at := time.UnixMilli(1_700_000_000_000).UTC()
		for i, c := range []struct {
			a    app.Approval
			want bool
		}{
			{app.Approval{OpID: op.ID, Login: "bob", Hash: "h1", At: at}, true},
			{app.Approval{OpID: op.ID, Login: "bob", Hash: "h1", At: at.Add(time.Second)}, false},
			{app.Approval{OpID: op.ID, Login: "carol", Hash: "h1", At: at.Add(2 * time.Second)}, true},
			{app.Approval{OpID: op.ID, Login: "bob", Hash: "h2", At: at.Add(3 * time.Second)}, true}, // a new snapshot
		} {
			if added, err := st.AddApproval(ctx, c.a); err != nil || added != c.want {
				t.Fatalf("approval %d: added=%v, %v; want %v", i, added, err, c.want)
			}
		}
		list, err := st.Approvals(ctx, op.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []app.Approval{{OpID: op.ID, Login: "bob", Hash: "h1", At: at},
			{OpID: op.ID, Login: "carol", Hash: "h1", At: at.Add(2 * time.Second)},
			{OpID: op.ID, Login: "bob", Hash: "h2", At: at.Add(3 * time.Second)}}
		if !reflect.DeepEqual(list, want) {
			t.Fatalf("approvals %+v, want %+v", list, want)
		}
		if _, err := st.AddApproval(ctx, app.Approval{OpID: op.ID + 100, Login: "bob", Hash: "h1"}); !errors.Is(err, app.ErrNotFound) {
			t.Fatalf("approval of an unknown operation: %v, want ErrNotFound", err)
		}
		if none, err := st.Approvals(ctx, op.ID+100); err != nil || len(none) != 0 {
			t.Fatalf("approvals of an unknown operation = %v, %v", none, err)
		}
	})
}
