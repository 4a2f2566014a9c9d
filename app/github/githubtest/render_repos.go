package githubtest

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// escapePath escapes each segment of a slash-separated path or ref.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// repoAPI is a repository's API URL ("<base>/repos/OWNER/REPO").
func (s *Server) repoAPI(r *repoRec) string { return s.URL + "repos/" + r.owner + "/" + r.name }

func repoHTML(r *repoRec) string { return "https://github.com/" + r.owner + "/" + r.name }

// repoURLTemplates are the full-repository object's "*_url" members,
// relative to the repository's API URL, as GitHub spells them.
var repoURLTemplates = [][2]string{
	{"archive_url", "/{archive_format}{/ref}"}, {"assignees_url", "/assignees{/user}"},
	{"blobs_url", "/git/blobs{/sha}"}, {"branches_url", "/branches{/branch}"},
	{"collaborators_url", "/collaborators{/collaborator}"}, {"comments_url", "/comments{/number}"},
	{"commits_url", "/commits{/sha}"}, {"compare_url", "/compare/{base}...{head}"},
	{"contents_url", "/contents/{+path}"}, {"contributors_url", "/contributors"},
	{"deployments_url", "/deployments"}, {"downloads_url", "/downloads"}, {"events_url", "/events"},
	{"forks_url", "/forks"}, {"git_commits_url", "/git/commits{/sha}"}, {"git_refs_url", "/git/refs{/sha}"},
	{"git_tags_url", "/git/tags{/sha}"}, {"hooks_url", "/hooks"},
	{"issue_comment_url", "/issues/comments{/number}"}, {"issue_events_url", "/issues/events{/number}"},
	{"issues_url", "/issues{/number}"}, {"keys_url", "/keys{/key_id}"}, {"labels_url", "/labels{/name}"},
	{"languages_url", "/languages"}, {"merges_url", "/merges"}, {"milestones_url", "/milestones{/number}"},
	{"notifications_url", "/notifications{?since,all,participating}"}, {"pulls_url", "/pulls{/number}"},
	{"releases_url", "/releases{/id}"}, {"stargazers_url", "/stargazers"}, {"statuses_url", "/statuses/{sha}"},
	{"subscribers_url", "/subscribers"}, {"subscription_url", "/subscription"}, {"tags_url", "/tags"},
	{"teams_url", "/teams"}, {"trees_url", "/git/trees{/sha}"},
}

// renderRepo builds GitHub's full-repository object; s.mu must be held.
func (s *Server) renderRepo(r *repoRec) map[string]any {
	api, html := s.repoAPI(r), repoHTML(r)
	open, pushed, size := 0, r.created, 0
	for _, i := range r.issues {
		if i.state == "open" {
			open++
		}
	}
	for _, c := range r.commits {
		if c.at.After(pushed) {
			pushed = c.at
		}
	}
	if head := r.commits[r.branches[r.defaultBranch]]; head != nil {
		for _, content := range head.files {
			size += len(content)
		}
	}
	m := map[string]any{
		"id": r.id, "node_id": nodeID("R", r.id), "name": r.name, "full_name": r.owner + "/" + r.name,
		"private": false, "visibility": "public", "owner": s.user(r.owner, stableID(r.owner), "User"),
		"html_url": html, "description": nil, "fork": false, "url": api,
		"git_url":   "git://github.com/" + r.owner + "/" + r.name + ".git",
		"ssh_url":   "git@github.com:" + r.owner + "/" + r.name + ".git",
		"clone_url": html + ".git", "svn_url": html, "mirror_url": nil, "homepage": nil, "language": nil,
		"forks": 0, "forks_count": 0, "stargazers_count": 0, "watchers": 0, "watchers_count": 0,
		"network_count": 0, "subscribers_count": 0, "size": (size + 1023) / 1024,
		"default_branch": r.defaultBranch, "open_issues": open, "open_issues_count": open,
		"is_template": false, "topics": []string{},
		"has_issues": true, "has_projects": true, "has_wiki": true, "has_pages": false,
		"has_downloads": true, "has_discussions": false, "archived": false, "disabled": false,
		"license": nil, "allow_forking": true, "web_commit_signoff_required": false,
		"pushed_at": fmtTime(pushed), "created_at": fmtTime(r.created), "updated_at": fmtTime(pushed),
		"permissions":      map[string]bool{"admin": false, "maintain": false, "push": true, "triage": true, "pull": true},
		"temp_clone_token": nil,
	}
	for _, t := range repoURLTemplates {
		m[t[0]] = api + t[1]
	}
	return m
}

