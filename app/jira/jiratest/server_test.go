package jiratest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// call sends one request with the default credentials and returns the
// status, the Retry-After header and the decoded JSON body (nil if none).
func call(t *testing.T, s *Server, method, path, body string) (int, string, map[string]any) {
	t.Helper()
	return callAs(t, s, method, path, body, func(r *http.Request) { r.SetBasicAuth(DefaultUser, DefaultToken) })
}

func callAs(t *testing.T, s *Server, method, path, body string, auth func(*http.Request)) (int, string, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	auth(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: body %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode, resp.Header.Get("Retry-After"), out
}

func fieldError(body map[string]any, field string) string {
	errs, _ := body["errors"].(map[string]any)
	s, _ := errs[field].(string)
	return s
}

func TestAuthentication(t *testing.T) {
	s := New(t)
	s.AddProject("OPS")
	const path = "/rest/api/2/project/OPS/versions"
	tests := []struct {
		name       string
		serverUser string
		auth       func(*http.Request)
		want       int
	}{
		{"no credentials", DefaultUser, func(*http.Request) {}, http.StatusUnauthorized},
		{"wrong token", DefaultUser, func(r *http.Request) { r.SetBasicAuth(DefaultUser, "nope") }, http.StatusUnauthorized},
		{"wrong user", DefaultUser, func(r *http.Request) { r.SetBasicAuth("someone", DefaultToken) }, http.StatusUnauthorized},
		{"basic", DefaultUser, func(r *http.Request) { r.SetBasicAuth(DefaultUser, DefaultToken) }, http.StatusOK},
		{"bearer refused in basic mode", DefaultUser, bearer(DefaultToken), http.StatusUnauthorized},
		{"bearer", "", bearer(DefaultToken), http.StatusOK},
		{"basic refused in bearer mode", "", func(r *http.Request) { r.SetBasicAuth(DefaultUser, DefaultToken) }, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.SetCredentials(tt.serverUser, DefaultToken)
			status, _, body := callAs(t, s, http.MethodGet, path, "", tt.auth)
			if status != tt.want {
				t.Fatalf("status %d, want %d", status, tt.want)
			}
			if status == http.StatusUnauthorized {
				if msgs, _ := body["errorMessages"].([]any); len(msgs) != 1 {
					t.Errorf("401 body %v: want one errorMessage", body)
				}
			}
		})
	}
}

func bearer(token string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

func TestCreateVersion(t *testing.T) {
	s := New(t)
	s.AddProject("OPS")
	status, _, body := call(t, s, http.MethodPost, "/rest/api/2/version", `{"name":"api 1.0","project":"OPS","released":false}`)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, body)
	}
	id, _ := body["id"].(string)
	if id == "" || body["self"] != s.URL()+"/rest/api/2/version/"+id || body["name"] != "api 1.0" || body["released"] != false {
		t.Errorf("created version %v", body)
	}
	if _, isNumber := body["projectId"].(float64); !isNumber {
		t.Errorf("projectId %v is not a number", body["projectId"])
	}
	tests := []struct {
		name, body, field, message string
	}{
		{"same name", `{"name":"api 1.0","project":"OPS"}`, "name", msgDuplicateName},
		{"same name but case", `{"name":"API 1.0","project":"OPS"}`, "name", msgDuplicateName},
		{"no name", `{"name":" ","project":"OPS"}`, "name", msgNoVersionName},
		{"no project", `{"name":"api 2.0"}`, "project", msgNoProject},
		{"unknown project", `{"name":"api 2.0","project":"NOPE"}`, "project", msgNoProject},
		{"bad date", `{"name":"api 2.0","project":"OPS","releaseDate":"01/02/2026"}`, "releaseDate", msgBadReleaseDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := call(t, s, http.MethodPost, "/rest/api/2/version", tt.body)
			if status != http.StatusBadRequest || fieldError(body, tt.field) != tt.message {
				t.Errorf("got %d %v, want 400 with errors.%s = %q", status, body, tt.field, tt.message)
			}
		})
	}
	if got := s.Versions("OPS"); len(got) != 1 || got[0].ID != id {
		t.Errorf("versions %+v, want only %s", got, id)
	}
}

