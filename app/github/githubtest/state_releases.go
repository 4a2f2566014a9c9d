package githubtest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Annotated tags and releases. A tag in repoRec.tags always names the
// commit it peels to, so every route that resolves refs sees annotated and
// lightweight tags alike; an annotated tag also has a tag object, hashed as
// git hashes it, which the git/ref and git/tags routes show. A release
// belongs to a tag that exists.

// gitState is what a repository has beyond commits and refs.
type gitState struct {
	tagObjects map[string]*tagObjectRec // by the tag object's SHA
	annotated  map[string]string        // tag name → its tag object's SHA
	releases   []*releaseRec            // in creation order
}

// tagObjectRec is an annotated tag object. Git keeps it after its ref
// moves; the ref is annotated only while it still names target.
type tagObjectRec struct {
	sha, tag, target, message string // target: the commit tagged
	at                        time.Time
}

type releaseRec struct {
	id                int64
	tag, target       string
	name, body        *string // null when not given
	draft, prerelease bool
	makeLatest        string // as asked: "true", "false", "legacy", or "" (GitHub's default, "true")
	by                actor
	created           time.Time
	published         time.Time // zero for a draft
}

// gitOf returns the repository's gitState, making it on first use.
func (r *repoRec) gitOf() *gitState {
	if r.git == nil {
		r.git = &gitState{tagObjects: map[string]*tagObjectRec{}, annotated: map[string]string{}}
	}
	return r.git
}

// tagObject is the tag object refs/tags/name points at, nil for a
// lightweight tag (or one moved since it was annotated).
func (r *repoRec) tagObject(name string) *tagObjectRec {
	if r.git == nil {
		return nil
	}
	obj := r.git.tagObjects[r.git.annotated[name]]
	if obj == nil || r.tags[name] != obj.target {
		return nil
	}
	return obj
}

// tagger is who made seeded tag objects, with the email seeded commits use.
func tagger() (name, email string) {
	return seedAuthor, fmt.Sprintf("%d+%s@users.noreply.github.com", stableID(seedAuthor), seedAuthor)
}

// addTagObject stores an annotated tag of commit c named name; its date is
// a minute after the commit's, so the SHA is deterministic.
func (r *repoRec) addTagObject(name string, c *commitRec, message string) *tagObjectRec {
	if !strings.HasSuffix(message, "\n") {
		message += "\n" // as git stores it
	}
	obj := &tagObjectRec{tag: name, target: c.sha, message: message, at: c.at.Add(time.Minute)}
	who, email := tagger()
	obj.sha = gitHash("tag", fmt.Sprintf("object %s\ntype commit\ntag %s\ntagger %s <%s> %d +0000\n\n%s",
		c.sha, name, who, email, obj.at.Unix(), message))
	g := r.gitOf()
	g.tagObjects[obj.sha] = obj
	g.annotated[name] = obj.sha
	r.tags[name] = c.sha
	return obj
}

// SeedAnnotatedTag points tag at commit (see SeedTag for what commit may
// be) through an annotated tag object with message, as `git tag -a` and a
// push do, and returns the tag object's SHA. Moving the tag later (SeedTag,
// MoveRef) leaves a lightweight tag. It panics if the repository or commit
// is unknown.
func (s *Server) SeedAnnotatedTag(owner, repo, tag, commit, message string) (tagSHA string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, c := s.st.mustResolve("SeedAnnotatedTag", owner, repo, commit)
	return r.addTagObject(strings.TrimPrefix(tag, "refs/tags/"), c, message).sha
}

// Tag is a tag as the fake stores it, for test assertions.
type Tag struct {
	Name string
	SHA  string // the commit it points at, peeled
	// ObjectSHA is the annotated tag object's SHA, "" for a lightweight tag.
	ObjectSHA string
	Message   string // an annotated tag's message
}

