package gitops

import (
	"errors"
	"testing"
)

// refusals has one case for each thing Set will not guess at, with the
// whole message a user sees.
var refusals = []struct{ name, doc, key, value, want string }{
	{"not YAML", "image: [v1\n", "image.tag", "v2",
		`image.tag: the file is not valid YAML: line 2: did not find expected ',' or ']'`},
	{"a later document is not YAML", "tag: v1\n---\n[x\n", "tag", "v2",
		`tag: the file is not valid YAML: line 3: did not find expected ',' or ']'`},
	{"not UTF-8", "\xff\xfet\x00a\x00g\x00", "tag", "v2", `tag: the file is not UTF-8 text`},
	{"empty file", "", "tag", "v2", `tag: the file has no YAML document (Set does not create keys)`},
	{"missing key", helmRelease, "spec.values.image.digest", "v2",
		`spec.values.image.digest: there is no "digest" under "spec.values.image" (Set does not create keys)`},
	{"missing top-level key", "a: 1\n", "image.tag", "v2",
		`image.tag: there is no "image" under the top level (Set does not create keys)`},
	{"index past the end", kustomization, "images.2.newTag", "v2",
		`images.2.newTag: "images" has 2 items, so there is no item 2 (counted from 0) (Set does not create keys)`},
	{"name where a list needs a number", kustomization, "images.api.newTag", "v2",
		`images.api.newTag: "images" is a list, so "api" must be a number (0 for the first item) (Set does not create keys)`},
	{"through a single value", "image: acme/api:v1\n", "image.tag", "v2",
		`image.tag: "image" is a single value, so it has no "tag" (Set does not create keys)`},
	{"empty key", "tag: v1\n", "", "v2", `the key is empty; name a value such as spec.values.image.tag`},
	{"doubled dot", "tag: v1\n", "spec..tag", "v2", `spec..tag: part 2 of the key is empty (a leading, trailing or doubled dot)`},
	{"leading dot", "tag: v1\n", ".tag", "v2", `.tag: part 1 of the key is empty (a leading, trailing or doubled dot)`},
	{"trailing dot", "tag: v1\n", "tag.", "v2", `tag.: part 2 of the key is empty (a leading, trailing or doubled dot)`},
	{"a mapping", helmRelease, "spec.values.image", "v2",
		`spec.values.image: the value at line 19 is a mapping, not a single value`},
	{"a list", kustomization, "resources", "v2", `resources: the value at line 5 is a list, not a single value`},
	{"literal block", "tag: |\n  v1\n", "tag", "v2",
		`tag: the value at line 1 is a block scalar (| or >); only one-line values are edited`},
	{"folded block", "tag: >-\n  v1\n", "tag", "v2",
		`tag: the value at line 1 is a block scalar (| or >); only one-line values are edited`},
	{"alias value", "base: &v v1\ntag: *v\n", "tag", "v2",
		`tag: the value is an alias (*v); edit the anchored original instead`},
	{"anchored value", "tag: &v v1\nother: *v\n", "tag", "v2",
		`tag: the value at line 1 is anchored (&v); changing it would change every *v too`},
	{"inside an anchored mapping", "base: &b\n  tag: v1\napp: *b\n", "base.tag", "v2",
		`base.tag: the value is inside the anchored node &b (line 1); changing it would change every *b too`},
	{"through an alias", "base: &b\n  tag: v1\napp: *b\n", "app.tag", "v2",
		`app.tag: "app" is an alias (*b); edit the anchored original instead`},
	{"tagged value", "tag: !!str v1\n", "tag", "v2",
		`tag: the value at line 1 has the tag !!str; only untagged values are edited`},
	{"custom tag", "tag: !ver 'v1'\n", "tag", "v2",
		`tag: the value at line 1 has the tag !ver; only untagged values are edited`},
	{"non-specific tag", "tag: ! v1\n", "tag", "v2",
		`tag: the value at line 1 has the tag !; only untagged values are edited`},
	{"non-specific tag, quoted", "tag: ! 'v1'\n", "tag", "v2",
		`tag: the value at line 1 has the tag !; only untagged values are edited`},
	{"merge key", "base: &b {tag: v1}\napp:\n  <<: *b\n  name: api\n", "app.tag", "v2",
		`app.tag: "tag" is not written under "app" itself; it may come from a merge key (<<), which is not followed`},
	{"the merge key itself", "app:\n  <<: {tag: v1}\n", "app.<<.tag", "v2",
		`app.<<.tag: "<<" is not written under "app" itself; it may come from a merge key (<<), which is not followed`},
	{"alias key", "keys: [&k tag]\napp: {*k : v1}\n", "app.tag", "v2",
		`app.tag: the key "tag" under "app" is an alias (*k); write the key out instead`},
	{"key twice", "image:\n  tag: v1\n  tag: v2\n", "image.tag", "v3",
		`image.tag: the key "tag" is there twice under "image" (lines 2 and 3)`},
	{"empty value", "image:\n  tag:\n  pull: Always\n", "image.tag", "v2",
		`image.tag: the key has no value; write a placeholder (such as latest) first`},
	{"plain over two lines", "tag: v1\n  -rc1\nnext: x\n", "tag", "v2",
		`tag: the value at line 1 goes on over more than one line; put it on one line first`},
	{"plain over two lines in flow", "image: {tag: v1\n  rc1, pull: x}\n", "image.tag", "v2",
		`image.tag: the value at line 1 goes on over more than one line; put it on one line first`},
	{"double-quoted over two lines", "tag: \"v1\n  rc1\"\n", "tag", "v2",
		`tag: the value at line 1 goes on over more than one line; put it on one line first`},
	{"over two lines, even when unchanged", "tag: \"v1\n  rc1\"\n", "tag", "v1 rc1",
		`tag: the value at line 1 goes on over more than one line; put it on one line first`},
	{"double-quoted escaped line break", "tag: \"v1\\\n  rc1\"\n", "tag", "v2",
		`tag: the value at line 1 goes on over more than one line; put it on one line first`},
	{"single-quoted over two lines", "tag: 'v1\r\n  rc1'\r\n", "tag", "v2",
		`tag: the value at line 1 goes on over more than one line; put it on one line first`},
	{"value with a newline", "tag: v1\n", "tag", "v2\nx: y", `tag: the new value "v2\nx: y" has a line break`},
	{"value with a CR", "tag: v1\n", "tag", "v2\r", `tag: the new value "v2\r" has a line break`},
	{"value with a line separator", "tag: v1\n", "tag", "v2\u2028", `tag: the new value "v2\u2028" has a line break`},
	{"value not UTF-8", "tag: v1\n", "tag", "v\xff", `tag: the new value is not UTF-8 text`},
}

