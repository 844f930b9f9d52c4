package parquet

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/arxos/arxport/converters/tables"
)

// createdBy names the writer in the footer. It is fixed, so that the same
// export gives the same bytes from any build.
const createdBy = "arxport version 1"

const magic = "PAR1"

// encoder writes a table's rows as a Parquet file: the header, then row
// groups of row_group_rows rows, each a chunk per column, then the page index
// (column and offset indexes) and the footer. Data pages are version 1, PLAIN
// or dictionary-encoded (RLE_DICTIONARY, for categorical text), with
// statistics and a CRC-32; the metadata is parquet-go's Thrift types.
//
// A row group is held in memory, compressed, until it is complete, since a
// column chunk must be contiguous in the file.
type encoder struct {
	t         *tables.Table
	w         *bufio.Writer
	at        int64 // bytes written
	codec     compress.Codec
	groupRows int64

	cols   []*column
	rows   int64 // in the current row group
	groups []format.RowGroup
	colIdx [][]format.ColumnIndex // by row group, by column
	offIdx [][]format.OffsetIndex

	// Buffers shared by the columns, which are encoded one at a time.
	body, scratch, compressed []byte
	hdr                       bytes.Buffer
	thrift                    *thrift.Encoder
}

func newEncoder(t *tables.Table, w *bufio.Writer, codec compress.Codec, groupRows int64) *encoder {
	e := &encoder{t: t, w: w, codec: codec, groupRows: groupRows}
	for _, c := range t.Columns {
		e.cols = append(e.cols, newColumn(c))
	}
	e.thrift = thrift.NewEncoder(new(thrift.CompactProtocol).NewWriter(&e.hdr))
	return e
}

func (e *encoder) write(p []byte) error {
	n, err := e.w.Write(p)
	e.at += int64(n)
	return err
}

func (e *encoder) start() error { return e.write([]byte(magic)) }

// add encodes a batch, ending a row group whenever it holds row_group_rows.
func (e *encoder) add(b *batch) error {
	for lo := 0; lo < b.n; {
		hi := b.n
		if room := e.groupRows - e.rows; int64(hi-lo) > room {
			hi = lo + int(room)
		}
		for i, c := range e.cols {
			if err := c.add(e, &b.cols[i], lo, hi); err != nil {
				return err
			}
		}
		e.rows += int64(hi - lo)
		lo = hi
		if e.rows == e.groupRows {
			if err := e.flushGroup(); err != nil {
				return err
			}
		}
	}
	return nil
}

// flushGroup writes the current row group, a column chunk at a time.
func (e *encoder) flushGroup() error {
	if e.rows == 0 {
		return nil
	}
	if len(e.groups) == math.MaxInt16 {
		// The footer numbers row groups with 16 bits.
		return fmt.Errorf("parquet: %s: more than %d row groups; raise row_group_rows", e.t.Name, math.MaxInt16)
	}
	rg := format.RowGroup{NumRows: e.rows, FileOffset: e.at, Ordinal: int16(len(e.groups))}
	colIdx := make([]format.ColumnIndex, len(e.cols))
	offIdx := make([]format.OffsetIndex, len(e.cols))
	codec := e.codec.CompressionCodec()
	for i, c := range e.cols {
		if err := c.flushPage(e); err != nil {
			return err
		}
		dictAt := e.at
		header, page, dictSize, err := c.dictionaryPage(e)
		if err != nil {
			return err
		}
		if err := e.write(header); err != nil {
			return err
		}
		if err := e.write(page); err != nil {
			return err
		}
		dataAt := e.at
		if err := e.write(c.chunk); err != nil {
			return err
		}
		cc := c.metadata(codec, dictAt, dataAt, dictSize, int64(len(header)+len(page)))
		rg.Columns = append(rg.Columns, cc)
		rg.TotalByteSize += cc.MetaData.TotalUncompressedSize
		rg.TotalCompressedSize += cc.MetaData.TotalCompressedSize
		colIdx[i], offIdx[i] = c.pageIndex(dataAt)
		c.reset()
	}
	e.groups = append(e.groups, rg)
	e.colIdx = append(e.colIdx, colIdx)
	e.offIdx = append(e.offIdx, offIdx)
	e.rows = 0
	return nil
}

