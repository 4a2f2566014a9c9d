package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/issueops/issueops/app/github/githubtest"
)

// BenchmarkRelease1000Commits measures the GitHub requests one /release of
// 1,000 commits costs, end to end against the fake: from the signed
// comment to the closed issue. It reports them in three groups:
//
//   - release: the release's own work (tags, the comparison's pages, the
//     tag, the release);
//   - checks: the permission check (at request and again at the start) and
//     reading the policy and the ref;
//   - feedback: the reaction, the status comment's writes, the state
//     labels, closing the issue.
//
// go test -run '^$' -bench Release1000 -benchtime 3x ./cmd/issueops/
func BenchmarkRelease1000Commits(b *testing.B) {
	messages := make([]string, 1000)
	for i := range messages {
		messages[i] = fmt.Sprintf("fix: change %d (#%d)", i, i+1)
	}
	var release, checks, feedback, compare int
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		fake := newFake(b, githubtest.Options{})
		releaseRepo(b, fake, "permissions:\n  release: write\n", messages...)
		grant(fake, "write", "alice")
		fake.SeedIssue("acme", "api", githubtest.Issue{Number: 40, Title: "release"})
		s := opsServer(b, fake)
		before := len(fake.Requests())
		b.StartTimer()

		s.comment(comment{id: 4000, issue: 40, body: "/release", login: "alice"})
		waitFor(b, "the issue closed", func() bool { iss, _ := fake.Issue("acme", "api", 40); return iss.State == "closed" })

		b.StopTimer()
		for _, r := range fake.Requests()[before:] {
			switch route := r.Route; {
			case strings.Contains(route, "/compare/"):
				compare++
				release++
			case strings.Contains(route, "/git/") || strings.Contains(route, "/releases"):
				release++
			case strings.Contains(route, "/comments") || strings.Contains(route, "/labels") ||
				strings.Contains(route, "/reactions") || r.Method == "PATCH" && strings.HasSuffix(route, "/issues/{issue_number}"):
				feedback++
			default:
				checks++
			}
		}
		s.stop()
		fake.Close()
	}
	n := float64(b.N)
	b.ReportMetric(float64(release)/n, "release-requests/op")
	b.ReportMetric(float64(compare)/n, "compare-pages/op")
	b.ReportMetric(float64(checks)/n, "check-requests/op")
	b.ReportMetric(float64(feedback)/n, "feedback-requests/op")
	b.ReportMetric(float64(release+checks+feedback)/n, "github-requests/op")
}
