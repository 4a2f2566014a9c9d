package policy

import (
	"strings"
	"testing"
	"time"
)

func window(t *testing.T, text string) Window {
	t.Helper()
	w, err := parseWindow(text, loadZone)
	if err != nil {
		t.Fatalf("parseWindow(%q): %v", text, err)
	}
	return w
}

func TestWindowAcrossTheWeekEnd(t *testing.T) {
	w := window(t, "Fri 16:00-Mon 08:00 Europe/Paris")
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, c := range []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 5, 15, 15, 59, 59, 0, paris), false}, // Friday, a second before
		{time.Date(2026, 5, 15, 16, 0, 0, 0, paris), true},
		{time.Date(2026, 5, 16, 12, 0, 0, 0, paris), true},  // Saturday
		{time.Date(2026, 5, 17, 23, 59, 0, 0, paris), true}, // Sunday night, the week's last minute
		{time.Date(2026, 5, 18, 0, 0, 0, 0, paris), true},   // Monday, the week's first
		{time.Date(2026, 5, 18, 7, 59, 59, 0, paris), true},
		{time.Date(2026, 5, 18, 8, 0, 0, 0, paris), false}, // the end is not in the window
		{time.Date(2026, 5, 20, 12, 0, 0, 0, paris), false},
		// The same instants written in another zone: Friday 14:30 UTC is
		// 16:30 in Paris (summer time).
		{time.Date(2026, 5, 15, 14, 30, 0, 0, time.UTC), true},
		{time.Date(2026, 5, 15, 13, 30, 0, 0, time.UTC), false},
		// Monday 07:30 in Paris is Monday 01:30 in New York.
		{time.Date(2026, 5, 18, 1, 30, 0, 0, mustZone(t, "America/New_York")), true},
	} {
		if got := w.Contains(c.at); got != c.want {
			t.Errorf("Contains(%s) = %v, want %v", c.at, got, c.want)
		}
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// Windows are wall-clock times: across a daylight-saving change the window
// keeps its local hours, so its UTC bounds move by an hour.
func TestWindowAcrossDST(t *testing.T) {
	w := window(t, "Sat 22:00-Sun 04:00 Europe/Paris")
	for _, c := range []struct {
		name string
		at   time.Time // UTC
		want bool
	}{
		// 29 March 2026: at 02:00 CET (01:00 UTC) Paris goes to 03:00 CEST.
		{"spring, Saturday 21:00 UTC is 22:00 CET", time.Date(2026, 3, 28, 21, 0, 0, 0, time.UTC), true},
		{"spring, Saturday 20:59 UTC is 21:59 CET", time.Date(2026, 3, 28, 20, 59, 0, 0, time.UTC), false},
		{"spring, 00:59 UTC is 01:59 CET", time.Date(2026, 3, 29, 0, 59, 0, 0, time.UTC), true},
		{"spring, 01:00 UTC is 03:00 CEST", time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), true},
		{"spring, 01:59 UTC is 03:59 CEST", time.Date(2026, 3, 29, 1, 59, 0, 0, time.UTC), true},
		{"spring, 02:00 UTC is 04:00 CEST", time.Date(2026, 3, 29, 2, 0, 0, 0, time.UTC), false},
		{"a week before, 02:00 UTC is 03:00 CET", time.Date(2026, 3, 22, 2, 0, 0, 0, time.UTC), true},
		{"a week before, 03:00 UTC is 04:00 CET", time.Date(2026, 3, 22, 3, 0, 0, 0, time.UTC), false},
		// 25 October 2026: at 03:00 CEST (01:00 UTC) Paris goes back to
		// 02:00 CET; the window ends at 04:00 CET, 03:00 UTC.
		{"autumn, Saturday 20:00 UTC is 22:00 CEST", time.Date(2026, 10, 24, 20, 0, 0, 0, time.UTC), true},
		{"autumn, Saturday 19:59 UTC is 21:59 CEST", time.Date(2026, 10, 24, 19, 59, 0, 0, time.UTC), false},
		{"autumn, 00:30 UTC is the first 02:30", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), true},
		{"autumn, 01:30 UTC is the second 02:30", time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), true},
		{"autumn, 02:59 UTC is 03:59 CET", time.Date(2026, 10, 25, 2, 59, 0, 0, time.UTC), true},
		{"autumn, 03:00 UTC is 04:00 CET", time.Date(2026, 10, 25, 3, 0, 0, 0, time.UTC), false},
	} {
		if got := w.Contains(c.at); got != c.want {
			t.Errorf("%s: Contains(%s) = %v, want %v", c.name, c.at, got, c.want)
		}
	}
	// A window starting in the hour that does not exist starts when the
	// clock jumps past it.
	gap := window(t, "Sun 02:30-Sun 05:00 Europe/Paris")
	if gap.Contains(time.Date(2026, 3, 29, 0, 59, 0, 0, time.UTC)) || !gap.Contains(time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)) {
		t.Error("a window starting at 02:30 on the spring-forward night must start at 03:00 CEST")
	}
}

