// Package formattest checks any format against the contract every format keeps,
// as fstest.TestFS does for file systems: output is deterministic, a failing
// writer's error comes back (never a panic), cancellation stops the work, and
// options are checked.
package formattest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/model"
)

// Time is the fixed timestamp tests write, so outputs can be compared.
var Time = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// Memory is an Output that keeps files in memory.
type Memory struct {
	mu    sync.Mutex
	Files map[string]*bytes.Buffer
	Types map[string]string
	order []string
}

// Create implements formats.Output.
func (m *Memory) Create(name, contentType string) (io.WriteCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Files == nil {
		m.Files, m.Types = map[string]*bytes.Buffer{}, map[string]string{}
	}
	if _, dup := m.Files[name]; dup {
		return nil, fmt.Errorf("file %q created twice", name)
	}
	b := &bytes.Buffer{}
	m.Files[name], m.Types[name] = b, contentType
	m.order = append(m.order, name)
	return nopCloser{b}, nil
}

// Names lists the files in creation order.
func (m *Memory) Names() []string { return slices.Clone(m.order) }

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// Open reads a model from JSON or NDJSON text, failing the test if it is invalid.
func Open(t testing.TB, text string) *model.Model {
	t.Helper()
	m, err := model.Open(context.Background(), strings.NewReader(text), nil)
	if err != nil {
		t.Fatalf("model: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// Write converts m with the named format and options into memory.
func Write(t testing.TB, name string, m *model.Model, opts map[string]any) *Memory {
	t.Helper()
	out, _, err := Convert(t, name, m, opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

// Convert converts m with the named format into memory (files named model.*)
// and returns the files, the warnings and the format's error. Options that do
// not parse fail the test.
func Convert(t testing.TB, name string, m *model.Model, opts map[string]any) (*Memory, []model.Problem, error) {
	t.Helper()
	f, ok := formats.Lookup(name)
	if !ok {
		t.Fatalf("format %q is not registered", name)
	}
	vals, err := f.ParseOptions(opts)
	if err != nil {
		t.Fatal(err)
	}
	var warnings []model.Problem
	var mu sync.Mutex
	out := &Memory{}
	j := &formats.Job{Model: m, Out: out, Base: "model", Time: Time, Options: vals, Warn: func(p model.Problem) {
		mu.Lock()
		warnings = append(warnings, p)
		mu.Unlock()
	}}
	return out, warnings, f.Write(context.Background(), j)
}

// Single converts m with a format that writes one file, checks its name and
// content type, and returns its bytes and the warnings.
func Single(t testing.TB, name string, m *model.Model, opts map[string]any, file, contentType string) ([]byte, []model.Problem) {
	t.Helper()
	out, warnings, err := Convert(t, name, m, opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if names := out.Names(); len(names) != 1 || names[0] != file {
		t.Fatalf("files %v, want [%s]", names, file)
	}
	if ct := out.Types[file]; ct != contentType {
		t.Errorf("content type %q, want %q", ct, contentType)
	}
	return out.Files[file].Bytes(), warnings
}

func write(ctx context.Context, name string, m *model.Model, opts map[string]any, out formats.Output) error {
	f, ok := formats.Lookup(name)
	if !ok {
		return fmt.Errorf("format %q is not registered", name)
	}
	vals, err := f.ParseOptions(opts)
	if err != nil {
		return err
	}
	j := &formats.Job{Model: m, Out: out, Base: "model", Time: Time, Options: vals}
	return f.Write(ctx, j)
}

// Run checks the named format on each model (JSON or NDJSON text).
func Run(t *testing.T, name string, models ...string) {
	f, ok := formats.Lookup(name)
	if !ok {
		t.Fatalf("format %q is not registered", name)
	}
	t.Run("options", func(t *testing.T) {
		if _, err := f.ParseOptions(nil); err != nil {
			t.Fatalf("defaults do not parse: %v", err)
		}
		if _, err := f.ParseOptions(map[string]any{"no_such_option": 1}); err == nil {
			t.Fatal("an unknown option was accepted")
		}
		for _, o := range f.Options {
			if o.Doc == "" {
				t.Errorf("option %s has no doc", o.Name)
			}
		}
	})
	for i, text := range models {
		m := Open(t, text)
		t.Run(fmt.Sprintf("model%d/deterministic", i), func(t *testing.T) {
			a, b := Write(t, name, m, nil), Write(t, name, m, nil)
			if !slices.Equal(a.Names(), b.Names()) {
				t.Fatalf("file names differ: %v vs %v", a.Names(), b.Names())
			}
			if len(a.Names()) == 0 {
				t.Fatal("no file written")
			}
			for _, n := range a.Names() {
				if !bytes.Equal(a.Files[n].Bytes(), b.Files[n].Bytes()) {
					t.Errorf("%s differs between two runs", n)
				}
				if a.Files[n].Len() == 0 {
					t.Errorf("%s is empty", n)
				}
				if a.Types[n] == "" {
					t.Errorf("%s has no content type", n)
				}
			}
		})
		t.Run(fmt.Sprintf("model%d/writer-errors", i), func(t *testing.T) {
			full := Write(t, name, m, nil)
			total := 0
			for _, b := range full.Files {
				total += b.Len()
			}
			for _, after := range []int{0, 1, total / 2} {
				out := &failing{after: after}
				err := write(context.Background(), name, m, nil, out)
				if err == nil {
					t.Errorf("writes failing after %d bytes: no error returned", after)
				} else if !errors.Is(err, errDisk) && !strings.Contains(err.Error(), errDisk.Error()) {
					t.Errorf("writes failing after %d bytes: error %q does not carry the write error", after, err)
				}
			}
			if err := write(context.Background(), name, m, nil, &failing{createFails: true}); err == nil {
				t.Error("Create failing: no error returned")
			}
		})
		t.Run(fmt.Sprintf("model%d/cancel", i), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			err := write(ctx, name, m, nil, &Memory{})
			if !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled context: got %v, want context.Canceled", err)
			}
		})
	}
}

var errDisk = errors.New("formattest: disk full")

// failing is an Output whose files fail after a number of bytes in all.
type failing struct {
	mu          sync.Mutex
	after       int
	written     int
	createFails bool
}

func (f *failing) Create(name, contentType string) (io.WriteCloser, error) {
	if f.createFails {
		return nil, errDisk
	}
	return &failingFile{f}, nil
}

type failingFile struct{ f *failing }

func (w *failingFile) Write(p []byte) (int, error) {
	w.f.mu.Lock()
	defer w.f.mu.Unlock()
	room := w.f.after - w.f.written
	if room <= 0 {
		return 0, errDisk
	}
	if len(p) > room {
		w.f.written += room
		return room, errDisk
	}
	w.f.written += len(p)
	return len(p), nil
}

// Close fails too once the limit is reached, as a full disk does on flush.
func (w *failingFile) Close() error {
	w.f.mu.Lock()
	defer w.f.mu.Unlock()
	if w.f.written >= w.f.after {
		return errDisk
	}
	return nil
}