// Tags returns a seeded repository's tags sorted by name (none for an
// unknown repository), so tests can see which tags the app made and where.
func (s *Server) Tags(owner, repo string) []Tag {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.repo(owner, repo)
	if r == nil {
		return nil
	}
	var out []Tag
	for _, name := range slices.Sorted(maps.Keys(r.tags)) {
		t := Tag{Name: name, SHA: r.tags[name]}
		if obj := r.tagObject(name); obj != nil {
			t.ObjectSHA, t.Message = obj.sha, obj.message
		}
		out = append(out, t)
	}
	return out
}

// Release is a release as the fake stores it: read with Releases, or
// describe one to SeedRelease.
type Release struct {
	ID              int64 // assigned by the fake; SeedRelease ignores it
	TagName         string
	TargetCommitish string // default: the default branch
	Name            string // "" when null
	Body            string // "" when null
	Draft           bool
	Prerelease      bool
	// MakeLatest is the make_latest the release was created with ("" when
	// not given, which GitHub takes as "true").
	MakeLatest string
	// Author is the login that made it: the caller's identity for the API,
	// SeedRelease's default "octocat".
	Author      string
	CreatedAt   time.Time
	PublishedAt time.Time // zero for a draft
}

// releaseOf is the repository's release of tag, or nil.
func (r *repoRec) releaseOf(tag string) *releaseRec {
	if r.git == nil {
		return nil
	}
	for _, rel := range r.git.releases {
		if rel.tag == tag {
			return rel
		}
	}
	return nil
}

// addRelease stores rel, assigning its id.
func (st *state) addRelease(r *repoRec, rel *releaseRec) *releaseRec {
	st.nextReleaseID++
	rel.id = st.nextReleaseID
	if !rel.draft {
		rel.published = rel.created
	}
	g := r.gitOf()
	g.releases = append(g.releases, rel)
	return rel
}

// SeedRelease stores a release someone made on github.com and returns its
// id: a draft or published release of an existing tag, created now. A
// name or body left "" is null. It panics if the repository is unknown,
// the tag does not exist or already has a release.
func (s *Server) SeedRelease(owner, repo string, rel Release) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.repo(owner, repo)
	switch {
	case r == nil:
		panic(fmt.Sprintf("githubtest: SeedRelease: repository %s/%s is not seeded", owner, repo))
	case r.tags[rel.TagName] == "":
		panic(fmt.Sprintf("githubtest: SeedRelease: no tag %q in %s/%s", rel.TagName, owner, repo))
	case r.releaseOf(rel.TagName) != nil:
		panic(fmt.Sprintf("githubtest: SeedRelease: tag %q already has a release", rel.TagName))
	}
	rec := &releaseRec{tag: rel.TagName, target: rel.TargetCommitish, draft: rel.Draft, prerelease: rel.Prerelease,
		by: s.namedActor(rel.Author), created: time.Now().Truncate(time.Second)}
	if rec.target == "" {
		rec.target = r.defaultBranch
	}
	if rel.Author == "" {
		rec.by = s.namedActor(seedAuthor)
	}
	if rel.Name != "" {
		rec.name = &rel.Name
	}
	if rel.Body != "" {
		rec.body = &rel.Body
	}
	return s.st.addRelease(r, rec).id
}

// Releases returns a seeded repository's releases, drafts included, in
// creation order.
func (s *Server) Releases(owner, repo string) []Release {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.repo(owner, repo)
	if r == nil || r.git == nil {
		return nil
	}
	out := make([]Release, len(r.git.releases))
	for i, rel := range r.git.releases {
		out[i] = rel.export()
	}
	return out
}

func (rel *releaseRec) export() Release {
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	return Release{ID: rel.id, TagName: rel.tag, TargetCommitish: rel.target, Name: deref(rel.name), Body: deref(rel.body),
		Draft: rel.draft, Prerelease: rel.prerelease, MakeLatest: rel.makeLatest, Author: rel.by.login, CreatedAt: rel.created, PublishedAt: rel.published}
}
