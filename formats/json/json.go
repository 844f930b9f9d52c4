// Package json writes the normalised model with its computed values (areas,
// volumes, bounding boxes) as one JSON document, described by the JSON Schema
// published in schemas/arxport-export.schema.json (schema name arxport.export/v1).
//
// The document is flat, so it streams: the building and its floors first, then
// every room, element and connection as it comes from the model, each naming its
// floor by id, then a summary of counts. Memory does not grow with the model.
//
// All lengths are metres (the model's own unit is kept as building.source_units);
// coordinates are floor-local (x east, y north, z up from the floor's elevation),
// rings are written without repeating their first point. Numbers are written in
// their shortest round-trip form, property keys in sorted order, so the same model
// and timestamp always give the same bytes.
package json

import (
	"context"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/geom"
	"github.com/arxos/arxport/model"
)

const (
	// Schema names the document's shape; it is the document's "schema" member.
	Schema = "arxport.export/v1"
	// ContentType is the media type of the file.
	ContentType = "application/json"
	// reportEvery is how many items pass between progress reports.
	reportEvery = 4096
	formatName  = "json"
)

// Format is the json format, registered under "json".
var Format = &formats.Format{
	Name:   formatName,
	Title:  "Normalised model with computed values, JSON (schema arxport.export/v1)",
	Family: "model",
	Options: []formats.Option{
		{Name: "indent", Kind: formats.Bool, Default: false,
			Doc: "pretty-print with two-space indentation (coordinates stay on one line); compact when false"},
	},
	Write: write,
}

func init() { formats.Register(Format) }

func write(ctx context.Context, j *formats.Job) error {
	return j.WriteFile(ctx, j.Base+".json", ContentType, func(f io.Writer) error {
		w := NewWriter(f, j.Options.Bool("indent"))
		if err := Encode(ctx, j, w); err != nil {
			return err
		}
		return w.End()
	})
}

// Encode writes j.Model as one arxport.export/v1 document to w, reporting
// progress on j. It stops at the first write error or when ctx is done.
func Encode(ctx context.Context, j *formats.Job, w *Writer) error {
	m := j.Model
	b := &m.Building
	w.BeginObject()
	w.Key("schema")
	w.String(Schema)
	w.Key("generated_at")
	w.String(j.Time.UTC().Format(time.RFC3339Nano))
	w.Key("building")
	writeBuilding(w, b)
	w.Key("floors")
	w.BeginArray()
	for i := range b.Floors {
		writeFloor(w, &b.Floors[i], m.Stats.ByFloor[b.Floors[i].ID])
	}
	w.EndArray()
	if err := w.Err(); err != nil {
		return err
	}

	var done int64
	progress := func() error {
		done++
		if done%reportEvery == 0 {
			j.Report(formatName, done)
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return w.Err()
	}
	w.Key("rooms")
	w.BeginArray()
	err := m.Rooms(ctx, func(r *model.Room) error {
		writeRoom(w, r)
		return progress()
	})
	if err != nil {
		return err
	}
	w.EndArray()
	w.Key("elements")
	w.BeginArray()
	err = m.ElementProps(ctx, func(e *model.Element, props []model.Prop) error {
		writeElement(w, e, props, m.Measure(e))
		return progress()
	})
	if err != nil {
		return err
	}
	w.EndArray()
	w.Key("connections")
	w.BeginArray()
	err = m.Connections(ctx, func(c *model.Connection) error {
		writeConnection(w, c)
		return progress()
	})
	if err != nil {
		return err
	}
	w.EndArray()
	w.Key("summary")
	writeSummary(w, &m.Stats)
	w.EndObject()
	j.Report(formatName, done)
	if err := ctx.Err(); err != nil {
		return err
	}
	return w.Err()
}

func optString(w *Writer, key, v string) {
	if v != "" {
		w.Key(key)
		w.String(v)
	}
}

func writeBuilding(w *Writer, b *model.Building) {
	w.BeginObject()
	w.Key("id")
	w.String(b.ID)
	w.Key("name")
	w.String(b.Name)
	optString(w, "address", b.Address)
	w.Key("units")
	w.String("m")
	w.Key("source_units")
	units := string(b.Units)
	if units == "" {
		units = "m"
	}
	w.String(units)
	if g := b.Georef; g != nil {
		w.Key("georef")
		w.BeginObject()
		w.Key("lat")
		w.Float(g.Lat)
		w.Key("lon")
		w.Float(g.Lon)
		w.Key("elevation")
		w.Float(g.Elevation)
		w.Key("rotation")
		w.Float(g.Rotation)
		w.EndObject()
	}
	w.Key("properties")
	WriteProperties(w, b.Properties.AppendList(nil))
	w.EndObject()
}

// WriteProperties writes a flat property object from a list sorted by key.
func WriteProperties(w *Writer, props []model.Prop) {
	w.BeginObject()
	for _, p := range props {
		w.Key(p.Key)
		switch v := p.Value.(type) {
		case string:
			w.String(v)
		case bool:
			w.Bool(v)
		default:
			f, ok := Number(v)
			if ok {
				w.Float(f)
			} else {
				w.String(fmt.Sprint(v))
			}
		}
	}
	w.EndObject()
}

// Number returns a numeric property value as a float64. Properties decoded
// from JSON hold float64; models built in Go may hold integers.
func Number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	}
	return 0, false
}

