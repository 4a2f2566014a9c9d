package githubtest

import (
	"net/http"
	"slices"
	"strings"
)

const (
	docMatchingRefs = "https://docs.github.com/rest/git/refs#list-matching-references"
	docGetRef       = "https://docs.github.com/rest/git/refs#get-a-reference"
	docGetTag       = "https://docs.github.com/rest/git/tags#get-a-tag"
	docCreateRef    = "https://docs.github.com/rest/git/refs#create-a-reference"
)

// The git database routes see a repository's branches (refs/heads/) and
// tags (refs/tags/); other namespaces (notes, pull refs) are not modelled.
// Each answers 404 for an unseeded repository (undocumented, but what
// GitHub sends) and 409 "Git Repository is empty." for one without commits.

// gitRepoOf is the seeded repository a git database call names, or the
// answer that it has none; s.mu must be held.
func (s *Server) gitRepoOf(c *call) (*repoRec, *response) {
	r := s.repoOf(c)
	if r == nil {
		return nil, notFound(c)
	}
	if len(r.commits) == 0 {
		return nil, errorResponse(http.StatusConflict, "Git Repository is empty.", c.rt.doc)
	}
	return r, nil
}

// refNames lists the repository's refs by full name, sorted as git sorts
// them (bytewise), which is GitHub's order.
func (r *repoRec) refNames() []string {
	out := make([]string, 0, len(r.branches)+len(r.tags))
	for name := range r.branches {
		out = append(out, "refs/heads/"+name)
	}
	for name := range r.tags {
		out = append(out, "refs/tags/"+name)
	}
	slices.Sort(out)
	return out
}

// listMatchingRefs serves GET /repos/{owner}/{repo}/git/matching-refs/{ref}:
// every ref whose full name starts with "refs/" + ref ("tags/v1" matches
// refs/tags/v1, refs/tags/v1.2 and refs/tags/v10; an empty ref matches
// all), as an array, [] when none does. Like GitHub, it answers every
// match at once and ignores page and per_page.
func (s *Server) listMatchingRefs(c *call) *response {
	prefix := "refs/" + c.params["ref"]
	s.mu.Lock()
	defer s.mu.Unlock()
	r, bad := s.gitRepoOf(c)
	if bad != nil {
		return bad
	}
	out := []gitRefJSON{}
	for _, full := range r.refNames() {
		if strings.HasPrefix(full, prefix) {
			out = append(out, s.renderRef(r, full))
		}
	}
	return &response{status: http.StatusOK, body: out}
}

// getRef serves GET /repos/{owner}/{repo}/git/ref/{ref}: the one ref named
// exactly heads/NAME or tags/NAME, an annotated tag with its tag object;
// 404 "Not Found" for any other.
func (s *Server) getRef(c *call) *response {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, bad := s.gitRepoOf(c)
	if bad != nil {
		return bad
	}
	full := "refs/" + c.params["ref"]
	if !slices.Contains(r.refNames(), full) {
		return notFound(c)
	}
	return &response{status: http.StatusOK, body: s.renderRef(r, full)}
}

// getTag serves GET /repos/{owner}/{repo}/git/tags/{tag_sha}: an annotated
// tag object by its full SHA; 404 for any other SHA, a commit's included.
func (s *Server) getTag(c *call) *response {
	sha := strings.ToLower(c.params["tag_sha"])
	s.mu.Lock()
	defer s.mu.Unlock()
	r, bad := s.gitRepoOf(c)
	if bad != nil {
		return bad
	}
	if r.git == nil || r.git.tagObjects[sha] == nil {
		return notFound(c)
	}
	return &response{status: http.StatusOK, body: s.renderTagObject(r, r.git.tagObjects[sha])}
}

// refWrite is a create-a-reference body.
type refWrite struct{ ref, sha string }

func parseRefWrite(c *call) (refWrite, *response) {
	m, ok := parseObject(c.body)
	if !ok {
		return refWrite{}, badJSON(c.rt.doc)
	}
	var w refWrite
	for _, f := range []struct {
		name string
		dst  *string
	}{{"ref", &w.ref}, {"sha", &w.sha}} {
		v, present, isString := stringField(m, f.name)
		switch {
		case present && !isString:
			return w, invalidRequest(c.rt.doc, "For 'properties/"+f.name+"', "+strings.TrimSpace(string(m[f.name]))+" is not a string.")
		case !present:
			return w, invalidRequest(c.rt.doc, `"`+f.name+`" wasn't supplied.`)
		}
		*f.dst = v
	}
	return w, nil
}

