package e2e

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/arxos/arxport/exports"
)

// lastEnv answers the value of an environment entry of the stack as its
// processes see it: the last one wins (extra entries override newStack's).
func lastEnv(s *stack, name string) string {
	for i := len(s.env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(s.env[i], name+"="); ok {
			return v
		}
	}
	return ""
}

// openDB opens the stack's job store for the checks a test makes beside the API.
func openDB(t *testing.T, s *stack) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", lastEnv(s, "DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// redisOf is a client of the stack's Redis.
func redisOf(t *testing.T, s *stack) *redis.Client {
	t.Helper()
	o, err := redis.ParseURL(lastEnv(s, "REDIS_URL"))
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(o)
	t.Cleanup(func() { c.Close() })
	return c
}

// skipOrFail skips the test, or fails it when CI requires every service.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("ARXPORT_REQUIRE_SERVICES") == "1" {
		t.Fatalf(format+" (ARXPORT_REQUIRE_SERVICES=1)", args...)
	}
	t.Skipf(format, args...)
}

// pgServer is a Postgres cluster of the test's own (initdb, pg_ctl) on a spare
// loopback port, so it can be stopped without disturbing the shared server.
type pgServer struct {
	t       *testing.T
	bin     string // the directory of initdb and pg_ctl
	data    string
	port    string
	url     string
	asUser  string // run the tools as this user (initdb refuses root)
	logFile string
}

// startPostgres initialises and starts a cluster with trust authentication.
func startPostgres(t *testing.T) *pgServer {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			bins = []string{p}
		}
	}
	if len(bins) == 0 {
		skipOrFail(t, "no initdb: install PostgreSQL's server package to run the Postgres fault test")
	}
	sort.Slice(bins, func(i, j int) bool { return pgMajor(bins[i]) < pgMajor(bins[j]) })
	pg := &pgServer{t: t, bin: filepath.Dir(bins[len(bins)-1])}
	root, err := os.MkdirTemp("", "arxport-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	pg.data = filepath.Join(root, "data")
	pg.logFile = filepath.Join(root, "postgres.log")
	if err := os.Mkdir(pg.data, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			skipOrFail(t, "running as root and there is no postgres user to run initdb as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		for _, p := range []string{root, pg.data} {
			if err := os.Chown(p, uid, gid); err != nil {
				skipOrFail(t, "cannot give the cluster's directory to postgres: %v", err)
			}
		}
		pg.asUser = "postgres"
	}
	_, pg.port, _ = net.SplitHostPort(freeAddr(t))
	if out, err := pg.run("initdb", "-D", pg.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"); err != nil {
		skipOrFail(t, "initdb: %v\n%s", err, out)
	}
	pg.url = "postgres://postgres@127.0.0.1:" + pg.port + "/postgres?sslmode=disable"
	pg.start()
	t.Cleanup(func() {
		pg.run("pg_ctl", "-D", pg.data, "-m", "immediate", "-w", "stop")
		if t.Failed() {
			if b, err := os.ReadFile(pg.logFile); err == nil {
				t.Logf("--- postgres log ---\n%s", tail(string(b), 4000))
			}
		}
	})
	return pg
}

func pgMajor(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

func (pg *pgServer) run(tool string, args ...string) ([]byte, error) {
	exe := filepath.Join(pg.bin, tool)
	var cmd *exec.Cmd
	if pg.asUser != "" {
		cmd = exec.Command("runuser", append([]string{"-u", pg.asUser, "--", exe}, args...)...)
	} else {
		cmd = exec.Command(exe, args...)
	}
	cmd.Dir = filepath.Dir(pg.data)
	return cmd.CombinedOutput()
}

// start starts the cluster and waits until it accepts connections.
func (pg *pgServer) start() {
	pg.t.Helper()
	opts := fmt.Sprintf("-p %s -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", pg.port, pg.data)
	if out, err := pg.run("pg_ctl", "-D", pg.data, "-o", opts, "-l", pg.logFile, "-w", "-t", "60", "start"); err != nil {
		pg.t.Fatalf("pg_ctl start: %v\n%s", err, out)
	}
}

// stop stops the cluster as an operator would in a hurry (fast: sessions are
// ended, nothing is lost).
func (pg *pgServer) stop() {
	pg.t.Helper()
	if out, err := pg.run("pg_ctl", "-D", pg.data, "-m", "fast", "-w", "stop"); err != nil {
		pg.t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

// logLine is one JSON line of a service process's log.
type logLine map[string]any

func (l logLine) str(k string) string {
	v, _ := l[k].(string)
	return v
}

// logLines parses the JSON lines of a stopped process's log (read it only
// once the process has ended: the log is written while it runs).
func logLines(p *proc) []logLine {
	select {
	case <-p.done:
	default:
		panic("logLines of a running process")
	}
	var out []logLine
	sc := bufio.NewScanner(strings.NewReader(p.log.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var l logLine
		if json.Unmarshal(sc.Bytes(), &l) == nil {
			out = append(out, l)
		}
	}
	return out
}

// finishedFormats counts the worker log's "format finished" lines by job: how
// often each job's result was recorded.
func finishedFormats(workers ...*proc) map[string]int {
	n := map[string]int{}
	for _, w := range workers {
		for _, l := range logLines(w) {
			if l.str("msg") == "format finished" {
				n[l.str("job_id")+"/"+l.str("format")]++
			}
		}
	}
	return n
}

// rssKiB answers a process's resident set size (VmRSS).
func rssKiB(t *testing.T, p *proc) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("%s VmRSS %q: %v", p.name, v, err)
			}
			return n
		}
	}
	t.Fatalf("%s: no VmRSS", p.name)
	return 0
}

