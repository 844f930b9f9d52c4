package parquet_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"
	"strings"
	"testing"

	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/arxos/arxport/converters/tables"
	"github.com/arxos/arxport/converters/tables/tablestest"
	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/formats/formattest"
	_ "github.com/arxos/arxport/formats/parquet"
	"github.com/arxos/arxport/model"
)

func TestContract(t *testing.T) {
	formattest.Run(t, "parquet", tablestest.Sample, tablestest.FuzzModel("n", "k", "v", 5, true))
}

// readFile opens one table's file, checks its schema against the table
// declaration and returns its rows with each value as a Go value (nil for null).
func readFile(t testing.TB, tb *tables.Table, data []byte) (*pq.File, [][]any) {
	t.Helper()
	f, err := pq.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("%s: %v", tb.Name, err)
	}
	leaves := f.Schema().Fields()
	if len(leaves) != len(tb.Columns) {
		t.Fatalf("%s: %d columns, want %d", tb.Name, len(leaves), len(tb.Columns))
	}
	for i, c := range tb.Columns {
		n := leaves[i]
		if n.Name() != c.Name || n.Optional() != c.Nullable {
			t.Errorf("%s: column %d is %s optional=%v, want %s optional=%v", tb.Name, i, n.Name(), n.Optional(), c.Name, c.Nullable)
		}
		typ := n.Type()
		var ok bool
		switch c.Kind {
		case tables.String:
			lt := typ.LogicalType()
			if ok = typ.Kind() == pq.ByteArray && lt != nil; ok {
				_, ok = lt.Value.(*format.StringType)
			}
		case tables.Int:
			ok = typ.Kind() == pq.Int64
		case tables.Float:
			ok = typ.Kind() == pq.Double
		case tables.Bool:
			ok = typ.Kind() == pq.Boolean
		}
		if !ok {
			t.Errorf("%s.%s: parquet type %v for %s", tb.Name, c.Name, typ, c.Kind)
		}
	}
	var out [][]any
	buf := make([]pq.Row, 64)
	for _, rg := range f.RowGroups() {
		rows := rg.Rows()
		for {
			n, err := rows.ReadRows(buf)
			for _, r := range buf[:n] {
				vals := make([]any, len(tb.Columns))
				for _, v := range r {
					if v.IsNull() {
						continue
					}
					switch v.Kind() {
					case pq.ByteArray:
						vals[v.Column()] = string(v.ByteArray())
					case pq.Int64:
						vals[v.Column()] = v.Int64()
					case pq.Double:
						vals[v.Column()] = v.Double()
					case pq.Boolean:
						vals[v.Column()] = v.Boolean()
					}
				}
				out = append(out, vals)
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", tb.Name, err)
			}
		}
		rows.Close()
	}
	if int64(len(out)) != f.NumRows() {
		t.Errorf("%s: read %d rows, footer says %d", tb.Name, len(out), f.NumRows())
	}
	return f, out
}

func checkFiles(t testing.TB, m *model.Model, out *formattest.Memory, want []*tables.Table) map[string][][]any {
	t.Helper()
	var names []string
	for _, tb := range want {
		names = append(names, "model."+tb.Name+".parquet")
	}
	if !slices.Equal(out.Names(), names) {
		t.Fatalf("files %v, want %v", out.Names(), names)
	}
	counts := tablestest.Counts(m)
	got := map[string][][]any{}
	for _, tb := range want {
		_, rows := readFile(t, tb, out.Files["model."+tb.Name+".parquet"].Bytes())
		if int64(len(rows)) != counts[tb.Name] {
			t.Errorf("%s: %d rows, want %d", tb.Name, len(rows), counts[tb.Name])
		}
		for _, r := range rows {
			for i, c := range tb.Columns {
				if r[i] == nil && !c.Nullable {
					t.Errorf("%s.%s: null", tb.Name, c.Name)
				}
			}
		}
		got[tb.Name] = rows
	}
	return got
}

func column(rows [][]any, tb *tables.Table, name string) []any {
	var out []any
	for _, r := range rows {
		out = append(out, r[tb.Index(name)])
	}
	return out
}

