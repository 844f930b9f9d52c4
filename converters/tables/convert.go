package tables

import (
	"context"
	"math"
	"strconv"

	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/geom"
	"github.com/arxos/arxport/model"
)

// Sink receives rows. row has one Value per column of t, in column order; the
// slice is reused for the next row, so a sink that keeps values copies them.
type Sink interface {
	Row(t *Table, row []Value) error
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(t *Table, row []Value) error

// Row implements Sink.
func (f SinkFunc) Row(t *Table, row []Value) error { return f(t, row) }

// Convert walks j.Model once and hands every row of the given tables (all when
// none are given) to sink. Rows come in input order: floors first (in the
// header's order), the building's properties, then each room with its
// properties, each element with its equipment row and properties, then the
// connections; so rows of different tables interleave, and a sink writing
// tables one after another must buffer (see processors.Spool).
//
// It stops at the first error from the sink or the model, and when ctx is done.
// It reports progress on j and adds the rows written to j's "rows" metric.
func Convert(ctx context.Context, j *formats.Job, sink Sink, tables ...*Table) error {
	if len(tables) == 0 {
		tables = All
	}
	c := &converter{ctx: ctx, j: j, m: j.Model, sink: sink, row: make([]Value, 0, 32)}
	for _, t := range tables {
		switch t {
		case Floors:
			c.floors = true
		case Rooms:
			c.rooms = true
		case Elements:
			c.elements = true
		case Equipment:
			c.equipment = true
		case Properties:
			c.props = true
		case Connections:
			c.conns = true
		}
	}
	err := c.run()
	j.AddMetric("rows", c.rows)
	return err
}

type converter struct {
	ctx  context.Context
	j    *formats.Job
	m    *model.Model
	sink Sink
	row  []Value
	list []model.Prop // reused by propList

	floors, rooms, elements, equipment, props, conns bool

	rows   int64 // handed to the sink
	done   int64 // rooms, elements and connections visited, for progress
	warned map[string]bool
}

const reportEvery = 4096

func (c *converter) run() error {
	if err := c.ctx.Err(); err != nil {
		return err
	}
	s := c.m.Stats
	if c.floors {
		if err := c.floorRows(); err != nil {
			return err
		}
	}
	if c.props {
		b := &c.m.Building
		if err := c.propRows("building", b.ID, c.propList(b.Properties)); err != nil {
			return err
		}
	}
	if c.rooms || c.props {
		if err := c.m.Rooms(c.ctx, c.room); err != nil {
			return err
		}
	} else {
		c.done += int64(s.Rooms)
	}
	if c.elements || c.equipment || c.props {
		if err := c.m.ElementProps(c.ctx, c.element); err != nil {
			return err
		}
	} else {
		c.done += int64(s.Elements)
	}
	if c.conns {
		if err := c.m.Connections(c.ctx, c.connection); err != nil {
			return err
		}
	} else {
		c.done += int64(s.Connections)
	}
	c.j.Report("tables", c.done)
	return c.ctx.Err()
}

// step counts one visited item, reports progress and checks for cancellation.
func (c *converter) step() error {
	c.done++
	if c.done%reportEvery == 0 {
		c.j.Report("tables", c.done)
		return c.ctx.Err()
	}
	return nil
}

func (c *converter) emit(t *Table) error {
	c.rows++
	return c.sink.Row(t, c.row)
}

func (c *converter) floorRows() error {
	for _, f := range c.m.Building.Floors {
		fs := c.m.Stats.ByFloor[f.ID]
		c.row = append(c.row[:0],
			Text(f.ID),
			Text(f.Name),
			Int64(int64(f.Level)),
			Float64(f.Elevation),
			Float64(f.Height),
			Int64(int64(fs.Rooms)),
			Int64(int64(fs.Elements)),
		)
		if err := c.emit(Floors); err != nil {
			return err
		}
	}
	return nil
}

func (c *converter) room(r *model.Room) error {
	if err := c.step(); err != nil {
		return err
	}
	if c.rooms {
		area := ringArea(r.Boundary)
		for _, h := range r.Holes {
			area -= ringArea(h)
		}
		lo, hi := ringBounds(r.Boundary)
		c.row = append(c.row[:0],
			Text(r.ID),
			Text(r.Floor),
			OptText(r.Name),
			OptText(r.Type),
			c.finite("room", r.ID, area),
			c.finite("room", r.ID, ringPerimeter(r.Boundary)),
			c.finite("room", r.ID, r.Height),
			c.finite("room", r.ID, area*r.Height),
			Int64(int64(len(r.Holes))),
			c.finite("room", r.ID, lo[0]),
			c.finite("room", r.ID, lo[1]),
			c.finite("room", r.ID, hi[0]),
			c.finite("room", r.ID, hi[1]),
		)
		if err := c.emit(Rooms); err != nil {
			return err
		}
	}
	if c.props {
		return c.propRows("room", r.ID, c.propList(r.Properties))
	}
	return nil
}

func (c *converter) element(e *model.Element, props []model.Prop) error {
	if err := c.step(); err != nil {
		return err
	}
	var ms model.Measures
	if c.elements || (c.equipment && e.Type == "equipment") {
		ms = c.m.Measure(e)
	}
	if c.elements {
		c.row = append(c.row[:0],
			Text(e.ID),
			Text(e.Floor),
			Text(e.Type),
			OptText(e.Name),
			OptText(e.Material),
			OptText(e.System),
			OptText(e.Status),
			OptText(e.Room),
			OptText(e.Host),
			Text(e.Geometry.Kind),
			c.finite("element", e.ID, ms.Length),
			c.finite("element", e.ID, ms.Area),
			c.finite("element", e.ID, ms.Volume),
			c.finite("element", e.ID, ms.Min[0]),
			c.finite("element", e.ID, ms.Min[1]),
			c.finite("element", e.ID, ms.Min[2]),
			c.finite("element", e.ID, ms.Max[0]),
			c.finite("element", e.ID, ms.Max[1]),
			c.finite("element", e.ID, ms.Max[2]),
			Int64(int64(len(props))),
		)
		if err := c.emit(Elements); err != nil {
			return err
		}
	}
	if c.equipment && e.Type == "equipment" {
		c.row = append(c.row[:0],
			Text(e.ID),
			Text(e.Floor),
			OptText(e.Room),
			Text(e.System),
			Text(e.Status),
			OptText(e.Name),
			c.finite("element", e.ID, (ms.Min[0]+ms.Max[0])/2),
			c.finite("element", e.ID, (ms.Min[1]+ms.Max[1])/2),
			c.finite("element", e.ID, (ms.Min[2]+ms.Max[2])/2),
			propText(props, "manufacturer"),
			propText(props, "model"),
		)
		if err := c.emit(Equipment); err != nil {
			return err
		}
	}
	if c.props {
		return c.propRows("element", e.ID, props)
	}
	return nil
}

func (c *converter) connection(k *model.Connection) error {
	if err := c.step(); err != nil {
		return err
	}
	c.row = append(c.row[:0], Text(k.From), Text(k.To), Text(k.Type), OptText(k.Spec))
	return c.emit(Connections)
}

// propList is p as a list sorted by key, in a slice reused by the next call.
func (c *converter) propList(p model.Properties) []model.Prop {
	c.list = p.AppendList(c.list[:0])
	return c.list
}

func (c *converter) propRows(kind, id string, props []model.Prop) error {
	for _, p := range props {
		c.row = append(c.row[:0], Text(kind), Text(id), Text(p.Key))
		switch v := p.Value.(type) {
		case string:
			c.row = append(c.row, Text(v), Text("string"), Null(), Null())
		case float64:
			c.row = append(c.row, Text(numberText(v)), Text("number"), Float64(v), Null())
		case bool:
			c.row = append(c.row, Text(strconv.FormatBool(v)), Text("boolean"), Null(), Boolean(v))
		default:
			// The model admits only the three kinds above; anything else is
			// written as text rather than lost.
			c.row = append(c.row, Text(""), Text("string"), Null(), Null())
		}
		if err := c.emit(Properties); err != nil {
			return err
		}
	}
	return nil
}

// finite returns f, or null with a warning (once per owner) when a computed
// measure is not finite.
func (c *converter) finite(kind, id string, f float64) Value {
	if !math.IsNaN(f) && !math.IsInf(f, 0) {
		return Float64(f)
	}
	key := kind + "\x00" + id
	if !c.warned[key] {
		if c.warned == nil {
			c.warned = map[string]bool{}
		}
		c.warned[key] = true
		c.j.Warning(kind+"s["+strconv.Quote(id)+"]", "NOT_FINITE",
			"a computed measure of %s %s is not a finite number; it is left empty", kind, id)
	}
	return Null()
}

// numberText is a property number as text, in the form JSON writes it.
func numberText(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	var buf [32]byte
	return string(AppendFloat(buf[:0], f))
}

// propText returns a property as text, or null when absent.
func propText(props []model.Prop, key string) Value {
	var value any
	for _, p := range props {
		if p.Key == key {
			value = p.Value
			break
		}
	}
	switch v := value.(type) {
	case string:
		return OptText(v)
	case float64:
		return Text(numberText(v))
	case bool:
		return Text(strconv.FormatBool(v))
	}
	return Null()
}

// ringArea is the unsigned area of a ring (shoelace formula).
func ringArea(r geom.Ring) float64 {
	n := len(r)
	if n < 3 {
		return 0
	}
	// Relative to the first point, so large coordinates keep their precision.
	x0, y0 := r[0][0], r[0][1]
	var s float64
	for i := 1; i+1 < n; i++ {
		ax, ay := r[i][0]-x0, r[i][1]-y0
		bx, by := r[i+1][0]-x0, r[i+1][1]-y0
		s += ax*by - bx*ay
	}
	return math.Abs(s) / 2
}

func ringPerimeter(r geom.Ring) float64 {
	var p float64
	for i := range r {
		a, b := r[i], r[(i+1)%len(r)]
		p += math.Hypot(b[0]-a[0], b[1]-a[1])
	}
	return p
}

func ringBounds(r geom.Ring) (lo, hi [2]float64) {
	if len(r) == 0 {
		return lo, hi
	}
	lo = [2]float64{r[0][0], r[0][1]}
	hi = lo
	for _, p := range r[1:] {
		lo[0], lo[1] = math.Min(lo[0], p[0]), math.Min(lo[1], p[1])
		hi[0], hi[1] = math.Max(hi[0], p[0]), math.Max(hi[1], p[1])
	}
	return lo, hi
}
