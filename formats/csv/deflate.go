package csv

import (
	"errors"
	"github.com/klauspost/compress/flate"
	"hash/crc32"
	"sync/atomic"

	"github.com/arxos/arxport/processors"
)

// deflater compresses one table's CSV into a spool on a goroutine of its own,
// so compression runs beside the conversion rather than after it, and the
// spool holds the compressed bytes, ready to be copied into the zip as they
// are. Memory is a few fixed buffers.
type deflater struct {
	sp   *processors.Spool
	buf  []byte      // being filled by Write
	full chan []byte // filled buffers, to the goroutine
	free chan []byte // empty buffers, back from it
	done chan error  // the goroutine's result, once full is closed

	closed bool
	failed atomic.Pointer[error] // the goroutine's first error, seen early by Write

	crc  uint32 // of the uncompressed CSV
	size int64  // uncompressed bytes
}

const (
	deflateBuf  = 64 << 10
	deflateBufs = 3
)

func newDeflater(dir string) (*deflater, error) {
	sp, err := processors.NewSpool(dir)
	if err != nil {
		return nil, err
	}
	d := &deflater{sp: sp, full: make(chan []byte, deflateBufs), free: make(chan []byte, deflateBufs), done: make(chan error, 1)}
	for range deflateBufs - 1 {
		d.free <- make([]byte, 0, deflateBuf)
	}
	d.buf = make([]byte, 0, deflateBuf)
	go d.run()
	return d, nil
}

// run compresses the buffers it is sent. It drains full even after a failure,
// so that Write never blocks on it.
func (d *deflater) run() {
	// Tables are repetitive text: the fastest level still shrinks them several
	// times, at a fraction of the default level's time.
	fw, err := flate.NewWriter(d.sp, flate.BestSpeed)
	var crc uint32
	var size int64
	for b := range d.full {
		if err == nil {
			crc = crc32.Update(crc, crc32.IEEETable, b)
			size += int64(len(b))
			if _, err = fw.Write(b); err != nil {
				d.failed.Store(&err)
			}
		}
		d.free <- b[:0]
	}
	if err == nil {
		err = fw.Close()
	}
	d.crc, d.size = crc, size
	d.done <- err
}

func (d *deflater) Write(p []byte) (int, error) {
	if d.closed {
		return 0, errors.New("csv: write after close")
	}
	if err := d.failed.Load(); err != nil {
		return 0, *err
	}
	n := len(p)
	for len(p) > 0 {
		k := copy(d.buf[len(d.buf):cap(d.buf)], p)
		d.buf, p = d.buf[:len(d.buf)+k], p[k:]
		if len(d.buf) == cap(d.buf) {
			d.full <- d.buf
			d.buf = <-d.free
		}
	}
	return n, nil
}

// finish compresses what is left and waits for the goroutine. After it, crc
// and size describe the CSV and the spool holds it deflated.
func (d *deflater) finish() error {
	if d.closed {
		return errors.New("csv: deflater finished twice")
	}
	if len(d.buf) > 0 {
		d.full <- d.buf
		d.buf = nil
	}
	d.closed = true
	close(d.full)
	return <-d.done
}

// close stops the goroutine if it still runs and releases the spool.
func (d *deflater) close() {
	if !d.closed {
		d.closed = true
		close(d.full)
		<-d.done
	}
	d.sp.Close()
}
