package slacktest

import (
	"encoding/json"
	"unicode/utf8"
)

// Slack's documented limits, in characters.
const (
	maxText        = 40_000
	maxBlocks      = 50
	maxHeader      = 150
	maxSection     = 3000
	maxField       = 2000
	maxFields      = 10
	maxContextElts = 10
)

// validateContent returns the Slack error code a message's content earns,
// or "": Slack refuses empty messages, over-long text and blocks that break
// Block Kit's limits, so the adapter's layout is checked by every test.
func validateContent(c *Call) string {
	switch {
	case utf8.RuneCountInString(c.Text) > maxText:
		return "msg_too_long"
	case c.Text == "" && c.BlocksRaw == "":
		return "no_text"
	case c.BlocksRaw != "" && !validBlocks(c.BlocksRaw):
		return "invalid_blocks"
	}
	return ""
}

func validBlocks(raw string) bool {
	var blocks []map[string]any
	if json.Unmarshal([]byte(raw), &blocks) != nil || len(blocks) > maxBlocks {
		return false
	}
	for _, b := range blocks {
		if !validBlock(b) {
			return false
		}
	}
	return true
}

func validBlock(b map[string]any) bool {
	switch b["type"] {
	case "header":
		t, isObj := b["text"].(map[string]any)
		return isObj && t["type"] == "plain_text" && validText(t, maxHeader)
	case "section":
		return validSection(b)
	case "context":
		elts, isList := b["elements"].([]any)
		if !isList || len(elts) == 0 || len(elts) > maxContextElts {
			return false
		}
		for _, e := range elts {
			if t, isObj := e.(map[string]any); !isObj || (t["type"] != "image" && !validText(t, maxSection)) {
				return false
			}
		}
		return true
	case nil:
		return false
	}
	return true // other block types are not checked
}

func validSection(b map[string]any) bool {
	text, hasText := b["text"]
	fields, hasFields := b["fields"]
	if !hasText && !hasFields {
		return false
	}
	if hasText {
		if t, isObj := text.(map[string]any); !isObj || !validText(t, maxSection) {
			return false
		}
	}
	if hasFields {
		list, isList := fields.([]any)
		if !isList || len(list) == 0 || len(list) > maxFields {
			return false
		}
		for _, f := range list {
			if t, isObj := f.(map[string]any); !isObj || !validText(t, maxField) {
				return false
			}
		}
	}
	return true
}

// validText checks a text object: a known type, 1..max characters, emoji
// only on plain_text and verbatim only on mrkdwn.
func validText(t map[string]any, max int) bool {
	text, isString := t["text"].(string)
	if !isString || text == "" || utf8.RuneCountInString(text) > max {
		return false
	}
	_, hasEmoji := t["emoji"]
	_, hasVerbatim := t["verbatim"]
	switch t["type"] {
	case "plain_text":
		return !hasVerbatim
	case "mrkdwn":
		return !hasEmoji
	}
	return false
}
