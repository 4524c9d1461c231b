package database_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"servicesupport/database"
	"servicesupport/database/dbtest"
)

// BenchmarkPoolIdle sends bursts of 16 concurrent queries (what a replica
// behind a load balancer sees) to a pool of 20 connections that keeps 2
// idle (database/sql's default) or all 20 (this server's default), and
// reports the time per burst and how many connections the pool closed, to
// reopen them on the next burst, per burst. Run it on PostgreSQL, where a
// new connection costs a TCP and authentication round trip:
//
//	TEST_DATABASE_URL=postgres://… go test ./database -run '^$' -bench PoolIdle
func BenchmarkPoolIdle(b *testing.B) {
	url := dbtest.URL(b)
	for _, idle := range []int{2, database.DefaultMaxOpenConns} {
		b.Run(fmt.Sprintf("idle=%d", idle), func(b *testing.B) {
			db, err := database.Connect(url, database.Options{MaxOpenConns: database.DefaultMaxOpenConns, MaxIdleConns: idle})
			if err != nil {
				b.Fatal(err)
			}
			defer db.SQL.Close()
			ctx := context.Background()
			b.ResetTimer()
			for range b.N {
				var wg sync.WaitGroup
				for range 16 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						var n int
						if err := db.SQL.QueryRowContext(ctx, "SELECT 1").Scan(&n); err != nil {
							b.Error(err)
						}
					}()
				}
				wg.Wait()
			}
			b.StopTimer()
			st := db.SQL.Stats()
			b.ReportMetric(float64(st.MaxIdleClosed)/float64(b.N), "reopened/burst")
		})
	}
}
