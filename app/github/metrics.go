package github

import (
	"net/http"
	"strconv"
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
// /repos/acme/api/issues/12/comments → /repos/{owner}/{repo}/issues/{n}/comments.
// A GitHub Enterprise prefix (/api/v3) is dropped.
func RouteTemplate(path string) string {
	path = strings.TrimPrefix(path, "/api/v3")
	parts := strings.Split(strings.Trim(path, "/"), "/")
	for i, p := range parts {
		switch {
		case i == 1 && (parts[0] == "repos" || parts[0] == "users" || parts[0] == "orgs"):
			parts[i] = "{owner}"
		case i == 2 && parts[0] == "repos":
			parts[i] = "{repo}"
		case isNumber(p):
			parts[i] = "{n}"
		}
	}
	return "/" + strings.Join(parts, "/")
}

func isNumber(s string) bool {
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil && s != ""
}
