package model

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/arxos/arxport/geom"
)

// Model is a checked, normalised building. Its rooms, elements and connections are
// handed out one at a time, in input order, by Rooms, Elements and Connections;
// each may be called any number of times, also concurrently. A model read from
// NDJSON keeps them in spool files, so memory does not grow with the model: Close
// removes those files.
type Model struct {
	// Building holds the header: its Floors carry no rooms or elements and its
	// Connections are empty; use the iterators. Floors are those Options.Floors
	// selects (all by default).
	Building Building
	Stats    Stats
	// Warnings are problems that did not stop the export: unknown fields, skipped elements.
	Warnings []Problem
	// Source is "json" or "ndjson".
	Source string

	floorIndex map[string]int
	openings   map[string][]geom.Opening
	walls      map[string]Geometry // walls that host openings
	hosts      map[string]Geometry // walls left out by the filters that host kept openings

	// Items held in memory come first (their sequence numbers start at 0), spooled
	// ones after them.
	rooms    []Room
	elements []Element
	conns    []Connection
	spools   [3]*spool
	skip     [3]map[int]bool
	norm     normaliser
}

// Stats counts what a model holds, after invalid items were skipped and
// Options.Floors and Options.Types applied.
type Stats struct {
	Floors      int
	Rooms       int
	Elements    int
	Connections int
	Properties  int // property values on the building, rooms and elements
	ByType      map[string]int
	ByFloor     map[string]FloorStats
	// Min and Max bound every element and room, in metres, z including the floor elevation.
	Min, Max geom.Vec3
}

// FloorStats counts one floor's contents and bounds them in plan (metres, local).
type FloorStats struct {
	Rooms, Elements int
	Min, Max        geom.Vec2
}

const (
	kindRoom = iota
	kindElement
	kindConnection
)

// Floor returns the floor with the given id, if the model keeps it.
func (m *Model) Floor(id string) (Floor, bool) {
	i, ok := m.floorIndex[id]
	if !ok {
		return Floor{}, false
	}
	return m.Building.Floors[i], true
}

// Openings returns the doors and windows cut in a line wall, in metres along the wall.
func (m *Model) Openings(wallID string) []geom.Opening { return m.openings[wallID] }

// Rooms calls fn for every room, in input order. fn's room is reused after fn returns.
func (m *Model) Rooms(ctx context.Context, fn func(*Room) error) error {
	return each(ctx, m, kindRoom, m.rooms, copyTo[Room], (*decoder).room, fn)
}

// Elements calls fn for every element, in input order. fn's element is reused after fn returns.
func (m *Model) Elements(ctx context.Context, fn func(*Element) error) error {
	return each(ctx, m, kindElement, m.elements, copyTo[Element], (*decoder).element, fn)
}

// Connections calls fn for every connection, in input order.
func (m *Model) Connections(ctx context.Context, fn func(*Connection) error) error {
	return each(ctx, m, kindConnection, m.conns, copyTo[Connection], (*decoder).connection, fn)
}

// ElementProps calls fn for every element, in input order, as Elements does,
// but hands over each element's properties as a list sorted by key and leaves
// e.Properties nil: a writer that walks every property of a million elements
// then builds no map and sorts no keys. The element and the list are reused
// after fn returns.
func (m *Model) ElementProps(ctx context.Context, fn func(e *Element, props []Prop) error) error {
	fromMemory := func(dst *elementProps, src *Element) {
		dst.el = *src
		dst.el.Properties = nil
		dst.props = src.Properties.AppendList(dst.props[:0])
	}
	return each(ctx, m, kindElement, m.elements, fromMemory, (*decoder).elementProps,
		func(ep *elementProps) error { return fn(&ep.el, ep.props) })
}

// elementProps is an element with its properties as a list.
type elementProps struct {
	el    Element
	props []Prop
}

func copyTo[T any](dst, src *T) { *dst = *src }

