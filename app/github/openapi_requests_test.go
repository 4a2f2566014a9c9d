package github

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/github/githubtest"
)

// requestSpec is the part of GitHub's OpenAPI description that says what a
// request may carry.
type requestSpec struct {
	Paths      map[string]map[string]specOperation `json:"paths"`
	Components struct {
		Parameters map[string]specParameter `json:"parameters"`
	} `json:"components"`
}

type specParameter struct {
	Ref  string `json:"$ref"`
	Name string `json:"name"`
	In   string `json:"in"`
}

type specOperation struct {
	Parameters  []specParameter `json:"parameters"`
	RequestBody *struct {
		Content map[string]struct {
			Schema bodySchema `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
}

type bodySchema struct {
	Type       string                    `json:"type"`
	Required   []string                  `json:"required"`
	Properties map[string]map[string]any `json:"properties"`
	OneOf      []bodySchema              `json:"oneOf"`
	Items      map[string]any            `json:"items"`
}

// bareArrayAllowed are the routes whose description allows, in its prose
// only, the bare array go-github sends instead of {"labels": [...]}.
var bareArrayAllowed = map[string]bool{"POST /repos/{owner}/{repo}/issues/{issue_number}/labels": true}

// problems lists how a recorded request strays from its operation: query
// parameters it does not document, body members it does not know or has
// of another JSON type, required members missing.
func (s *requestSpec) problems(r githubtest.Request) []string {
	method, pattern, _ := strings.Cut(r.Route, " ")
	op, ok := s.Paths[pattern][strings.ToLower(method)]
	if !ok {
		return []string{"not in the description"}
	}
	var out []string
	var query []string
	for _, p := range op.Parameters {
		if p.Ref != "" {
			p = s.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
		}
		if p.In == "query" {
			query = append(query, p.Name)
		}
	}
	for k := range r.Query {
		if !slices.Contains(query, k) {
			out = append(out, fmt.Sprintf("query %q is not documented (%v)", k, query))
		}
	}
	if len(r.Body) == 0 || op.RequestBody == nil || bareArrayAllowed[r.Route] && strings.HasPrefix(string(r.Body), "[") {
		return out
	}
	var body any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		return append(out, fmt.Sprintf("body %q is not JSON", r.Body))
	}
	return append(out, op.RequestBody.Content["application/json"].Schema.problems(body)...)
}

// problems checks a body against a schema: its type, and for an object
// its members; one alternative of a oneOf must fit.
func (sc bodySchema) problems(body any) []string {
	if len(sc.OneOf) > 0 {
		var best []string
		for i, alt := range sc.OneOf {
			p := alt.problems(body)
			if len(p) == 0 {
				return nil
			}
			if i == 0 || len(p) < len(best) {
				best = p
			}
		}
		return best
	}
	if sc.Type != "" && !jsonType(body, sc.Type) {
		return []string{fmt.Sprintf("body is %T, documented as %s", body, sc.Type)}
	}
	obj, ok := body.(map[string]any)
	if !ok {
		if want, ok := sc.Items["type"].(string); ok {
			for _, item := range body.([]any) {
				if !jsonType(item, want) {
					return []string{fmt.Sprintf("item %v is not %s", item, want)}
				}
			}
		}
		return nil
	}
	var out []string
	for _, k := range sc.Required {
		if _, ok := obj[k]; !ok {
			out = append(out, fmt.Sprintf("required %q missing", k))
		}
	}
	for k, v := range obj {
		prop, ok := sc.Properties[k]
		if !ok {
			out = append(out, fmt.Sprintf("member %q is not documented", k))
			continue
		}
		if want, ok := prop["type"].(string); ok && !jsonType(v, want) {
			out = append(out, fmt.Sprintf("member %q is %T, documented as %s", k, v, want))
		}
	}
	return out
}

func jsonType(v any, want string) bool {
	switch v.(type) {
	case string:
		return want == "string"
	case bool:
		return want == "boolean"
	case float64:
		return want == "integer" || want == "number"
	case []any:
		return want == "array"
	case map[string]any:
		return want == "object"
	case nil:
		return true
	}
	return false
}

// TestRequestsMatchOpenAPI runs every call the adapter makes against the
// fake and checks what it sent against GitHub's description (the
// @octokit/openapi package's generated/api.github.com.json, named by
// ISSUEOPS_OPENAPI_JSON): the fake's own check covers its answers, this one
// the adapter's requests.
func TestRequestsMatchOpenAPI(t *testing.T) {
	file := os.Getenv("ISSUEOPS_OPENAPI_JSON")
	if file == "" {
		t.Skip("ISSUEOPS_OPENAPI_JSON not set (point it at @octokit/openapi's generated/api.github.com.json)")
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var spec requestSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	// The check must catch a stray request, or a pass means nothing.
	stray := githubtest.Request{Route: routeCreateDeployment, Query: map[string][]string{"force": {"1"}},
		Body: []byte(`{"environment":"x","auto_merge":"no","bogus":1}`)}
	if p := spec.problems(stray); len(p) != 4 {
		t.Fatalf("problems of a stray request: %q, want 4", p)
	}
	fake := tokenFake(t)
	exerciseAdapter(t, fake, opsClient(t, tokenClients(t, fake), 0))
	seen := map[string]bool{}
	for _, r := range fake.Requests() {
		if r.Route == "" {
			t.Errorf("%s %s matched no route", r.Method, r.Path)
			continue
		}
		seen[r.Route] = true
		for _, p := range spec.problems(r) {
			t.Errorf("%s (%s?%s): %s", r.Route, r.Path, r.Query.Encode(), p)
		}
	}
	if len(seen) < 26 {
		t.Errorf("only %d routes exercised: %v", len(seen), seen)
	}
}

// exerciseAdapter calls every method of the adapter once, or more where
// the request differs by argument.
func exerciseAdapter(t *testing.T, fake *githubtest.Server, g *Client) {
	t.Helper()
	ctx := context.Background()
	_, head := seedHistory(fake)
	fake.SeedCommit("acme", "widgets", "feature/x", map[string]string{"f": "1"})
	fake.SeedIssue("acme", "widgets", githubtest.Issue{Number: 3, Title: "t", Labels: []string{"bug"}})
	fake.SeedWorkflow("acme", "widgets", "deploy.yml")
	c := fake.SeedComment("acme", "widgets", 3, "octocat", "/deploy")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(g.AddCommentReaction(ctx, testRepo, c.ID, app.ReactionEyes))
	id, err := g.CreateComment(ctx, testRepo, 3, "status <!-- m -->")
	must(err)
	must(g.EditComment(ctx, testRepo, id, "edited <!-- m -->"))
	_, _, err = g.FindComment(ctx, testRepo, 3, "<!-- m -->", time.Now().Add(-time.Hour))
	must(err)
	_, err = g.GetIssue(ctx, testRepo, 3)
	must(err)
	must(g.AddLabels(ctx, testRepo, 3, "issueops:running"))
	must(g.RemoveLabel(ctx, testRepo, 3, "bug"))
	_, err = g.DefaultBranch(ctx, testRepo)
	must(err)
	_, _, err = g.ReadFile(ctx, testRepo, "main", "app.txt")
	must(err)
	_, _, err = g.ListDir(ctx, testRepo, "main", "")
	must(err)
	_, _, err = g.ResolveRef(ctx, testRepo, "main")
	must(err)
	_, err = g.OnBranch(ctx, testRepo, "main", head)
	must(err)

	_, err = g.CollaboratorPermission(ctx, testRepo, "alice")
	must(err)
	_, err = g.TeamMember(ctx, "acme", "ops", "alice")
	must(err)
	d, err := g.CreateDeployment(ctx, testRepo, app.NewDeployment{SHA: head, Environment: "staging", Description: "v1", OperationID: 4})
	must(err)
	_, err = g.ListDeployments(ctx, testRepo, "staging", head, 5)
	must(err)
	must(g.CreateDeploymentStatus(ctx, testRepo, d.ID, app.DeploymentStatus{State: "success", Description: "done", LogURL: "https://ci.example/1"}))
	_, err = g.ListDeploymentStatuses(ctx, testRepo, d.ID)
	must(err)
	must(g.DispatchWorkflow(ctx, testRepo, "deploy.yml", "main", map[string]string{"issueops_id": "issueops-4"}))
	run, _, err := g.FindWorkflowRun(ctx, testRepo, "deploy.yml", "issueops-4", time.Now().Add(-time.Minute))
	must(err)
	_, err = g.GetWorkflowRun(ctx, testRepo, run.ID)
	must(err)
	must(g.CancelWorkflowRun(ctx, testRepo, run.ID))
	f, _, err := g.GetFile(ctx, testRepo, "main", "app.txt")
	must(err)
	_, err = g.PutFile(ctx, testRepo, "main", "app.txt", "bump", []byte("3\n"), f.BlobSHA)
	must(err)
	_, err = g.PutFile(ctx, testRepo, "main", "new.txt", "add", []byte("n\n"), "")
	must(err)
	_, err = g.ListCommits(ctx, testRepo, "main", "app.txt", 3)
	must(err)
	_, err = g.CompareCommits(ctx, testRepo, "main", "feature/x", 10)
	must(err)

	fake.SeedAnnotatedTag("acme", "widgets", "v0.9.0", head, "Release 0.9.0")
	for _, prefix := range []string{"v", ""} {
		_, err = g.ListTagNames(ctx, testRepo, prefix)
		must(err)
	}
	_, _, err = g.TagCommit(ctx, testRepo, "v0.9.0") // annotated: the ref, then its tag object
	must(err)
	must(g.CreateTag(ctx, testRepo, "v1.0.0", head))
	_, _, err = g.FindRelease(ctx, testRepo, "v1.0.0")
	must(err)
	_, err = g.CreateRelease(ctx, testRepo, app.NewGitRelease{TagName: "v1.0.0", Name: "v1.0.0", Body: "notes", Prerelease: true})
	must(err)
	_, err = g.ListCommitsFrom(ctx, testRepo, head, 5)
	must(err)
	_, err = g.CompareAll(ctx, testRepo, "main", "feature/x", 0)
	must(err)
	must(g.CloseIssue(ctx, testRepo, 3))
}
