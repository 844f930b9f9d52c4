package geojson

import (
	"io"
	"math"

	"github.com/paulmach/orb"

	exjson "github.com/arxos/arxport/formats/json"
	"github.com/arxos/arxport/internal/ftoa"
)

// collection writes one FeatureCollection to one file, feature by feature:
// the header when opened, one feature per line, and on finish the closing
// bracket with the bbox of everything written, when asked for.
type collection struct {
	w       io.WriteCloser
	buf     []byte
	flushAt int
	err     error
	n       int       // features written
	bound   orb.Bound // of every position written
	bbox    bool
}

func newCollection(w io.WriteCloser, name string, bbox bool, flushAt int) *collection {
	c := &collection{w: w, flushAt: flushAt, bbox: bbox, buf: make([]byte, 0, flushAt+4<<10),
		bound: orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}}
	c.buf = append(c.buf, `{"type":"FeatureCollection","name":`...)
	c.buf = exjson.AppendString(c.buf, name)
	c.buf = append(c.buf, `,"features":[`...)
	return c
}

func (c *collection) flush() error {
	if c.err == nil && len(c.buf) > 0 {
		_, c.err = c.w.Write(c.buf)
	}
	c.buf = c.buf[:0]
	return c.err
}

// add appends one encoded feature (without separators) and the bound of its
// positions.
func (c *collection) add(feature []byte, b orb.Bound) error {
	if c.n > 0 {
		c.buf = append(c.buf, ',')
	}
	c.buf = append(c.buf, '\n')
	c.buf = append(c.buf, feature...)
	c.n++
	c.bound = c.bound.Union(b)
	if len(c.buf) >= c.flushAt {
		return c.flush()
	}
	return c.err
}

// finish ends the collection and flushes it; it does not close the file.
func (c *collection) finish() error {
	c.buf = append(c.buf, "\n]"...)
	if c.bbox && c.n > 0 {
		// After the features, so the file still streams: members may come in any order.
		c.buf = append(c.buf, `,"bbox":`...)
		c.buf = appendBBox(c.buf, c.bound)
	}
	c.buf = append(c.buf, "}\n"...)
	return c.flush()
}

func appendBBox(dst []byte, b orb.Bound) []byte {
	dst = append(dst, '[')
	dst = appendCoord(dst, b.Min[0])
	dst = append(dst, ',')
	dst = appendCoord(dst, b.Min[1])
	dst = append(dst, ',')
	dst = appendCoord(dst, b.Max[0])
	dst = append(dst, ',')
	dst = appendCoord(dst, b.Max[1])
	return append(dst, ']')
}

// appendCoord writes a coordinate, already rounded to the output's decimals, as
// the shortest text that reads back as the same float64, in plain notation.
func appendCoord(dst []byte, v float64) []byte {
	if v == 0 {
		return append(dst, '0')
	}
	return ftoa.AppendFixed(dst, v)
}

func appendPoint(dst []byte, p orb.Point) []byte {
	dst = append(dst, '[')
	dst = appendCoord(dst, p[0])
	dst = append(dst, ',')
	dst = appendCoord(dst, p[1])
	return append(dst, ']')
}

func appendPoints(dst []byte, ps []orb.Point) []byte {
	dst = append(dst, '[')
	for i, p := range ps {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendPoint(dst, p)
	}
	return append(dst, ']')
}

// appendGeometry writes a Point, LineString or Polygon.
func appendGeometry(dst []byte, g orb.Geometry) []byte {
	switch g := g.(type) {
	case orb.Point:
		dst = append(dst, `{"type":"Point","coordinates":`...)
		dst = appendPoint(dst, g)
	case orb.LineString:
		dst = append(dst, `{"type":"LineString","coordinates":`...)
		dst = appendPoints(dst, g)
	case orb.Polygon:
		dst = append(dst, `{"type":"Polygon","coordinates":[`...)
		for i, r := range g {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendPoints(dst, r)
		}
		dst = append(dst, ']')
	default:
		return append(dst, "null"...)
	}
	return append(dst, '}')
}
