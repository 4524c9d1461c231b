package graph

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"servicesupport/throttle"
)

// TestPostFastReadsAsEncodingJSON: the fast reading of a POST body either
// declines it or gives what encoding/json gives, and it takes the bodies
// clients send. It fails when the fast reading accepts a body encoding/json
// reads otherwise or refuses.
func TestPostFastReadsAsEncodingJSON(t *testing.T) {
	common := []string{
		`{"query":"{ viewer { role } }"}`,
		`{"query":"query P($id: ID!) {\n  product(id: $id) { name }\n}","operationName":"P","variables":{"id":"UHJvZHVjdDox"}}`,
		` { "query" : "{ a }" , "variables" : { "n" : 50, "x": [1, {"y": null}] } , "extensions" : {"persistedQuery":{"version":1,"sha256Hash":"ab"}} } `,
		`{"operationName":null,"variables":null,"query":"{ a }","extensions":null}`,
		`{"query":"caf\u00e9 \"quoted\" \\ tab\t"}`,
		`{"query":"{ a }","variables":{}}`,
		`{}`,
		`{"query":"{ a }","variables":[1,2]}`,
	}
	declined := []string{
		`{"Query":"{ a }"}`, `{"query":"{ a }","query":"{ b }"}`, `{"query":"{ a }","pad":"x"}`,
		`{"query":1}`, `{"query":"{ a }","variables":1}`, `{"query":"{ a }","variables":"x"}`,
		`{"query":"{ a }","variables":{"a":tru}}`, `{"query":"{ a }",}`, `{,}`, `{"query"}`, `{"query":}`,
		`{"query":"{ a }"} {}`, `{"query":"{ a }"} }`, `{"query":"{ a }"`, `{"query":"a\x01"}`, `{"query":"\x"}`,
		`{"query":nullx}`, `{"query":"{ a }" "variables":{}}`, `{"variables":{"a":1}}x`, ``, ` `, `null`, `[]`, `"x"`,
		`{"variables":{"a":[}}`, `{"variables":{"a":"}"}`,
	}
	slow := func(body string) (postBody, bool) {
		var req postBody
		dec := json.NewDecoder(bytes.NewReader([]byte(body)))
		err := dec.Decode(&req)
		return req, err == nil && !dec.More()
	}
	checkFastReading(t, postFast, slow, common, declined)
}

// checkFastReading checks a fast reading against encoding/json's (slow):
// it declines what it does not read as slow does, and reads what it must
// and declines what it must.
func checkFastReading[T any](t *testing.T, fast, slow func(string) (T, bool), read, declined []string) {
	t.Helper()
	for _, text := range append(append([]string{}, read...), declined...) {
		got, ok := fast(text)
		want, wantOK := slow(text)
		if ok && (!wantOK || !reflect.DeepEqual(got, want)) {
			t.Errorf("%q: fast %#v, encoding/json %#v (ok %v)", text, got, want, wantOK)
		}
	}
	for _, text := range read {
		if _, ok := fast(text); !ok {
			t.Errorf("%q: declined, want read", text)
		}
	}
	for _, text := range declined {
		if _, ok := fast(text); ok {
			t.Errorf("%q: read, want declined", text)
		}
	}
}

// BenchmarkDecodePOST measures decodePOST on a product page's body against
// encoding/json's reading of the same body (the baseline).
func BenchmarkDecodePOST(b *testing.B) {
	body := []byte(`{"query":"query ProductPage($id: ID!) {\n  product(id: $id) {\n    id name summary releasedAt\n    seller { name }\n    afterSalesGroup { name phone email serviceDays serviceHours { start end } timeZone openNow meetsServicePolicy nextOpenAt nextCloseAt todayHours { start end } weeklyHours { day hours { start end } } closures { date name hours { start end } } }\n    preSalesInfo { phone email }\n  }\n}","operationName":"ProductPage","variables":{"id":"UHJvZHVjdDo4NTg5OTM0NTkz"}}`)
	b.Run("baseline-encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var req postBody
			dec := json.NewDecoder(bytes.NewReader(body))
			if err := dec.Decode(&req); err != nil || dec.More() {
				b.Fatal(err)
			}
			var vars map[string]any
			vdec := json.NewDecoder(bytes.NewReader(req.Variables))
			vdec.UseNumber()
			if err := vdec.Decode(&vars); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decodePOST", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodePOST(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestCostExtensionAsEncodingJSON: the cost extension written by hand is
// what encoding/json writes of it, with and without an actual cost. It
// fails when a field is written under another name or value.
func TestCostExtensionAsEncodingJSON(t *testing.T) {
	actual := 7
	for _, c := range []*costReport{
		{},
		{RequestedQueryCost: 12, ActualQueryCost: &actual, ThrottleStatus: throttle.Status{MaximumAvailable: 1000, CurrentlyAvailable: 988, RestoreRate: 50}},
		{RequestedQueryCost: -1, ThrottleStatus: throttle.Status{MaximumAvailable: 1, CurrentlyAvailable: 0, RestoreRate: 1_000_000_000}},
	} {
		want, err := json.Marshal(map[string]any{"cost": c})
		if err != nil {
			t.Fatal(err)
		}
		if got := appendCostExtension(nil, c); string(got) != string(want) {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
}

// TestStringsObjectReadsAsEncodingJSON: the fast reading of variables
// either declines them or gives what encoding/json (with UseNumber, as
// jsonObject reads) gives, and takes the usual ones. It fails when it
// accepts variables encoding/json reads otherwise.
func TestStringsObjectReadsAsEncodingJSON(t *testing.T) {
	usual := []string{`{"id":"UHJvZHVjdDox"}`, `{}`, ` { "a" : "x\ny" , "b" : null } `, `{"\u0061":"caf\u00e9"}`}
	declined := []string{`{"n":1}`, `{"a":"x","a":"y"}`, `{"a":["x"]}`, `{"a":{}}`, `{"a":true}`, `{"a":"x",}`, `{"a" "x"}`,
		`{"a":"x"} {}`, `{"a":"x"`, `[]`, `null`, ``, `{"a":nul}`, `{"a":nullx}`, `{"a":"\x"}`}
	slow := func(raw string) (map[string]any, bool) {
		var obj map[string]any
		dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
		dec.UseNumber()
		err := dec.Decode(&obj)
		return obj, err == nil && obj != nil && !dec.More()
	}
	checkFastReading(t, stringsObject, slow, usual, declined)
}
