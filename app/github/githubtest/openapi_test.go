package githubtest_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/issueops/issueops/app/github/githubtest"
)

// openAPI is the part of GitHub's OpenAPI description the check reads.
type openAPI struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas   map[string]map[string]any `json:"schemas"`
		Responses map[string]map[string]any `json:"responses"`
	} `json:"components"`
}

type operation struct {
	Responses map[string]map[string]any `json:"responses"`
}

// exercise sends one request to a route and returns the response; the
// table must cover every route, so a new route cannot skip the check.
type exercise func(t *testing.T, s *githubtest.Server, fx fixture) result

type fixture struct {
	inst, user string
	commentID  int64
	sha        string // head of acme/widgets main
}

// seedFixture seeds what the exercises of the repository, contents,
// commits, issue and label routes read: acme/widgets with commits on main
// and feature/x, a tag, issues 1 and 2; acme/empty without commits.
func seedFixture(s *githubtest.Server) string {
	s.SeedRepo("acme", "widgets", "main")
	sha := s.SeedCommit("acme", "widgets", "main", map[string]string{
		"README.md":           "# Widgets\n",
		"docs/guide/intro.md": "Hello, widgets.\n",
		"docs/a b.md":         "spaced\n",
	})
	s.SeedCommit("acme", "widgets", "feature/x", map[string]string{"src/main.go": "package main\n", "README.md": ""})
	s.SeedTag("acme", "widgets", "v1.0.0", sha)
	s.SeedIssue("acme", "widgets", githubtest.Issue{Number: 1, Title: "Deploy", Body: "please", Labels: []string{"bug", "issueops:invalid"}})
	s.SeedIssue("acme", "widgets", githubtest.Issue{Number: 2, Title: "Old", State: "closed", UserLogin: "alice"})
	s.SeedRepo("acme", "empty", "")
	return sha
}

// shaAccept is the media type go-github's GetCommitSHA1 asks for.
var shaAccept = map[string]string{"Accept": "application/vnd.github.v3.sha"}

