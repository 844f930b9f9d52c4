package parquet

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"

	"github.com/parquet-go/parquet-go/encoding/rle"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/arxos/arxport/converters/tables"
)

const (
	// pageBytes is the encoded size at which a data page is closed, as
	// parquet-go's default page buffer.
	pageBytes = 256 << 10
	// dictBytes is the size past which a dictionary stops growing: the rest of
	// the column chunk is written plain.
	dictBytes = 1 << 20
)

// column encodes one column of a table's file: the data pages of the current
// row group's column chunk, each compressed as soon as it is full, and the
// statistics, page index and dictionary that go with them. Values come from
// the batches that the conversion fills.
type column struct {
	decl     tables.Column
	optional bool
	dict     bool // a categorical text column, dictionary-encoded until the dictionary is full
	useDict  bool // dict, and the dictionary is not full in this chunk

	// The page being filled.
	rows  int
	nulls int
	defs  []byte  // definition level of each row, optional columns only
	vals  []byte  // non-null values, PLAIN-encoded
	nbool int     // booleans in vals, which holds them a bit each
	keys  []int32 // dictionary indexes of the non-null values
	page  bounds

	// The dictionary of the chunk: its entries PLAIN-encoded in words, the
	// index of each, where each starts in words, and those the page uses.
	index   map[string]int32
	words   []byte
	starts  []int32
	used    []bool
	useList []int32
	recent  [256]int32 // 1 + the index of an entry, by a hash of a few of its bytes

	// The chunk: data pages, headers included.
	chunk      []byte
	size       int64 // uncompressed, headers included
	values     int64
	chunkNulls int64
	bounds     bounds
	locs       []format.PageLocation // offsets within chunk until written
	colIndex   format.ColumnIndex
	order      boundaryOrder
	dictPages  int32
	plainPages int32
}

func newColumn(c tables.Column) *column {
	col := &column{decl: c, optional: c.Nullable, dict: c.Categorical && c.Kind == tables.String}
	col.useDict = col.dict
	if col.dict {
		col.index = map[string]int32{}
	}
	return col
}

func (c *column) typ() format.Type {
	switch c.decl.Kind {
	case tables.Int:
		return format.Int64
	case tables.Float:
		return format.Double
	case tables.Bool:
		return format.Boolean
	}
	return format.ByteArray
}

// add appends rows lo to hi of a batch's column to the page, and closes the
// page when it is full.
func (c *column) add(e *encoder, s *staged, lo, hi int) error {
	if c.optional {
		for j := lo; j < hi; j++ {
			if s.null[j] {
				c.defs = append(c.defs, 0)
				c.nulls++
			} else {
				c.defs = append(c.defs, 1)
			}
		}
	} else {
		for j := lo; j < hi; j++ {
			if s.null[j] {
				return fmt.Errorf("parquet: null in column %s, which is not nullable", c.decl.Name)
			}
		}
	}
	c.rows += hi - lo
	switch c.decl.Kind {
	case tables.Int:
		for j := lo; j < hi; j++ {
			if !s.null[j] {
				c.vals = binary.LittleEndian.AppendUint64(c.vals, s.nums[j])
				c.page.addInt(int64(s.nums[j]))
			}
		}
	case tables.Float:
		for j := lo; j < hi; j++ {
			if !s.null[j] {
				c.vals = binary.LittleEndian.AppendUint64(c.vals, s.nums[j])
				c.page.addFloat(math.Float64frombits(s.nums[j]))
			}
		}
	case tables.Bool:
		for j := lo; j < hi; j++ {
			if !s.null[j] {
				if c.nbool%8 == 0 {
					c.vals = append(c.vals, 0)
				}
				c.vals[len(c.vals)-1] |= byte(s.nums[j]&1) << (c.nbool % 8)
				c.nbool++
				c.page.addInt(int64(s.nums[j]))
			}
		}
	case tables.String:
		start := s.start(lo)
		for j := lo; j < hi; j++ {
			end := s.ends[j]
			if !s.null[j] {
				v := s.text[start:end]
				if c.useDict {
					c.keys = append(c.keys, c.key(v))
				} else {
					c.vals = binary.LittleEndian.AppendUint32(c.vals, uint32(len(v)))
					c.vals = append(c.vals, v...)
					c.page.addText(v)
				}
			}
			start = end
		}
		if c.useDict && len(c.words) > dictBytes {
			// The page so far keeps the dictionary; the rest of the chunk
			// is plain.
			if err := c.flushPage(e); err != nil {
				return err
			}
			c.useDict = false
			return nil
		}
	}
	if len(c.vals)+4*len(c.keys)+len(c.defs)/8 >= pageBytes {
		return c.flushPage(e)
	}
	return nil
}

