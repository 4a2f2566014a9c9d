package githubtest

import (
	"net/http"
	"net/url"
	"strconv"
)

// GitHub's page-number pagination: per_page defaults to 30 and is capped at
// 100; pages count from 1.
const (
	defaultPerPage = 30
	maxPerPage     = 100
)

// pageParams reads per_page and page as GitHub does: anything unusable
// falls back to the default.
func pageParams(q url.Values) (perPage, page int) {
	perPage, page = defaultPerPage, 1
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		perPage = min(n, maxPerPage)
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		page = n
	}
	return perPage, page
}

// pageOf returns the page'th page of perPage items of all (empty past the
// end) and the number of the last page.
func pageOf[T any](all []T, perPage, page int) (items []T, lastPage int) {
	total := len(all)
	lastPage = (total + perPage - 1) / perPage
	// page <= total also keeps (page-1)*perPage from overflowing.
	if start := (page - 1) * perPage; page <= total && start < total {
		return all[start:min(start+perPage, total)], lastPage
	}
	return all[:0:0], lastPage
}

// paged answers 200 with one page of a list and GitHub's Link header.
func (s *Server) paged(c *call, body any, page, lastPage int) *response {
	resp := &response{status: http.StatusOK, body: body}
	if link := s.linkHeader(c.r.URL, page, lastPage); link != "" {
		resp.header = http.Header{"Link": {link}}
	}
	return resp
}

// invalidRequest is GitHub's 422 for a body that breaks the endpoint's
// schema, e.g. `Invalid request.\n\n"ref" wasn't supplied.`.
func invalidRequest(doc, detail string) *response {
	return errorResponse(http.StatusUnprocessableEntity, "Invalid request.\n\n"+detail, doc)
}