func routeExercises() map[string][]exercise {
	var usedCode string // a manifest code exchanged once, then again
	return map[string][]exercise{
		"GET /app": {
			func(t *testing.T, s *githubtest.Server, _ fixture) result {
				return do(t, s, "GET", "app", "Bearer "+appJWT(t), "")
			},
		},
		"POST /app/installations/{installation_id}/access_tokens": {
			func(t *testing.T, s *githubtest.Server, _ fixture) result {
				return do(t, s, "POST", "app/installations/777/access_tokens", "Bearer "+appJWT(t), "")
			},
		},
		"GET /app/hook/deliveries": {
			func(t *testing.T, s *githubtest.Server, _ fixture) result { // first page of 1: Link with a cursor
				seedHookAttempts(t, s)
				return do(t, s, "GET", "app/hook/deliveries?per_page=1", "Bearer "+appJWT(t), "")
			},
			func(t *testing.T, s *githubtest.Server, _ fixture) result { // the page at a cursor, failures only
				return do(t, s, "GET", "app/hook/deliveries?status=failure&cursor=v1_"+strconv.FormatInt(s.HookAttempts()[0].ID, 10),
					"Bearer "+appJWT(t), "")
			},
			func(t *testing.T, s *githubtest.Server, _ fixture) result { // 400
				return do(t, s, "GET", "app/hook/deliveries?cursor=nonsense", "Bearer "+appJWT(t), "")
			},
			func(t *testing.T, s *githubtest.Server, _ fixture) result { // 422
				return do(t, s, "GET", "app/hook/deliveries?status=maybe", "Bearer "+appJWT(t), "")
			},
		},
		"POST /app/hook/deliveries/{delivery_id}/attempts": {
			func(t *testing.T, s *githubtest.Server, _ fixture) result {
				failed := seedHookAttempts(t, s)
				return do(t, s, "POST", fmt.Sprintf("app/hook/deliveries/%d/attempts", failed), "Bearer "+appJWT(t), "")
			},
			func(t *testing.T, s *githubtest.Server, _ fixture) result { // no webhook URL: 422
				failed := seedHookAttempts(t, s)
				s.SetWebhook("", "")
				return do(t, s, "POST", fmt.Sprintf("app/hook/deliveries/%d/attempts", failed), "Bearer "+appJWT(t), "")
			},
		},
		"POST /app-manifests/{code}/conversions": {
			func(t *testing.T, s *githubtest.Server, _ fixture) result {
				usedCode = mintManifestCode(t, s, "")
				return do(t, s, "POST", "app-manifests/"+usedCode+"/conversions", "", "")
			},
			func(t *testing.T, s *githubtest.Server, _ fixture) result { // used: 404
				return do(t, s, "POST", "app-manifests/"+usedCode+"/conversions", "", "")
			},
			func(t *testing.T, s *githubtest.Server, _ fixture) result {
				return do(t, s, "POST", "app-manifests/"+mintManifestCode(t, s, "acme")+"/conversions", "", "")
			},
			func(t *testing.T, s *githubtest.Server, _ fixture) result { // unknown: 404
				return do(t, s, "POST", "app-manifests/0123abcd/conversions", "", "")
			},
		},
		"GET /user": {
			func(t *testing.T, s *githubtest.Server, f fixture) result { return do(t, s, "GET", "user", f.user, "") },
			func(t *testing.T, s *githubtest.Server, f fixture) result { return do(t, s, "GET", "user", f.inst, "") },
		},
		"POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions": {
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				return do(t, s, "POST", fmt.Sprintf("%s/issues/comments/%d/reactions", ownerRepo, f.commentID), f.inst, `{"content":"eyes"}`)
			},
			func(t *testing.T, s *githubtest.Server, f fixture) result { // repeat: 200
				return do(t, s, "POST", fmt.Sprintf("%s/issues/comments/%d/reactions", ownerRepo, f.commentID), f.inst, `{"content":"eyes"}`)
			},
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				return do(t, s, "POST", fmt.Sprintf("%s/issues/comments/%d/reactions", ownerRepo, f.commentID), f.inst, `{"content":"x"}`)
			},
		},
		"GET /repos/{owner}/{repo}/issues/comments/{comment_id}": {
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				return do(t, s, "GET", fmt.Sprintf("%s/issues/comments/%d", ownerRepo, f.commentID), f.inst, "")
			},
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				return do(t, s, "GET", ownerRepo+"/issues/comments/1", f.inst, "")
			},
		},
		"PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}": {
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				return do(t, s, "PATCH", fmt.Sprintf("%s/issues/comments/%d", ownerRepo, f.commentID), f.inst, `{"body":"edited"}`)
			},
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				return do(t, s, "PATCH", fmt.Sprintf("%s/issues/comments/%d", ownerRepo, f.commentID), f.inst, `{}`)
			},
		},
		"POST /repos/{owner}/{repo}/issues/{issue_number}/reactions": {
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				return do(t, s, "POST", ownerRepo+"/issues/1/reactions", f.inst, `{"content":"rocket"}`)
			},
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				return do(t, s, "POST", ownerRepo+"/issues/1/reactions", f.inst, `{"content":"rocket"}`)
			},
		},
		"POST /repos/{owner}/{repo}/issues/{issue_number}/comments": {
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				return do(t, s, "POST", ownerRepo+"/issues/1/comments", f.inst, `{"body":"new"}`)
			},
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				return do(t, s, "POST", ownerRepo+"/issues/1/comments", f.inst, `{}`)
			},
		},
		"GET /repos/{owner}/{repo}/issues/{issue_number}/comments": {
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				return do(t, s, "GET", ownerRepo+"/issues/1/comments?per_page=1", f.inst, "")
			},
		},
		"GET /repos/{owner}/{repo}/issues/{issue_number}": {
			get(ownerRepo + "/issues/1"),       // open, labels, comments and reactions
			get(ownerRepo + "/issues/2"),       // closed
			get(ownerRepo + "/issues/99"),      // 404
			get("repos/acme/nowhere/issues/1"), // 404
		},
		"POST /repos/{owner}/{repo}/issues/{issue_number}/labels": {
			post(ownerRepo+"/issues/1/labels", `{"labels":["bug","issueops:new"]}`),
			post(ownerRepo+"/issues/1/labels", `["issueops:new",{"name":"question"}]`), // go-github's bare array
			post(ownerRepo+"/issues/99/labels", `{"labels":["bug"]}`),                  // 404
			post(ownerRepo+"/issues/1/labels", `{"labels":[]}`),                        // 422
		},
		"DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}": {
			del(ownerRepo + "/issues/1/labels/issueops%3Ainvalid"),
			del(ownerRepo + "/issues/1/labels/issueops%3Ainvalid"), // 404 Label does not exist
			del(ownerRepo + "/issues/99/labels/bug"),               // 404
		},
		"GET /repos/{owner}/{repo}": {
			get(ownerRepo),
			get("repos/acme/nowhere"), // 404
		},
		"GET /repos/{owner}/{repo}/contents/{path}": {
			get(ownerRepo + "/contents/docs/guide/intro.md"),
			get(ownerRepo + "/contents/docs"),                      // directory
			get(ownerRepo + "/contents/"),                          // root
			get(ownerRepo + "/contents/src/main.go?ref=feature/x"), // branch with a slash
			get(ownerRepo + "/contents/README.md?ref=v1.0.0"),      // tag
			get(ownerRepo + "/contents/README.md?ref=feature/x"),   // deleted there: 404
			get(ownerRepo + "/contents/README.md?ref=nope"),        // 404
			get("repos/acme/empty/contents/README.md"),             // 404
		},
		"GET /repos/{owner}/{repo}/commits/{ref}": {
			get(ownerRepo + "/commits/main"),
			get(ownerRepo + "/commits/feature/x"),
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				return doWith(t, s, "GET", ownerRepo+"/commits/"+f.sha[:7], f.inst, "", shaAccept)
			},
			get(ownerRepo + "/commits/nope"),       // 422
			get("repos/acme/empty/commits/main"),   // 409
			get("repos/acme/nowhere/commits/main"), // 404
		},
		"GET /repos/{owner}/{repo}/compare/{basehead}": {
			get(ownerRepo + "/compare/main...feature/x"),           // ahead, slash in head
			get(ownerRepo + "/compare/feature%2Fx...v1.0.0"),       // behind, escaped as go-github does
			get(ownerRepo + "/compare/v1.0.0...main"),              // identical
			get(ownerRepo + "/compare/main..feature/x?per_page=1"), // two dots, paged
			func(t *testing.T, s *githubtest.Server, f fixture) result { // diverged, SHA prefix
				s.SeedCommit("acme", "forked", "main", map[string]string{"a": "1"})
				s.SeedCommit("acme", "forked", "topic", map[string]string{"b": "1"})
				s.SeedCommit("acme", "forked", "main", map[string]string{"a": "2"})
				return do(t, s, "GET", "repos/acme/forked/compare/main...topic", f.inst, "")
			},
			get(ownerRepo + "/compare/main...nope"),       // 404
			get(ownerRepo + "/compare/main"),              // 404: no separator
			get("repos/acme/empty/compare/main...main"),   // 404
			get("repos/acme/nowhere/compare/main...main"), // 404
		},
		"PATCH /repos/{owner}/{repo}/issues/{issue_number}": {
			patch(ownerRepo+"/issues/2", `{"state":"open"}`),                                // reopened
			patch(ownerRepo+"/issues/2", `{"state":"closed","state_reason":"not_planned"}`), // closed again
			patch(ownerRepo+"/issues/2", `{"state":"closed"}`),                              // already closed: 200
			patch(ownerRepo+"/issues/99", `{"state":"closed"}`),                             // 404
			patch(ownerRepo+"/issues/2", `{"state":"shut"}`),                                // 422
		},
	}
}

