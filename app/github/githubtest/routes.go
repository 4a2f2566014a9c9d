package githubtest

import (
	"net/http"
	"strings"
)

// authKind says which credential a route takes.
type authKind int

const (
	authToken authKind = iota // installation token or static token
	authJWT                   // App JWT
)

// route is one served endpoint. The table below is fixed at compile time and
// never mutated.
type route struct {
	method  string
	pattern string
	name    string // method + " " + pattern
	segs    []string
	auth    authKind
	doc     string // GitHub's documentation_url for this endpoint
	handler func(*Server, *call) *response
}

// call is one request as handed to a route handler.
type call struct {
	r      *http.Request
	rt     *route
	params map[string]string
	body   []byte
	who    *identity
}

// response is what a handler wants written; it is built before anything is
// written so DropAfterWrite can run a handler and discard its answer.
type response struct {
	status int
	body   any
	header http.Header
}

const (
	docRoot         = "https://docs.github.com/rest"
	docGetApp       = "https://docs.github.com/rest/apps/apps#get-the-authenticated-app"
	docCreateToken  = "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app"
	docGetUser      = "https://docs.github.com/rest/users/users#get-the-authenticated-user"
	docReactComment = "https://docs.github.com/rest/reactions/reactions#create-reaction-for-an-issue-comment"
	docReactIssue   = "https://docs.github.com/rest/reactions/reactions#create-reaction-for-an-issue"
	docGetComment   = "https://docs.github.com/rest/issues/comments#get-an-issue-comment"
	docEditComment  = "https://docs.github.com/rest/issues/comments#update-an-issue-comment"
	docNewComment   = "https://docs.github.com/rest/issues/comments#create-an-issue-comment"
	docListComments = "https://docs.github.com/rest/issues/comments#list-issue-comments"
)

// routeTable lists every endpoint. Order matters: where two patterns could
// match one path, the one with a literal segment earlier is listed first.
var routeTable = []*route{
	mkRoute("GET", "/app", authJWT, docGetApp, (*Server).getApp),
	mkRoute("POST", "/app/installations/{installation_id}/access_tokens", authJWT, docCreateToken, (*Server).createInstallationToken),
	mkRoute("GET", "/user", authToken, docGetUser, (*Server).getUser),
	mkRoute("POST", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", authToken, docReactComment, (*Server).createCommentReaction),
	mkRoute("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}", authToken, docGetComment, (*Server).getComment),
	mkRoute("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", authToken, docEditComment, (*Server).updateComment),
	mkRoute("POST", "/repos/{owner}/{repo}/issues/{issue_number}/reactions", authToken, docReactIssue, (*Server).createIssueReaction),
	mkRoute("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", authToken, docNewComment, (*Server).createComment),
	mkRoute("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments", authToken, docListComments, (*Server).listComments),
}

func mkRoute(method, pattern string, auth authKind, doc string, h func(*Server, *call) *response) *route {
	return &route{
		method:  method,
		pattern: pattern,
		name:    method + " " + pattern,
		segs:    strings.Split(strings.TrimPrefix(pattern, "/"), "/"),
		auth:    auth,
		doc:     doc,
		handler: h,
	}
}

// Routes returns every route the fake serves as "METHOD /path/{param}", in
// the form used by Request.Route and Fault.Route, so tests (and the OpenAPI
// check) can enumerate them.
func Routes() []string {
	out := make([]string, len(routeTable))
	for i, rt := range routeTable {
		out[i] = rt.name
	}
	return out
}

// matchRoute finds the route for method and path. A known path with another
// method is not found, as GitHub answers 404 rather than 405.
func matchRoute(method, path string) (*route, map[string]string) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for _, rt := range routeTable {
		if rt.method != method || len(rt.segs) != len(segs) {
			continue
		}
		if params, ok := matchSegs(rt.segs, segs); ok {
			return rt, params
		}
	}
	return nil, nil
}

func matchSegs(pattern, segs []string) (map[string]string, bool) {
	var params map[string]string
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, false
			}
			if params == nil {
				params = make(map[string]string, 3)
			}
			params[p[1:len(p)-1]] = segs[i]
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return params, true
}
