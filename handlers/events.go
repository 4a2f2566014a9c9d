package handlers

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/google/go-github/v60/github"

	"github.com/issueops/issueops/app"
)

// knownEvents are GitHub events the app subscribes to (see README's App
// registration); they label the deliveries metric by name.
var knownEvents = map[string]struct{}{
	"issue_comment": {}, "issues": {}, "ping": {}, "installation": {}, "installation_repositories": {},
	"deployment": {}, "deployment_status": {}, "workflow_run": {}, "push": {}, "pull_request": {},
}

// Enqueue decides at intake whether a delivery needs a job. Everything else is
// stored as ignored: an event nobody handles, a comment edited or deleted
// (only created comments are acted on), a comment by a bot, an issues event
// that cannot change a form request (closed, assigned…). Issues events by
// bots are kept: a workflow may fill a form's body or add its label.
func Enqueue(event string, meta Meta) bool {
	switch event {
	case "issue_comment":
		return meta.Action == "created" && meta.Sender.Type != "Bot"
	case "issues":
		return app.HandlesIssueAction(meta.Action)
	case "deployment_status":
		// CD systems report as bots: their statuses count.
		return meta.Action == "created"
	case "workflow_run":
		return meta.Action == "completed"
	default:
		return false
	}
}

// Dispatcher turns a stored delivery into a call on the Service. It is the
// store's Processor.
type Dispatcher struct {
	service *app.Service
	logger  *slog.Logger
}

// NewDispatcher returns the processor of stored deliveries.
func NewDispatcher(service *app.Service, logger *slog.Logger) *Dispatcher {
	return &Dispatcher{service: service, logger: logger}
}

// Process decodes the delivery with go-github and hands it to the Service. A
// payload that does not decode is a permanent failure: retrying cannot fix it.
func (p *Dispatcher) Process(ctx context.Context, d app.Delivery, retry bool) error {
	payload, err := github.ParseWebHook(d.Event, d.Body)
	if err != nil {
		return app.Permanent(fmt.Errorf("decode %s payload: %w", d.Event, err))
	}
	switch ev := payload.(type) {
	case *github.IssueCommentEvent:
		return p.service.HandleComment(ctx, commentEvent(d, ev, retry))
	case *github.IssuesEvent:
		return p.service.HandleIssue(ctx, issueEvent(d, ev, retry))
	case *github.DeploymentStatusEvent:
		return p.service.HandleDeployEvent(ctx, app.DeployEvent{DeliveryID: d.ID, InstallationID: ev.GetInstallation().GetID(),
			Repo: repoOf(ev.GetRepo()), RepoID: ev.GetRepo().GetID(), DeploymentID: ev.GetDeployment().GetID()})
	case *github.WorkflowRunEvent:
		return p.service.HandleDeployEvent(ctx, app.DeployEvent{DeliveryID: d.ID, InstallationID: ev.GetInstallation().GetID(),
			Repo: repoOf(ev.GetRepo()), RepoID: ev.GetRepo().GetID(), RunTitle: ev.GetWorkflowRun().GetDisplayTitle()})
	default:
		p.logger.DebugContext(ctx, "no handler for event", "delivery_id", d.ID, "event", d.Event)
		return nil
	}
}

func repoOf(r *github.Repository) app.Repo {
	return app.Repo{Owner: r.GetOwner().GetLogin(), Name: r.GetName()}
}

func commentEvent(d app.Delivery, ev *github.IssueCommentEvent, retry bool) app.CommentEvent {
	return app.CommentEvent{
		DeliveryID:     d.ID,
		InstallationID: ev.GetInstallation().GetID(),
		Action:         ev.GetAction(),
		Repo:           app.Repo{Owner: ev.GetRepo().GetOwner().GetLogin(), Name: ev.GetRepo().GetName()},
		RepoID:         ev.GetRepo().GetID(),
		IssueNumber:    ev.GetIssue().GetNumber(),
		CommentID:      ev.GetComment().GetID(),
		Body:           ev.GetComment().GetBody(),
		SenderLogin:    ev.GetSender().GetLogin(),
		SenderType:     ev.GetSender().GetType(),
		ReceivedAt:     d.ReceivedAt,
		Retry:          retry,
	}
}

func issueEvent(d app.Delivery, ev *github.IssuesEvent, retry bool) app.IssueEvent {
	out := app.IssueEvent{
		DeliveryID:     d.ID,
		InstallationID: ev.GetInstallation().GetID(),
		Action:         ev.GetAction(),
		Repo:           app.Repo{Owner: ev.GetRepo().GetOwner().GetLogin(), Name: ev.GetRepo().GetName()},
		RepoID:         ev.GetRepo().GetID(),
		IssueNumber:    ev.GetIssue().GetNumber(),
		ChangedLabel:   ev.GetLabel().GetName(),
		SenderLogin:    ev.GetSender().GetLogin(),
		SenderType:     ev.GetSender().GetType(),
		ReceivedAt:     d.ReceivedAt,
		Retry:          retry,
	}
	for _, label := range ev.GetIssue().Labels {
		out.Labels = append(out.Labels, label.GetName())
	}
	return out
}
