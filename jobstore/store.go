package jobstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	// idempotencyWindow is how long an idempotency key stays with its job.
	idempotencyWindow = 24 * time.Hour
	// maxAttempts bounds the runs of a transaction that keeps hitting
	// serialisation failures or deadlocks.
	maxAttempts = 5
	// maxArgs bounds the parameters of one statement, under SQLite's 32766
	// and Postgres's 65535.
	maxArgs = 30000
)

// store is the Store of both dialects, over database/sql.
type store struct {
	db *sql.DB
	d  dialect
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs fn in a transaction, and again after a serialisation failure or a
// deadlock, up to maxAttempts times.
func (s *store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.tx(ctx, fn)
		if err == nil || attempt == maxAttempts || s.d.retryable == nil || !s.d.retryable(err) {
			return err
		}
		backoff := time.Duration(attempt)*time.Millisecond + rand.N(5*time.Millisecond)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(backoff):
		}
	}
}

func (s *store) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// params appends n placeholders, $from to $(from+n-1), separated by commas.
func params(b *strings.Builder, from, n int) {
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(from + i))
	}
}

// list is "($from, …)", n placeholders.
func list(from, n int) string {
	var b strings.Builder
	b.WriteByte('(')
	params(&b, from, n)
	b.WriteByte(')')
	return b.String()
}

// anys is the strings as arguments.
func anys(values []string) []any {
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return args
}

// statements splits rows (args holds them one after the other, each as many
// values as columns names) into as few INSERT statements as the parameter
// limit allows, each ended by suffix, and yields each with its arguments.
func statements(table, columns, suffix string, args []any) iter.Seq2[string, []any] {
	return func(yield func(string, []any) bool) {
		n := strings.Count(columns, ",") + 1
		per := maxArgs / n * n
		for len(args) > 0 {
			chunk := args[:min(per, len(args))]
			args = args[len(chunk):]
			var b strings.Builder
			b.WriteString("INSERT INTO " + table + " (" + columns + ") VALUES ")
			for row := 0; row < len(chunk); row += n {
				if row > 0 {
					b.WriteString(", ")
				}
				b.WriteByte('(')
				params(&b, row+1, n)
				b.WriteByte(')')
			}
			b.WriteString(suffix)
			if !yield(b.String(), chunk) {
				return
			}
		}
	}
}

// insert inserts rows (see statements) and answers the number inserted.
func insert(ctx context.Context, q querier, table, columns, suffix string, args []any) (int64, error) {
	var total int64
	for stmt, chunk := range statements(table, columns, suffix, args) {
		res, err := q.ExecContext(ctx, stmt, chunk...)
		if err != nil {
			return total, err
		}
		affected, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += affected
	}
	return total, nil
}

// set is "a = $2, b = $3, …" for the columns after the first `keys`, which the
// WHERE clause names as $1…$keys.
func set(columns string, keys int) string {
	cols := strings.Split(columns, ", ")[keys:]
	for i, c := range cols {
		cols[i] = c + " = $" + strconv.Itoa(keys+i+1)
	}
	return strings.Join(cols, ", ")
}

var (
	updateJob    = "UPDATE jobs SET " + set(jobColumns, 1) + " WHERE id = $1"
	updateFormat = "UPDATE job_formats SET " + set(formatColumns, 2) + " WHERE job_id = $1 AND position = $2"
	// terminal is the SQL list of terminal statuses.
	terminal = "('" + string(Completed) + "', '" + string(Failed) + "', '" + string(Cancelled) + "', '" + string(Partial) + "')"
)

// Create sets a zero j.CreatedAt to now. It also stores the formats' files, if
// they have any, and the job's Model.
func (s *store) Create(ctx context.Context, j *Job) error {
	return s.CreateAll(ctx, []*Job{j})[0]
}

func (s *store) CreateAll(ctx context.Context, jobs []*Job) []error {
	errs := make([]error, len(jobs))
	var recs []*record
	var of []int // recs[k] is jobs[of[k]]
	for i, j := range jobs {
		if j.ID == "" {
			errs[i] = errors.New("jobstore: create: the job has no ID")
			continue
		}
		if j.CreatedAt.IsZero() {
			j.CreatedAt = time.Now()
		}
		rec, err := encode(j)
		if err != nil {
			errs[i] = fmt.Errorf("jobstore: create %s: %w", j.ID, err)
			continue
		}
		recs, of = append(recs, rec), append(of, i)
	}
	if len(recs) == 0 {
		return errs
	}
	dups := make([]error, len(recs))
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		dups = make([]error, len(recs))
		return insertJobs(ctx, tx, recs, dups)
	})
	for k, i := range of {
		errs[i] = dups[k]
		if err != nil {
			errs[i] = fmt.Errorf("jobstore: create %s: %w", jobs[i].ID, err)
		}
	}
	return errs
}

