package jiratest

import (
	"net/http"
	"slices"
	"testing"
)

func TestEditIssueFixVersions(t *testing.T) {
	s := New(t)
	s.AddIssue("OPS-1")
	v1 := s.AddVersion("OPS", "1.0")
	v2 := s.AddVersion("OPS", "2.0")
	s.AddVersion("OTHER", "3.0")
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantField  string // errors member of a 400
		want       []string
	}{
		{"add by name", `{"update":{"fixVersions":[{"add":{"name":"1.0"}}]}}`, 204, "", []string{"1.0"}},
		{"add again", `{"update":{"fixVersions":[{"add":{"name":"1.0"}}]}}`, 204, "", []string{"1.0"}},
		{"add by id", `{"update":{"fixVersions":[{"add":{"id":"` + v2.ID + `"}}]}}`, 204, "", []string{"1.0", "2.0"}},
		{"remove", `{"update":{"fixVersions":[{"remove":{"id":"` + v1.ID + `"}}]}}`, 204, "", []string{"2.0"}},
		{"set by fields", `{"fields":{"fixVersions":[{"name":"1.0"},{"name":"2.0"}]}}`, 204, "", []string{"1.0", "2.0"}},
		{"name is case-sensitive", `{"update":{"fixVersions":[{"add":{"name":"ABC"}}]}}`, 400, "fixVersions", []string{"1.0", "2.0"}},
		{"other project's version", `{"update":{"fixVersions":[{"add":{"name":"3.0"}}]}}`, 400, "fixVersions", []string{"1.0", "2.0"}},
		{"all or nothing", `{"update":{"fixVersions":[{"set":[]},{"add":{"name":"nope"}}]}}`, 400, "fixVersions", []string{"1.0", "2.0"}},
		{"remove, then fail", `{"update":{"fixVersions":[{"remove":{"name":"1.0"}},{"add":{"name":"nope"}}]}}`, 400, "fixVersions", []string{"1.0", "2.0"}},
		{"other field", `{"update":{"labels":[{"add":"x"}]}}`, 400, "labels", []string{"1.0", "2.0"}},
		{"set empty", `{"update":{"fixVersions":[{"set":[]}]}}`, 204, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := call(t, s, http.MethodPut, "/rest/api/2/issue/OPS-1", tt.body)
			if status != tt.wantStatus {
				t.Fatalf("status %d %v, want %d", status, body, tt.wantStatus)
			}
			if tt.wantField != "" && fieldError(body, tt.wantField) == "" {
				t.Errorf("body %v lacks errors.%s", body, tt.wantField)
			}
			is, _ := s.Issue("OPS-1")
			if !slices.Equal(is.FixVersions, tt.want) {
				t.Errorf("fix versions %v, want %v", is.FixVersions, tt.want)
			}
		})
	}
	status, _, body := call(t, s, http.MethodPut, "/rest/api/2/issue/OPS-404", `{"update":{}}`)
	if msgs, _ := body["errorMessages"].([]any); status != http.StatusNotFound || len(msgs) != 1 || msgs[0] != msgIssueMissing {
		t.Errorf("unknown issue: %d %v", status, body)
	}
}

