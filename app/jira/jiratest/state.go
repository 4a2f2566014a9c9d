package jiratest

import (
	"strconv"
	"strings"
)

// Version is a project version as the fake holds it.
type Version struct {
	ID          string
	Name        string
	ProjectKey  string
	ProjectID   int
	Released    bool
	Archived    bool
	ReleaseDate string // yyyy-mm-dd, "" when unset
}

// RemoteLink is a link from an issue to a page outside Jira.
type RemoteLink struct {
	ID        int
	GlobalID  string
	URL       string
	Title     string
	IconURL   string
	IconTitle string
}

// Issue is an issue's state: its fix versions (by name) and remote links.
type Issue struct {
	Key         string
	FixVersions []string
	RemoteLinks []RemoteLink
}

type project struct {
	id  int
	key string
}

type issue struct {
	key        string
	projectKey string
	fixIDs     []string
	links      []RemoteLink
}

// state is the fake's data; every access holds Server.mu.
type state struct {
	projects map[string]*project // by key
	versions map[string]*Version // by id
	order    []string            // version ids in creation order
	issues   map[string]*issue   // by key
	nextID   int
}

func newState() state {
	return state{projects: map[string]*project{}, versions: map[string]*Version{},
		issues: map[string]*issue{}, nextID: 10000}
}

func (st *state) newID() int {
	st.nextID++
	return st.nextID
}

// AddProject creates project key (a no-op when it exists).
func (s *Server) AddProject(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensureProject(key)
}

func (st *state) ensureProject(key string) *project {
	if p, ok := st.projects[key]; ok {
		return p
	}
	p := &project{id: st.newID(), key: key}
	st.projects[key] = p
	return p
}

// AddIssue creates issue key ("OPS-1"), and its project ("OPS") when
// missing. An existing issue is left as it is.
func (s *Server) AddIssue(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.issues[key]; ok {
		return
	}
	projectKey, _, _ := strings.Cut(key, "-")
	s.ensureProject(projectKey)
	s.issues[key] = &issue{key: key, projectKey: projectKey}
}

// AddVersion creates version name in project (creating the project when
// missing) and returns it, bypassing Jira's duplicate check: a test uses
// it to seed, or to play a racing creator.
func (s *Server) AddVersion(projectKey, name string) Version {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.createVersion(s.ensureProject(projectKey), name, false)
}

func (st *state) createVersion(p *project, name string, released bool) *Version {
	v := &Version{ID: strconv.Itoa(st.newID()), Name: name, ProjectKey: p.key,
		ProjectID: p.id, Released: released}
	st.versions[v.ID] = v
	st.order = append(st.order, v.ID)
	return v
}

// Versions returns project's versions in creation order.
func (s *Server) Versions(projectKey string) []Version {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.projectVersions(projectKey)
}

func (st *state) projectVersions(projectKey string) []Version {
	var out []Version
	for _, id := range st.order {
		if v := st.versions[id]; v.ProjectKey == projectKey {
			out = append(out, *v)
		}
	}
	return out
}

// Issue returns issue key's state, and false when there is no such issue.
func (s *Server) Issue(key string) (Issue, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is, ok := s.issues[key]
	if !ok {
		return Issue{}, false
	}
	out := Issue{Key: is.key, RemoteLinks: append([]RemoteLink(nil), is.links...)}
	for _, id := range is.fixIDs {
		out.FixVersions = append(out.FixVersions, s.versions[id].Name)
	}
	return out, true
}

// versionNamed finds project's version called name, ignoring case as
// Jira does when it refuses duplicates.
func (st *state) versionNamed(projectKey, name string, foldCase bool) *Version {
	for _, id := range st.order {
		v := st.versions[id]
		if v.ProjectKey != projectKey {
			continue
		}
		if v.Name == name || (foldCase && strings.EqualFold(v.Name, name)) {
			return v
		}
	}
	return nil
}
