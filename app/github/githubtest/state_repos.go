package githubtest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Repositories, refs and commits, for GET /repos/{owner}/{repo}, its
// contents and its commits. Unlike comments and reactions, which the fake
// accepts on any repository, these routes answer 404 unless the repository
// was seeded: with SeedRepo, or implicitly (default branch "main") by the
// first SeedCommit or SeedIssue naming it.

// defaultBranch is the default branch of a repository created implicitly.
const defaultBranch = "main"

// seedAuthor is the author and committer of seeded commits.
const seedAuthor = "octocat"

// seedEpoch is the date of a repository's first seeded commit; each later
// one is a minute after the one before, so SHAs are deterministic.
func seedEpoch() time.Time { return time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC) }

type repoRec struct {
	owner, name   string // as first seeded
	id            int64
	defaultBranch string
	created       time.Time
	branches      map[string]string // branch name → commit SHA
	tags          map[string]string // tag name → commit SHA
	commits       map[string]*commitRec
	labels        []*labelRec // the repository's labels, in creation order
	issues        map[int]*issueRec
	deploys       []*deploymentRec        // in creation order (state_deploy.go)
	workflows     map[string]*workflowRec // by file name (state_actions.go)
	runs          []*runRec               // in creation order
	git           *gitState               // tag objects and releases (state_releases.go), made on first use
}

// commitRec is a commit with its whole tree, flattened to path → content.
type commitRec struct {
	sha, parent, tree string // tree is the root tree's git SHA
	files             map[string]string
	message           string
	at                time.Time
	// by is who committed through the contents API; nil for a seeded
	// commit, whose author and committer are seedAuthor.
	by *actor
}

// authorLogin, authorID, authorName and authorEmail are the commit's git
// author (also its committer) and the GitHub account behind it.
func (c *commitRec) authorLogin() string {
	if c.by == nil {
		return seedAuthor
	}
	return c.by.login
}

func (c *commitRec) authorID() int64 {
	if c.by == nil {
		return stableID(seedAuthor)
	}
	return c.by.id
}

func (c *commitRec) authorName() string { return c.authorLogin() }

func (c *commitRec) authorEmail() string {
	return fmt.Sprintf("%d+%s@users.noreply.github.com", c.authorID(), c.authorLogin())
}

func (st *state) repo(owner, name string) *repoRec {
	return st.repos[mkRepoKey(owner, name)]
}

// ensureRepo returns the repository, creating it with the "main" default
// branch and GitHub's default labels if it is not known yet.
func (st *state) ensureRepo(owner, name string) *repoRec {
	k := mkRepoKey(owner, name)
	if r := st.repos[k]; r != nil {
		return r
	}
	r := &repoRec{
		owner: owner, name: name,
		id:            stableID("repo:" + k.owner + "/" + k.repo),
		defaultBranch: defaultBranch,
		created:       appCreated(),
		branches:      make(map[string]string),
		tags:          make(map[string]string),
		commits:       make(map[string]*commitRec),
		issues:        make(map[int]*issueRec),
		workflows:     make(map[string]*workflowRec),
	}
	for _, l := range defaultLabels {
		st.nextLabelID++
		r.labels = append(r.labels, &labelRec{id: st.nextLabelID, name: l[0], color: l[1], description: l[2], isDefault: true})
	}
	st.repos[k] = r
	return r
}

// SeedRepo makes a repository exist for GET /repos/{owner}/{repo}, its
// contents and commits, with defaultBranch ("" means "main") as the branch
// those read when no ref is given. The repository starts with no commits and
// GitHub's default labels. Seeding a known repository again only changes its
// default branch. Owner and repository names match case-insensitively; the
// spelling first seeded is the one the API answers with.
func (s *Server) SeedRepo(owner, repo, defaultBranch string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.ensureRepo(owner, repo)
	if defaultBranch != "" {
		r.defaultBranch = defaultBranch
	}
}

