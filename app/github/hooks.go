package github

import (
	"context"
	"errors"
	"fmt"

	gh "github.com/google/go-github/v60/github"

	"github.com/issueops/issueops/app/recovery"
)

// AppHook reads and redelivers the App's webhook deliveries with the App's
// JWT. It implements recovery.GitHub.
type AppHook struct {
	gh *gh.Client
}

// AppHook returns the App webhook client; ok is false in token mode, where
// the App's deliveries cannot be listed.
func (c *Clients) AppHook() (hook *AppHook, ok bool) {
	if c.apps == nil {
		return nil, false
	}
	return &AppHook{gh: c.newGitHub(c.apps)}, true
}

// ListDeliveries lists one page of the App's deliveries, newest first
// (GET /app/hook/deliveries); cursor "" is the newest page.
func (h *AppHook) ListDeliveries(ctx context.Context, cursor string, perPage int) (recovery.Page, error) {
	list, resp, err := h.gh.Apps.ListHookDeliveries(ctx, &gh.ListCursorOptions{Cursor: cursor, PerPage: perPage})
	if err != nil {
		return recovery.Page{}, classify(err)
	}
	page := recovery.Page{Deliveries: make([]recovery.Delivery, 0, len(list))}
	for _, d := range list {
		page.Deliveries = append(page.Deliveries, recovery.Delivery{
			ID:          d.GetID(),
			GUID:        d.GetGUID(),
			DeliveredAt: d.GetDeliveredAt().Time,
			Redelivery:  d.GetRedelivery(),
			Status:      d.GetStatus(),
			StatusCode:  d.GetStatusCode(),
			Event:       d.GetEvent(),
			Action:      d.GetAction(),
		})
	}
	if resp != nil {
		page.Next = resp.Cursor
	}
	return page, nil
}

// Redeliver asks GitHub to deliver an attempt's event again
// (POST /app/hook/deliveries/{delivery_id}/attempts). GitHub answers 202,
// which go-github reports as an AcceptedError: that is success.
func (h *AppHook) Redeliver(ctx context.Context, deliveryID int64) error {
	_, _, err := h.gh.Apps.RedeliverHookDelivery(ctx, deliveryID)
	var accepted *gh.AcceptedError
	if err == nil || errors.As(err, &accepted) {
		return nil
	}
	return fmt.Errorf("redeliver attempt %d: %w", deliveryID, classify(err))
}
