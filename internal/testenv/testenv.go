// Package testenv gives tests their own piece of the shared Redis and Postgres
// servers (REDIS_URL, DATABASE_URL; defaults 127.0.0.1:6379 and
// postgres://postgres@127.0.0.1:5432/postgres): a Redis database number of their
// own, flushed before and after, and a fresh Postgres database, dropped after.
// Without a server the test is skipped, unless ARXPORT_REQUIRE_SERVICES=1 (as in
// CI), which makes it fail.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/redis/go-redis/v9"
)

func required() bool { return os.Getenv("ARXPORT_REQUIRE_SERVICES") == "1" }

func unavailable(t testing.TB, what string, err error) {
	t.Helper()
	if required() {
		t.Fatalf("%s unavailable (ARXPORT_REQUIRE_SERVICES=1): %v", what, err)
	}
	t.Skipf("%s unavailable: %v", what, err)
}

// RedisURL is the shared Redis server, as configured.
func RedisURL() string {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// Redis reserves a Redis database (1..15) for the test: it is flushed now and
// when the test ends, then released. asynq has no key prefix, so a database
// number is how tests keep apart. It answers the options to connect with.
func Redis(t testing.TB) *redis.Options {
	t.Helper()
	base, err := redis.ParseURL(RedisURL())
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	ctx := context.Background()
	admin := redis.NewClient(&redis.Options{Addr: base.Addr, Username: base.Username, Password: base.Password, DB: 0})
	defer admin.Close()
	if err := admin.Ping(ctx).Err(); err != nil {
		unavailable(t, "redis", err)
	}
	owner := token()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		for db := 1; db <= 15; db++ {
			key := "arxport:testenv:db:" + strconv.Itoa(db)
			ok, err := admin.SetNX(ctx, key, owner, 30*time.Minute).Result()
			if err != nil {
				t.Fatalf("redis: %v", err)
			}
			if !ok {
				continue
			}
			o := *base
			o.DB = db
			c := redis.NewClient(&o)
			if err := c.FlushDB(ctx).Err(); err != nil {
				t.Fatalf("redis flush: %v", err)
			}
			c.Close()
			t.Cleanup(func() {
				c := redis.NewClient(&o)
				c.FlushDB(context.Background())
				c.Close()
				a := redis.NewClient(&redis.Options{Addr: base.Addr, Username: base.Username, Password: base.Password})
				if v, _ := a.Get(context.Background(), key).Result(); v == owner {
					a.Del(context.Background(), key)
				}
				a.Close()
			})
			return &o
		}
		if time.Now().After(deadline) {
			t.Fatal("redis: no free test database in 1..15")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// RedisURLFor renders options as a redis:// URL, for child processes.
func RedisURLFor(o *redis.Options) string {
	u := url.URL{Scheme: "redis", Host: o.Addr, Path: "/" + strconv.Itoa(o.DB)}
	if o.Password != "" {
		u.User = url.UserPassword(o.Username, o.Password)
	}
	return u.String()
}

// PostgresURL is the shared Postgres server, as configured.
func PostgresURL() string {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// Postgres creates a database of the test's own and answers its URL; the
// database is dropped when the test ends.
func Postgres(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("pgx", PostgresURL())
	if err != nil {
		t.Fatalf("DATABASE_URL: %v", err)
	}
	defer db.Close()
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		unavailable(t, "postgres", err)
	}
	name := "arxport_test_" + token()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", PostgresURL())
		if err != nil {
			return
		}
		defer db.Close()
		if _, err := db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(PostgresURL())
	if err != nil {
		t.Fatalf("DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

func token() string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprint("testenv: ", err))
	}
	return hex.EncodeToString(b[:])
}
