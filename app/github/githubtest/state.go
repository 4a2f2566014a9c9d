package githubtest

import (
	"slices"
	"strings"
	"time"
)

// Comment is an issue comment as the fake stores it, for test assertions.
type Comment struct {
	ID        int64
	Body      string
	UserLogin string
	UserType  string // "User" or "Bot"
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Reaction is a reaction as the fake stores it, for test assertions such as
// "exactly one eyes reaction by the bot".
type Reaction struct {
	ID        int64
	Content   string
	UserLogin string
}

// repoKey names a repository; GitHub treats owner and repo names
// case-insensitively, so keys are lower-cased.
type repoKey struct{ owner, repo string }

func mkRepoKey(owner, repo string) repoKey {
	return repoKey{strings.ToLower(owner), strings.ToLower(repo)}
}

type issueKey struct {
	repoKey
	number int
}

// reactionTarget is the issue or comment a reaction belongs to.
type reactionTarget struct {
	repoKey
	onComment bool
	id        int64 // comment id or issue number
}

type commentRec struct {
	id         int64
	owner      string // as written in the creating request's path
	repo       string
	issue      issueKey
	body       string
	login      string
	userID     int64
	userType   string
	created    time.Time
	updated    time.Time
	viaApp     bool
	reactionsN map[string]int
}

type reactionRec struct {
	id       int64
	content  string
	login    string
	userID   int64
	userType string
	created  time.Time
}

// state is everything the fake API remembers; Server.mu guards it.
type state struct {
	nextCommentID  int64
	nextReactionID int64
	comments       map[int64]*commentRec
	byIssue        map[issueKey][]*commentRec // ascending id
	reactions      map[reactionTarget][]*reactionRec
	tokens         map[string]instToken
	issued         map[int64]int

	// Seeded repositories with their commits, issues and labels
	// (state_repos.go, state_issues.go).
	nextIssueID int64
	nextLabelID int64
	repos       map[repoKey]*repoRec

	// Who may do what (state_access.go), and the installation that last
	// worked on each repository, for the events the fake sends.
	access   access
	installs map[repoKey]int64

	// Id counters of deployments, their statuses and workflow runs
	// (state_deploy.go, state_actions.go), which live in their repoRec.
	nextDeploymentID int64
	nextStatusID     int64
	nextRunID        int64
	nextReleaseID    int64 // releases (state_releases.go) live in their repoRec
}

func (st *state) init() {
	st.nextCommentID = 1000000000
	st.nextReactionID = 2000000000
	st.nextIssueID = 3000000000
	st.nextLabelID = 4000000000
	st.nextDeploymentID = 5000000000
	st.nextStatusID = 6000000000
	st.nextRunID = 7000000000
	st.nextReleaseID = 8000000000
	st.tokens = make(map[string]instToken)
	st.reset()
}

// reset clears comments, reactions, counts and seeded repositories but keeps
// id counters and issued tokens (see Server.Reset).
func (st *state) reset() {
	st.comments = make(map[int64]*commentRec)
	st.byIssue = make(map[issueKey][]*commentRec)
	st.reactions = make(map[reactionTarget][]*reactionRec)
	st.issued = make(map[int64]int)
	st.repos = make(map[repoKey]*repoRec)
	st.access.reset()
	st.installs = make(map[repoKey]int64)
}

// addComment stores a new comment; it is the only way ids are allocated, so
// ids are unique and increase in creation order.
func (st *state) addComment(owner, repo string, issue int, body string, who *identity, now time.Time) *commentRec {
	st.nextCommentID++
	c := &commentRec{
		id:       st.nextCommentID,
		owner:    owner,
		repo:     repo,
		issue:    issueKey{mkRepoKey(owner, repo), issue},
		body:     body,
		login:    who.login,
		userID:   who.id,
		userType: who.userType,
		created:  now,
		updated:  now,
		viaApp:   who.kind == installation,
	}
	st.comments[c.id] = c
	st.byIssue[c.issue] = append(st.byIssue[c.issue], c)
	return c
}

// commentIn returns the comment with id if it belongs to the repository.
func (st *state) commentIn(owner, repo string, id int64) *commentRec {
	c := st.comments[id]
	if c == nil || c.issue.repoKey != mkRepoKey(owner, repo) {
		return nil
	}
	return c
}

// react adds who's reaction to target unless who already left the same
// content there, in which case it returns the existing one and created=false.
func (st *state) react(t reactionTarget, content string, who *identity, now time.Time) (r *reactionRec, created bool) {
	for _, r := range st.reactions[t] {
		if r.login == who.login && r.content == content {
			return r, false
		}
	}
	st.nextReactionID++
	r = &reactionRec{id: st.nextReactionID, content: content, login: who.login, userID: who.id, userType: who.userType, created: now}
	st.reactions[t] = append(st.reactions[t], r)
	if t.onComment {
		if c := st.comments[t.id]; c != nil {
			if c.reactionsN == nil {
				c.reactionsN = make(map[string]int)
			}
			c.reactionsN[content]++
		}
	}
	return r, true
}

func (c *commentRec) export() Comment {
	return Comment{ID: c.id, Body: c.body, UserLogin: c.login, UserType: c.userType, CreatedAt: c.created, UpdatedAt: c.updated}
}

// Comments returns the comments on an issue, ordered by id, so tests can see
// exactly what the app posted (and that it posted nothing twice).
func (s *Server) Comments(owner, repo string, issue int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.st.byIssue[issueKey{mkRepoKey(owner, repo), issue}]
	out := make([]Comment, len(list))
	for i, c := range list {
		out[i] = c.export()
	}
	return out
}

// Reactions returns the reactions on an issue comment in creation order.
func (s *Server) Reactions(owner, repo string, commentID int64) []Reaction {
	return s.reactionsOn(reactionTarget{mkRepoKey(owner, repo), true, commentID})
}

// IssueReactions returns the reactions on an issue in creation order.
func (s *Server) IssueReactions(owner, repo string, issue int) []Reaction {
	return s.reactionsOn(reactionTarget{mkRepoKey(owner, repo), false, int64(issue)})
}

func (s *Server) reactionsOn(t reactionTarget) []Reaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.st.reactions[t]
	out := make([]Reaction, len(list))
	for i, r := range list {
		out[i] = Reaction{ID: r.id, Content: r.content, UserLogin: r.login}
	}
	return out
}

// TokensIssued counts installation tokens created for an installation since
// start or Reset, so tests can check the app caches its token.
func (s *Server) TokensIssued(installationID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.issued[installationID]
}

// SeedComment stores a comment written by a human (type "User") as if it had
// been posted on github.com, and returns it. End-to-end tests use it to make
// the comment a webhook talks about exist, so reads of it and listings see it.
// Reactions do not need it: the fake accepts reactions on comments it has
// never seen, since most comments are made outside it.
func (s *Server) SeedComment(owner, repo string, issue int, login, body string) Comment {
	who := &identity{kind: staticUser, login: login, id: stableID(login), userType: "User"}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.addComment(owner, repo, issue, body, who, time.Now()).export()
}

// commentsSince returns an issue's comments updated at or after since
// (compared at GitHub's one-second resolution), ascending by id.
func (st *state) commentsSince(k issueKey, since time.Time) []*commentRec {
	list := st.byIssue[k]
	if since.IsZero() {
		return slices.Clone(list)
	}
	since = since.Truncate(time.Second)
	var out []*commentRec
	for _, c := range list {
		if !c.updated.Truncate(time.Second).Before(since) {
			out = append(out, c)
		}
	}
	return out
}
