package model

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	json "github.com/goccy/go-json"
	"io"
	"os"
	"strconv"
	"sync"
)

// Open reads a model (JSON document or NDJSON stream, optionally gzipped), checks
// every rule of MODEL.md and returns it normalised to metres. A model that breaks a
// rule yields an *InvalidError listing up to MaxProblems problems. The caller must
// Close the model.
//
// Options.Floors and Options.Types keep part of the model (see Options); an
// unknown type is an *InvalidError before anything is read, an unknown floor
// one as soon as the model's floors are.
func Open(ctx context.Context, r io.Reader, opts *Options) (*Model, error) {
	if err := opts.Check(); err != nil {
		return nil, err
	}
	o := opts.withDefaults()
	b := newBuilder(ctx, o)
	m, err := b.read(r)
	if err != nil {
		b.cleanup()
		return nil, err
	}
	return m, nil
}

// OpenFile opens the model in a file; "-" reads standard input.
func OpenFile(ctx context.Context, path string, opts *Options) (*Model, error) {
	if path == "-" {
		return Open(ctx, os.Stdin, opts)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Open(ctx, f, opts)
}

var errInputTooLarge = errors.New("input too large")

// limitReader fails once more than max bytes have been read.
type limitReader struct {
	r   io.Reader
	n   int64
	max int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.max {
		return n, errInputTooLarge
	}
	return n, err
}

// readers are the 1 MiB read buffers of decoding, kept between models: a small
// model (an API submission of a few kilobytes) should not allocate megabytes.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 1<<20) }}

func getReader(r io.Reader) *bufio.Reader {
	br := readers.Get().(*bufio.Reader)
	br.Reset(r)
	return br
}

func putReader(br *bufio.Reader) {
	br.Reset(nil)
	readers.Put(br)
}

// decompress sees through gzip, recognised by its magic bytes. br is the
// buffer it reads r through.
func decompress(br *bufio.Reader) (io.Reader, error) {
	head, _ := br.Peek(2)
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		return gzip.NewReader(br)
	}
	return br, nil
}

func (b *builder) read(r io.Reader) (*Model, error) {
	raw := getReader(r)
	defer putReader(raw)
	src, err := decompress(raw)
	if err != nil {
		b.ps.add("", CodeInvalidJSON, "not a valid gzip stream: %v", err)
		return nil, b.ps.err()
	}
	in := getReader(&limitReader{r: src, max: b.opts.Limits.InputBytes})
	defer putReader(in)

	first, err := firstByte(in)
	if err != nil {
		return nil, b.inputError("", err)
	}
	if first != '{' {
		b.ps.add("", CodeInvalidJSON, "expected a JSON object, found %q", first)
		return nil, b.ps.err()
	}
	// The first value is the whole document, or the NDJSON header on line 1.
	dec := json.NewDecoder(in)
	var head json.RawMessage
	if err := dec.Decode(&head); err != nil {
		return nil, b.inputError("", err)
	}
	// An NDJSON header is the document without elements, so both decode alike;
	// the lines after it, if any, carry the streamed rooms, elements and connections.
	b.m.Source = "json"
	if err := b.document(head); err != nil {
		return nil, err
	}
	rest := getReader(io.MultiReader(dec.Buffered(), in))
	defer putReader(rest)
	if err := b.lines(rest); err != nil {
		return nil, err
	}
	return b.finish()
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func firstByte(r *bufio.Reader) (byte, error) {
	for {
		c, err := r.Peek(1)
		if err != nil {
			return 0, err
		}
		if !isSpace(c[0]) {
			return c[0], nil
		}
		r.ReadByte()
	}
}

// inputError turns a read or syntax error into a problem.
func (b *builder) inputError(path string, err error) error {
	var syn *json.SyntaxError
	switch {
	case errors.Is(err, errInputTooLarge):
		b.ps.add("", CodeLimitExceeded, "the input is over the limit of %d bytes", b.opts.Limits.InputBytes)
	case errors.Is(err, io.EOF) && path == "":
		b.ps.add(path, CodeEmptyInput, "the input is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		b.ps.add(path, CodeInvalidJSON, "the input ends in the middle of a JSON value (truncated?)")
	case errors.As(err, &syn):
		b.ps.add(path, CodeInvalidJSON, "%v (at byte %d)", syn, syn.Offset)
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader):
		b.ps.add(path, CodeInvalidJSON, "broken gzip stream: %v", err)
	case errors.Is(err, errLineTooLong):
		b.ps.add(path, CodeLimitExceeded, "a line is over the limit of %d bytes", b.opts.Limits.LineBytes)
	default:
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			b.ps.add(joinPath(path, ute.Field), CodeWrongType, "expected %s, found JSON %s", ute.Type, ute.Value)
		} else if ctxErr := b.ctx.Err(); ctxErr != nil {
			return ctxErr
		} else {
			b.ps.add(path, CodeInvalidJSON, "%v", err)
		}
	}
	return b.ps.err()
}

