package graph

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// MarshalID writes an object ID as a GraphQL ID (a string).
func MarshalID(id int) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(strconv.Itoa(id)))
	})
}

// UnmarshalID reads a GraphQL ID. IDs are opaque to clients; one that is not
// ours is a BAD_USER_INPUT error rather than an internal one.
func UnmarshalID(v any) (int, error) {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case json.Number:
		s = v.String()
	case int:
		s = strconv.Itoa(v)
	case int64:
		s = strconv.FormatInt(v, 10)
	default:
		return 0, badID(fmt.Sprintf("%T", v))
	}
	id, err := strconv.Atoi(s)
	if err != nil || id <= 0 {
		return 0, badID(strconv.Quote(truncate(s, 40)))
	}
	return id, nil
}

// badID is the error for a malformed ID.
func badID(what string) error {
	return &gqlerror.Error{
		Message:    "invalid ID " + what,
		Extensions: map[string]any{"code": CodeBadUserInput},
	}
}

// truncate shortens s for a message.
func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
