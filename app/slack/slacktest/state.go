package slacktest

import (
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"
)

// Message is a message as it stands now: posted, then maybe updated.
type Message struct {
	ChannelID string
	TS        string
	// ThreadTS is the parent's ts for a reply, "" for a top-level message.
	ThreadTS       string
	ReplyBroadcast bool
	Text           string
	Blocks         []any
	// Edits counts the chat.update calls that changed it.
	Edits int
}

// BlockTexts returns the text of every text object in the message.
func (m Message) BlockTexts() []string { return BlockTexts(m.Blocks) }

type channel struct {
	id, name string
	top      []string            // top-level ts, in order
	threads  map[string][]string // parent ts → reply ts, in order
}

var (
	channelIDPattern   = regexp.MustCompile(`^[CGD][A-Z0-9]{8,}$`)
	channelNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,79}$`)
)

// tsBase is the first ts handed out, in microseconds: "1700000000.000100".
const tsBase = 1_700_000_000_000_000

// ChannelID returns the ID the fake gives channel (a #name, a bare name or
// an ID), creating the channel when it is a new name. The same name gets
// the same ID in every fake.
func (s *Server) ChannelID(channel string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _ := s.resolve(channel, true)
	return id
}

// resolve finds the channel a call names. Names are created on first use
// when byName is true; an ID must be known. It returns the Slack error code
// when there is no such channel.
func (s *Server) resolve(arg string, byName bool) (id, code string) {
	if channelIDPattern.MatchString(arg) {
		if _, known := s.channels[arg]; known {
			return arg, ""
		}
		return "", "channel_not_found"
	}
	name := strings.TrimPrefix(arg, "#")
	if !byName || !channelNamePattern.MatchString(name) {
		return "", "channel_not_found"
	}
	if id, known := s.byName[name]; known {
		return id, ""
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	id = fmt.Sprintf("C%010X", h.Sum64()&(1<<40-1))
	s.byName[name] = id
	s.channels[id] = &channel{id: id, name: name, threads: map[string][]string{}}
	return id, ""
}

// lookup finds a known channel by name or ID without creating one.
func (s *Server) lookup(arg string) *channel {
	if ch, known := s.channels[arg]; known {
		return ch
	}
	return s.channels[s.byName[strings.TrimPrefix(arg, "#")]]
}

func (s *Server) nextTS() string {
	s.seq++
	micro := tsBase + s.seq*100
	return fmt.Sprintf("%d.%06d", micro/1_000_000, micro%1_000_000)
}

func key(channelID, ts string) string { return channelID + "/" + ts }

// postMessage is chat.postMessage: a top-level message, or a reply when
// thread_ts names a top-level message of the channel.
func (s *Server) postMessage(c *Call) answer {
	id, code := s.resolve(c.Channel, true)
	if code == "" {
		code = s.failing[id]
	}
	if code == "" {
		code = validateContent(c)
	}
	if code == "" && c.ThreadTS != "" {
		if parent := s.messages[key(id, c.ThreadTS)]; parent == nil || parent.ThreadTS != "" {
			code = "invalid_thread_ts"
		}
	}
	if code != "" {
		return slackError(code)
	}
	ts := s.nextTS()
	c.ChannelID, c.TS = id, ts
	s.messages[key(id, ts)] = &Message{ChannelID: id, TS: ts, ThreadTS: c.ThreadTS,
		ReplyBroadcast: c.ThreadTS != "" && c.ReplyBroadcast, Text: c.Text, Blocks: c.Blocks}
	ch := s.channels[id]
	if c.ThreadTS == "" {
		ch.top = append(ch.top, ts)
	} else {
		ch.threads[c.ThreadTS] = append(ch.threads[c.ThreadTS], ts)
	}
	msg := map[string]any{"type": "message", "text": c.Text, "ts": ts, "bot_id": "B0000000001"}
	if c.ThreadTS != "" {
		msg["thread_ts"] = c.ThreadTS
	}
	return ok(map[string]any{"channel": id, "ts": ts, "message": msg})
}

// update is chat.update: the channel must be given by ID, as Slack
// requires, and blocks left out keep the message's blocks.
func (s *Server) update(c *Call) answer {
	id, code := s.resolve(c.Channel, false)
	if code == "" {
		code = s.failing[id]
	}
	m := s.messages[key(id, c.TS)]
	if code == "" && m == nil {
		code = "message_not_found"
	}
	if code == "" {
		code = validateContent(c)
	}
	if code != "" {
		return slackError(code)
	}
	c.ChannelID = id
	m.Text = c.Text
	if c.BlocksRaw != "" {
		m.Blocks = c.Blocks
	}
	m.Edits++
	return ok(map[string]any{"channel": id, "ts": m.TS, "text": c.Text})
}

// Message returns the message channel/ts as it stands now; channel is a
// name or an ID.
func (s *Server) Message(channel, ts string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.lookup(channel)
	if ch == nil {
		return Message{}, false
	}
	m := s.messages[key(ch.id, ts)]
	if m == nil {
		return Message{}, false
	}
	return *m, true
}

// Messages returns the top-level messages of channel (a name or an ID), in
// posting order. Broadcast replies are in their thread (see Thread).
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.lookup(channel)
	if ch == nil {
		return nil
	}
	return s.collect(ch.id, ch.top)
}

// Thread returns the replies to the message channel/ts, in posting order.
func (s *Server) Thread(channel, ts string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.lookup(channel)
	if ch == nil {
		return nil
	}
	return s.collect(ch.id, ch.threads[ts])
}

func (s *Server) collect(channelID string, tss []string) []Message {
	out := make([]Message, 0, len(tss))
	for _, ts := range tss {
		out = append(out, *s.messages[key(channelID, ts)])
	}
	return out
}
