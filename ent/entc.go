//go:build ignore

// entc.go generates the ent client and the entgql GraphQL schema
// (graph/ent.graphql). It is run by `go generate ./...` from the repository
// root (see generate.go), so paths are relative to the root.
package main

import (
	"log"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
	"github.com/vektah/gqlparser/v2/ast"
)

func main() {
	ex, err := entgql.NewExtension(
		entgql.WithConfigPath("./gqlgen.yml"),
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("./graph/ent.graphql"),
		entgql.WithWhereInputs(true),
		entgql.WithRelaySpec(true),
		entgql.WithSchemaHook(nonNullLists),
	)
	if err != nil {
		log.Fatalf("creating entgql extension: %v", err)
	}
	err = entc.Generate("./ent/schema", &gen.Config{
		Target:  "./ent",
		Package: "servicesupport/ent",
		Features: []gen.Feature{
			gen.FeaturePrivacy,
			gen.FeatureEntQL,
			gen.FeatureIntercept,
			gen.FeatureGlobalID,
			gen.FeatureLock,
		},
	}, entc.Extensions(ex))
	if err != nil {
		log.Fatalf("running ent codegen: %v", err)
	}
}

// nonNullLists marks fields that always resolve to a value as non-null.
// entgql makes every to-many edge a nullable list and every optional
// unique edge nullable; the contract promises these are always present.
func nonNullLists(_ *gen.Graph, s *ast.Schema) error {
	for typ, fields := range map[string][]string{
		"Seller":  {"customerServiceGroups"},
		"Contact": {"review"},
	} {
		def := s.Types[typ]
		if def == nil {
			log.Fatalf("schema hook: no type %s", typ)
		}
		for _, name := range fields {
			f := def.Fields.ForName(name)
			if f == nil {
				log.Fatalf("schema hook: no field %s.%s", typ, name)
			}
			f.Type.NonNull = true
		}
	}
	return nil
}
