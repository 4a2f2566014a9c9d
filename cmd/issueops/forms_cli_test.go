package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	issuetemplates "github.com/issueops/issueops/issue-templates"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, func(string) string { return "" }, &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestParseCommand(t *testing.T) {
	dir := t.TempDir()
	data, _ := issuetemplates.File("environment")
	tmpl := writeFile(t, filepath.Join(dir, "environment.yml"), string(data))
	body := writeFile(t, filepath.Join(dir, "issue.md"), "### Action\r\n\r\nlock\r\n\r\n### Environment\r\n\r\nstaging\r\n\r\n"+
		"### Lock duration\r\n\r\n_No response_\r\n\r\n### Reason\r\n\r\nRelease freeze.\r\n\r\n```\r\n### not a heading\r\n```\r\n\r\n"+
		"### Dry run\r\n\r\n- [X] Only show the plan; change nothing\r\n\r\n### Extra\r\n\r\nx\r\n")
	code, stdout, stderr := runCLI(t, "parse", "--template", tmpl, "--body", body)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	want := map[string]any{"action": "lock", "environment": "staging", "ttl": "",
		"reason": "Release freeze.\n\n```\n### not a heading\n```", "dry_run": []any{"Only show the plan; change nothing"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parse printed %v\nwant %v", got, want)
	}
	if !strings.Contains(stderr, `section "Extra" matches no field`) {
		t.Errorf("the unmatched section is not reported:\n%s", stderr)
	}
}

func TestParseCommandWithoutTemplate(t *testing.T) {
	body := writeFile(t, filepath.Join(t.TempDir(), "issue.md"), "### The Name?\n\nthing\n\n### Done\n\n- [x] Yes\n- [ ] No\n")
	code, stdout, _ := runCLI(t, "parse", "--body", body)
	var got map[string]string
	if code != 0 || json.Unmarshal([]byte(stdout), &got) != nil {
		t.Fatalf("exit %d, output %s", code, stdout)
	}
	if want := map[string]string{"the_name": "thing", "done": "- [x] Yes\n- [ ] No"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// The body comes from standard input by default (run as a real process).
func TestParseCommandReadsStdin(t *testing.T) {
	data, _ := issuetemplates.File("rollback")
	tmpl := writeFile(t, filepath.Join(t.TempDir(), "rollback.yml"), string(data))
	cmd := exec.Command(os.Args[0], "parse", "--template", tmpl)
	cmd.Env = append(os.Environ(), "ISSUEOPS_TEST_MAIN=1")
	cmd.Stdin = strings.NewReader("### Environment\n\nproduction\n\n### Version\n\nNone\n\n### Reason\n\nbad\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("parse from stdin: %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil || got["environment"] != "production" || got["version"] != "" {
		t.Fatalf("parse from stdin printed %s (%v)", out, err)
	}
}

func TestParseCommandErrors(t *testing.T) {
	dir := t.TempDir()
	big := writeFile(t, filepath.Join(dir, "big.md"), strings.Repeat("x", maxBodyBytes+1))
	bad := writeFile(t, filepath.Join(dir, "bad.yml"), "body: [\n")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"parse", "--body", big}, 1, "65,536"},
		{[]string{"parse", "--template", bad, "--body", big}, 1, "65,536"},
		{[]string{"parse", "--template", filepath.Join(dir, "none.yml"), "--body", bad}, 1, "no such file"},
		{[]string{"parse", "--body", filepath.Join(dir, "none.md")}, 1, "no such file"},
		{[]string{"parse", "extra"}, 2, "unexpected argument"},
		{[]string{"parse", "--help"}, 0, "Usage: issueops parse"},
	} {
		code, _, stderr := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
}

func TestCheckCommand(t *testing.T) {
	good := t.TempDir()
	for _, action := range issuetemplates.Actions {
		data, _ := issuetemplates.File(action)
		writeFile(t, filepath.Join(good, ".github", "ISSUE_TEMPLATE", action+".yml"), string(data))
	}
	writeFile(t, filepath.Join(good, ".github", "ISSUE_TEMPLATE", "config.yml"), "blank_issues_enabled: false\n")
	writeFile(t, filepath.Join(good, ".github", "issueops.yml"), policyYAML)
	if code, stdout, stderr := runCLI(t, "check", good); code != 0 || stdout != "" || !strings.Contains(stderr, "4 forms, 0 problems") {
		t.Fatalf("check of the shipped forms: exit %d\n%s%s", code, stdout, stderr)
	}

	bad := t.TempDir()
	forms := filepath.Join(bad, ".github", "ISSUE_TEMPLATE")
	writeFile(t, filepath.Join(forms, "a.yml"), "name: A\ndescription: d\nbody:\n  - type: input\n    id: x\n    attributes:\n      label: X\n"+
		"  - type: dropdown\n    id: x\n    attributes:\n      label: Y\n      options: []\n")
	writeFile(t, filepath.Join(forms, "b.yaml"), "name: B\ndescription: d\nlabels: [\"issueops:deploy\"]\nbody:\n"+
		"  - type: input\n    id: environment\n    attributes:\n      label: Environment\n")
	writeFile(t, filepath.Join(forms, "c.yml"), "name: [\n")
	writeFile(t, filepath.Join(forms, "d.yml"), "name: D\ndescription: d\nlabels: [\"issueops:deploi\"]\nbody:\n"+
		"  - type: input\n    id: x\n    attributes:\n      label: X\n")
	writeFile(t, filepath.Join(bad, ".github", "issueops.yml"), "environments: [a]\n")
	code, stdout, stderr := runCLI(t, "check", bad)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{
		filepath.Join(forms, "a.yml") + ":9:",  // the duplicate id, at its element
		filepath.Join(forms, "a.yml") + ":12:", // no options
		filepath.Join(forms, "b.yaml") + ":1: the label issueops:deploy binds this form to the deploy action, which reads a field with id \"version\"",
		filepath.Join(forms, "c.yml") + ":2: YAML syntax error",
		filepath.Join(bad, ".github", "issueops.yml") + ":1: environments must be a mapping, not a list",
		filepath.Join(forms, "d.yml") + ":1: the label issueops:deploi names no action",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("check output lacks %q:\n%s", want, stdout)
		}
	}
	// A policy binding a form: the form needs the action's ids, and the
	// bound file must exist.
	writeFile(t, filepath.Join(bad, ".github", "issueops.yml"), "forms:\n  d.yml: rollback\n  gone.yml: deploy\n")
	_, stdout, _ = runCLI(t, "check", bad)
	for _, want := range []string{
		filepath.Join(forms, "d.yml") + ":1: the policy binds this form to the rollback action, which reads a field with id \"environment\"",
		filepath.Join(bad, ".github", "issueops.yml") + ":1: forms binds gone.yml, which is not a form of .github/ISSUE_TEMPLATE",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("check output lacks %q:\n%s", want, stdout)
		}
	}

	if code, _, stderr := runCLI(t, "check", t.TempDir()); code != 1 || !strings.Contains(stderr, "no ") {
		t.Errorf("check of a directory without forms: exit %d, %s", code, stderr)
	}
}

