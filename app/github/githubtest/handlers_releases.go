package githubtest

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

const (
	docListReleases  = "https://docs.github.com/rest/releases/releases#list-releases"
	docCreateRelease = "https://docs.github.com/rest/releases/releases#create-a-release"
)

// listReleases serves GET /repos/{owner}/{repo}/releases: the releases,
// drafts included (every caller of the fake may push), newest first,
// paged; 404 for an unseeded repository.
func (s *Server) listReleases(c *call) *response {
	perPage, page := pageParams(c.r.URL.Query())
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repoOf(c)
	if r == nil {
		return notFound(c)
	}
	var all []*releaseRec
	if r.git != nil {
		all = slices.Clone(r.git.releases)
	}
	slices.Reverse(all)
	items, last := pageOf(all, perPage, page)
	out := make([]releaseJSON, len(items))
	for i, rel := range items {
		out[i] = s.renderRelease(r, rel)
	}
	return s.paged(c, out, page, last)
}

// releaseWrite is a create-a-release body as the fake reads it.
type releaseWrite struct {
	tag, target       string
	name, body        *string
	draft, prerelease bool
	makeLatest        string
}

// parseReleaseWrite checks each member's JSON type as GitHub does. The
// members the fake does not model (discussion_category_name,
// generate_release_notes) are type-checked and otherwise ignored;
// make_latest is recorded, for tests to read.
func parseReleaseWrite(c *call) (releaseWrite, *response) {
	m, ok := parseObject(c.body)
	if !ok {
		return releaseWrite{}, badJSON(c.rt.doc)
	}
	var w releaseWrite
	notA := func(name, kind string) *response {
		return invalidRequest(c.rt.doc, "For 'properties/"+name+"', "+strings.TrimSpace(string(m[name]))+" is not a "+kind+".")
	}
	for _, name := range []string{"tag_name", "target_commitish", "name", "body", "make_latest", "discussion_category_name"} {
		v, present, isString := stringField(m, name)
		switch {
		case present && !isString:
			return w, notA(name, "string")
		case !present:
			continue
		}
		switch name {
		case "tag_name":
			w.tag = v
		case "target_commitish":
			w.target = v
		case "name":
			w.name = &v
		case "body":
			w.body = &v
		case "make_latest":
			w.makeLatest = v
		}
	}
	for name, dst := range map[string]*bool{"draft": &w.draft, "prerelease": &w.prerelease, "generate_release_notes": new(bool)} {
		if raw, ok := m[name]; ok && json.Unmarshal(raw, dst) != nil {
			return w, notA(name, "boolean")
		}
	}
	if _, ok := m["tag_name"]; !ok {
		return w, invalidRequest(c.rt.doc, `"tag_name" wasn't supplied.`)
	}
	return w, nil
}

// createRelease serves POST /repos/{owner}/{repo}/releases: a release of
// an existing tag, published unless draft, by the caller; 201 with the
// release. 422 Validation Failed with code already_exists when the tag has
// a release (a draft included), as GitHub answers. A tag that does not
// exist is made at target_commitish (default: the default branch), as
// GitHub does; a target that names no commit is a 422.
func (s *Server) createRelease(c *call) *response {
	w, bad := parseReleaseWrite(c)
	r, answer := s.lockRepo(c, bad)
	if answer != nil {
		return answer
	}
	defer s.mu.Unlock()
	switch {
	case w.tag == "":
		return validationFailed(c.rt.doc, valError{Resource: "Release", Code: "missing_field", Field: "tag_name"})
	case r.releaseOf(w.tag) != nil:
		return validationFailed(c.rt.doc, valError{Resource: "Release", Code: "already_exists", Field: "tag_name"})
	case r.tags[w.tag] == "":
		target := r.resolve(cmp.Or(w.target, r.defaultBranch))
		if target == nil {
			return validationFailed(c.rt.doc, valError{Resource: "Release", Code: "invalid", Field: "target_commitish"})
		}
		r.tags[w.tag] = target.sha
	}
	rel := s.st.addRelease(r, &releaseRec{
		tag: w.tag, target: w.target, name: w.name, body: w.body, draft: w.draft, prerelease: w.prerelease, makeLatest: w.makeLatest,
		by: actorOf(c.who), created: time.Now().Truncate(time.Second),
	})
	if rel.target == "" {
		rel.target = r.defaultBranch
	}
	out := s.renderRelease(r, rel)
	return &response{status: http.StatusCreated, body: out, header: http.Header{"Location": {out.URL}}}
}
