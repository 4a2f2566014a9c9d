package command_test

import (
	"fmt"

	"github.com/issueops/issueops/app/command"
)

func ExampleParse() {
	for _, body := range []string{
		"Ready to ship.\n\n/deploy v1.4.0 to staging --dry-run",
		"/deplyo v1.4.0 to staging",
		"/status\n/queue",
		"/lock prod --reason \"db migration",
		"```\n/deploy v1.4.0 to prod\n```",
	} {
		res := command.Parse(body, command.Options{})
		switch res.Outcome {
		case command.Run:
			fmt.Printf("Run %s %q (line %d)\n", res.Invocation.Name, res.Invocation.Args, res.Invocation.Line)
		case command.Reply:
			fmt.Println("Reply:", res.Reply)
		case command.Ignore:
			fmt.Println("Ignore")
		}
	}
	// Output:
	// Run deploy ["v1.4.0" "to" "staging" "--dry-run"] (line 3)
	// Reply: Unknown command `/deplyo`. Did you mean `/deploy`? Type `/help` for the list of commands.
	// Reply: Only one command per comment is accepted, and this comment has 2: `/status`, `/queue`. Nothing was run; post each command in a comment of its own.
	// Reply: `/lock` has an unterminated quote: the `"` is never closed. Close it, or remove it, and try again. Nothing was run.
	// Ignore
}

func ExampleParseRequest() {
	for _, args := range [][]string{
		{"staging", "to", "prod", "--dry-run"},
		{"staging", "to"},
	} {
		req, err := command.ParseRequest(command.Invocation{Name: "promote", Args: args}, "/")
		if err != nil {
			fmt.Println("Reply:", err)
			continue
		}
		fmt.Printf("promote %s → %s, dry run: %v\n", req.Other, req.Environment, req.DryRun)
	}
	// Output:
	// promote staging → prod, dry run: true
	// Reply: `/promote` needs the environment to promote to: `/promote <from-env> to <to-env> [--dry-run]`
}