// onConflict leaves out a job whose idempotency key its tenant holds already.
const onConflict = " ON CONFLICT (tenant, idempotency_key) WHERE idempotency_key <> '' DO NOTHING"

// insertJobs inserts the records' rows, a statement per table for them all.
// A job whose idempotency key is held is looked at alone (insertJob): dups
// gets its *DuplicateError, and none of its rows are written.
func insertJobs(ctx context.Context, tx *sql.Tx, recs []*record, dups []error) error {
	args := make([]any, 0, 16*len(recs))
	for _, r := range recs {
		args = append(args, r.job.args()...)
	}
	inserted := make(map[string]bool, len(recs))
	for stmt, chunk := range statements("jobs", jobColumns, onConflict+" RETURNING id", args) {
		rows, err := tx.QueryContext(ctx, stmt, chunk...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			inserted[id] = true
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	var labels, formats, files, models []any
	for k, r := range recs {
		if !inserted[r.job.ID] {
			err := insertJob(ctx, tx, r)
			var dup *DuplicateError
			if errors.As(err, &dup) {
				dups[k] = err
				continue
			}
			if err != nil {
				return err
			}
		}
		for key, v := range r.labels {
			labels = append(labels, r.job.ID, key, v)
		}
		for i := range r.formats {
			formats = append(formats, r.formats[i].args()...)
			for f := range r.files[i] {
				files = append(files, r.files[i][f].args()...)
			}
		}
		if r.model != nil {
			models = append(models, r.job.ID, r.model)
		}
	}
	for _, t := range []struct {
		table, columns string
		args           []any
	}{{"job_labels", labelColumns, labels}, {"job_formats", formatColumns, formats}, {"files", fileColumns, files}, {"job_models", modelColumns, models}} {
		if _, err := insert(ctx, tx, t.table, t.columns, "", t.args); err != nil {
			return err
		}
	}
	return nil
}

// insertJob inserts the job's row. When its idempotency key is held by a job of
// the tenant created less than 24 h before, it answers *DuplicateError; an
// older holder gives the key up (its IdempotencyKey becomes "").
func insertJob(ctx context.Context, tx *sql.Tx, rec *record) error {
	for range 3 {
		n, err := insert(ctx, tx, "jobs", jobColumns, onConflict, rec.job.args())
		if err != nil || n == 1 {
			return err
		}
		var holder string
		var created int64
		err = tx.QueryRowContext(ctx, "SELECT id, created_at FROM jobs WHERE tenant = $1 AND idempotency_key = $2",
			rec.job.Tenant, rec.job.IdempotencyKey).Scan(&holder, &created)
		switch {
		case errors.Is(err, sql.ErrNoRows): // deleted meanwhile: try again
			continue
		case err != nil:
			return err
		case created >= rec.job.CreatedAt.Int64-idempotencyWindow.Microseconds():
			recs, err := load(ctx, tx, "WHERE id = $1", holder)
			if err != nil {
				return err
			}
			if len(recs) == 0 { // deleted meanwhile: try again
				continue
			}
			j, err := recs[0].decode()
			if err != nil {
				return err
			}
			return &DuplicateError{Job: j}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE jobs SET idempotency_key = '' WHERE id = $1", holder); err != nil {
			return err
		}
	}
	return errors.New("the idempotency key is contended")
}

func insertLabels(ctx context.Context, q querier, id string, labels map[string]string) error {
	if len(labels) == 0 {
		return nil
	}
	args := make([]any, 0, 3*len(labels))
	for k, v := range labels {
		args = append(args, id, k, v)
	}
	_, err := insert(ctx, q, "job_labels", labelColumns, "", args)
	return err
}

// insertFormats inserts the record's formats and their files.
func insertFormats(ctx context.Context, q querier, rec *record) error {
	if len(rec.formats) == 0 {
		return nil
	}
	args := make([]any, 0, 16*len(rec.formats))
	for i := range rec.formats {
		args = append(args, rec.formats[i].args()...)
	}
	if _, err := insert(ctx, q, "job_formats", formatColumns, "", args); err != nil {
		return err
	}
	return insertFiles(ctx, q, slices.Concat(rec.files...))
}

func insertFiles(ctx context.Context, q querier, files []fileRow) error {
	if len(files) == 0 {
		return nil
	}
	args := make([]any, 0, 8*len(files))
	for i := range files {
		args = append(args, files[i].args()...)
	}
	_, err := insert(ctx, q, "files", fileColumns, "", args)
	return err
}

func (s *store) Get(ctx context.Context, id string) (*Job, error) {
	recs, err := load(ctx, s.db, "WHERE id = $1", id)
	if err != nil {
		return nil, fmt.Errorf("jobstore: get %s: %w", id, err)
	}
	if len(recs) == 0 {
		return nil, ErrNotFound
	}
	return recs[0].decode()
}

// load reads the jobs that "SELECT … FROM jobs <rest>" selects, with their
// formats and files.
func load(ctx context.Context, q querier, rest string, args ...any) ([]*record, error) {
	recs, err := loadJobs(ctx, q, rest, args...)
	if err != nil {
		return nil, err
	}
	return recs, loadFormats(ctx, q, recs)
}

func loadJobs(ctx context.Context, q querier, rest string, args ...any) ([]*record, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+jobColumns+" FROM jobs "+rest, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var recs []*record
	for rows.Next() {
		rec := new(record)
		if err := rows.Scan(rec.job.dest()...); err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	return recs, rows.Err()
}

// loadFormats reads the formats and files of the records' jobs, in one query.
func loadFormats(ctx context.Context, q querier, recs []*record) error {
	if len(recs) == 0 {
		return nil
	}
	byID := make(map[string]*record, len(recs))
	ids := make([]string, len(recs))
	for i, rec := range recs {
		byID[rec.job.ID], ids[i] = rec, rec.job.ID
	}
	rows, err := q.QueryContext(ctx, `SELECT f.`+strings.ReplaceAll(formatColumns, ", ", ", f.")+`,
		fi.name, fi.key, fi.size, fi.sha256, fi.content_type, fi.created_at
		FROM job_formats f LEFT JOIN files fi ON fi.job_id = f.job_id AND fi.format = f.format
		WHERE f.job_id IN `+list(1, len(ids))+` ORDER BY f.job_id, f.position, fi.name`, anys(ids)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			f                        formatRow
			name, key, sha256, ctype sql.NullString
			size, created            sql.NullInt64
		)
		if err := rows.Scan(append(f.dest(), &name, &key, &size, &sha256, &ctype, &created)...); err != nil {
			return err
		}
		rec := byID[f.JobID]
		if last := len(rec.formats) - 1; last < 0 || rec.formats[last].Position != f.Position {
			rec.formats = append(rec.formats, f)
			rec.files = append(rec.files, nil)
		}
		if name.Valid {
			last := len(rec.files) - 1
			rec.files[last] = append(rec.files[last], fileRow{
				JobID: f.JobID, Format: f.Format, Name: name.String, Key: key.String, Size: size.Int64,
				SHA256: sha256.String, ContentType: ctype.String, CreatedAt: created,
			})
		}
	}
	return rows.Err()
}

func (s *store) List(ctx context.Context, q ListQuery) ([]*Job, string, error) {
	limit := q.Limit
	switch {
	case limit <= 0:
		limit = 50
	case limit > 1000:
		limit = 1000
	}
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if q.Tenant != "" {
		where = append(where, "tenant = "+arg(q.Tenant))
	}
	if q.Status != "" {
		where = append(where, "status = "+arg(string(q.Status)))
	}
	if q.After != "" {
		where = append(where, "id < "+arg(q.After))
	}
	if q.Label != "" { // "key=value", or "key" for any value
		key, value, hasValue := strings.Cut(q.Label, "=")
		cond := "EXISTS (SELECT 1 FROM job_labels l WHERE l.job_id = jobs.id AND l.key = " + arg(key)
		if hasValue {
			cond += " AND l.value = " + arg(value)
		}
		where = append(where, cond+")")
	}
	rest := ""
	if len(where) > 0 {
		rest = "WHERE " + strings.Join(where, " AND ")
	}
	rest += " ORDER BY id DESC LIMIT " + arg(limit+1)

	recs, err := loadJobs(ctx, s.db, rest, args...)
	if err != nil {
		return nil, "", fmt.Errorf("jobstore: list: %w", err)
	}
	next := ""
	if len(recs) > limit {
		recs = recs[:limit]
		next = recs[limit-1].job.ID
	}
	jobs, err := s.decodeWithFormats(ctx, recs)
	if err != nil {
		return nil, "", fmt.Errorf("jobstore: list: %w", err)
	}
	return jobs, next, nil
}

func (s *store) decodeWithFormats(ctx context.Context, recs []*record) ([]*Job, error) {
	if err := loadFormats(ctx, s.db, recs); err != nil {
		return nil, err
	}
	jobs := make([]*Job, len(recs))
	for i, rec := range recs {
		var err error
		if jobs[i], err = rec.decode(); err != nil {
			return nil, err
		}
	}
	return jobs, nil
}

func (s *store) Update(ctx context.Context, id string, fn func(j *Job) error) (*Job, error) {
	var out *Job
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		recs, err := load(ctx, tx, "WHERE id = $1"+s.d.forUpdate, id)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			return ErrNotFound
		}
		j, err := recs[0].decode()
		if err != nil {
			return err
		}
		before, err := encode(j)
		if err != nil {
			return err
		}
		if err := fn(j); err != nil {
			if errors.Is(err, ErrNoChange) {
				out, _ = recs[0].decode() // the job as read; decoded once already
			}
			return err
		}
		j.ID = id // not fn's to change
		after, err := encode(j)
		if err != nil {
			return err
		}
		if err := write(ctx, tx, before, after); err != nil {
			return err
		}
		out, err = after.decode()
		return err
	})
	switch {
	case err == nil:
		return out, nil
	case errors.Is(err, ErrNoChange):
		return out, err
	case errors.Is(err, ErrNotFound):
		return nil, ErrNotFound
	}
	return nil, fmt.Errorf("jobstore: update %s: %w", id, err)
}

