// Package command recognises the slash command in a GitHub issue comment.
//
// It is pure: Parse turns a comment body into a Result that says whether to
// ignore the comment, run a command, or reply to the user, and HelpText
// renders the command list. Nothing here does I/O, so every rule can be
// table-tested and fuzzed.
package command

// Spec describes one slash command: its name (ASCII, [a-z][a-z0-9-]*), its
// syntax after the name, and a one-line summary. Parse only uses Name;
// Syntax and Summary exist so /help can be generated from the same table
// the parser recognises; Syntax is also what a UsageError shows, and it
// must describe the grammar ParseRequest reads (a test checks the two
// agree).
type Spec struct {
	Name, Syntax, Summary string
}

// Table is the full command vocabulary, in the order /help lists it. It is
// also the tie-break order for "did you mean" suggestions. Treat it as
// read-only; pass a different slice in Options.Specs to change the
// vocabulary.
var Table = []Spec{
	{"deploy", "<version|ref|sha> to <env> [--dry-run]", "Deploy a version, ref or commit to an environment."},
	{"promote", "<from-env> to <to-env> [--dry-run]", "Deploy what is running in one environment to another."},
	{"rollback", "<env> [to <version>] [--dry-run]", "Redeploy the previous (or the given) version to an environment."},
	{"release", "[<version>|major|minor|patch] [from <ref>] [--dry-run]", "Tag and publish a release, bumping the version if asked."},
	{"lock", `<env>|--global [--reason "…"] [--ttl 2h] [--dry-run]`, "Block deploys to an environment, or to all of them."},
	{"unlock", "<env>|--global [--dry-run]", "Lift a deploy lock."},
	{"status", "[env]", "Show what is deployed where, and any locks."},
	{"diff", "<env> <env>", "Compare what is deployed in two environments."},
	{"queue", "", "Show pending and running operations."},
	{"approve", "", "Approve the operation waiting for review."},
	{"deny", "[reason…]", "Reject the operation waiting for review."},
	{"confirm", "", "Go ahead with the operation waiting for confirmation."},
	{"cancel", "", "Cancel your pending or running operation."},
	{"retry", "", "Run the last failed operation again."},
	{"help", "", "List the commands."},
}

// Lookup returns the spec named name, so callers can tell a known command
// from an unknown one. Names are compared exactly (commands are lowercase
// ASCII); when specs repeat a name the first one wins.
func Lookup(specs []Spec, name string) (Spec, bool) {
	for _, s := range specs {
		if s.Name == name {
			return s, true
		}
	}
	return Spec{}, false
}
