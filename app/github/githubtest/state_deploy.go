package githubtest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Deployments and their statuses, per repository. The app records every
// deploy as a GitHub deployment; a test plays the CD system that acts on it
// with AddDeploymentStatus, or seeds history someone else made with
// SeedDeployment.

// Deployment is a deployment as the fake stores it: read with Deployments,
// or describe one to SeedDeployment.
type Deployment struct {
	ID          int64  // assigned by the fake; SeedDeployment ignores it
	SHA         string // the commit deployed
	Ref         string // as asked for; SeedDeployment's default is SHA
	Task        string // default "deploy"
	Environment string // default "production"
	Description string
	// Payload is the deployment's payload as JSON (an object or a string);
	// nil is {}.
	Payload json.RawMessage
	// Creator is the login that made it: the caller's identity for the
	// API, SeedDeployment's default "octocat".
	Creator    string
	Production bool // production_environment
	Transient  bool // transient_environment
	CreatedAt  time.Time
}

// DeploymentStatus is one status of a deployment.
type DeploymentStatus struct {
	ID             int64
	State          string // error, failure, inactive, in_progress, queued, pending, success
	Description    string
	Environment    string
	LogURL         string
	EnvironmentURL string
	Creator        string
	CreatedAt      time.Time
}

// deploymentStates are the states GitHub accepts for a status.
var deploymentStates = map[string]bool{
	"error": true, "failure": true, "inactive": true, "in_progress": true,
	"queued": true, "pending": true, "success": true,
}

type deploymentRec struct {
	id                    int64
	sha, ref, task        string
	env, originalEnv      string
	description           *string // null when none was given
	payload               json.RawMessage
	by                    actor
	production, transient bool
	created, updated      time.Time
	statuses              []*statusRec // in creation order
}

type statusRec struct {
	id                                      int64
	state, description, env, logURL, envURL string
	by                                      actor
	created                                 time.Time
}

// deployment returns the repository's deployment id, or nil.
func (r *repoRec) deployment(id int64) *deploymentRec {
	for _, d := range r.deploys {
		if d.id == id {
			return d
		}
	}
	return nil
}

// addDeployment stores d, assigning its id.
func (st *state) addDeployment(r *repoRec, d *deploymentRec) *deploymentRec {
	st.nextDeploymentID++
	d.id = st.nextDeploymentID
	if len(d.payload) == 0 {
		d.payload = json.RawMessage("{}")
	}
	if d.originalEnv == "" {
		d.originalEnv = d.env
	}
	d.updated = d.created
	r.deploys = append(r.deploys, d)
	return d
}

// addStatus adds a status to d. A success with autoInactive marks every
// earlier deployment of the environment whose latest status is success,
// unless it is transient or production, inactive: GitHub's auto_inactive,
// on by default, which is why an older deploy's statuses end in inactive.
func (st *state) addStatus(r *repoRec, d *deploymentRec, s statusRec, autoInactive bool) *statusRec {
	st.nextStatusID++
	s.id = st.nextStatusID
	if s.env == "" {
		s.env = d.env
	}
	d.env = s.env
	rec := &s
	d.statuses = append(d.statuses, rec)
	d.updated = s.created
	if s.state != "success" || !autoInactive {
		return rec
	}
	for _, old := range r.deploys {
		if old.id >= d.id || old.env != d.env || old.transient || old.production || len(old.statuses) == 0 {
			continue
		}
		if old.statuses[len(old.statuses)-1].state != "success" {
			continue
		}
		st.nextStatusID++
		old.statuses = append(old.statuses, &statusRec{id: st.nextStatusID, state: "inactive", env: old.env, by: s.by, created: s.created})
		old.updated = s.created
	}
	return rec
}

func (d *deploymentRec) export() Deployment {
	out := Deployment{ID: d.id, SHA: d.sha, Ref: d.ref, Task: d.task, Environment: d.env,
		Payload: bytes.Clone(d.payload), Creator: d.by.login, Production: d.production,
		Transient: d.transient, CreatedAt: d.created}
	if d.description != nil {
		out.Description = *d.description
	}
	return out
}

func (s *statusRec) export() DeploymentStatus {
	return DeploymentStatus{ID: s.id, State: s.state, Description: s.description, Environment: s.env,
		LogURL: s.logURL, EnvironmentURL: s.envURL, Creator: s.by.login, CreatedAt: s.created}
}

// Deployments returns a repository's deployments in creation order; nil for
// an unknown repository.
func (s *Server) Deployments(owner, repo string) []Deployment {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.repo(owner, repo)
	if r == nil {
		return nil
	}
	out := make([]Deployment, len(r.deploys))
	for i, d := range r.deploys {
		out[i] = d.export()
	}
	return out
}

// DeploymentStatuses returns a deployment's statuses in creation order
// (GitHub lists them newest first); nil for an unknown deployment.
func (s *Server) DeploymentStatuses(owner, repo string, id int64) []DeploymentStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.repo(owner, repo)
	if r == nil {
		return nil
	}
	d := r.deployment(id)
	if d == nil {
		return nil
	}
	out := make([]DeploymentStatus, len(d.statuses))
	for i, st := range d.statuses {
		out[i] = st.export()
	}
	return out
}

