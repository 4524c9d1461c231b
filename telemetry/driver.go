package telemetry

import (
	"context"
	"database/sql"

	"entgo.io/ent/dialect"
)

// CountStatements wraps an ent driver so that every SQL statement is counted
// against the request it runs for.
func CountStatements(d dialect.Driver) dialect.Driver { return countingDriver{d} }

type countingDriver struct{ dialect.Driver }

// Exec implements dialect.Driver.
func (d countingDriver) Exec(ctx context.Context, q string, args, v any) error {
	countStatement(ctx)
	return d.Driver.Exec(ctx, q, args, v)
}

// Query implements dialect.Driver.
func (d countingDriver) Query(ctx context.Context, q string, args, v any) error {
	countStatement(ctx)
	return d.Driver.Query(ctx, q, args, v)
}

// Tx implements dialect.Driver.
func (d countingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return countingTx{tx}, nil
}

// countingTx counts the statements of a transaction.
type countingTx struct{ dialect.Tx }

// Exec implements dialect.Tx.
func (t countingTx) Exec(ctx context.Context, q string, args, v any) error {
	countStatement(ctx)
	return t.Tx.Exec(ctx, q, args, v)
}

// Query implements dialect.Tx.
func (t countingTx) Query(ctx context.Context, q string, args, v any) error {
	countStatement(ctx)
	return t.Tx.Query(ctx, q, args, v)
}

// ExecContext lets ent's tx.ExecContext (the change feed's NOTIFY) reach the
// wrapped transaction, counted like any statement.
func (t countingTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return ExecVia(ctx, t, q, args...)
}

// Execer is the statement runner of ent's drivers and transactions.
type Execer interface {
	Exec(ctx context.Context, q string, args, v any) error
}

// ExecVia runs a statement through an ent driver or transaction as
// database/sql's ExecContext would: a wrapper of ent's transactions
// implements ExecContext with it, or ent's tx.ExecContext fails.
func ExecVia(ctx context.Context, e Execer, q string, args ...any) (sql.Result, error) {
	var r sql.Result
	if args == nil {
		args = []any{}
	}
	err := e.Exec(ctx, q, args, &r)
	return r, err
}
