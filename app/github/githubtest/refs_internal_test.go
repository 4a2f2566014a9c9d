package githubtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"unicode/utf8"
)

// refNameCases are tag names git accepts and refuses; TestValidRefName
// checks them against git itself when it is installed.
var refNameCases = map[string]bool{
	"v1.2.3": true, "release/2024-05": true, "v1.0.0-rc.1+build.7": true, "日本": true, "a#b": true, "50%": true,
	"a@b": true, "-x": true, "x-": true, "a.b.c": true, "@": true, // only a whole ref "@" is refused
	"": false, "a b": false, "a..b": false, "a~1": false, "a^": false, "a:b": false, "a?": false, "a*": false,
	"a[1]": false, `a\b`: false, "a\x7f": false, "a\tb": false, "a@{1}": false, "a/": false, "/a": false,
	"a//b": false, ".a": false, "a/.b": false, "a.": false, "a.lock": false, "a.lock/b": false,
}

func TestValidRefName(t *testing.T) {
	git, _ := exec.LookPath("git")
	for name, want := range refNameCases {
		if got := validRefName("refs/tags/" + name); got != want {
			t.Errorf("validRefName(refs/tags/%q) = %v, want %v", name, got, want)
		}
		if git == "" {
			continue
		}
		gitSays := exec.Command(git, "check-ref-format", "refs/tags/"+name).Run() == nil
		if gitSays != want {
			t.Errorf("git check-ref-format says refs/tags/%q is valid: %v; the table says %v", name, gitSays, want)
		}
	}
	for _, ref := range []string{"refs/tags/v1", "refs/heads/feature/x"} {
		if !validRefName(ref) {
			t.Errorf("%s refused", ref)
		}
	}
}

// escapeRef escapes each segment of a ref as go-github's refURLEscape does.
func escapeRef(ref string) string {
	segs := strings.Split(ref, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// FuzzTagNames creates a tag of any name through POST git/refs and reads
// it back through git/ref and git/matching-refs, escaped as go-github
// escapes it: a name git accepts is created and found under exactly that
// name; one it refuses is a 422 and creates nothing.
func FuzzTagNames(f *testing.F) {
	for name := range refNameCases {
		f.Add(name)
	}
	f.Add("a%2Fb")
	f.Add("x/y/z")
	s := New(Options{Tokens: []string{"t"}})
	defer s.Close()
	call := func(method, target, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "http://fake"+target, strings.NewReader(body))
		r.Header.Set("Authorization", "token t")
		w := httptest.NewRecorder()
		s.serveHTTP(w, r)
		return w
	}
	f.Fuzz(func(t *testing.T, name string) {
		if !utf8.ValidString(name) {
			return // JSON cannot carry it
		}
		s.Reset()
		sha := s.SeedCommit("acme", "widgets", "main", map[string]string{"a": "1"})
		body, _ := json.Marshal(map[string]string{"ref": "refs/tags/" + name, "sha": sha})
		created := call("POST", "/repos/acme/widgets/git/refs", string(body))
		valid := validRefName("refs/tags/" + name)
		if !valid {
			if created.Code != http.StatusUnprocessableEntity || len(s.Tags("acme", "widgets")) != 0 {
				t.Fatalf("invalid %q: %d %s, tags %v", name, created.Code, created.Body, s.Tags("acme", "widgets"))
			}
			return
		}
		if created.Code != http.StatusCreated {
			t.Fatalf("valid %q: %d %s", name, created.Code, created.Body)
		}
		var ref struct{ Ref string }
		got := call("GET", "/repos/acme/widgets/git/ref/tags/"+escapeRef(name), "")
		if err := json.Unmarshal(got.Body.Bytes(), &ref); err != nil || got.Code != http.StatusOK || ref.Ref != "refs/tags/"+name {
			t.Fatalf("get %q: %d %s", name, got.Code, got.Body)
		}
		var refs []struct{ Ref string }
		got = call("GET", "/repos/acme/widgets/git/matching-refs/tags/"+escapeRef(name), "")
		if err := json.Unmarshal(got.Body.Bytes(), &refs); err != nil || len(refs) != 1 || refs[0].Ref != "refs/tags/"+name {
			t.Fatalf("matching %q: %d %s", name, got.Code, got.Body)
		}
	})
}
