package parquet

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"sync/atomic"

	"github.com/arxos/arxport/converters/tables"
)

// batchRows is how many rows are handed to a table's encoder at once.
const batchRows = 1024

// inFlight is how many batches each file has: one being filled, the others
// queued for or being encoded. With two, the conversion often waited while an
// encoder compressed a page or wrote a row group; eight kept both cores busy
// (a million-element export converted about 15% faster, for some 8 MB).
const inFlight = 8

// file is one table's parquet file. The conversion copies rows into batches,
// column by column, which a goroutine of the file's own encodes and
// compresses, so that this work runs beside the conversion. A fixed number of
// batches (inFlight) circulate between them; the file's row group is the only
// memory that grows, up to row_group_rows.
type file struct {
	t     *tables.Table
	kinds []tables.Kind // of the columns
	out   io.WriteCloser
	bw    *bufio.Writer

	cur *batch // being filled

	full    chan *batch // to the goroutine
	free    chan *batch // back from it
	done    chan error  // its result, once full is closed
	started bool
	stopped bool
	failed  atomic.Pointer[error] // its first error, seen early by row
	aborted atomic.Bool           // stop without writing the footer
}

// batch is rows held by column. It holds no pointers, so that filling it
// costs no write barriers and the garbage collector never scans it: strings
// are copied end to end into one byte slice per column.
type batch struct {
	n    int
	cols []staged
}

// staged is a column of a batch.
type staged struct {
	null []bool   // by row
	nums []uint64 // int64, float64 bits, or bool as 0 or 1, by row
	text []byte   // the strings, end to end
	ends []uint32 // where each row's string ends in text
}

// start is where row j's string begins in text.
func (s *staged) start(j int) uint32 {
	if j == 0 {
		return 0
	}
	return s.ends[j-1]
}

func newBatch(t *tables.Table) *batch {
	b := &batch{cols: make([]staged, len(t.Columns))}
	for i, c := range t.Columns {
		s := &b.cols[i]
		s.null = make([]bool, batchRows)
		if c.Kind == tables.String {
			s.ends = make([]uint32, batchRows)
			s.text = make([]byte, 0, 16*batchRows)
		} else {
			s.nums = make([]uint64, batchRows)
		}
	}
	return b
}

func newFile(t *tables.Table, out io.WriteCloser) *file {
	f := &file{t: t, out: out, bw: bufio.NewWriterSize(out, 256<<10),
		full: make(chan *batch, inFlight), free: make(chan *batch, inFlight), done: make(chan error, 1)}
	for _, c := range t.Columns {
		f.kinds = append(f.kinds, c.Kind)
	}
	f.cur = newBatch(t)
	for range inFlight - 1 {
		f.free <- newBatch(t)
	}
	return f
}

func (f *file) start(e *encoder) {
	f.started = true
	go f.run(e)
}

// run encodes the batches it is sent, then writes the footer. It drains full
// even after a failure, so that row never blocks on it.
func (f *file) run(e *encoder) {
	err := e.start()
	if err != nil {
		f.failed.Store(&err)
	}
	for b := range f.full {
		if err == nil {
			if err = e.add(b); err != nil {
				f.failed.Store(&err)
			}
		}
		f.free <- b
	}
	if f.aborted.Load() {
		f.done <- errors.New("parquet: aborted")
		return
	}
	if err == nil {
		err = e.close()
	}
	if err == nil {
		err = f.bw.Flush()
	}
	f.done <- err
}

// row copies a row into the batch, and hands the batch over when full.
func (f *file) row(vals []tables.Value) error {
	if err := f.failed.Load(); err != nil {
		return *err
	}
	if len(vals) != len(f.kinds) {
		return fmt.Errorf("parquet: %s: row of %d values for %d columns", f.t.Name, len(vals), len(f.kinds))
	}
	b := f.cur
	n := b.n
	for i := range vals {
		v := &vals[i]
		if v.Kind != 0 && v.Kind != f.kinds[i] {
			return fmt.Errorf("parquet: %s.%s: %s value in a %s column", f.t.Name, f.t.Columns[i].Name, v.Kind, f.kinds[i])
		}
		s := &b.cols[i]
		s.null[n] = v.Kind == 0
		switch v.Kind {
		case tables.String:
			s.text = append(s.text, v.Str...)
		case tables.Int:
			s.nums[n] = uint64(v.Int)
		case tables.Float:
			s.nums[n] = math.Float64bits(v.Float)
		case tables.Bool:
			s.nums[n] = 0
			if v.Bool {
				s.nums[n] = 1
			}
		}
		if s.ends != nil {
			s.ends[n] = uint32(len(s.text))
		}
	}
	b.n++
	if b.n == batchRows {
		f.send()
	}
	return nil
}

// send hands the filled batch to the goroutine and takes an empty one.
func (f *file) send() {
	f.full <- f.cur
	b := <-f.free
	b.n = 0
	for i := range b.cols {
		b.cols[i].text = b.cols[i].text[:0]
	}
	f.cur = b
}

// finish writes the last rows and the footer, waits for the goroutine, and
// closes the file.
func (f *file) finish() error {
	if f.cur.n > 0 {
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
	if f.started && !f.stopped {
		f.stopped = true
		f.aborted.Store(true)
		close(f.full)
		<-f.done
	}
}