func TestCreateVersionByProjectID(t *testing.T) {
	s := New(t)
	seed := s.AddVersion("OPS", "seed")
	for _, projectID := range []string{`"` + itoa(seed.ProjectID) + `"`, itoa(seed.ProjectID)} {
		name := "by id " + projectID
		status, _, body := call(t, s, http.MethodPost, "/rest/api/2/version", `{"name":`+quote(name)+`,"projectId":`+projectID+`}`)
		if status != http.StatusCreated {
			t.Errorf("projectId %s: %d %v", projectID, status, body)
		}
	}
	if got := len(s.Versions("OPS")); got != 3 {
		t.Errorf("%d versions, want 3", got)
	}
}

func TestListVersions(t *testing.T) {
	s := New(t)
	s.AddProject("EMPTY")
	a := s.AddVersion("OPS", "a")
	b := s.AddVersion("OPS", "b")
	s.AddVersion("OTHER", "c")
	var list []map[string]any
	getList(t, s, "/rest/api/2/project/OPS/versions", &list)
	if len(list) != 2 || list[0]["id"] != a.ID || list[1]["id"] != b.ID || list[1]["name"] != "b" {
		t.Errorf("list %v, want a then b", list)
	}
	getList(t, s, "/rest/api/2/project/EMPTY/versions", &list)
	if list == nil || len(list) != 0 {
		t.Errorf("empty project: %v, want []", list)
	}
	status, _, body := call(t, s, http.MethodGet, "/rest/api/2/project/NOPE/versions", "")
	if msgs, _ := body["errorMessages"].([]any); status != http.StatusNotFound || len(msgs) != 1 {
		t.Errorf("unknown project: %d %v", status, body)
	}
}

func getList(t *testing.T, s *Server, path string, into *[]map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL()+path, nil)
	req.SetBasicAuth(DefaultUser, DefaultToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	*into = nil
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatal(err)
	}
}

func TestReleaseVersion(t *testing.T) {
	s := New(t)
	v := s.AddVersion("OPS", "api 1.0")
	status, _, body := call(t, s, http.MethodPut, "/rest/api/2/version/"+v.ID, `{"released":true,"releaseDate":"2026-03-04"}`)
	if status != http.StatusOK || body["released"] != true || body["releaseDate"] != "2026-03-04" {
		t.Fatalf("release: %d %v", status, body)
	}
	if got := s.Versions("OPS")[0]; !got.Released || got.ReleaseDate != "2026-03-04" || got.Name != "api 1.0" {
		t.Errorf("state %+v", got)
	}
	status, _, body = call(t, s, http.MethodPut, "/rest/api/2/version/999", `{"released":true}`)
	if status != http.StatusNotFound || !strings.Contains(body["errorMessages"].([]any)[0].(string), "'999'") {
		t.Errorf("unknown id: %d %v", status, body)
	}
	status, _, _ = call(t, s, http.MethodPut, "/rest/api/2/version/"+v.ID, `{"releaseDate":"March 4"}`)
	if status != http.StatusBadRequest {
		t.Errorf("bad date: %d, want 400", status)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestConcurrentCreatesMakeOneVersion(t *testing.T) {
	s := New(t)
	s.AddProject("OPS")
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], _, _ = call(t, s, http.MethodPost, "/rest/api/2/version", `{"name":"v","project":"OPS"}`)
		}()
	}
	wg.Wait()
	created := 0
	for _, st := range statuses {
		if st == http.StatusCreated {
			created++
		} else if st != http.StatusBadRequest {
			t.Errorf("status %d", st)
		}
	}
	if created != 1 || len(s.Versions("OPS")) != 1 {
		t.Errorf("%d created, %d versions; want 1 and 1", created, len(s.Versions("OPS")))
	}
}

func TestSlowAnswersLate(t *testing.T) {
	s := New(t)
	s.AddProject("OPS")
	s.Slow(100 * time.Millisecond)
	start := time.Now()
	if status, _, _ := call(t, s, http.MethodGet, "/rest/api/2/project/OPS/versions", ""); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	if took := time.Since(start); took < 100*time.Millisecond {
		t.Errorf("answered in %s, want at least 100ms", took)
	}
	s.Slow(0)
}
