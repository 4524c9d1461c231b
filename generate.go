package main

// One `go generate ./...` regenerates everything, in order: ent and the
// entgql schema first, then gqlgen from both GraphQL schema files, then the
// exported SDL of the whole schema (schema.sdl.graphql).

//go:generate go run ./ent/entc.go
//go:generate go run github.com/99designs/gqlgen generate --config gqlgen.yml
//go:generate env UPDATE_SCHEMA_SDL=1 go test ./graph -run ^TestSchemaSDLIsCurrent$ -count=1