func TestFiles(t *testing.T) {
	m := formattest.Open(t, tablestest.Sample)
	out := formattest.Write(t, "parquet", m, nil)
	got := checkFiles(t, m, out, tables.All)
	// Text is written as it is: parquet is no spreadsheet.
	names := column(got["rooms"], tables.Rooms, "name")
	if !slices.Contains(names, any(tablestest.Formula)) || !slices.Contains(names, any(tablestest.Unicode)) {
		t.Errorf("room names %q", names)
	}
	if v := column(got["elements"], tables.Elements, "max_y"); !slices.Contains(v, any(5000000.3)) {
		t.Errorf("large coordinates %v", v)
	}
	if v := column(got["properties"], tables.Properties, "boolean"); !slices.Contains(v, any(false)) || !slices.Contains(v, nil) {
		t.Errorf("booleans %v", v)
	}
	if v := column(got["floors"], tables.Floors, "level"); !slices.Equal(v, []any{int64(0), int64(1)}) {
		t.Errorf("levels %v", v)
	}

	// zstd, and every page carries a correct CRC.
	data := out.Files["model.elements.parquet"].Bytes()
	f, _ := pq.OpenFile(bytes.NewReader(data), int64(len(data)))
	for _, rg := range f.Metadata().RowGroups {
		for _, cc := range rg.Columns {
			if cc.MetaData.Codec != format.Zstd {
				t.Errorf("%v: codec %v", cc.MetaData.PathInSchema, cc.MetaData.Codec)
			}
			checkCRC(t, data, &cc.MetaData)
		}
	}
}

// checkCRC reads every page header of a column chunk and checks its CRC-32.
func checkCRC(t testing.TB, data []byte, md *format.ColumnMetaData) {
	t.Helper()
	off := md.DataPageOffset
	if md.DictionaryPageOffset > 0 && md.DictionaryPageOffset < off {
		off = md.DictionaryPageOffset
	}
	end := off + md.TotalCompressedSize
	pages := 0
	for off < end {
		r := (&thrift.CompactProtocol{}).NewReaderFromBytes(data[off:end])
		var h format.PageHeader
		if err := thrift.NewDecoder(r).Decode(&h); err != nil {
			t.Fatalf("%v: page header at %d: %v", md.PathInSchema, off, err)
		}
		body := data[off+int64(r.BytesRead()) : off+int64(r.BytesRead())+int64(h.CompressedPageSize)]
		if h.CRC == 0 || uint32(h.CRC) != crc32.ChecksumIEEE(body) {
			t.Errorf("%v: page at %d: CRC %08x, body %08x", md.PathInSchema, off, uint32(h.CRC), crc32.ChecksumIEEE(body))
		}
		off += int64(r.BytesRead()) + int64(h.CompressedPageSize)
		pages++
	}
	if pages == 0 {
		t.Errorf("%v: no pages", md.PathInSchema)
	}
}

func TestOptions(t *testing.T) {
	m := formattest.Generated(t, 2000)
	for _, tc := range []struct {
		codec string
		want  format.CompressionCodec
	}{{"snappy", format.Snappy}, {"none", format.Uncompressed}, {"zstd", format.Zstd}} {
		out := formattest.Write(t, "parquet", m, map[string]any{"compression": tc.codec, "row_group_rows": 500, "tables": "elements,rooms"})
		checkFiles(t, m, out, []*tables.Table{tables.Rooms, tables.Elements})
		data := out.Files["model.elements.parquet"].Bytes()
		f, _ := pq.OpenFile(bytes.NewReader(data), int64(len(data)))
		md := f.Metadata()
		if want := (m.Stats.Elements + 499) / 500; len(md.RowGroups) != want {
			t.Errorf("%s: %d row groups, want %d", tc.codec, len(md.RowGroups), want)
		}
		for _, rg := range md.RowGroups {
			if rg.NumRows > 500 || rg.Columns[0].MetaData.Codec != tc.want {
				t.Errorf("%s: row group of %d rows, codec %v", tc.codec, rg.NumRows, rg.Columns[0].MetaData.Codec)
			}
			for _, cc := range rg.Columns {
				checkCRC(t, data, &cc.MetaData)
			}
		}
	}
	f, _ := formats.Lookup("parquet")
	if _, err := f.ParseOptions(map[string]any{"compression": "lzo"}); err == nil {
		t.Error("unknown compression accepted")
	}
	if _, err := f.ParseOptions(map[string]any{"row_group_rows": 0}); err == nil {
		t.Error("row_group_rows 0 accepted")
	}
}

// TestMetadata checks what readers rely on besides the values: statistics
// that agree with the data, a page index whose entries land on page headers
// and agree with them, column orders, and a fixed creator.
func TestMetadata(t *testing.T) {
	for name, m := range map[string]*model.Model{
		"generated": formattest.Generated(t, 3000),
		"sample":    formattest.Open(t, tablestest.Sample),
		"materials": formattest.Open(t, materials(300, 20)),
	} {
		out := formattest.Write(t, "parquet", m, map[string]any{"row_group_rows": 700})
		for _, tb := range tables.All {
			t.Run(name+"/"+tb.Name, func(t *testing.T) {
				data := out.Files["model."+tb.Name+".parquet"].Bytes()
				f, rows := readFile(t, tb, data)
				checkMetadata(t, tb, f, data, rows)
			})
		}
	}
}

