package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// config is the server configuration: DESIGN.md §8's flags, each with its
// ISSUEOPS_* environment variable. A flag given on the command line wins over
// the variable.
type config struct {
	addr, databaseURL, webhookSecret string
	appID                            int64
	privateKeyPath                   string
	githubToken, githubURL           string
	slackToken, slackURL             string
	jiraURL, jiraUser, jiraToken     string
	commandPrefix, logLevel          string
	workers                          int
	jobTimeout, shutdownTimeout      time.Duration
	githubTimeout, retryBase         time.Duration
	recoverInterval, recoverWindow   time.Duration
	deployPoll                       time.Duration
	ackOnly                          bool
}

// envFlags registers flags that an environment variable can set. The
// variable is applied after parsing, to the flags the command line did not
// set, and never becomes a flag's printed default: --help and usage errors
// must not show a secret taken from the environment.
type envFlags struct {
	fs     *flag.FlagSet
	getenv func(string) string
	envs   map[string]string // flag name → variable
	// positional is how many arguments may follow the flags.
	positional int
}

func newEnvFlags(fs *flag.FlagSet, getenv func(string) string) *envFlags {
	return &envFlags{fs: fs, getenv: getenv, envs: map[string]string{}}
}

func (e *envFlags) str(p *string, name, env, def, help string) {
	e.envs[name] = env
	e.fs.StringVar(p, name, def, help+" ["+env+"]")
}

func (e *envFlags) duration(p *time.Duration, name, env string, def time.Duration, help string) {
	e.envs[name] = env
	e.fs.DurationVar(p, name, def, help+" ["+env+"]")
}

func (e *envFlags) integer(p *int64, name, env string, help string) {
	e.envs[name] = env
	e.fs.Int64Var(p, name, 0, help+" ["+env+"]")
}

// parse parses args, then fills every flag not given on the command line from
// its environment variable. A bad value names the variable, not its value.
func (e *envFlags) parse(args []string) error {
	if err := e.fs.Parse(args); err != nil {
		return flagError(err)
	}
	given := map[string]bool{}
	e.fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for name, env := range e.envs {
		v := e.getenv(env)
		if v == "" || given[name] {
			continue
		}
		if err := e.fs.Set(name, v); err != nil {
			return usagef("%s: not a valid value for --%s", env, name)
		}
	}
	if e.fs.NArg() > e.positional {
		return usagef("unexpected argument %q", e.fs.Arg(e.positional))
	}
	return nil
}

// githubFlags registers how to reach GitHub: App mode, token mode, the API
// URL and the request timeout. serve and replay share them.
func githubFlags(e *envFlags, c *config) {
	e.integer(&c.appID, "app-id", "ISSUEOPS_APP_ID", "GitHub App id (App mode)")
	e.str(&c.privateKeyPath, "private-key", "ISSUEOPS_PRIVATE_KEY_PATH", "", "path to the GitHub App's private key PEM (App mode)")
	e.str(&c.githubToken, "github-token", "ISSUEOPS_GITHUB_TOKEN", "", "GitHub token: token mode instead of App mode")
	e.str(&c.githubURL, "github-url", "ISSUEOPS_GITHUB_URL", "https://api.github.com/", "GitHub API URL (GitHub Enterprise: https://HOST/api/v3/)")
	e.duration(&c.githubTimeout, "github-timeout", "ISSUEOPS_GITHUB_TIMEOUT", 15*time.Second, "timeout of one GitHub API request")
}

func databaseFlag(e *envFlags, p *string) {
	e.str(p, "database-url", "ISSUEOPS_DATABASE_URL", "sqlite://issueops.db",
		"database: sqlite://PATH (embedded) or postgres://… (several replicas)")
}

