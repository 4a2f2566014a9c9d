// Package slack is the Slack adapter: it implements app.Slack with
// github.com/slack-go/slack, posting one Block Kit message per operation,
// updating it in place and threading its steps under it.
//
// Everything users wrote is escaped (see Escape) and every message is sent
// with link_names=false, parse=none, mrkdwn=false for the fallback text and
// unfurls off, so nothing in an issue can mention, link or format in the
// audit channel.
package slack

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/issueops/issueops/app"
	"github.com/slack-go/slack"
)

// defaultTimeout bounds one call when Config.Timeout is unset: Slack being
// slow must not hold a worker.
const defaultTimeout = 10 * time.Second

// Config says how to reach Slack.
type Config struct {
	// Token is the bot token (xoxb-…).
	Token string
	// APIURL is Slack's Web API base URL (default slack.APIURL); tests
	// point it at a fake. A missing trailing "/" is added.
	APIURL string
	// HTTPClient carries the calls (default http.DefaultClient).
	HTTPClient *http.Client
	// Timeout bounds each call (default 10s).
	Timeout time.Duration
}

// Client posts operations to Slack. It implements app.Slack and is safe
// for concurrent use.
type Client struct {
	api     *slack.Client
	token   string
	timeout time.Duration
}

var _ app.Slack = (*Client)(nil)

// New returns a Client for cfg. It makes no call: a bad token shows on the
// first post, as a permanent invalid_auth error.
func New(cfg Config) *Client {
	apiURL := cfg.APIURL
	if apiURL == "" {
		apiURL = slack.APIURL
	}
	if !strings.HasSuffix(apiURL, "/") {
		apiURL += "/"
	}
	opts := []slack.Option{slack.OptionAPIURL(apiURL)}
	if cfg.HTTPClient != nil {
		opts = append(opts, slack.OptionHTTPClient(cfg.HTTPClient))
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	return &Client{api: slack.New(cfg.Token, opts...), token: cfg.Token, timeout: timeout}
}

// Post posts n to channel (a #name or an ID) and returns the channel's ID
// and the message's ts.
func (c *Client) Post(ctx context.Context, channel string, n app.Notice) (channelID, ts string, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	channelID, ts, err = c.api.PostMessageContext(ctx, channel, messageOptions(Fallback(n), Blocks(n))...)
	if err != nil {
		return "", "", classify("chat.postMessage", c.token, err)
	}
	if channelID == "" || ts == "" {
		return "", "", errors.New("slack chat.postMessage: answer without channel or ts")
	}
	return channelID, ts, nil
}

// Update replaces the content of the message channelID/ts with n.
func (c *Client) Update(ctx context.Context, channelID, ts string, n app.Notice) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	_, _, _, err := c.api.UpdateMessageContext(ctx, channelID, ts, messageOptions(Fallback(n), Blocks(n))...)
	if err != nil {
		return classify("chat.update", c.token, err)
	}
	return nil
}

// Reply posts step in the thread of the message channelID/ts; a failure is
// also broadcast to the channel.
func (c *Client) Reply(ctx context.Context, channelID, ts string, step app.NoticeStep) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	opts := append(messageOptions(ReplyText(step), ReplyBlocks(step)), slack.MsgOptionTS(ts))
	if step.Failure {
		opts = append(opts, slack.MsgOptionBroadcast())
	}
	_, _, err := c.api.PostMessageContext(ctx, channelID, opts...)
	if err != nil {
		return classify("chat.postMessage", c.token, err)
	}
	return nil
}

// messageOptions are the content and the switches every call sends: no
// name linking, no parsing (chat.update would default to "client"), no
// markup in the fallback text, no unfurls.
func messageOptions(text string, blocks []slack.Block) []slack.MsgOption {
	return []slack.MsgOption{
		slack.MsgOptionText(text, false), // already escaped
		slack.MsgOptionBlocks(blocks...),
		slack.MsgOptionLinkNames(false),
		slack.MsgOptionParse(false),
		slack.MsgOptionDisableMarkdown(),
		slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionDisableMediaUnfurl(),
	}
}
