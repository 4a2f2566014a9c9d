package jiratest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Jira's own wording, which clients (and the adapter's tests) may see.
const (
	msgIssueMissing   = "Issue does not exist or you do not have permission to see it."
	msgDuplicateName  = "A version with this name already exists in this project."
	msgNoProject      = "Project must be specified to create a version."
	msgNoVersionName  = "You must specify a valid version name"
	msgNameTooLong    = "The version name must not exceed 255 characters"
	msgBadReleaseDate = `Invalid date format. Please enter the date in the format "yyyy-MM-dd".`
)

func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /rest/api/2/project/{key}/versions", s.listVersions)
	mux.HandleFunc("POST /rest/api/2/version", s.createVersionHandler)
	mux.HandleFunc("PUT /rest/api/2/version/{id}", s.updateVersion)
	mux.HandleFunc("PUT /rest/api/2/issue/{key}", s.editIssue)
	mux.HandleFunc("POST /rest/api/2/issue/{key}/remotelink", s.upsertRemoteLink)
}

// versionJSON is Jira's version bean: the id is a string, projectId a
// number, and self the version's REST URL.
type versionJSON struct {
	Self        string `json:"self"`
	ID          string `json:"id"`
	Name        string `json:"name"`
	Archived    bool   `json:"archived"`
	Released    bool   `json:"released"`
	ReleaseDate string `json:"releaseDate,omitempty"`
	ProjectID   int    `json:"projectId"`
	Project     string `json:"project,omitempty"`
}

func (s *Server) versionJSON(v Version) versionJSON {
	return versionJSON{Self: s.URL() + "/rest/api/2/version/" + v.ID, ID: v.ID, Name: v.Name,
		Archived: v.Archived, Released: v.Released, ReleaseDate: v.ReleaseDate, ProjectID: v.ProjectID}
}

func (s *Server) listVersions(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	s.mu.Lock()
	_, ok := s.projects[key]
	versions := s.projectVersions(key)
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, []string{fmt.Sprintf("No project could be found with key '%s'.", key)}, nil)
		return
	}
	out := []versionJSON{}
	for _, v := range versions {
		out = append(out, s.versionJSON(v))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createVersionHandler(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name        string `json:"name"`
		Project     string `json:"project"`
		ProjectID   any    `json:"projectId"`
		Released    bool   `json:"released"`
		ReleaseDate string `json:"releaseDate"`
	}
	if !decode(w, r, &body) {
		return
	}
	name := strings.TrimSpace(body.Name)
	if bad := checkVersionFields(name, body.ReleaseDate); bad != nil {
		writeError(w, http.StatusBadRequest, nil, bad)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.findProject(body.Project, body.ProjectID)
	switch {
	case p == nil:
		writeError(w, http.StatusBadRequest, nil, map[string]string{"project": msgNoProject})
	case s.versionNamed(p.key, name, true) != nil:
		writeError(w, http.StatusBadRequest, nil, map[string]string{"name": msgDuplicateName})
	default:
		v := s.createVersion(p, name, body.Released)
		v.ReleaseDate = body.ReleaseDate
		out := s.versionJSON(*v)
		out.Project = p.key
		writeJSON(w, http.StatusCreated, out)
	}
}

// findProject resolves the project of a create request, by key or by id
// (a number or a numeric string, as Jira accepts both).
func (st *state) findProject(key string, id any) *project {
	if key != "" {
		return st.projects[key]
	}
	want := fmt.Sprint(id)
	for _, p := range st.projects {
		if id != nil && fmt.Sprint(p.id) == want {
			return p
		}
	}
	return nil
}

func checkVersionFields(name, releaseDate string) map[string]string {
	bad := map[string]string{}
	switch {
	case name == "":
		bad["name"] = msgNoVersionName
	case len(name) > 255:
		bad["name"] = msgNameTooLong
	}
	if releaseDate != "" {
		if _, err := time.Parse("2006-01-02", releaseDate); err != nil {
			bad["releaseDate"] = msgBadReleaseDate
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return bad
}

func (s *Server) updateVersion(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name        *string `json:"name"`
		Released    *bool   `json:"released"`
		Archived    *bool   `json:"archived"`
		ReleaseDate *string `json:"releaseDate"`
	}
	if !decode(w, r, &body) {
		return
	}
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.versions[id]
	if !ok {
		writeError(w, http.StatusNotFound, []string{fmt.Sprintf("Could not find version for id '%s'", id)}, nil)
		return
	}
	name, date := v.Name, v.ReleaseDate
	if body.Name != nil {
		name = strings.TrimSpace(*body.Name)
	}
	if body.ReleaseDate != nil {
		date = *body.ReleaseDate
	}
	bad := checkVersionFields(name, date)
	if other := s.versionNamed(v.ProjectKey, name, true); bad == nil && other != nil && other.ID != v.ID {
		bad = map[string]string{"name": msgDuplicateName}
	}
	if bad != nil {
		writeError(w, http.StatusBadRequest, nil, bad)
		return
	}
	v.Name, v.ReleaseDate = name, date
	if body.Released != nil {
		v.Released = *body.Released
	}
	if body.Archived != nil {
		v.Archived = *body.Archived
	}
	writeJSON(w, http.StatusOK, s.versionJSON(*v))
}

func decode(w http.ResponseWriter, r *http.Request, into any) bool {
	if err := json.NewDecoder(r.Body).Decode(into); err != nil {
		writeError(w, http.StatusBadRequest, []string{"Unexpected character in the request body: " + err.Error()}, nil)
		return false
	}
	return true
}

// writeError writes Jira's error body; both members are always present.
func writeError(w http.ResponseWriter, status int, messages []string, fields map[string]string) {
	if messages == nil {
		messages = []string{}
	}
	if fields == nil {
		fields = map[string]string{}
	}
	writeJSON(w, status, map[string]any{"errorMessages": messages, "errors": fields})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
