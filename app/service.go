package app

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/issueops/issueops/app/command"
	"github.com/issueops/issueops/app/render"
)

// CommandFunc runs one parsed command and returns the markdown reply to post
// on the issue. It must not post the reply itself: the Service does that,
// exactly once, whatever retries happen.
type CommandFunc func(ctx context.Context, gh GitHub, ev CommentEvent, inv command.Invocation) (string, error)

// Service runs an event through parse → authorize → plan → run → report.
// The zero value is not usable; build it with NewService.
type Service struct {
	clients  GitHubClients
	prefix   string
	logger   *slog.Logger
	requests RequestStore
	lease    time.Duration
	commands map[string]CommandFunc
	policies *policyCache
	ops      opsConfig
	jira     Jira
	slack    Slack
	notices  NoticeStore
	audit    AuditLog
	webURL   string
}

// Config configures a Service.
type Config struct {
	// Prefix starts a command ("/" when empty).
	Prefix string
	// Requests keeps form requests; nil leaves issues opened from forms alone.
	Requests RequestStore
	// Lease is how long one delivery may hold an issue (default 2m): longer
	// than a job may run, so a live holder never loses it.
	Lease time.Duration
	// Operations keeps operations, approvals, the queue and locks; nil
	// leaves the operation commands off (they answer "not enabled").
	Operations OperationStore
	// PollInterval is how often a running deploy is checked on besides its
	// events (default 30s).
	PollInterval time.Duration
	// Jira records releases as fix versions; nil leaves the Jira step of
	// releases off (their status says so).
	Jira Jira
	// Slack announces operations; nil leaves Slack off. Notices and Audit
	// are what it reads: each operation's cursor and its audit entries.
	Slack   Slack
	Notices NoticeStore
	// Audit receives the entries that are no state change (refusals); the
	// store appends the others itself. nil records no refusals.
	Audit AuditLog
	// WebURL is GitHub's web address, for links in Slack (default
	// https://github.com).
	WebURL string
	// Now is the clock (default time.Now), for tests of expiry and freezes.
	Now    func() time.Time
	Logger *slog.Logger
}

// NewService returns a Service that talks to GitHub through clients.
func NewService(clients GitHubClients, cfg Config) *Service {
	if cfg.Prefix == "" {
		cfg.Prefix = "/"
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{clients: clients, prefix: cfg.Prefix, logger: cfg.Logger, requests: cfg.Requests,
		lease: cfg.Lease, commands: map[string]CommandFunc{}, policies: newPolicyCache(),
		ops:  opsConfig{store: cfg.Operations, poll: cfg.PollInterval, now: cfg.Now},
		jira: cfg.Jira, slack: cfg.Slack, notices: cfg.Notices, audit: cfg.Audit, webURL: cmp.Or(cfg.WebURL, "https://github.com")}
	s.commands["help"] = s.help
	s.registerOps()
	return s
}

// Available lists the commands this Service runs, in the command table's order.
// /help is generated from it, so a command registered later shows by itself.
func (s *Service) Available() []command.Spec {
	var specs []command.Spec
	for _, spec := range command.Table {
		if _, ok := s.commands[spec.Name]; ok {
			specs = append(specs, spec)
		}
	}
	return specs
}

// HandleComment acts on one issue comment: it ignores everything but a
// created comment by a person that holds a command, reacts with 👀, runs the
// command and posts one reply. Safe to call again for the same event: the
// reaction is idempotent on GitHub and, on a retry, the reply is looked for
// before it is posted.
func (s *Service) HandleComment(ctx context.Context, ev CommentEvent) error {
	if ev.Action != "created" || ev.SenderType == "Bot" {
		return nil
	}
	ctx = WithActor(ctx, ev.SenderLogin, ev.DeliveryID)
	parsed := command.Parse(ev.Body, command.Options{Prefix: s.prefix})
	if parsed.Outcome == command.Ignore {
		return nil
	}
	gh, err := s.clientUnlessSelf(ctx, ev.InstallationID, ev.SenderLogin)
	if err != nil || gh == nil {
		return err
	}
	if err := gh.AddCommentReaction(ctx, ev.Repo, ev.CommentID, ReactionEyes); err != nil {
		return fmt.Errorf("react to comment %d: %w", ev.CommentID, err)
	}
	reply := parsed.Reply
	if parsed.Outcome == command.Run {
		reply, err = s.run(ctx, gh, ev, parsed.Invocation)
		if err != nil {
			return err
		}
	}
	if reply == "" { // the command answered in its operation's status comment
		return nil
	}
	return s.postOnce(ctx, gh, ev, reply)
}

// view returns a fresh view of repo for one event, sharing the policy cache.
func (s *Service) view(gh GitHub, repo Repo) *repoView { return newRepoView(gh, repo, s.policies) }

// clientUnlessSelf returns the installation's GitHub, or nil when sender is
// the app itself: the app never acts on its own comments or edits.
func (s *Service) clientUnlessSelf(ctx context.Context, installationID int64, sender string) (GitHub, error) {
	gh, err := s.clients.ForInstallation(ctx, installationID)
	if err != nil {
		return nil, fmt.Errorf("github client for installation %d: %w", installationID, err)
	}
	self, err := gh.Self(ctx)
	if err != nil {
		return nil, fmt.Errorf("github identity: %w", err)
	}
	if strings.EqualFold(self, sender) {
		return nil, nil
	}
	return gh, nil
}

func (s *Service) run(ctx context.Context, gh GitHub, ev CommentEvent, inv command.Invocation) (string, error) {
	fn, ok := s.commands[inv.Name]
	if !ok {
		return fmt.Sprintf("%s is not enabled on this installation yet. %s lists the commands available here.",
			render.CodeSpan(s.prefix+inv.Name), render.CodeSpan(s.prefix+"help")), nil
	}
	s.logger.InfoContext(ctx, "running command", "delivery_id", ev.DeliveryID, "repo", ev.Repo.String(),
		"issue", ev.IssueNumber, "command", inv.Name)
	return fn(ctx, gh, ev, inv)
}

// postOnce posts reply with a hidden marker naming the comment it answers.
// On a retry (a run cut short by a crash, a shutdown or a lost response) the
// marker is looked for first, so a reply is never posted twice. The first run
// does not look: on a busy issue the search reads every recent comment.
func (s *Service) postOnce(ctx context.Context, gh GitHub, ev CommentEvent, reply string) error {
	marker := ReplyMarker(ev.CommentID)
	if ev.Retry {
		// Only comments updated since the delivery arrived can be ours (a
		// minute's slack for clock skew).
		_, found, err := gh.FindComment(ctx, ev.Repo, ev.IssueNumber, marker, ev.ReceivedAt.Add(-time.Minute))
		if err != nil {
			return fmt.Errorf("look for an earlier reply: %w", err)
		}
		if found {
			return nil
		}
	}
	if _, err := gh.CreateComment(ctx, ev.Repo, ev.IssueNumber, reply+"\n\n"+marker); err != nil {
		return fmt.Errorf("reply on issue %d: %w", ev.IssueNumber, err)
	}
	return nil
}

// ReplyMarker is the hidden HTML comment that ties a reply to the comment it
// answers: the natural key that makes posting the reply idempotent.
func ReplyMarker(commentID int64) string {
	return fmt.Sprintf("<!-- issueops:reply-to=%d -->", commentID)
}

func (s *Service) help(_ context.Context, _ GitHub, _ CommentEvent, _ command.Invocation) (string, error) {
	return command.HelpText(s.prefix, s.Available()), nil
}