func TestWindowShapes(t *testing.T) {
	for _, c := range []struct {
		text       string
		start, end int
		zone       string
	}{
		{"Mon 00:00-Sun 23:59", 0, 7*24*60 - 1, "UTC"},
		{"  sun 23:00 - MON 1:00  UTC ", 6*24*60 + 23*60, 60, "UTC"},
		{"Tuesday 09:30-Tuesday 09:31 Asia/Kolkata", 24*60 + 9*60 + 30, 24*60 + 9*60 + 31, "Asia/Kolkata"},
		{"Wed 10:00-Wed 09:00 Etc/GMT+3", 2*24*60 + 600, 2*24*60 + 540, "Etc/GMT+3"},
	} {
		w := window(t, c.text)
		if w.start != c.start || w.end != c.end || w.loc.String() != c.zone || w.Text != c.text {
			t.Errorf("%q = %d-%d %s, want %d-%d %s", c.text, w.start, w.end, w.loc, c.start, c.end, c.zone)
		}
	}
	// Wed 10:00 to Wed 09:00 is all the week but an hour.
	w := window(t, "Wed 10:00-Wed 09:00")
	if !w.Contains(time.Date(2026, 5, 20, 8, 59, 0, 0, time.UTC)) || w.Contains(time.Date(2026, 5, 20, 9, 30, 0, 0, time.UTC)) {
		t.Error("a window of all but an hour")
	}
}

func TestWindowErrors(t *testing.T) {
	for text, want := range map[string]string{
		"":                                       "is not a freeze window",
		"Fri 16:00":                              "is not a freeze window",
		"Fri 16:00-Mon":                          "is not a freeze window",
		"Fri 16:00-Mon 08:00 Europe/Paris extra": "is not a freeze window",
		"Fri 1600-Mon 0800":                      "is not a freeze window",
		"Fri 16:0-Mon 08:00":                     "is not a freeze window",
		"Fri 123:00-Mon 08:00":                   "is not a freeze window",
		"Fr 16:00-Mon 08:00":                     `"Fr" is not a day`,
		"Fri 16:00-Mo 08:00":                     `"Mo" is not a day`,
		"Fri 16:60-Mon 08:00":                    `"16:60" is not a time of day`,
		"Fri 16:00-Mon 08:00 Mars/Olympus":       "unknown time zone",
		"Fri 16:00-Mon 08:00 ../etc/passwd":      "unknown time zone",
		"Fri 16:00-Mon 08:00 /etc/localtime":     "unknown time zone",
		"Fri 16:00-Mon 08:00 Local":              "unknown time zone",
		"Mon 08:00-monday 8:00":                  "starts when it ends",
	} {
		_, err := parseWindow(text, loadZone)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseWindow(%q) = %v, want %q", text, err, want)
		}
	}
}

func FuzzWindow(f *testing.F) {
	for _, s := range []string{
		"Fri 16:00-Mon 08:00 Europe/Paris", "Mon 00:00-Sun 23:59", "sun 23:00 - MON 1:00 UTC", "Wed 10:00-Wed 09:00 Etc/GMT+3",
		"Sat 22:00-Sun 04:00 Europe/Paris", "Fri 16:00-Fri 16:00", "Fri 16:00-Mon 08:00 Local", "Fri 99:99-Mon 08:00",
		"Thursday 1:05-friday 23:59 America/Argentina/Buenos_Aires",
	} {
		f.Add(s, int64(1779000000))
	}
	f.Fuzz(func(t *testing.T, text string, unix int64) {
		w, err := parseWindow(text, loadZone)
		if err != nil {
			if strings.Contains(err.Error(), "\n") && !strings.Contains(text, "\n") {
				t.Fatalf("a message of two lines: %q", err)
			}
			return
		}
		if w.Text != text || w.start == w.end || w.start < 0 || w.start >= minutesPerWeek || w.end < 0 || w.end >= minutesPerWeek || w.loc == nil {
			t.Fatalf("%q parsed to %+v", text, w)
		}
		again, err := parseWindow(w.Text, loadZone)
		if err != nil || again.Text != w.Text || again.start != w.start || again.end != w.end || again.loc.String() != w.loc.String() {
			t.Fatalf("%q parsed again to %+v, %v", text, again, err)
		}
		at := time.Unix(unix%(1<<40), 0)
		_ = w.Contains(at)
		// The window's first minute is in it, its end and the minute
		// before its start are not (start != end). Check on a week of
		// 2026 whose wall clock has no daylight-saving jump near them.
		monday := time.Date(2026, 5, 18, 0, 0, 0, 0, w.loc)
		for _, c := range []struct {
			minute int
			want   bool
		}{{w.start, true}, {w.end, false}, {(w.start + minutesPerWeek - 1) % minutesPerWeek, false}, {(w.end + minutesPerWeek - 1) % minutesPerWeek, true}} {
			tm := monday.Add(time.Duration(c.minute) * time.Minute)
			local := tm.In(w.loc)
			if (int(local.Weekday())+6)%7*24*60+local.Hour()*60+local.Minute() != c.minute {
				continue // the zone jumped in the week: the wall clock skipped that minute
			}
			if got := w.Contains(tm); got != c.want {
				t.Fatalf("%q: Contains(%s) = %v, want %v", text, tm, got, c.want)
			}
		}
	})
}
