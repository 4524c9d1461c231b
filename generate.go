package main

// One `go generate ./...` regenerates everything, in order: ent and the
// entgql schema first, then gqlgen from both GraphQL schema files.

//go:generate go run ./ent/entc.go
//go:generate go run github.com/99designs/gqlgen generate --config gqlgen.yml