func writeFloor(w *Writer, f *model.Floor, st model.FloorStats) {
	w.BeginObject()
	w.Key("id")
	w.String(f.ID)
	w.Key("name")
	w.String(f.Name)
	w.Key("level")
	w.Int(int64(f.Level))
	w.Key("elevation")
	w.Float(f.Elevation)
	w.Key("height")
	w.Float(f.Height)
	w.Key("rooms")
	w.Int(int64(st.Rooms))
	w.Key("elements")
	w.Int(int64(st.Elements))
	w.Key("bbox")
	w.BeginObject()
	w.Key("min")
	w.Floats(finite(st.Min[0]), finite(st.Min[1]))
	w.Key("max")
	w.Floats(finite(st.Max[0]), finite(st.Max[1]))
	w.EndObject()
	w.EndObject()
}

// finite maps the infinities of an empty bound to 0.
func finite(f float64) float64 {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0
	}
	return f
}

func writeRing(w *Writer, r geom.Ring) {
	w.BeginArray()
	for _, p := range r {
		w.Floats(p[0], p[1])
	}
	w.EndArray()
}

func writeRings(w *Writer, rs []geom.Ring) {
	w.BeginArray()
	for _, r := range rs {
		writeRing(w, r)
	}
	w.EndArray()
}

func writeBBox(w *Writer, min, max [3]float64) {
	w.BeginObject()
	w.Key("min")
	w.Floats(finite(min[0]), finite(min[1]), finite(min[2]))
	w.Key("max")
	w.Floats(finite(max[0]), finite(max[1]), finite(max[2]))
	w.EndObject()
}

func writeRoom(w *Writer, r *model.Room) {
	mr := MeasureRoom(r)
	w.BeginObject()
	w.Key("id")
	w.String(r.ID)
	w.Key("floor")
	w.String(r.Floor)
	optString(w, "name", r.Name)
	optString(w, "type", r.Type)
	w.Key("boundary")
	writeRing(w, r.Boundary)
	w.Key("holes")
	writeRings(w, r.Holes)
	w.Key("height")
	w.Float(r.Height)
	w.Key("area_m2")
	w.Float(mr.Area)
	w.Key("perimeter_m")
	w.Float(mr.Perimeter)
	w.Key("volume_m3")
	w.Float(mr.Volume)
	w.Key("bbox")
	writeBBox(w, mr.Min, mr.Max)
	w.Key("properties")
	WriteProperties(w, r.Properties.AppendList(nil))
	w.EndObject()
}

