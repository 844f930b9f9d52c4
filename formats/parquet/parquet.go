// Package parquet writes the model's tables as Apache Parquet, one file per
// table, <base>.<table>.parquet, with a typed schema built from the table
// declarations: strings as BYTE_ARRAY with the STRING logical type, int64,
// double and boolean, nullable columns optional. Every file is open at once
// while the model is walked; rows are buffered one row group at a time.
package parquet

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync/atomic"
	"unicode"
	"unsafe"

	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/arxos/arxport/converters/tables"
	"github.com/arxos/arxport/formats"
)

const contentType = "application/vnd.apache.parquet"

func init() {
	formats.Register(&formats.Format{
		Name:   "parquet",
		Title:  "Apache Parquet, one typed file per table",
		Family: "tables",
		Options: []formats.Option{
			tables.Option,
			{Name: "compression", Kind: formats.String, Default: "zstd", Enum: []string{"zstd", "snappy", "none"},
				Doc: "page compression: zstd (smallest), snappy (fastest to read) or none"},
			{Name: "row_group_rows", Kind: formats.Int, Default: 65536, Min: 1, Max: 1 << 24,
				Doc: "rows per row group; the writer buffers one row group per table, so this bounds memory"},
		},
		Write: write,
	})
}

// codecs by option value. zstd runs at its fastest level: the tables shrink
// nearly as much as at the default level, in half the time.
var codecs = map[string]compress.Codec{
	"zstd":   &zstd.Codec{Level: zstd.SpeedFastest},
	"snappy": &pq.Snappy,
	"none":   &pq.Uncompressed,
}

// batch is how many rows are handed to a table's writer goroutine at once.
const batch = 256