func checkMetadata(t *testing.T, tb *tables.Table, f *pq.File, data []byte, rows [][]any) {
	md := f.Metadata()
	if md.CreatedBy != "arxport version 1" || len(md.ColumnOrders) != len(tb.Columns) {
		t.Errorf("created by %q, %d column orders", md.CreatedBy, len(md.ColumnOrders))
	}
	colIdx, offIdx := f.ColumnIndexes(), f.OffsetIndexes()
	if want := len(md.RowGroups) * len(tb.Columns); len(colIdx) != want || len(offIdx) != want {
		t.Fatalf("%d column and %d offset indexes, want %d", len(colIdx), len(offIdx), want)
	}
	for i, c := range tb.Columns {
		var lo, hi any
		var nulls int64
		for _, r := range rows {
			switch {
			case r[i] == nil:
				nulls++
			case lo == nil:
				lo, hi = r[i], r[i]
			case less(r[i], lo):
				lo = r[i]
			case less(hi, r[i]):
				hi = r[i]
			}
		}
		var chunkLo, chunkHi any
		var chunkNulls int64
		for g, rg := range md.RowGroups {
			st := rg.Columns[i].MetaData.Statistics
			chunkNulls += st.NullCount
			if st.MinValue != nil {
				if v := statValue(c.Kind, st.MinValue); chunkLo == nil || less(v, chunkLo) {
					chunkLo = v
				}
				if v := statValue(c.Kind, st.MaxValue); chunkHi == nil || less(chunkHi, v) {
					chunkHi = v
				}
			}
			checkPageIndex(t, c, data, &rg.Columns[i].MetaData, colIdx[g*len(tb.Columns)+i], offIdx[g*len(tb.Columns)+i])
		}
		if chunkNulls != nulls || fmt.Sprint(chunkLo) != fmt.Sprint(lo) || fmt.Sprint(chunkHi) != fmt.Sprint(hi) {
			t.Errorf("%s: statistics say %d nulls, %v to %v; the data %d nulls, %v to %v", c.Name, chunkNulls, chunkLo, chunkHi, nulls, lo, hi)
		}
	}
}

// checkPageIndex compares a chunk's column and offset indexes with its pages.
func checkPageIndex(t *testing.T, c tables.Column, data []byte, md *format.ColumnMetaData, ci format.ColumnIndex, oi format.OffsetIndex) {
	t.Helper()
	if len(ci.NullPages) != len(oi.PageLocations) || len(ci.MinValues) != len(oi.PageLocations) {
		t.Fatalf("%s: %d pages in the column index, %d in the offset index", c.Name, len(ci.NullPages), len(oi.PageLocations))
	}
	if oi.PageLocations[0].Offset != md.DataPageOffset {
		t.Errorf("%s: first page at %d, data at %d", c.Name, oi.PageLocations[0].Offset, md.DataPageOffset)
	}
	var row int64
	for p, loc := range oi.PageLocations {
		r := (&thrift.CompactProtocol{}).NewReaderFromBytes(data[loc.Offset:])
		var h format.PageHeader
		if err := thrift.NewDecoder(r).Decode(&h); err != nil {
			t.Fatalf("%s: page %d: %v", c.Name, p, err)
		}
		dp := h.DataPageHeader.V
		if h.Type != format.DataPage || int(loc.CompressedPageSize) != r.BytesRead()+int(h.CompressedPageSize) || loc.FirstRowIndex != row {
			t.Errorf("%s: page %d: %v of %d+%d bytes at row %d; offset index says %d bytes at row %d",
				c.Name, p, h.Type, r.BytesRead(), h.CompressedPageSize, row, loc.CompressedPageSize, loc.FirstRowIndex)
		}
		if ci.NullCounts[p] != dp.Statistics.NullCount || ci.NullPages[p] != (dp.Statistics.NullCount == int64(dp.NumValues)) ||
			!bytes.Equal(ci.MinValues[p], dp.Statistics.MinValue) || !bytes.Equal(ci.MaxValues[p], dp.Statistics.MaxValue) {
			t.Errorf("%s: page %d: column index and page header disagree", c.Name, p)
		}
		row += int64(dp.NumValues)
	}
	if row != md.NumValues {
		t.Errorf("%s: pages hold %d values, the chunk %d", c.Name, row, md.NumValues)
	}
}

func statValue(k tables.Kind, b []byte) any {
	switch k {
	case tables.Int:
		return int64(binary.LittleEndian.Uint64(b))
	case tables.Float:
		return math.Float64frombits(binary.LittleEndian.Uint64(b))
	case tables.Bool:
		return b[0] == 1
	}
	return string(b)
}