// createRef serves POST /repos/{owner}/{repo}/git/refs {ref, sha}: a
// branch (refs/heads/NAME) or lightweight tag (refs/tags/NAME) at the
// commit with that full SHA; a tag may also name an annotated tag object.
// 201 with the ref. 422, with GitHub's messages, for a ref of fewer than
// three components, a name git refuses, an unknown SHA ("Object does not
// exist"), a ref that exists ("Reference already exists", whatever it
// points at) or one that clashes with a ref under or above it ("Reference
// update failed"); 409 for a repository without commits.
func (s *Server) createRef(c *call) *response {
	w, bad := parseRefWrite(c)
	r, answer := s.lockRepo(c, bad)
	if answer != nil {
		return answer
	}
	defer s.mu.Unlock()
	if _, empty := s.gitRepoOf(c); empty != nil {
		return empty
	}
	parts := strings.SplitN(w.ref, "/", 3)
	if len(parts) < 3 || parts[0] != "refs" {
		return errorResponse(http.StatusUnprocessableEntity, "Reference name must contain at least three slash-separated components.", c.rt.doc)
	}
	if !validRefName(w.ref) {
		return errorResponse(http.StatusUnprocessableEntity, w.ref+" is not a valid ref name.", c.rt.doc)
	}
	refs := map[string]map[string]string{"heads": r.branches, "tags": r.tags}[parts[1]]
	if refs == nil {
		return errorResponse(http.StatusUnprocessableEntity, "githubtest: only refs/heads/ and refs/tags/ are modelled", c.rt.doc)
	}
	name, sha := parts[2], strings.ToLower(w.sha)
	commit, obj := r.commits[sha], r.gitOf().tagObjects[sha]
	switch {
	case len(sha) != 40 || !isHex(sha) || commit == nil && obj == nil:
		return errorResponse(http.StatusUnprocessableEntity, "Object does not exist", c.rt.doc)
	case refs[name] != "":
		return errorResponse(http.StatusUnprocessableEntity, "Reference already exists", c.rt.doc)
	case refClash(refs, name) || obj != nil && parts[1] != "tags":
		return errorResponse(http.StatusUnprocessableEntity, "Reference update failed", c.rt.doc)
	}
	if obj != nil {
		refs[name] = obj.target
		r.git.annotated[name] = obj.sha
	} else {
		refs[name] = commit.sha
		if parts[1] == "tags" {
			delete(r.git.annotated, name)
		}
	}
	out := s.renderRef(r, w.ref)
	return &response{status: http.StatusCreated, body: out, header: http.Header{"Location": {out.URL}}}
}

// refClash reports whether name cannot sit beside the refs of its
// namespace: git stores refs as files, so "a" and "a/b" cannot both exist.
func refClash(refs map[string]string, name string) bool {
	for other := range refs {
		if strings.HasPrefix(other, name+"/") || strings.HasPrefix(name, other+"/") {
			return true
		}
	}
	return false
}

// validRefName applies git check-ref-format's rules to a full ref name:
// no empty component, none starting with "." or ending with ".lock"; no
// "..", "@{", ASCII control character, space or any of ~^:?*[\; not ending
// with "/" or "."; not "@".
func validRefName(ref string) bool {
	if ref == "@" || strings.HasSuffix(ref, ".") || strings.Contains(ref, "..") || strings.Contains(ref, "@{") {
		return false
	}
	for i := 0; i < len(ref); i++ {
		if b := ref[i]; b < 0x20 || b == 0x7f || strings.IndexByte(" ~^:?*[\\", b) >= 0 {
			return false
		}
	}
	for _, comp := range strings.Split(ref, "/") {
		if comp == "" || strings.HasPrefix(comp, ".") || strings.HasSuffix(comp, ".lock") {
			return false
		}
	}
	return true
}
