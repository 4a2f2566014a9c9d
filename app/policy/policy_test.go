package policy

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	p, err := Parse([]byte(`
environments:
  staging:    { deploy: { method: workflow, workflow: deploy.yml } }
  production:
    approvals: { required: 2 }
forms:
  prod-deploy.yml: deploy
permissions: { deploy: write }
`))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Environments, []string{"production", "staging"}) {
		t.Errorf("environments = %q", p.Environments)
	}
	if !p.HasEnvironment("staging") || p.HasEnvironment("Staging") || p.HasEnvironment("qa") {
		t.Error("HasEnvironment must match declared names exactly")
	}
	if p.Forms["prod-deploy.yml"] != "deploy" {
		t.Errorf("forms = %v", p.Forms)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ name, doc, want string }{
		{"syntax", "environments:\n  staging: [\n", "line 2: "},
		{"not a map", "environments: [a, b]\n", "line 1: cannot unmarshal"},
		{"form path", "forms:\n  ../x.yml: deploy\n", "file name"},
		{"form dir", "forms:\n  a/b.yml: deploy\n", "file name"},
		{"unknown action", "forms:\n  a.yml: deploi\n", "not an action"},
		{"empty name", "environments:\n  \"\": {}\n", "empty name"},
		{"too big", strings.Repeat("#", MaxSize+1), "more than"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.doc))
			var perr *Error
			if !errors.As(err, &perr) || !strings.HasPrefix(err.Error(), c.want) && !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("Parse = %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestParseEmpty(t *testing.T) {
	p, err := Parse(nil)
	if err != nil || len(p.Environments) != 0 || p.HasEnvironment("") {
		t.Fatalf("Parse(empty) = %+v, %v", p, err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("environments:\n  staging: {}\nforms:\n  a.yml: deploy\n"))
	f.Add([]byte("environments: &a\n  x: *a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			return
		}
		if !slices.IsSorted(p.Environments) {
			t.Fatalf("environments not sorted: %q", p.Environments)
		}
		for _, name := range p.Environments {
			if !p.HasEnvironment(name) {
				t.Fatalf("declared %q not found", name)
			}
		}
	})
}
