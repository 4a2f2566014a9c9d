package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/issueops/issueops/app"
)

// recordingClients hands out GitHubs that print every write request; with
// dryRun they make none and answer as if it had succeeded. Reads go to
// GitHub either way: what a delivery does depends on what is there.
type recordingClients struct {
	inner  app.GitHubClients
	dryRun bool
	out    io.Writer
}

func (c recordingClients) ForInstallation(ctx context.Context, id int64) (app.GitHub, error) {
	gh, err := c.inner.ForInstallation(ctx, id)
	if err != nil {
		return nil, err
	}
	return &recordingGitHub{GitHub: gh, dryRun: c.dryRun, out: c.out}, nil
}

// recordingGitHub wraps the writes of app.GitHub (comments, reactions,
// labels, deployments and their statuses, workflow dispatches and
// cancels, file commits, closing issues); the reads are its embedded
// GitHub's.
type recordingGitHub struct {
	app.GitHub
	dryRun bool
	out    io.Writer
	mu     sync.Mutex
}

func (g *recordingGitHub) write(format string, args ...any) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	verb := "did"
	if g.dryRun {
		verb = "would"
	}
	fmt.Fprintf(g.out, verb+" "+format+"\n", args...)
	return !g.dryRun
}

func indent(body string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(body, "\n"), "\n", "\n    ")
}

func (g *recordingGitHub) AddCommentReaction(ctx context.Context, repo app.Repo, commentID int64, content string) error {
	if !g.write("react %s to comment %d in %s", content, commentID, repo) {
		return nil
	}
	return g.GitHub.AddCommentReaction(ctx, repo, commentID, content)
}

func (g *recordingGitHub) CreateComment(ctx context.Context, repo app.Repo, issue int, body string) (int64, error) {
	if !g.write("comment on %s#%d:\n%s", repo, issue, indent(body)) {
		return 0, nil
	}
	return g.GitHub.CreateComment(ctx, repo, issue, body)
}

func (g *recordingGitHub) EditComment(ctx context.Context, repo app.Repo, commentID int64, body string) error {
	if !g.write("edit comment %d in %s:\n%s", commentID, repo, indent(body)) {
		return nil
	}
	return g.GitHub.EditComment(ctx, repo, commentID, body)
}

func (g *recordingGitHub) AddLabels(ctx context.Context, repo app.Repo, number int, labels ...string) error {
	if !g.write("add labels %s to %s#%d", strings.Join(labels, ", "), repo, number) {
		return nil
	}
	return g.GitHub.AddLabels(ctx, repo, number, labels...)
}

func (g *recordingGitHub) RemoveLabel(ctx context.Context, repo app.Repo, number int, label string) error {
	if !g.write("remove label %s from %s#%d", label, repo, number) {
		return nil
	}
	return g.GitHub.RemoveLabel(ctx, repo, number, label)
}

// memRequests keeps form requests for one replay, in memory: a replay
// never touches the server's database.
type memRequests struct {
	mu   sync.Mutex
	rows map[app.IssueKey]app.Request
}

func newMemRequests() *memRequests { return &memRequests{rows: map[app.IssueKey]app.Request{}} }

func (m *memRequests) LeaseRequest(_ context.Context, key app.IssueKey, _ string, _ time.Duration) (app.Request, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rows[key]
	if !ok {
		r = app.Request{Key: key}
	}
	return r, true, nil
}

func (m *memRequests) SaveRequest(_ context.Context, r app.Request, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rows[r.Key] = r
	return nil
}

func (m *memRequests) ReleaseRequest(context.Context, app.IssueKey, string) error { return nil }

// CreateDeployment records a deploy; in a dry run no deployment exists, so
// the one answered has ID 0 and later steps have nothing to attach to.
func (g *recordingGitHub) CreateDeployment(ctx context.Context, repo app.Repo, d app.NewDeployment) (app.Deployment, error) {
	if !g.write("create deployment of %s to %s in %s for operation %d", d.SHA, d.Environment, repo, d.OperationID) {
		return app.Deployment{SHA: d.SHA, Ref: d.SHA, Environment: d.Environment, Description: d.Description, OperationID: d.OperationID}, nil
	}
	return g.GitHub.CreateDeployment(ctx, repo, d)
}

func (g *recordingGitHub) CreateDeploymentStatus(ctx context.Context, repo app.Repo, deploymentID int64, s app.DeploymentStatus) error {
	detail := ""
	if s.Description != "" {
		detail = ": " + s.Description
	}
	if !g.write("set deployment %d in %s to %s%s", deploymentID, repo, s.State, detail) {
		return nil
	}
	return g.GitHub.CreateDeploymentStatus(ctx, repo, deploymentID, s)
}

func (g *recordingGitHub) DispatchWorkflow(ctx context.Context, repo app.Repo, workflow, ref string, inputs map[string]string) error {
	pairs := make([]string, 0, len(inputs))
	for _, k := range slices.Sorted(maps.Keys(inputs)) {
		pairs = append(pairs, k+"="+inputs[k])
	}
	if !g.write("dispatch workflow %s on %s in %s with inputs %s", workflow, ref, repo, strings.Join(pairs, ", ")) {
		return nil
	}
	return g.GitHub.DispatchWorkflow(ctx, repo, workflow, ref, inputs)
}

func (g *recordingGitHub) CancelWorkflowRun(ctx context.Context, repo app.Repo, runID int64) error {
	if !g.write("cancel workflow run %d in %s", runID, repo) {
		return nil
	}
	return g.GitHub.CancelWorkflowRun(ctx, repo, runID)
}

func (g *recordingGitHub) PutFile(ctx context.Context, repo app.Repo, branch, path, message string, content []byte, blobSHA string) (string, error) {
	if !g.write("commit %s on %s in %s (%s):\n%s", path, branch, repo, message, indent(string(content))) {
		return "", nil
	}
	return g.GitHub.PutFile(ctx, repo, branch, path, message, content, blobSHA)
}

func (g *recordingGitHub) CloseIssue(ctx context.Context, repo app.Repo, number int) error {
	if !g.write("close %s#%d", repo, number) {
		return nil
	}
	return g.GitHub.CloseIssue(ctx, repo, number)
}