// SeedDeployment stores a deployment made by someone else (d.Creator,
// default "octocat"), such as an earlier deploy the app must see for
// /status or /rollback, with statuses in order, each by the same creator
// and each applying auto_inactive as GitHub does. It returns the new id.
// Zero fields take GitHub's defaults (see Deployment); a zero CreatedAt is
// now. The repository is created if needed and the SHA is not checked. It
// sends no webhook. It panics on an invalid status state.
func (s *Server) SeedDeployment(owner, repo string, d Deployment, statuses ...string) int64 {
	for _, state := range statuses {
		if !deploymentStates[state] {
			panic(fmt.Sprintf("githubtest: SeedDeployment: invalid state %q", state))
		}
	}
	if d.Creator == "" {
		d.Creator = "octocat"
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = time.Now()
	}
	rec := &deploymentRec{sha: d.SHA, ref: cmp.Or(d.Ref, d.SHA), task: cmp.Or(d.Task, "deploy"),
		env: cmp.Or(d.Environment, "production"), payload: bytes.Clone(d.Payload), by: s.namedActor(d.Creator),
		production: d.Production, transient: d.Transient, created: d.CreatedAt}
	if d.Description != "" {
		rec.description = &d.Description
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.ensureRepo(owner, repo)
	s.st.addDeployment(r, rec)
	for i, state := range statuses {
		s.st.addStatus(r, rec, statusRec{state: state, by: rec.by, created: d.CreatedAt.Add(time.Duration(i+1) * time.Second)}, true)
	}
	return rec.id
}

// AddDeploymentStatus adds a status to a deployment as creator (a login;
// "<slug>[bot]" is the App itself), as the CD system acting on the
// deployment would through the API, with auto_inactive. When a webhook is
// set (SetWebhook) GitHub's deployment_status "created" event is delivered
// before it returns. It panics on an unknown deployment or invalid state.
func (s *Server) AddDeploymentStatus(owner, repo string, id int64, state, creator string) {
	if !deploymentStates[state] {
		panic(fmt.Sprintf("githubtest: AddDeploymentStatus: invalid state %q", state))
	}
	s.mu.Lock()
	r := s.st.repo(owner, repo)
	var d *deploymentRec
	if r != nil {
		d = r.deployment(id)
	}
	if d == nil {
		s.mu.Unlock()
		panic(fmt.Sprintf("githubtest: AddDeploymentStatus: no deployment %d in %s/%s", id, owner, repo))
	}
	st := s.st.addStatus(r, d, statusRec{state: state, by: s.namedActor(creator), created: time.Now()}, true)
	event := s.deploymentStatusEvent(r, d, st)
	s.mu.Unlock()
	s.sendEvent("deployment_status", event)
}

// sendEvent delivers an event the fake made on a test's behalf, when the
// App has a webhook; without one GitHub has nowhere to send it.
func (s *Server) sendEvent(event string, payload map[string]any) {
	if body, ok := s.eventBody(event, payload); ok {
		s.SendWebhook(event, body)
	}
}

// eventBody renders an event's payload, ok=false when no webhook is set.
func (s *Server) eventBody(event string, payload map[string]any) ([]byte, bool) {
	s.webhook.mu.Lock()
	set := s.webhook.url != ""
	s.webhook.mu.Unlock()
	if !set {
		return nil, false
	}
	body, err := json.Marshal(payload)
	if err != nil {
		panic("githubtest: " + event + " payload: " + err.Error())
	}
	return body, true
}

// sendEventSoon delivers an event as sendEvent does, but from another
// goroutine and abandoned when the server closes: for the events GitHub
// sends after answering a request (a cancelled run's), so the request does
// not wait on the app's webhook handler, which may be waiting on the
// request's caller. The payload is rendered by the caller, as of the change.
func (s *Server) sendEventSoon(event string, payload map[string]any) {
	body, ok := s.eventBody(event, payload)
	if !ok {
		return
	}
	s.soon(func(ctx context.Context) { s.sendWebhook(ctx, event, body) })
}

// soon runs deliver in its own goroutine, with a context that ends after
// hookTimeout or when the server closes: how the fake sends what GitHub
// sends after it has answered.
func (s *Server) soon(deliver func(ctx context.Context)) {
	ctx, cancel := context.WithTimeout(context.Background(), hookTimeout)
	go func() {
		defer cancel()
		go func() {
			select {
			case <-s.done:
				cancel()
			case <-ctx.Done():
			}
		}()
		deliver(ctx)
	}()
}

// eventInstallation is the installation an event about r carries: the
// first of ids that is set, else the installation that last used r; 0 (no
// installation member) in token mode. s.mu must be held.
func (s *Server) eventInstallation(r *repoRec, ids ...int64) int64 {
	if i := slices.IndexFunc(ids, func(id int64) bool { return id != 0 }); i >= 0 {
		return ids[i]
	}
	return s.st.installs[mkRepoKey(r.owner, r.name)]
}
