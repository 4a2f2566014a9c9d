package app

import (
	"context"
	"errors"
	"regexp"
	"strconv"
)

// DeployEvent is a deployment_status or workflow_run event, reduced to what
// finds the operation it is about. Nothing in it is trusted: the operation's
// run reads the deployment or the run back from GitHub before it acts.
type DeployEvent struct {
	DeliveryID     string
	InstallationID int64
	Repo           Repo
	RepoID         int64
	// DeploymentID is the deployment a deployment_status event is about.
	DeploymentID int64
	// RunTitle is a workflow run's display title, which carries the
	// operation's correlation id.
	RunTitle string
}

// correlationPattern finds an operation's correlation id in a run's title.
var correlationPattern = regexp.MustCompile(`\bissueops-([0-9]{1,18})\b`)

// HandleDeployEvent takes the next step of the running operation the event
// is about, so a deploy that reported back is finished at once rather than
// at the next poll. Events about anything else are ignored.
func (s *Service) HandleDeployEvent(ctx context.Context, ev DeployEvent) error {
	if s.ops.store == nil {
		return nil
	}
	ctx = WithActor(ctx, "", ev.DeliveryID) // GitHub reporting on a deploy: issueops acts
	op, found, err := s.eventOperation(ctx, ev)
	if err != nil {
		return err
	}
	if !found || op.State != OpRunning {
		s.logger.DebugContext(ctx, "deploy event about no running operation", "delivery_id", ev.DeliveryID,
			"repo", ev.Repo.String(), "deployment_id", ev.DeploymentID, "found", found)
		return nil
	}
	s.logOp(ctx, op, "deploy reported back", "event_delivery_id", ev.DeliveryID)
	if err := s.stepOperation(ctx, op.ID, ev.DeliveryID); err != nil && !errors.Is(err, errWaiting) {
		return err
	}
	return nil
}

func (s *Service) eventOperation(ctx context.Context, ev DeployEvent) (Operation, bool, error) {
	if ev.DeploymentID != 0 {
		return s.ops.store.OperationByDeployment(ctx, ev.RepoID, ev.DeploymentID)
	}
	m := correlationPattern.FindStringSubmatch(ev.RunTitle)
	if m == nil {
		return Operation{}, false, nil
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	op, err := s.ops.store.Operation(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return op, false, nil
	}
	if err != nil {
		return op, false, err
	}
	return op, op.Issue.RepoID == ev.RepoID, nil // another repository's run cannot end this one
}
