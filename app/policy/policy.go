// Package policy reads a repository's .github/issueops.yml. It is pure: the
// caller fetches the file from the default branch (a pull request cannot
// loosen its own policy) and hands the bytes here.
//
// Today it reads what issue forms need: the environment names and the
// templates bound to actions. The rest of the schema (deploy methods,
// approvals, permissions, release and Slack settings) is accepted unread.
package policy

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	issuetemplates "github.com/issueops/issueops/issue-templates"
)

// Path is where the policy lives in a repository.
const Path = ".github/issueops.yml"

// MaxSize caps the policy file; a bigger one is refused, not truncated.
const MaxSize = 1 << 20

// Policy is a repository's issueops configuration.
type Policy struct {
	// Environments are the names the repository declares, sorted.
	Environments []string
	// Forms binds issue-form files of .github/ISSUE_TEMPLATE/ to actions
	// (file name → action), for forms that do not carry the issueops:<action>
	// label.
	Forms map[string]string
}

type document struct {
	Environments map[string]yaml.Node `yaml:"environments"`
	Forms        map[string]string    `yaml:"forms"`
}

// Error is a problem in the policy file, on Line when it is known (else 0).
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// yamlLine finds the line in yaml.v3's messages ("yaml: line 3: …" for
// syntax, "line 3: …" in a TypeError's list).
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// Parse reads a policy file. An empty file is an empty policy. A problem is
// an *Error, on its line where YAML gives one.
func Parse(data []byte) (*Policy, error) {
	if len(data) > MaxSize {
		return nil, &Error{Msg: fmt.Sprintf("the file is %d bytes, more than the %d allowed", len(data), MaxSize)}
	}
	var doc document
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(err)
	}
	p := &Policy{Forms: map[string]string{}}
	for name := range doc.Environments {
		if strings.TrimSpace(name) == "" {
			return nil, &Error{Msg: "an environment has an empty name"}
		}
		p.Environments = append(p.Environments, name)
	}
	slices.Sort(p.Environments)
	for file, action := range doc.Forms {
		if strings.ContainsAny(file, "/\\") || strings.HasPrefix(file, ".") {
			return nil, &Error{Msg: fmt.Sprintf("forms: %q must be a file name in .github/ISSUE_TEMPLATE/", file)}
		}
		if !slices.Contains(issuetemplates.Actions, action) {
			return nil, &Error{Msg: fmt.Sprintf("forms: %q binds %q, which is not an action (%s)",
				file, action, strings.Join(issuetemplates.Actions, ", "))}
		}
		p.Forms[file] = action
	}
	return p, nil
}

// yamlError turns yaml.v3's error into one *Error: the first problem, on
// one line.
func yamlError(err error) *Error {
	msg := err.Error()
	var typeErr *yaml.TypeError
	if errors.As(err, &typeErr) && len(typeErr.Errors) > 0 {
		msg = typeErr.Errors[0]
	}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{Line: line, Msg: m[2]}
	}
	return &Error{Msg: strings.TrimPrefix(msg, "yaml: ")}
}

// HasEnvironment reports whether name is a declared environment. Names
// compare exactly: "Production" and "production" are different environments.
func (p *Policy) HasEnvironment(name string) bool {
	_, found := slices.BinarySearch(p.Environments, name)
	return found
}