var errLineTooLong = errors.New("line too long")

// readLine returns the next line without its newline. The slice is valid until the
// next read. Lines longer than max are consumed and reported as errLineTooLong.
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if (err == nil || errors.Is(err, io.EOF)) && len(line) > max+1 {
		return nil, errLineTooLong
	}
	if err == nil {
		return line[:len(line)-1], nil
	}
	if errors.Is(err, io.EOF) {
		if len(line) == 0 {
			return nil, io.EOF
		}
		return line, nil
	}
	if !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	buf := append([]byte(nil), line...)
	for {
		line, err = r.ReadSlice('\n')
		if len(buf) <= max {
			buf = append(buf, line...)
		}
		switch {
		case err == nil:
			if len(buf) > max {
				return nil, errLineTooLong
			}
			return buf[:len(buf)-1], nil
		case errors.Is(err, io.EOF):
			if len(buf) > max {
				return nil, errLineTooLong
			}
			return buf, nil
		case !errors.Is(err, bufio.ErrBufferFull):
			return nil, err
		}
	}
}

func joinPath(base, field string) string {
	switch {
	case field == "":
		return base
	case base == "":
		return field
	}
	return base + "." + field
}

func linePath(n int) string { return "line[" + strconv.Itoa(n) + "]" }

func itemPath(base, field string, i int) string {
	return joinPath(base, field) + "[" + strconv.Itoa(i) + "]"
}

// decodeStrict decodes one object, warning once per unknown field name and turning
// type errors into problems at their path.
func (b *builder) decodeStrict(raw []byte, v any, path string, known *keySet) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err != nil && isUnknownField(err) {
		b.warnUnknown(raw, path, known)
		err = json.Unmarshal(raw, v)
	}
	if err == nil {
		return true
	}
	var ute *json.UnmarshalTypeError
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &ute):
		b.ps.add(joinPath(path, ute.Field), CodeWrongType, "expected %s, found JSON %s", ute.Type, ute.Value)
	case errors.As(err, &syn):
		b.ps.add(path, CodeInvalidJSON, "%v (at byte %d of the line)", syn, syn.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		b.ps.add(path, CodeInvalidJSON, "the JSON value ends too early")
	default:
		b.ps.add(path, CodeInvalidJSON, "%v", err)
	}
	return false
}

func isUnknownField(err error) bool {
	return err != nil && bytes.HasPrefix([]byte(err.Error()), []byte("json: unknown field "))
}

// warnUnknown lists the fields of raw (and of its known nested objects) that the
// contract does not define: one warning per field name for the whole model.
func (b *builder) warnUnknown(raw []byte, path string, known *keySet) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return
	}
	for k, v := range obj {
		sub, ok := known.keys[k]
		if !ok {
			b.ps.warnOnce(known.name+"."+k, Problem{Path: joinPath(path, k), Code: CodeUnknownField,
				Message: fmt.Sprintf("unknown field %q is ignored", k)})
			continue
		}
		if sub == nil || len(v) == 0 {
			continue
		}
		switch v[0] {
		case '{':
			b.warnUnknown(v, joinPath(path, k), sub)
		case '[':
			var items []json.RawMessage
			if json.Unmarshal(v, &items) == nil {
				for i, it := range items {
					if len(it) > 0 && it[0] == '{' {
						b.warnUnknown(it, itemPath(path, k, i), sub)
					}
				}
			}
		}
	}
}

// keySet is the set of field names of one object type, and of its nested objects.
type keySet struct {
	name string
	keys map[string]*keySet
}

func keys(name string, names ...string) *keySet {
	ks := &keySet{name: name, keys: map[string]*keySet{}}
	for _, n := range names {
		ks.keys[n] = nil
	}
	return ks
}

func (k *keySet) with(field string, sub *keySet) *keySet {
	k.keys[field] = sub
	return k
}

var (
	floorKeys    = keys("floor", "id", "name", "level", "elevation", "height", "rooms", "elements")
	roomKeys     = keys("room", "kind", "floor", "id", "name", "type", "boundary", "holes", "height", "properties")
	geometryKeys = keys("geometry", "kind", "start", "end", "thickness", "height", "base", "profile", "holes",
		"position", "size", "rotation", "offset", "width", "sill", "vertices", "triangles")
	elementKeys = keys("element", "kind", "floor", "id", "type", "name", "material", "system", "status", "room",
		"host", "properties").with("geometry", geometryKeys)
	connectionKeys = keys("connection", "kind", "from", "to", "type", "spec")
	georefKeys     = keys("georef", "lat", "lon", "elevation", "rotation")
	documentKeys   = keys("document", "schema", "id", "name", "address", "units", "properties").
			with("georef", georefKeys).
			with("floors", floorKeys.with("rooms", roomKeys).with("elements", elementKeys)).
			with("connections", connectionKeys)
)
