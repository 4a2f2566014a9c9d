package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/issueops/issueops/app/github/githubtest"
	"github.com/issueops/issueops/handlers"
)

// recording writes a delivery file the way GitHub's "Recent Deliveries"
// page shows it.
func recording(t *testing.T, event, id, signature string, body []byte) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "Request URL: https://ops.example.com/webhook\nRequest method: POST\n\nHeaders\nAccept: */*\n"+
		"Content-Type: application/json\nUser-Agent: GitHub-Hookshot/044aadd\nX-GitHub-Delivery: %s\nX-GitHub-Event: %s\n", id, event)
	if signature != "" {
		fmt.Fprintf(&b, "X-Hub-Signature-256: %s\n", signature)
	}
	b.WriteString("\nPayload\n")
	b.Write(body)
	return writeFile(t, filepath.Join(t.TempDir(), "delivery.txt"), b.String())
}

func writes(fake *githubtest.Server) []string {
	var out []string
	for _, r := range fake.Requests() {
		if r.Method != http.MethodGet {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

func TestReplay(t *testing.T) {
	const secret = "replay-secret"
	body := comment{id: 301, issue: 4, body: "/help"}.payload()
	signed := recording(t, "issue_comment", "rec-1", handlers.Sign([]byte(secret), body), body)

	t.Run("dry run writes nothing", func(t *testing.T) {
		fake := newFake(t, githubtest.Options{})
		code, stdout, stderr := runCLI(t, "replay", "--github-url", fake.URL, "--github-token", "test-token-"+t.Name(),
			"--webhook-secret", secret, "--dry-run", signed)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		for _, want := range []string{"would react eyes to comment 301 in acme/api", "would comment on acme/api#4:", "`/help`",
			"delivery rec-1 (issue_comment): processed"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("output lacks %q:\n%s", want, stdout)
			}
		}
		if w := writes(fake); len(w) != 0 {
			t.Errorf("a dry run made write requests: %q", w)
		}
	})
	t.Run("replays through the pipeline", func(t *testing.T) {
		fake := newFake(t, githubtest.Options{})
		code, stdout, stderr := runCLI(t, "replay", "--github-url", fake.URL, "--github-token", "test-token-"+t.Name(),
			"--webhook-secret", secret, signed)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if len(fake.Reactions("acme", "api", 301)) != 1 || len(replies(fake, 4)) != 1 || !strings.Contains(stdout, "did comment on acme/api#4") {
			t.Errorf("reactions %v, replies %v, output:\n%s", fake.Reactions("acme", "api", 301), replies(fake, 4), stdout)
		}
	})
	t.Run("dry run of a form issue", func(t *testing.T) {
		fake := newFake(t, githubtest.Options{})
		formsRepo(t, fake)
		fake.SeedIssue("acme", "api", githubtest.Issue{Number: 5, Body: deployBody("prod", "v1.4.0"), Labels: []string{"issueops:deploy"}})
		file := recording(t, "issues", "rec-4", "", issueDelivery{number: 5, labels: []string{"issueops:deploy"}}.payload())
		code, stdout, stderr := runCLI(t, "replay", "--github-url", fake.URL, "--github-token", "test-token-"+t.Name(), "--dry-run", file)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		for _, want := range []string{"would comment on acme/api#5:", "Deploy request: 1 problem to fix", "would add labels issueops:invalid to acme/api#5"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("output lacks %q:\n%s", want, stdout)
			}
		}
		if w := writes(fake); len(w) != 0 {
			t.Errorf("a dry run made write requests: %q", w)
		}
	})
	t.Run("any secret of a rotation list", func(t *testing.T) {
		fake := newFake(t, githubtest.Options{})
		code, _, stderr := runCLI(t, "replay", "--github-url", fake.URL, "--github-token", "test-token-"+t.Name(),
			"--webhook-secret", "new-secret, "+secret, "--dry-run", signed)
		if code != 0 {
			t.Fatalf("a delivery signed with the second secret of the list: exit %d: %s", code, stderr)
		}
	})
	t.Run("a bare payload with --event", func(t *testing.T) {
		fake := newFake(t, githubtest.Options{})
		bare := writeFile(t, filepath.Join(t.TempDir(), "payload.json"), string(body))
		code, stdout, stderr := runCLI(t, "replay", "--github-url", fake.URL, "--github-token", "test-token-"+t.Name(),
			"--event", "issue_comment", bare)
		if code != 0 || len(replies(fake, 4)) != 1 || !strings.Contains(stderr, "carries no signature") {
			t.Fatalf("exit %d, replies %d\n%s%s", code, len(replies(fake, 4)), stdout, stderr)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		fake := newFake(t, githubtest.Options{})
		bare := writeFile(t, filepath.Join(t.TempDir(), "payload.json"), string(body))
		edited := recording(t, "issue_comment", "rec-2", "", comment{id: 302, body: "/help", action: "edited"}.payload())
		reformatted := recording(t, "issue_comment", "rec-3", handlers.Sign([]byte(secret), body), []byte(strings.ReplaceAll(string(body), ",", ", ")))
		gh := []string{"--github-url", fake.URL, "--github-token", "test-token-" + t.Name()}
		for _, c := range []struct {
			args []string
			code int
			want string
		}{
			{append(gh, "--webhook-secret", "wrong", signed), 1, "signature does not match"},
			{append(gh, signed), 2, "the file is signed"},
			{append(gh, "--webhook-secret", secret, reformatted), 1, "re-formatted"},
			{append(gh, "--webhook-secret", secret, "--event", "issues", signed), 2, "contradicts"},
			{append(gh, bare), 2, "--event"},
			{append(gh, "--webhook-secret", secret), 2, "name the file"},
			{append(gh, filepath.Join(t.TempDir(), "none")), 1, "no such file"},
		} {
			code, _, stderr := runCLI(t, append([]string{"replay"}, c.args...)...)
			if code != c.code || !strings.Contains(stderr, c.want) {
				t.Errorf("replay %q: exit %d, stderr %q; want %d and %q", c.args[len(c.args)-1], code, stderr, c.code, c.want)
			}
		}
		code, stdout, _ := runCLI(t, append([]string{"replay", "--skip-signature"}, append(gh, reformatted)...)...)
		if code != 0 || len(replies(fake, 4)) != 1 {
			t.Errorf("--skip-signature: exit %d, %d replies\n%s", code, len(replies(fake, 4)), stdout)
		}
		code, stdout, _ = runCLI(t, append([]string{"replay"}, append(gh, edited)...)...)
		if code != 0 || !strings.Contains(stdout, "ignored") {
			t.Errorf("edited comment: exit %d\n%s", code, stdout)
		}
		if n := len(writes(fake)); n != 2 {
			t.Errorf("%d write requests, want the skip-signature replay's 2: %q", n, writes(fake))
		}
	})
}