// get, post and del build exercises of one request with the installation
// token.
func get(path string) exercise { return req("GET", path, "") }

func post(path, body string) exercise { return req("POST", path, body) }

func del(path string) exercise { return req("DELETE", path, "") }

func put(path, body string) exercise { return req("PUT", path, body) }

func patch(path, body string) exercise { return req("PATCH", path, body) }

func req(method, path, body string) exercise {
	return func(t *testing.T, s *githubtest.Server, f fixture) result {
		return do(t, s, method, path, f.inst, body)
	}
}

// documentedMedia maps an Accept media type onto the key GitHub's
// description lists it under: "application/vnd.github.v3.sha" is
// documented as "application/vnd.github.sha".
func documentedMedia(accept string) string {
	mt, _, _ := strings.Cut(accept, ";")
	mt = strings.TrimSpace(mt)
	if rest, ok := strings.CutPrefix(mt, "application/vnd.github."); ok {
		if _, format, ok := strings.Cut(rest, "."); ok {
			return "application/vnd.github." + format
		}
	}
	return mt
}

// TestRoutesExistInOpenAPI checks the fake against GitHub's own OpenAPI
// description (the @octokit/openapi package's generated/api.github.com.json,
// named by ISSUEOPS_OPENAPI_JSON): every route exists with its method, is
// exercised at least once with a success (2xx) status, every status the fake
// answers is documented for it, and each body has the documented required
// fields, types and enum values, for JSON and for other media types asked
// for with Accept (such as the bare SHA).
func TestRoutesExistInOpenAPI(t *testing.T) {
	file := os.Getenv("ISSUEOPS_OPENAPI_JSON")
	if file == "" {
		t.Skip("ISSUEOPS_OPENAPI_JSON not set (point it at @octokit/openapi's generated/api.github.com.json)")
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var spec openAPI
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	// The checker must catch a broken body, or a pass means nothing.
	broken := map[string]any{"node_id": 5, "user": nil, "author_association": "BOSS"}
	if p := spec.check(map[string]any{"$ref": "#/components/schemas/issue-comment"}, broken, "$", 0); len(p) < 4 {
		t.Fatalf("schema checker missed problems in a broken comment: %v", p)
	}

	s := newServer(t)
	fx := fixture{inst: installToken(t, s), user: "token " + staticToken}
	fx.commentID = s.SeedComment("acme", "widgets", 1, "alice", "hello").ID
	fx.sha = seedFixture(s)
	exercises := routeExercises()
	maps.Copy(exercises, operationExercises())
	maps.Copy(exercises, releaseExercises())

	for _, name := range githubtest.Routes() {
		t.Run(name, func(t *testing.T) {
			method, pattern, _ := strings.Cut(name, " ")
			opRaw, ok := spec.Paths[pattern][strings.ToLower(method)]
			if !ok {
				t.Fatalf("%s %s is not in the OpenAPI paths", method, pattern)
			}
			var op operation
			if err := json.Unmarshal(opRaw, &op); err != nil {
				t.Fatal(err)
			}
			exs := exercises[name]
			if len(exs) == 0 {
				t.Fatalf("no exercise for route %s", name)
			}
			succeeded := false
			for i, ex := range exs {
				r := ex(t, s, fx)
				succeeded = succeeded || r.status/100 == 2
				code := strconv.Itoa(r.status)
				t.Logf("exercise %d: %s", i, code)
				resp, ok := op.Responses[code]
				if !ok {
					t.Errorf("exercise %d: status %s not documented (documented: %v)", i, code, slices.Sorted(maps.Keys(op.Responses)))
					continue
				}
				media := "application/json"
				if r.accept != "" && !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
					media = documentedMedia(r.accept)
				}
				schema := spec.responseSchema(resp, media)
				if schema == nil {
					if media != "application/json" {
						t.Errorf("exercise %d: %s answered with %s, not documented for it", i, code, media)
					}
					continue
				}
				var body any = string(r.body)
				if media == "application/json" {
					if err := json.Unmarshal(r.body, &body); err != nil {
						t.Fatalf("exercise %d: body %q: %v", i, r.body, err)
					}
				}
				for _, problem := range spec.check(schema, body, "$", 0) {
					t.Errorf("exercise %d (%s): %s", i, code, problem)
				}
			}
			if !succeeded {
				t.Errorf("no exercise of %s succeeded", name)
			}
		})
	}
}

