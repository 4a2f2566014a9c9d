package github

import (
	"net/http"
	"strings"
)

// metricsTransport counts every request by route template and status.
type metricsTransport struct {
	next    http.RoundTripper
	metrics RequestMetrics
}

func (t *metricsTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if t.metrics != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.metrics.GitHubRequest(req.Method+" "+RouteTemplate(req.URL.Path), status)
	}
	return resp, err
}

// RouteTemplate turns a request path into GitHub's route template, so the
// metric has one series per endpoint, not per repository or issue:
// /repos/acme/api/issues/12/comments → /repos/{owner}/{repo}/issues/{n}/comments,
// and logins in permission and membership lookups → {username}.
// A GitHub Enterprise prefix (/api/v3) is dropped.
func RouteTemplate(path string) string {
	if rest, ok := strings.CutPrefix(path, "/api/v3"); ok && (rest == "" || rest[0] == '/') {
		path = rest
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	for i, p := range parts {
		switch {
		case i == 1 && (parts[0] == "repos" || parts[0] == "users" || parts[0] == "orgs"):
			parts[i] = "{owner}"
		case i == 2 && parts[0] == "repos":
			parts[i] = "{repo}"
		case i > 2 && (parts[i-1] == "collaborators" || parts[i-1] == "memberships"):
			// A login: one series per person would grow without bound.
			parts[i] = "{username}"
		case isNumber(p):
			parts[i] = "{n}"
		}
	}
	return "/" + strings.Join(parts, "/")
}

// isNumber reports whether s is all ASCII digits, however many: an id too
// large for a uint64 is still an id.
func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
