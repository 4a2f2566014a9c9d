package githubtest

// FileAt returns the content of path at the head of branch (or a tag) in a
// seeded repository, for tests that check what a commit through the
// contents API left in the file; found is false when there is no such file.
func (s *Server) FileAt(owner, repo, ref, path string) (content string, found bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.repo(owner, repo)
	if r == nil {
		return "", false
	}
	sha, ok := r.branches[ref]
	if !ok {
		sha, ok = r.tags[ref]
	}
	c := r.commits[sha]
	if !ok || c == nil {
		return "", false
	}
	content, found = c.files[path]
	return content, found
}

// RepoID is the id the fake gives owner/repo (in its API answers and the
// webhook events it sends), so tests can put the same id in the deliveries
// they build.
func RepoID(owner, repo string) int64 {
	k := mkRepoKey(owner, repo)
	return stableID("repo:" + k.owner + "/" + k.repo)
}
