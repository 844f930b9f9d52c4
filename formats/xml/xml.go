// Package xml writes the normalised model with its computed values as XML in the
// namespace urn:arxport:export:1, described by the XML Schema published in
// schemas/arxport-export.xsd. It holds the same content as the json format.
//
// The document streams: the building and floors first, then every room, element
// and connection as the model hands them out, one per line, then a summary. No
// tree is built, so memory does not grow with the model.
//
// Lengths are metres, coordinates floor-local; coordinate lists (rings, points,
// mesh vertices) are space-separated numbers in the manner of GML's posList:
// "x1 y1 x2 y2 ...". Numbers are xs:double in their shortest round-trip form.
//
// Characters that XML 1.0 cannot carry at all, not even as a character reference
// (C0 controls other than tab, line feed and carriage return, U+FFFE, U+FFFF,
// surrogates, bytes that are not UTF-8), are replaced by U+FFFD, and the job gets
// one warning (code XML_INVALID_CHAR) per item that had any, naming its fields.
// Dropping them silently would change a name without a trace; failing the export
// for one stray control character in a name would be worse.
package xml

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/arxos/arxport/formats"
	exjson "github.com/arxos/arxport/formats/json"
	"github.com/arxos/arxport/geom"
	"github.com/arxos/arxport/model"
)

const (
	// Namespace is the XML namespace of every element of the document.
	Namespace = "urn:arxport:export:1"
	// Schema names the document's shape; it is the root's schema attribute.
	Schema = "arxport.export/v1"
	// ContentType is the media type of the file.
	ContentType = "application/xml"
	// CodeInvalidChar is the warning code for replaced characters.
	CodeInvalidChar = "XML_INVALID_CHAR"
	reportEvery     = 4096
	formatName      = "xml"
)

// Format is the xml format, registered under "xml".
var Format = &formats.Format{
	Name:   formatName,
	Title:  "Normalised model with computed values, XML (namespace " + Namespace + ", published XSD)",
	Family: "model",
	Write:  write,
}

func init() { formats.Register(Format) }

func write(ctx context.Context, j *formats.Job) error {
	return j.WriteFile(ctx, j.Base+".xml", ContentType, func(f io.Writer) error {
		w := newWriter(f)
		if err := encode(ctx, j, w); err != nil {
			return err
		}
		return w.flush()
	})
}

