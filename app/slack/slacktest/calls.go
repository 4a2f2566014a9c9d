package slacktest

import (
	"encoding/json"
	"net/url"
	"strconv"
	"time"
)

// Call is one request the fake received, as Slack would read it.
type Call struct {
	// Method is the Web API method, e.g. "chat.postMessage".
	Method string
	// Token is the credential sent; TokenIn says where ("header" for an
	// Authorization Bearer, "form", or "" when none was sent).
	Token, TokenIn string
	// Channel is the channel argument as sent (a #name or an ID);
	// ChannelID is the channel it named ("" when none).
	Channel, ChannelID string
	// TS is chat.update's ts, or the ts the fake gave a posted message.
	TS string
	// ThreadTS is the parent of a reply ("" for a top-level post).
	ThreadTS       string
	ReplyBroadcast bool
	// Text is the top-level (fallback) text, after form decoding.
	Text string
	// Blocks is the blocks argument decoded as JSON (nil when not sent or
	// not JSON); BlocksRaw is it as sent.
	Blocks    []any
	BlocksRaw string
	// LinkNames, Parse, Mrkdwn, UnfurlLinks and UnfurlMedia are those
	// arguments as sent ("" when absent).
	LinkNames, Parse, Mrkdwn, UnfurlLinks, UnfurlMedia string
	// Form holds every argument as sent.
	Form url.Values
	// Status is the HTTP status answered; Error is the Slack error code
	// answered with ok:false ("" on success or for a bare HTTP error).
	Status int
	Error  string
	// At is when the call arrived.
	At time.Time
}

// fill sets the typed fields from Form.
func (c *Call) fill() {
	f := c.Form
	c.Channel, c.TS, c.ThreadTS, c.Text = f.Get("channel"), f.Get("ts"), f.Get("thread_ts"), f.Get("text")
	c.ReplyBroadcast, _ = strconv.ParseBool(f.Get("reply_broadcast"))
	c.LinkNames, c.Parse, c.Mrkdwn = f.Get("link_names"), f.Get("parse"), f.Get("mrkdwn")
	c.UnfurlLinks, c.UnfurlMedia = f.Get("unfurl_links"), f.Get("unfurl_media")
	c.BlocksRaw = f.Get("blocks")
	if c.BlocksRaw != "" {
		var blocks []any
		if json.Unmarshal([]byte(c.BlocksRaw), &blocks) == nil {
			c.Blocks = blocks
		}
	}
}

// OK reports whether the fake answered the call with success.
func (c Call) OK() bool { return c.Status == 200 && c.Error == "" }

// BlockTexts returns the text of every text object in the call's blocks,
// in document order: what a reader of the message can see.
func (c Call) BlockTexts() []string { return BlockTexts(c.Blocks) }

// BlockTexts returns the "text" string of every text object found in
// decoded blocks, in document order.
func BlockTexts(blocks []any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			if t, isText := v["text"].(string); isText {
				out = append(out, t)
			}
			for _, k := range []string{"text", "fields", "elements"} {
				if child, found := v[k]; found {
					walk(child)
				}
			}
		}
	}
	walk(blocks)
	return out
}

// Calls returns every call received, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsTo returns the calls to method, in order.
func (s *Server) CallsTo(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}