// contentLinks is the "_links" member of a contents entry.
type contentLinks struct {
	Self string  `json:"self"`
	Git  *string `json:"git"`
	HTML *string `json:"html"`
}

// contentJSON is GitHub's content-file object and, without content and
// encoding, an entry of a content-directory listing.
type contentJSON struct {
	Type        string       `json:"type"`
	Encoding    string       `json:"encoding,omitempty"`
	Size        int          `json:"size"`
	Name        string       `json:"name"`
	Path        string       `json:"path"`
	Content     *string      `json:"content,omitempty"`
	SHA         string       `json:"sha"`
	URL         string       `json:"url"`
	GitURL      *string      `json:"git_url"`
	HTMLURL     *string      `json:"html_url"`
	DownloadURL *string      `json:"download_url"`
	Links       contentLinks `json:"_links"`
}

// maxInlineContent is the largest file GitHub returns inline; bigger ones
// come with encoding "none" and empty content.
const maxInlineContent = 1 << 20

// renderContent renders a tree entry read at ref; withContent adds the
// base64 content, in 60-character lines each ending in "\n" as GitHub sends.
func (s *Server) renderContent(r *repoRec, files map[string]string, ref string, e treeEntry, withContent bool) contentJSON {
	kind, sha, gitKind, htmlKind := "file", "", "blobs", "blob"
	if e.dir {
		kind, sha, gitKind, htmlKind = "dir", treeSHA(files, e.path), "trees", "tree"
	} else {
		sha = blobSHA(e.content)
	}
	self := s.repoAPI(r) + "/contents/" + escapePath(e.path) + "?ref=" + url.QueryEscape(ref)
	git := s.repoAPI(r) + "/git/" + gitKind + "/" + sha
	html := repoHTML(r) + "/" + htmlKind + "/" + escapePath(ref) + "/" + escapePath(e.path)
	out := contentJSON{
		Type: kind, Name: e.name, Path: e.path, SHA: sha, URL: self,
		GitURL: &git, HTMLURL: &html, Links: contentLinks{Self: self, Git: &git, HTML: &html},
	}
	if !e.dir {
		out.Size = len(e.content)
		dl := "https://raw.githubusercontent.com/" + r.owner + "/" + r.name + "/" + escapePath(ref) + "/" + escapePath(e.path)
		out.DownloadURL = &dl
	}
	if withContent {
		out.Encoding = "base64"
		var b strings.Builder
		if len(e.content) > maxInlineContent {
			out.Encoding = "none"
		} else {
			enc := base64.StdEncoding.EncodeToString([]byte(e.content))
			for len(enc) > 0 {
				n := min(60, len(enc))
				b.WriteString(enc[:n] + "\n")
				enc = enc[n:]
			}
		}
		content := b.String()
		out.Content = &content
	}
	return out
}

type gitUserJSON struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Date  string `json:"date"`
}

type shaURLJSON struct {
	SHA     string `json:"sha"`
	URL     string `json:"url"`
	HTMLURL string `json:"html_url,omitempty"`
}

type verificationJSON struct {
	Verified   bool    `json:"verified"`
	Reason     string  `json:"reason"`
	Signature  *string `json:"signature"`
	Payload    *string `json:"payload"`
	VerifiedAt *string `json:"verified_at"`
}

type gitCommitJSON struct {
	URL          string           `json:"url"`
	Author       gitUserJSON      `json:"author"`
	Committer    gitUserJSON      `json:"committer"`
	Message      string           `json:"message"`
	Tree         shaURLJSON       `json:"tree"`
	CommentCount int              `json:"comment_count"`
	Verification verificationJSON `json:"verification"`
}

