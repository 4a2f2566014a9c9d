package policy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// hostile are files built to make a parser slow: each must fail or pass
// quickly, never blow up.
func hostile() map[string]string {
	var b strings.Builder
	// Merges of merges: environment k merges environment k-1 ten times.
	b.WriteString("environments:\n  e0: &e0 {confirm: true, freeze: [\"Fri 16:00-Mon 08:00 Europe/Paris\"]}\n")
	for k := 1; k < 12; k++ {
		fmt.Fprintf(&b, "  e%d: &e%d {<<: [%s]}\n", k, k, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*e%d, ", k-1), 10), ", "))
	}
	mergeBomb := b.String()

	b.Reset()
	// One long list of windows, then many environments naming it.
	b.WriteString("environments:\n  a:\n    freeze: &w [")
	for i := range 20000 {
		fmt.Fprintf(&b, "\"Fri %02d:%02d-Mon 08:00 Europe/Paris\", ", i/60%24, i%60)
	}
	b.WriteString("]\n")
	for i := range 2000 {
		fmt.Fprintf(&b, "  b%d: {freeze: *w}\n", i)
	}
	aliasedList := b.String()

	b.Reset()
	// Teams, aliased in every rule of many environments.
	b.WriteString("permissions:\n  deploy: &r {teams: [")
	for i := range 20000 {
		fmt.Fprintf(&b, "\"@acme/t%d\", ", i)
	}
	b.WriteString("]}\nenvironments:\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "  e%d: {permissions: {deploy: *r, lock: *r, release: *r}}\n", i)
	}
	aliasedRules := b.String()

	b.Reset()
	// A long promotion chain, and a loop through all of it.
	b.WriteString("environments:\n")
	for i := range 40000 {
		fmt.Fprintf(&b, "  e%d: {after: e%d}\n", i, (i+1)%40000)
	}
	longLoop := b.String()

	b.Reset()
	// Many distinct, unknown time zones.
	b.WriteString("environments:\n  a:\n    freeze:\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "      - Fri 16:00-Mon 08:00 Nowhere/Z%d\n", 20000-i)
	}
	zones := b.String()

	b.Reset()
	// Many environments, each wrong, in the order that makes every one
	// the first so far if the decoder does not watch positions.
	b.WriteString("environments:\n")
	for i := range 12000 {
		fmt.Fprintf(&b, "  e%d: {aprovals: 1, deploy: {method: gitops, reop: %s}}\n", i, strings.Repeat("x", 10))
	}
	manyErrors := b.String()

	b.Reset()
	// As many environments as fit.
	b.WriteString("environments: {")
	for i := 0; b.Len() < MaxSize-16; i++ {
		fmt.Fprintf(&b, "%x,", i)
	}
	b.WriteString("}\n")
	flowKeys := b.String()

	b.Reset()
	// As many teams as fit.
	b.WriteString("permissions: {deploy: {teams: [")
	for i := 0; b.Len() < MaxSize-16; i++ {
		fmt.Fprintf(&b, "\"@o/%x\",", i)
	}
	b.WriteString("]}}\n")
	manyTeams := b.String()

	b.Reset()
	// A long string, aliased where each use is checked byte by byte.
	fmt.Fprintf(&b, "environments:\n  a: {url: &s https://example.com/%s}\n", strings.Repeat("r", maxString-20))
	for i := range 40000 {
		fmt.Fprintf(&b, "  b%d: {url: *s}\n", i)
	}
	longString := b.String()

	return map[string]string{
		"long string":   longString,
		"merge bomb":    mergeBomb,
		"aliased list":  aliasedList,
		"aliased rules": aliasedRules,
		"long loop":     longLoop,
		"zones":         zones,
		"many errors":   manyErrors,
		"flow keys":     flowKeys,
		"many teams":    manyTeams,
		"deep nesting":  "environments:\n  a: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n",
		"billion laughs": `environments:
  a: &a {confirm: true}
  b: &b {<<: [*a,*a,*a,*a,*a,*a,*a,*a,*a]}
  c: &c {<<: [*b,*b,*b,*b,*b,*b,*b,*b,*b]}
  d: &d {<<: [*c,*c,*c,*c,*c,*c,*c,*c,*c]}
  e: &e {<<: [*d,*d,*d,*d,*d,*d,*d,*d,*d]}
  f: &f {<<: [*e,*e,*e,*e,*e,*e,*e,*e,*e]}
  g: &g {<<: [*f,*f,*f,*f,*f,*f,*f,*f,*f]}
  h: &h {<<: [*g,*g,*g,*g,*g,*g,*g,*g,*g]}
  i: &i {<<: [*h,*h,*h,*h,*h,*h,*h,*h,*h]}
`,
		"self-referencing list": "environments:\n  a: {freeze: &l [*l, *l]}\n",
		"self-merging mapping":  "environments:\n  a: &m {<<: [*m, *m]}\n",
	}
}

func TestParseHostile(t *testing.T) {
	for name, doc := range hostile() {
		t.Run(name, func(t *testing.T) {
			if (testing.Short() || raceEnabled) && len(doc) > 100_000 {
				t.Skip("a big file, for full runs without -race")
			}
			if len(doc) > MaxSize {
				t.Fatalf("the test file is %d bytes, over MaxSize", len(doc))
			}
			start := time.Now()
			_, err := Parse([]byte(doc))
			elapsed := time.Since(start)
			var perr *Error
			if err != nil && !errors.As(err, &perr) {
				t.Fatalf("Parse = %T %v", err, err)
			}
			if err != nil && (len(perr.Msg) > 2000 || strings.Contains(perr.Msg, "\n")) {
				t.Errorf("message of %d bytes: %.200s", len(perr.Msg), perr.Msg)
			}
			t.Logf("%d bytes, %v: %v", len(doc), elapsed, err)
			// A second or less on an idle machine (under -race a few); the
			// bound is for blow-ups, not for a busy CI runner.
			if elapsed > time.Minute {
				t.Errorf("Parse took %v", elapsed)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(designExample))
	f.Add([]byte("environments:\n  staging: {}\nforms:\n  a.yml: deploy\n"))
	f.Add([]byte("environments: &a\n  x: *a\n"))
	f.Add([]byte("environments:\n  a: &a {<<: *a}\n"))
	f.Add([]byte("environments:\n  staging: &base\n    deploy: &wf {method: workflow, workflow: deploy.yml}\n  production:\n    <<: *base\n    after: staging\n  qa:\n    deploy: *wf\n    <<: [{after: staging}, *base]\n"))
	f.Add([]byte("environments:\n  a: {after: b, approvals: {required: 1, from: [write, \"@o/t\"], self: true}}\n  b: {after: a}\n"))
	f.Add([]byte("environments:\n  a: {confirm: true, confirm_ttl: 1h, url: \"https://x\", freeze: [\"Sat 00:00-Sun 23:59 Asia/Tokyo\"]}\n"))
	f.Add([]byte("permissions: {deploy: {role: write, teams: [\"@a/b\"]}}\nrelease: {tag: \"r{version}\", draft: true, jira: {project: OPS, released: true}}\n"))
	f.Add([]byte("slack: {channel: \"#x\", environments: {a: C012345678}}\nenvironments: {a: }\n"))
	f.Add([]byte("environments:\n  a: {deploy: {method: gitops, repo: a/b, path: x.yaml, key: a.b, value: \"{sha}\", branch: main, timeout: 1h}}\n"))
	f.Add([]byte("a: 1\n---\nb: 2\n"))
	f.Add([]byte("? [a]\n: b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			var perr *Error
			if !errors.As(err, &perr) || perr.Msg == "" || strings.Contains(perr.Msg, "\n") {
				t.Fatalf("Parse = %#v", err)
			}
			// YAML breaks lines at \r and at NEL, LS and PS too.
			lines := 1
			for _, br := range []string{"\n", "\r", "\u0085", "\u2028", "\u2029"} {
				lines += strings.Count(string(data), br)
			}
			if perr.Line < 0 || perr.Line > lines+1 {
				t.Fatalf("line %d of a %d-line file: %v", perr.Line, lines, err)
			}
			if _, again := Parse(data); again.Error() != err.Error() {
				t.Fatalf("Parse says %v, then %v", err, again)
			}
			return
		}
		if !slices.IsSorted(p.Environments) || len(p.Environments) != len(p.Envs) || p.Forms == nil {
			t.Fatalf("environments %q, envs %v", p.Environments, p.Envs)
		}
		for _, name := range p.Environments {
			env, ok := p.Environment(name)
			if !p.HasEnvironment(name) || !ok || env.Name != name || !validName(name) {
				t.Fatalf("declared %q: %+v", name, env)
			}
			if env.After != "" && (env.After == name || !p.HasEnvironment(env.After)) {
				t.Fatalf("%s after %q", name, env.After)
			}
			switch d := env.Deploy; {
			case d.Timeout <= 0 || d.Timeout > 24*time.Hour || env.ConfirmTTL < time.Minute || env.ConfirmTTL > 24*time.Hour:
				t.Fatalf("%s: timeout %v, confirm TTL %v", name, d.Timeout, env.ConfirmTTL)
			case d.Method == "workflow" && d.Workflow == "", d.Method == "gitops" && (d.Repo == "" || d.Path == "" || d.Key == "" || d.Value == ""):
				t.Fatalf("%s: %+v", name, d)
			case d.Method != "deployment" && d.Method != "workflow" && d.Method != "gitops":
				t.Fatalf("%s: method %q", name, d.Method)
			}
			if a := env.Approvals; a.Required < 0 || a.Required > 10 {
				t.Fatalf("%s: %+v", name, a)
			}
			for _, w := range env.Freeze {
				if w.start == w.end || w.loc == nil {
					t.Fatalf("%s: window %+v", name, w)
				}
			}
			p.Frozen(name, time.Unix(int64(len(data))*1e6, 0))
			for _, cmd := range append(slices.Clone(commands), "status") {
				if r := p.Rule(cmd, name); r.Role == "" && len(r.Teams) == 0 {
					t.Fatalf("Rule(%s, %s) admits no one", cmd, name)
				}
			}
		}
		// Promotion order ends.
		for _, name := range p.Environments {
			seen := map[string]bool{}
			for cur := name; cur != ""; cur = p.Envs[cur].After {
				if seen[cur] {
					t.Fatalf("promotion from %s loops", name)
				}
				seen[cur] = true
			}
		}
		if !strings.Contains(p.Release.Tag, "{version}") || p.Release.Changelog == "" {
			t.Fatalf("release %+v", p.Release)
		}
		if j := p.Release.Jira; j != nil && (j.Project == "" || !strings.Contains(j.Version, "{version}")) {
			t.Fatalf("jira %+v", j)
		}
		for env := range p.Slack.Environments {
			if !p.HasEnvironment(env) {
				t.Fatalf("slack routes %q", env)
			}
		}
	})
}
