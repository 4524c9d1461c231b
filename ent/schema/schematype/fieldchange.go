// Package schematype holds Go types stored in JSON columns of the ent schema.
package schematype

// FieldChange is one field that a review would change: its value now live
// (nil when nothing is live yet) and the submitted value.
type FieldChange struct {
	Field  string  `json:"field"`
	Before *string `json:"before"`
	After  *string `json:"after"`
}
