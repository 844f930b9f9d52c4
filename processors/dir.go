// Package processors handles the files formats write: staging them under
// temporary names, checksumming, and presenting them only once complete.
package processors

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// File is one finished output file.
type File struct {
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	ContentType string `json:"content_type"`
}

// Dir stages a format's files in a directory under hidden temporary names and
// renames them to their real names only on Commit, so a failed or cancelled
// conversion never leaves a file that looks finished.
type Dir struct {
	dir   string
	mu    sync.Mutex
	files []*stagedFile
}

// NewDir stages files in dir, creating it if needed.
func NewDir(dir string) (*Dir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &Dir{dir: dir}, nil
}

// ValidName reports whether name can be a file name in an output: no separators,
// no dot files, nothing a path could escape through.
func ValidName(name string) bool {
	return name != "" && !strings.ContainsAny(name, `/\:`) && !strings.HasPrefix(name, ".") && len(name) <= 200
}

// Create starts a file. It is written under a temporary name until Commit.
func (d *Dir) Create(name, contentType string) (io.WriteCloser, error) {
	if !ValidName(name) {
		return nil, fmt.Errorf("invalid output file name %q", name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if slices.ContainsFunc(d.files, func(f *stagedFile) bool { return f.info.Name == name }) {
		return nil, fmt.Errorf("output file %q created twice", name)
	}
	f, err := os.CreateTemp(d.dir, "."+name+".part-*")
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	sf := &stagedFile{f: f, h: h, info: File{Name: name, ContentType: contentType}}
	// Small buffers: a format may hold many files open at once (one per floor).
	sf.w = bufio.NewWriterSize(io.MultiWriter(f, h), 32<<10)
	d.files = append(d.files, sf)
	return sf, nil
}

// Commit renames every file to its real name and returns them in creation order.
// Every file must have been closed.
func (d *Dir) Commit() ([]File, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]File, 0, len(d.files))
	for _, f := range d.files {
		if !f.closed {
			return nil, fmt.Errorf("output file %q was not closed", f.info.Name)
		}
	}
	for _, f := range d.files {
		// CreateTemp makes files private; finished files are ordinary ones.
		if err := os.Chmod(f.f.Name(), 0o644); err != nil {
			return nil, err
		}
		if err := os.Rename(f.f.Name(), filepath.Join(d.dir, f.info.Name)); err != nil {
			return nil, err
		}
		out = append(out, f.info)
	}
	d.files = nil
	return out, nil
}

// Abort removes every staged file.
func (d *Dir) Abort() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	for _, f := range d.files {
		f.f.Close()
		if err := os.Remove(f.f.Name()); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	d.files = nil
	return errors.Join(errs...)
}

type stagedFile struct {
	f      *os.File
	w      *bufio.Writer
	h      hash.Hash
	info   File
	closed bool
}

func (s *stagedFile) Write(p []byte) (int, error) {
	if s.closed {
		return 0, errors.New("write to a closed output file")
	}
	n, err := s.w.Write(p)
	s.info.Size += int64(n)
	return n, err
}

func (s *stagedFile) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.w.Flush()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	s.info.SHA256 = hex.EncodeToString(s.h.Sum(nil))
	return err
}