type statsJSON struct {
	Total     int `json:"total"`
	Additions int `json:"additions"`
	Deletions int `json:"deletions"`
}

type diffEntryJSON struct {
	SHA         string `json:"sha"`
	Filename    string `json:"filename"`
	Status      string `json:"status"`
	Additions   int    `json:"additions"`
	Deletions   int    `json:"deletions"`
	Changes     int    `json:"changes"`
	BlobURL     string `json:"blob_url"`
	RawURL      string `json:"raw_url"`
	ContentsURL string `json:"contents_url"`
}

// commitJSON is GitHub's commit object as lists carry it (the commits,
// base_commit and merge_base_commit of a comparison): without stats and
// files.
type commitJSON struct {
	SHA         string        `json:"sha"`
	NodeID      string        `json:"node_id"`
	Commit      gitCommitJSON `json:"commit"`
	URL         string        `json:"url"`
	HTMLURL     string        `json:"html_url"`
	CommentsURL string        `json:"comments_url"`
	Author      userJSON      `json:"author"`
	Committer   userJSON      `json:"committer"`
	Parents     []shaURLJSON  `json:"parents"`
}

// commitDetailJSON is the commit object of GET
// /repos/{owner}/{repo}/commits/{ref}: with its changes against its parent.
type commitDetailJSON struct {
	commitJSON
	Stats statsJSON       `json:"stats"`
	Files []diffEntryJSON `json:"files"`
}

// renderCommitSummary builds the commit object without stats and files;
// s.mu must be held.
func (s *Server) renderCommitSummary(r *repoRec, c *commitRec) commitJSON {
	api, html := s.repoAPI(r), repoHTML(r)
	sig := gitUserJSON{Name: c.authorName(), Email: c.authorEmail(), Date: fmtTime(c.at)}
	who := actor{login: seedAuthor, id: stableID(seedAuthor), userType: "User"}
	if c.by != nil {
		who = *c.by
	}
	author := s.user(who.login, who.id, who.userType)
	out := commitJSON{
		SHA:    c.sha,
		NodeID: "C_kwDO" + base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d:%s", r.id, c.sha)),
		Commit: gitCommitJSON{
			URL: api + "/git/commits/" + c.sha, Author: sig, Committer: sig, Message: c.message,
			Tree:         shaURLJSON{SHA: c.tree, URL: api + "/git/trees/" + c.tree},
			Verification: verificationJSON{Reason: "unsigned"},
		},
		URL: api + "/commits/" + c.sha, HTMLURL: html + "/commit/" + c.sha, CommentsURL: api + "/commits/" + c.sha + "/comments",
		Author: author, Committer: author, Parents: []shaURLJSON{},
	}
	if p := r.commits[c.parent]; p != nil {
		out.Parents = append(out.Parents, shaURLJSON{SHA: p.sha, URL: api + "/commits/" + p.sha, HTMLURL: html + "/commit/" + p.sha})
	}
	return out
}

// renderCommit builds the commit object with its changes against its
// parent; s.mu must be held.
func (s *Server) renderCommit(r *repoRec, c *commitRec) commitDetailJSON {
	var before map[string]string
	if p := r.commits[c.parent]; p != nil {
		before = p.files
	}
	files, stats := s.diffTrees(r, before, c, -1)
	return commitDetailJSON{commitJSON: s.renderCommitSummary(r, c), Stats: stats, Files: files}
}

