package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/issueops/issueops/app/github/githubtest"
	"github.com/issueops/issueops/app/store"
	"github.com/issueops/issueops/app/store/storetest"
)

// process is issueops serve as a real subprocess (this test binary, re-run
// as main by TestMain).
type process struct {
	t    *testing.T
	cmd  *exec.Cmd
	url  string
	done chan error
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startProcess(t *testing.T, addr, secret string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", addr}, args...)...)
	cmd.Env = append(os.Environ(), "ISSUEOPS_TEST_MAIN=1", "ISSUEOPS_WEBHOOK_SECRET="+secret)
	cmd.Stdout, cmd.Stderr = io.Discard, &suiteLogs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{t: t, cmd: cmd, url: "http://" + addr, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	waitReady(t, p.url)
	return p
}

// terminate sends SIGTERM and expects exit status 0 within 15 s.
func (p *process) terminate() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			p.t.Fatalf("exit after SIGTERM: %v; want status 0", err)
		}
	case <-time.After(15 * time.Second):
		p.t.Fatal("still running 15s after SIGTERM")
	}
}

func (p *process) asServer(secret string, fake *githubtest.Server) *server {
	return &server{t: p.t, url: p.url, secret: secret, fake: fake}
}

// processArgs are the serve flags of the subprocess tests: a fake GitHub that
// answers slowly enough for work to be in flight when the process dies.
func processArgs(fake *githubtest.Server, dbURL string) []string {
	return []string{"--database-url", dbURL, "--github-url", fake.URL, "--github-token", "proc-token",
		"--workers", "4", "--job-timeout", "1s", "--retry-base", "100ms", "--github-timeout", "2s",
		"--shutdown-timeout", "5s", "--log-level", "debug"}
}

// everyCommandAnsweredOnce checks the fake: n /help comments on issues 1..n,
// each with exactly one 👀 and exactly one reply.
func everyCommandAnsweredOnce(t *testing.T, fake *githubtest.Server, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		if r := len(replies(fake, i)); r != 1 {
			t.Errorf("issue %d has %d replies; want 1", i, r)
		}
		if r := len(fake.Reactions("acme", "api", int64(i))); r != 1 {
			t.Errorf("comment %d has %d reactions; want 1", i, r)
		}
	}
}

func sendHelps(t *testing.T, s *server, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		if got := s.comment(comment{id: int64(i), issue: i, body: "/help"}); got != http.StatusAccepted {
			t.Fatalf("comment %d: %d", i, got)
		}
	}
}

func answered(fake *githubtest.Server, n int) int {
	count := 0
	for i := 1; i <= n; i++ {
		if len(replies(fake, i)) > 0 {
			count++
		}
	}
	return count
}

// kill -9 in the middle of the work, restart: every accepted delivery is
// processed, and none twice.
func TestKillDuringWorkThenRestart(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			dbURL := storetest.SQLiteURL(t)
			if kind == "postgres" {
				dbURL = storetest.PostgresURL(t)
			}
			const n = 40
			fake := newFake(t, githubtest.Options{Tokens: []string{"proc-token"}, ResponseLatency: 100 * time.Millisecond})
			secret := rememberSecret("proc-secret")
			addr := freeAddr(t)
			p := startProcess(t, addr, secret, processArgs(fake, dbURL)...)
			sendHelps(t, p.asServer(secret, fake), n)
			waitFor(t, "some replies", func() bool { return answered(fake, n) >= 3 })
			if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-p.done
			before := answered(fake, n)
			if before == n {
				t.Fatalf("all %d answered before the kill: the test proves nothing", n)
			}
			restarted := time.Now()
			startProcess(t, addr, secret, processArgs(fake, dbURL)...)
			assertAllProcessed(t, dbURL, n)
			t.Logf("%s: %d of %d answered before kill -9; every delivery processed %s after the restart",
				kind, before, n, time.Since(restarted).Round(time.Millisecond))
			time.Sleep(500 * time.Millisecond)
			everyCommandAnsweredOnce(t, fake, n)
		})
	}
}

