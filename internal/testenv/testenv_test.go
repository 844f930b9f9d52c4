package testenv

import (
	"context"
	"database/sql"
	"testing"

	"github.com/redis/go-redis/v9"
)

func TestRedisIsolated(t *testing.T) {
	a, b := Redis(t), Redis(t)
	if a.DB == b.DB {
		t.Fatalf("two reservations share db %d", a.DB)
	}
	c := redis.NewClient(a)
	defer c.Close()
	if err := c.Set(context.Background(), "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	d := redis.NewClient(b)
	defer d.Close()
	if n, _ := d.Exists(context.Background(), "k").Result(); n != 0 {
		t.Fatal("key visible in the other reservation")
	}
}

func TestPostgresFresh(t *testing.T) {
	db, err := sql.Open("pgx", Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("fresh database has %d tables", n)
	}
}
