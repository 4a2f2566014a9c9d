package githubtest

import (
	"net/http"
	"net/url"
	"strings"
)

// authKind says which credential a route takes.
type authKind int

const (
	authToken authKind = iota // installation token or static token
	authJWT                   // App JWT
	authNone                  // no credential (the manifest-code exchange)
)

// route is one served endpoint. The table below is fixed at compile time and
// never mutated.
type route struct {
	method  string
	pattern string
	name    string // method + " " + pattern
	segs    []string
	greedy  bool // the final parameter takes the rest of the path; see matchRoute
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
	// raw, when not nil, is sent as it is with contentType instead of body
	// as JSON (the bare SHA of application/vnd.github.sha). A 304 has no body.
	raw         []byte
	contentType string
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
	docGetRepo      = "https://docs.github.com/rest/repos/repos#get-a-repository"
	docGetContent   = "https://docs.github.com/rest/repos/contents#get-repository-content"
	docGetCommit    = "https://docs.github.com/rest/commits/commits#get-a-commit"
	docCompare      = "https://docs.github.com/rest/commits/commits#compare-two-commits"
	docGetIssue     = "https://docs.github.com/rest/issues/issues#get-an-issue"
	docAddLabels    = "https://docs.github.com/rest/issues/labels#add-labels-to-an-issue"
	docRemoveLabel  = "https://docs.github.com/rest/issues/labels#remove-a-label-from-an-issue"
)

