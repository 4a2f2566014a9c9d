package form

import (
	"strings"
	"testing"
	"time"
)

// bodySize is GitHub's limit on an issue body, in characters.
const bodySize = 65536

// bigBody is releaseForm answered in full with release notes padded to
// exactly bodySize bytes: paragraphs, lists, fenced code with "###" inside,
// and the user's own headings.
func bigBody() string {
	const placeholder = "Fixes things.\n\nSecond paragraph\nwith a break."
	chunk := "### Highlights\n\n- faster deploys (#12)\n- fewer *surprises*\n\n```sh\n### not a heading\nmake release\n```\n\nPlain paragraph text that goes on for a while.\n\n"
	size := bodySize - (len(fullBody) - len(placeholder))
	notes := strings.Repeat(chunk, size/len(chunk))
	notes += strings.Repeat("x", size-len(notes))
	return strings.Replace(fullBody, placeholder, notes, 1)
}

// adversarialBodies are bodies of bodySize built to make a careless parser
// quadratic: unclosed fences, thousands of headings, a long multi-select
// answer, thousands of checkbox lines.
func adversarialBodies() map[string]string {
	fill := func(prefix, unit string) string {
		var b strings.Builder
		b.WriteString(prefix)
		for b.Len() < bodySize {
			b.WriteString(unit)
		}
		return b.String()[:bodySize]
	}
	return map[string]string{
		"unclosed fences":     fill("### Release notes\n\n", "~~~ x\n"),
		"growing fences":      fill("### Release notes\n\n", "````````````````````````````````````````\n```\n"),
		"unknown headings":    fill("### Version\n\n1\n\n", "### x\n"),
		"known headings":      fill("", "### Version\n### Release notes\n"),
		"multi-select":        fill("### Regions\n\n", "Europe, Middle East, "),
		"multi-select commas": fill("### Regions\n\n", "Europe, Middle East, Africa, "),
		"checkbox lines":      fill("### Checks\n\n", "- [x] I ran the tests\n"),
		"one long line":       fill("### Version\n\n", "x"),
	}
}

func BenchmarkParse65K(b *testing.B) {
	tmpl := mustTemplate(b, releaseForm)
	body := bigBody()
	if len(body) != bodySize {
		b.Fatalf("body is %d bytes", len(body))
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		Parse(tmpl, body)
	}
}

func BenchmarkParseAdversarial(b *testing.B) {
	tmpl := mustTemplate(b, releaseForm)
	for name, body := range adversarialBodies() {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				Parse(tmpl, body)
			}
		})
	}
}

func BenchmarkCheck(b *testing.B) {
	data := []byte(releaseForm)
	for b.Loop() {
		Check(data)
	}
}

// TestParseLinear guards against quadratic work: every 64 KiB body must
// parse well within a limit generous enough for -race and slow machines
// (a quadratic parser takes seconds on these).
func TestParseLinear(t *testing.T) {
	tmpl := mustTemplate(t, releaseForm)
	bodies := adversarialBodies()
	bodies["realistic"] = bigBody()
	for name, body := range bodies {
		best := time.Hour // the best of three, so a busy machine does not fail it
		for range 3 {
			start := time.Now()
			Parse(tmpl, body)
			ParseRaw(body)
			best = min(best, time.Since(start))
		}
		if best > 250*time.Millisecond {
			t.Errorf("%s: %v for %d bytes", name, best, len(body))
		}
	}
}

// TestBigBody checks the benchmark body parses as intended.
func TestBigBody(t *testing.T) {
	r := Parse(mustTemplate(t, releaseForm), bigBody())
	if r.Missing != nil || r.Unmatched != nil || r.Invalid != nil {
		t.Fatalf("Missing %q Unmatched %q Invalid %q", r.Missing, r.Unmatched, r.Invalid)
	}
	if notes := r.Values["notes"].Text; len(notes) < bodySize*9/10 || !strings.HasPrefix(notes, "### Highlights") {
		t.Errorf("notes: %d bytes", len(notes))
	}
	if r.Values[punctKey].Text != "Ada" {
		t.Errorf("last field: %+v", r.Values[punctKey])
	}
}
