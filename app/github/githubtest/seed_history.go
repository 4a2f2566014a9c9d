package githubtest

import "time"

// SeedHistory adds one commit per message on top of branch, in order, each
// changing history.txt and authored by author (a GitHub login; "" for the
// seed author), and returns their SHAs oldest first; branch then points at
// the last. It is how release tests get conventional commits, merge
// commits and Jira keys to build a changelog from.
func (s *Server) SeedHistory(owner, repo, branch, author string, messages ...string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.ensureRepo(owner, repo)
	parent := r.branches[branch]
	if parent == "" {
		parent = r.branches[r.defaultBranch]
	}
	var by *actor
	if author != "" {
		by = &actor{login: author, id: int64(len(author))*1000 + 7, userType: "User"}
	}
	shas := make([]string, 0, len(messages))
	for _, msg := range messages {
		tree := map[string]string{}
		if p := r.commits[parent]; p != nil {
			for k, v := range p.files {
				tree[k] = v
			}
		}
		tree["history.txt"] = tree["history.txt"] + msg + "\n"
		c := r.addCommitBy(parent, tree, msg, by, seedEpoch().Add(time.Duration(len(r.commits))*time.Minute))
		parent = c.sha
		shas = append(shas, c.sha)
	}
	r.branches[branch] = parent
	return shas
}
