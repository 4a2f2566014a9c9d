package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/metrics"
	"github.com/issueops/issueops/handlers"
)

const replayHelp = `Usage: issueops replay [flags] FILE

Feeds one delivery through the real pipeline, in this process: signature
check, intake's decision, the event handler and the Service, talking to GitHub
with the same credentials as serve. FILE holds the delivery's headers and
payload as GitHub's "Recent Deliveries" page shows them, or a bare payload
(then --event names the event). Nothing is stored in the database.

When the headers carry X-Hub-Signature-256 it is checked with the webhook
secret (--webhook-secret or ISSUEOPS_WEBHOOK_SECRET). GitHub's page shows the
payload re-formatted, which no signature matches: --skip-signature replays such
a copy anyway.

--dry-run reads from GitHub but makes no write request: it prints the
comments, reactions and labels the delivery would cause.
`

type replayConfig struct {
	config
	event         string
	dryRun        bool
	skipSignature bool
}

func runReplay(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	rc, file, err := parseReplayFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	data, err := readLimited(file, handlers.MaxRecordedBytes)
	if err != nil {
		return err
	}
	header, body, err := handlers.ParseRecorded(data)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	secrets, err := rc.prepare(header, body, stderr)
	if err != nil {
		return err
	}
	logger, err := newLogger(rc.logLevel, stderr)
	if err != nil {
		return err
	}
	m := metrics.New()
	clients, err := githubClients(rc.config, m, logger)
	if err != nil {
		return err
	}
	clients = recordingClients{inner: clients, dryRun: rc.dryRun, out: stdout}
	service := app.NewService(clients, app.Config{Prefix: rc.commandPrefix, Requests: newMemRequests(), Logger: logger})
	intake := &replayIntake{processor: handlers.NewDispatcher(service, logger)}
	webhook, err := handlers.NewWebhook(secrets, intake, m, logger)
	if err != nil {
		return err
	}
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/webhook", bytes.NewReader(body))
	req.Header = header
	rec := httptest.NewRecorder()
	webhook.ServeHTTP(rec, req)
	return intake.report(header, rec, stdout)
}

func parseReplayFlags(args []string, getenv func(string) string, stderr io.Writer) (replayConfig, string, error) {
	var rc replayConfig
	fs := newFlagSet("replay", replayHelp, stderr)
	e := newEnvFlags(fs, getenv)
	githubFlags(e, &rc.config)
	e.str(&rc.webhookSecret, "webhook-secret", "ISSUEOPS_WEBHOOK_SECRET", "", "webhook secret the recorded signature is checked with")
	e.str(&rc.commandPrefix, "command-prefix", "ISSUEOPS_COMMAND_PREFIX", "/", "prefix of slash commands in comments")
	e.str(&rc.logLevel, "log-level", "ISSUEOPS_LOG_LEVEL", "warn", "log level: debug, info, warn or error")
	fs.StringVar(&rc.event, "event", "", "the event of a bare payload (X-GitHub-Event), e.g. issue_comment")
	fs.BoolVar(&rc.dryRun, "dry-run", false, "read from GitHub but write nothing: print what would be done")
	fs.BoolVar(&rc.skipSignature, "skip-signature", false, "do not check the recorded signature (a re-formatted copy)")
	e.positional = 1 // FILE, after the flags
	if err := e.parse(args); err != nil {
		return rc, "", err
	}
	if fs.NArg() == 0 {
		return rc, "", usagef("name the file that holds the delivery: issueops replay [flags] FILE")
	}
	return rc, fs.Arg(0), nil
}

// prepare completes the headers of a recorded delivery (event, delivery id,
// content type) and returns the secret the webhook handler checks the
// signature with: the configured one when the recording is signed, else a
// one-off secret the body is signed with here.
func (rc replayConfig) prepare(h http.Header, body []byte, stderr io.Writer) ([]string, error) {
	switch recorded := h.Get("X-GitHub-Event"); {
	case recorded == "" && rc.event == "":
		return nil, usagef("the file has no X-GitHub-Event header: name the event with --event")
	case recorded != "" && rc.event != "" && recorded != rc.event:
		return nil, usagef("--event %s contradicts the file's X-GitHub-Event %s", rc.event, recorded)
	case recorded == "":
		h.Set("X-GitHub-Event", rc.event)
	}
	if h.Get("X-GitHub-Delivery") == "" {
		h.Set("X-GitHub-Delivery", "replay-"+randomHex(8))
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	h.Del("Content-Length")
	// As serve reads them: comma-separated, each trimmed, any may match.
	var secrets [][]byte
	for _, sec := range rc.secrets() {
		if sec = strings.TrimSpace(sec); sec != "" {
			secrets = append(secrets, []byte(sec))
		}
	}
	switch signed := h.Get("X-Hub-Signature-256") != ""; {
	case signed && !rc.skipSignature && len(secrets) == 0:
		return nil, usagef("the file is signed: give the webhook secret (--webhook-secret or ISSUEOPS_WEBHOOK_SECRET), or --skip-signature")
	case signed && !rc.skipSignature:
		if !handlers.VerifySignature(secrets, body, h.Get("X-Hub-Signature-256")) {
			return nil, errors.New("the signature does not match the payload: wrong secret, or a re-formatted copy " +
				"(GitHub's page shows payloads re-formatted; --skip-signature replays it anyway)")
		}
		return rc.secrets(), nil
	default:
		if !signed {
			fmt.Fprintln(stderr, "issueops replay: the file carries no signature; it is not checked")
		}
		oneOff := randomHex(32)
		h.Set("X-Hub-Signature-256", handlers.Sign([]byte(oneOff), body))
		return []string{oneOff}, nil
	}
}

// readLimited reads a file of at most limit bytes, refusing a bigger one
// before it is all in memory.
func readLimited(path string, limit int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > limit {
		return nil, fmt.Errorf("%s is over %d bytes", path, limit)
	}
	return data, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// replayIntake processes an accepted delivery at once instead of storing it.
type replayIntake struct {
	processor  *handlers.Dispatcher
	outcome    app.Outcome
	processErr error
}

func (i *replayIntake) Accept(ctx context.Context, d app.Delivery, enqueue bool) (app.Outcome, error) {
	i.outcome = app.Ignored
	if enqueue {
		i.outcome = app.Accepted
		i.processErr = i.processor.Process(ctx, d, false)
	}
	return i.outcome, nil
}

// report prints what became of the delivery and fails when it was refused
// or its processing failed.
func (i *replayIntake) report(h http.Header, rec *httptest.ResponseRecorder, stdout io.Writer) error {
	id, event := h.Get("X-GitHub-Delivery"), h.Get("X-GitHub-Event")
	switch {
	case rec.Code >= 400:
		return fmt.Errorf("delivery %s refused with %d: %s", id, rec.Code, strings.TrimSpace(rec.Body.String()))
	case i.outcome == app.Ignored:
		fmt.Fprintf(stdout, "delivery %s (%s): ignored, as the server would (not an event or action issueops acts on)\n", id, event)
	case i.processErr != nil:
		return fmt.Errorf("delivery %s (%s): processing failed: %w", id, event, i.processErr)
	default:
		fmt.Fprintf(stdout, "delivery %s (%s): processed\n", id, event)
	}
	return nil
}