func TestSetRefuses(t *testing.T) {
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			out, _, _, err := Set([]byte(c.doc), c.key, c.value)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Set = %q, %v; want an *Error", out, err)
			}
			if e.Error() != c.want || e.Key != c.key || e.bug || out != nil {
				t.Errorf("Set error = %q (key %q, internal %v)\nwant %q", e.Error(), e.Key, e.bug, c.want)
			}
		})
	}
}

func TestGet(t *testing.T) {
	for _, c := range []struct {
		name, doc, key string
		value          string
		found          bool
		err            string
	}{
		{"flux", helmRelease, "spec.values.image.tag", "6.5.0", true, ""},
		{"kustomize", kustomization, "images.1.newTag", "v1.3.9", true, ""},
		{"argo flow", application, "spec.syncPolicy.automated.selfHeal", "true", true, ""},
		{"first document only", "a: 1\n---\nb: 2\n", "b", "", false, ""},
		{"block scalar reads", "tag: |-\n  v1\n", "tag", "v1", true, ""},
		{"tagged reads", "tag: !!str 1.0\n", "tag", "1.0", true, ""},
		{"anchored reads", "tag: &t v1\n", "tag", "v1", true, ""},
		{"missing", helmRelease, "spec.values.image.digest", "", false, ""},
		{"missing index", kustomization, "images.9.newTag", "", false, ""},
		{"huge index", kustomization, "images.99999999999999999999999.newTag", "", false, ""},
		{"empty file", "", "tag", "", false, ""},
		{"comments only", "# nothing yet\n", "tag", "", false, ""},
		{"a mapping", helmRelease, "spec", "", false, "spec: the value at line 8 is a mapping, not a single value"},
		{"alias", "a: &x v1\nb: *x\n", "b", "", false, "b: the value is an alias (*x); edit the anchored original instead"},
		{"not YAML", "a: [\n", "a", "", false, "a: the file is not valid YAML: line 2: did not find expected node content"},
		{"empty segment", "a: 1\n", "a.", "", false, "a.: part 2 of the key is empty (a leading, trailing or doubled dot)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, found, err := Get([]byte(c.doc), c.key)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if v != c.value || found != c.found || got != c.err {
				t.Errorf("Get = %q, %v, %q; want %q, %v, %q", v, found, got, c.value, c.found, c.err)
			}
		})
	}
}