// SeedCommit commits files on ref and returns the new commit's 40-hex SHA;
// ref then points at it. The commit's tree is ref's previous tree with files
// applied: a value replaces the file at that path ("docs/a.md"), "" deletes
// it. A ref naming an existing tag (or written "refs/tags/NAME") is a tag;
// otherwise it is a branch (also "refs/heads/NAME"), and a new branch starts
// from the default branch's head, as a branch made on github.com would. The
// repository is created if needed (see SeedRepo). SHAs are real git object
// hashes of deterministic content, so the same seeding gives the same SHAs.
// It panics on an invalid path or a path that is both a file and a directory.
func (s *Server) SeedCommit(owner, repo, ref string, files map[string]string) (sha string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.ensureRepo(owner, repo)
	name, isTag := r.refKind(ref)
	parent, ok := r.tags[name]
	if !isTag {
		parent, ok = r.branches[name]
	}
	if !ok {
		parent = r.branches[r.defaultBranch]
	}
	tree := map[string]string{}
	if p := r.commits[parent]; p != nil {
		tree = maps.Clone(p.files)
	}
	var changes []string
	for _, path := range slices.Sorted(maps.Keys(files)) {
		content, clean := files[path], cleanSeedPath(path)
		old, existed := tree[clean]
		switch {
		case content == "" && existed:
			delete(tree, clean)
			changes = append(changes, "Delete "+clean)
		case content == "":
		case !existed:
			tree[clean] = content
			changes = append(changes, "Create "+clean)
		case old != content:
			tree[clean] = content
			changes = append(changes, "Update "+clean)
		}
	}
	for path := range tree {
		for i := range len(path) {
			if path[i] != '/' {
				continue
			}
			if _, clash := tree[path[:i]]; clash {
				panic(fmt.Sprintf("githubtest: SeedCommit: %q is both a file and a directory", path[:i]))
			}
		}
	}
	msg := "Seed commit"
	switch {
	case len(changes) == 1:
		msg = changes[0]
	case len(changes) > 1:
		msg = fmt.Sprintf("Update %d files", len(changes))
	}
	c := r.addCommit(parent, tree, msg)
	if isTag {
		r.tags[name] = c.sha
	} else {
		r.branches[name] = c.sha
	}
	return c.sha
}

// SeedTag points tag at commit, which may be a SHA, an unambiguous SHA prefix
// of 7 or more characters, or a branch or tag name of a seeded commit. It
// panics if the repository or commit is unknown.
func (s *Server) SeedTag(owner, repo, tag, commit string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, c := s.st.mustResolve("SeedTag", owner, repo, commit)
	r.tags[strings.TrimPrefix(tag, "refs/tags/")] = c.sha
}

// MoveRef points ref at commit (see SeedTag for what commit may be), as a
// push or a force-push does. ref is a tag if it names an existing tag and no
// branch (or is written "refs/tags/NAME"), else a branch, created if absent.
// It panics if the repository or commit is unknown.
func (s *Server) MoveRef(owner, repo, ref, commit string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, c := s.st.mustResolve("MoveRef", owner, repo, commit)
	if name, isTag := r.refKind(ref); isTag {
		r.tags[name] = c.sha
	} else {
		r.branches[name] = c.sha
	}
}

func (st *state) mustResolve(fn, owner, repo, commit string) (*repoRec, *commitRec) {
	r := st.repo(owner, repo)
	if r == nil {
		panic(fmt.Sprintf("githubtest: %s: repository %s/%s is not seeded", fn, owner, repo))
	}
	c := r.resolve(commit)
	if c == nil {
		panic(fmt.Sprintf("githubtest: %s: no commit %q in %s/%s", fn, commit, owner, repo))
	}
	return r, c
}

// refKind says which ref a seeding call means: "refs/tags/X" and a name
// that is a tag but not a branch are tags, anything else a branch.
func (r *repoRec) refKind(ref string) (name string, isTag bool) {
	if name, ok := strings.CutPrefix(ref, "refs/tags/"); ok {
		return name, true
	}
	if name, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
		return name, false
	}
	_, branch := r.branches[ref]
	_, tag := r.tags[ref]
	return ref, tag && !branch
}

// addCommit stores a seeded commit of tree on parent ("" for a root
// commit), a minute after the one seeded before it.
func (r *repoRec) addCommit(parent string, tree map[string]string, msg string) *commitRec {
	return r.addCommitBy(parent, tree, msg, nil, seedEpoch().Add(time.Duration(len(r.commits))*time.Minute))
}