// write stores what differs between before and after, two records of one job.
func write(ctx context.Context, tx *sql.Tx, before, after *record) error {
	id := after.job.ID
	if after.job != before.job {
		if _, err := tx.ExecContext(ctx, updateJob, after.job.args()...); err != nil {
			return err
		}
	}
	if !maps.Equal(before.labels, after.labels) {
		if _, err := tx.ExecContext(ctx, "DELETE FROM job_labels WHERE job_id = $1", id); err != nil {
			return err
		}
		if err := insertLabels(ctx, tx, id, after.labels); err != nil {
			return err
		}
	}
	sameFormats := slices.EqualFunc(before.formats, after.formats, func(a, b formatRow) bool { return a.Format == b.Format })
	if !sameFormats { // formats added, removed or reordered: write them all again
		if _, err := tx.ExecContext(ctx, "DELETE FROM job_formats WHERE job_id = $1", id); err != nil {
			return err
		}
		return insertFormats(ctx, tx, after)
	}
	var changed []string // formats whose files changed
	var files []fileRow
	for i := range after.formats {
		if after.formats[i] != before.formats[i] {
			if _, err := tx.ExecContext(ctx, updateFormat, after.formats[i].args()...); err != nil {
				return err
			}
		}
		if !slices.Equal(before.files[i], after.files[i]) {
			changed = append(changed, after.formats[i].Format)
			files = append(files, after.files[i]...)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	del := "DELETE FROM files WHERE job_id = $1 AND format IN " + list(2, len(changed))
	if _, err := tx.ExecContext(ctx, del, append([]any{id}, anys(changed)...)...); err != nil {
		return err
	}
	return insertFiles(ctx, tx, files)
}

func (s *store) Model(ctx context.Context, jobID string) ([]byte, error) {
	var body []byte
	err := s.db.QueryRowContext(ctx, "SELECT body FROM job_models WHERE job_id = $1", jobID).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("jobstore: model of %s: %w", jobID, err)
	}
	return body, nil
}

func (s *store) Delete(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, "DELETE FROM jobs WHERE id = $1", id); err != nil {
		return fmt.Errorf("jobstore: delete %s: %w", id, err)
	}
	return nil
}

