package form

import (
	"reflect"
	"testing"
)

func TestValidate(t *testing.T) {
	tmpl := mustTemplate(t, releaseForm)
	tests := []struct {
		name string
		r    Result
		want []Problem
	}{
		{"everything answered", Parse(tmpl, fullBody), nil},
		{
			"everything empty",
			Parse(tmpl, gh("Version", "_No response_", "Environment", "None", "Checks", "- [ ] I ran the tests")),
			[]Problem{
				{Field: "Version", Message: "is required"},
				{Field: "Environment", Message: "is required: choose an option"},
				{Field: "Checks", Message: "`I ran the tests` must be ticked"},
			},
		},
		{
			"missing required fields are required, optional ones are fine",
			Parse(tmpl, "no sections at all"),
			[]Problem{
				{Field: "Version", Message: "is required"},
				{Field: "Environment", Message: "is required: choose an option"},
				{Field: "Checks", Message: "`I ran the tests` must be ticked"},
			},
		},
		{
			"invalid answers reported once each, with the rest",
			Parse(tmpl, gh("Version", "1", "Environment", "qa", "Regions", "Mars, Europe",
				"Checks", "- [ ] I ran the tests\n- [x] Deploy on Friday\n- [x] Also not one")),
			[]Problem{
				{Field: "Environment", Message: "`qa` is not one of the options"},
				{Field: "Regions", Message: "`Mars` is not one of the options"},
				{Field: "Checks", Message: "the lines `- [x] Deploy on Friday`, `- [x] Also not one` are not checkboxes of this field"},
				{Field: "Checks", Message: "`I ran the tests` must be ticked"},
			},
		},
		{
			"several values for a single dropdown",
			Parse(tmpl, gh("Version", "1", "Environment", "staging, production", "Checks", "- [x] I ran the tests")),
			[]Problem{{Field: "Environment", Message: "choose only one option, not `staging`, `production`"}},
		},
		{
			"a result built elsewhere is checked against the options",
			Result{
				Values: map[string]Value{
					"version": txt("1"), "env": list("staging", "production"), "regions": list("Mars"),
					"checks": list("I ran the tests", "Bogus"),
				},
				Invalid: map[string]string{"zzz": "not a field", "aaa": "nor this"},
			},
			[]Problem{
				{Field: "Environment", Message: "choose only one option, not `staging`, `production`"},
				{Field: "Regions", Message: "`Mars` is not one of the options"},
				{Field: "Checks", Message: "`Bogus` is not one of the options"},
				{Field: "aaa", Message: "nor this"},
				{Field: "zzz", Message: "not a field"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Validate(tmpl, tc.r); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got:\n%s\nwant:\n%s", problemList(got), problemList(tc.want))
			}
		})
	}
}

func TestValidateUnlabelledField(t *testing.T) {
	tmpl := &Template{Fields: []Field{{Type: Input, ID: "x", Required: true}}}
	want := []Problem{{Field: "x", Message: "is required"}}
	if got := Validate(tmpl, Result{}); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := Validate(nil, Result{}); got != nil {
		t.Errorf("nil template: got %v", got)
	}
}

func TestValueJSON(t *testing.T) {
	tests := map[string]Value{
		`"a"`:       txt("a"),
		`""`:        txt(""),
		`[]`:        list(),
		`["a","b"]`: list("a", "b"),
	}
	for want, v := range tests {
		b, err := v.MarshalJSON()
		if err != nil || string(b) != want {
			t.Errorf("%+v marshals to %s (%v), want %s", v, b, err, want)
		}
	}
}
