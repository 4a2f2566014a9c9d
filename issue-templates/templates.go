// Package issuetemplates holds the issue forms users copy into their
// repositories' .github/ISSUE_TEMPLATE/. They are embedded in the binary so
// the app can fall back to them when a repository carries an issueops label
// but not the form, and so tests load exactly the files users install: a
// label or field id that drifts from the code fails CI.
package issuetemplates

import "embed"

// FS holds release.yml, deploy.yml, rollback.yml and environment.yml.
//
//go:embed *.yml
var FS embed.FS

// Actions lists the actions that have a shipped form, each in <action>.yml
// and labelled issueops:<action>.
var Actions = []string{"release", "deploy", "rollback", "environment"}

// File returns the shipped form of action.
func File(action string) ([]byte, error) {
	return FS.ReadFile(action + ".yml")
}
