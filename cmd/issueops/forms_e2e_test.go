package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/github/githubtest"
	"github.com/issueops/issueops/app/store"
	"github.com/issueops/issueops/app/store/storetest"
	issuetemplates "github.com/issueops/issueops/issue-templates"
)

const (
	editCommentRoute = "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}"
	addLabelsRoute   = "POST /repos/{owner}/{repo}/issues/{issue_number}/labels"
	policyYAML       = "environments:\n  staging: {}\n  production: {}\n"
)

// issueDelivery describes an issues delivery.
type issueDelivery struct {
	action     string // default opened
	number     int
	labels     []string
	login      string // default octocat
	senderType string // default User
	changed    string // the label of a labeled or unlabeled event
}

func (d issueDelivery) payload() []byte {
	action, login, kind := orDefault(d.action, "opened"), orDefault(d.login, "octocat"), orDefault(d.senderType, "User")
	var labels []string
	for _, l := range d.labels {
		labels = append(labels, fmt.Sprintf(`{"name":%q}`, l))
	}
	changed := ""
	if d.changed != "" {
		changed = fmt.Sprintf(`"label":{"name":%q},`, d.changed)
	}
	return fmt.Appendf(nil, `{"action":%q,"issue":{"number":%d,"title":"t","state":"open","labels":[%s],`+
		`"user":{"login":"octocat","type":"User"},"author_association":"OWNER"},%s`+
		`"repository":{"id":%d,"name":"api","full_name":"acme/api","owner":{"login":"acme","type":"Organization"}},`+
		`"sender":{"login":%q,"type":%q}}`, action, d.number, strings.Join(labels, ","), changed, apiRepoID, login, kind)
}

func (s *server) issue(d issueDelivery) int {
	return s.post("issues", nextDeliveryID(), d.payload())
}

// formsRepo seeds acme/api with the shipped forms and a policy on main, and
// returns the SHA of the tag v1.4.0.
func formsRepo(t *testing.T, fake *githubtest.Server) string {
	t.Helper()
	files := map[string]string{".github/issueops.yml": policyYAML}
	for _, action := range issuetemplates.Actions {
		data, err := issuetemplates.File(action)
		if err != nil {
			t.Fatal(err)
		}
		files[".github/ISSUE_TEMPLATE/"+action+".yml"] = string(data)
	}
	fake.SeedRepo("acme", "api", "main")
	sha := fake.SeedCommit("acme", "api", "main", files)
	fake.SeedTag("acme", "api", "v1.4.0", sha)
	return sha
}

func deployBody(environment, version string) string {
	return "### Environment\n\n" + environment + "\n\n### Version\n\n" + version +
		"\n\n### Reason\n\n_No response_\n\n### Dry run\n\n- [ ] Only show the plan; change nothing\n"
}

// statusComment waits until issue n of acme/api has exactly one comment
// satisfying cond and returns it; more than one comment fails the test.
func statusComment(t *testing.T, fake *githubtest.Server, n int, what string, cond func(string) bool) githubtest.Comment {
	t.Helper()
	waitFor(t, what, func() bool {
		cs := replies(fake, n)
		return len(cs) > 0 && cond(cs[len(cs)-1].Body)
	})
	cs := replies(fake, n)
	if len(cs) != 1 {
		t.Fatalf("%d comments on issue %d, want the one status comment:\n%+v", len(cs), n, cs)
	}
	if !strings.Contains(cs[0].Body, app.StatusMarker) {
		t.Fatalf("the status comment lacks its marker:\n%s", cs[0].Body)
	}
	return cs[0]
}

func issueLabels(t *testing.T, fake *githubtest.Server, n int) []string {
	t.Helper()
	iss, ok := fake.Issue("acme", "api", n)
	if !ok {
		t.Fatalf("issue %d not in the fake", n)
	}
	return iss.Labels
}

