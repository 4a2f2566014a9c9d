package jiratest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
)

// versionRef names a version in an issue edit, by name or by id.
type versionRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// fixVersionOp is one operation of "update": {"fixVersions": [...]}.
type fixVersionOp struct {
	Add    *versionRef  `json:"add"`
	Remove *versionRef  `json:"remove"`
	Set    []versionRef `json:"set"`
}

// editIssue is PUT /rest/api/2/issue/{key} for the fixVersions field:
// "update" operations (add, remove, set) or a "fields" value. Every
// other field is refused as Jira refuses a field off the edit screen.
// The edit applies entirely or not at all.
func (s *Server) editIssue(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Update map[string]json.RawMessage `json:"update"`
		Fields map[string]json.RawMessage `json:"fields"`
	}
	if !decode(w, r, &body) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	is, ok := s.issues[r.PathValue("key")]
	if !ok {
		writeError(w, http.StatusNotFound, []string{msgIssueMissing}, nil)
		return
	}
	ids, bad := s.applyEdit(is, body.Update, body.Fields)
	if bad != nil {
		writeError(w, http.StatusBadRequest, nil, bad)
		return
	}
	is.fixIDs = ids
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) applyEdit(is *issue, update, fields map[string]json.RawMessage) ([]string, map[string]string) {
	for _, m := range []map[string]json.RawMessage{update, fields} {
		for field := range m {
			if field != "fixVersions" {
				return nil, map[string]string{field: fmt.Sprintf(
					"Field '%s' cannot be set. It is not on the appropriate screen, or unknown.", field)}
			}
		}
	}
	ids := slices.Clone(is.fixIDs)
	if raw, ok := fields["fixVersions"]; ok {
		var refs []versionRef
		if err := json.Unmarshal(raw, &refs); err != nil {
			return nil, map[string]string{"fixVersions": "data was not an array"}
		}
		op := fixVersionOp{Set: append([]versionRef{}, refs...)}
		var bad map[string]string
		if ids, bad = s.applyOp(is, ids, op); bad != nil {
			return nil, bad
		}
	}
	if raw, ok := update["fixVersions"]; ok {
		var ops []fixVersionOp
		if err := json.Unmarshal(raw, &ops); err != nil {
			return nil, map[string]string{"fixVersions": "data was not an array"}
		}
		for _, op := range ops {
			var bad map[string]string
			if ids, bad = s.applyOp(is, ids, op); bad != nil {
				return nil, bad
			}
		}
	}
	return ids, nil
}

func (s *Server) applyOp(is *issue, ids []string, op fixVersionOp) ([]string, map[string]string) {
	switch {
	case op.Add != nil:
		v, bad := s.resolve(is, *op.Add)
		if bad != nil {
			return nil, bad
		}
		if !slices.Contains(ids, v.ID) {
			ids = append(ids, v.ID)
		}
	case op.Remove != nil:
		v, bad := s.resolve(is, *op.Remove)
		if bad != nil {
			return nil, bad
		}
		ids = slices.DeleteFunc(ids, func(id string) bool { return id == v.ID })
	case op.Set != nil:
		ids = []string{}
		for _, ref := range op.Set {
			v, bad := s.resolve(is, ref)
			if bad != nil {
				return nil, bad
			}
			if !slices.Contains(ids, v.ID) {
				ids = append(ids, v.ID)
			}
		}
	default:
		return nil, map[string]string{"fixVersions": "Operation not supported"}
	}
	return ids, nil
}

// resolve finds a version of the issue's project by id, else by exact
// name.
func (s *Server) resolve(is *issue, ref versionRef) (*Version, map[string]string) {
	if ref.ID != "" {
		if v, ok := s.versions[ref.ID]; ok && v.ProjectKey == is.projectKey {
			return v, nil
		}
		return nil, map[string]string{"fixVersions": fmt.Sprintf("Version id '%s' is not valid", ref.ID)}
	}
	if v := s.versionNamed(is.projectKey, ref.Name, false); v != nil {
		return v, nil
	}
	return nil, map[string]string{"fixVersions": fmt.Sprintf("Version name '%s' is not valid", ref.Name)}
}

// upsertRemoteLink is POST /rest/api/2/issue/{key}/remotelink: a link
// whose globalId the issue has already is updated (200), any other is
// added (201).
func (s *Server) upsertRemoteLink(w http.ResponseWriter, r *http.Request) {
	var body struct {
		GlobalID string `json:"globalId"`
		Object   *struct {
			URL   string `json:"url"`
			Title string `json:"title"`
			Icon  *struct {
				URL16 string `json:"url16x16"`
				Title string `json:"title"`
			} `json:"icon"`
		} `json:"object"`
	}
	if !decode(w, r, &body) {
		return
	}
	key := r.PathValue("key")
	s.mu.Lock()
	defer s.mu.Unlock()
	is, ok := s.issues[key]
	if !ok {
		writeError(w, http.StatusNotFound, []string{msgIssueMissing}, nil)
		return
	}
	switch {
	case body.Object == nil:
		writeError(w, http.StatusBadRequest, nil, map[string]string{"object": "'object' is required."})
		return
	case body.Object.URL == "":
		writeError(w, http.StatusBadRequest, nil, map[string]string{"url": "'url' is required."})
		return
	case body.Object.Title == "":
		writeError(w, http.StatusBadRequest, nil, map[string]string{"title": "'title' is required."})
		return
	}
	link := RemoteLink{GlobalID: body.GlobalID, URL: body.Object.URL, Title: body.Object.Title}
	if icon := body.Object.Icon; icon != nil {
		link.IconURL, link.IconTitle = icon.URL16, icon.Title
	}
	status := http.StatusCreated
	if i := slices.IndexFunc(is.links, func(l RemoteLink) bool {
		return link.GlobalID != "" && l.GlobalID == link.GlobalID
	}); i >= 0 {
		link.ID, status = is.links[i].ID, http.StatusOK
		is.links[i] = link
	} else {
		link.ID = s.newID()
		is.links = append(is.links, link)
	}
	writeJSON(w, status, map[string]any{"id": link.ID,
		"self": s.URL() + "/rest/api/2/issue/" + key + "/remotelink/" + strconv.Itoa(link.ID)})
}
