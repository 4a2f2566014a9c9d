package gitops

import (
	"errors"
	"strings"
	"testing"
)

const helmRelease = `# Podinfo, deployed by issueops: only spec.values.image.tag is ours.
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
  namespace: apps
spec:
  interval: 10m
  chart:
    spec:
      chart: podinfo
      version: "6.5.*"   # the chart's range, not the app's version
      sourceRef:
        kind: HelmRepository
        name: podinfo
  values:
    replicaCount: 2
    image:
      repository: ghcr.io/stefanprodan/podinfo
      # bumped on every deploy
      tag: 6.5.0 # {"$imagepolicy": "apps:podinfo:tag"}
      pullPolicy: IfNotPresent

    ingress:
      enabled: true   # keep
`

const kustomization = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: api
resources:
  - deployment.yaml
  - service.yaml
images:
  - name: ghcr.io/acme/api
    newTag: v1.3.9
  - name: ghcr.io/acme/worker
    newName: ghcr.io/acme/worker-ng
    newTag: "v1.3.9"
`

const application = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: api
  namespace: argocd
  finalizers:
    - resources-finalizer.argocd.argoproj.io
spec:
  project: default
  source:
    repoURL: https://github.com/acme/deploy.git
    targetRevision: 'v1.3.9'
    path: apps/api
    helm:
      parameters:
        - name: image.tag
          value: v1.3.9
  destination:
    server: https://kubernetes.default.svc
    namespace: api
  syncPolicy:
    automated: {prune: true, selfHeal: true}
`

const multiDoc = `# two releases in one file
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: api}
spec:
  values:
    image: {tag: v1}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: worker}
spec:
  values:
    image: {tag: v1}
...
`

// replace is in with the first old swapped for new, and checks that old
// is there: the golden outputs of the big files below are written as the
// one line that changes.
func replace(t testing.TB, in, old, new string) string {
	t.Helper()
	if !strings.Contains(in, old) {
		t.Fatalf("fixture has no %q", old)
	}
	return strings.Replace(in, old, new, 1)
}

type setCase struct {
	name, doc, key, value string
	want, old             string
}

