package issuetemplates_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/form"
	issuetemplates "github.com/issueops/issueops/issue-templates"
)

// The shipped forms are valid issue forms, carry the label that binds them
// to their action, and have every field id the action reads: a form that
// drifts from the code fails here.
func TestShippedForms(t *testing.T) {
	files, err := filepath.Glob("*.yml")
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, f := range files {
		actions = append(actions, f[:len(f)-len(".yml")])
	}
	slices.Sort(actions)
	want := slices.Sorted(slices.Values(issuetemplates.Actions))
	if !slices.Equal(actions, want) {
		t.Fatalf("forms on disk %q, Actions %q: keep them in step", actions, want)
	}
	for _, action := range issuetemplates.Actions {
		t.Run(action, func(t *testing.T) {
			data, err := issuetemplates.File(action)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range form.Check(data) {
				t.Errorf("%s.yml:%d: %s", action, p.Line, p.Message)
			}
			tmpl, err := form.ParseTemplate(data)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(tmpl.Labels, app.ActionLabelPrefix+action) {
				t.Errorf("labels %q lack %s%s", tmpl.Labels, app.ActionLabelPrefix, action)
			}
			ids := map[string]form.Field{}
			for _, f := range tmpl.Fields {
				ids[f.ID] = f
			}
			for _, id := range append(app.RequiredFields[action], app.FieldDryRun) {
				if _, ok := ids[id]; !ok {
					t.Errorf("no field with id %q, which the %s action reads", id, action)
				}
			}
			if f := ids[app.FieldDryRun]; f.Type != form.Checkboxes || len(f.Options) != 1 {
				t.Errorf("dry_run must be one checkbox, is %+v", f)
			}
		})
	}
	if got := optionLabels(t, "environment.yml", app.FieldAction); !slices.Equal(got, app.EnvironmentActions) {
		t.Errorf("environment.yml action options %q, want %q", got, app.EnvironmentActions)
	}
}

func optionLabels(t *testing.T, file, id string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := form.ParseTemplate(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range tmpl.Fields {
		if f.ID == id {
			var out []string
			for _, o := range f.Options {
				out = append(out, o.Label)
			}
			return out
		}
	}
	return nil
}

// The project's own issue forms are valid too.
func TestProjectForms(t *testing.T) {
	files, err := filepath.Glob("../.github/ISSUE_TEMPLATE/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no project forms: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range form.Check(data) {
			t.Errorf("%s:%d: %s", f, p.Line, p.Message)
		}
	}
}