// SIGTERM: stop accepting, finish what runs, exit 0; a restart does the rest.
func TestSigtermFinishesInFlightWork(t *testing.T) {
	const n = 30
	fake := newFake(t, githubtest.Options{Tokens: []string{"proc-token"}, Latency: 150 * time.Millisecond})
	secret := rememberSecret("proc-secret")
	dbURL := storetest.SQLiteURL(t)
	addr := freeAddr(t)
	p := startProcess(t, addr, secret, processArgs(fake, dbURL)...)
	sendHelps(t, p.asServer(secret, fake), n)
	waitFor(t, "some replies", func() bool { return answered(fake, n) >= 2 })
	termAt := time.Now()
	p.terminate()
	t.Logf("exited %s after SIGTERM, %d of %d answered", time.Since(termAt).Round(time.Millisecond), answered(fake, n), n)
	// Every command that got its 👀 before the exit also got its reply: no
	// job was cut in the middle.
	for i := 1; i <= n; i++ {
		if len(fake.Reactions("acme", "api", int64(i))) == 1 && len(replies(fake, i)) != 1 {
			t.Errorf("comment %d was reacted to but not answered: its job was cut off", i)
		}
	}
	startProcess(t, addr, secret, processArgs(fake, dbURL)...)
	assertAllProcessed(t, dbURL, n)
	time.Sleep(500 * time.Millisecond)
	everyCommandAnsweredOnce(t, fake, n)
}

