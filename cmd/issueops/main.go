// Command issueops runs a team's operations from GitHub issues. It is the one
// binary: the webhook server and its workers, migrations, and operator tools.
// This is the only package that sees every adapter; it parses arguments and
// wires them together.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `issueops runs deploys, releases and environment operations from GitHub issues.

Usage:
  issueops <command> [flags]

Commands:
  serve     run the webhook server and its workers
  migrate   bring the database schema up to date and exit
  bench     load a running server with signed deliveries and report throughput
  parse     parse a rendered issue-form body into JSON
  check     validate a checkout's issue forms and .github/issueops.yml offline
  setup     register the GitHub App through GitHub's App-manifest flow
  replay    feed a stored delivery through the real pipeline (--dry-run: no writes)
  audit     export the audit log (JSON lines or CSV); "audit verify" checks its hash chain
  version   print the version

Run "issueops <command> --help" for a command's flags. Every serve flag also
reads an ISSUEOPS_* environment variable (listed in --help).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal ends the process at once
	}()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run executes one subcommand and returns the process exit status: 0 on
// success, 1 when the command failed, 2 for a usage error.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = runServe(ctx, args[1:], getenv, stderr)
	case "migrate":
		err = runMigrate(ctx, args[1:], getenv, stderr)
	case "bench":
		err = runBench(ctx, args[1:], getenv, stdout, stderr)
	case "parse":
		err = runParse(args[1:], os.Stdin, stdout, stderr)
	case "check":
		err = runCheck(args[1:], stdout, stderr)
	case "setup":
		err = runSetup(ctx, args[1:], getenv, stdout, stderr)
	case "replay":
		err = runReplay(ctx, args[1:], getenv, stdout, stderr)
	case "audit":
		err = runAudit(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version":
		if len(args) > 1 {
			fmt.Fprint(stdout, "Usage: issueops version\n\nPrints the version of this binary.\n")
			break
		}
		fmt.Fprintf(stdout, "issueops %s\n", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "issueops: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	var usageErr usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errCheckFailed): // the problems are printed already
		return 1
	case errors.As(err, &usageErr):
		fmt.Fprintf(stderr, "issueops %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(stderr, "issueops %s: %v\n", args[0], err)
		return 1
	}
}

// usageError is a mistake in the command line or configuration: exit 2.
type usageError struct{ error }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }
