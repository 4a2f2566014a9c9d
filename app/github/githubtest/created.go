package githubtest

import (
	"strings"
	"time"
)

// The created filter of GitHub's run listings takes its search syntax for
// dates (https://docs.github.com/search-github/getting-started-with-searching-on-github/understanding-the-search-syntax#query-for-dates):
// a date (YYYY-MM-DD, the whole day in UTC) or a date-time (YYYY-MM-DDTHH:MM:SS
// with an optional Z or ±HH:MM offset, UTC without one), alone or after
// >, >=, < or <=, or a range A..B whose ends may be * (open).

// timeRange is the half-open interval [from, to) a filter selects; a bound
// not set is open.
type timeRange struct {
	from, to       time.Time
	hasFrom, hasTo bool
}

// contains reports whether t lies in the range, at GitHub's one-second
// resolution.
func (r timeRange) contains(t time.Time) bool {
	t = t.Truncate(time.Second)
	if r.hasFrom && t.Before(r.from) {
		return false
	}
	return !r.hasTo || t.Before(r.to)
}

// parseCreated parses a created filter; ok is false when it is not one.
func parseCreated(q string) (r timeRange, ok bool) {
	q = strings.TrimSpace(q)
	for _, op := range []string{">=", "<=", ">", "<"} {
		v, found := strings.CutPrefix(q, op)
		if !found {
			continue
		}
		start, end, ok := parseInstant(v)
		switch op {
		case ">=":
			return timeRange{from: start, hasFrom: true}, ok
		case ">":
			return timeRange{from: end, hasFrom: true}, ok
		case "<=":
			return timeRange{to: end, hasTo: true}, ok
		default:
			return timeRange{to: start, hasTo: true}, ok
		}
	}
	if a, b, found := strings.Cut(q, ".."); found {
		ok = true
		if a != "*" {
			var aok bool
			r.from, _, aok = parseInstant(a)
			r.hasFrom, ok = true, aok
		}
		if b != "*" {
			var bok bool
			_, r.to, bok = parseInstant(b)
			r.hasTo, ok = true, ok && bok
		}
		return r, ok
	}
	start, end, ok := parseInstant(q)
	return timeRange{from: start, to: end, hasFrom: true, hasTo: true}, ok
}

// dateTimeLayouts are the date-time forms accepted, with and without an
// offset and seconds.
var dateTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04Z07:00", "2006-01-02T15:04"}

// parseInstant parses one end of a filter into the interval it names: a
// date its day, a date-time its second.
func parseInstant(v string) (start, end time.Time, ok bool) {
	// A "+" of an offset that was not escaped in the query arrives as a
	// space.
	if len(v) > 19 && v[len(v)-6] == ' ' {
		v = v[:len(v)-6] + "+" + v[len(v)-5:]
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, t.AddDate(0, 0, 1), true
	}
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			t = t.Truncate(time.Second)
			return t, t.Add(time.Second), true
		}
	}
	return time.Time{}, time.Time{}, false
}