// each visits the items held in memory, then the spooled ones; both are
// already checked and normalised. from makes an item in memory into what fn
// takes.
func each[M, T any](ctx context.Context, m *Model, kind int, mem []M, from func(*T, *M),
	decode func(*decoder, *T), fn func(*T) error) error {
	seq := 0
	skip := m.skip[kind]
	var item T
	for i := range mem {
		if !skip[seq] {
			if seq%1024 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			from(&item, &mem[i])
			if err := fn(&item); err != nil {
				return err
			}
		}
		seq++
	}
	sp := m.spools[kind]
	if sp == nil {
		return nil
	}
	// Decoding runs ahead on a goroutine of its own, a batch at a time, so a
	// writer's work on one batch overlaps the decoding of the next.
	full := make(chan spoolBatch[T], 2)
	free := make(chan []T, 3)
	for range cap(free) {
		free <- make([]T, 0, spoolBatchSize)
	}
	stop := make(chan struct{})
	defer func() {
		close(stop)
		for range full { // let the decoder finish
		}
	}()
	go decodeSpool(ctx, sp, skip, seq, decode, full, free, stop)
	for b := range full {
		for i := range b.items {
			if err := fn(&b.items[i]); err != nil {
				return err
			}
		}
		if b.err != nil {
			return b.err
		}
		free <- b.items[:0]
	}
	return nil
}

const spoolBatchSize = 256

// spoolBatch is decoded items, and the error that ended decoding, if any.
type spoolBatch[T any] struct {
	items []T
	err   error
}

// decodeSpool decodes a spool's items, from sequence number seq on, into
// batches taken from free and sent on full, which it closes at the end. It
// stops early when stop is closed.
func decodeSpool[T any](ctx context.Context, sp *spool, skip map[int]bool, seq int, decode func(*decoder, *T),
	full chan<- spoolBatch[T], free <-chan []T, stop <-chan struct{}) {
	defer close(full)
	// Readers share the spool's file through ReadAt, which is safe concurrently.
	r := bufio.NewReaderSize(io.NewSectionReader(sp.f, 0, sp.size), 1<<20)
	var buf []byte
	var items []T
	d := decoder{syms: newSymbols()}
	select {
	case items = <-free:
	case <-stop:
		return
	}
	send := func(err error) bool {
		select {
		case full <- spoolBatch[T]{items, err}:
		case <-stop:
			return false
		}
		if err != nil {
			return false
		}
		select {
		case items = <-free:
			return true
		case <-stop:
			return false
		}
	}
	for ; ; seq++ {
		n, err := binary.ReadUvarint(r)
		if errors.Is(err, io.EOF) {
			send(nil)
			return
		}
		if err != nil {
			send(fmt.Errorf("model spool: %w", err))
			return
		}
		if uint64(cap(buf)) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(r, buf); err != nil {
			send(fmt.Errorf("model spool: %w", err))
			return
		}
		if skip[seq] {
			continue
		}
		if seq%1024 == 0 && ctx.Err() != nil {
			send(ctx.Err())
			return
		}
		items = items[:len(items)+1]
		d.b, d.err = buf, nil
		decode(&d, &items[len(items)-1])
		if d.err != nil {
			items = items[:len(items)-1]
			send(d.err)
			return
		}
		if len(items) == spoolBatchSize && !send(nil) {
			return
		}
	}
}

// Close removes the model's spool files.
func (m *Model) Close() error {
	var errs []error
	for i, sp := range m.spools {
		if sp != nil {
			errs = append(errs, sp.remove())
			m.spools[i] = nil
		}
	}
	return errors.Join(errs...)
}

// spool is a temporary file of encoded items, each prefixed by its length.
// It is unlinked as soon as it is created, so it leaves nothing behind however
// the process ends; name is kept only where the system refuses that.
type spool struct {
	name string
	f    *os.File
	w    *bufio.Writer
	n    int
	size int64
	enc  encoder
}

func newSpool(dir string) (*spool, error) {
	f, err := os.CreateTemp(dir, "arxport-model-*.spool")
	if err != nil {
		return nil, fmt.Errorf("model spool: %w", err)
	}
	sp := &spool{f: f, w: bufio.NewWriterSize(f, 1<<20)}
	if os.Remove(f.Name()) != nil {
		sp.name = f.Name()
	}
	return sp, nil
}

// add appends the item encode wrote into s.enc.
func (s *spool) add(encode func(*encoder)) error {
	s.n++
	s.enc.b = s.enc.b[:0]
	encode(&s.enc)
	var n [binary.MaxVarintLen64]byte
	if _, err := s.w.Write(n[:binary.PutUvarint(n[:], uint64(len(s.enc.b)))]); err != nil {
		return err
	}
	_, err := s.w.Write(s.enc.b)
	return err
}

func (s *spool) finish() error {
	if err := s.w.Flush(); err != nil {
		return err
	}
	size, err := s.f.Seek(0, io.SeekCurrent)
	s.size = size
	return err
}

func (s *spool) remove() error {
	err := s.f.Close()
	if s.name != "" {
		if rerr := os.Remove(s.name); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			err = rerr
		}
	}
	return err
}
