package slack

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Slack's length limits, in characters (counted here as runes, as
// slack-go's own validator does).
const (
	MaxHeaderText  = 150    // a header block's plain_text
	MaxSectionText = 3000   // a section's or a context element's text
	MaxFieldText   = 2000   // one section field
	MaxMessageText = 40_000 // a message's top-level text
)

// wordJoiner is an invisible character that breaks a mention without
// changing what readers see.
const wordJoiner = '\u2060'

// ellipsis marks text that was cut to fit a limit.
const ellipsis = "…"

// Escape returns s as literal Slack text, at most MaxMessageText runes long.
// See EscapeLimit.
func Escape(s string) string { return EscapeLimit(s, MaxMessageText) }

// EscapeLimit returns s as text that Slack shows literally, cut to at most
// max runes (counted after escaping, so the result fits a Slack limit as
// sent). It
//   - replaces &, < and > by &amp;, &lt; and &gt;, the only three characters
//     Slack reads as control characters ("Formatting text for app
//     surfaces"), so no <!here>, <@U…>, <#C…> or <url|label> survives;
//   - puts an invisible word joiner after every @ that starts a word, so
//     that @here, @channel, @everyone, @usergroup or @user cannot be parsed
//     as a mention even by a surface that parses names (chat.update's parse
//     mode defaults to "client", and link_names is a per-call promise this
//     package keeps but cannot enforce on every reader);
//   - turns control characters (C0, DEL, C1, U+2028, U+2029) into spaces and
//     drops invisible format characters (zero-width, bidi controls, BOM), so
//     text cannot fake lines or reorder what readers see;
//   - replaces invalid UTF-8 by U+FFFD.
//
// Text cut to fit ends with "…", never in the middle of an entity.
func EscapeLimit(s string, max int) string {
	if max <= 0 {
		return ""
	}
	clean := sanitize(s)
	var b strings.Builder
	b.Grow(len(clean) + len(clean)/8)
	for i, r := range clean {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '@':
			b.WriteRune(r)
			if next, _ := utf8.DecodeRuneInString(clean[i+1:]); startsWord(next) {
				b.WriteRune(wordJoiner)
			}
		default:
			b.WriteRune(r)
		}
	}
	return truncate(b.String(), max)
}

// sanitize applies the character rules of EscapeLimit that come before
// escaping: controls become spaces, format characters go, invalid UTF-8
// becomes U+FFFD.
func sanitize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		case unicode.Is(unicode.Cf, r):
			// dropped
		default:
			b.WriteRune(r) // utf8.RuneError for invalid bytes writes U+FFFD
		}
	}
	return b.String()
}

// startsWord reports whether r, following an @, would make it a mention.
func startsWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// truncate cuts escaped text (as made by EscapeLimit or a caller joining
// such text with its own) to at most max runes, ending in "…" when cut and
// never leaving half an entity.
func truncate(escaped string, max int) string {
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(escaped) <= max {
		return escaped
	}
	kept := []rune(escaped)[:max-1]
	// An entity is at most five runes (&amp;): an & among the last four
	// kept runes with no ; after it is an entity cut in two.
	for i := len(kept) - 1; i >= 0 && i >= len(kept)-4; i-- {
		if kept[i] == ';' {
			break
		}
		if kept[i] == '&' {
			kept = kept[:i]
			break
		}
	}
	return string(kept) + ellipsis
}

// runeLen is the length Slack's limits count.
func runeLen(s string) int { return utf8.RuneCountInString(s) }