func writeElement(w *Writer, e *model.Element, props []model.Prop, ms model.Measures) {
	w.BeginObject()
	w.Key("id")
	w.String(e.ID)
	w.Key("floor")
	w.String(e.Floor)
	w.Key("type")
	w.String(e.Type)
	optString(w, "name", e.Name)
	optString(w, "material", e.Material)
	if e.Type == "equipment" {
		// System and status mean something for equipment only; the model
		// tolerates "other"/"unknown" on other elements, this document drops them.
		optString(w, "system", e.System)
		optString(w, "status", e.Status)
	}
	optString(w, "room", e.Room)
	optString(w, "host", e.Host)
	w.Key("geometry")
	writeGeometry(w, &e.Geometry)
	w.Key("computed")
	w.BeginObject()
	w.Key("length_m")
	w.Float(ms.Length)
	w.Key("area_m2")
	w.Float(ms.Area)
	w.Key("volume_m3")
	w.Float(ms.Volume)
	w.Key("bbox")
	writeBBox(w, ms.Min, ms.Max)
	w.Key("closed")
	w.Bool(ms.Closed)
	w.EndObject()
	w.Key("properties")
	WriteProperties(w, props)
	w.EndObject()
}

func writeGeometry(w *Writer, g *model.Geometry) {
	w.BeginObject()
	w.Key("kind")
	w.String(g.Kind)
	switch g.Kind {
	case model.KindLine:
		w.Key("start")
		w.Floats(vec2(g.Start)...)
		w.Key("end")
		w.Floats(vec2(g.End)...)
		w.Key("thickness")
		w.Float(g.Thickness)
		w.Key("height")
		w.Float(g.Height)
		w.Key("base")
		w.Float(g.Base)
	case model.KindExtrusion:
		w.Key("profile")
		writeRing(w, g.Profile)
		w.Key("holes")
		writeRings(w, g.Holes)
		w.Key("base")
		w.Float(g.Base)
		w.Key("height")
		w.Float(g.Height)
	case model.KindBox:
		w.Key("position")
		w.Floats(vec3(g.Position)...)
		w.Key("size")
		w.Floats(vec3(g.Size)...)
		w.Key("rotation")
		w.Float(g.Rotation)
	case model.KindOpening:
		w.Key("offset")
		w.Float(g.Offset)
		w.Key("width")
		w.Float(g.Width)
		w.Key("height")
		w.Float(g.Height)
		w.Key("sill")
		w.Float(g.Sill)
	case model.KindMesh:
		w.Key("vertices")
		w.BeginArray()
		for _, v := range g.Vertices {
			w.Floats(v[0], v[1], v[2])
		}
		w.EndArray()
		w.Key("triangles")
		w.BeginArray()
		for _, t := range g.Triangles {
			w.Ints(t[0], t[1], t[2])
		}
		w.EndArray()
	}
	w.EndObject()
}

func vec2(v *geom.Vec2) []float64 {
	if v == nil {
		return []float64{0, 0}
	}
	return []float64{v[0], v[1]}
}

func vec3(v *geom.Vec3) []float64 {
	if v == nil {
		return []float64{0, 0, 0}
	}
	return []float64{v[0], v[1], v[2]}
}

func writeConnection(w *Writer, c *model.Connection) {
	w.BeginObject()
	w.Key("from")
	w.String(c.From)
	w.Key("to")
	w.String(c.To)
	w.Key("type")
	w.String(c.Type)
	optString(w, "spec", c.Spec)
	w.EndObject()
}

func writeSummary(w *Writer, s *model.Stats) {
	w.BeginObject()
	w.Key("floors")
	w.Int(int64(s.Floors))
	w.Key("rooms")
	w.Int(int64(s.Rooms))
	w.Key("elements")
	w.Int(int64(s.Elements))
	w.Key("connections")
	w.Int(int64(s.Connections))
	w.Key("properties")
	w.Int(int64(s.Properties))
	w.Key("by_type")
	w.BeginObject()
	for _, t := range model.ElementTypes {
		if n := s.ByType[t]; n > 0 {
			w.Key(t)
			w.Int(int64(n))
		}
	}
	w.EndObject()
	w.Key("bbox")
	writeBBox(w, s.Min, s.Max)
	w.EndObject()
}
