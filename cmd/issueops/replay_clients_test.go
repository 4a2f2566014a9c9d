package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/issueops/issueops/app"
)

// writeCounter is an app.GitHub whose operation writes count themselves;
// any other call panics on the nil interface.
type writeCounter struct {
	app.GitHub
	writes []string
}

func (w *writeCounter) CreateDeployment(_ context.Context, _ app.Repo, d app.NewDeployment) (app.Deployment, error) {
	w.writes = append(w.writes, "deployment")
	return app.Deployment{ID: 99, SHA: d.SHA, Environment: d.Environment}, nil
}

func (w *writeCounter) CreateDeploymentStatus(context.Context, app.Repo, int64, app.DeploymentStatus) error {
	w.writes = append(w.writes, "status")
	return nil
}

func (w *writeCounter) DispatchWorkflow(context.Context, app.Repo, string, string, map[string]string) error {
	w.writes = append(w.writes, "dispatch")
	return nil
}

func (w *writeCounter) CancelWorkflowRun(context.Context, app.Repo, int64) error {
	w.writes = append(w.writes, "cancel")
	return nil
}

func (w *writeCounter) PutFile(context.Context, app.Repo, string, string, string, []byte, string) (string, error) {
	w.writes = append(w.writes, "put")
	return "c0ffee", nil
}

func (w *writeCounter) CloseIssue(context.Context, app.Repo, int) error {
	w.writes = append(w.writes, "close")
	return nil
}

func TestRecordingOperationWrites(t *testing.T) {
	repo := app.Repo{Owner: "acme", Name: "api"}
	sha := strings.Repeat("a", 40)
	run := func(g *recordingGitHub) (app.Deployment, string) {
		ctx := context.Background()
		d, err := g.CreateDeployment(ctx, repo, app.NewDeployment{SHA: sha, Environment: "staging", OperationID: 5})
		if err != nil {
			t.Fatal(err)
		}
		for _, err := range []error{
			g.CreateDeploymentStatus(ctx, repo, 7, app.DeploymentStatus{State: "in_progress", Description: "issueops: deploying"}),
			g.DispatchWorkflow(ctx, repo, "deploy.yml", "main", map[string]string{"version": "v1.4.0", "issueops_id": "issueops-5"}),
			g.CancelWorkflowRun(ctx, repo, 4242),
			g.CloseIssue(ctx, repo, 12),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
		commit, err := g.PutFile(ctx, app.Repo{Owner: "acme", Name: "flux"}, "main", "clusters/prod/api.yaml", "deploy v1.4.0", []byte("tag: v1.4.0\n"), "b10b")
		if err != nil {
			t.Fatal(err)
		}
		return d, commit
	}

	var out bytes.Buffer
	inner := &writeCounter{}
	d, commit := run(&recordingGitHub{GitHub: inner, dryRun: true, out: &out})
	if len(inner.writes) != 0 {
		t.Fatalf("a dry run wrote %v", inner.writes)
	}
	if d.ID != 0 || d.SHA != sha || commit != "" {
		t.Fatalf("dry-run answers %+v, %q; want deployment 0 and no commit", d, commit)
	}
	for _, want := range []string{
		"would create deployment of " + sha + " to staging in acme/api for operation 5\n",
		"would set deployment 7 in acme/api to in_progress: issueops: deploying\n",
		"would dispatch workflow deploy.yml on main in acme/api with inputs issueops_id=issueops-5, version=v1.4.0\n",
		"would cancel workflow run 4242 in acme/api\n",
		"would close acme/api#12\n",
		"would commit clusters/prod/api.yaml on main in acme/flux (deploy v1.4.0):\n    tag: v1.4.0\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry-run output lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	inner = &writeCounter{}
	d, commit = run(&recordingGitHub{GitHub: inner, out: &out})
	if strings.Join(inner.writes, ",") != "deployment,status,dispatch,cancel,close,put" || d.ID != 99 || commit != "c0ffee" {
		t.Fatalf("writes %v, answers %+v %q", inner.writes, d, commit)
	}
	if !strings.Contains(out.String(), "did create deployment of "+sha) {
		t.Errorf("output:\n%s", out.String())
	}
}
