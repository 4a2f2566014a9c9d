package app

import (
	"errors"
	"fmt"
	"time"
)

// ErrPermanent marks a failure that a retry cannot fix (a 404, a 422): the job
// gives up instead of retrying for hours.
var ErrPermanent = errors.New("permanent failure")

// Permanent wraps err so that errors.Is(err, ErrPermanent) holds.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrPermanent, err)
}

// ErrNotFound marks a permanent failure because the thing is gone (a 404):
// a deleted comment, a deleted issue. It always comes with ErrPermanent.
var ErrNotFound = errors.New("not found")

// NotFound wraps err so that both errors.Is(err, ErrNotFound) and
// errors.Is(err, ErrPermanent) hold.
func NotFound(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w: %w", ErrPermanent, ErrNotFound, err)
}

// ErrAnswered marks a failure GitHub answered with an error status (a 5xx,
// a 4xx): the request reached GitHub and was refused, so a write it
// answered so was not made. A failure without it (a timeout, a dropped
// connection) may have lost the answer to a write that happened.
var ErrAnswered = errors.New("GitHub answered with an error")

// Answered wraps err so that errors.Is(err, ErrAnswered) holds.
func Answered(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrAnswered, err)
}

// RetryAfterError asks for the work to be rescheduled no sooner than Delay
// from now (a rate limit). The job is snoozed, never slept on in a worker.
type RetryAfterError struct {
	Delay time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("retry after %s: %v", e.Delay, e.Err)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }

// ErrUnavailable means the database could not be reached or written: intake
// answers 503 so that the delivery shows as failed in GitHub and can be
// redelivered.
var ErrUnavailable = errors.New("database unavailable")
