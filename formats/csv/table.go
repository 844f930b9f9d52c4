package csv

import (
	"errors"
	"hash/crc32"
	"io"
	"sync/atomic"

	"github.com/klauspost/compress/flate"

	"github.com/arxos/arxport/converters/tables"
	"github.com/arxos/arxport/processors"
)

// tableWriter writes one table's CSV on a goroutine of its own. The conversion
// hands it rows in batches and goes on with the next element; the goroutine
// turns them into text and, for a zip, deflates it. So formatting and
// compression run beside the conversion, each table beside the others, and
// memory is a few fixed batches per table.
type tableWriter struct {
	cols  int
	batch []tables.Value // being filled by add, cols values a row
	full  chan []tables.Value
	free  chan []tables.Value
	done  chan error // the goroutine's result, once full is closed

	closed  bool
	failed  atomic.Pointer[error] // the goroutine's first error, seen early by add
	aborted atomic.Bool           // set by stop: what is queued is dropped
}

const (
	batchValues = 4096 // values per batch: about 200 KB
	batches     = 3
)

// startTable starts writing t's CSV to w: the header first (with a byte order
// mark when asked), then the rows add is given. finish runs on the goroutine
// after the last row, while the writer still owns w.
func startTable(t *tables.Table, w io.Writer, bom bool, finish func() error) *tableWriter {
	tw := &tableWriter{cols: len(t.Columns), full: make(chan []tables.Value, batches),
		free: make(chan []tables.Value, batches), done: make(chan error, 1)}
	for range batches - 1 {
		tw.free <- make([]tables.Value, 0, batchValues)
	}
	tw.batch = make([]tables.Value, 0, batchValues)
	e := newEncoder(w)
	if bom {
		e.buf = append(e.buf, "\uFEFF"...)
	}
	e.header(t)
	go tw.run(e, finish)
	return tw
}

// run encodes the batches it is sent. After a failure it keeps draining full,
// so that add never blocks on it.
func (tw *tableWriter) run(e *encoder, finish func() error) {
	var err error
	for b := range tw.full {
		for i := 0; err == nil && !tw.aborted.Load() && i < len(b); i += tw.cols {
			if err = e.row(b[i : i+tw.cols]); err != nil {
				tw.failed.Store(&err)
			}
		}
		tw.free <- b[:0]
	}
	if tw.aborted.Load() {
		tw.done <- nil
		return
	}
	if err == nil {
		err = e.flush()
	}
	if err == nil {
		err = finish()
	}
	tw.done <- err
}

// add queues one row; the values are copied, the text they hold is shared.
func (tw *tableWriter) add(row []tables.Value) error {
	if tw.closed {
		return errors.New("csv: row after the end of the table")
	}
	if err := tw.failed.Load(); err != nil {
		return *err
	}
	tw.batch = append(tw.batch, row...)
	if len(tw.batch)+tw.cols > cap(tw.batch) {
		tw.full <- tw.batch
		tw.batch = <-tw.free
	}
	return nil
}

// finish writes the rows still queued and waits for the goroutine.
func (tw *tableWriter) finish() error {
	if tw.closed {
		return errors.New("csv: table finished twice")
	}
	tw.closed = true
	tw.full <- tw.batch
	tw.batch = nil
	close(tw.full)
	return <-tw.done
}

// stop ends the goroutine if it still runs, discarding what it has not written.
func (tw *tableWriter) stop() {
	if !tw.closed {
		tw.closed = true
		tw.aborted.Store(true)
		close(tw.full)
		<-tw.done
	}
}

// deflated is a zip entry being compressed into a spool, with the checksum
// and size of its uncompressed text, ready to be copied into the zip as it is.
type deflated struct {
	sp   *processors.Spool
	fw   *flate.Writer
	crc  uint32
	size int64
}

func newDeflated(dir string) (*deflated, error) {
	sp, err := processors.NewSpool(dir)
	if err != nil {
		return nil, err
	}
	// Tables are repetitive text: the fastest level still shrinks them several
	// times, at a fraction of the default level's time.
	fw, err := flate.NewWriter(sp, flate.BestSpeed)
	if err != nil {
		sp.Close()
		return nil, err
	}
	return &deflated{sp: sp, fw: fw}, nil
}

func (d *deflated) Write(p []byte) (int, error) {
	d.crc = crc32.Update(d.crc, crc32.IEEETable, p)
	d.size += int64(len(p))
	return d.fw.Write(p)
}

func (d *deflated) close() error { return d.fw.Close() }
