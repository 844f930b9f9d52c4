// Command bench measures every format on generated models of growing size and
// prints a Markdown table: elements per second, output MB/s and peak RSS, each
// conversion in its own process so its memory is its own.
//
//	go run ./bench -sizes 1000,10000,100000,1000000 -formats csv,parquet
package main

import (
	"cmp"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	sizes := flag.String("sizes", "1000,10000,100000", "comma-separated element counts")
	formatList := flag.String("formats", "csv,json,xml,geojson,parquet,xlsx", "comma-separated formats")
	work := flag.String("dir", filepath.Join(os.TempDir(), "arxport-bench"), "scratch directory (models are cached here)")
	runs := flag.Int("runs", 1, "runs per cell; the fastest conversion is reported, with the median and the highest peak RSS")
	flag.Parse()
	if err := run(*work, split(*sizes), split(*formatList), *runs); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func run(work string, sizes, formats []string, runs int) error {
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	bin := filepath.Join(work, "arxport")
	build := exec.Command("go", "build", "-o", bin, "./cmd/arxport")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	fmt.Println("| elements | format | total s | elements/s | convert s | convert elements/s | median convert elements/s | output MB | MB/s | peak RSS MB | reference s | other |")
	fmt.Println("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, size := range sizes {
		n, err := strconv.Atoi(size)
		if err != nil {
			return fmt.Errorf("size %q: %w", size, err)
		}
		model := filepath.Join(work, fmt.Sprintf("gen-%d.ndjson", n))
		if _, err := os.Stat(model); err != nil {
			if err := sh(bin, "gen", "--elements", size, "--seed", "1", "--ndjson", "-o", model); err != nil {
				return err
			}
		}
		elements, err := countElements(bin, model)
		if err != nil {
			return err
		}
		for _, f := range formats {
			// The fastest conversion is reported with its run's figures, and
			// beside it the median of the runs; peak RSS is the highest of all
			// runs, as memory is a bound.
			var all []measure
			var rssKB int64
			var refs []float64
			for range runs {
				refs = append(refs, reference())
				m, err := exportOnce(bin, model, f, filepath.Join(work, "out"))
				if err != nil {
					return fmt.Errorf("%s at %d: %w", f, n, err)
				}
				all = append(all, m)
				rssKB = max(rssKB, m.rssKB)
			}
			slices.SortFunc(all, func(a, b measure) int { return cmp.Compare(a.convert, b.convert) })
			best, median := all[0], all[len(all)/2]
			slices.Sort(refs)
			mb := float64(best.bytes) / 1e6
			other := ""
			if best.unit != "" {
				other = fmt.Sprintf("%d %s, %.0f %s/s", best.count, best.unit, float64(best.count)/best.convert, best.unit)
			}
			fmt.Printf("| %d | %s | %.2f | %.0f | %.2f | %.0f | %.0f | %.1f | %.1f | %.0f | %.3f | %s |\n", elements, f, best.secs,
				float64(elements)/best.secs, best.convert, float64(elements)/best.convert, float64(elements)/median.convert,
				mb, mb/best.secs, float64(rssKB)/1024, refs[len(refs)/2], other)
		}
	}
	return nil
}

// reference times a fixed piece of work of the kind the converters do
// (formatting numbers, counting short strings in a map) on one goroutine. The
// machine is shared and its speed drifts by a third over minutes: rows whose
// reference times match were measured at the same speed. Each cell gives the
// median of the times taken just before each of its runs.
func reference() float64 {
	start := time.Now()
	buf := make([]byte, 0, 32)
	counts := make(map[string]int)
	for i := range 1_000_000 {
		buf = strconv.AppendFloat(buf[:0], float64(i)*1.37e-3, 'f', -1, 64)
		counts[string(buf[:min(len(buf), 4)])]++
	}
	return time.Since(start).Seconds()
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

type measure struct {
	unit    string // triangles or pages, for the formats that count them
	count   int64
	secs    float64 // the whole command: read, validate, convert, write
	convert float64 // the conversion alone, as the command reports it
	bytes   int64
	rssKB   int64
}

func exportOnce(bin, model, format, out string) (measure, error) {
	os.RemoveAll(out)
	cmd := exec.Command(bin, "export", model, "-f", format, "-o", out, "-q", "--time", "0")
	cmd.Stderr = os.Stderr
	start := time.Now()
	summary, err := cmd.Output()
	if err != nil {
		return measure{}, err
	}
	m := measure{secs: time.Since(start).Seconds()}
	// A summary line: format, file, size, "N elements", the conversion's
	// time, then its own counts as name=n.
	first, _, _ := strings.Cut(string(summary), "\n")
	fields := strings.Fields(first)
	i := slices.Index(fields, "elements")
	if i < 0 || i+1 >= len(fields) {
		return m, fmt.Errorf("export printed no summary: %q", first)
	}
	d, err := time.ParseDuration(fields[i+1])
	if err != nil {
		return m, fmt.Errorf("summary %q: %w", first, err)
	}
	m.convert = d.Seconds()
	for _, f := range fields[i+2:] {
		if k, v, ok := strings.Cut(f, "="); ok && (k == "triangles" || k == "pages") {
			m.unit, m.count = k, atoi(v)
		}
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.rssKB = ru.Maxrss
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return m, err
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			m.bytes += info.Size()
		}
	}
	return m, nil
}

func countElements(bin, model string) (int, error) {
	out, err := exec.Command(bin, "validate", model).Output()
	if err != nil {
		return 0, fmt.Errorf("validate %s: %w", model, err)
	}
	// "valid: NAME (ID): F floors, R rooms, E elements, ..."
	fields := strings.Split(string(out), ", ")
	for _, f := range fields {
		if strings.HasSuffix(f, " elements") {
			return strconv.Atoi(strings.TrimSuffix(f, " elements"))
		}
	}
	return 0, fmt.Errorf("validate printed %q", out)
}

func sh(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}
