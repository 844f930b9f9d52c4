// Package parquet writes the model's tables as Apache Parquet, one file per
// table, <base>.<table>.parquet, with a typed schema built from the table
// declarations: strings as BYTE_ARRAY with the STRING logical type, int64,
// double and boolean, nullable columns optional, categorical text
// dictionary-encoded. Every file is open at once while the model is walked;
// rows are buffered one row group at a time.
//
// The files are encoded here (encoder.go, column.go) rather than by
// parquet-go's generic writer, which turns every cell into a parquet.Value
// and spent more time on that than on compression; parquet-go still provides
// the codecs, the level and dictionary-index encodings and the Thrift
// metadata types.
package parquet

import (
	"context"
	"fmt"

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

	s := &sink{}
	defer s.close()
	for _, t := range list {
		out, err := j.Out.Create(j.Base+"."+t.Name+".parquet", contentType)
		if err != nil {
			return err
		}
		f := newFile(t, out)
		s.files = append(s.files, f)
		f.start(newEncoder(t, f.bw, codec, groupRows))
	}
	if err := tables.Convert(ctx, j, s, list...); err != nil {
		return err
	}
	for _, f := range s.files {
		if err := f.finish(); err != nil {
			return fmt.Errorf("parquet: %s: %w", f.t.Name, err)
		}
	}
	return nil
}

type sink struct {
	files []*file // in the order of the tables
}

func (s *sink) Row(t *tables.Table, row []tables.Value) error {
	// A scan of at most six pointers, cheaper than a map lookup per row.
	for _, f := range s.files {
		if f.t == t {
			return f.row(row)
		}
	}
	return fmt.Errorf("parquet: no file for table %s", t.Name)
}

// close stops every file's goroutine and releases the file, finished or not.
func (s *sink) close() {
	for _, f := range s.files {
		f.stop()
		if f.out != nil {
			f.out.Close()
		}
	}
}