// percentile answers the p-th percentile (0..1) of sorted values, nearest rank.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// analytics is what the roll-up tables count, summed over the hour buckets.
type analytics struct {
	formats map[string]int64 // "tenant/format/status" → formats
	jobs    map[string]int64 // "tenant/status" → jobs
}

// readAnalytics reads the hour roll-ups (and the day roll-ups, which must agree).
func readAnalytics(t *testing.T, db *sql.DB) analytics {
	t.Helper()
	a := analytics{formats: map[string]int64{}, jobs: map[string]int64{}}
	var reg sql.NullString
	if err := db.QueryRow("SELECT to_regclass('analytics_formats')::text").Scan(&reg); err != nil {
		t.Fatal(err)
	}
	if !reg.Valid {
		return a
	}
	sums := func(q string, into map[string]int64) {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var n int64
			if err := rows.Scan(&k, &n); err != nil {
				t.Fatal(err)
			}
			into[k] = n
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	sums(`SELECT tenant || '/' || format || '/' || status, sum(formats)::bigint FROM analytics_formats WHERE grain = 'hour' GROUP BY 1`, a.formats)
	sums(`SELECT tenant || '/' || status, sum(jobs)::bigint FROM analytics_jobs WHERE grain = 'hour' GROUP BY 1`, a.jobs)
	days := map[string]int64{}
	sums(`SELECT tenant || '/' || format || '/' || status, sum(formats)::bigint FROM analytics_formats WHERE grain = 'day' GROUP BY 1`, days)
	for k, n := range a.formats {
		if days[k] != n {
			t.Errorf("analytics: %s counts %d formats by the hour, %d by the day", k, n, days[k])
		}
	}
	return a
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// waitAnalytics polls the roll-ups until cond holds (or gives up after d).
func waitAnalytics(t *testing.T, db *sql.DB, d time.Duration, cond func(analytics) bool) (analytics, bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		a := readAnalytics(t, db)
		if cond(a) {
			return a, true
		}
		if time.Now().After(deadline) {
			return a, false
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// formatRows answers the job_formats rows of a job: format → status, attempt.
func formatRows(t *testing.T, db *sql.DB, jobID string) map[string][2]string {
	t.Helper()
	rows, err := db.Query("SELECT format, status, attempt FROM job_formats WHERE job_id = $1", jobID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][2]string{}
	for rows.Next() {
		var f, st string
		var attempt int
		if err := rows.Scan(&f, &st, &attempt); err != nil {
			t.Fatal(err)
		}
		if _, dup := out[f]; dup {
			t.Errorf("job %s: format %s recorded twice", jobID, f)
		}
		out[f] = [2]string{st, strconv.Itoa(attempt)}
	}
	return out
}

// sameFiles checks that storage holds exactly the files the job lists, each
// once, and answers how many.
func sameFiles(t *testing.T, s *stack, j exports.Job) int {
	t.Helper()
	var want []string
	for _, f := range j.Formats {
		for _, file := range f.Files {
			want = append(want, f.Format+"/"+file.Name)
		}
	}
	sort.Strings(want)
	stored := s.storedFiles(j.ID)
	if !slices.Equal(stored, want) {
		t.Errorf("job %s: storage holds %v, the job lists %v", j.ID, stored, want)
	}
	return len(stored)
}