// An invalid deploy form gets one comment listing every problem and the
// invalid label; the user's edit is checked again and the same comment is
// edited in place; the label goes when the request is valid.
func TestFormInvalidThenFixedByEdit(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			fake := newFake(t, githubtest.Options{})
			sha := formsRepo(t, fake)
			var opts []serverOption
			if db == "postgres" {
				url := storetest.PostgresURL(t)
				opts = append(opts, func(c *config) { c.databaseURL = url })
			}
			s := startServer(t, fake, opts...)
			fake.SeedIssue("acme", "api", githubtest.Issue{Number: 5, Title: "[deploy] api",
				Body: deployBody("prod", "v9.9.9"), Labels: []string{"issueops:deploy"}})
			if got := s.issue(issueDelivery{number: 5, labels: []string{"issueops:deploy"}}); got != http.StatusAccepted {
				t.Fatalf("delivery answered %d, want 202", got)
			}
			first := statusComment(t, fake, 5, "the problems comment", func(b string) bool { return strings.Contains(b, "2 problems") })
			for _, want := range []string{"`Environment`: `prod` is not an environment", "`production`, `staging`",
				"`Version`: no branch, tag or commit `v9.9.9`"} {
				if !strings.Contains(first.Body, want) {
					t.Errorf("problems comment lacks %q:\n%s", want, first.Body)
				}
			}
			waitFor(t, "the invalid label", func() bool { return slices.Contains(issueLabels(t, fake, 5), app.InvalidLabel) })

			fake.SetIssueBody("acme", "api", 5, deployBody("staging", "1.4.0"))
			s.issue(issueDelivery{action: "edited", number: 5, labels: []string{"issueops:deploy", app.InvalidLabel}})
			fixed := statusComment(t, fake, 5, "the valid comment", func(b string) bool { return strings.Contains(b, "is valid") })
			if fixed.ID != first.ID {
				t.Errorf("the edit posted comment %d instead of editing %d", fixed.ID, first.ID)
			}
			if !strings.Contains(fixed.Body, "`"+sha+"`") || !strings.Contains(fixed.Body, "`staging`") {
				t.Errorf("valid comment lacks the environment or the resolved SHA %s:\n%s", sha, fixed.Body)
			}
			waitFor(t, "the invalid label to go", func() bool { return !slices.Contains(issueLabels(t, fake, 5), app.InvalidLabel) })
			if n := len(fake.RequestsTo(addLabelsRoute)); n != 1 {
				t.Errorf("%d label additions, want 1", n)
			}
		})
	}
}

// An edit after the request started changes nothing and the status comment
// says so. (Starting operations arrives with the environments issue; here
// the request is marked started in the database as that code will.)
func TestFormEditAfterStartChangesNothing(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	sha := formsRepo(t, fake)
	s := startServer(t, fake)
	fake.SeedIssue("acme", "api", githubtest.Issue{Number: 6, Body: deployBody("staging", "v1.4.0"), Labels: []string{"issueops:deploy"}})
	s.issue(issueDelivery{number: 6, labels: []string{"issueops:deploy"}})
	statusComment(t, fake, 6, "the valid comment", func(b string) bool { return strings.Contains(b, "is valid") })
	waitFor(t, "the request saved", func() bool { return !s.requestHeld(6) })

	markStarted(t, s.dbURL, 6)
	fake.SetIssueBody("acme", "api", 6, deployBody("production", "main"))
	s.issue(issueDelivery{action: "edited", number: 6, labels: []string{"issueops:deploy"}})
	frozen := statusComment(t, fake, 6, "the frozen note", func(b string) bool { return strings.Contains(b, "Edits change nothing") })
	if !strings.Contains(frozen.Body, "`staging`") || !strings.Contains(frozen.Body, sha) || strings.Contains(frozen.Body, "production") {
		t.Errorf("the started request's parameters changed with the edit:\n%s", frozen.Body)
	}
}

// requestHeld reports whether a delivery still holds issue n's lease.
func (s *server) requestHeld(n int) bool {
	st, err := store.Open(context.Background(), s.dbURL, store.Options{})
	if err != nil {
		s.t.Fatal(err)
	}
	defer st.Close()
	key := app.IssueKey{RepoID: apiRepoID, Repo: app.Repo{Owner: "acme", Name: "api"}, Number: n}
	_, ok, err := st.LeaseRequest(context.Background(), key, "probe", time.Minute)
	if err != nil {
		s.t.Fatal(err)
	}
	if ok {
		if err := st.ReleaseRequest(context.Background(), key, "probe"); err != nil {
			s.t.Fatal(err)
		}
	}
	return !ok
}

