package processors

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/model"
)

// Result is what converting a model into one format produced.
type Result struct {
	Format   string
	Files    []File
	Duration time.Duration
	Metrics  map[string]int64
	Warnings []model.Problem
}

// ExportDir converts j.Model with format f into dir. The files appear under their
// real names only if the whole conversion succeeded; on failure nothing is left.
// j.Out is set here; the rest of j comes from the caller.
func ExportDir(ctx context.Context, f *formats.Format, j *formats.Job, dir string) (Result, error) {
	res := Result{Format: f.Name}
	d, err := NewDir(dir)
	if err != nil {
		return res, err
	}
	var mu sync.Mutex
	warn := j.Warn
	j.Warn = func(p model.Problem) {
		mu.Lock()
		res.Warnings = append(res.Warnings, p)
		mu.Unlock()
		if warn != nil {
			warn(p)
		}
	}
	j.Out = d
	start := time.Now()
	if err := f.Write(ctx, j); err != nil {
		d.Abort()
		return res, fmt.Errorf("%s: %w", f.Name, err)
	}
	files, err := d.Commit()
	if err != nil {
		d.Abort()
		return res, fmt.Errorf("%s: %w", f.Name, err)
	}
	res.Files = files
	res.Duration = time.Since(start)
	res.Metrics = j.Metrics()
	return res, nil
}
