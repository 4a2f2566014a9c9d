package main

import (
	"context"
	"errors"
	"io"
)

// runReplay feeds a stored delivery through the real pipeline.
// PLACEHOLDER while the feature is being written: replaced in this change.
func runReplay(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return errors.New("replay is not built yet")
}