// responseSchema returns the schema a response object documents for a media
// type, following a $ref into components/responses.
func (o *openAPI) responseSchema(resp map[string]any, mediaType string) map[string]any {
	if ref, ok := resp["$ref"].(string); ok {
		resp = o.Components.Responses[strings.TrimPrefix(ref, "#/components/responses/")]
	}
	content, _ := resp["content"].(map[string]any)
	media, _ := content[mediaType].(map[string]any)
	schema, _ := media["schema"].(map[string]any)
	return schema
}

func (o *openAPI) resolve(schema map[string]any) map[string]any {
	for {
		ref, ok := schema["$ref"].(string)
		if !ok {
			return schema
		}
		schema = o.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
	}
}

// check validates v against schema: required properties, JSON types and
// string enums, recursively. It returns one line per problem.
func (o *openAPI) check(schema map[string]any, v any, at string, depth int) []string {
	schema = o.resolve(schema)
	if depth > 8 || schema == nil {
		return nil
	}
	if v == nil {
		if schema["nullable"] == true || len(schema) == 0 {
			return nil
		}
		// Nullable is often declared on a oneOf/anyOf alternative.
		if _, ok := schema["anyOf"]; !ok {
			if _, ok := schema["oneOf"]; !ok {
				return []string{at + ": null but not nullable"}
			}
		}
	}
	var problems []string
	for _, key := range []string{"anyOf", "oneOf"} {
		alts, ok := schema[key].([]any)
		if !ok {
			continue
		}
		var best []string
		for i, alt := range alts {
			p := o.check(alt.(map[string]any), v, at, depth+1)
			if len(p) == 0 {
				best = nil
				break
			}
			if i == 0 || len(p) < len(best) {
				best = p
			}
		}
		problems = append(problems, best...)
	}
	if all, ok := schema["allOf"].([]any); ok {
		for _, sub := range all {
			problems = append(problems, o.check(sub.(map[string]any), v, at, depth+1)...)
		}
	}
	if v == nil {
		return problems
	}
	switch schema["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return append(problems, fmt.Sprintf("%s: want object, got %T", at, v))
		}
		for _, r := range asSlice(schema["required"]) {
			if _, ok := m[r.(string)]; !ok {
				problems = append(problems, fmt.Sprintf("%s: missing required %q", at, r))
			}
		}
		props, _ := schema["properties"].(map[string]any)
		for k, pv := range m {
			if ps, ok := props[k].(map[string]any); ok {
				problems = append(problems, o.check(ps, pv, at+"."+k, depth+1)...)
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return append(problems, fmt.Sprintf("%s: want array, got %T", at, v))
		}
		items, _ := schema["items"].(map[string]any)
		for i, e := range a {
			problems = append(problems, o.check(items, e, fmt.Sprintf("%s[%d]", at, i), depth+1)...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return append(problems, fmt.Sprintf("%s: want string, got %T", at, v))
		}
		if enum := asSlice(schema["enum"]); len(enum) > 0 && !slices.Contains(enum, any(str)) {
			problems = append(problems, fmt.Sprintf("%s: %q not in enum %v", at, str, enum))
		}
	case "integer":
		if f, ok := v.(float64); !ok || f != math.Trunc(f) {
			problems = append(problems, fmt.Sprintf("%s: want integer, got %v", at, v))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			problems = append(problems, fmt.Sprintf("%s: want boolean, got %T", at, v))
		}
	}
	return problems
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}
