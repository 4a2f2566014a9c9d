package githubtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// deploymentJSON is GitHub's deployment object.
type deploymentJSON struct {
	URL                   string          `json:"url"`
	ID                    int64           `json:"id"`
	NodeID                string          `json:"node_id"`
	SHA                   string          `json:"sha"`
	Ref                   string          `json:"ref"`
	Task                  string          `json:"task"`
	Payload               json.RawMessage `json:"payload"`
	OriginalEnvironment   string          `json:"original_environment"`
	Environment           string          `json:"environment"`
	Description           *string         `json:"description"`
	Creator               userJSON        `json:"creator"`
	CreatedAt             string          `json:"created_at"`
	UpdatedAt             string          `json:"updated_at"`
	StatusesURL           string          `json:"statuses_url"`
	RepositoryURL         string          `json:"repository_url"`
	TransientEnvironment  bool            `json:"transient_environment"`
	ProductionEnvironment bool            `json:"production_environment"`
	PerformedViaGithubApp *appJSON        `json:"performed_via_github_app"`
}

// deploymentStatusJSON is GitHub's deployment-status object.
type deploymentStatusJSON struct {
	URL                   string   `json:"url"`
	ID                    int64    `json:"id"`
	NodeID                string   `json:"node_id"`
	State                 string   `json:"state"`
	Creator               userJSON `json:"creator"`
	Description           string   `json:"description"`
	Environment           string   `json:"environment"`
	TargetURL             string   `json:"target_url"`
	CreatedAt             string   `json:"created_at"`
	UpdatedAt             string   `json:"updated_at"`
	DeploymentURL         string   `json:"deployment_url"`
	RepositoryURL         string   `json:"repository_url"`
	EnvironmentURL        string   `json:"environment_url"`
	LogURL                string   `json:"log_url"`
	PerformedViaGithubApp *appJSON `json:"performed_via_github_app"`
}

func (s *Server) deploymentURL(r *repoRec, d *deploymentRec) string {
	return fmt.Sprintf("%s/deployments/%d", s.repoAPI(r), d.id)
}

// viaApp is performed_via_github_app: the App when a's write used one of
// its installation tokens.
func (s *Server) viaApp(a actor) *appJSON {
	if !a.viaApp {
		return nil
	}
	app := s.appObject()
	return &app
}

// renderDeployment builds the deployment object; s.mu must be held.
func (s *Server) renderDeployment(r *repoRec, d *deploymentRec) deploymentJSON {
	u := s.deploymentURL(r, d)
	return deploymentJSON{
		URL: u, ID: d.id, NodeID: nodeID("DE", d.id), SHA: d.sha, Ref: d.ref, Task: d.task,
		Payload: d.payload, OriginalEnvironment: d.originalEnv, Environment: d.env,
		Description: d.description, Creator: s.user(d.by.login, d.by.id, d.by.userType),
		CreatedAt: fmtTime(d.created), UpdatedAt: fmtTime(d.updated),
		StatusesURL: u + "/statuses", RepositoryURL: s.repoAPI(r),
		TransientEnvironment: d.transient, ProductionEnvironment: d.production,
		PerformedViaGithubApp: s.viaApp(d.by),
	}
}

// renderStatus builds the deployment-status object; s.mu must be held.
func (s *Server) renderStatus(r *repoRec, d *deploymentRec, st *statusRec) deploymentStatusJSON {
	u := s.deploymentURL(r, d)
	return deploymentStatusJSON{
		URL: fmt.Sprintf("%s/statuses/%d", u, st.id), ID: st.id, NodeID: nodeID("DES", st.id),
		State: st.state, Creator: s.user(st.by.login, st.by.id, st.by.userType),
		Description: st.description, Environment: st.env,
		TargetURL: st.logURL, LogURL: st.logURL, EnvironmentURL: st.envURL,
		CreatedAt: fmtTime(st.created), UpdatedAt: fmtTime(st.created),
		DeploymentURL: u, RepositoryURL: s.repoAPI(r), PerformedViaGithubApp: s.viaApp(st.by),
	}
}

// installationJSON is the "installation" member of an App's deliveries,
// with a node id in GitHub's legacy form (base64 of
// "023:IntegrationInstallation<id>") as its examples show.
func installationJSON(id int64) map[string]any {
	legacy := base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "023:IntegrationInstallation%d", id))
	return map[string]any{"id": id, "node_id": legacy}
}

// eventPayload is what every repository event carries besides its own
// members: repository, sender and, for an App, installation.
func (s *Server) eventPayload(r *repoRec, action string, sender actor, installationID int64) map[string]any {
	p := map[string]any{
		"action":     action,
		"repository": s.renderRepo(r),
		"sender":     s.user(sender.login, sender.id, sender.userType),
	}
	if installationID != 0 {
		p["installation"] = installationJSON(installationID)
	}
	return p
}

// deploymentStatusEvent is the deployment_status "created" payload, shaped
// as octokit's example (deployment_status, deployment, repository, sender,
// installation); s.mu must be held.
func (s *Server) deploymentStatusEvent(r *repoRec, d *deploymentRec, st *statusRec) map[string]any {
	p := s.eventPayload(r, "created", st.by, s.eventInstallation(r, st.by.installationID, d.by.installationID))
	p["deployment_status"] = s.renderStatus(r, d, st)
	p["deployment"] = s.renderDeployment(r, d)
	return p
}