// key returns the dictionary index of v, adding it when new. Categorical
// columns hold few distinct values, most of them in recent, which saves
// hashing the whole value for the map.
func (c *column) key(v []byte) int32 {
	h := uint(len(v))
	if len(v) > 0 {
		h = h*31 + uint(v[0])
		h = h*31 + uint(v[len(v)/2])
		h = h*31 + uint(v[len(v)-1])
	}
	slot := &c.recent[h%uint(len(c.recent))]
	if k := *slot - 1; k >= 0 && string(c.entry(k)) == string(v) {
		c.markUsed(k)
		return k
	}
	k, ok := c.index[string(v)]
	if !ok {
		k = int32(len(c.starts))
		c.starts = append(c.starts, int32(len(c.words)))
		c.words = binary.LittleEndian.AppendUint32(c.words, uint32(len(v)))
		c.words = append(c.words, v...)
		c.index[string(v)] = k
		c.used = append(c.used, false)
	}
	*slot = k + 1
	c.markUsed(k)
	return k
}

func (c *column) markUsed(k int32) {
	if !c.used[k] {
		c.used[k] = true
		c.useList = append(c.useList, k)
	}
}

// entry returns dictionary entry k.
func (c *column) entry(k int32) []byte {
	at := int(c.starts[k])
	n := int(binary.LittleEndian.Uint32(c.words[at:]))
	return c.words[at+4 : at+4+n : at+4+n]
}

var (
	levelEncoding = rle.Encoding{BitWidth: 1}
	keyEncoding   rle.DictionaryEncoding
)

// flushPage compresses the page being filled and appends it to the chunk.
func (c *column) flushPage(e *encoder) error {
	if c.rows == 0 {
		return nil
	}
	body := e.body[:0]
	if c.optional {
		levels, err := levelEncoding.EncodeLevels(e.scratch[:0], c.defs)
		if err != nil {
			return err
		}
		e.scratch = levels
		body = binary.LittleEndian.AppendUint32(body, uint32(len(levels)))
		body = append(body, levels...)
	}
	enc := format.Plain
	if len(c.keys) > 0 {
		keys, err := keyEncoding.EncodeInt32(e.scratch[:0], c.keys)
		if err != nil {
			return err
		}
		e.scratch = keys
		body = append(body, keys...)
		enc = format.RLEDictionary
		for _, k := range c.useList {
			c.page.addText(c.entry(k))
			c.used[k] = false
		}
		c.useList = c.useList[:0]
		c.dictPages++
	} else {
		body = append(body, c.vals...)
		c.plainPages++
	}
	e.body = body

	stats := format.Statistics{NullCount: int64(c.nulls)}
	if c.page.set {
		stats.MinValue = c.page.min(c.decl.Kind)
		stats.MaxValue = c.page.max(c.decl.Kind)
	}
	compressed, err := e.compress(body)
	if err != nil {
		return err
	}
	header, err := e.header(&format.PageHeader{
		Type:                 format.DataPage,
		UncompressedPageSize: int32(len(body)),
		CompressedPageSize:   int32(len(compressed)),
		CRC:                  int32(crc32.ChecksumIEEE(compressed)),
		DataPageHeader: thrift.New(format.DataPageHeader{
			NumValues:               int32(c.rows),
			Encoding:                enc,
			DefinitionLevelEncoding: format.RLE,
			RepetitionLevelEncoding: format.RLE,
			Statistics:              stats,
		}),
	})
	if err != nil {
		return err
	}

	c.locs = append(c.locs, format.PageLocation{
		Offset:             int64(len(c.chunk)),
		CompressedPageSize: int32(len(header) + len(compressed)),
		FirstRowIndex:      c.values,
	})
	c.chunk = append(c.chunk, header...)
	c.chunk = append(c.chunk, compressed...)
	c.size += int64(len(header) + len(body))
	c.values += int64(c.rows)
	c.chunkNulls += int64(c.nulls)

	ci := &c.colIndex
	ci.NullPages = append(ci.NullPages, !c.page.set)
	ci.MinValues = append(ci.MinValues, stats.MinValue)
	ci.MaxValues = append(ci.MaxValues, stats.MaxValue)
	ci.NullCounts = append(ci.NullCounts, int64(c.nulls))
	if c.page.set {
		c.order.add(&c.page, c.decl.Kind)
		c.bounds.merge(&c.page, c.decl.Kind)
	}

	c.rows, c.nulls, c.nbool = 0, 0, 0
	c.defs, c.vals, c.keys = c.defs[:0], c.vals[:0], c.keys[:0]
	c.page.set = false // keeping its buffers
	return nil
}

