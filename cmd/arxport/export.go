package main

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/model"
	"github.com/arxos/arxport/processors"
)

func exportCmd() *cobra.Command {
	var (
		formatList string
		outDir     string
		name       string
		stamp      string
		rawOpts    []string
		skip       bool
		quiet      bool
	)
	cmd := &cobra.Command{
		Use:   "export MODEL -f FORMATS|all -o DIR",
		Short: "Convert a model (JSON or NDJSON, optionally gzipped; - for stdin) into one or more formats",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			fs, err := pickFormats(formatList)
			if err != nil {
				return err
			}
			vals, err := formatOptions(fs, rawOpts)
			if err != nil {
				return err
			}
			when, err := exportTime(stamp)
			if err != nil {
				return err
			}
			m, err := model.OpenFile(ctx, args[0], &model.Options{SkipInvalid: skip})
			if err != nil {
				return err
			}
			defer m.Close()
			printProblems(os.Stderr, m.Warnings)
			if name == "" {
				name = baseName(args[0], m.Building.ID)
			}

			bar := newBar(int64(len(fs))*max(1, int64(m.Stats.Rooms+m.Stats.Elements+m.Stats.Connections)), quiet)
			results := make([]processors.Result, len(fs))
			errs := make([]error, len(fs))
			var wg sync.WaitGroup
			for i, f := range fs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					j := &formats.Job{Model: m, Base: name, Time: when, Options: vals[i], Progress: bar.track(),
						Warn: func(p model.Problem) { fmt.Fprintf(os.Stderr, "%s: warning: %s\n", f.Name, p) }}
					results[i], errs[i] = processors.ExportDir(ctx, f, j, outDir)
				}()
			}
			wg.Wait()
			bar.finish()
			failed := 0
			for i, r := range results {
				if errs[i] != nil {
					failed++
					fmt.Fprintf(os.Stderr, "%-8s failed: %v\n", fs[i].Name, errs[i])
					continue
				}
				for _, file := range r.Files {
					fmt.Fprintf(cmd.OutOrStdout(), "%-8s %-40s %10s  %d elements  %s%s\n", r.Format,
						filepath.Join(outDir, file.Name), humanBytes(file.Size), m.Stats.Elements, r.Duration.Round(time.Millisecond),
						figures(r.Metrics))
				}
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d formats failed", failed, len(fs))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&formatList, "formats", "f", "", "comma-separated formats, or all (see arxport formats)")
	f.StringVarP(&outDir, "output", "o", ".", "directory for the files")
	f.StringVar(&name, "name", "", "file name stem (default: the model file's name, or the building id for stdin)")
	f.StringVar(&stamp, "time", "", "timestamp written into files, RFC 3339 or Unix seconds (default: $SOURCE_DATE_EPOCH, else now)")
	f.StringArrayVar(&rawOpts, "opt", nil, "format option FORMAT.NAME=VALUE, e.g. --opt parquet.compression=snappy (repeatable)")
	f.BoolVar(&skip, "skip-invalid", false, "leave out invalid elements with a warning instead of failing")
	f.BoolVarP(&quiet, "quiet", "q", false, "no progress bar")
	return cmd
}

func pickFormats(list string) ([]*formats.Format, error) {
	if strings.TrimSpace(list) == "" {
		return nil, usagef("no format given: -f FORMATS or -f all (see arxport formats)")
	}
	if list == "all" {
		return formats.List(), nil
	}
	var out []*formats.Format
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(strings.ToLower(n))
		if n == "" {
			continue
		}
		f, ok := formats.Lookup(n)
		if !ok {
			return nil, usagef("unknown format %q; available: %s, or all", n, strings.Join(formats.Names(), ", "))
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, usagef("no format given: -f FORMATS or -f all (see arxport formats)")
	}
	return out, nil
}

// formatOptions parses --opt FORMAT.NAME=VALUE flags and checks them per format.
func formatOptions(fs []*formats.Format, raw []string) ([]formats.Values, error) {
	byFormat := map[string]map[string]any{}
	for _, r := range raw {
		key, value, ok := strings.Cut(r, "=")
		fname, oname, ok2 := strings.Cut(key, ".")
		if !ok || !ok2 {
			return nil, usagef("--opt %q: want FORMAT.NAME=VALUE", r)
		}
		f, found := formats.Lookup(fname)
		if !found || !slices.Contains(fs, f) {
			return nil, usagef("--opt %q: format %q is not being exported", r, fname)
		}
		i := slices.IndexFunc(f.Options, func(o formats.Option) bool { return o.Name == oname })
		if i < 0 {
			return nil, usagef("--opt %q: %s has no option %q (see arxport formats)", r, fname, oname)
		}
		v, err := parseOptionValue(f.Options[i].Kind, value)
		if err != nil {
			return nil, usagef("--opt %q: %v", r, err)
		}
		if byFormat[fname] == nil {
			byFormat[fname] = map[string]any{}
		}
		byFormat[fname][oname] = v
	}
	out := make([]formats.Values, len(fs))
	for i, f := range fs {
		v, err := f.ParseOptions(byFormat[f.Name])
		if err != nil {
			return nil, usageError{err}
		}
		out[i] = v
	}
	return out, nil
}

func parseOptionValue(kind formats.OptionKind, s string) (any, error) {
	switch kind {
	case formats.Bool:
		return strconv.ParseBool(s)
	case formats.Int, formats.Float:
		return strconv.ParseFloat(s, 64)
	}
	return s, nil
}

func exportTime(flag string) (time.Time, error) {
	if flag == "" {
		flag = os.Getenv("SOURCE_DATE_EPOCH")
	}
	if flag == "" {
		return time.Now().UTC().Truncate(time.Second), nil
	}
	if secs, err := strconv.ParseInt(flag, 10, 64); err == nil {
		return time.Unix(secs, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, flag)
	if err != nil {
		return time.Time{}, usagef("--time %q: want RFC 3339 or Unix seconds", flag)
	}
	return t.UTC(), nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// baseName derives the file name stem from the model's file name, or from the
// building id when the model came from stdin.
func baseName(path, buildingID string) string {
	stem := buildingID
	if path != "-" {
		stem = filepath.Base(path)
		for _, ext := range []string{".gz", ".ndjson", ".json"} {
			stem = strings.TrimSuffix(stem, ext)
		}
	}
	stem = strings.Trim(unsafeName.ReplaceAllString(stem, "-"), "-.")
	if stem == "" {
		stem = "model"
	}
	return stem
}

// figures lists a conversion's own counts (triangles, pages...) as "  name=n".
func figures(metrics map[string]int64) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(metrics)) {
		fmt.Fprintf(&b, "  %s=%d", k, metrics[k])
	}
	return b.String()
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// bar shows the progress of every format together on a terminal.
type bar struct {
	pb   *progressbar.ProgressBar
	done atomic.Int64
}

func newBar(total int64, quiet bool) *bar {
	b := &bar{}
	if quiet || !term.IsTerminal(int(os.Stderr.Fd())) {
		return b
	}
	b.pb = progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetDescription("exporting"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("items"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	return b
}

// track returns the Progress of one format: it adds that format's advance to the bar.
func (b *bar) track() formats.Progress {
	if b.pb == nil {
		return nil
	}
	return &formatProgress{b: b}
}

func (b *bar) finish() {
	if b.pb != nil {
		b.pb.Finish()
	}
}

type formatProgress struct {
	b    *bar
	last int64
}

func (p *formatProgress) Progress(_ string, done, _ int64) {
	if delta := done - p.last; delta > 0 {
		p.last = done
		p.b.pb.Set64(p.b.done.Add(delta))
	}
}
