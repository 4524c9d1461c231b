//go:build tools

// Package main's tools.go pins the code generators that `go generate ./...`
// runs, so they resolve at the versions in go.mod.
package main

import (
	_ "entgo.io/contrib/entgql"
	_ "entgo.io/ent/cmd/ent"
	_ "github.com/99designs/gqlgen"
)
