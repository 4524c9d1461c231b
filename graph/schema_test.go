package graph_test

import (
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"servicesupport/graph"
)

// undescribed lists every type, field, argument, input field and enum value
// of the served schema that has no description.
func undescribed(s *ast.Schema) []string {
	var missing []string
	for name, def := range s.Types {
		if def.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		if strings.TrimSpace(def.Description) == "" {
			missing = append(missing, name)
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			if strings.TrimSpace(f.Description) == "" {
				missing = append(missing, name+"."+f.Name)
			}
			for _, a := range f.Arguments {
				if strings.TrimSpace(a.Description) == "" {
					missing = append(missing, name+"."+f.Name+"("+a.Name+")")
				}
			}
		}
		for _, v := range def.EnumValues {
			if strings.TrimSpace(v.Description) == "" {
				missing = append(missing, name+"."+v.Name)
			}
		}
	}
	sort.Strings(missing)
	return missing
}

// TestSchemaIsDescribed fails when a type, field, argument or enum value of
// the schema has no description: clients read them in GraphiQL.
func TestSchemaIsDescribed(t *testing.T) {
	missing := undescribed(graph.NewExecutableSchema(graph.Config{}).Schema())
	if len(missing) > 0 {
		t.Errorf("%d schema elements have no description:\n%s", len(missing), strings.Join(missing, "\n"))
	}
}

// schemaSDLPath is the committed SDL of the whole served schema, for client
// code generators and reviewers of API changes.
const schemaSDLPath = "../schema.sdl.graphql"

// TestSchemaSDLIsCurrent fails when the committed SDL differs from the
// served schema. `go generate ./...` rewrites it (UPDATE_SCHEMA_SDL=1).
func TestSchemaSDLIsCurrent(t *testing.T) {
	var b strings.Builder
	b.WriteString("# The whole GraphQL schema served at /graphql, generated from graph/ent.graphql\n")
	b.WriteString("# and schema.graphql by `go generate ./...`. Do not edit.\n\n")
	formatter.NewFormatter(&b, formatter.WithIndent("  ")).FormatSchema(graph.NewExecutableSchema(graph.Config{}).Schema())
	want := b.String()
	if os.Getenv("UPDATE_SCHEMA_SDL") == "1" {
		if err := os.WriteFile(schemaSDLPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(schemaSDLPath)
	if err != nil {
		t.Fatalf("reading %s: %v (run go generate ./...)", schemaSDLPath, err)
	}
	if string(got) != want {
		t.Errorf("%s is stale: run go generate ./...", schemaSDLPath)
	}
}
