package gen

import (
	"math"
	"strconv"
)

// Writing: the header, rooms, elements and connections, appended straight into
// bufio's buffer (see enc.go).

// header writes the document's opening up to its floors' items, or the NDJSON
// header line (the document without rooms, elements and connections).
func (g *gen) header() {
	p := g.p
	b := g.bw.AvailableBuffer()
	b = append(b, `{"schema":"arxos.building/v1","id":`...)
	b = appendStr(b, p.id)
	b = append(b, `,"name":`...)
	b = appendStr(b, p.name)
	b = append(b, `,"address":`...)
	b = appendStr(b, p.address)
	b = append(b, `,"units":`...)
	b = appendStr(b, string(p.units))
	b = append(b, `,"georef":{"lat":`...)
	b = appendNum(b, p.lat)
	b = append(b, `,"lon":`...)
	b = appendNum(b, p.lon)
	b = append(b, `,"elevation":`...)
	b = appendNum(b, p.elev)
	b = append(b, `,"rotation":`...)
	b = appendNum(b, p.rotation)
	b = append(b, `},"properties":`...)
	b = appendProps(b, []prop{
		str("generator", "arxport/gen"),
		str("seed", strconv.FormatUint(p.seed, 10)),
		num("year_built", float64(p.yearBuilt)),
		num("occupancy", float64(len(p.floors)*p.nx*p.ns*12)),
		boolean("leed_certified", p.seed%3 == 0),
		str("use", "office & mixed"),
	}, p.len)
	b = append(b, `,"floors":[`...)
	if p.ndjson {
		for i := range p.floors {
			if i > 0 {
				b = append(b, ',')
			}
			b = g.floorHead(b, &p.floors[i])
			b = append(b, '}')
		}
		b = append(b, "]}\n"...)
	}
	g.bw.Write(b)
}

func (g *gen) floorHead(b []byte, fp *floorPlan) []byte {
	b = append(b, `{"id":`...)
	b = appendStr(b, fp.id)
	b = append(b, `,"name":`...)
	b = appendStr(b, fp.name)
	b = append(b, `,"level":`...)
	b = strconv.AppendInt(b, int64(fp.level), 10)
	b = append(b, `,"elevation":`...)
	b = g.p.len.add(b, fp.elevation)
	b = append(b, `,"height":`...)
	b = g.p.len.add(b, fp.height)
	return b
}

// writeRooms writes the floor's rooms: as lines, or as the start of the floor's
// object in the document, up to its elements array.
func (f *floorGen) writeRooms() {
	g, l := f.g, f.p.len
	if !f.p.ndjson {
		b := g.bw.AvailableBuffer()
		if f.fi > 0 {
			b = append(b, ',')
		}
		b = append(b, '\n')
		b = g.floorHead(b, f.fp)
		b = append(b, `,"rooms":[`...)
		g.bw.Write(b)
	}
	var props [6]prop
	for i := range f.rooms {
		r := &f.rooms[i]
		b := g.bw.AvailableBuffer()
		if f.p.ndjson {
			b = append(b, `{"kind":"room","floor":`...)
			b = appendStr(b, f.fp.id)
			b = append(b, ',')
		} else {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, "\n{"...)
		}
		b = append(b, `"id":`...)
		b = appendStr(b, r.id)
		b = append(b, `,"name":`...)
		b = appendStr(b, r.name)
		b = append(b, `,"type":`...)
		b = appendStr(b, r.kind.typ)
		b = append(b, `,"boundary":`...)
		b = l.ring(b, r.boundary)
		if len(r.holes) > 0 {
			b = append(b, `,"holes":`...)
			b = l.rings(b, r.holes)
		}
		if r.height > 0 {
			b = append(b, `,"height":`...)
			b = l.add(b, r.height)
		}
		ps := append(props[:0], num("area_m2", round(r.sqm, 100)), str("finish", r.kind.finish))
		if r.kind.occupancy > 0 {
			ps = append(ps, num("occupancy", math.Max(1, math.Floor(r.sqm*r.kind.occupancy))))
		}
		if r.kind == &kindMeeting || r.kind == &kindTraining || r.kind == &kindHall {
			ps = append(ps, boolean("bookable", true))
		} else if r.kind == &kindOffice {
			ps = append(ps, boolean("bookable", false))
		}
		b = append(b, `,"properties":`...)
		b = appendProps(b, ps, l)
		b = append(b, '}')
		if f.p.ndjson {
			b = append(b, '\n')
		}
		g.bw.Write(b)
	}
	if !f.p.ndjson {
		g.bw.WriteString(`],"elements":[`)
	}
}