// parseServeFlags reads the serve configuration from args and the environment.
func parseServeFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := newFlagSet("serve", "Usage: issueops serve [flags]\n\nRuns the webhook server (POST /webhook, GET /healthz, /readyz, /metrics) and the workers.\n", stderr)
	e := newEnvFlags(fs, getenv)
	var workers int64
	e.str(&c.addr, "addr", "ISSUEOPS_ADDR", ":8080", "address to listen on")
	databaseFlag(e, &c.databaseURL)
	e.str(&c.webhookSecret, "webhook-secret", "ISSUEOPS_WEBHOOK_SECRET", "",
		"webhook secret (required); a comma-separated list accepts each, for rotation")
	githubFlags(e, &c)
	e.str(&c.slackToken, "slack-token", "ISSUEOPS_SLACK_TOKEN", "", "Slack bot token for the audit channel; Slack is off without it")
	e.str(&c.slackURL, "slack-url", "ISSUEOPS_SLACK_API_URL", "https://slack.com/api/", "Slack API URL")
	e.str(&c.jiraURL, "jira-url", "ISSUEOPS_JIRA_URL", "", "Jira base URL; Jira is off without it")
	e.str(&c.jiraUser, "jira-user", "ISSUEOPS_JIRA_USER", "", "Jira user")
	e.str(&c.jiraToken, "jira-token", "ISSUEOPS_JIRA_TOKEN", "", "Jira API token")
	e.str(&c.commandPrefix, "command-prefix", "ISSUEOPS_COMMAND_PREFIX", "/", "prefix of slash commands in comments, e.g. / or .")
	e.str(&c.logLevel, "log-level", "ISSUEOPS_LOG_LEVEL", "info", "log level: debug, info, warn or error")
	e.integer(&workers, "workers", "ISSUEOPS_WORKERS", "deliveries processed at once (default 32)")
	e.duration(&c.jobTimeout, "job-timeout", "ISSUEOPS_JOB_TIMEOUT", time.Minute,
		"longest one delivery may be processed; work left by a crashed process is retried after twice this")
	e.duration(&c.shutdownTimeout, "shutdown-timeout", "ISSUEOPS_SHUTDOWN_TIMEOUT", 25*time.Second,
		"on SIGTERM, how long in-flight work may take to finish")
	e.duration(&c.retryBase, "retry-base", "ISSUEOPS_RETRY_BASE", time.Second, "first retry delay of a failed job; doubles each attempt up to 10m")
	e.duration(&c.recoverInterval, "recover-interval", "ISSUEOPS_RECOVER_INTERVAL", 5*time.Minute,
		"App mode: how often to ask GitHub to redeliver the deliveries the app missed (0 disables)")
	e.duration(&c.recoverWindow, "recover-window", "ISSUEOPS_RECOVER_WINDOW", 24*time.Hour,
		"App mode: how far back the first recovery pass looks (GitHub keeps deliveries 3 days)")
	e.duration(&c.deployPoll, "deploy-poll-interval", "ISSUEOPS_DEPLOY_POLL_INTERVAL", 30*time.Second,
		"how often a running deploy is checked on besides its deployment_status and workflow_run events")
	fs.BoolVar(&c.ackOnly, "bench-ack-only", false,
		"BENCHMARK ONLY: verify and acknowledge deliveries without storing them (measures the HTTP ceiling; every delivery is lost)")
	if err := e.parse(args); err != nil {
		return c, err
	}
	c.workers = int(workers)
	if strings.TrimSpace(strings.ReplaceAll(c.webhookSecret, ",", "")) == "" {
		return c, usagef("no webhook secret: set --webhook-secret or ISSUEOPS_WEBHOOK_SECRET " +
			"(the secret of the App's webhook; issueops setup registers an App and writes one); refusing to accept unsigned deliveries")
	}
	return c, nil
}

func (c config) secrets() []string { return strings.Split(c.webhookSecret, ",") }

func newLogger(level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("log level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func newFlagSet(name, help string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), help+"\nFlags:\n")
		fs.PrintDefaults()
	}
	return fs
}

// flagError makes a flag-parsing failure a usage error (exit 2); --help
// stays flag.ErrHelp (exit 0).
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usageError{err}
}
