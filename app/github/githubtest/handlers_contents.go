package githubtest

import (
	"cmp"
	"encoding/base64"
	"maps"
	"net/http"
	"strings"
	"time"
)

const (
	docPutContent  = "https://docs.github.com/rest/repos/contents#create-or-update-file-contents"
	docListCommits = "https://docs.github.com/rest/commits/commits#list-commits"
)

// fileWrite is a create-or-update-file body as the fake reads it.
type fileWrite struct {
	message, branch, sha string
	hasSHA               bool
	content              string
}

// parseFileWrite validates the body's members, as GitHub words its
// complaints: `Invalid request.\n\n"sha" wasn't supplied.` and the like.
func parseFileWrite(c *call) (fileWrite, *response) {
	m, ok := parseObject(c.body)
	if !ok {
		return fileWrite{}, badJSON(c.rt.doc)
	}
	var w fileWrite
	var encoded string
	for _, f := range []struct {
		name     string
		dst      *string
		required bool
	}{{"message", &w.message, true}, {"content", &encoded, true}, {"sha", &w.sha, false}, {"branch", &w.branch, false}} {
		v, present, isString := stringField(m, f.name)
		switch {
		case present && !isString:
			return w, invalidRequest(c.rt.doc, "For 'properties/"+f.name+"', "+strings.TrimSpace(string(m[f.name]))+" is not a string.")
		case !present && f.required:
			return w, invalidRequest(c.rt.doc, `"`+f.name+`" wasn't supplied.`)
		}
		*f.dst = v
		if f.name == "sha" {
			w.hasSHA = present
		}
	}
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return w, errorResponse(http.StatusUnprocessableEntity, "content is not valid Base64", c.rt.doc)
	}
	w.content = string(raw)
	return w, nil
}

// validWritePath reports whether git can store a file at p: no empty, "."
// or ".." segment.
func validWritePath(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// fileClash reports whether writing a file at path breaks the tree: path
// is a directory, or one of its parents is a file.
func fileClash(files map[string]string, path string) bool {
	if isDir(files, path) {
		return true
	}
	for i := range len(path) {
		if path[i] == '/' {
			if _, ok := files[path[:i]]; ok {
				return true
			}
		}
	}
	return false
}

// putContents serves PUT /repos/{owner}/{repo}/contents/{path}: the file is
// written on branch (default: the default branch) as a new commit by the
// caller on top of the branch's head, with a git-exact SHA. An existing
// file needs sha, its current blob SHA. Answers, as GitHub's: 200 for an
// update and 201 for a new file, each {content, commit}; 404 for an
// unseeded repository or unknown branch (checked first); 422 when sha is
// missing for an existing file, or the path or body is invalid; 409 "PATH
// does not match SHA" when sha is not the file's current blob. A new file
// ignores sha. In a repository without commits the write makes its first.
func (s *Server) putContents(c *call) *response {
	path := c.params["path"]
	w, bad := parseFileWrite(c)
	r, answer := s.lockRepo(c, bad)
	if answer != nil {
		return answer
	}
	defer s.mu.Unlock()
	branch := cmp.Or(strings.TrimPrefix(w.branch, "refs/heads/"), r.defaultBranch)
	head, ok := r.branches[branch]
	if !ok && len(r.commits) > 0 {
		return errorResponse(http.StatusNotFound, "Branch "+branch+" not found", c.rt.doc)
	}
	tree := map[string]string{}
	if p := r.commits[head]; p != nil {
		tree = maps.Clone(p.files)
	}
	if !validWritePath(path) || fileClash(tree, path) {
		return validationFailed(c.rt.doc, valError{Resource: "Commit", Code: "invalid", Field: "path"})
	}
	old, exists := tree[path]
	switch {
	case exists && !w.hasSHA:
		return invalidRequest(c.rt.doc, `"sha" wasn't supplied.`)
	case exists && !strings.EqualFold(w.sha, blobSHA(old)):
		return errorResponse(http.StatusConflict, path+" does not match "+w.sha, c.rt.doc)
	}
	tree[path] = w.content
	by := actorOf(c.who)
	commit := r.addCommitBy(head, tree, w.message, &by, time.Now())
	r.branches[branch] = commit.sha
	status := http.StatusCreated
	if exists {
		status = http.StatusOK
	}
	e := treeEntry{name: path[strings.LastIndex(path, "/")+1:], path: path, content: w.content}
	return &response{status: status, body: map[string]any{
		"content": s.renderContent(r, tree, branch, e, false),
		"commit":  s.renderFileCommit(r, commit),
	}}
}

// renderFileCommit is the git commit object of a file write: the commit
// summary's inner commit with its sha, node id and parents.
func (s *Server) renderFileCommit(r *repoRec, c *commitRec) map[string]any {
	sum := s.renderCommitSummary(r, c)
	return map[string]any{
		"sha": c.sha, "node_id": sum.NodeID, "url": sum.Commit.URL, "html_url": sum.HTMLURL,
		"author": sum.Commit.Author, "committer": sum.Commit.Committer, "message": c.message,
		"tree": sum.Commit.Tree, "parents": sum.Parents, "verification": sum.Commit.Verification,
	}
}

// touches reports whether c changed path (a file, or any file under it as
// a directory) against its parent, as "git log -- path" selects commits.
func (r *repoRec) touches(c *commitRec, path string) bool {
	var before map[string]string
	if p := r.commits[c.parent]; p != nil {
		before = p.files
	}
	changed := func(p string) bool {
		return p == path || strings.HasPrefix(p, path+"/")
	}
	for p, v := range c.files {
		if old, ok := before[p]; changed(p) && (!ok || old != v) {
			return true
		}
	}
	for p := range before {
		if _, ok := c.files[p]; changed(p) && !ok {
			return true
		}
	}
	return false
}

// listCommits serves GET /repos/{owner}/{repo}/commits: the history of sha
// (a branch, tag or SHA; default the default branch) newest first,
// filtered by path and by since/until (RFC 3339) when given, paged. 404 for
// an unseeded repository or a sha that resolves to nothing ("No commit
// found for SHA: X"), 409 for a repository without commits.
func (s *Server) listCommits(c *call) *response {
	q := c.r.URL.Query()
	perPage, page := pageParams(q)
	path := strings.Trim(q.Get("path"), "/")
	var since, until time.Time
	for name, dst := range map[string]*time.Time{"since": &since, "until": &until} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return errorResponse(http.StatusBadRequest, "Invalid "+name+" value", c.rt.doc)
			}
			*dst = t
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repoOf(c)
	if r == nil {
		return notFound(c)
	}
	if len(r.commits) == 0 {
		return errorResponse(http.StatusConflict, "Git Repository is empty.", c.rt.doc)
	}
	ref := cmp.Or(q.Get("sha"), r.defaultBranch)
	head := r.resolve(ref)
	if head == nil {
		return errorResponse(http.StatusNotFound, "No commit found for SHA: "+ref, c.rt.doc)
	}
	var match []*commitRec
	for cur := head; cur != nil; cur = r.commits[cur.parent] {
		if (path == "" || r.touches(cur, path)) && (since.IsZero() || !cur.at.Before(since)) && (until.IsZero() || !cur.at.After(until)) {
			match = append(match, cur)
		}
	}
	items, last := pageOf(match, perPage, page)
	out := make([]commitJSON, len(items))
	for i, cm := range items {
		out[i] = s.renderCommitSummary(r, cm)
	}
	return s.paged(c, out, page, last)
}
