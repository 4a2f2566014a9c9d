package app

import (
	"fmt"
	"strings"

	"github.com/issueops/issueops/app/policy"
)

// maxPlanChangelog bounds the changelog a dry run shows, well inside
// GitHub's 65,536 characters a comment.
const maxPlanChangelog = 40000

// renderReleaseLines are a release's lines of its status comment: the
// version, changelog, tag, release and Jira, each as far as it got.
func renderReleaseLines(b *strings.Builder, op Operation) {
	p := readProgress(op)
	rp := p.Release
	if rp == nil {
		rp = &releaseProgress{}
	}
	fmt.Fprintf(b, "- Version %s, tag %s at commit %s\n", codeSpan(op.Ref), codeSpan(op.Params[paramTag]), codeSpan(op.SHA))
	since := "the first release"
	if prev := op.Params[paramPrevious]; prev != "" {
		since = "since " + codeSpan(prev)
	}
	summary := rp.Summary
	if rp.CompareURL != "" {
		summary += " ([compare](" + rp.CompareURL + "))"
	}
	fmt.Fprintf(b, "- Changelog (%s): %s\n", since, summary)
	fmt.Fprintf(b, "- Requested by %s (operation %d)\n", codeSpan(op.Requester), op.ID)
	switch {
	case rp.ReleaseURL != "":
		fmt.Fprintf(b, "- [x] Tag %s\n- [x] GitHub release: %s\n", codeSpan(op.Params[paramTag]), rp.ReleaseURL)
	case rp.Tagged:
		fmt.Fprintf(b, "- [x] Tag %s\n- [ ] GitHub release\n", codeSpan(op.Params[paramTag]))
	default:
		fmt.Fprintf(b, "- [ ] Tag %s\n- [ ] GitHub release\n", codeSpan(op.Params[paramTag]))
	}
	if rp.Jira != nil {
		b.WriteString(jiraLine(rp.Jira) + "\n")
	}
}

// jiraLine is the Jira step's line of a release's status comment.
func jiraLine(j *jiraProgress) string {
	if j.Skipped != "" {
		return "- Jira: skipped: " + j.Skipped
	}
	version := codeSpan(j.Version)
	if j.VersionURL != "" {
		version = fmt.Sprintf("%s ([Jira](%s))", version, j.VersionURL)
	}
	var line string
	switch {
	case j.Finished:
		line = fmt.Sprintf("- [x] Jira fix version %s: %d issues", version, len(j.Done))
	case j.Failed != "":
		line = fmt.Sprintf("- [ ] Jira fix version %s: failed: %s", version, j.Failed)
	case j.Waiting:
		line = fmt.Sprintf("- [ ] Jira fix version %s: pending: Jira did not answer; retrying with backoff", version)
	default:
		line = fmt.Sprintf("- [ ] Jira fix version %s: pending", version)
	}
	if len(j.Done) > 0 {
		line += " (" + codeSpanList(j.Done, 20) + ")"
	}
	if len(j.Missing) > 0 {
		line += "; not found in Jira: " + codeSpanList(j.Missing, 20)
	}
	if len(j.Refused) > 0 {
		line += "; refused by Jira: " + codeSpanList(j.Refused, 20)
	}
	if len(j.Elsewhere) > 0 {
		line += "; in other projects, left alone: " + codeSpanList(j.Elsewhere, 20)
	}
	return line
}

// renderReleasePlan is the reply to /release --dry-run.
func renderReleasePlan(prefix string, pol *policy.Policy, op Operation, plan releasePlan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### 📝 Dry run: %s\n\nNothing was changed. The plan:\n\n", describe(op))
	how := "as asked"
	if plan.bump != "" {
		how = fmt.Sprintf("a %s bump, from the commits", plan.bump)
	}
	fmt.Fprintf(&b, "- Version %s (%s), tag %s at commit %s\n", codeSpan(op.Ref), how, codeSpan(plan.tag), codeSpan(plan.sha))
	if plan.previous == "" {
		b.WriteString("- Previous release: none, this is the first\n")
	} else {
		fmt.Fprintf(&b, "- Previous release: %s\n", codeSpan(plan.previous))
	}
	fmt.Fprintf(&b, "- Changelog: %s\n", plan.changelog.Summary())
	var flags []string
	if pol.Release.Draft {
		flags = append(flags, "a draft")
	}
	if pol.Release.Prerelease || strings.Contains(op.Ref, "-") {
		flags = append(flags, "a prerelease")
	}
	if len(flags) > 0 {
		fmt.Fprintf(&b, "- The GitHub release will be %s\n", strings.Join(flags, " and "))
	}
	if j := pol.Release.Jira; j != nil {
		fmt.Fprintf(&b, "- Jira: fix version %s in %s", codeSpan(strings.ReplaceAll(j.Version, "{version}", op.Ref)), codeSpan(j.Project))
		if keys := plan.changelog.JiraKeys; len(keys) > 0 {
			fmt.Fprintf(&b, " on %s", codeSpanList(keys, 30))
		}
		b.WriteString("\n")
	}
	body := readProgress(op).Release.Body
	if len(body) > maxPlanChangelog {
		cut := strings.LastIndexByte(body[:maxPlanChangelog], '\n')
		body = body[:max(cut, 0)] + "\n\n… (the dry run shows the start of the changelog only)"
	}
	fmt.Fprintf(&b, "\n<details><summary>Changelog</summary>\n\n%s\n\n</details>\n\n%s runs it.", body,
		codeSpan(strings.TrimSpace(prefix+"release "+op.Ref)))
	return b.String()
}