func encode(ctx context.Context, j *formats.Job, w *writer) error {
	m := j.Model
	b := &m.Building
	// warn ends an item: list is the document's list it is in ("" for the
	// building), i its index there.
	warn := func(list string, i int, what string, id string) {
		if fields := w.item(); len(fields) > 0 {
			path := list
			if list == "" {
				path = "building"
			} else {
				path = fmt.Sprintf("%s[%d]", list, i)
			}
			j.Warning(path, CodeInvalidChar, "%s %q: characters XML 1.0 does not allow were replaced by U+FFFD in %s",
				what, id, strings.Join(fields, ", "))
		}
	}
	w.raw(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	w.start("export")
	w.attr("xmlns", Namespace)
	w.attr("schema", Schema)
	w.attr("generated_at", j.Time.UTC().Format(time.RFC3339Nano))
	w.end()
	w.raw("\n")

	writeBuilding(w, b)
	warn("", 0, "building", b.ID)
	w.raw("<floors>\n")
	for i := range b.Floors {
		fl := &b.Floors[i]
		writeFloor(w, fl, m.Stats.ByFloor[fl.ID])
		warn("floors", i, "floor", fl.ID)
	}
	w.raw("</floors>\n")
	if w.err != nil {
		return w.err
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
		return w.err
	}
	w.raw("<rooms>\n")
	n := 0
	err := m.Rooms(ctx, func(r *model.Room) error {
		writeRoom(w, r)
		warn("rooms", n, "room", r.ID)
		n++
		return progress()
	})
	if err != nil {
		return err
	}
	w.raw("</rooms>\n<elements>\n")
	n = 0
	err = m.ElementProps(ctx, func(e *model.Element, props []model.Prop) error {
		writeElement(w, e, props, m.Measure(e))
		warn("elements", n, "element", e.ID)
		n++
		return progress()
	})
	if err != nil {
		return err
	}
	w.raw("</elements>\n<connections>\n")
	n = 0
	err = m.Connections(ctx, func(c *model.Connection) error {
		writeConnection(w, c)
		warn("connections", n, "connection from", c.From)
		n++
		return progress()
	})
	if err != nil {
		return err
	}
	w.raw("</connections>\n")
	writeSummary(w, &m.Stats)
	w.item()
	w.raw("</export>\n")
	j.Report(formatName, done)
	if err := ctx.Err(); err != nil {
		return err
	}
	return w.err
}

func writeBuilding(w *writer, b *model.Building) {
	w.start("building")
	w.attr("id", b.ID)
	w.attr("name", b.Name)
	w.optAttr("address", b.Address)
	w.attr("units", "m")
	units := string(b.Units)
	if units == "" {
		units = "m"
	}
	w.attr("source_units", units)
	g := b.Georef
	if g == nil && len(b.Properties) == 0 {
		w.empty()
		return
	}
	w.end()
	if g != nil {
		w.start("georef")
		w.attrFloat("lat", g.Lat)
		w.attrFloat("lon", g.Lon)
		w.attrFloat("elevation", g.Elevation)
		w.attrFloat("rotation", g.Rotation)
		w.empty()
	}
	writeProperties(w, b.Properties.AppendList(nil))
	w.close("building")
}

// writeProperties writes a property list sorted by key, one element per value
// named after its type; nothing when there are none.
func writeProperties(w *writer, props []model.Prop) {
	if len(props) == 0 {
		return
	}
	w.raw("<properties>")
	for _, p := range props {
		k := p.Key
		var kind string
		var text []byte
		switch v := p.Value.(type) {
		case string:
			kind = "string"
		case bool:
			kind = "boolean"
			text = strconv.AppendBool(nil, v)
		default:
			if f, ok := exjson.Number(v); ok {
				kind = "number"
				text = exjson.AppendFloat(nil, f)
			} else {
				kind = "string"
			}
		}
		w.start(kind)
		w.attrAs("name", "a property name", k)
		w.end()
		switch v := p.Value.(type) {
		case string:
			w.text("properties."+k, v)
		default:
			if text == nil {
				w.text("properties."+k, fmt.Sprint(v))
			} else {
				w.buf = append(w.buf, text...)
			}
		}
		w.close(kind)
	}
	w.raw("</properties>")
}

func writeFloor(w *writer, f *model.Floor, st model.FloorStats) {
	w.start("floor")
	w.attr("id", f.ID)
	w.attr("name", f.Name)
	w.attrInt("level", int64(f.Level))
	w.attrFloat("elevation", f.Elevation)
	w.attrFloat("height", f.Height)
	w.attrInt("rooms", int64(st.Rooms))
	w.attrInt("elements", int64(st.Elements))
	w.end()
	w.start("bbox")
	w.attrFloats("min", finite(st.Min[0]), finite(st.Min[1]))
	w.attrFloats("max", finite(st.Max[0]), finite(st.Max[1]))
	w.empty()
	w.close("floor")
}

func finite(f float64) float64 {
	if f != f || f > 1e308 || f < -1e308 {
		return 0
	}
	return f
}

// ring writes <name>x1 y1 x2 y2 ...</name>.
func ring(w *writer, name string, r geom.Ring) {
	w.start(name)
	w.end()
	for i, p := range r {
		if i > 0 {
			w.buf = append(w.buf, ' ')
		}
		w.buf = exjson.AppendFloat(w.buf, p[0])
		w.buf = append(w.buf, ' ')
		w.buf = exjson.AppendFloat(w.buf, p[1])
		w.maybeFlush()
	}
	w.close(name)
}

func bbox3(w *writer, min, max [3]float64) {
	w.start("bbox")
	w.attrFloats("min", finite(min[0]), finite(min[1]), finite(min[2]))
	w.attrFloats("max", finite(max[0]), finite(max[1]), finite(max[2]))
	w.empty()
}

func writeRoom(w *writer, r *model.Room) {
	mr := exjson.MeasureRoom(r)
	w.start("room")
	w.attr("id", r.ID)
	w.attr("floor", r.Floor)
	w.optAttr("name", r.Name)
	w.optAttr("type", r.Type)
	w.attrFloat("height", r.Height)
	w.attrFloat("area_m2", mr.Area)
	w.attrFloat("perimeter_m", mr.Perimeter)
	w.attrFloat("volume_m3", mr.Volume)
	w.end()
	ring(w, "boundary", r.Boundary)
	for _, h := range r.Holes {
		ring(w, "hole", h)
	}
	bbox3(w, mr.Min, mr.Max)
	writeProperties(w, r.Properties.AppendList(nil))
	w.close("room")
}

func writeElement(w *writer, e *model.Element, props []model.Prop, ms model.Measures) {
	w.start("element")
	w.attr("id", e.ID)
	w.attr("floor", e.Floor)
	w.attr("type", e.Type)
	w.optAttr("name", e.Name)
	w.optAttr("material", e.Material)
	if e.Type == "equipment" {
		w.optAttr("system", e.System)
		w.optAttr("status", e.Status)
	}
	w.optAttr("room", e.Room)
	w.optAttr("host", e.Host)
	w.end()
	writeGeometry(w, &e.Geometry)
	w.start("computed")
	w.attrFloat("length_m", ms.Length)
	w.attrFloat("area_m2", ms.Area)
	w.attrFloat("volume_m3", ms.Volume)
	w.attrBool("closed", ms.Closed)
	w.end()
	bbox3(w, ms.Min, ms.Max)
	w.close("computed")
	writeProperties(w, props)
	w.close("element")
}

func writeGeometry(w *writer, g *model.Geometry) {
	switch g.Kind {
	case model.KindLine:
		w.start("line")
		w.attrFloats("start", vec2(g.Start)...)
		w.attrFloats("end", vec2(g.End)...)
		w.attrFloat("thickness", g.Thickness)
		w.attrFloat("height", g.Height)
		w.attrFloat("base", g.Base)
		w.empty()
	case model.KindExtrusion:
		w.start("extrusion")
		w.attrFloat("base", g.Base)
		w.attrFloat("height", g.Height)
		w.end()
		ring(w, "profile", g.Profile)
		for _, h := range g.Holes {
			ring(w, "hole", h)
		}
		w.close("extrusion")
	case model.KindBox:
		w.start("box")
		w.attrFloats("position", vec3(g.Position)...)
		w.attrFloats("size", vec3(g.Size)...)
		w.attrFloat("rotation", g.Rotation)
		w.empty()
	case model.KindOpening:
		w.start("opening")
		w.attrFloat("offset", g.Offset)
		w.attrFloat("width", g.Width)
		w.attrFloat("height", g.Height)
		w.attrFloat("sill", g.Sill)
		w.empty()
	case model.KindMesh:
		w.raw("<mesh><vertices>")
		for i, v := range g.Vertices {
			if i > 0 {
				w.buf = append(w.buf, ' ')
			}
			w.buf = exjson.AppendFloat(w.buf, v[0])
			w.buf = append(w.buf, ' ')
			w.buf = exjson.AppendFloat(w.buf, v[1])
			w.buf = append(w.buf, ' ')
			w.buf = exjson.AppendFloat(w.buf, v[2])
			w.maybeFlush()
		}
		w.raw("</vertices><triangles>")
		for i, t := range g.Triangles {
			if i > 0 {
				w.buf = append(w.buf, ' ')
			}
			w.buf = strconv.AppendInt(w.buf, int64(t[0]), 10)
			w.buf = append(w.buf, ' ')
			w.buf = strconv.AppendInt(w.buf, int64(t[1]), 10)
			w.buf = append(w.buf, ' ')
			w.buf = strconv.AppendInt(w.buf, int64(t[2]), 10)
			w.maybeFlush()
		}
		w.raw("</triangles></mesh>")
	}
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

func writeConnection(w *writer, c *model.Connection) {
	w.start("connection")
	w.attr("from", c.From)
	w.attr("to", c.To)
	w.attr("type", c.Type)
	w.optAttr("spec", c.Spec)
	w.empty()
}

func writeSummary(w *writer, s *model.Stats) {
	w.start("summary")
	w.attrInt("floors", int64(s.Floors))
	w.attrInt("rooms", int64(s.Rooms))
	w.attrInt("elements", int64(s.Elements))
	w.attrInt("connections", int64(s.Connections))
	w.attrInt("properties", int64(s.Properties))
	w.end()
	for _, t := range model.ElementTypes {
		if n := s.ByType[t]; n > 0 {
			w.start("type")
			w.attr("name", t)
			w.attrInt("count", int64(n))
			w.empty()
		}
	}
	bbox3(w, s.Min, s.Max)
	w.close("summary")
}