func less(a, b any) bool {
	switch a := a.(type) {
	case int64:
		return a < b.(int64)
	case float64:
		return a < b.(float64)
	case bool:
		return !a && b.(bool)
	case string:
		return a < b.(string)
	}
	panic(a)
}

// materials is a model of n elements whose materials, a categorical column,
// are all different and size bytes long, and which have properties with
// empty text; it has no connections.
func materials(n, size int) string {
	var els []any
	for i := range n {
		els = append(els, map[string]any{
			"id": fmt.Sprintf("E%d", i), "type": "generic",
			"material":   fmt.Sprintf("%0*d", size, i),
			"geometry":   map[string]any{"kind": "box", "position": []float64{1, 1, 0}, "size": []float64{0.5, 0.5, 1}},
			"properties": map[string]any{"note": "", "mark": strings.Repeat("x", i%3)},
		})
	}
	doc, _ := json.Marshal(map[string]any{
		"schema": "arxos.building/v1", "id": "B", "name": "B",
		"floors": []any{map[string]any{"id": "F", "name": "F", "level": 0, "elevation": 0, "height": 3, "elements": els}},
	})
	return string(doc)
}

// TestDictionaryFull: once a chunk's dictionary outgrows 1 MiB, the rest of
// the chunk is written plain, and every value still reads back.
func TestDictionaryFull(t *testing.T) {
	m := formattest.Open(t, materials(6000, 250))
	out := formattest.Write(t, "parquet", m, nil)
	got := checkFiles(t, m, out, tables.All)
	mats := column(got["elements"], tables.Elements, "material")
	for i, v := range mats {
		if v != fmt.Sprintf("%0250d", i) {
			t.Fatalf("material %d: %q", i, v)
		}
	}
	data := out.Files["model.elements.parquet"].Bytes()
	f, _ := pq.OpenFile(bytes.NewReader(data), int64(len(data)))
	cc := f.Metadata().RowGroups[0].Columns[tables.Elements.Index("material")]
	var encodings []string
	for _, s := range cc.MetaData.EncodingStats {
		encodings = append(encodings, fmt.Sprintf("%v %v", s.PageType, s.Encoding))
	}
	if !slices.Contains(encodings, "DATA_PAGE RLE_DICTIONARY") || !slices.Contains(encodings, "DATA_PAGE PLAIN") {
		t.Errorf("material pages: %v", encodings)
	}
}

func TestGenerated(t *testing.T) {
	m := formattest.Generated(t, 3000)
	checkFiles(t, m, formattest.Write(t, "parquet", m, nil), tables.All)
}

func TestFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	peak := func(n int) uint64 {
		m := formattest.Generated(t, n)
		f, _ := formats.Lookup("parquet")
		vals, _ := f.ParseOptions(map[string]any{"row_group_rows": 2000})
		return tablestest.PeakHeap(func() {
			j := &formats.Job{Model: m, Out: &formattest.Discard{}, Base: "b", Options: vals}
			if err := f.Write(context.Background(), j); err != nil {
				t.Fatal(err)
			}
		})
	}
	small, large := peak(5000), peak(50000)
	t.Logf("peak heap: %d KiB for 5k elements, %d KiB for 50k", small>>10, large>>10)
	if large > 2*small+8<<20 {
		t.Errorf("memory grows with the model: %d KiB for 5k elements, %d KiB for 50k", small>>10, large>>10)
	}
}

func FuzzWrite(f *testing.F) {
	f.Add("Lobby", "finish", "stone", 12.5, true)
	f.Add(tablestest.Formula, "=k", "-2+3", -0.001, false)
	f.Add(tablestest.Unicode, "ключ", "\x00\xff", 1e6, true)
	f.Fuzz(func(t *testing.T, name, key, text string, num float64, flag bool) {
		m := tablestest.OpenFuzz(name, key, text, num, flag)
		if m == nil {
			return
		}
		defer m.Close()
		got := checkFiles(t, m, formattest.Write(t, "parquet", m, nil), tables.All)
		if n := column(got["rooms"], tables.Rooms, "name"); n[0] != m.Building.Floors[0].Name {
			t.Errorf("room name %q, want %q", n[0], m.Building.Floors[0].Name)
		}
	})
}

func BenchmarkWrite(b *testing.B) {
	for kind, m := range map[string]*model.Model{"ndjson": formattest.Generated(b, 10000), "json": formattest.GeneratedDoc(b, 10000)} {
		b.Run(kind, func(b *testing.B) { formattest.Bench(b, "parquet", m, nil) })
	}
}
