// Package usererror describes business failures that the API reports to
// clients as data (a payload's userErrors), never as exceptions.
package usererror

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Code classifies a user error; it is the GraphQL enum UserErrorCode.
type Code string

// The codes of the GraphQL contract.
const (
	Invalid            Code = "INVALID"
	Required           Code = "REQUIRED"
	TooLong            Code = "TOO_LONG"
	LimitExceeded      Code = "LIMIT_EXCEEDED"
	InUse              Code = "IN_USE"
	Conflict           Code = "CONFLICT"
	NotFound           Code = "NOT_FOUND"
	PreconditionFailed Code = "PRECONDITION_FAILED"
)

var codes = map[Code]bool{
	Invalid: true, Required: true, TooLong: true, LimitExceeded: true,
	InUse: true, Conflict: true, NotFound: true, PreconditionFailed: true,
}

// MarshalGQL writes the code as a GraphQL enum value.
func (c Code) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(c))) }

// UnmarshalGQL reads the code from a GraphQL enum value.
func (c *Code) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok || !codes[Code(s)] {
		return fmt.Errorf("%v is not a valid UserErrorCode", v)
	}
	*c = Code(s)
	return nil
}

// Error is one business failure: the input field it concerns (a path such as
// ["input", "serviceHours", "0", "end"]), a message for people and a code for
// programs.
type Error struct {
	Field   []string
	Message string
	Code    Code
}

// Error implements error.
func (e *Error) Error() string {
	if len(e.Field) == 0 {
		return e.Message
	}
	return strings.Join(e.Field, ".") + ": " + e.Message
}

// New returns an error for the field path with a formatted message.
func New(code Code, field []string, format string, args ...any) *Error {
	return &Error{Field: field, Code: code, Message: fmt.Sprintf(format, args...)}
}

// List collects user errors; a non-empty List is an error.
type List []*Error

// Error implements error.
func (l List) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// Add appends an error.
func (l *List) Add(code Code, field []string, format string, args ...any) {
	*l = append(*l, New(code, field, format, args...))
}

// Err returns the list as an error, or nil when it is empty.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Path builds a field path from names and indexes.
func Path(elems ...any) []string {
	out := make([]string, len(elems))
	for i, e := range elems {
		out[i] = fmt.Sprint(e)
	}
	return out
}
