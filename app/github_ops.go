package app

import (
	"context"
	"errors"
	"time"
)

// Permission is a person's access to a repository as GitHub's
// collaborator-permission API answers it at the moment of asking.
type Permission struct {
	// Permission is GitHub's legacy level: admin, write, read or none.
	Permission string
	// RoleName is the repository role: admin, maintain, write, triage, read,
	// or the name of a custom role ("" when GitHub gave none).
	RoleName string
}

// Collaborators answers who may do what, always from GitHub and never from a
// payload's author_association.
//
// Contract: CollaboratorPermission answers Permission{"none", ""} without
// error for someone who is not a collaborator (GitHub's 404). TeamMember
// reports an active membership of org's team slug; a pending invitation or
// an unknown team is false without error. Errors are classified as for
// GitHub; callers deny when they get one (fail closed).
type Collaborators interface {
	CollaboratorPermission(ctx context.Context, repo Repo, login string) (Permission, error)
	TeamMember(ctx context.Context, org, team, login string) (bool, error)
}

// Deployment is a GitHub deployment.
type Deployment struct {
	ID          int64
	SHA         string
	Ref         string
	Environment string
	Creator     string
	Description string
	// OperationID is the issueops operation that made it (from its payload),
	// 0 for deployments made by anyone else.
	OperationID int64
	CreatedAt   time.Time
}

// DeploymentStatus is one status of a deployment.
type DeploymentStatus struct {
	State       string // error, failure, inactive, in_progress, queued, pending, success
	Description string
	LogURL      string
	CreatedAt   time.Time
}

// NewDeployment is what CreateDeployment asks GitHub for.
type NewDeployment struct {
	SHA         string // the exact commit: GitHub deploys the ref as given
	Environment string
	Description string
	OperationID int64 // stored in the payload, so a retry finds its deployment
	// Transient and production flags as GitHub defines them; both false by default.
	Production bool
}

// Deployments records deploys as GitHub deployments with statuses, so that
// GitHub's own UI, /status and /rollback agree.
//
// Contract: CreateDeployment never auto-merges and requires no status
// contexts (the exact SHA is deployed as it is). ListDeployments returns the
// environment's deployments newest first, at most limit, optionally only
// those of sha ("" for any). ListDeploymentStatuses returns a deployment's
// statuses newest first. CreateDeploymentStatus is not idempotent on
// GitHub's side, but a repeated status of the same state is harmless.
type Deployments interface {
	CreateDeployment(ctx context.Context, repo Repo, d NewDeployment) (Deployment, error)
	ListDeployments(ctx context.Context, repo Repo, environment, sha string, limit int) ([]Deployment, error)
	ListDeploymentStatuses(ctx context.Context, repo Repo, deploymentID int64) ([]DeploymentStatus, error)
	CreateDeploymentStatus(ctx context.Context, repo Repo, deploymentID int64, s DeploymentStatus) error
}

// WorkflowRun is a GitHub Actions run.
type WorkflowRun struct {
	ID           int64
	DisplayTitle string
	Status       string // queued, in_progress, completed, …
	Conclusion   string // success, failure, cancelled, … once completed
	HTMLURL      string
	HeadSHA      string
	CreatedAt    time.Time
}

// Workflows dispatches GitHub Actions workflows and finds their runs.
//
// Contract: DispatchWorkflow triggers workflow (a file name in
// .github/workflows) on branch ref with inputs; GitHub answers nothing that
// identifies the run, so FindWorkflowRun finds it by a correlation id the
// workflow puts in its run name (run-name: … ${{ inputs.issueops_id }}),
// looking at the workflow's workflow_dispatch runs created at or after
// since; found=false when there is none yet. A dispatch is not idempotent:
// callers look before they dispatch again.
type Workflows interface {
	DispatchWorkflow(ctx context.Context, repo Repo, workflow, ref string, inputs map[string]string) error
	FindWorkflowRun(ctx context.Context, repo Repo, workflow, correlationID string, since time.Time) (WorkflowRun, bool, error)
	GetWorkflowRun(ctx context.Context, repo Repo, runID int64) (WorkflowRun, error)
	// CancelWorkflowRun asks GitHub to cancel a run; a run that already
	// completed (GitHub's 409) is not an error.
	CancelWorkflowRun(ctx context.Context, repo Repo, runID int64) error
}

// ErrConflict is returned by PutFile when the file changed since it was
// read (GitHub's 409, or 422 for a stale blob SHA): read it again, re-apply
// the change and try again.
var ErrConflict = errors.New("the file changed since it was read")

// FileVersion is a file read with the blob SHA an update must name.
type FileVersion struct {
	Content []byte
	BlobSHA string
}

// Contents reads and writes files for the GitOps method.
//
// Contract: GetFile answers found=false when the path does not exist on
// branch. PutFile commits content to path on branch as an update of the
// blob blobSHA and returns the new commit's SHA; a stale blobSHA is
// ErrConflict (wrapped, permanent otherwise). ListCommits returns the
// newest commits of branch touching path, at most limit, for finding an
// earlier run's commit by its message.
type Contents interface {
	GetFile(ctx context.Context, repo Repo, branch, path string) (FileVersion, bool, error)
	PutFile(ctx context.Context, repo Repo, branch, path, message string, content []byte, blobSHA string) (commitSHA string, err error)
	ListCommits(ctx context.Context, repo Repo, branch, path string, limit int) ([]Commit, error)
}

// Commit is a commit as listed or compared.
type Commit struct {
	SHA     string
	Message string
	Author  string // GitHub login when known, else the git author's name
	HTMLURL string
}

// Comparison is what lies between two commits.
type Comparison struct {
	Status   string // ahead, behind, identical, diverged
	AheadBy  int
	BehindBy int
	Commits  []Commit // oldest first, at most the limit asked for
	HTMLURL  string
}

// Compare compares commits for /diff.
//
// Contract: CompareCommits returns at most limit commits of base...head,
// oldest first, with GitHub's counts for all of them.
type Compare interface {
	CompareCommits(ctx context.Context, repo Repo, base, head string, limit int) (Comparison, error)
}

// IssueState closes an issue whose operation succeeded.
//
// Contract: CloseIssue succeeds when the issue is already closed.
type IssueState interface {
	CloseIssue(ctx context.Context, repo Repo, number int) error
}

// Operations is all the GitHub calls operations make, beyond GitHub.
type Operations interface {
	Collaborators
	Deployments
	Workflows
	Contents
	Compare
	IssueState
	Releases
}