// diffTrees lists the files that differ between the tree before and the
// tree of c, in path order, with their URLs at c and the summed line
// counts; limit > 0 keeps only that many entries (the totals count them
// all). Line counts compare the files' lines as multisets, which is exact
// for added and removed files and close for edits.
func (s *Server) diffTrees(r *repoRec, before map[string]string, c *commitRec, limit int) ([]diffEntryJSON, statsJSON) {
	api, html := s.repoAPI(r), repoHTML(r)
	files := []diffEntryJSON{}
	var stats statsJSON
	paths := map[string]bool{}
	for p := range before {
		paths[p] = true
	}
	for p := range c.files {
		paths[p] = true
	}
	for _, p := range slices.Sorted(maps.Keys(paths)) {
		old, had := before[p]
		cur, has := c.files[p]
		if had && has && old == cur {
			continue
		}
		e := diffEntryJSON{Filename: p, SHA: blobSHA(cur),
			BlobURL: html + "/blob/" + c.sha + "/" + escapePath(p), RawURL: html + "/raw/" + c.sha + "/" + escapePath(p),
			ContentsURL: api + "/contents/" + escapePath(p) + "?ref=" + c.sha}
		switch {
		case !had:
			e.Status = "added"
		case !has:
			e.Status, e.SHA = "removed", blobSHA(old)
		default:
			e.Status = "modified"
		}
		e.Additions, e.Deletions = lineDiff(old, cur)
		e.Changes = e.Additions + e.Deletions
		stats.Additions += e.Additions
		stats.Deletions += e.Deletions
		if limit <= 0 || len(files) < limit {
			files = append(files, e)
		}
	}
	stats.Total = stats.Additions + stats.Deletions
	return files, stats
}

// lineDiff counts lines of cur missing from old and lines of old missing
// from cur, as multisets.
func lineDiff(old, cur string) (added, deleted int) {
	count := map[string]int{}
	for _, l := range lines(old) {
		count[l]++
	}
	for _, l := range lines(cur) {
		if count[l] > 0 {
			count[l]--
		} else {
			added++
		}
	}
	for _, n := range count {
		deleted += n
	}
	return added, deleted
}

func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// comparison is what renderComparison needs of a compare call.
type comparison struct {
	baseSide, headSide, sep string // as the request wrote them
	base, head, mergeBase   *commitRec
	aheadBy, behindBy       int
	commits                 []*commitRec // this page's
	files                   []diffEntryJSON
}

// comparisonJSON is GitHub's commit-comparison object.
type comparisonJSON struct {
	URL             string          `json:"url"`
	HTMLURL         string          `json:"html_url"`
	PermalinkURL    string          `json:"permalink_url"`
	DiffURL         string          `json:"diff_url"`
	PatchURL        string          `json:"patch_url"`
	BaseCommit      commitJSON      `json:"base_commit"`
	MergeBaseCommit commitJSON      `json:"merge_base_commit"`
	Status          string          `json:"status"`
	AheadBy         int             `json:"ahead_by"`
	BehindBy        int             `json:"behind_by"`
	TotalCommits    int             `json:"total_commits"`
	Commits         []commitJSON    `json:"commits"`
	Files           []diffEntryJSON `json:"files"`
}

// renderComparison builds the commit-comparison object; s.mu must be held.
func (s *Server) renderComparison(r *repoRec, cmp comparison) comparisonJSON {
	basehead := escapePath(cmp.baseSide) + cmp.sep + escapePath(cmp.headSide)
	html := repoHTML(r) + "/compare/" + basehead
	status := "identical"
	switch {
	case cmp.aheadBy > 0 && cmp.behindBy > 0:
		status = "diverged"
	case cmp.aheadBy > 0:
		status = "ahead"
	case cmp.behindBy > 0:
		status = "behind"
	}
	out := comparisonJSON{
		URL:             s.repoAPI(r) + "/compare/" + basehead,
		HTMLURL:         html,
		PermalinkURL:    repoHTML(r) + "/compare/" + r.owner + ":" + cmp.base.sha + cmp.sep + r.owner + ":" + cmp.head.sha,
		DiffURL:         html + ".diff",
		PatchURL:        html + ".patch",
		BaseCommit:      s.renderCommitSummary(r, cmp.base),
		MergeBaseCommit: s.renderCommitSummary(r, cmp.mergeBase),
		Status:          status,
		AheadBy:         cmp.aheadBy,
		BehindBy:        cmp.behindBy,
		TotalCommits:    cmp.aheadBy,
		Commits:         make([]commitJSON, len(cmp.commits)),
		Files:           cmp.files,
	}
	for i, c := range cmp.commits {
		out.Commits[i] = s.renderCommitSummary(r, c)
	}
	return out
}
