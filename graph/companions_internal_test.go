package graph

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestTextArrayReadsWhatJSONReads: the companions column's decoder gives
// what encoding/json gives for every array of strings and nulls, as both
// databases write them (SQLite without spaces, PostgreSQL with), escapes
// included, and refuses what is not one.
func TestTextArrayReadsWhatJSONReads(t *testing.T) {
	good := []string{
		`[]`, ` [ ] `, `[null]`, `["1"]`,
		`["1","2026-12-02 10:00:00.123+00:00",null,"Café ☕",""]`,
		`["1", null, "x"]`,
		"[\n\t\"a\" ,\r\n null ]",
		`["[{\"day\":\"MONDAY\",\"hours\":[{\"start\":\"09:00\",\"end\":\"18:00\"}]}]"]`,
		`["a\\b","\/","\u00e9\u4e2d","\ud83d\ude00","tab\there","quote\"","nl\n"]`,
		`["\\"]`,
		"[\"\xff\", \"ok\"]",
	}
	for _, in := range good {
		var want []any
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatalf("%s: the case itself is not JSON: %v", in, err)
		}
		got, err := textArray(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %#v, want %#v", in, got, want)
		}
	}
	bad := []string{
		``, ` `, `[`, `]`, `{}`, `"a"`, `null`, `[,]`, `["a",]`, `["a" "b"]`, `["a"`, `["a`,
		`["a"]x`, `[] []`, `[1]`, `[true]`, `[nul]`, `[nullx]`, `[["a"]]`, `[{"a":"b"}]`,
		`["\x"]`, `["\u12"]`, "[\"a\x01\"]", `["a\"]`,
	}
	for _, in := range bad {
		if got, err := textArray(in); err == nil {
			t.Errorf("%q: accepted as %#v", in, got)
		}
	}
}