// routeTable lists every endpoint. Order matters: where two patterns could
// match one path, the one with a literal segment earlier is listed first.
// Routes ending in a greedy parameter ({path}, {ref}, {basehead}) are only
// tried after every fixed-length route, wherever they are listed.
var routeTable = []*route{
	mkRoute("GET", "/app", authJWT, docGetApp, (*Server).getApp),
	mkRoute("POST", "/app/installations/{installation_id}/access_tokens", authJWT, docCreateToken, (*Server).createInstallationToken),
	mkRoute("GET", "/app/hook/deliveries", authJWT, docListHookDeliveries, (*Server).listHookDeliveries),
	mkRoute("POST", "/app/hook/deliveries/{delivery_id}/attempts", authJWT, docRedeliverHook, (*Server).redeliverHook),
	mkRoute("POST", "/app-manifests/{code}/conversions", authNone, docManifest, (*Server).createFromManifest),
	mkRoute("GET", "/user", authToken, docGetUser, (*Server).getUser),
	mkRoute("POST", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", authToken, docReactComment, (*Server).createCommentReaction),
	mkRoute("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}", authToken, docGetComment, (*Server).getComment),
	mkRoute("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", authToken, docEditComment, (*Server).updateComment),
	mkRoute("POST", "/repos/{owner}/{repo}/issues/{issue_number}/reactions", authToken, docReactIssue, (*Server).createIssueReaction),
	mkRoute("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", authToken, docNewComment, (*Server).createComment),
	mkRoute("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments", authToken, docListComments, (*Server).listComments),
	mkRoute("GET", "/repos/{owner}/{repo}/issues/{issue_number}", authToken, docGetIssue, (*Server).getIssue),
	mkRoute("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}", authToken, docUpdateIssue, (*Server).updateIssue),
	mkRoute("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels", authToken, docAddLabels, (*Server).addLabels),
	mkRoute("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", authToken, docRemoveLabel, (*Server).removeLabel),
	mkRoute("GET", "/repos/{owner}/{repo}", authToken, docGetRepo, (*Server).getRepo),
	mkRoute("GET", "/repos/{owner}/{repo}/contents/{path}", authToken, docGetContent, (*Server).getContents),
	mkRoute("GET", "/repos/{owner}/{repo}/commits/{ref}", authToken, docGetCommit, (*Server).getCommit),
	mkRoute("GET", "/repos/{owner}/{repo}/compare/{basehead}", authToken, docCompare, (*Server).compareCommits),
	mkRoute("PUT", "/repos/{owner}/{repo}/contents/{path}", authToken, docPutContent, (*Server).putContents),
	mkRoute("GET", "/repos/{owner}/{repo}/commits", authToken, docListCommits, (*Server).listCommits),
	mkRoute("GET", "/repos/{owner}/{repo}/git/matching-refs/{ref}", authToken, docMatchingRefs, (*Server).listMatchingRefs),
	mkRoute("GET", "/repos/{owner}/{repo}/git/ref/{ref}", authToken, docGetRef, (*Server).getRef),
	mkRoute("GET", "/repos/{owner}/{repo}/git/tags/{tag_sha}", authToken, docGetTag, (*Server).getTag),
	mkRoute("POST", "/repos/{owner}/{repo}/git/refs", authToken, docCreateRef, (*Server).createRef),
	mkRoute("GET", "/repos/{owner}/{repo}/releases", authToken, docListReleases, (*Server).listReleases),
	mkRoute("POST", "/repos/{owner}/{repo}/releases", authToken, docCreateRelease, (*Server).createRelease),
	mkRoute("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", authToken, docPermission, (*Server).getPermission),
	mkRoute("GET", "/orgs/{org}/teams/{team_slug}/memberships/{username}", authToken, docMembership, (*Server).getMembership),
	mkRoute("POST", "/repos/{owner}/{repo}/deployments", authToken, docCreateDeployment, (*Server).createDeployment),
	mkRoute("GET", "/repos/{owner}/{repo}/deployments", authToken, docListDeployments, (*Server).listDeployments),
	mkRoute("POST", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", authToken, docCreateStatus, (*Server).createDeploymentStatus),
	mkRoute("GET", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", authToken, docListStatuses, (*Server).listDeploymentStatuses),
	mkRoute("POST", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches", authToken, docDispatch, (*Server).dispatchWorkflow),
	mkRoute("GET", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs", authToken, docListRuns, (*Server).listWorkflowRuns),
	mkRoute("GET", "/repos/{owner}/{repo}/actions/runs/{run_id}", authToken, docGetRun, (*Server).getWorkflowRun),
	mkRoute("POST", "/repos/{owner}/{repo}/actions/runs/{run_id}/cancel", authToken, docCancelRun, (*Server).cancelWorkflowRun),
}

// greedyParams are the parameters that, as the last segment of a pattern,
// take the rest of the path, slashes included: file paths and git refs
// ("docs/a.md", "feature/x", "main...feature/x") are written unescaped in
// GitHub's paths.
var greedyParams = map[string]bool{"{path}": true, "{ref}": true, "{basehead}": true}

func mkRoute(method, pattern string, auth authKind, doc string, h func(*Server, *call) *response) *route {
	segs := strings.Split(strings.TrimPrefix(pattern, "/"), "/")
	return &route{
		method:  method,
		pattern: pattern,
		name:    method + " " + pattern,
		segs:    segs,
		greedy:  greedyParams[segs[len(segs)-1]],
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

// matchRoute finds the route for method and the request's escaped path
// (URL.EscapedPath). A known path with another method is not found, as
// GitHub answers 404 rather than 405.
//
// The path is split on "/" before each segment is unescaped, so an escaped
// "%2F" stays inside its segment and an escaped parameter such as the label
// "issueops%3Ainvalid" arrives decoded. Fixed-length routes are tried first,
// needing exactly as many segments as their pattern; then routes whose final
// parameter is greedy, which takes every remaining segment joined with "/"
// (possibly empty: "contents/" names the repository's root).
func matchRoute(method, escapedPath string) (*route, map[string]string) {
	raw := strings.Split(strings.TrimPrefix(escapedPath, "/"), "/")
	segs := make([]string, len(raw))
	for i, r := range raw {
		seg, err := url.PathUnescape(r)
		if err != nil {
			return nil, nil
		}
		segs[i] = seg
	}
	for _, greedy := range []bool{false, true} {
		for _, rt := range routeTable {
			if rt.method != method || rt.greedy != greedy {
				continue
			}
			if params, ok := rt.match(segs); ok {
				return rt, params
			}
		}
	}
	return nil, nil
}

// match matches unescaped path segments against the route's pattern.
func (rt *route) match(segs []string) (map[string]string, bool) {
	n := len(rt.segs)
	if !rt.greedy {
		if len(segs) != n {
			return nil, false
		}
		return matchSegs(rt.segs, segs)
	}
	if len(segs) < n {
		return nil, false
	}
	params, ok := matchSegs(rt.segs[:n-1], segs[:n-1])
	if !ok {
		return nil, false
	}
	if params == nil {
		params = make(map[string]string, 1)
	}
	last := rt.segs[n-1]
	params[last[1:len(last)-1]] = strings.Join(segs[n-1:], "/")
	return params, true
}

func matchSegs(pattern, segs []string) (map[string]string, bool) {
	var params map[string]string
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, false
			}
			if params == nil {
				params = make(map[string]string, 4)
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
