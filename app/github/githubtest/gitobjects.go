package githubtest

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// Git object names for seeded commits: blobs, trees and commits are hashed
// exactly as git hashes them, so SHAs the fake reports match what git would
// compute for the same content.

// gitHash is the SHA-1 git names an object by: "<kind> <len>\0<content>".
func gitHash(kind, content string) string {
	h := sha1.New()
	fmt.Fprintf(h, "%s %d\x00", kind, len(content))
	h.Write([]byte(content))
	return hex.EncodeToString(h.Sum(nil))
}

func blobSHA(content string) string { return gitHash("blob", content) }

// treeEntry is one entry of a directory in a commit's tree.
type treeEntry struct {
	name    string
	path    string // from the repository root
	dir     bool
	content string // files only
}

// dirEntries lists the directory dir ("" for the root) of a flattened tree
// in git's tree order (names compared with "/" appended to directories).
func dirEntries(files map[string]string, dir string) []treeEntry {
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	seen := map[string]bool{}
	var out []treeEntry
	for path, content := range files {
		rest, ok := strings.CutPrefix(path, prefix)
		if !ok {
			continue
		}
		name, _, isDir := strings.Cut(rest, "/")
		if seen[name] {
			continue
		}
		seen[name] = true
		e := treeEntry{name: name, path: prefix + name, dir: isDir}
		if !isDir {
			e.content = content
		}
		out = append(out, e)
	}
	sortKey := func(e treeEntry) string {
		if e.dir {
			return e.name + "/"
		}
		return e.name
	}
	slices.SortFunc(out, func(a, b treeEntry) int { return strings.Compare(sortKey(a), sortKey(b)) })
	return out
}

// isDir reports whether dir is a directory of the tree; the root always is.
func isDir(files map[string]string, dir string) bool {
	if dir == "" {
		return true
	}
	for path := range files {
		if strings.HasPrefix(path, dir+"/") {
			return true
		}
	}
	return false
}

// treeSHA is the git SHA of directory dir of a flattened tree.
func treeSHA(files map[string]string, dir string) string {
	var b strings.Builder
	for _, e := range dirEntries(files, dir) {
		mode, sha := "100644", ""
		if e.dir {
			mode, sha = "40000", treeSHA(files, e.path)
		} else {
			sha = blobSHA(e.content)
		}
		raw, _ := hex.DecodeString(sha)
		fmt.Fprintf(&b, "%s %s\x00%s", mode, e.name, raw)
	}
	return gitHash("tree", b.String())
}
