package githubtest

import (
	"net/http"
	"strconv"
	"strings"
)

// repoOf is the seeded repository a call names, or nil; s.mu must be held.
func (s *Server) repoOf(c *call) *repoRec {
	return s.st.repo(c.params["owner"], c.params["repo"])
}

// lockRepo takes s.mu and the seeded repository a write names. It answers
// for the handler instead, with s.mu released, when the repository is not
// seeded (404) or the body was refused (bad), in that order, as GitHub
// does; otherwise the handler holds s.mu and must release it.
func (s *Server) lockRepo(c *call, bad *response) (*repoRec, *response) {
	s.mu.Lock()
	r := s.repoOf(c)
	switch {
	case r == nil:
		s.mu.Unlock()
		return nil, notFound(c)
	case bad != nil:
		s.mu.Unlock()
		return nil, bad
	}
	return r, nil
}

// getRepo serves GET /repos/{owner}/{repo}: 200 with the full repository
// object, 404 for a repository that was not seeded.
func (s *Server) getRepo(c *call) *response {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repoOf(c)
	if r == nil {
		return notFound(c)
	}
	return &response{status: http.StatusOK, body: s.renderRepo(r)}
}

// getContents serves GET /repos/{owner}/{repo}/contents/{path}?ref=: a file
// as a content object with base64 content, a directory ("" is the root) as
// an array of entries. ref is a branch, tag or commit SHA (default: the
// default branch). 404 for an unknown repository, path or ref, and for a
// repository without commits, each with GitHub's message.
func (s *Server) getContents(c *call) *response {
	path := strings.Trim(c.params["path"], "/")
	ref := c.r.URL.Query().Get("ref")
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repoOf(c)
	if r == nil {
		return notFound(c)
	}
	if len(r.commits) == 0 {
		return errorResponse(http.StatusNotFound, "This repository is empty.", c.rt.doc)
	}
	if ref == "" {
		ref = r.defaultBranch
	}
	commit := r.resolve(ref)
	if commit == nil {
		return errorResponse(http.StatusNotFound, "No commit found for the ref "+ref, c.rt.doc)
	}
	if content, ok := commit.files[path]; ok {
		e := treeEntry{name: path[strings.LastIndex(path, "/")+1:], path: path, content: content}
		return &response{status: http.StatusOK, body: s.renderContent(r, commit.files, ref, e, true)}
	}
	if !isDir(commit.files, path) {
		return notFound(c)
	}
	entries := dirEntries(commit.files, path)
	out := make([]contentJSON, len(entries))
	for i, e := range entries {
		out[i] = s.renderContent(r, commit.files, ref, e, false)
	}
	return &response{status: http.StatusOK, body: out}
}

// getCommit serves GET /repos/{owner}/{repo}/commits/{ref}. ref is a branch,
// a tag, a full SHA or an unambiguous SHA prefix of 7+ hex digits. With an
// Accept of application/vnd.github.sha (or a versioned form such as
// go-github's application/vnd.github.v3.sha) the answer is the bare SHA as
// text/plain with ETag "<sha>", and 304 (uncharged) when If-None-Match holds
// that ETag; otherwise the commit object. 404 for an unknown repository, 409
// for one without commits, 422 "No commit found for SHA: <ref>" for a ref
// that resolves to nothing, as GitHub answers.
func (s *Server) getCommit(c *call) *response {
	ref := c.params["ref"]
	shaForm := acceptsSHA(c.r.Header.Values("Accept"))
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repoOf(c)
	if r == nil || ref == "" {
		return notFound(c)
	}
	if len(r.commits) == 0 {
		return errorResponse(http.StatusConflict, "Git Repository is empty.", c.rt.doc)
	}
	commit := r.resolve(ref)
	if commit == nil {
		return errorResponse(http.StatusUnprocessableEntity, "No commit found for SHA: "+ref, c.rt.doc)
	}
	if !shaForm {
		return &response{status: http.StatusOK, body: s.renderCommit(r, commit)}
	}
	etag := `"` + commit.sha + `"`
	h := http.Header{"Etag": {etag}, "X-Github-Media-Type": {"github.v3; param=sha"}}
	if etagMatches(c.r.Header.Get("If-None-Match"), etag) {
		return &response{status: http.StatusNotModified, header: h}
	}
	return &response{status: http.StatusOK, header: h, raw: []byte(commit.sha), contentType: "text/plain; charset=utf-8"}
}