// dictionaryPage returns the compressed dictionary page with its header, or
// nothing when no page of the chunk used the dictionary.
func (c *column) dictionaryPage(e *encoder) (header, page []byte, size int64, err error) {
	if c.dictPages == 0 {
		return nil, nil, 0, nil
	}
	page, err = e.compress(c.words)
	if err != nil {
		return nil, nil, 0, err
	}
	header, err = e.header(&format.PageHeader{
		Type:                 format.DictionaryPage,
		UncompressedPageSize: int32(len(c.words)),
		CompressedPageSize:   int32(len(page)),
		CRC:                  int32(crc32.ChecksumIEEE(page)),
		DictionaryPageHeader: thrift.New(format.DictionaryPageHeader{
			NumValues: int32(len(c.starts)),
			Encoding:  format.Plain,
		}),
	})
	return header, page, int64(len(header) + len(c.words)), err
}

// metadata describes the chunk once written: its dictionary page, if any,
// at dictAt, its data pages at dataAt.
func (c *column) metadata(codec format.CompressionCodec, dictAt, dataAt, dictSize, dictCompressed int64) format.ColumnChunk {
	encodings := []format.Encoding{format.Plain}
	if c.optional {
		encodings = append(encodings, format.RLE)
	}
	var stats []format.PageEncodingStats
	if c.dictPages > 0 {
		encodings = append(encodings, format.RLEDictionary)
		stats = append(stats,
			format.PageEncodingStats{PageType: format.DictionaryPage, Encoding: format.Plain, Count: 1},
			format.PageEncodingStats{PageType: format.DataPage, Encoding: format.RLEDictionary, Count: c.dictPages})
	}
	if c.plainPages > 0 {
		stats = append(stats, format.PageEncodingStats{PageType: format.DataPage, Encoding: format.Plain, Count: c.plainPages})
	}
	md := format.ColumnMetaData{
		Type:                  c.typ(),
		Encoding:              encodings,
		PathInSchema:          []string{c.decl.Name},
		Codec:                 codec,
		NumValues:             c.values,
		TotalUncompressedSize: c.size + dictSize,
		TotalCompressedSize:   int64(len(c.chunk)) + dictCompressed,
		DataPageOffset:        dataAt,
		Statistics:            format.Statistics{NullCount: c.chunkNulls},
		EncodingStats:         stats,
	}
	if c.dictPages > 0 {
		md.DictionaryPageOffset = dictAt
	}
	if c.bounds.set {
		md.Statistics.MinValue = c.bounds.min(c.decl.Kind)
		md.Statistics.MaxValue = c.bounds.max(c.decl.Kind)
	}
	return format.ColumnChunk{FileOffset: dictAt, MetaData: md}
}

// pageIndex returns the chunk's column and offset indexes, its pages placed
// at dataAt.
func (c *column) pageIndex(dataAt int64) (format.ColumnIndex, format.OffsetIndex) {
	ci := c.colIndex
	ci.BoundaryOrder = c.order.result()
	locs := make([]format.PageLocation, len(c.locs))
	for i, l := range c.locs {
		l.Offset += dataAt
		locs[i] = l
	}
	return ci, format.OffsetIndex{PageLocations: locs}
}

// reset empties the column for the next row group, keeping its buffers.
func (c *column) reset() {
	c.chunk = c.chunk[:0]
	c.size, c.values, c.chunkNulls = 0, 0, 0
	c.bounds = bounds{}
	c.locs = c.locs[:0]
	c.colIndex = format.ColumnIndex{}
	c.order = boundaryOrder{}
	c.dictPages, c.plainPages = 0, 0
	if c.dict {
		c.useDict = true
		clear(c.index)
		c.words, c.starts, c.used = c.words[:0], c.starts[:0], c.used[:0]
		c.recent = [len(c.recent)]int32{}
	}
}
