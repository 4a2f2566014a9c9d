package githubtest_test

import (
	"strings"
	"testing"

	"github.com/issueops/issueops/app/github/githubtest"
)

// releaseExercises covers the routes releases use: git refs and tag
// objects, and the releases themselves.
func releaseExercises() map[string][]exercise {
	annotated := func(s *githubtest.Server, f fixture) string {
		return s.SeedAnnotatedTag("acme", "widgets", "v1.1.0", f.sha, "Release 1.1.0")
	}
	zeros := strings.Repeat("0", 40)
	return map[string][]exercise{
		"GET /repos/{owner}/{repo}/git/matching-refs/{ref}": {
			get(ownerRepo + "/git/matching-refs/tags"),
			func(t *testing.T, s *githubtest.Server, f fixture) result { // a lightweight and an annotated tag
				annotated(s, f)
				return do(t, s, "GET", ownerRepo+"/git/matching-refs/tags/v1", f.inst, "")
			},
			get(ownerRepo + "/git/matching-refs/"),         // every ref
			get(ownerRepo + "/git/matching-refs/tags/zzz"), // none: []
			get("repos/acme/empty/git/matching-refs/tags"), // 409
		},
		"GET /repos/{owner}/{repo}/git/ref/{ref}": {
			get(ownerRepo + "/git/ref/heads/main"),
			get(ownerRepo + "/git/ref/heads/feature/x"),
			get(ownerRepo + "/git/ref/tags/v1.0.0"),
			func(t *testing.T, s *githubtest.Server, f fixture) result { // annotated: the tag object
				annotated(s, f)
				return do(t, s, "GET", ownerRepo+"/git/ref/tags/v1.1.0", f.inst, "")
			},
			get(ownerRepo + "/git/ref/tags/nope"),      // 404
			get(ownerRepo + "/git/ref/tags"),           // 404: a prefix is no ref
			get("repos/acme/empty/git/ref/heads/main"), // 409
		},
		"GET /repos/{owner}/{repo}/git/tags/{tag_sha}": {
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				return do(t, s, "GET", ownerRepo+"/git/tags/"+annotated(s, f), f.inst, "")
			},
			func(t *testing.T, s *githubtest.Server, f fixture) result { // a commit's SHA: 404
				return do(t, s, "GET", ownerRepo+"/git/tags/"+f.sha, f.inst, "")
			},
			get("repos/acme/empty/git/tags/" + zeros), // 409
		},
		"POST /repos/{owner}/{repo}/git/refs": {
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				return do(t, s, "POST", ownerRepo+"/git/refs", f.inst, `{"ref":"refs/tags/v2.0.0","sha":"`+f.sha+`"}`)
			},
			func(t *testing.T, s *githubtest.Server, f fixture) result { // 422 Reference already exists
				return do(t, s, "POST", ownerRepo+"/git/refs", f.inst, `{"ref":"refs/tags/v2.0.0","sha":"`+f.sha+`"}`)
			},
			func(t *testing.T, s *githubtest.Server, f fixture) result { // a branch
				return do(t, s, "POST", ownerRepo+"/git/refs", f.inst, `{"ref":"refs/heads/release/2","sha":"`+f.sha+`"}`)
			},
			post(ownerRepo+"/git/refs", `{"ref":"tags/v3","sha":"`+zeros+`"}`),            // 422 too few components
			post(ownerRepo+"/git/refs", `{"ref":"refs/tags/v3","sha":"`+zeros+`"}`),       // 422 Object does not exist
			post(ownerRepo+"/git/refs", `{"ref":"refs/tags/v3"}`),                         // 422 no sha
			post("repos/acme/empty/git/refs", `{"ref":"refs/tags/v3","sha":"`+zeros+`"}`), // 409
		},
		"GET /repos/{owner}/{repo}/releases": {
			func(t *testing.T, s *githubtest.Server, f fixture) result { // a page of one: Link
				annotated(s, f)
				s.SeedRelease("acme", "widgets", githubtest.Release{TagName: "v1.0.0", Name: "v1.0.0", Body: "First."})
				s.SeedRelease("acme", "widgets", githubtest.Release{TagName: "v1.1.0", Draft: true, Prerelease: true})
				return do(t, s, "GET", ownerRepo+"/releases?per_page=1", f.inst, "")
			},
			get(ownerRepo + "/releases"),       // a draft with null name, body and archives, then a release
			get("repos/acme/nowhere/releases"), // 404
		},
		"POST /repos/{owner}/{repo}/releases": {
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				s.SeedTag("acme", "widgets", "v2.1.0", f.sha)
				return do(t, s, "POST", ownerRepo+"/releases", f.inst,
					`{"tag_name":"v2.1.0","name":"v2.1.0","body":"## Changes","draft":false,"prerelease":false}`)
			},
			post(ownerRepo+"/releases", `{"tag_name":"v2.1.0","name":"again"}`), // 422 already_exists
			func(t *testing.T, s *githubtest.Server, f fixture) result { // a draft
				s.SeedTag("acme", "widgets", "v2.2.0", f.sha)
				return do(t, s, "POST", ownerRepo+"/releases", f.inst, `{"tag_name":"v2.2.0","draft":true}`)
			},
			post(ownerRepo+"/releases", `{"tag_name":"v9.9.9"}`),               // 422: no such tag
			post(ownerRepo+"/releases", `{"name":"no tag"}`),                   // 422
			post(ownerRepo+"/releases", `{"tag_name":"v2.2.0","draft":"yes"}`), // 422
			post("repos/acme/nowhere/releases", `{"tag_name":"v1"}`),           // 404
		},
	}
}
