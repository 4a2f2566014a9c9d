package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/github"
	"github.com/issueops/issueops/app/metrics"
	"github.com/issueops/issueops/app/store"
	"github.com/issueops/issueops/handlers"
)

func runServe(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := parseServeFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	logger, err := newLogger(cfg.logLevel, stderr)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	return serve(ctx, cfg, ln, logger)
}

// serve runs the server on ln until ctx ends, then shuts down in order: stop
// accepting, let in-flight requests finish, let running jobs finish within
// the shutdown timeout.
func serve(ctx context.Context, cfg config, ln net.Listener, logger *slog.Logger) error {
	m := metrics.New()
	clients, err := githubClients(cfg, m, logger)
	if err != nil {
		return err
	}
	var (
		intake handlers.Intake = ackOnly{}
		ready                  = func(context.Context) error { return nil }
		st     *store.Store
	)
	if !cfg.ackOnly {
		st, err = openStore(ctx, cfg.databaseURL, store.Options{Logger: logger, Workers: cfg.workers,
			JobTimeout: cfg.jobTimeout, RetryBase: cfg.retryBase, Metrics: m})
		if err != nil {
			return err
		}
		defer st.Close()
		appCfg := app.Config{Prefix: cfg.commandPrefix, Requests: st, Operations: st, Audit: st, Notices: st,
			PollInterval: cfg.deployPoll, Lease: cfg.jobTimeout + 30*time.Second, WebURL: webURL(cfg.githubURL), Logger: logger}
		if err := outsideServices(cfg, &appCfg, logger); err != nil {
			return err
		}
		service := app.NewService(clients, appCfg)
		st.SetRunner(service)
		if appCfg.Slack != nil {
			st.SetNotifier(service)
		}
		scheduleRecovery(cfg, clients, st, m, logger)
		// Not ctx: River hard-stops when its start context ends. Shutdown
		// below stops it gracefully instead.
		if err := st.Start(context.WithoutCancel(ctx), handlers.NewDispatcher(service, logger)); err != nil {
			return fmt.Errorf("start workers: %w", err)
		}
		intake, ready = st, st.Ping
	} else {
		logger.Warn("BENCHMARK MODE: deliveries are verified and acknowledged but NOT stored or processed")
	}
	webhook, err := handlers.NewWebhook(cfg.secrets(), intake, m, logger)
	if err != nil {
		return usageError{err}
	}
	srv := &http.Server{
		Handler:           routes(webhook, m, ready),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second, // a 25 MiB body over a slow link
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("issueops serving", "addr", ln.Addr().String(), "database", databaseKind(cfg, st), "version", version)

	var serveErr error
	select {
	case err := <-served:
		serveErr = fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", cfg.shutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	if st != nil {
		err = errors.Join(err, st.Stop(shutdownCtx))
	}
	if err != nil {
		logger.Warn("shutdown did not finish cleanly; unfinished jobs run again on the next start", "err", err)
	}
	logger.Info("stopped")
	return serveErr
}

func routes(webhook http.Handler, m *metrics.Metrics, ready func(context.Context) error) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("POST /webhook", webhook)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
	mux.Handle("GET /metrics", m.Handler())
	return mux
}

func openStore(ctx context.Context, databaseURL string, opts store.Options) (*store.Store, error) {
	st, err := store.Open(ctx, databaseURL, opts)
	if err != nil {
		return nil, usageError{err}
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate %s database: %w", st.Kind(), err)
	}
	return st, nil
}

// githubClients builds the GitHub adapter from the configuration. Without
// credentials the server still runs (deliveries are verified and stored) and
// says, once at start and on every command, what to configure.
func githubClients(cfg config, m *metrics.Metrics, logger *slog.Logger) (app.GitHubClients, error) {
	gcfg := github.Config{BaseURL: cfg.githubURL, Token: cfg.githubToken, AppID: cfg.appID,
		Timeout: cfg.githubTimeout, Metrics: m, Logger: logger}
	switch {
	case cfg.githubToken != "":
	case cfg.appID != 0 && cfg.privateKeyPath != "":
		key, err := os.ReadFile(cfg.privateKeyPath)
		if err != nil {
			return nil, usagef("read the App's private key: %v", err)
		}
		gcfg.PrivateKey = key
	case cfg.appID != 0 || cfg.privateKeyPath != "":
		return nil, usagef("App mode needs both --app-id and --private-key")
	default:
		logger.Warn("no GitHub credentials: deliveries are verified and stored, but commands cannot be answered. " +
			"Next step: run `issueops setup` to register the GitHub App and write its credentials " +
			"(ISSUEOPS_APP_ID, ISSUEOPS_PRIVATE_KEY_PATH), or set ISSUEOPS_GITHUB_TOKEN for token mode")
		return noCredentials{}, nil
	}
	clients, err := github.New(gcfg)
	if err != nil {
		return nil, usageError{err}
	}
	return clients, nil
}

// noCredentials answers every request for a client with a permanent error
// that says what is missing.
type noCredentials struct{}

func (noCredentials) ForInstallation(context.Context, int64) (app.GitHub, error) {
	return nil, app.Permanent(errors.New("no GitHub credentials configured (ISSUEOPS_APP_ID + ISSUEOPS_PRIVATE_KEY_PATH, or ISSUEOPS_GITHUB_TOKEN)"))
}

// ackOnly is the benchmark ceiling: it stores nothing.
type ackOnly struct{}

func (ackOnly) Accept(context.Context, app.Delivery, bool) (app.Outcome, error) {
	return app.Accepted, nil
}

func databaseKind(cfg config, st *store.Store) string {
	if st == nil {
		return "none (bench-ack-only)"
	}
	return st.Kind()
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := newFlagSet("migrate", "Usage: issueops migrate [flags]\n\nBrings the database schema up to date (serve also does this at start) and exits.\n", stderr)
	e := newEnvFlags(fs, getenv)
	var databaseURL string
	databaseFlag(e, &databaseURL)
	if err := e.parse(args); err != nil {
		return err
	}
	st, err := openStore(ctx, databaseURL, store.Options{})
	if err != nil {
		return err
	}
	st.Close()
	fmt.Fprintf(stderr, "issueops migrate: %s database is up to date\n", st.Kind())
	return nil
}