func setCases(t testing.TB) []setCase {
	return []setCase{
		{"flux helmrelease", helmRelease, "spec.values.image.tag", "6.5.1",
			replace(t, helmRelease, "tag: 6.5.0 #", "tag: 6.5.1 #"), "6.5.0"},
		{"flux chart version stays quoted", helmRelease, "spec.chart.spec.version", "6.6.*",
			replace(t, helmRelease, `"6.5.*"   #`, `"6.6.*"   #`), "6.5.*"},
		{"kustomize images list", kustomization, "images.0.newTag", "v1.4.0",
			replace(t, kustomization, "newTag: v1.3.9", "newTag: v1.4.0"), "v1.3.9"},
		{"kustomize second image, double-quoted", kustomization, "images.1.newTag", "v1.4.0",
			replace(t, kustomization, `newTag: "v1.3.9"`, `newTag: "v1.4.0"`), "v1.3.9"},
		{"argo cd single-quoted revision", application, "spec.source.targetRevision", "v1.4.0",
			replace(t, application, "'v1.3.9'", "'v1.4.0'"), "v1.3.9"},
		{"argo cd helm parameter", application, "spec.source.helm.parameters.0.value", "v1.4.0",
			replace(t, application, "value: v1.3.9", "value: v1.4.0"), "v1.3.9"},
		{"argo cd flow mapping value", application, "spec.syncPolicy.automated.prune", "false",
			replace(t, application, "{prune: true,", `{prune: "false",`), "true"},
		{"values.yaml with CRLF", "image:\r\n  repository: acme/api\r\n  tag: v1 # pinned\r\n  pullPolicy: Always\r\n", "image.tag", "v2",
			"image:\r\n  repository: acme/api\r\n  tag: v2 # pinned\r\n  pullPolicy: Always\r\n", "v1"},
		{"lone CR line ends", "a: 1\rimage:\r  tag: v1\r", "image.tag", "v2", "a: 1\rimage:\r  tag: v2\r", "v1"},
		{"byte order mark", "\ufeffimage:\n  tag: v1\n", "image.tag", "v2", "\ufeffimage:\n  tag: v2\n", "v1"},
		{"byte order mark, value on line 1", "\ufefftag: v1\n", "tag", "v10", "\ufefftag: v10\n", "v1"},
		{"multi-doc edits the first only", multiDoc, "spec.values.image.tag", "v2",
			replace(t, multiDoc, "{tag: v1}", "{tag: v2}"), "v1"},
		{"flow mapping, middle key", "image: {repository: acme/api, tag: v1, pullPolicy: Always}\n", "image.tag", "v1.10.0",
			"image: {repository: acme/api, tag: v1.10.0, pullPolicy: Always}\n", "v1"},
		{"flow mapping, comma needs quotes", "image: {tag: v1, pull: Always}\n", "image.tag", "a,b",
			"image: {tag: \"a,b\", pull: Always}\n", "v1"},
		{"flow mapping over lines", "image: {\n  tag: v1,\n  pull: Always\n}\n", "image.tag", "v2",
			"image: {\n  tag: v2,\n  pull: Always\n}\n", "v1"},
		{"flow sequence", "tags: [v1, v2, v3]\n", "tags.1", "v2.1", "tags: [v1, v2.1, v3]\n", "v2"},
		{"root sequence", "- v1\n- v2\n", "1", "v3", "- v1\n- v3\n", "v2"},
		{"digits under a mapping are a key", "ports:\n  \"80\": http\n", "ports.80", "web", "ports:\n  \"80\": web\n", "http"},
		{"unicode key before the value", "größe: v1\n", "größe", "v2", "größe: v2\n", "v1"},
		{"unicode in a flow mapping before the value", "bild: {größe: ä, tag: v1, ü: ö}\n", "bild.tag", "v2",
			"bild: {größe: ä, tag: v2, ü: ö}\n", "v1"},
		{"unicode old value", "tag: «v1»\nnext: x\n", "tag", "v2", "tag: v2\nnext: x\n", "«v1»"},
		{"emoji and CJK before the value", "\"日本🚀\": {tag: v1}\n", "日本🚀.tag", "v2", "\"日本🚀\": {tag: v2}\n", "v1"},
		{"line separator in a comment counts as a line", "# a\u2028b: 1\ntag: v1\n", "tag", "v2", "# a\u2028b: 1\ntag: v2\n", "v1"},
		{"trailing comment", "tag: v1 # pinned by issueops\n", "tag", "v2", "tag: v2 # pinned by issueops\n", "v1"},
		{"comment after the last value, quotes added", "image:\n  tag: 1.0\n# end of the values\n", "image.tag", "1.10",
			"image:\n  tag: \"1.10\"\n# end of the values\n", "1.0"},
		{"comment after the last item, quotes added", "- 0\n  # after\n#\n", "0", "1", "- \"1\"\n  # after\n#\n", "0"},
		{"tab before the value", "tag:\tv1\t# c\n", "tag", "v2", "tag:\tv2\t# c\n", "v1"},
		{"no final newline", "tag: v1", "tag", "v2", "tag: v2", "v1"},
		{"value under explicit key", "? tag\n: v1\n", "tag", "v2", "? tag\n: v2\n", "v1"},
		{"double-quoted escapes", `tag: "v1" # c` + "\n", "tag", "a\"b\\c\td\x01\u00ad\ufeff",
			`tag: "a\"b\\c\td\x01` + "\u00ad" + `\ufeff" # c` + "\n", "v1"},
		{"double-quoted old with escapes", `tag: "v\x31\"" # c` + "\n", "tag", "v2", `tag: "v2" # c` + "\n", `v1"`},
		{"single-quoted doubles quotes", "tag: 'v1'\n", "tag", "it's", "tag: 'it''s'\n", "v1"},
		{"single-quoted old with quotes", "tag: 'it''s' # c\n", "tag", "v2", "tag: 'v2' # c\n", "it's"},
		{"single-quoted cannot hold a tab", "tag: 'v1'\n", "tag", "a\tb", "tag: \"a\\tb\"\n", "v1"},
		{"single-quoted keeps spaces", "tag: 'v1'\n", "tag", " v2 ", "tag: ' v2 '\n", "v1"},
		{"null is replaced", "tag: null\n", "tag", "v1", "tag: v1\n", "null"},
		{"number old value becomes a string", "tag: 1.10\n", "tag", "1.11", "tag: \"1.11\"\n", "1.10"},
		{"empty string", "tag: v1\n", "tag", "", "tag: \"\"\n", "v1"},
	}
}

func TestSet(t *testing.T) {
	for _, c := range setCases(t) {
		t.Run(c.name, func(t *testing.T) {
			out, old, changed, err := Set([]byte(c.doc), c.key, c.value)
			if err != nil {
				t.Fatalf("Set: %v", err)
			}
			if string(out) != c.want || old != c.old || !changed {
				t.Errorf("Set = %q, old %q, changed %v\nwant  %q, old %q, changed true", out, old, changed, c.want, c.old)
			}
			if v, found, err := Get(out, c.key); v != c.value || !found || err != nil {
				t.Errorf("Get(out) = %q, %v, %v; want %q", v, found, err, c.value)
			}
		})
	}
}