func TestRemoteLinksKeyedByGlobalID(t *testing.T) {
	s := New(t)
	s.AddIssue("OPS-1")
	const path = "/rest/api/2/issue/OPS-1/remotelink"
	steps := []struct {
		body       string
		wantStatus int
		wantLinks  int
	}{
		{`{"globalId":"g1","object":{"url":"https://a","title":"A","icon":{"url16x16":"https://i","title":"I"}}}`, 201, 1},
		{`{"globalId":"g1","object":{"url":"https://b","title":"B"}}`, 200, 1},
		{`{"globalId":"g2","object":{"url":"https://c","title":"C"}}`, 201, 2},
		{`{"object":{"url":"https://d","title":"D"}}`, 201, 3},
		{`{"object":{"url":"https://d","title":"D"}}`, 201, 4},
		{`{"globalId":"g3","object":{"url":"https://e"}}`, 400, 4},
		{`{"globalId":"g3"}`, 400, 4},
	}
	var firstID any
	for i, st := range steps {
		status, _, body := call(t, s, http.MethodPost, path, st.body)
		if status != st.wantStatus {
			t.Fatalf("step %d: status %d %v, want %d", i, status, body, st.wantStatus)
		}
		if is, _ := s.Issue("OPS-1"); len(is.RemoteLinks) != st.wantLinks {
			t.Fatalf("step %d: %d links, want %d", i, len(is.RemoteLinks), st.wantLinks)
		}
		switch i {
		case 0:
			firstID = body["id"]
			if _, isNumber := firstID.(float64); !isNumber || body["self"] == nil {
				t.Errorf("created link %v: want a numeric id and self", body)
			}
		case 1:
			if body["id"] != firstID {
				t.Errorf("update answered id %v, want %v", body["id"], firstID)
			}
		}
	}
	is, _ := s.Issue("OPS-1")
	if l := is.RemoteLinks[0]; l.GlobalID != "g1" || l.URL != "https://b" || l.Title != "B" || l.IconURL != "" {
		t.Errorf("updated link %+v", l)
	}
	if status, _, _ := call(t, s, http.MethodPost, "/rest/api/2/issue/OPS-9/remotelink", steps[0].body); status != http.StatusNotFound {
		t.Errorf("unknown issue: %d, want 404", status)
	}
}

func TestFaults(t *testing.T) {
	s := New(t)
	s.AddProject("OPS")
	const path = "/rest/api/2/project/OPS/versions"
	s.FailNext(2, http.StatusTooManyRequests, "30")
	for i := range 2 {
		status, retryAfter, body := call(t, s, http.MethodGet, path, "")
		if status != http.StatusTooManyRequests || retryAfter != "30" || body["errorMessages"] == nil {
			t.Fatalf("request %d: %d Retry-After %q %v", i, status, retryAfter, body)
		}
	}
	if status, _, _ := call(t, s, http.MethodGet, path, ""); status != http.StatusOK {
		t.Fatalf("after the faults: %d", status)
	}
	s.FailNext(1, http.StatusServiceUnavailable, "")
	if status, retryAfter, _ := call(t, s, http.MethodGet, path, ""); status != 503 || retryAfter != "" {
		t.Errorf("503 fault: %d Retry-After %q", status, retryAfter)
	}
	s.Down(true)
	for range 3 {
		if status, _, _ := call(t, s, http.MethodGet, path, ""); status != http.StatusServiceUnavailable {
			t.Fatalf("down: %d", status)
		}
	}
	s.Down(false)
	if status, _, _ := call(t, s, http.MethodGet, path, ""); status != http.StatusOK {
		t.Errorf("up again: %d", status)
	}
}

func TestRequestsLog(t *testing.T) {
	s := New(t)
	s.AddIssue("OPS-1")
	var hooked []string
	s.OnRequest(func(method, path string) { hooked = append(hooked, method+" "+path) })
	s.FailNext(1, http.StatusBadGateway, "")
	body := `{"globalId":"g","object":{"url":"https://x","title":"x"}}`
	call(t, s, http.MethodPost, "/rest/api/2/issue/OPS-1/remotelink", body)
	call(t, s, http.MethodPost, "/rest/api/2/issue/OPS-1/remotelink", body)
	call(t, s, http.MethodGet, "/rest/api/2/project/OPS/versions?expand=x", "")
	want := []Request{
		{http.MethodPost, "/rest/api/2/issue/OPS-1/remotelink", "", body, http.StatusBadGateway},
		{http.MethodPost, "/rest/api/2/issue/OPS-1/remotelink", "", body, http.StatusCreated},
		{http.MethodGet, "/rest/api/2/project/OPS/versions", "expand=x", "", http.StatusOK},
	}
	if got := s.Requests(); !slices.Equal(got, want) {
		t.Errorf("requests\n%+v\nwant\n%+v", got, want)
	}
	if len(hooked) != 3 || hooked[0] != "POST /rest/api/2/issue/OPS-1/remotelink" {
		t.Errorf("hook saw %v", hooked)
	}
}
