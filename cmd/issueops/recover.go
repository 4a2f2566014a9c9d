package main

import (
	"context"
	"log/slog"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/github"
	"github.com/issueops/issueops/app/metrics"
	"github.com/issueops/issueops/app/recovery"
	"github.com/issueops/issueops/app/store"
)

// scheduleRecovery runs the recovery of missed deliveries every
// --recover-interval as River's periodic job, in App mode only: listing the
// App's deliveries needs the App's JWT. It must be called before st.Start.
func scheduleRecovery(cfg config, clients app.GitHubClients, st *store.Store, m *metrics.Metrics, logger *slog.Logger) {
	gc, ok := clients.(*github.Clients)
	if !ok || cfg.recoverInterval <= 0 {
		return
	}
	hook, ok := gc.AppHook()
	if !ok {
		return // token mode
	}
	r := recovery.New(hook, st, recovery.Config{Window: cfg.recoverWindow, Metrics: m,
		Logger: logger.With("component", "recovery")})
	st.EveryRecovery(cfg.recoverInterval, func(ctx context.Context) error {
		_, err := r.Run(ctx)
		return err
	})
	logger.Info("missed deliveries are recovered from GitHub", "interval", cfg.recoverInterval.String(),
		"first_window", cfg.recoverWindow.String())
}
