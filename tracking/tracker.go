package tracking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/arxos/arxport/jobstore"
)

// Control states a worker obeys.
const (
	StateRunning   = "running"
	StatePaused    = "paused"
	StateCancelled = "cancelled"
)

// Tracker reads and writes a job's live state in Redis.
type Tracker struct {
	rdb redis.UniversalClient
	// Cap bounds a job's event stream (approximately); default 10,000.
	Cap int64
}

// New returns a tracker over rdb.
func New(rdb redis.UniversalClient) *Tracker { return &Tracker{rdb: rdb, Cap: 10_000} }

func key(jobID, what string) string { return "arxport:job:" + jobID + ":" + what }

// emit numbers the event and appends it to the stream in one step, so events of
// one job, written by several workers at once, get increasing numbers and sit in
// the stream in that order. The stream id is "<seq>-1".
var emit = redis.NewScript(`
local seq = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], seq .. '-1', 'e', ARGV[2])
return seq
`)

// Emit appends an event to the job's stream and answers its sequence number.
// e.Seq is ignored; e.JobID names the job; a zero Time is now.
func (t *Tracker) Emit(ctx context.Context, e jobstore.Event) (int64, error) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = e.Time.UTC()
	if e.Severity == "" {
		e.Severity = "info"
	}
	e.Seq = 0
	b, err := json.Marshal(e)
	if err != nil {
		return 0, err
	}
	seq, err := emit.Run(ctx, t.rdb, []string{key(e.JobID, "seq"), key(e.JobID, "events")}, t.Cap, b).Int64()
	if err != nil {
		return 0, fmt.Errorf("tracking: emit %s: %w", e.Type, err)
	}
	return seq, nil
}

func parse(jobID string, msgs []redis.XMessage) ([]jobstore.Event, error) {
	out := make([]jobstore.Event, 0, len(msgs))
	for _, m := range msgs {
		seqStr, _, _ := strings.Cut(m.ID, "-")
		seq, err := strconv.ParseInt(seqStr, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("tracking: event id %q", m.ID)
		}
		raw, _ := m.Values["e"].(string)
		var e jobstore.Event
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			return nil, fmt.Errorf("tracking: event %s: %w", m.ID, err)
		}
		e.Seq, e.JobID = seq, jobID
		out = append(out, e)
	}
	return out, nil
}

// Events answers the job's events with Seq > after that the stream still holds.
func (t *Tracker) Events(ctx context.Context, jobID string, after int64) ([]jobstore.Event, error) {
	msgs, err := t.rdb.XRange(ctx, key(jobID, "events"), fmt.Sprintf("(%d-1", after), "+").Result()
	if err != nil {
		return nil, fmt.Errorf("tracking: events: %w", err)
	}
	return parse(jobID, msgs)
}

// Wait blocks up to block for events with Seq > after, and answers them (none
// when the time passed).
func (t *Tracker) Wait(ctx context.Context, jobID string, after int64, block time.Duration) ([]jobstore.Event, error) {
	res, err := t.rdb.XRead(ctx, &redis.XReadArgs{
		Streams: []string{key(jobID, "events"), fmt.Sprintf("%d-1", after)},
		Block:   block,
		Count:   1000,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tracking: wait: %w", err)
	}
	var msgs []redis.XMessage
	for _, s := range res {
		msgs = append(msgs, s.Messages...)
	}
	return parse(jobID, msgs)
}

// Progress is how far one format of a job has come.
type Progress struct {
	Fraction float64   `json:"fraction"`
	Stage    string    `json:"stage"`
	Done     int64     `json:"elements_done"`
	Total    int64     `json:"elements_total"`
	ETA      float64   `json:"eta_seconds"`
	Updated  time.Time `json:"updated"`
}

// SetProgress records a format's progress.
func (t *Tracker) SetProgress(ctx context.Context, jobID, format string, p Progress) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return t.rdb.HSet(ctx, key(jobID, "progress"), format, b).Err()
}

// Progress answers the progress of every format that reported some.
func (t *Tracker) Progress(ctx context.Context, jobID string) (map[string]Progress, error) {
	m, err := t.rdb.HGetAll(ctx, key(jobID, "progress")).Result()
	if err != nil {
		return nil, fmt.Errorf("tracking: progress: %w", err)
	}
	out := make(map[string]Progress, len(m))
	for f, raw := range m {
		var p Progress
		if json.Unmarshal([]byte(raw), &p) == nil {
			out[f] = p
		}
	}
	return out, nil
}

// SetState sets the job's control state.
func (t *Tracker) SetState(ctx context.Context, jobID, state string) error {
	return t.rdb.Set(ctx, key(jobID, "state"), state, 0).Err()
}

// State answers the job's control state; StateRunning when none was set.
func (t *Tracker) State(ctx context.Context, jobID string) (string, error) {
	s, err := t.rdb.Get(ctx, key(jobID, "state")).Result()
	if errors.Is(err, redis.Nil) {
		return StateRunning, nil
	}
	return s, err
}

func (t *Tracker) keys(jobID string) []string {
	return []string{key(jobID, "seq"), key(jobID, "events"), key(jobID, "progress"), key(jobID, "state")}
}

// Expire lets a finished job's keys go after ttl (the events are in the job
// store by then).
func (t *Tracker) Expire(ctx context.Context, jobID string, ttl time.Duration) error {
	_, err := t.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range t.keys(jobID) {
			p.Expire(ctx, k, ttl)
		}
		return nil
	})
	return err
}

// Delete removes the job's keys now.
func (t *Tracker) Delete(ctx context.Context, jobID string) error {
	return t.rdb.Del(ctx, t.keys(jobID)...).Err()
}
