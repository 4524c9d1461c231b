package auth

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestLoadOrCreateSecretCreatesAndPersists(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "dev")
	path := filepath.Join(dir, "jwt-secret")

	first, err := LoadOrCreateSecret(path)
	if err != nil {
		t.Fatalf("first call: %v", err)
	}
	raw, err := hex.DecodeString(first)
	if err != nil || len(raw) != secretBytes {
		t.Fatalf("secret %q is not %d hex-encoded bytes (err %v)", first, secretBytes, err)
	}

	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("file mode = %o, want 600", perm)
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := di.Mode().Perm(); perm != 0o700 {
		t.Errorf("dir mode = %o, want 700", perm)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("dir holds %d entries, want only the secret (temporary file left behind?)", len(entries))
	}

	second, err := LoadOrCreateSecret(path)
	if err != nil {
		t.Fatalf("second call: %v", err)
	}
	if second != first {
		t.Errorf("second call = %q, want the persisted %q", second, first)
	}

	other, err := LoadOrCreateSecret(filepath.Join(dir, "another"))
	if err != nil {
		t.Fatal(err)
	}
	if other == first {
		t.Error("two new secrets are equal")
	}
}

func TestLoadOrCreateSecretExisting(t *testing.T) {
	for _, tc := range []struct {
		name, content, want string
		wantErr             bool
	}{
		{"plain", "s3cret", "s3cret", false},
		{"trimmed", "  s3cret \n\n", "s3cret", false},
		{"inner spaces kept", "a b", "a b", false},
		{"empty", "", "", true},
		{"blank", " \n\t", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "secret")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := LoadOrCreateSecret(path)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			b, err := os.ReadFile(path)
			if err != nil || string(b) != tc.content {
				t.Errorf("file was changed to %q (err %v)", b, err)
			}
		})
	}
}

func TestLoadOrCreateSecretErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path string }{
		{"empty path", ""},
		{"path is a directory", dir},
		{"parent is a file", filepath.Join(file, "secret")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if s, err := LoadOrCreateSecret(tc.path); err == nil {
				t.Fatalf("LoadOrCreateSecret(%q) = %q, want an error", tc.path, s)
			}
		})
	}
}

func TestLoadOrCreateSecretConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d", "secret")
	const n = 16
	got := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i], errs[i] = LoadOrCreateSecret(path) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if got[i] != got[0] {
			t.Fatalf("call %d = %q, call 0 = %q: callers disagree", i, got[i], got[0])
		}
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != got[0]+"\n" {
		t.Errorf("file holds %q (err %v), want %q", b, err, got[0])
	}
}

func TestCreateSecretFileFallback(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret")
	s, err := createSecretFile(path, "abc")
	if err != nil || s != "abc" {
		t.Fatalf("createSecretFile = %q, %v", s, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("file mode = %o, want 600", perm)
	}
	if s, err := createSecretFile(path, "def"); err != nil || s != "abc" {
		t.Errorf("second createSecretFile = %q, %v; want the existing abc", s, err)
	}
}
