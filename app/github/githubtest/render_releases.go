package githubtest

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// gitObjectJSON is the object a ref or tag object points at.
type gitObjectJSON struct {
	SHA  string `json:"sha"`
	Type string `json:"type"` // commit or tag
	URL  string `json:"url"`
}

// gitRefJSON is GitHub's git-ref object.
type gitRefJSON struct {
	Ref    string        `json:"ref"`
	NodeID string        `json:"node_id"`
	URL    string        `json:"url"`
	Object gitObjectJSON `json:"object"`
}

// gitNodeID imitates the node ids of git objects and refs, which GitHub
// derives from the repository and the name.
func gitNodeID(prefix string, r *repoRec, name string) string {
	return prefix + "_kwDO" + base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d:%s", r.id, name))
}

// renderRef builds the git-ref object of full ("refs/heads/NAME" or
// "refs/tags/NAME"), which must exist; s.mu must be held.
func (s *Server) renderRef(r *repoRec, full string) gitRefJSON {
	api := s.repoAPI(r)
	out := gitRefJSON{Ref: full, NodeID: gitNodeID("REF", r, full), URL: api + "/git/" + escapePath(full)}
	if name, ok := strings.CutPrefix(full, "refs/tags/"); ok {
		if obj := r.tagObject(name); obj != nil {
			out.Object = gitObjectJSON{SHA: obj.sha, Type: "tag", URL: api + "/git/tags/" + obj.sha}
			return out
		}
		out.Object = gitObjectJSON{SHA: r.tags[name], Type: "commit", URL: api + "/git/commits/" + r.tags[name]}
		return out
	}
	sha := r.branches[strings.TrimPrefix(full, "refs/heads/")]
	out.Object = gitObjectJSON{SHA: sha, Type: "commit", URL: api + "/git/commits/" + sha}
	return out
}

// gitTagJSON is GitHub's git-tag object.
type gitTagJSON struct {
	NodeID       string           `json:"node_id"`
	Tag          string           `json:"tag"`
	SHA          string           `json:"sha"`
	URL          string           `json:"url"`
	Message      string           `json:"message"`
	Tagger       gitUserJSON      `json:"tagger"`
	Object       gitObjectJSON    `json:"object"`
	Verification verificationJSON `json:"verification"`
}

func (s *Server) renderTagObject(r *repoRec, obj *tagObjectRec) gitTagJSON {
	api := s.repoAPI(r)
	name, email := tagger()
	return gitTagJSON{
		NodeID: gitNodeID("TAG", r, obj.sha), Tag: obj.tag, SHA: obj.sha, URL: api + "/git/tags/" + obj.sha,
		Message: obj.message, Tagger: gitUserJSON{Name: name, Email: email, Date: fmtTime(obj.at)},
		Object:       gitObjectJSON{SHA: obj.target, Type: "commit", URL: api + "/git/commits/" + obj.target},
		Verification: verificationJSON{Reason: "unsigned"},
	}
}

// releaseJSON is GitHub's release object.
type releaseJSON struct {
	URL             string   `json:"url"`
	HTMLURL         string   `json:"html_url"`
	AssetsURL       string   `json:"assets_url"`
	UploadURL       string   `json:"upload_url"`
	TarballURL      *string  `json:"tarball_url"`
	ZipballURL      *string  `json:"zipball_url"`
	ID              int64    `json:"id"`
	NodeID          string   `json:"node_id"`
	TagName         string   `json:"tag_name"`
	TargetCommitish string   `json:"target_commitish"`
	Name            *string  `json:"name"`
	Body            *string  `json:"body"`
	Draft           bool     `json:"draft"`
	Prerelease      bool     `json:"prerelease"`
	Immutable       bool     `json:"immutable"`
	CreatedAt       string   `json:"created_at"`
	UpdatedAt       string   `json:"updated_at"`
	PublishedAt     *string  `json:"published_at"`
	Author          userJSON `json:"author"`
	Assets          []any    `json:"assets"`
}

// renderRelease builds the release object. A draft has no archive links
// and no public tag page: its html_url names an "untagged-" placeholder,
// as GitHub's does.
func (s *Server) renderRelease(r *repoRec, rel *releaseRec) releaseJSON {
	api := fmt.Sprintf("%s/releases/%d", s.repoAPI(r), rel.id)
	out := releaseJSON{
		URL: api, AssetsURL: api + "/assets",
		UploadURL: fmt.Sprintf("https://uploads.github.com/repos/%s/%s/releases/%d/assets{?name,label}", r.owner, r.name, rel.id),
		ID:        rel.id, NodeID: nodeID("RE", rel.id), TagName: rel.tag, TargetCommitish: rel.target,
		Name: rel.name, Body: rel.body, Draft: rel.draft, Prerelease: rel.prerelease,
		CreatedAt: fmtTime(rel.created), UpdatedAt: fmtTime(rel.created),
		Author: s.user(rel.by.login, rel.by.id, rel.by.userType), Assets: []any{},
	}
	if rel.draft {
		h := sha1.Sum(fmt.Appendf(nil, "%d", rel.id))
		out.HTMLURL = repoHTML(r) + "/releases/tag/untagged-" + hex.EncodeToString(h[:10])
		return out
	}
	tarball, zipball := s.repoAPI(r)+"/tarball/"+escapePath(rel.tag), s.repoAPI(r)+"/zipball/"+escapePath(rel.tag)
	published := fmtTime(rel.published)
	out.HTMLURL = repoHTML(r) + "/releases/tag/" + escapePath(rel.tag)
	out.TarballURL, out.ZipballURL, out.PublishedAt = &tarball, &zipball, &published
	return out
}
