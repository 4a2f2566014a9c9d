// The changelog as the body of a GitHub release.

package release

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/issueops/issueops/app/render"
)

// Bounds of a release body. GitHub refuses bodies over 125,000 characters;
// the margin leaves room for what the caller adds.
const (
	MaxListedChanges = 1000
	MaxMarkdownBytes = 120_000
	// maxJiraKeysListed keeps the Jira line readable; the Jira version
	// still gets every key.
	maxJiraKeysListed = 200
	// maxAuthorRunes bounds an author shown as text, not a login.
	maxAuthorRunes = 100
)

// Links locate the repository a changelog links into.
type Links struct {
	Server  string // "https://github.com", or a GitHub Enterprise Server's URL
	Repo    string // "owner/name"
	Compare string // the compare URL of the release, "" for none
}

var (
	repoPattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$`)
	loginPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,38}(\[bot\])?$`)
	shaPattern   = regexp.MustCompile(`^[0-9a-f]{7,64}$`)
	// urlPattern admits the URLs this file writes into a link destination:
	// no space, quote, bracket, parenthesis or backslash can end the link
	// early or smuggle in another one.
	urlPattern = regexp.MustCompile(`^https?://[A-Za-z0-9._~:/?#@!$&*+,;=%-]+$`)
)

// maxURLBytes bounds a URL that goes into a link.
const maxURLBytes = 2000

// safeURL returns u when it may go into a link destination as is, else "".
func safeURL(u string) string {
	if len(u) <= maxURLBytes && urlPattern.MatchString(u) {
		return u
	}
	return ""
}

// repoURL is the repository's web address, "" when l cannot say.
func (l Links) repoURL() string {
	server := safeURL(strings.TrimRight(l.Server, "/"))
	if server == "" || !repoPattern.MatchString(l.Repo) || strings.HasSuffix(l.Repo, "/.") || strings.HasSuffix(l.Repo, "/..") {
		return ""
	}
	return server + "/" + l.Repo
}

// Markdown renders the changelog as a GitHub release body: a "## Title"
// section per group, then a list item per change, which reads
//
//	scope: subject ([#12](…/pull/12)) ([abc1234](…/commit/sha)) by [login](https://github.com/login)
//
// Subjects, scopes and authors are user text: they are sanitised and
// escaped (see escape) so that nothing in them mentions anyone, references
// an issue, links, embeds, emphasises or makes a block. Authors are links,
// never @mentions, so publishing a release notifies nobody. At most
// MaxListedChanges changes and MaxMarkdownBytes bytes are written; a last
// line says how many commits are left out and links to l.Compare when it is
// set. The Jira keys follow ("Jira: OPS-1, OPS-2") when there are any.
func (c Changelog) Markdown(l Links) string {
	base, compare := l.repoURL(), safeURL(l.Compare)
	tail := c.jiraLine()
	if compare != "" {
		tail += "\n[Full changelog](" + compare + ")\n"
	}
	total := 0
	for _, g := range c.Groups {
		total += len(g.Changes)
	}
	budget := MaxMarkdownBytes - len(tail) - len(moreLine(total, compare)) - 2
	var b strings.Builder
	listed := c.writeGroups(&b, base, strings.TrimRight(l.Server, "/"), budget)
	if total == 0 {
		b.WriteString("No changes.\n")
	}
	if listed < total {
		b.WriteString("\n" + moreLine(total-listed, compare))
		tail = c.jiraLine() // the line above links to the comparison already
	}
	b.WriteString(tail)
	return b.String()
}

// writeGroups writes sections until MaxListedChanges changes or budget
// bytes, and returns how many changes it wrote.
func (c Changelog) writeGroups(b *strings.Builder, base, server string, budget int) int {
	listed := 0
	for _, g := range c.Groups {
		heading := "## " + escape(g.Title) + "\n\n"
		if b.Len() > 0 {
			heading = "\n" + heading
		}
		for i, ch := range g.Changes {
			line := changeLine(ch, showsType(g.Title), base, server)
			if i == 0 {
				line = heading + line
			}
			if listed == MaxListedChanges || b.Len()+len(line) > budget {
				return listed
			}
			b.WriteString(line)
			listed++
		}
	}
	return listed
}

// showsType reports whether the lines of a group name their type: under
// Features and Fixes the title says it already.
func showsType(title string) bool { return title != TitleFeatures && title != TitleFixes }

// changeLine is the list item of one change.
func changeLine(ch Change, withType bool, base, server string) string {
	label := clean(render.Truncate(ch.Scope, 100))
	if withType && ch.Type != "" {
		if label != "" {
			label = "(" + label + ")"
		}
		label = clean(render.Truncate(ch.Type, 32)) + label
	}
	subject := clean(render.Truncate(ch.Subject, MaxSubjectRunes))
	if subject == "" {
		subject = "(no subject)"
	}
	if label != "" {
		subject = label + ": " + subject
	}
	return "- " + escape(subject) + prRef(ch.PR, base) + commitRef(ch.SHA, base) + authorRef(ch, server) + "\n"
}

func prRef(pr int, base string) string {
	switch {
	case pr <= 0:
		return ""
	case base == "":
		return " (PR " + strconv.Itoa(pr) + ")"
	}
	n := strconv.Itoa(pr)
	return " ([#" + n + "](" + base + "/pull/" + n + "))"
}

func commitRef(sha, base string) string {
	sha = strings.ToLower(sha)
	switch {
	case !shaPattern.MatchString(sha):
		return ""
	case base == "":
		return " (" + sha[:7] + ")"
	}
	return " ([" + sha[:7] + "](" + base + "/commit/" + sha + "))"
}

// authorRef links a login to its profile: GitHub's own URL for it when
// that is safe (bots live under /apps/), else the server's /login.
func authorRef(ch Change, server string) string {
	if ch.Author == "" {
		return ""
	}
	if !loginPattern.MatchString(ch.Author) {
		return " by " + escape(strings.TrimSpace(render.Sanitize(render.Truncate(ch.Author, maxAuthorRunes))))
	}
	url := safeURL(ch.AuthorURL)
	if url == "" && !strings.HasSuffix(ch.Author, "[bot]") {
		if server = safeURL(server); server != "" {
			url = server + "/" + ch.Author
		}
	}
	if url == "" {
		return " by " + escape(ch.Author)
	}
	return " by [" + escape(ch.Author) + "](" + url + ")"
}

// jiraLine lists the Jira keys, "" when there are none.
func (c Changelog) jiraLine() string {
	if len(c.JiraKeys) == 0 {
		return ""
	}
	keys := c.JiraKeys[:min(len(c.JiraKeys), maxJiraKeysListed)]
	escaped := make([]string, len(keys), len(keys)+1)
	for i, k := range keys {
		escaped[i] = escape(render.Truncate(render.Sanitize(k), 32))
	}
	if more := len(c.JiraKeys) - len(keys); more > 0 {
		escaped = append(escaped, "and "+strconv.Itoa(more)+" more")
	}
	return "\nJira: " + strings.Join(escaped, ", ") + "\n"
}

// moreLine says how many commits the body leaves out.
func moreLine(n int, compare string) string {
	s := "…and " + count(n, "more commit", "more commits")
	if compare == "" {
		return s + ".\n"
	}
	return s + ": see the [full changelog](" + compare + ").\n"
}