// assertAllProcessed waits until the database has all n deliveries processed:
// only then can the fake be checked for duplicates.
func assertAllProcessed(t *testing.T, dbURL string, n int) {
	t.Helper()
	st, err := store.Open(context.Background(), dbURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var s store.Stats
	waitFor(t, "every delivery marked processed", func() bool {
		s, err = st.Stats(context.Background(), "d-")
		return err == nil && s.Processed >= n
	})
	time.Sleep(200 * time.Millisecond)
	// A delivery cut off by the kill is taken up again (Runs 2): that is
	// the point. What GitHub saw is checked on the fake.
	if s, err = st.Stats(context.Background(), "d-"); err != nil || s.Stored != n || s.Processed != n {
		t.Errorf("stored deliveries: %+v; want %d, all processed", s, n)
	}
}

func TestServeRefusesToStartWithoutSecret(t *testing.T) {
	var stderr syncBuffer
	code := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0"}, func(string) string { return "" }, io.Discard, &stderr)
	if code != 2 || !containsAll(stderr.String(), "no webhook secret", "ISSUEOPS_WEBHOOK_SECRET") {
		t.Errorf("exit %d, stderr %q; want 2 and a message naming the secret", code, stderr.String())
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, c := range []struct {
		args  []string
		code  int
		wants []string
	}{
		{[]string{"serve", "--help"}, 0, []string{"ISSUEOPS_ADDR", "ISSUEOPS_DATABASE_URL", "ISSUEOPS_WEBHOOK_SECRET",
			"ISSUEOPS_APP_ID", "ISSUEOPS_PRIVATE_KEY_PATH", "ISSUEOPS_GITHUB_TOKEN", "ISSUEOPS_GITHUB_URL",
			"ISSUEOPS_SLACK_TOKEN", "ISSUEOPS_SLACK_API_URL", "ISSUEOPS_JIRA_URL", "ISSUEOPS_JIRA_USER", "ISSUEOPS_JIRA_TOKEN",
			"sqlite://issueops.db", ":8080"}},
		{[]string{"migrate", "--help"}, 0, []string{"ISSUEOPS_DATABASE_URL"}},
		{[]string{"bench", "--help"}, 0, []string{"-concurrency", "-mode", "deliveries/s"}},
		{[]string{"version"}, 0, []string{"issueops "}},
		{[]string{"version", "--help"}, 0, []string{"Usage: issueops version"}},
		{[]string{"--help"}, 0, []string{"serve", "migrate", "bench", "version"}},
		{[]string{}, 2, []string{"Usage"}},
		{[]string{"frobnicate"}, 2, []string{"unknown command"}},
		{[]string{"serve", "--app-id", "x"}, 2, []string{"invalid value"}},
	} {
		var out syncBuffer
		code := run(context.Background(), c.args, func(string) string { return "" }, &out, &out)
		if code != c.code || !containsAll(out.String(), c.wants...) {
			t.Errorf("issueops %v: exit %d, output:\n%s\nwant exit %d with %q", c.args, code, out.String(), c.code, c.wants)
		}
	}
}

func TestMigrateCommand(t *testing.T) {
	var out syncBuffer
	url := storetest.SQLiteURL(t)
	for range 2 {
		if code := run(context.Background(), []string{"migrate", "--database-url", url}, func(string) string { return "" }, &out, &out); code != 0 {
			t.Fatalf("migrate: exit %d: %s", code, out.String())
		}
	}
	if code := run(context.Background(), []string{"migrate"}, func(k string) string {
		return map[string]string{"ISSUEOPS_DATABASE_URL": "mysql://nope"}[k]
	}, &out, &out); code != 2 {
		t.Errorf("migrate with a bad URL from the environment: exit %d; want 2", code)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// Values from the environment never show in usage output: a typo in a
// container's arguments must not print its secrets into the logs.
func TestUsageNeverPrintsEnvironmentSecrets(t *testing.T) {
	env := map[string]string{"ISSUEOPS_WEBHOOK_SECRET": "env-webhook-secret-1", "ISSUEOPS_GITHUB_TOKEN": "env-gh-token-2",
		"ISSUEOPS_JIRA_TOKEN": "env-jira-token-3", "ISSUEOPS_SLACK_TOKEN": "env-slack-token-4",
		"ISSUEOPS_DATABASE_URL": "postgres://u:env-db-password-5@127.0.0.1:1/x"}
	for _, args := range [][]string{{"serve", "--help"}, {"serve", "--bogus"}, {"migrate", "--help"}, {"bench", "--nope"}} {
		var out syncBuffer
		run(context.Background(), args, func(k string) string { return env[k] }, &out, &out)
		for _, secret := range env {
			if strings.Contains(out.String(), strings.TrimPrefix(secret, "postgres://u:")[:12]) {
				t.Errorf("issueops %v printed a value from the environment:\n%s", args, out.String())
			}
		}
	}
}

func TestEnvironmentConfiguresServe(t *testing.T) {
	env := map[string]string{"ISSUEOPS_WEBHOOK_SECRET": "a,b", "ISSUEOPS_WORKERS": "3", "ISSUEOPS_JOB_TIMEOUT": "7s",
		"ISSUEOPS_ADDR": "127.0.0.1:1234"}
	c, err := parseServeFlags([]string{"--addr", "127.0.0.1:5678"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.workers != 3 || c.jobTimeout != 7*time.Second || c.addr != "127.0.0.1:5678" || len(c.secrets()) != 2 {
		t.Errorf("config %+v: want workers 3, job timeout 7s, the flag's address over the variable's, two secrets", c)
	}
	env["ISSUEOPS_WORKERS"] = "many"
	if _, err := parseServeFlags(nil, func(k string) string { return env[k] }, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "ISSUEOPS_WORKERS") || strings.Contains(err.Error(), "many") {
		t.Errorf("bad ISSUEOPS_WORKERS: %v; want an error naming the variable, not its value", err)
	}
}

// SIGTERM with a deadline shorter than the work: running jobs are cancelled
// mid-way (River puts them back without counting an attempt). Their next run
// must still find what the cancelled one wrote.
func TestSigtermPastDeadlineCancelsThenResumesOnce(t *testing.T) {
	const n = 12
	fake := newFake(t, githubtest.Options{Tokens: []string{"proc-token"}, ResponseLatency: 300 * time.Millisecond})
	secret := rememberSecret("proc-secret")
	dbURL := storetest.SQLiteURL(t)
	addr := freeAddr(t)
	// Four GitHub calls of 300 ms fit in the job timeout; the shutdown
	// deadline cuts them.
	args := append(processArgs(fake, dbURL), "--shutdown-timeout", "100ms", "--job-timeout", "3s")
	p := startProcess(t, addr, secret, args...)
	sendHelps(t, p.asServer(secret, fake), n)
	waitFor(t, "a reply in flight", func() bool { return len(fake.RequestsTo(commentsRoute)) >= 1 })
	p.terminate()
	t.Logf("%d of %d answered when the deadline cut the rest", answered(fake, n), n)
	startProcess(t, addr, secret, append(processArgs(fake, dbURL), "--job-timeout", "3s")...)
	assertAllProcessed(t, dbURL, n)
	time.Sleep(500 * time.Millisecond)
	everyCommandAnsweredOnce(t, fake, n)
}
