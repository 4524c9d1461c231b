package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// secretBytes is how many random bytes a generated dev secret holds.
const secretBytes = 32

// LoadOrCreateSecret returns the trimmed contents of path, or creates it (0600, parent 0700) with a random hex secret.
//
// Creation never overwrites a file another process created meanwhile, and a
// concurrent reader never sees a half-written secret: the file is written
// under a temporary name and then hard-linked into place (where the file
// system supports hard links).
func LoadOrCreateSecret(path string) (string, error) {
	if path == "" {
		return "", errors.New("auth: empty secret path")
	}
	s, err := readSecret(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return s, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("auth: creating secret directory: %w", err)
	}
	raw := make([]byte, secretBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("auth: generating secret: %w", err)
	}
	secret := hex.EncodeToString(raw)

	tmp, err := os.CreateTemp(dir, ".secret-*") // mode 0600
	if err != nil {
		return "", fmt.Errorf("auth: creating secret file: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.WriteString(secret + "\n")
	if err := errors.Join(werr, tmp.Chmod(0o600), tmp.Sync(), tmp.Close()); err != nil {
		return "", fmt.Errorf("auth: writing secret file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readSecret(path) // another process won the race
		}
		// The file system has no hard links: create the file in place instead.
		return createSecretFile(path, secret)
	}
	return secret, nil
}

// createSecretFile writes secret to a new file at path (mode 0600), or returns
// the secret already there if the file exists.
func createSecretFile(path, secret string) (string, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readSecret(path)
	}
	if err != nil {
		return "", fmt.Errorf("auth: creating secret file: %w", err)
	}
	_, werr := f.WriteString(secret + "\n")
	if err := errors.Join(werr, f.Close()); err != nil {
		_ = os.Remove(path)
		return "", fmt.Errorf("auth: writing secret file: %w", err)
	}
	return secret, nil
}

// readSecret returns the trimmed contents of path, refusing an empty secret.
func readSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		return "", fmt.Errorf("auth: reading secret file: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("auth: secret file %s is empty", path)
	}
	return s, nil
}