// TestSetQuoting pins which values stay plain after a plain token: what a
// YAML reader would take for anything but that string is double-quoted.
func TestSetQuoting(t *testing.T) {
	for value, want := range map[string]string{
		"v1.4.0":                 "v1.4.0",
		"1.4.0":                  "1.4.0",
		"v1@sha256:0123abcd":     "v1@sha256:0123abcd",
		"sha256:0123abcd":        "sha256:0123abcd",
		"main-a1b2c3d":           "main-a1b2c3d",
		"a#b":                    "a#b",
		"true":                   `"true"`,
		"False":                  `"False"`,
		"yes":                    `"yes"`,
		"on":                     `"on"`,
		"N":                      `"N"`,
		"null":                   `"null"`,
		"~":                      `"~"`,
		"1.10":                   `"1.10"`,
		"1":                      `"1"`,
		"0755":                   `"0755"`,
		"0x1":                    `"0x1"`,
		"0b101":                  `"0b101"`,
		"1_000":                  `"1_000"`,
		"1e3":                    `"1e3"`,
		".5":                     `".5"`,
		".inf":                   `".inf"`,
		".NaN":                   `".NaN"`,
		"1:20":                   `"1:20"`,
		"2024-01-31":             `"2024-01-31"`,
		"99999999999999999999":   `"99999999999999999999"`,
		"@sha256:0123abcd":       `"@sha256:0123abcd"`,
		"a: b":                   `"a: b"`,
		"a:":                     `"a:"`,
		"a #b":                   `"a #b"`,
		"-v1":                    `"-v1"`,
		"*x":                     `"*x"`,
		"&x":                     `"&x"`,
		"!x":                     `"!x"`,
		"'v1'":                   `"'v1'"`,
		`"v1"`:                   `"\"v1\""`,
		"%v":                     `"%v"`,
		"[v1]":                   `"[v1]"`,
		"{v1}":                   `"{v1}"`,
		"|":                      `"|"`,
		" v1":                    `" v1"`,
		"v1 ":                    `"v1 "`,
		"...":                    `"..."`,
		"a\tb":                   `"a\tb"`,
		"\u00a0v1":               "\"\u00a0v1\"",
		"ver\u00adsion":          "ver\u00adsion",
		"\x7f":                   `"\x7f"`,
		"\U0001F680":             "\U0001F680",
		"x\ufffey":               `"x\ufffe` + `y"`,
		"v1,v2":                  "v1,v2",
		"release/2024-01-31_rc1": "release/2024-01-31_rc1",
	} {
		out, _, _, err := Set([]byte("tag: v0 # c\n"), "tag", value)
		if err != nil {
			t.Errorf("Set(%q): %v", value, err)
			continue
		}
		if got := strings.TrimSuffix(strings.TrimPrefix(string(out), "tag: "), " # c\n"); got != want {
			t.Errorf("Set(%q) wrote %s, want %s", value, got, want)
		}
	}
}

func TestSetUnchanged(t *testing.T) {
	for _, c := range []struct{ doc, key, value string }{
		{helmRelease, "spec.values.image.tag", "6.5.0"},
		{kustomization, "images.1.newTag", "v1.3.9"},
		{"tag: 1.10\n", "tag", "1.10"},
	} {
		doc := []byte(c.doc)
		out, old, changed, err := Set(doc, c.key, c.value)
		if err != nil || changed || old != c.value || len(out) != len(doc) || &out[0] != &doc[0] {
			t.Errorf("Set(%s, %q) = changed %v, old %q, err %v; want doc itself, unchanged", c.key, c.value, changed, old, err)
		}
	}
}

// TestSetVerifies shows that the final check refuses an output that does
// not hold, by handing verify wrong splices of "a: {tag: v1, b: c}\n".
func TestSetVerifies(t *testing.T) {
	doc := []byte("a: {tag: v1, b: c}\n")
	docs, err := parse("a.tag", doc)
	if err != nil {
		t.Fatal(err)
	}
	segs := []string{"a", "tag"}
	f, _, _ := lookup("a.tag", first(docs), segs)
	e := edit{doc: doc, value: "v2", start: 9, end: 11, line: 1, col: 10}
	for _, out := range []string{
		"a: {tag: v2, b: d}\n",      // another value changed
		"a: {tag: v2,  b: c}\n",     // another node moved
		"a: {tag: v2, b: c} # x\n",  // a comment added
		"a: {tag: v2, b: c}\n---\n", // a document added
		"a: {tag: [v2], b: c}\n",    // not a scalar
		"a: {tag: 2, b: c}\n",       // not a string
		"a: {tag: v2, b: c\n",       // does not parse
		"a:  {tag: v2, b: c}\n",     // a byte before the token
	} {
		e.out = []byte(out)
		err := verify("a.tag", segs, docs, f.node, e)
		var ge *Error
		if !errors.As(err, &ge) || !ge.bug {
			t.Errorf("verify(%q) = %v, want an internal error", out, err)
		}
	}
	e.out, e.value, e.shift = []byte("a: {tag: v22, b: c}\n"), "v22", 1
	if err := verify("a.tag", segs, docs, f.node, e); err != nil {
		t.Errorf("verify of a right splice: %v", err)
	}
}
