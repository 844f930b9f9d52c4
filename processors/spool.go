package processors

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

// Spool is a write-once scratch buffer on disk: write to it, then copy it out
// whole. It lets a writer fill several sections at once (say, one table per zip
// entry) and emit them one after another, with memory that does not grow.
type Spool struct {
	f *os.File
	w *bufio.Writer
	n int64
}

// NewSpool creates a spool in dir (os.TempDir() when empty).
func NewSpool(dir string) (*Spool, error) {
	f, err := os.CreateTemp(dir, "arxport-spool-*")
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	os.Remove(f.Name()) // unlinked: the file goes away with its handle, whatever happens
	return &Spool{f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

func (s *Spool) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	s.n += int64(n)
	return n, err
}

// Size is the number of bytes written.
func (s *Spool) Size() int64 { return s.n }

// WriteTo copies everything written so far to w.
func (s *Spool) WriteTo(w io.Writer) (int64, error) {
	if err := s.w.Flush(); err != nil {
		return 0, err
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	return io.Copy(w, bufio.NewReaderSize(s.f, 256<<10))
}

// Close releases the spool.
func (s *Spool) Close() error { return s.f.Close() }
