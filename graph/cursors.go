package graph

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"entgo.io/contrib/entgql"
)

// maxCursorLength bounds a cursor argument. The cursors this server gives
// out hold an ID and at most one order value (a name of at most 64
// characters, or a time): far shorter. Decoding is bounded before it
// starts, since msgpack nests without limit.
const maxCursorLength = 1024

// valueKind is the kind of value the cursors of an order carry.
type valueKind int

// The kinds of cursor values.
const (
	// kindScalar is any scalar: an order field the schema does not type.
	kindScalar valueKind = iota
	kindString
	kindInt
	kindFloat
	kindBool
	kindTime
)

// cursorProblem explains why an after or before argument cannot be a
// cursor this server gave out for an order whose values are of kind, or
// returns "". entgql passes a cursor's value into SQL as it is: a map, a
// list or a value of another type than the order column's fails in the
// database (an unclassified error) instead of being refused.
func cursorProblem(raw any, kind valueKind) string {
	s, ok := raw.(string)
	if !ok {
		return "is not a cursor: cursors are strings"
	}
	if len(s) > maxCursorLength {
		return fmt.Sprintf("is not a cursor of this server: it is longer than %d characters", maxCursorLength)
	}
	var c entgql.Cursor[int]
	if err := c.UnmarshalGQL(s); err != nil {
		return "is not a cursor of this server"
	}
	if !fitsKind(c.Value, kind) {
		return "is not a cursor of this connection's order: give back a cursor this connection returned, with the same orderBy"
	}
	return ""
}

// fitsKind reports whether a decoded cursor value is of kind, and one the
// databases can compare with a column of that kind.
func fitsKind(v any, kind valueKind) bool {
	switch v := v.(type) {
	case nil:
		return true // entgql writes no value for the default order (by ID)
	case string:
		// PostgreSQL refuses NUL and invalid UTF-8 in text.
		return (kind == kindString || kind == kindScalar) && utf8.ValidString(v) && !strings.ContainsRune(v, 0)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32:
		return kind == kindInt || kind == kindFloat || kind == kindScalar
	case uint64:
		// Beyond int64 the drivers refuse the value.
		return (kind == kindInt || kind == kindFloat || kind == kindScalar) && v <= math.MaxInt64
	case float32, float64:
		return kind == kindFloat || kind == kindScalar
	case bool:
		return kind == kindBool || kind == kindScalar
	case time.Time:
		// The years the Time scalar reads (RFC 3339) and both databases store.
		return (kind == kindTime || kind == kindScalar) && v.Year() >= 1 && v.Year() <= 9999
	}
	return false // maps, lists, binary and extension types
}
