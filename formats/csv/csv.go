// Package csv writes the model's tables as RFC 4180 CSV: UTF-8, CRLF line ends,
// a header row, one file per table. Several tables go into one deterministic zip,
// <base>.csv.zip holding <table>.csv; a single table is a plain <base>.<table>.csv.
package csv

import (
	"archive/zip"
	"bufio"
	"context"
	"fmt"
	"io"

	"github.com/arxos/arxport/converters/tables"
	"github.com/arxos/arxport/formats"
)

const (
	csvType = "text/csv; charset=utf-8; header=present"
	zipType = "application/zip"
)

func init() {
	formats.Register(&formats.Format{
		Name:   "csv",
		Title:  "CSV tables (RFC 4180), zipped when several",
		Family: "tables",
		Options: []formats.Option{
			tables.Option,
			{Name: "bom", Kind: formats.Bool, Default: false,
				Doc: "start each file with a UTF-8 byte order mark, which older Excel versions need to detect UTF-8"},
		},
		Write: write,
	})
}

func write(ctx context.Context, j *formats.Job) error {
	list, err := tables.Select(j.Options.String("tables"))
	if err != nil {
		return err
	}
	bom := j.Options.Bool("bom")
	if len(list) == 1 {
		return writeOne(ctx, j, list[0], bom)
	}
	return writeZip(ctx, j, list, bom)
}

// writeOne streams a single table straight into its file.
func writeOne(ctx context.Context, j *formats.Job, t *tables.Table, bom bool) (err error) {
	out, err := j.Out.Create(j.Base+"."+t.Name+".csv", csvType)
	if err != nil {
		return err
	}
	defer closeInto(out, &err)
	bw := bufio.NewWriterSize(out, 256<<10)
	tw := startTable(t, bw, bom, bw.Flush)
	defer tw.stop()
	if err := tables.Convert(ctx, j, sink{t: tw}, t); err != nil {
		return err
	}
	return tw.finish()
}

// writeZip walks the model once (rows of different tables interleave) and
// deflates each table into a spool of its own as it goes, each on a goroutine;
// then copies the compressed spools into the zip one after another. Memory
// stays flat, and formatting and compression run beside the conversion.
func writeZip(ctx context.Context, j *formats.Job, list []*tables.Table, bom bool) (err error) {
	s := sink{}
	entries := make([]*deflated, len(list))
	defer func() {
		for _, tw := range s {
			tw.stop()
		}
		for _, d := range entries {
			if d != nil {
				d.sp.Close()
			}
		}
	}()
	for i, t := range list {
		d, err := newDeflated(j.TempDir)
		if err != nil {
			return err
		}
		entries[i] = d
		s[t] = startTable(t, d, bom, d.close)
	}
	if err := tables.Convert(ctx, j, s, list...); err != nil {
		return err
	}
	for _, t := range list {
		if err := s[t].finish(); err != nil {
			return err
		}
	}

	out, err := j.Out.Create(j.Base+".csv.zip", zipType)
	if err != nil {
		return err
	}
	defer closeInto(out, &err)
	zw := zip.NewWriter(out)
	for i, t := range list {
		if err := ctx.Err(); err != nil {
			return err
		}
		d := entries[i]
		h := &zip.FileHeader{
			Name:               t.Name + ".csv",
			Method:             zip.Deflate,
			CRC32:              d.crc,
			CompressedSize64:   uint64(d.sp.Size()),
			UncompressedSize64: uint64(d.size),
		}
		// A fixed time, so the zip is byte-identical for the same Time.
		h.SetModTime(j.Time.UTC()) //nolint:staticcheck // CreateRaw takes only the MS-DOS fields
		w, err := zw.CreateRaw(h)
		if err != nil {
			return err
		}
		if _, err := d.sp.WriteTo(w); err != nil {
			return fmt.Errorf("csv: %s: %w", t.Name, err)
		}
	}
	return zw.Close()
}

// sink hands each table's rows to that table's writer.
type sink map[*tables.Table]*tableWriter

func (s sink) Row(t *tables.Table, row []tables.Value) error { return s[t].add(row) }

// closeInto closes c and keeps its error when there is no earlier one: a full
// disk may only show when the last buffer is flushed on close.
func closeInto(c io.Closer, err *error) {
	if cerr := c.Close(); *err == nil {
		*err = cerr
	}
}