// acceptsSHA reports whether an Accept header asks for the sha media type:
// application/vnd.github.sha, a versioned ".sha" form, or the "+sha" preview.
func acceptsSHA(accept []string) bool {
	for _, a := range accept {
		for _, mt := range strings.Split(a, ",") {
			mt, _, _ = strings.Cut(mt, ";")
			mt = strings.ToLower(strings.TrimSpace(mt))
			if strings.HasPrefix(mt, "application/vnd.github.") && (strings.HasSuffix(mt, ".sha") || strings.HasSuffix(mt, "+sha")) {
				return true
			}
		}
	}
	return false
}

// etagMatches applies If-None-Match (a list, weak tags compared weakly).
func etagMatches(ifNoneMatch, etag string) bool {
	for _, t := range strings.Split(ifNoneMatch, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// Paging of a comparison's commits, as GitHub's compare documents it:
// without page or per_page the answer lists the most recent
// compareUnpaged commits; with either, pages of per_page (default 30, at
// most 100) oldest first. Changed files, at most compareMaxFiles, come on
// the unpaged answer and the first page only.
const (
	compareUnpaged  = 250
	comparePerPage  = 30
	compareMaxPage  = 100
	compareMaxFiles = 300
)

// compareCommits serves GET /repos/{owner}/{repo}/compare/{basehead}.
// basehead is BASE...HEAD or BASE..HEAD, each side a branch, tag, full SHA
// or unambiguous SHA prefix (as commits/{ref} resolves them), optionally
// written OWNER:REF with the repository's owner. The commits are those
// reachable from head but not from base, oldest first, with GitHub's Link
// header when paged; the files are the changes from the merge base to head
// (three dots) or from base to head (two dots). 404 for an unknown
// repository, a malformed basehead, a side that resolves to nothing or
// names another owner's fork, and for histories without a common ancestor.
func (s *Server) compareCommits(c *call) *response {
	baseSide, headSide, sep, ok := splitBasehead(c.params["basehead"])
	q := c.r.URL.Query()
	paged := q.Has("page") || q.Has("per_page")
	perPage, page := comparePerPage, 1
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		perPage = min(n, compareMaxPage)
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		page = n
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repoOf(c)
	if r == nil || !ok {
		return notFound(c)
	}
	base, head := r.compareSide(baseSide), r.compareSide(headSide)
	if base == nil || head == nil {
		return notFound(c)
	}
	ahead, behind, mergeBase := r.compare(base, head)
	if mergeBase == nil {
		return errorResponse(http.StatusNotFound, "No common ancestor between "+baseSide+" and "+headSide+".", c.rt.doc)
	}

	total := len(ahead)
	list := ahead[max(0, total-compareUnpaged):]
	if paged {
		list = nil
		// page <= total also keeps (page-1)*perPage from overflowing.
		if start := (page - 1) * perPage; page <= total && start < total {
			list = ahead[start:min(start+perPage, total)]
		}
	}
	from := mergeBase
	if sep == ".." {
		from = base
	}
	files := []diffEntryJSON{}
	if !paged || page == 1 {
		files, _ = s.diffTrees(r, from.files, head, compareMaxFiles)
	}
	resp := &response{status: http.StatusOK, body: s.renderComparison(r, comparison{
		baseSide: baseSide, headSide: headSide, sep: sep,
		base: base, head: head, mergeBase: mergeBase,
		aheadBy: total, behindBy: behind, commits: list, files: files,
	})}
	if paged {
		if link := s.linkHeader(c.r.URL, page, (total+perPage-1)/perPage); link != "" {
			resp.header = http.Header{"Link": {link}}
		}
	}
	return resp
}

// splitBasehead splits BASE...HEAD, or BASE..HEAD, at its first separator:
// git forbids ".." in ref names, so a branch with slashes or dots cannot
// hide one.
func splitBasehead(basehead string) (base, head, sep string, ok bool) {
	for _, sep := range []string{"...", ".."} {
		if base, head, found := strings.Cut(basehead, sep); found {
			return base, head, sep, base != "" && head != ""
		}
	}
	return "", "", "", false
}
