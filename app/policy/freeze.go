package policy

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	// The server runs in a distroless image without /usr/share/zoneinfo:
	// freeze windows name IANA zones, so the zone database is built in.
	_ "time/tzdata"
)

// Window is one weekly freeze window, like "Fri 16:00-Mon 08:00
// Europe/Paris": from a day and time to a day and time, on the wall clock of
// a zone (UTC when none is written). It may wrap over the week end. Times are
// wall-clock times, so a window keeps its local hours across daylight-saving
// changes.
type Window struct {
	// Text is the window as written, for messages.
	Text string

	start, end int // minutes from Monday 00:00, start included, end not
	loc        *time.Location
}

const minutesPerWeek = 7 * 24 * 60

// Contains reports whether t falls in the window, to the minute.
func (w Window) Contains(t time.Time) bool {
	if w.start == w.end {
		return false // the zero Window
	}
	loc := w.loc
	if loc == nil {
		loc = time.UTC
	}
	local := t.In(loc)
	m := (int(local.Weekday())+6)%7*24*60 + local.Hour()*60 + local.Minute()
	if w.start < w.end {
		return w.start <= m && m < w.end
	}
	return m >= w.start || m < w.end
}

// Frozen returns the first freeze window of env that contains t; ok is false
// when there is none (or no such environment).
func (p *Policy) Frozen(env string, t time.Time) (Window, bool) {
	e, ok := p.Environment(env)
	if !ok {
		return Window{}, false
	}
	for _, w := range e.Freeze {
		if w.Contains(t) {
			return w, true
		}
	}
	return Window{}, false
}

var windowRE = regexp.MustCompile(`^\s*([A-Za-z]+)\s+(\d{1,2}):(\d{2})\s*-\s*([A-Za-z]+)\s+(\d{1,2}):(\d{2})(?:\s+(\S+))?\s*$`)

var days = map[string]int{
	"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
	"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}

const windowExample = `"Fri 16:00-Mon 08:00 Europe/Paris"`

// parseWindow reads "<day> HH:MM-<day> HH:MM [zone]"; loadZone finds zones.
func parseWindow(text string, loadZone func(string) (*time.Location, error)) (Window, error) {
	m := windowRE.FindStringSubmatch(text)
	if m == nil {
		return Window{}, fmt.Errorf("%s is not a freeze window: write <day> HH:MM-<day> HH:MM [zone], like %s", q(text), windowExample)
	}
	start, err := weekMinute(m[1], m[2], m[3])
	if err != nil {
		return Window{}, err
	}
	end, err := weekMinute(m[4], m[5], m[6])
	if err != nil {
		return Window{}, err
	}
	if start == end {
		return Window{}, fmt.Errorf("the freeze window %s starts when it ends: it would hold no time, or all", q(text))
	}
	loc, err := loadZone(m[7])
	if err != nil {
		return Window{}, err
	}
	return Window{Text: text, start: start, end: end, loc: loc}, nil
}

func weekMinute(day, hour, minute string) (int, error) {
	d, ok := days[strings.ToLower(day)]
	if !ok {
		return 0, fmt.Errorf("%s is not a day: Mon, Tue, Wed, Thu, Fri, Sat or Sun", q(day))
	}
	h, _ := strconv.Atoi(hour)
	mi, _ := strconv.Atoi(minute)
	if h > 23 || mi > 59 {
		return 0, fmt.Errorf("%s is not a time of day: 00:00 to 23:59", q(hour+":"+minute))
	}
	return d*24*60 + h*60 + mi, nil
}

// zoneRE is the shape of an IANA zone name, checked before the database is
// asked (which may mean opening files).
var zoneRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*$`)

// loadZone loads an IANA zone; "" is UTC. "Local" is refused: it is the
// server's zone, which the repository does not know.
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "UTC" {
		return time.UTC, nil
	}
	if name != "Local" && len(name) <= 64 && zoneRE.MatchString(name) {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc, nil
		}
	}
	return nil, fmt.Errorf("unknown time zone %s: write an IANA name like Europe/Paris, or nothing for UTC", q(name))
}

// zone is a loadZone result, cached by the decoder.
type zone struct {
	loc *time.Location
	err error
}

func (d *decoder) zone(name string) (*time.Location, error) {
	if z, ok := d.zones[name]; ok {
		return z.loc, z.err
	}
	loc, err := loadZone(name)
	if d.zones == nil {
		d.zones = map[string]zone{}
	}
	d.zones[name] = zone{loc, err}
	return loc, err
}

type windowResult struct {
	w   Window
	err error
}

// window parses the window of node n once: aliases can repeat it many
// times.
func (d *decoder) window(n *yaml.Node, text string) (Window, error) {
	if r, ok := d.windows[n]; ok {
		return r.w, r.err
	}
	w, err := parseWindow(text, d.zone)
	if d.windows == nil {
		d.windows = map[*yaml.Node]windowResult{}
	}
	d.windows[n] = windowResult{w, err}
	return w, err
}

// freeze reads a list of windows.
func (d *decoder) freeze(n *yaml.Node, label string) []Window {
	var out []Window
	for _, item := range d.list(n, label, "["+windowExample+"]") {
		text, ok := d.str(item, "a window of "+label)
		switch {
		case !ok:
		case !d.wants(item):
			// A problem comes earlier; parsing is work for nothing.
		case text == "":
			d.fail(item, "%s has an empty window", label)
		default:
			w, err := d.window(item, text)
			if err != nil {
				d.fail(item, "%s: %s", label, err)
				continue
			}
			out = append(out, w)
		}
	}
	return out
}
