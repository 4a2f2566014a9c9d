// Package yamlerr reads the line out of yaml.v3's syntax errors. yaml.v3
// prints scanner errors' lines 1-based and parser errors' lines 0-based,
// and leaves out a line that is 0; every file of issueops that users edit
// (forms, the policy, GitOps files) reports the line as an editor shows it.
package yamlerr

import (
	"regexp"
	"strconv"
	"strings"
)

// lineOf is the "line N: " yaml.v3 puts before most messages.
var lineOf = regexp.MustCompile(`^line (\d+): `)

// parserProblems are yaml.v3's parser errors, as opposed to its scanner
// errors: the ones whose line it prints 0-based.
var parserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"did not find expected node content":     true,
	"did not find expected key":              true,
	"did not find expected '-' indicator":    true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
	"found undefined tag handle":             true,
}

// Split returns the 1-based line of a yaml.v3 error and its message
// without the "yaml: " and "line N: " prefixes. line is 0 when yaml.v3 gave
// none (bad characters, unknown aliases, or a problem on its line 0 that is
// not a parser problem).
func Split(err error) (line int, msg string) {
	msg = strings.TrimPrefix(err.Error(), "yaml: ")
	if m := lineOf.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	if parserProblems[msg] {
		line++
	}
	return line, msg
}
