package main

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/arxos/arxport/gen"
	"github.com/arxos/arxport/model"
)

func genCmd() *cobra.Command {
	var (
		opts  gen.Options
		units string
		out   string
	)
	cmd := &cobra.Command{
		Use:   "gen --elements N [--floors F] [--seed S] [--ndjson] -o FILE",
		Short: "Write a realistic, valid, deterministic building model (FILE ending in .gz is gzipped; - for stdout)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Elements < 1 {
				return usagef("--elements must be at least 1")
			}
			opts.Units = model.Unit(units)
			if _, ok := opts.Units.Metres(); !ok {
				return usagef("--units %q is not one of m, mm, cm, ft, in", units)
			}
			return writeAtomically(out, func(w io.Writer) error {
				st, err := gen.Write(w, opts)
				if err == nil {
					fmt.Fprintf(os.Stderr, "generated %d floors, %d rooms, %d elements, %d connections\n",
						st.Floors, st.Rooms, st.Elements, st.Connections)
				}
				return err
			})
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.Elements, "elements", 1000, "about how many elements")
	f.IntVar(&opts.Floors, "floors", 0, "number of floors (0 chooses from --elements)")
	f.Int64Var(&opts.Seed, "seed", 1, "random seed: the same seed writes the same file")
	f.BoolVar(&opts.NDJSON, "ndjson", false, "write NDJSON (streamable) instead of one JSON document")
	f.StringVar(&units, "units", "m", "length unit of the file: m, mm, cm, ft, in")
	f.StringVarP(&out, "output", "o", "-", "output file; .gz compresses; - is stdout")
	return cmd
}

// writeAtomically writes to path through a temporary file renamed when fn
// succeeds, so a failed run leaves nothing that looks finished.
func writeAtomically(path string, fn func(io.Writer) error) error {
	if path == "-" {
		bw := bufio.NewWriterSize(os.Stdout, 1<<20)
		if err := fn(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	tmp, err := os.CreateTemp(dirOf(path), ".arxport-*.part")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	var w io.Writer = tmp
	var gz *gzip.Writer
	if strings.HasSuffix(path, ".gz") {
		gz = gzip.NewWriter(tmp)
		w = gz
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	err = fn(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && gz != nil {
		err = gz.Close()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[:i+1]
	}
	return "."
}
