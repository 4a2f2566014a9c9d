package main

import (
	"context"
	"errors"
	"io"
)

// runSetup registers the GitHub App through the App-manifest flow.
// PLACEHOLDER while the feature is being written: replaced in this change.
func runSetup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return errors.New("setup is not built yet")
}
