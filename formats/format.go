// Package formats is the registry of output formats. Each format lives in a folder
// of its own (formats/csv, formats/xlsx, ...) and registers itself in init, like an
// image decoder or a database/sql driver; importing formats/all brings in every one.
package formats

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/arxos/arxport/model"
)

// Format describes one output format and converts models into it.
type Format struct {
	// Name is the stable name callers ask for: "csv", "glb", "ifc".
	Name string
	// Title is a short human description.
	Title string
	// Family names the shared conversion the format builds on: "tables", "model",
	// "geo", "scene", "solids", "plan".
	Family string
	// Options the format accepts, with defaults; checked before any work starts.
	Options []Option
	// Write converts j.Model into files created through j.Out.
	Write func(ctx context.Context, j *Job) error
}

// Output receives the files a format writes. Files may be open at the same time;
// each is finished when closed. A file is only presented once the whole job
// succeeded (see processors).
type Output interface {
	Create(name, contentType string) (io.WriteCloser, error)
}

// Progress receives how far a writer has come: done of total items (rooms,
// elements and connections) in a named stage. Implementations throttle; writers
// call it as often as they like, at least every few thousand items.
type Progress interface {
	Progress(stage string, done, total int64)
}

// Job is one conversion of a model into one format.
type Job struct {
	Model *model.Model
	Out   Output
	// Base is the stem of the file names, e.g. "tech-tower" for tech-tower.xlsx.
	Base string
	// Time is the timestamp written into files; fixing it makes output byte-identical.
	Time time.Time
	// Options are the format's options, checked and with defaults filled in.
	Options Values
	// Progress may be nil.
	Progress Progress
	// TempDir holds scratch files; os.TempDir() when empty.
	TempDir string
	// Warn records a problem that did not stop the conversion. May be nil.
	Warn func(model.Problem)

	mu      sync.Mutex
	metrics map[string]int64
}

// Report sends progress, if anyone listens.
func (j *Job) Report(stage string, done int64) {
	if j.Progress != nil {
		j.Progress.Progress(stage, done, j.Total())
	}
}

// Total is the number of items a writer visits: rooms, elements and connections.
func (j *Job) Total() int64 {
	s := j.Model.Stats
	return int64(s.Rooms + s.Elements + s.Connections)
}

// Warning records a warning.
func (j *Job) Warning(path, code, format string, args ...any) {
	if j.Warn != nil {
		j.Warn(model.Problem{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
	}
}

// AddMetric adds to a named figure of the conversion (triangles, rows, pages).
func (j *Job) AddMetric(name string, n int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.metrics == nil {
		j.metrics = map[string]int64{}
	}
	j.metrics[name] += n
}

// Metrics returns the figures recorded with AddMetric.
func (j *Job) Metrics() map[string]int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make(map[string]int64, len(j.metrics))
	for k, v := range j.metrics {
		out[k] = v
	}
	return out
}

var (
	mu       sync.RWMutex
	registry = map[string]*Format{}
)

// Register makes a format available by name. It panics when the name is taken or
// the format is incomplete, as database/sql.Register does.
func Register(f *Format) {
	mu.Lock()
	defer mu.Unlock()
	if f == nil || f.Name == "" || f.Write == nil {
		panic("formats: Register of an incomplete format")
	}
	if _, dup := registry[f.Name]; dup {
		panic("formats: Register called twice for " + f.Name)
	}
	for _, o := range f.Options {
		if err := o.check(); err != nil {
			panic(fmt.Sprintf("formats: %s: %v", f.Name, err))
		}
	}
	registry[f.Name] = f
}

// Lookup returns the format with the given name.
func Lookup(name string) (*Format, bool) {
	mu.RLock()
	defer mu.RUnlock()
	f, ok := registry[name]
	return f, ok
}

// List returns every registered format, sorted by name.
func List() []*Format {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]*Format, 0, len(registry))
	for _, f := range registry {
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b *Format) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Names returns the names of every registered format, sorted.
func Names() []string {
	var out []string
	for _, f := range List() {
		out = append(out, f.Name)
	}
	return out
}

// WriteFile creates one output file, hands it to fn and closes it, returning the
// first error: the shape of every format that writes a single file.
func (j *Job) WriteFile(ctx context.Context, name, contentType string, fn func(io.Writer) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := j.Out.Create(name, contentType)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	return fn(f)
}