// close writes the last row group, the page index and the footer.
func (e *encoder) close() error {
	if err := e.flushGroup(); err != nil {
		return err
	}
	err := writeIndex(e, e.colIdx, func(cc *format.ColumnChunk, at int64, n int32) {
		cc.ColumnIndexOffset, cc.ColumnIndexLength = at, n
	})
	if err != nil {
		return err
	}
	err = writeIndex(e, e.offIdx, func(cc *format.ColumnChunk, at int64, n int32) {
		cc.OffsetIndexOffset, cc.OffsetIndexLength = at, n
	})
	if err != nil {
		return err
	}
	md := format.FileMetaData{
		Version:   2,
		Schema:    schemaOf(e.t),
		RowGroups: e.groups,
		CreatedBy: createdBy,
	}
	for _, rg := range e.groups {
		md.NumRows += rg.NumRows
	}
	for range e.cols {
		md.ColumnOrders = append(md.ColumnOrders, format.ColumnOrder{Value: &format.TypeDefinedOrder{}})
	}
	at := e.at
	if err := e.writeThrift(&md); err != nil {
		return err
	}
	if err := e.write(binary.LittleEndian.AppendUint32(nil, uint32(e.at-at))); err != nil {
		return err
	}
	return e.write([]byte(magic))
}

// writeIndex writes a page index (column or offset) of every column chunk,
// row group by row group, and has place record where each went.
func writeIndex[I any](e *encoder, groups [][]I, place func(cc *format.ColumnChunk, at int64, n int32)) error {
	for g, idx := range groups {
		for i := range idx {
			at := e.at
			if err := e.writeThrift(&idx[i]); err != nil {
				return err
			}
			place(&e.groups[g].Columns[i], at, int32(e.at-at))
		}
	}
	return nil
}

func (e *encoder) writeThrift(v any) error {
	e.hdr.Reset()
	if err := e.thrift.Encode(v); err != nil {
		return err
	}
	return e.write(e.hdr.Bytes())
}

// header encodes a page header; the result is valid until the next call.
func (e *encoder) header(h *format.PageHeader) ([]byte, error) {
	e.hdr.Reset()
	err := e.thrift.Encode(h)
	return e.hdr.Bytes(), err
}

// compress compresses a page; the result is valid until the next call.
func (e *encoder) compress(page []byte) ([]byte, error) {
	out, err := e.codec.Encode(e.compressed[:0], page)
	e.compressed = out
	return out, err
}

// schemaOf is a table's Parquet schema: a flat message named after the table,
// strings as BYTE_ARRAY with the STRING logical type (and the UTF8 converted
// type older readers know), int64, double and boolean, nullable columns
// optional.
func schemaOf(t *tables.Table) []format.SchemaElement {
	s := []format.SchemaElement{{Name: t.Name, NumChildren: thrift.New(int32(len(t.Columns)))}}
	for _, c := range t.Columns {
		el := format.SchemaElement{Name: c.Name, RepetitionType: thrift.New(format.Required)}
		if c.Nullable {
			el.RepetitionType = thrift.New(format.Optional)
		}
		switch c.Kind {
		case tables.String:
			el.Type = thrift.New(format.ByteArray)
			el.ConvertedType = thrift.New(deprecated.UTF8)
			el.LogicalType = format.LogicalType{Value: &format.StringType{}}
		case tables.Int:
			el.Type = thrift.New(format.Int64)
		case tables.Float:
			el.Type = thrift.New(format.Double)
		case tables.Bool:
			el.Type = thrift.New(format.Boolean)
		}
		s = append(s, el)
	}
	return s
}