// emit numbers the scratch element, counts it and writes it; it returns its
// sequence number.
func (f *floorGen) emit() int {
	f.seq++
	f.count++
	e := &f.e
	e.seq = f.seq
	g := f.g
	if !g.write {
		return f.seq
	}
	g.stats.Elements++
	g.stats.ByType[e.typ]++
	b := g.bw.AvailableBuffer()
	ndjson := f.p.ndjson
	if !ndjson {
		if f.seq > 1 {
			b = append(b, ',')
		}
		b = append(b, '\n')
	}
	b = append(b, '{')
	if ndjson {
		b = append(b, `"floor":"`...)
		b = append(b, f.fp.id...)
		b = append(b, `",`...)
	}
	b = append(b, `"id":"`...)
	b = appendElemID(b, f.fp.id, e.code, e.seq)
	b = append(b, `","type":"`...)
	b = append(b, e.typ...)
	b = append(b, '"')
	if e.name != "" {
		b = append(b, `,"name":`...)
		b = appendStr(b, e.name)
	}
	if e.material != "" {
		b = append(b, `,"material":`...)
		b = appendStr(b, e.material)
	}
	if e.system != "" {
		b = append(b, `,"system":"`...)
		b = append(b, e.system...)
		b = append(b, `","status":"`...)
		b = append(b, e.status...)
		b = append(b, '"')
	}
	if e.room >= 0 {
		b = append(b, `,"room":"`...)
		b = append(b, f.rooms[e.room].id...)
		b = append(b, '"')
	}
	if e.host >= 0 {
		b = append(b, `,"host":"`...)
		b = appendElemID(b, f.fp.id, "W", e.host)
		b = append(b, '"')
	}
	b = append(b, `,"geometry":`...)
	b = appendGeo(b, &e.g, f.p.len)
	if len(e.props) > 0 {
		b = append(b, `,"properties":`...)
		b = appendProps(b, e.props, f.p.len)
	}
	b = append(b, '}')
	if ndjson {
		b = append(b, '\n')
	}
	g.bw.Write(b)
	return f.seq
}

// maxPendingConns bounds the connections held before they are written: a floor's
// connections normally follow its elements as one block, but a huge single floor
// must not hold millions of them.
var maxPendingConns = 1 << 16

func (f *floorGen) writeConns() {
	g := f.g
	floors := f.p.floors
	for i := range f.conns {
		c := &f.conns[i]
		b := g.bw.AvailableBuffer()
		if f.p.ndjson {
			b = append(b, `{"kind":"connection","from":"`...)
		} else {
			if !g.first {
				b = append(b, ',')
			}
			g.first = false
			b = append(b, "\n{\"from\":\""...)
		}
		b = appendElemID(b, floors[c.fromFloor].id, c.fromCode, c.fromSeq)
		b = append(b, `","to":"`...)
		b = appendElemID(b, floors[c.toFloor].id, c.toCode, c.toSeq)
		b = append(b, `","type":"`...)
		b = append(b, c.typ...)
		b = append(b, `","spec":`...)
		b = appendStr(b, c.spec)
		b = append(b, '}')
		if f.p.ndjson {
			b = append(b, '\n')
		}
		g.bw.Write(b)
	}
}

// flushConns writes the pending connections (NDJSON lines, or the document's
// second pass) and forgets them. Both ends of each are already written.
func (f *floorGen) flushConns() {
	g := f.g
	if g.write {
		g.stats.Connections += len(f.conns)
	}
	if (g.write && f.p.ndjson) || g.connsOnly {
		f.writeConns()
	}
	f.conns = f.conns[:0]
}
