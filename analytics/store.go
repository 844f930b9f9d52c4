package analytics

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/arxos/arxport/jobstore"
)

// Dialect names the SQL database the roll-ups live in.
type Dialect string

const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// Config steers a Store. The zero value is ready to use.
type Config struct {
	// Log receives what goes wrong in the background (the estimator's refresh)
	// and in handlers; default slog.Default().
	Log *slog.Logger
	// EstimateWindow is how much history, in days of roll-ups, the estimates
	// rest on; default 90 days.
	EstimateWindow time.Duration
	// EstimateTTL is how long the estimator keeps its fits before it reads
	// the roll-ups again; default one minute.
	EstimateTTL time.Duration
	// Now is the clock (tests set it); default time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.EstimateWindow <= 0 {
		c.EstimateWindow = 90 * 24 * time.Hour
	}
	if c.EstimateTTL <= 0 {
		c.EstimateTTL = time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Store holds the analytics roll-ups beside the job store's tables (the
// migrations are the job store's: jobstore/migrations/*/00002_analytics.sql).
// It is safe for concurrent use, by several processes at once.
type Store struct {
	db      *sql.DB
	dialect Dialect
	cfg     Config
	ownDB   bool
	est     *Estimator
}

// New wraps a database that holds the job store's tables, migrated (by
// jobstore.Open). For SQLite, write transactions should lock at BEGIN
// (_txlock=immediate), as jobstore.Open's connections do.
func New(db *sql.DB, dialect Dialect, cfg Config) *Store {
	s := &Store{db: db, dialect: dialect, cfg: cfg.withDefaults()}
	s.est = newEstimator(s)
	return s
}

// Open connects to the job store named by dsn (the DSN jobstore.Open takes:
// postgres://…, sqlite:PATH or file:PATH), brings its schema up to date, and
// answers the analytics over it with a connection pool of its own (at most 4
// connections, or the DSN's pool_max_conns).
func Open(ctx context.Context, dsn string, cfg Config) (*Store, error) {
	js, err := jobstore.Open(ctx, dsn) // runs the migrations, the analytics tables' too
	if err != nil {
		return nil, err
	}
	js.Close()

	var d Dialect
	driver := "pgx"
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		d = Postgres
	case strings.HasPrefix(dsn, "sqlite:"):
		d, driver = SQLite, "sqlite"
		dsn = strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
	case strings.HasPrefix(dsn, "file:"):
		d, driver = SQLite, "sqlite"
	default:
		return nil, fmt.Errorf("analytics: unsupported DSN %q", dsn)
	}
	base, rawQuery, _ := strings.Cut(dsn, "?")
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, fmt.Errorf("analytics: DSN parameters: %w", err)
	}
	conns := 4
	if v := q.Get("pool_max_conns"); v != "" {
		if conns, err = strconv.Atoi(v); err != nil || conns < 1 {
			return nil, fmt.Errorf("analytics: DSN parameter pool_max_conns=%q: want a positive integer", v)
		}
		q.Del("pool_max_conns")
	}
	if d == SQLite {
		q.Set("_txlock", "immediate") // a roll-up reads then writes: lock at BEGIN
		for k, v := range map[string]string{"_busy_timeout": "10000", "_journal_mode": "WAL", "_synchronous": "NORMAL"} {
			if !q.Has(k) {
				q.Set(k, v)
			}
		}
	}
	if len(q) > 0 {
		base += "?" + q.Encode()
	}
	db, err := sql.Open(driver, base)
	if err != nil {
		return nil, fmt.Errorf("analytics: open: %w", err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(time.Hour)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("analytics: %w", err)
	}
	s := New(db, d, cfg)
	s.ownDB = true
	return s, nil
}

// Close closes the connections Open made (nothing for a Store from New).
func (s *Store) Close() error {
	if s.ownDB {
		return s.db.Close()
	}
	return nil
}

// Estimator answers the store's estimator, for exports.Service.Estimator: fits
// per format cached in memory and read again at most once a minute.
func (s *Store) Estimator() *Estimator { return s.est }

// now is the store's clock, in UTC.
func (s *Store) now() time.Time { return s.cfg.Now().UTC() }

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// maxArgs bounds the parameters of one statement, under SQLite's 32766 and
// Postgres's 65535.
const maxArgs = 30000

// insert inserts rows, each len(columns) values one after the other in args,
// in as few statements as the parameter limit allows. SQLite gets "?"
// placeholders: it looks numbered ones up by name, which costs in proportion
// to their number for each, and statements are then kept smaller.
func insert(ctx context.Context, q querier, d Dialect, table string, columns []string, args []any) error {
	n := len(columns)
	limit := maxArgs
	if d == SQLite {
		limit = 4000
	}
	per := max(limit/n, 1) * n
	head := "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES "
	for len(args) > 0 {
		chunk := args[:min(per, len(args))]
		args = args[len(chunk):]
		var b strings.Builder
		b.WriteString(head)
		for row := 0; row < len(chunk); row += n {
			if row > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for i := range n {
				if i > 0 {
					b.WriteString(", ")
				}
				if d == SQLite {
					b.WriteByte('?')
				} else {
					b.WriteByte('$')
					b.WriteString(strconv.Itoa(row + i + 1))
				}
			}
			b.WriteByte(')')
		}
		if _, err := q.ExecContext(ctx, b.String(), chunk...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

// micros is t in Unix microseconds, as the job store keeps times.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros is micros' inverse, in UTC.
func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }
