package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/issueops/issueops/app/github/githubtest"
	"github.com/issueops/issueops/app/store/storetest"
	"github.com/issueops/issueops/handlers"
)

// Subprocess tests of operations: real `issueops serve` processes, killed
// with SIGKILL or run side by side on one PostgreSQL database, with the fake
// GitHub playing GitHub and the test playing the CD system that acts on the
// deployments (AddDeploymentStatus).

// startReplica is startProcess with the process's logs also kept in logs
// (they still go to suiteLogs, which the suite scans for secrets), so a
// test can read what one process did.
func startReplica(t *testing.T, addr, secret string, logs *syncBuffer, args ...string) *process {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", addr}, args...)...)
	cmd.Env = append(os.Environ(), "ISSUEOPS_TEST_MAIN=1", "ISSUEOPS_WEBHOOK_SECRET="+secret)
	cmd.Stdout, cmd.Stderr = io.Discard, io.MultiWriter(&suiteLogs, logs)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{t: t, cmd: cmd, url: "http://" + addr, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	waitLong(t, 60*time.Second, "server ready", func() bool {
		resp, err := http.Get(p.url + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p
}

// sigkill kills p with SIGKILL and waits for it to be gone.
func sigkill(t *testing.T, p *process) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
}

// waitLong is waitFor with its own deadline: the machine these run on is
// shared, and a restart waits out River's leader election.
func waitLong(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	if !waitUntil(d, cond) {
		t.Fatalf("timed out after %s waiting for %s", d, what)
	}
}

// waitUntil polls cond until it holds (true) or d has passed (false).
func waitUntil(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// procOpArgs are the serve flags of these tests: processArgs (4 workers,
// --job-timeout 1s) with deploys polled every 200ms.
func procOpArgs(fake *githubtest.Server, dbURL string) []string {
	return append(processArgs(fake, dbURL), "--deploy-poll-interval", "200ms")
}

// deployPhase says where a deployment stands on GitHub: it has an
// in_progress status, and it has a final one (success, failure or error).
func deployPhase(fake *githubtest.Server, id int64) (inProgress, final bool) {
	for _, st := range fake.DeploymentStatuses("acme", "api", id) {
		switch st.State {
		case "in_progress":
			inProgress = true
		case "success", "failure", "error":
			final = true
		}
	}
	return inProgress, final
}

// runningDeployments lists the deployments the CD system is working on:
// in progress, no final status yet.
func runningDeployments(fake *githubtest.Server) []githubtest.Deployment {
	var out []githubtest.Deployment
	for _, d := range fake.Deployments("acme", "api") {
		if in, final := deployPhase(fake, d.ID); in && !final {
			out = append(out, d)
		}
	}
	return out
}

// deploymentOpID reads the operation id issueops put in a deployment's payload.
func deploymentOpID(d githubtest.Deployment) int64 {
	var p struct {
		Op int64 `json:"issueops_operation"`
	}
	_ = json.Unmarshal(d.Payload, &p)
	return p.Op
}

func countStates(fake *githubtest.Server, id int64) map[string]int {
	n := map[string]int{}
	for _, st := range fake.DeploymentStatuses("acme", "api", id) {
		n[st.State]++
	}
	return n
}

// statusSays reports whether issue n has a status comment containing word.
func statusSays(fake *githubtest.Server, n int, word string) bool {
	for _, c := range replies(fake, n) {
		if strings.Contains(c.Body, "<!-- issueops:operation=") && strings.Contains(c.Body, word) {
			return true
		}
	}
	return false
}

func countSaying(fake *githubtest.Server, n int, word string) int {
	k := 0
	for i := 1; i <= n; i++ {
		if statusSays(fake, i, word) {
			k++
		}
	}
	return k
}

// postComment sends an issue_comment delivery signed with secret to the
// server at url; safe from any goroutine (server.comment calls t.Fatal).
func postComment(url, secret string, c comment) (int, error) {
	body := c.payload()
	req, err := http.NewRequest(http.MethodPost, url+"/webhook", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "issue_comment")
	req.Header.Set("X-GitHub-Delivery", nextDeliveryID())
	req.Header.Set("X-Hub-Signature-256", handlers.Sign([]byte(secret), body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// dumpLogsOnFailure prints a process's logs when the test failed and -v is on.
func dumpLogsOnFailure(t *testing.T, name string, logs *syncBuffer) {
	t.Cleanup(func() {
		if t.Failed() && testing.Verbose() {
			t.Logf("%s logs:\n%s", name, logs.String())
		}
	})
}

// TestOpsKillDuringOperationsThenRestart proves that deploy operations
// survive kill -9 at their step boundaries and that a restart resumes each
// one without doing anything twice: ten /deploy commands to ten
// environments, the process killed (a) while the GitHub deployments are
// being created (some exist, some do not; with ResponseLatency a create may
// have happened on GitHub with its answer lost) and (b) once every
// deployment is in progress and the CD system has just reported success on
// some of them: those events reached the server but were not yet processed;
// more successes are reported while the server is down, so their
// deployment_status events are lost and only the deploy poll can finish
// those operations. In the end every operation succeeded, each environment
// has exactly one GitHub deployment carrying exactly one success, and each
// issue exactly one status comment. A start run twice shows as a second
// deployment of its environment (or one carrying another operation id); a
// lost operation never reaches "succeeded" and the wait fails.
//
// Timing: the workers run with --job-timeout 1s, so River rescues a job left
// "running" by the dead process once it has been stuck 2s. But only River's
// elected leader rescues, and the dead process's leadership lasts until its
// TTL runs out (River v0.47.0: elect interval 5s + 10s padding; the new
// process tries again every 5s), so a job cut off by the kill runs again
// only ~15-20s after the restart. Meanwhile its operation is stuck: its run
// job is unique while "running", so no poll runs it, and the issue lease
// the job held (--job-timeout + 30s) makes the operation's other work (the
// deployment_status delivery) retry "issue is busy" every second until the
// rescued job, the same holder, takes the lease back and finishes. Jobs
// that were not running when the process died (queued, or snoozed between
// deploy polls) run at once. Measured: 18-23s from each restart to its
// phase done (all in progress; all succeeded), nearly all of it waiting for
// the leadership; each subtest ~40s, run in parallel.
func TestOpsKillDuringOperationsThenRestart(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel() // most of each is waiting out River's leader election
			dbURL := ""
			if kind == "postgres" {
				dbURL = storetest.PostgresURL(t)
			} else {
				dbURL = storetest.SQLiteURL(t)
			}
			killDuringOperations(t, kind, dbURL)
		})
	}
}

func killDuringOperations(t *testing.T, kind, dbURL string) {
	const n = 10
	var policy strings.Builder
	policy.WriteString("environments:\n")
	for k := 1; k <= n; k++ {
		fmt.Fprintf(&policy, "  e%d: { deploy: { method: deployment } }\n", k)
	}
	// Every GitHub answer comes 40ms after the change was made: a kill
	// finds writes done on GitHub whose answer the process never read. (A
	// run step makes about seven requests: it must fit the 1s job timeout
	// on a loaded machine.)
	fake := newFake(t, githubtest.Options{Tokens: []string{"proc-token"}, ResponseLatency: 40 * time.Millisecond})
	opsRepo(t, fake, policy.String())
	grant(fake, "write", "alice")
	secret := rememberSecret("proc-secret")
	addr := freeAddr(t)
	logs := &syncBuffer{}
	dumpLogsOnFailure(t, "issueops serve", logs)
	p := startReplica(t, addr, secret, logs, procOpArgs(fake, dbURL)...)
	fake.SetWebhook(p.url+"/webhook", secret) // the address outlives each process
	for k := 1; k <= n; k++ {
		c := comment{id: int64(1000 + k), issue: k, body: fmt.Sprintf("/deploy v1.4.0 to e%d", k), login: "alice"}
		if code, err := postComment(p.url, secret, c); err != nil || code != http.StatusAccepted {
			t.Fatalf("comment %d: %d %v", k, code, err)
		}
	}

	// (a) kill -9 while the deployments are being created.
	waitLong(t, 60*time.Second, "the first deployments", func() bool { return len(fake.Deployments("acme", "api")) >= 2 })
	sigkill(t, p)
	madeA := len(fake.Deployments("acme", "api"))
	if madeA == n {
		t.Fatalf("all %d deployments made before the first kill: the test proves nothing", n)
	}
	restartA := time.Now()
	p = startReplica(t, addr, secret, logs, procOpArgs(fake, dbURL)...)
	// Each environment's deployment in progress, by environment.
	inProgress := func() map[string]githubtest.Deployment {
		out := map[string]githubtest.Deployment{}
		for _, d := range fake.Deployments("acme", "api") {
			if in, _ := deployPhase(fake, d.ID); in {
				out[d.Environment] = d
			}
		}
		return out
	}
	waitLong(t, 75*time.Second, "a deployment in progress in every environment", func() bool { return len(inProgress()) == n })
	tookA := time.Since(restartA)
	t.Logf("%s: kill (a): %d of %d deployments made; after the restart all %d in progress in %s",
		kind, madeA, n, n, tookA.Round(time.Millisecond))
	if got := len(fake.Deployments("acme", "api")); got != n {
		t.Errorf("%d deployments for %d operations after kill (a)", got, n)
	}

	// (b) the CD system reports success on four; the process dies right
	// after accepting their events, before it has processed them all.
	running := inProgress()
	env := func(k int) githubtest.Deployment { return running[fmt.Sprintf("e%d", k)] }
	for k := 1; k <= 4; k++ {
		fake.AddDeploymentStatus("acme", "api", env(k).ID, "success", "cd-bot")
	}
	sigkill(t, p)
	doneAtKill := countSaying(fake, n, "succeeded")
	// While it is down, three more succeed: GitHub cannot deliver those
	// events, and nobody redelivers them (token mode has no App webhook
	// recovery): the deploy poll must find them.
	for k := 5; k <= 7; k++ {
		fake.AddDeploymentStatus("acme", "api", env(k).ID, "success", "cd-bot")
	}
	lost := 0
	for _, a := range fake.HookAttempts() {
		if a.Event == "deployment_status" && a.StatusCode == 0 {
			lost++
		}
	}
	if lost != 3 {
		t.Errorf("%d deployment_status events failed to reach the dead server; want 3", lost)
	}
	restartB := time.Now()
	startReplica(t, addr, secret, logs, procOpArgs(fake, dbURL)...)

	// The CD system keeps working: every deployment in progress without a
	// final status gets its success.
	ctx, stop := context.WithCancel(context.Background())
	cdDone := make(chan struct{})
	defer func() { stop(); <-cdDone }()
	go func() {
		defer close(cdDone)
		for ctx.Err() == nil {
			for _, d := range runningDeployments(fake) {
				fake.AddDeploymentStatus("acme", "api", d.ID, "success", "cd-bot")
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	if !waitUntil(75*time.Second, func() bool { return countSaying(fake, n, "succeeded") == n }) {
		t.Errorf("after 75s, %d of %d operations succeeded", countSaying(fake, n, "succeeded"), n)
	}
	tookB := time.Since(restartB)
	t.Logf("%s: kill (b): %d of 4 reported operations had finished at the kill, 3 events lost; after the restart all %d succeeded in %s",
		kind, doneAtKill, n, tookB.Round(time.Millisecond))
	time.Sleep(500 * time.Millisecond) // anything still in flight would show now

	checkOnceEach(t, fake, n)
}

// checkOnceEach asserts that the n operations on issues 1..n (to e1..en)
// each made exactly one deployment with one success and one status comment.
func checkOnceEach(t *testing.T, fake *githubtest.Server, n int) {
	t.Helper()
	byEnv := map[string][]githubtest.Deployment{}
	opIDs := map[int64]int{}
	for _, d := range fake.Deployments("acme", "api") {
		byEnv[d.Environment] = append(byEnv[d.Environment], d)
		opIDs[deploymentOpID(d)]++
	}
	for k := 1; k <= n; k++ {
		env := fmt.Sprintf("e%d", k)
		if got := len(byEnv[env]); got != 1 {
			t.Errorf("%s has %d deployments; want exactly 1", env, got)
		}
		for _, d := range byEnv[env] {
			states := countStates(fake, d.ID)
			if states["success"] != 1 || states["failure"]+states["error"] != 0 {
				t.Errorf("%s: deployment %d statuses %v; want exactly one success and no failure", env, d.ID, statesOf(fake, d.ID))
			}
			if states["in_progress"] > 1 {
				t.Logf("note: %s: deployment %d marked in_progress %d times (a run cut off after the status, before it saved that)",
					env, d.ID, states["in_progress"])
			}
		}
		cs := replies(fake, k)
		if len(cs) != 1 || !strings.Contains(cs[0].Body, "succeeded") {
			t.Errorf("issue %d has %d comments; want the one status comment, succeeded: %+v", k, len(cs), cs)
		}
		if !hasReaction(fake, int64(1000+k), "rocket") {
			t.Errorf("command comment %d lacks its 🚀", 1000+k)
		}
	}
	for id, c := range opIDs {
		if id == 0 || c != 1 {
			t.Errorf("operation %d appears in %d deployments; want 1", id, c)
		}
	}
}

// TestOpsTwoReplicasOneEnvironment proves that replicas sharing one
// PostgreSQL database run at most one operation per environment at a time,
// start each operation once and lose none: two `issueops serve` processes,
// 50 /deploy commands to production sent at once, half to each. The test,
// as the CD system, sees the deployments GitHub holds: were two operations
// ever running together, two deployments would be in progress at once (it
// waits a few ms before reporting each success, so the overlap cannot slip
// through); an operation started twice would make a second deployment for
// its operation id, or a second status comment; a lost one would never
// succeed. Measured: 50 operations in ~3s, max 1 running, the replicas
// running about half each. (With the operations' events unmatched, every
// one finishing through the poll, it took ~50s: on PostgreSQL a job snoozed
// 200ms is fetched at River's next poll, FetchPollInterval 1s by default.)
func TestOpsTwoReplicasOneEnvironment(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	const n = 50
	fake := newFake(t, githubtest.Options{Tokens: []string{"proc-token"}})
	opsRepo(t, fake, "environments:\n  production: { deploy: { method: deployment } }\n")
	logins := make([]string, n)
	for i := range logins {
		logins[i] = fmt.Sprintf("dev%02d", i+1)
	}
	grant(fake, "write", logins...)
	secret := rememberSecret("proc-secret")
	logs := []*syncBuffer{{}, {}}
	dumpLogsOnFailure(t, "replica A", logs[0])
	dumpLogsOnFailure(t, "replica B", logs[1])
	// Both migrate at start; the second starts once the first is ready.
	replicas := []*process{
		startReplica(t, freeAddr(t), secret, logs[0], procOpArgs(fake, dbURL)...),
	}
	replicas = append(replicas, startReplica(t, freeAddr(t), secret, logs[1], procOpArgs(fake, dbURL)...))
	// GitHub delivers deployment_status to one URL: replica A stores the
	// event, and either replica's workers may process it.
	fake.SetWebhook(replicas[0].url+"/webhook", secret)

	var maxRunning atomic.Int64
	note := func(k int) {
		for {
			m := maxRunning.Load()
			if int64(k) <= m || maxRunning.CompareAndSwap(m, int64(k)) {
				return
			}
		}
	}
	ctx, stop := context.WithCancel(context.Background())
	var bg sync.WaitGroup
	bg.Add(2)
	go func() { // the watcher: every few ms, how many run at once
		defer bg.Done()
		for ctx.Err() == nil {
			note(len(runningDeployments(fake)))
			time.Sleep(3 * time.Millisecond)
		}
	}()
	reported := 0
	go func() { // the CD system
		defer bg.Done()
		for ctx.Err() == nil {
			running := runningDeployments(fake)
			note(len(running))
			if len(running) > 0 {
				time.Sleep(5 * time.Millisecond) // deploying
				for _, d := range running {
					fake.AddDeploymentStatus("acme", "api", d.ID, "success", "cd-bot")
					reported++
				}
				continue
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	defer func() { stop(); bg.Wait() }()

	start := time.Now()
	var sent sync.WaitGroup
	errs := make(chan error, n)
	for i := 1; i <= n; i++ {
		sent.Add(1)
		go func() {
			defer sent.Done()
			c := comment{id: int64(5000 + i), issue: i, body: "/deploy v1.4.0 to production", login: logins[i-1]}
			code, err := postComment(replicas[i%2].url, secret, c)
			if err == nil && code != http.StatusAccepted {
				err = fmt.Errorf("status %d", code)
			}
			if err != nil {
				errs <- fmt.Errorf("comment on issue %d: %w", i, err)
			}
		}()
	}
	sent.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if !waitUntil(90*time.Second, func() bool { return countSaying(fake, n, "succeeded") == n }) {
		t.Errorf("after 90s, %d of %d operations succeeded", countSaying(fake, n, "succeeded"), n)
	}
	wall := time.Since(start)
	time.Sleep(500 * time.Millisecond) // a late double would show now
	stop()
	bg.Wait()

	ds := fake.Deployments("acme", "api")
	if len(ds) != n {
		t.Errorf("%d deployments; want %d", len(ds), n)
	}
	perOp := map[int64]int{}
	for _, d := range ds {
		perOp[deploymentOpID(d)]++
		if states := countStates(fake, d.ID); states["success"] != 1 || states["failure"]+states["error"] != 0 {
			t.Errorf("deployment %d (operation %d) statuses %v; want exactly one success", d.ID, deploymentOpID(d), statesOf(fake, d.ID))
		}
	}
	opOfIssue := regexp.MustCompile(`<!-- issueops:operation=(\d+) -->`)
	for i := 1; i <= n; i++ {
		cs := replies(fake, i)
		if len(cs) != 1 {
			t.Errorf("issue %d has %d comments; want the one status comment", i, len(cs))
			continue
		}
		m := opOfIssue.FindStringSubmatch(cs[0].Body)
		if m == nil {
			t.Errorf("issue %d: no operation marker in %q", i, cs[0].Body)
			continue
		}
		var id int64
		fmt.Sscan(m[1], &id)
		if perOp[id] != 1 {
			t.Errorf("operation %d (issue %d) made %d deployments; want 1", id, i, perOp[id])
		}
	}
	for id, c := range perOp {
		if id == 0 || c != 1 {
			t.Errorf("operation %d appears in %d deployments; want 1", id, c)
		}
	}
	if m := maxRunning.Load(); m != 1 {
		t.Errorf("at most %d deployments were in progress at once; want exactly 1", m)
	}
	// Who ran what, from each replica's log: the replica whose run job
	// made an operation's deployment ran it; "operation started" is logged
	// by the replica whose transaction (a Finish, an Enqueue) started it.
	counts := func(l *syncBuffer, msg string) int { return strings.Count(l.String(), `"msg":"`+msg+`"`) }
	t.Logf("%d operations to one environment on 2 replicas: %s from the first command to the last success; "+
		"max running at once %d; %d successes reported", n, wall.Round(time.Millisecond), maxRunning.Load(), reported)
	for i, name := range []string{"A (webhook)", "B"} {
		ran := counts(logs[i], "deployment created")
		t.Logf("replica %s: ran %d operations (deployment created), ended %d, %d deployment_status handlings (busy retries included), started %d",
			name, ran, counts(logs[i], "operation ended"), counts(logs[i], "deploy reported back"), counts(logs[i], "operation started"))
		if ran == 0 {
			t.Errorf("replica %s ran no operation: the replicas never competed, the test proves nothing", name)
		}
	}
}