func write(ctx context.Context, j *formats.Job) (err error) {
	list, err := tables.Select(j.Options.String("tables"))
	if err != nil {
		return err
	}
	codec, ok := codecs[j.Options.String("compression")]
	if !ok {
		return fmt.Errorf("parquet: unknown compression %q", j.Options.String("compression"))
	}
	groupRows := int64(j.Options.Int("row_group_rows"))
	if groupRows <= 0 {
		groupRows = 65536
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	s := &sink{files: map[*tables.Table]*file{}}
	defer s.close()
	for _, t := range list {
		out, err := j.Out.Create(j.Base+"."+t.Name+".parquet", contentType)
		if err != nil {
			return err
		}
		f := newFile(t, out)
		s.files[t] = f
		s.order = append(s.order, f)
		f.start(schemaOf(t),
			pq.Compression(codec),
			// A fixed creator: by default parquet-go names its own build, which
			// differs between binaries and would make the same export differ.
			pq.CreatedBy("arxport", "1", ""),
			pq.MaxRowsPerRowGroup(groupRows),
			// Version 1 data pages are what every reader handles; parquet-go
			// writes a CRC-32 in every page header either way.
			pq.DataPageVersion(1),
			pq.DataPageStatistics(true),
			// A dictionary that outgrows this falls back to plain pages.
			pq.DictionaryMaxBytes(1<<20),
		)
	}
	if err := tables.Convert(ctx, j, s, list...); err != nil {
		return err
	}
	for _, f := range s.order {
		if err := f.finish(); err != nil {
			return fmt.Errorf("parquet: %s: %w", f.t.Name, err)
		}
	}
	return nil
}

// schemaOf builds the parquet schema of a table. parquet-go orders the fields
// of a Group by name, so the schema comes from a struct type made at run time,
// whose fields keep the table's column order.
func schemaOf(t *tables.Table) *pq.Schema {
	fields := make([]reflect.StructField, len(t.Columns))
	for i, c := range t.Columns {
		var typ reflect.Type
		switch c.Kind {
		case tables.String:
			typ = reflect.TypeFor[string]()
		case tables.Int:
			typ = reflect.TypeFor[int64]()
		case tables.Float:
			typ = reflect.TypeFor[float64]()
		case tables.Bool:
			typ = reflect.TypeFor[bool]()
		}
		tag := c.Name
		if c.Nullable {
			tag += ",optional"
		}
		if c.Categorical && c.Kind == tables.String {
			tag += ",dict"
		}
		fields[i] = reflect.StructField{
			Name: goName(i, c.Name),
			Type: typ,
			Tag:  reflect.StructTag(`parquet:"` + tag + `"`),
		}
	}
	root := pq.SchemaOf(reflect.New(reflect.StructOf(fields)).Interface())
	return pq.NewSchema(t.Name, root)
}

// goName is an exported Go field name for a column.
func goName(i int, name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "F%d_", i)
	for _, r := range name {
		if r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

type sink struct {
	files map[*tables.Table]*file
	order []*file
}

func (s *sink) Row(t *tables.Table, row []tables.Value) error {
	return s.files[t].row(row)
}

// close stops every file's goroutine and releases the file, finished or not.
func (s *sink) close() {
	for _, f := range s.order {
		f.stop()
		if f.out != nil {
			f.out.Close()
		}
	}
}

// file is one table's parquet file. Rows are gathered in batches, which a
// goroutine of the file's own encodes and compresses (parquet-go's WriteRows),
// so that this work runs beside the conversion. Two batches circulate between
// them; the file's row group is the only memory that grows, up to
// row_group_rows.
type file struct {
	t   *tables.Table
	out io.WriteCloser
	bw  *bufio.Writer
	w   *pq.Writer

	rows []pq.Row // the batch being filled; the value slices are reused
	n    int
	defs []int // each column's definition level when it holds a value

	full    chan []pq.Row // to the goroutine
	free    chan []pq.Row // back from it
	done    chan error    // its result, once full is closed
	stopped bool
	failed  atomic.Pointer[error] // its first error, seen early by row
	aborted atomic.Bool           // stop without writing the footer
}

func newFile(t *tables.Table, out io.WriteCloser) *file {
	f := &file{t: t, out: out, bw: bufio.NewWriterSize(out, 256<<10),
		full: make(chan []pq.Row, 2), free: make(chan []pq.Row, 2), done: make(chan error, 1)}
	f.rows = make([]pq.Row, batch)
	f.free <- make([]pq.Row, batch)
	f.defs = make([]int, len(t.Columns))
	for i, c := range t.Columns {
		if c.Nullable {
			f.defs[i] = 1
		}
	}
	return f
}

func (f *file) start(options ...pq.WriterOption) {
	f.w = pq.NewWriter(f.bw, options...)
	go f.run()
}

// run writes the batches it is sent, then the footer. It drains full even
// after a failure, so that row never blocks on it.
func (f *file) run() {
	var err error
	for rows := range f.full {
		if err == nil {
			if _, err = f.w.WriteRows(rows); err != nil {
				f.failed.Store(&err)
			}
		}
		f.free <- rows
	}
	if f.aborted.Load() {
		f.done <- errors.New("parquet: aborted")
		return
	}
	if err == nil {
		err = f.w.Close()
	}
	if err == nil {
		err = f.bw.Flush()
	}
	f.done <- err
}

func (f *file) row(vals []tables.Value) error {
	if err := f.failed.Load(); err != nil {
		return *err
	}
	r := f.rows[f.n][:0]
	for i, v := range vals {
		def := f.defs[i]
		var pv pq.Value
		switch v.Kind {
		case tables.String:
			// The model's strings are never changed, so parquet-go may read
			// their bytes in place.
			pv = pq.ByteArrayValue(unsafe.Slice(unsafe.StringData(v.Str), len(v.Str)))
		case tables.Int:
			pv = pq.Int64Value(v.Int)
		case tables.Float:
			pv = pq.DoubleValue(v.Float)
		case tables.Bool:
			pv = pq.BooleanValue(v.Bool)
		default:
			def = 0
		}
		r = append(r, pv.Level(0, def, i))
	}
	f.rows[f.n] = r
	f.n++
	if f.n == len(f.rows) {
		f.send()
	}
	return nil
}

// send hands the filled batch to the goroutine and takes an empty one.
func (f *file) send() {
	f.full <- f.rows[:f.n]
	f.rows = (<-f.free)[:batch]
	f.n = 0
}

// finish writes the last rows and the footer, waits for the goroutine, and
// closes the file.
func (f *file) finish() error {
	if f.n > 0 {
		f.send()
	}
	f.stopped = true
	close(f.full)
	if err := <-f.done; err != nil {
		return err
	}
	out := f.out
	f.out = nil
	return out.Close()
}

// stop ends the goroutine if it still runs.
func (f *file) stop() {
	if f.w != nil && !f.stopped {
		f.stopped = true
		f.aborted.Store(true)
		close(f.full)
		<-f.done
	}
}