// markStarted does what starting the request's operation will do.
func markStarted(t *testing.T, dbURL string, n int) {
	t.Helper()
	st, err := store.Open(context.Background(), dbURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	key := app.IssueKey{RepoID: apiRepoID, Repo: app.Repo{Owner: "acme", Name: "api"}, Number: n}
	r, ok, err := st.LeaseRequest(ctx, key, "operation", time.Minute)
	if err != nil || !ok || r.State != app.RequestValid {
		t.Fatalf("lease for start = %+v, %v, %v", r, ok, err)
	}
	r.State = app.RequestStarted
	if err := st.SaveRequest(ctx, r, "operation"); err != nil {
		t.Fatal(err)
	}
}

// A dropped answer to the status comment's creation (the comment exists,
// the app saw an error) is retried without a second comment.
func TestFormStatusCommentSurvivesDroppedResponse(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	formsRepo(t, fake)
	s := startServer(t, fake)
	fake.Inject(githubtest.Fault{Kind: githubtest.DropAfterWrite, Route: commentsRoute, Times: 1})
	fake.Inject(githubtest.Fault{Kind: githubtest.DropAfterWrite, Route: addLabelsRoute, Times: 1})
	fake.SeedIssue("acme", "api", githubtest.Issue{Number: 8, Body: deployBody("", "v1.4.0"), Labels: []string{"issueops:deploy"}})
	s.issue(issueDelivery{number: 8, labels: []string{"issueops:deploy"}})
	waitFor(t, "the retried request saved", func() bool {
		return len(fake.RequestsTo("GET /repos/{owner}/{repo}/issues/{issue_number}")) >= 3 && !s.requestHeld(8)
	})
	c := statusComment(t, fake, 8, "the problems comment", func(b string) bool { return strings.Contains(b, "1 problem to fix") })
	if !strings.Contains(c.Body, "`Environment`: is required") {
		t.Errorf("comment:\n%s", c.Body)
	}
	if got := issueLabels(t, fake, 8); !slices.Equal(got, []string{"issueops:deploy", app.InvalidLabel}) {
		t.Errorf("labels %q", got)
	}
}

// A form the policy binds to an action needs no issueops label; the form is
// read from the default branch, not from another branch; a section the form
// lacks and a field the body lacks are reported, not guessed.
func TestFormBoundByPolicyReadFromDefaultBranch(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	fake.SeedRepo("acme", "api", "main")
	custom := "name: Ship\ndescription: Ship it\nlabels: [ship]\nbody:\n" +
		"  - type: input\n    id: environment\n    attributes:\n      label: Where\n    validations:\n      required: true\n" +
		"  - type: input\n    id: version\n    attributes:\n      label: What\n    validations:\n      required: true\n" +
		"  - type: input\n    id: ticket\n    attributes:\n      label: Ticket\n"
	sha := fake.SeedCommit("acme", "api", "main", map[string]string{
		".github/issueops.yml":            policyYAML + "forms:\n  ship.yml: deploy\n",
		".github/ISSUE_TEMPLATE/ship.yml": custom,
	})
	// The same form on a branch, loosened: it must not be used.
	fake.SeedCommit("acme", "api", "feature/x", map[string]string{
		".github/issueops.yml":            "environments:\n  anything: {}\nforms:\n  ship.yml: deploy\n",
		".github/ISSUE_TEMPLATE/ship.yml": strings.ReplaceAll(custom, "Where", "Env"),
	})
	s := startServer(t, fake)
	body := "### Where\n\nstaging\n\n### What\n\n" + sha[:7] + "\n\n### Notes\n\nhello\n"
	fake.SeedIssue("acme", "api", githubtest.Issue{Number: 9, Body: body, Labels: []string{"ship"}})
	s.issue(issueDelivery{number: 9, labels: []string{"ship"}})
	c := statusComment(t, fake, 9, "the valid comment", func(b string) bool { return strings.Contains(b, "Deploy request is valid") })
	for _, want := range []string{"`" + sha + "`", "The section `Notes` matches no field", "The form's field `Ticket` has no section",
		"`.github/ISSUE_TEMPLATE/ship.yml` on `main`"} {
		if !strings.Contains(c.Body, want) {
			t.Errorf("comment lacks %q:\n%s", want, c.Body)
		}
	}
}

// A repository without the form is read against the shipped one, and says so.
func TestFormFallsBackToShippedForm(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	fake.SeedRepo("acme", "api", "main")
	fake.SeedCommit("acme", "api", "main", map[string]string{"README.md": "hi"})
	s := startServer(t, fake)
	body := "### Action\n\nlock\n\n### Environment\n\nstaging\n\n### Lock duration\n\nforever\n\n### Reason\n\n_No response_\n\n### Dry run\n\n- [ ] Only show the plan; change nothing\n"
	fake.SeedIssue("acme", "api", githubtest.Issue{Number: 10, Body: body, Labels: []string{"issueops:environment"}})
	s.issue(issueDelivery{number: 10, labels: []string{"issueops:environment"}})
	c := statusComment(t, fake, 10, "the problems comment", func(b string) bool { return strings.Contains(b, "3 problems") })
	for _, want := range []string{"the environment form shipped with issueops", "`Reason`: is required",
		"`staging` is not an environment of this repository", "`Lock duration`: `forever` is not a duration"} {
		if !strings.Contains(c.Body, want) {
			t.Errorf("comment lacks %q:\n%s", want, c.Body)
		}
	}
}

// Issues that are not requests and closed issues cause no write; a closed
// event is not even queued.
func TestFormIgnoresOrdinaryIssues(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	formsRepo(t, fake)
	s := startServer(t, fake)
	fake.SeedIssue("acme", "api", githubtest.Issue{Number: 11, Body: "### Environment\n\nprod\n", Labels: []string{"bug"}})
	fake.SeedIssue("acme", "api", githubtest.Issue{Number: 12, Body: "", Labels: []string{"issueops:deploy"}, State: "closed"})
	if got := s.issue(issueDelivery{action: "edited", number: 12, labels: []string{"issueops:deploy"}, login: "renovate[bot]", senderType: "Bot"}); got != http.StatusAccepted {
		t.Fatalf("bot delivery answered %d", got)
	}
	s.issue(issueDelivery{number: 11, labels: []string{"bug"}})
	s.issue(issueDelivery{number: 13})
	s.issue(issueDelivery{action: "edited", number: 12, labels: []string{"issueops:deploy"}})
	s.issue(issueDelivery{action: "closed", number: 12, labels: []string{"issueops:deploy"}})
	waitFor(t, "the deliveries processed", func() bool {
		return strings.Contains(s.metrics(), `issueops_job_duration_seconds_count{event="issues",outcome="processed"} 4`)
	})
	for _, r := range fake.Requests() {
		if r.Method != http.MethodGet {
			t.Errorf("an ordinary issue caused %s %s", r.Method, r.Path)
		}
	}
	if m := s.metrics(); !strings.Contains(m, `issueops_deliveries_total{event="issues",outcome="ignored"} 1`) {
		t.Errorf("the closed delivery is not ignored at intake:\n%s", grepLines(m, "issueops_deliveries_total"))
	}
	// An issue without labels costs no GitHub request at all.
	for _, r := range fake.Requests() {
		if strings.HasSuffix(r.Path, "/issues/13") {
			t.Errorf("the unlabelled issue was read: %s", r.Path)
		}
	}
}

// Labels are part of the request: swapping the action label of a valid
// request checks it again as the new action, two action labels are a
// problem, and removing the last one withdraws the request.
func TestFormLabelsChangeTheRequest(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	formsRepo(t, fake)
	s := startServer(t, fake)
	body := "### Environment\n\nstaging\n\n### Version\n\nv1.4.0\n\n### Reason\n\nbroken\n"
	fake.SeedIssue("acme", "api", githubtest.Issue{Number: 14, Body: body, Labels: []string{"issueops:deploy"}})
	s.issue(issueDelivery{number: 14, labels: []string{"issueops:deploy"}})
	statusComment(t, fake, 14, "valid deploy", func(b string) bool { return strings.Contains(b, "Deploy request is valid") })

	relabel := func(action, changed string, labels ...string) {
		t.Helper()
		iss, _ := fake.Issue("acme", "api", 14)
		iss.Labels = labels
		fake.SeedIssue("acme", "api", iss)
		s.issue(issueDelivery{action: action, number: 14, labels: labels, changed: changed})
	}
	relabel("labeled", "issueops:rollback", "issueops:deploy", "issueops:rollback")
	statusComment(t, fake, 14, "two actions refused", func(b string) bool { return strings.Contains(b, "one issue requests one action") })
	relabel("unlabeled", "issueops:deploy", "issueops:rollback", app.InvalidLabel)
	statusComment(t, fake, 14, "valid rollback", func(b string) bool { return strings.Contains(b, "Rollback request is valid") })
	waitFor(t, "the invalid label to go", func() bool { return !slices.Contains(issueLabels(t, fake, 14), app.InvalidLabel) })
	relabel("unlabeled", "issueops:rollback")
	statusComment(t, fake, 14, "withdrawn", func(b string) bool { return strings.Contains(b, "No longer a rollback request") })
}

// Thousands of stray sections still give one comment GitHub accepts.
func TestFormStatusCommentIsBounded(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	formsRepo(t, fake)
	s := startServer(t, fake)
	body := deployBody("prod", "v1.4.0") + strings.Repeat("### x\n\ny\n\n", 10000)
	fake.SeedIssue("acme", "api", githubtest.Issue{Number: 15, Body: body, Labels: []string{"issueops:deploy"}})
	s.issue(issueDelivery{number: 15, labels: []string{"issueops:deploy"}})
	c := statusComment(t, fake, 15, "the problems comment", func(b string) bool { return strings.Contains(b, "1 problem to fix") })
	if len(c.Body) > 20000 || !strings.Contains(c.Body, "and 9971 more") {
		t.Errorf("comment of %d bytes, want the notes capped:\n%.2000s", len(c.Body), c.Body)
	}
}

// A request that fails for good (here the form's path is a directory) tells
// the issue, with the delivery id for the operators, instead of leaving it
// without an answer.
func TestFormPermanentFailureIsReported(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	fake.SeedRepo("acme", "api", "main")
	fake.SeedCommit("acme", "api", "main", map[string]string{".github/ISSUE_TEMPLATE/deploy.yml/oops.txt": "x"})
	s := startServer(t, fake)
	fake.SeedIssue("acme", "api", githubtest.Issue{Number: 16, Body: deployBody("staging", "main"), Labels: []string{"issueops:deploy"}})
	id := nextDeliveryID()
	s.post("issues", id, issueDelivery{number: 16, labels: []string{"issueops:deploy"}}.payload())
	c := statusComment(t, fake, 16, "the failure comment", func(b string) bool { return strings.Contains(b, "could not check") })
	if !strings.Contains(c.Body, "delivery `"+id+"`") || strings.Contains(c.Body, "directory") {
		t.Errorf("the comment must name the delivery and no internal detail:\n%s", c.Body)
	}
}

// A commit named by its SHA must be on the default branch: GitHub answers
// for commits of the whole fork network. Naming the branch that holds it
// works.
func TestFormRefusesCommitsOffTheDefaultBranch(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	formsRepo(t, fake)
	side := fake.SeedCommit("acme", "api", "feature/x", map[string]string{"x": "1"})
	s := startServer(t, fake)
	fake.SeedIssue("acme", "api", githubtest.Issue{Number: 17, Body: deployBody("staging", side), Labels: []string{"issueops:deploy"}})
	s.issue(issueDelivery{number: 17, labels: []string{"issueops:deploy"}})
	c := statusComment(t, fake, 17, "the refusal", func(b string) bool { return strings.Contains(b, "1 problem to fix") })
	if !strings.Contains(c.Body, "commit `"+side+"` is not on the default branch `main`") {
		t.Errorf("comment:\n%s", c.Body)
	}
	fake.SetIssueBody("acme", "api", 17, deployBody("staging", "feature/x"))
	s.issue(issueDelivery{action: "edited", number: 17, labels: []string{"issueops:deploy", app.InvalidLabel}})
	c = statusComment(t, fake, 17, "the branch accepted", func(b string) bool { return strings.Contains(b, "is valid") })
	if !strings.Contains(c.Body, "`"+side+"`") {
		t.Errorf("comment lacks the branch's SHA:\n%s", c.Body)
	}
}