func (s *store) Unenqueued(ctx context.Context, before time.Time, limit int) ([]*Job, error) {
	if limit <= 0 {
		return nil, nil
	}
	recs, err := loadJobs(ctx, s.db, "WHERE NOT enqueued AND created_at < $1 AND status NOT IN "+terminal+
		" ORDER BY created_at, id LIMIT $2", before.UnixMicro(), limit)
	if err != nil {
		return nil, fmt.Errorf("jobstore: unenqueued: %w", err)
	}
	jobs, err := s.decodeWithFormats(ctx, recs)
	if err != nil {
		return nil, fmt.Errorf("jobstore: unenqueued: %w", err)
	}
	return jobs, nil
}

func (s *store) Expired(ctx context.Context, before time.Time, cursor string, limit int) ([]*Job, string, error) {
	if limit <= 0 {
		return nil, "", nil
	}
	where := "WHERE expires_at IS NOT NULL AND expires_at < $1 AND status IN " + terminal
	args := []any{before.UnixMicro()}
	if cursor != "" {
		at, id, ok := strings.Cut(cursor, ":")
		micros, err := strconv.ParseInt(at, 10, 64)
		if !ok || err != nil {
			return nil, "", fmt.Errorf("jobstore: expired: bad cursor %q", cursor)
		}
		where += " AND (expires_at > $2 OR expires_at = $2 AND id > $3)"
		args = append(args, micros, id)
	}
	args = append(args, limit)
	recs, err := loadJobs(ctx, s.db, fmt.Sprintf("%s ORDER BY expires_at, id LIMIT $%d", where, len(args)), args...)
	if err != nil {
		return nil, "", fmt.Errorf("jobstore: expired: %w", err)
	}
	jobs, err := s.decodeWithFormats(ctx, recs)
	if err != nil {
		return nil, "", fmt.Errorf("jobstore: expired: %w", err)
	}
	next := ""
	if len(jobs) == limit {
		last := jobs[len(jobs)-1]
		next = fmt.Sprintf("%d:%s", last.ExpiresAt.UnixMicro(), last.ID)
	}
	return jobs, next, nil
}

