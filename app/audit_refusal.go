package app

import "context"

// auditRefusal records a refused command or form in the audit log. A
// refusal changes nothing, so an entry that cannot be written is logged
// and the user still gets the answer.
func (s *Service) auditRefusal(ctx context.Context, key IssueKey, what, env string, r *Refusal) {
	if s.audit == nil {
		return
	}
	actor := ActorFrom(ctx)
	e := AuditEntry{At: s.ops.now(), RepoID: key.RepoID, Repo: key.Repo, Issue: key.Number, Kind: what,
		Environment: env, Action: AuditRefusal, Actor: actor.Login, DeliveryID: actor.DeliveryID,
		Detail: stripMarkup(r.Message)}
	if err := s.audit.AppendAudit(ctx, e); err != nil {
		s.logger.ErrorContext(ctx, "the audit log refused a refusal", "delivery_id", actor.DeliveryID,
			"repo", key.Repo.String(), "issue", key.Number, "error", err)
	}
}
