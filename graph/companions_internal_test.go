package graph

import (
	stdjson "encoding/json"
	"reflect"
	"testing"
)

// TestCompanionRowsReadWhatJSONReads: the companions column's decoder gives
// what encoding/json gives for every array of rows (arrays of strings and
// nulls, or null), as both databases write them (SQLite without spaces,
// PostgreSQL with), escapes included; hands the JSON columns over as their
// text; and refuses what is not one.
func TestCompanionRowsReadWhatJSONReads(t *testing.T) {
	rows := []string{
		`[]`, ` [ ] `, `[null]`, `["1"]`,
		`["1","2026-12-02 10:00:00.123+00:00",null,"Café ☕",""]`,
		`["1", null, "x"]`,
		"[\n\t\"a\" ,\r\n null ]",
		`["[{\"day\":\"MONDAY\",\"hours\":[{\"start\":\"09:00\",\"end\":\"18:00\"}]}]"]`,
		`["a\\b","\/","\u00e9\u4e2d","\ud83d\ude00","tab\there","quote\"","nl\n"]`,
		`["\\"]`,
		`["\b\f\r\n\t\"\\\/x", "\u0041\n", "end\\"]`,
		"[\"\xff\", \"ok\"]",
	}
	good := []string{`[]`, ` [ ] `, `[null]`, `[null, null]`, `[["1"],null,[]]`, "[\n[ \"a\" ] ,\tnull\r\n]"}
	for _, r := range rows {
		good = append(good, "["+r+"]", "[null,"+r+"]", "[ "+r+" , "+r+" ]")
	}
	for _, in := range good {
		var want [][]any
		if err := stdjson.Unmarshal([]byte(in), &want); err != nil {
			t.Fatalf("%s: the case itself is not JSON: %v", in, err)
		}
		got, err := companionRows(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if len(want) == 0 {
			want = nil // no rows
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %#v, want %#v", in, got, want)
		}
	}
	badRows := []string{
		`{}`, `"a"`, `[,]`, `["a",]`, `["a" "b"]`, `["a"`, `["a`,
		`[1]`, `[true]`, `[nul]`, `[nullx]`, `[{"a":"b"]`, `[["a"}]`, `[{"a:"b"}]`, `[{}}]`, `[{"a":[}]`,
		`["\x"]`, `["\u12"]`, "[\"a\x01\"]", `["a\"]`,
	}
	// A JSON column's array or object is handed over as its text, spaces
	// and escapes kept.
	json := []struct {
		in   string
		want [][]any
	}{
		{`[["1",{"a":[1,"]}"]},[],null]]`, [][]any{{"1", `{"a":[1,"]}"]}`, `[]`, nil}}},
		{`[["1", {"a": [1, "x\"]"]}, [{"b": {}}]], null]`, [][]any{{"1", `{"a": [1, "x\"]"]}`, `[{"b": {}}]`}, nil}},
		{`[[[["\\"]], "{"]]`, [][]any{{`[["\\"]]`, "{"}}},
	}
	for _, c := range json {
		got, err := companionRows(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %#v, %v, want %#v", c.in, got, err, c.want)
		}
	}
	bad := []string{``, ` `, `[`, `]`, `[[`, `[["a",`, `[["a", `, `[null,`, `[[{`, `[["a\`, `null`, `[nul]`, `[nullx]`, `["a"]`, `[[],]`, `[[] []]`, `[[]] []`, `[[]]x`, `[[],"a"]`, `[1]`}
	for _, r := range badRows {
		bad = append(bad, "["+r+"]", "[null,"+r+"]", "["+r)
	}
	for _, in := range bad {
		if got, err := companionRows(in); err == nil {
			t.Errorf("%q: accepted as %#v", in, got)
		}
	}
}