// The policy is read strictly: a misspelt key fails check on its line, so a
// guard cannot be switched off by a typo unnoticed.
func TestCheckCommandStrictPolicy(t *testing.T) {
	dir := t.TempDir()
	for _, action := range issuetemplates.Actions {
		data, _ := issuetemplates.File(action)
		writeFile(t, filepath.Join(dir, ".github", "ISSUE_TEMPLATE", action+".yml"), string(data))
	}
	path := writeFile(t, filepath.Join(dir, ".github", "issueops.yml"),
		"environments:\n  staging: {}\n  production:\n    aprovals: { required: 2 }\n")
	code, stdout, stderr := runCLI(t, "check", dir)
	want := path + `:4: unknown key "aprovals" in environment "production"`
	if code != 1 || !strings.Contains(stdout, want) || !strings.Contains(stdout, `did you mean "approvals"?`) ||
		strings.Count(stdout, "\n") != 1 || !strings.Contains(stderr, "1 problem") {
		t.Fatalf("check: exit %d, want 1 and %q\n%s%s", code, want, stdout, stderr)
	}

	// The design's full example passes.
	writeFile(t, path, `environments:
  staging:    { deploy: { method: workflow, workflow: deploy.yml, inputs: { env: staging } } }
  production:
    deploy:    { method: gitops, repo: acme/flux-infra, path: clusters/prod/api/release.yaml, key: spec.values.image.tag }
    approvals: { required: 2, from: ["@acme/release-managers"], self: false }
    confirm:   true
    after:     staging
    lock_group: backend
    freeze:    ["Fri 16:00-Mon 08:00 Europe/Paris"]
permissions:
  deploy: write
  rollback: write
  release: { teams: ["@acme/release-managers"] }
  unlock_others: maintain
release: { tag: "v{version}", changelog: conventional, jira: { project: OPS, version: "api {version}" } }
slack:   { channel: "#deploys", environments: { production: "#prod-changes" } }
forms:
  deploy.yml: deploy
`)
	if code, stdout, stderr := runCLI(t, "check", dir); code != 0 || stdout != "" {
		t.Fatalf("check of the design's example: exit %d\n%s%s", code, stdout, stderr)
	}

	// A problem found by a check across the file (a promotion order naming
	// no environment) is on its line too.
	writeFile(t, path, "environments:\n  production:\n    after: stagign\n  staging: {}\n")
	if code, stdout, _ := runCLI(t, "check", dir); code != 1 || !strings.Contains(stdout, path+`:3: after of environment "production" names "stagign"`) {
		t.Fatalf("check: exit %d\n%s", code, stdout)
	}
}