// addCommitBy stores a commit of tree on parent made by by (nil: the seed
// author) at at, named by its git hash.
func (r *repoRec) addCommitBy(parent string, tree map[string]string, msg string, by *actor, at time.Time) *commitRec {
	at = at.Truncate(time.Second)
	c := &commitRec{parent: parent, tree: treeSHA(tree, ""), files: tree, message: msg, at: at, by: by}
	sig := fmt.Sprintf("%s <%s> %d +0000", c.authorName(), c.authorEmail(), at.Unix())
	var b strings.Builder
	fmt.Fprintf(&b, "tree %s\n", c.tree)
	if parent != "" {
		fmt.Fprintf(&b, "parent %s\n", parent)
	}
	fmt.Fprintf(&b, "author %s\ncommitter %s\n\n%s\n", sig, sig, msg)
	c.sha = gitHash("commit", b.String())
	r.commits[c.sha] = c
	return c
}

// resolve finds the commit ref names as GitHub's commits/{ref} does: a full
// SHA, a branch, a tag ("refs/heads/", "heads/", "refs/tags/" and "tags/"
// prefixes allowed), or an unambiguous SHA prefix of at least 7 hex digits.
func (r *repoRec) resolve(ref string) *commitRec {
	lower := strings.ToLower(ref)
	if len(ref) == 40 && isHex(lower) {
		if c := r.commits[lower]; c != nil {
			return c
		}
	}
	for _, names := range []struct {
		refs     map[string]string
		prefixes []string
	}{
		{r.branches, []string{"", "refs/heads/", "heads/"}},
		{r.tags, []string{"", "refs/tags/", "tags/"}},
	} {
		for _, p := range names.prefixes {
			if name, ok := strings.CutPrefix(ref, p); ok {
				if sha, ok := names.refs[name]; ok {
					return r.commits[sha]
				}
			}
		}
	}
	if len(ref) < 7 || len(ref) >= 40 || !isHex(lower) {
		return nil
	}
	var found *commitRec
	for sha, c := range r.commits {
		if strings.HasPrefix(sha, lower) {
			if found != nil {
				return nil // ambiguous
			}
			found = c
		}
	}
	return found
}

func isHex(s string) bool {
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return s != ""
}

// cleanSeedPath normalises a seeded file path, panicking on one git could
// not store.
func cleanSeedPath(p string) string {
	clean := strings.Trim(p, "/")
	for _, seg := range strings.Split(clean, "/") {
		if seg == "" || seg == "." || seg == ".." {
			panic(fmt.Sprintf("githubtest: SeedCommit: invalid path %q", p))
		}
	}
	return clean
}

// compare walks the parent links from base and head as git's merge-base and
// "git log base..head" do: ahead are the commits reachable from head but not
// from base, oldest first; behind counts those reachable from base but not
// from head; mergeBase is the nearest common ancestor, nil when the two
// histories share no commit. Seeded commits have at most one parent, so each
// history is a chain.
func (r *repoRec) compare(base, head *commitRec) (ahead []*commitRec, behind int, mergeBase *commitRec) {
	depth := map[string]int{} // commits reachable from base → distance from base
	for c, d := base, 0; c != nil; c, d = r.commits[c.parent], d+1 {
		depth[c.sha] = d
	}
	for c := head; c != nil; c = r.commits[c.parent] {
		if d, ok := depth[c.sha]; ok {
			mergeBase, behind = c, d
			break
		}
		ahead = append(ahead, c)
	}
	if mergeBase == nil {
		return nil, 0, nil
	}
	slices.Reverse(ahead)
	return ahead, behind, mergeBase
}

// compareSide resolves one side of a comparison's basehead: a ref as
// resolve takes it, optionally written OWNER:REF. Forks are not modelled,
// so an owner other than the repository's resolves to nothing.
func (r *repoRec) compareSide(side string) *commitRec {
	if owner, ref, ok := strings.Cut(side, ":"); ok {
		if !strings.EqualFold(owner, r.owner) {
			return nil
		}
		side = ref
	}
	if side == "" {
		return nil
	}
	return r.resolve(side)
}
