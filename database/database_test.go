package database

import (
	"net/url"
	"strings"
	"testing"
)

func TestSQLiteURL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want map[string]string
	}{
		{"file:x.db", map[string]string{"_journal_mode": "WAL", "_busy_timeout": "10000", "_synchronous": "FULL", "_stmt_cache_size": "64", "_fk": "1", "_txlock": "immediate"}},
		// Defaults give way to the URL…
		{"file:x.db?_busy_timeout=500&_synchronous=NORMAL", map[string]string{"_busy_timeout": "500", "_synchronous": "NORMAL", "_txlock": "immediate"}},
		// …but what the invariants rely on does not.
		{"file:x.db?_txlock=deferred&_fk=0&_foreign_keys=0", map[string]string{"_txlock": "immediate", "_fk": "1", "_foreign_keys": ""}},
	} {
		got, err := SQLiteURL(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		path, query, _ := strings.Cut(got, "?")
		if path != "file:x.db" {
			t.Errorf("%s: path %q", tc.in, path)
		}
		values, _ := url.ParseQuery(query)
		for k, v := range tc.want {
			if values.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q (in %s)", tc.in, k, values.Get(k), v, got)
			}
		}
	}
}
