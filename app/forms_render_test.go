package app

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/issueops/issueops/app/form"
	issuetemplates "github.com/issueops/issueops/issue-templates"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -run %s -update rewrites it):\n--- got\n%s\n--- want\n%s", path, t.Name(), got, want)
	}
}

func shippedTemplate(t *testing.T, action string) *form.Template {
	t.Helper()
	data, err := issuetemplates.File(action)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := form.ParseTemplate(data)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// The status comments, as users see them. User text (values, headings,
// labels) only ever appears inside code spans.
func TestStatusCommentsGolden(t *testing.T) {
	deploy := shippedTemplate(t, "deploy")
	t.Run("invalid", func(t *testing.T) {
		golden(t, "status-invalid.md", renderChecked(checked{
			action: "deploy", template: deploy, file: ".github/ISSUE_TEMPLATE/deploy.yml", branch: "main",
			problems: []form.Problem{
				{Field: "Environment", Message: "`@acme/admins` is not an environment of `.github/issueops.yml` on the default branch; it declares `production`, `staging`"},
				{Field: "Version", Message: "is required"},
				{Message: "the issue carries `issueops:deploy`, `issueops:release`: one issue requests one action, so keep one of these labels"},
			},
			notes: []string{"The section `<img src=x>` matches no field of the form (was the form changed after the issue was opened?); it was not read."},
		}))
	})
	t.Run("valid", func(t *testing.T) {
		golden(t, "status-valid.md", renderChecked(checked{
			action: "deploy", template: deploy, file: ".github/ISSUE_TEMPLATE/deploy.yml", branch: "main",
			params: map[string]string{"environment": "staging", "version": "v1.4.0", "dry_run": "true"},
			sha:    "6dcb09b5b57875f334f61aebed695e2e4193db5e",
		}))
	})
	t.Run("started-edited", func(t *testing.T) {
		golden(t, "status-started-edited.md", renderStarted(Request{Action: "rollback",
			Params: map[string]string{"environment": "production", "version": ""}, SHA: "6dcb09b5b57875f334f61aebed695e2e4193db5e"}, true))
	})
}

func TestWithdrawnAndBoundedGolden(t *testing.T) {
	golden(t, "status-withdrawn.md", renderWithdrawn("deploy"))
	var st checked
	st.action, st.template = "deploy", shippedTemplate(t, "deploy")
	for range 40 {
		st.problems = append(st.problems, form.Problem{Field: "Version", Message: "is required"})
		st.notes = append(st.notes, "a note")
	}
	golden(t, "status-bounded.md", renderChecked(st))
}