func (s *store) SetEnqueued(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, "UPDATE jobs SET enqueued = TRUE WHERE id IN "+list(1, len(ids)), anys(ids)...); err != nil {
		return fmt.Errorf("jobstore: set enqueued: %w", err)
	}
	return nil
}

func (s *store) AddEvents(ctx context.Context, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	args := make([]any, 0, 8*len(events))
	for _, e := range events {
		data := sql.NullString{String: string(e.Data), Valid: len(e.Data) > 0}
		args = append(args, e.JobID, e.Seq, e.Type, e.Format, micros(e.Time), e.Severity, e.Message, data)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := insert(ctx, tx, "events", eventColumns, " ON CONFLICT (job_id, seq) DO NOTHING", args)
		return err
	})
	if err != nil {
		return fmt.Errorf("jobstore: add events: %w", err)
	}
	return nil
}

func (s *store) Events(ctx context.Context, jobID string, after int64) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+eventColumns+" FROM events WHERE job_id = $1 AND seq > $2 ORDER BY seq", jobID, after)
	if err != nil {
		return nil, fmt.Errorf("jobstore: events %s: %w", jobID, err)
	}
	defer rows.Close()
	var events []Event
	for rows.Next() {
		var (
			e    Event
			t    sql.NullInt64
			data sql.NullString
		)
		if err := rows.Scan(&e.JobID, &e.Seq, &e.Type, &e.Format, &t, &e.Severity, &e.Message, &data); err != nil {
			return nil, fmt.Errorf("jobstore: events %s: %w", jobID, err)
		}
		e.Time = fromMicros(t)
		if data.Valid {
			e.Data = []byte(data.String)
		}
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("jobstore: events %s: %w", jobID, err)
	}
	return events, nil
}

func (s *store) PutKey(ctx context.Context, k Key) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO api_keys (hash, tenant, name, admin) VALUES ($1, $2, $3, $4)
		ON CONFLICT (hash) DO UPDATE SET tenant = excluded.tenant, name = excluded.name, admin = excluded.admin`,
		k.Hash, k.Tenant, k.Name, k.Admin)
	if err != nil {
		return fmt.Errorf("jobstore: put key: %w", err)
	}
	return nil
}

func (s *store) Key(ctx context.Context, hash string) (Key, error) {
	k := Key{Hash: hash}
	err := s.db.QueryRowContext(ctx, "SELECT tenant, name, admin FROM api_keys WHERE hash = $1", hash).Scan(&k.Tenant, &k.Name, &k.Admin)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Key{}, ErrNotFound
	case err != nil:
		return Key{}, fmt.Errorf("jobstore: key: %w", err)
	}
	return k, nil
}

func (s *store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

func (s *store) Close() error { return s.db.Close() }
