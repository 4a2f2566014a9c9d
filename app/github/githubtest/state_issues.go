package githubtest

import (
	"fmt"
	"strings"
	"time"
)

// Issue is an issue as the fake stores it: seed one with SeedIssue and read
// it back with Server.Issue.
type Issue struct {
	Number int
	Title  string
	Body   string
	// State is "open" (the default when empty) or "closed".
	State string
	// Labels are label names in the order they were added to the issue.
	Labels []string
	// UserLogin is the issue's author, a human ("User"); default "octocat".
	UserLogin string
	// StateReason is GitHub's state_reason as the issue has it now
	// (completed, not_planned, reopened, or ""); SeedIssue ignores it.
	StateReason string
}

type issueRec struct {
	id                       int64
	number                   int
	title, body, state       string
	stateReason              string // "" while open and never reopened
	login                    string
	labels                   []*labelRec // in the order added
	created, updated, closed time.Time
}

type labelRec struct {
	id                       int64
	name, color, description string
	isDefault                bool
}

// defaultLabels are the labels GitHub gives a new repository: name, color,
// description.
var defaultLabels = [][3]string{
	{"bug", "d73a4a", "Something isn't working"},
	{"documentation", "0075ca", "Improvements or additions to documentation"},
	{"duplicate", "cfd3d7", "This issue or pull request already exists"},
	{"enhancement", "a2eeef", "New feature or request"},
	{"good first issue", "7057ff", "Good for newcomers"},
	{"help wanted", "008672", "Extra attention is needed"},
	{"invalid", "e4e669", "This doesn't seem right"},
	{"question", "d876e3", "Further information is requested"},
	{"wontfix", "ffffff", "This will not be worked on"},
}

// newLabelColor is the color GitHub gives a label created by adding it to
// an issue.
const newLabelColor = "ededed"

// label finds a repository label by name; GitHub matches names
// case-insensitively.
func (r *repoRec) label(name string) *labelRec {
	for _, l := range r.labels {
		if strings.EqualFold(l.name, name) {
			return l
		}
	}
	return nil
}

// labelOrCreate returns the repository's label called name, creating it as
// GitHub does when an unknown label is added to an issue.
func (st *state) labelOrCreate(r *repoRec, name string) *labelRec {
	if l := r.label(name); l != nil {
		return l
	}
	st.nextLabelID++
	l := &labelRec{id: st.nextLabelID, name: name, color: newLabelColor}
	r.labels = append(r.labels, l)
	return l
}

// addLabel adds l to the issue unless it is there already.
func (i *issueRec) addLabel(l *labelRec) {
	for _, have := range i.labels {
		if have == l {
			return
		}
	}
	i.labels = append(i.labels, l)
}

// removeLabel removes the label called name; false if the issue lacks it.
func (i *issueRec) removeLabel(name string) bool {
	for n, l := range i.labels {
		if strings.EqualFold(l.name, name) {
			i.labels = append(i.labels[:n:n], i.labels[n+1:]...)
			return true
		}
	}
	return false
}

func (i *issueRec) export() Issue {
	out := Issue{Number: i.number, Title: i.title, Body: i.body, State: i.state, UserLogin: i.login,
		StateReason: i.stateReason, Labels: make([]string, len(i.labels))}
	for n, l := range i.labels {
		out.Labels[n] = l.name
	}
	return out
}

func (st *state) issue(owner, repo string, number int) (*repoRec, *issueRec) {
	r := st.repo(owner, repo)
	if r == nil {
		return nil, nil
	}
	return r, r.issues[number]
}

// SeedIssue makes an issue exist for GET /repos/{owner}/{repo}/issues/{n}
// and the label endpoints (comments and reactions need no seeding). The
// repository is created if needed (see SeedRepo), and so are labels it does
// not have yet (color "ededed"). Seeding a number again replaces the issue's
// title, body, state, author and labels, keeping its id and creation time.
// It panics on a number below 1 or a state other than "", "open", "closed".
func (s *Server) SeedIssue(owner, repo string, iss Issue) {
	if iss.Number < 1 {
		panic(fmt.Sprintf("githubtest: SeedIssue: invalid number %d", iss.Number))
	}
	switch iss.State {
	case "":
		iss.State = "open"
	case "open", "closed":
	default:
		panic(fmt.Sprintf("githubtest: SeedIssue: invalid state %q", iss.State))
	}
	if iss.UserLogin == "" {
		iss.UserLogin = "octocat"
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.ensureRepo(owner, repo)
	rec := r.issues[iss.Number]
	if rec == nil {
		s.st.nextIssueID++
		rec = &issueRec{id: s.st.nextIssueID, number: iss.Number, created: now}
		r.issues[iss.Number] = rec
	}
	rec.title, rec.body, rec.state, rec.login = iss.Title, iss.Body, iss.State, iss.UserLogin
	rec.updated, rec.closed, rec.stateReason = now, time.Time{}, ""
	if iss.State == "closed" {
		rec.closed, rec.stateReason = now, "completed"
	}
	rec.labels = nil
	for _, name := range iss.Labels {
		rec.addLabel(s.st.labelOrCreate(r, name))
	}
}

// SetIssueBody changes a seeded issue's body and updated_at, as an edit on
// github.com does. It panics if the issue was not seeded.
func (s *Server) SetIssueBody(owner, repo string, number int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, rec := s.st.issue(owner, repo, number)
	if rec == nil {
		panic(fmt.Sprintf("githubtest: SetIssueBody: issue %s/%s#%d is not seeded", owner, repo, number))
	}
	rec.body = body
	rec.updated = time.Now()
}

// Issue returns a seeded issue as it is now (labels in the order added), and
// false if there is none.
func (s *Server) Issue(owner, repo string, number int) (Issue, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, rec := s.st.issue(owner, repo, number)
	if rec == nil {
		return Issue{}, false
	}
	return rec.export(), true
}

// RepoLabels returns the names of a seeded repository's labels in creation
// order (GitHub's defaults first), so tests can see labels that adding them
// to an issue created; nil for an unknown repository.
func (s *Server) RepoLabels(owner, repo string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.repo(owner, repo)
	if r == nil {
		return nil
	}
	out := make([]string, len(r.labels))
	for i, l := range r.labels {
		out[i] = l.name
	}
	return out
}
