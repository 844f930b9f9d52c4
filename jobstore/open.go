package jobstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

//go:embed migrations
var migrations embed.FS

// dialect is what differs between Postgres and SQLite; the queries are shared
// ($n placeholders, ON CONFLICT, TRUE/FALSE work in both).
type dialect struct {
	driver     string        // database/sql driver name
	goose      goose.Dialect // for the migrations
	migrations string        // folder of the migrations in migrations/
	maxConns   int           // pool size unless the DSN says pool_max_conns
	// forUpdate ends the query with which Update reads the job: a row lock in
	// Postgres; SQLite needs none, every write transaction holds the database's
	// write lock from its start (_txlock=immediate).
	forUpdate string
	// retryable tells the errors after which a transaction is run again; nil
	// when none are.
	retryable func(error) bool
	// locker serialises the migrations of processes starting together; nil
	// for SQLite, whose migrations are serialised within the process only.
	locker lock.SessionLocker
}

var postgres = dialect{
	driver:     "pgx",
	goose:      goose.DialectPostgres,
	migrations: "migrations/postgres",
	maxConns:   10,
	forUpdate:  " FOR UPDATE",
	retryable: func(err error) bool {
		var pe *pgconn.PgError
		return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01") // serialization_failure, deadlock_detected
	},
	locker: advisoryLock(0x6a6f6273746f7265), // "jobstore"
}

var sqlite = dialect{
	driver:     "sqlite",
	goose:      goose.DialectSQLite3,
	migrations: "migrations/sqlite",
	maxConns:   4,
}

// sqliteMigrations serialises SQLite migrations within the process (`arxport dev`
// may open one file several times at once). Separate processes sharing a SQLite
// file must not migrate it at the same moment.
var sqliteMigrations sync.Mutex

// Open connects to the job store named by dsn and brings its schema up to date:
//
//   - postgres://… or postgresql://… : Postgres, through pgx (any pgx URL parameter);
//   - sqlite:PATH, sqlite:///abs/path.db or file:PATH : an embedded SQLite file,
//     in WAL mode, with foreign keys on and write transactions serialised.
//
// The DSN parameter pool_max_conns sets the size of the connection pool
// (default 10 for Postgres, 4 for SQLite).
func Open(ctx context.Context, dsn string) (Store, error) {
	var d dialect
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		d = postgres
	case strings.HasPrefix(dsn, "sqlite:"):
		d = sqlite
		dsn = strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
	case strings.HasPrefix(dsn, "file:"):
		d = sqlite
	default:
		scheme, _, _ := strings.Cut(dsn, ":")
		return nil, fmt.Errorf("jobstore: unsupported DSN scheme %q (want postgres://, sqlite: or file:)", scheme)
	}
	dsn, maxConns, err := configure(dsn, d)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open(d.driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("jobstore: open: %w", err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(time.Hour)
	if err := migrate(ctx, db, d); err != nil {
		db.Close()
		return nil, err
	}
	return &store{db: db, d: d}, nil
}

// configure takes pool_max_conns out of the DSN's query and, for SQLite, adds
// the connection settings the store relies on.
func configure(dsn string, d dialect) (string, int, error) {
	base, rawQuery, _ := strings.Cut(dsn, "?")
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", 0, fmt.Errorf("jobstore: DSN parameters: %w", err)
	}
	maxConns := d.maxConns
	if v := q.Get("pool_max_conns"); v != "" {
		if maxConns, err = strconv.Atoi(v); err != nil || maxConns < 1 {
			return "", 0, fmt.Errorf("jobstore: DSN parameter pool_max_conns=%q: want a positive integer", v)
		}
		q.Del("pool_max_conns")
	}
	if d.driver == sqlite.driver {
		q.Set("_txlock", "immediate") // a write transaction locks at BEGIN: Update is a read-modify-write
		q.Set("_foreign_keys", "1")   // ON DELETE CASCADE
		for k, v := range map[string]string{"_busy_timeout": "10000", "_journal_mode": "WAL", "_synchronous": "NORMAL"} {
			if !q.Has(k) {
				q.Set(k, v)
			}
		}
	}
	if len(q) > 0 {
		base += "?" + q.Encode()
	}
	return base, maxConns, nil
}

// migrate applies the embedded migrations not applied yet.
func migrate(ctx context.Context, db *sql.DB, d dialect) error {
	fsys, err := fs.Sub(migrations, d.migrations)
	if err != nil {
		return err
	}
	opts := []goose.ProviderOption{
		goose.WithDisableGlobalRegistry(true),
		goose.WithTableName("jobstore_migrations"), // other packages keep their own
	}
	if d.locker != nil {
		opts = append(opts, goose.WithSessionLocker(d.locker))
	} else {
		sqliteMigrations.Lock()
		defer sqliteMigrations.Unlock()
	}
	p, err := goose.NewProvider(d.goose, db, fsys, opts...)
	if err != nil {
		return fmt.Errorf("jobstore: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("jobstore: migrate: %w", err)
	}
	return nil
}

// advisoryLock is a goose session locker holding a Postgres advisory lock. It
// waits for the lock (goose's own polls it every few seconds), so processes
// starting together migrate one after the other without delay; the lock goes
// with the session if a process dies.
type advisoryLock int64

func (l advisoryLock) SessionLock(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", int64(l))
	return err
}

func (l advisoryLock) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", int64(l))
	return err
}
