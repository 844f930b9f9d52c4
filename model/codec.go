package model

import (
	"encoding/binary"
	"errors"
	"hash/maphash"
	"math"

	"github.com/arxos/arxport/geom"
)

// The spool keeps items already checked and normalised in a compact binary
// form, so the writers that stream a model decode each item several times
// faster than they could parse its JSON again. It is private to one process:
// no versioning, no compatibility.

type encoder struct {
	b    []byte
	keys []string // scratch
}

func (e *encoder) uint(n int)    { e.b = binary.AppendUvarint(e.b, uint64(n)) }
func (e *encoder) f64(f float64) { e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(f)) }
func (e *encoder) str(s string)  { e.uint(len(s)); e.b = append(e.b, s...) }
func (e *encoder) flag(on bool) {
	if on {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func (e *encoder) ring(r geom.Ring) {
	e.uint(len(r))
	for _, p := range r {
		e.f64(p[0])
		e.f64(p[1])
	}
}

func (e *encoder) rings(rs []geom.Ring) {
	e.uint(len(rs))
	for _, r := range rs {
		e.ring(r)
	}
}

// props writes the properties in key order, which decoder.propList relies on.
func (e *encoder) props(p Properties) {
	e.uint(len(p))
	e.keys = p.AppendKeys(e.keys[:0])
	for _, k := range e.keys {
		e.str(k)
		switch v := p[k].(type) {
		case string:
			e.b = append(e.b, 's')
			e.str(v)
		case float64:
			e.b = append(e.b, 'n')
			e.f64(v)
		case bool:
			e.b = append(e.b, 'b')
			e.flag(v)
		}
	}
}

func (e *encoder) room(r *Room) {
	for _, s := range []string{r.Floor, r.ID, r.Name, r.Type} {
		e.str(s)
	}
	e.ring(r.Boundary)
	e.rings(r.Holes)
	e.f64(r.Height)
	e.props(r.Properties)
}

func (e *encoder) element(el *Element) {
	for _, s := range []string{el.Floor, el.ID, el.Type, el.Name, el.Material, el.System, el.Status, el.Room, el.Host} {
		e.str(s)
	}
	g := &el.Geometry
	e.str(g.Kind)
	e.flag(g.Start != nil)
	if g.Start != nil {
		e.f64(g.Start[0])
		e.f64(g.Start[1])
	}
	e.flag(g.End != nil)
	if g.End != nil {
		e.f64(g.End[0])
		e.f64(g.End[1])
	}
	for _, f := range []float64{g.Thickness, g.Height, g.Base, g.Rotation, g.Offset, g.Width, g.Sill} {
		e.f64(f)
	}
	e.ring(g.Profile)
	e.rings(g.Holes)
	for _, v := range []*geom.Vec3{g.Position, g.Size} {
		e.flag(v != nil)
		if v != nil {
			e.f64(v[0])
			e.f64(v[1])
			e.f64(v[2])
		}
	}
	e.uint(len(g.Vertices))
	for _, v := range g.Vertices {
		e.f64(v[0])
		e.f64(v[1])
		e.f64(v[2])
	}
	e.uint(len(g.Triangles))
	for _, t := range g.Triangles {
		e.uint(t[0])
		e.uint(t[1])
		e.uint(t[2])
	}
	e.props(el.Properties)
}

func (e *encoder) connection(c *Connection) {
	for _, s := range []string{c.From, c.To, c.Type, c.Spec} {
		e.str(s)
	}
}

var errCorrupt = errors.New("model spool: corrupt record")

type decoder struct {
	b    []byte
	err  error
	syms *symbols
	text []byte // scratch
}

// symbols keeps the strings that repeat from item to item (floors, types,
// systems, rooms, property names and most of their values), so a spool reader
// allocates each once rather than once per item; text values are also kept
// boxed, as Properties holds them as any. It is a fixed direct-mapped cache:
// a string evicts the one in its slot, so memory stays bounded and a model
// whose values never repeat costs one hash and one compare per string.
type symbols struct {
	seed    maphash.Seed
	slots   [symbolSlots]symbol
	numbers [numberSlots]number
	last    [fields]string // by field, what the item before had: often the same
}

// Fields symField remembers.
const (
	fieldFloor = iota
	fieldType
	fieldMaterial
	fieldSystem
	fieldStatus
	fieldRoom
	fieldKind
	fields
)

// number is a boxed property number, cached by its bits as text is.
type number struct {
	bits  uint64
	boxed any
}

type symbol struct {
	s     string
	boxed any // s as any, once asked for
}

const (
	symbolSlots    = 1 << 12
	numberSlots    = 1 << 10
	maxSymbolBytes = 64
)

func newSymbols() *symbols { return &symbols{seed: maphash.MakeSeed()} }

// slot returns the cache entry holding b, filling it when it holds another string.
func (t *symbols) slot(b []byte) *symbol {
	e := &t.slots[maphash.Bytes(t.seed, b)&(symbolSlots-1)]
	if e.s != string(b) { // the compare does not allocate
		*e = symbol{s: string(b)}
	}
	return e
}

// numAny reads a float64, boxed.
func (d *decoder) numAny() any {
	f := d.f64()
	bits := math.Float64bits(f)
	e := &d.syms.numbers[(bits^bits>>29^bits>>52)&(numberSlots-1)]
	if e.boxed == nil || e.bits != bits {
		*e = number{bits: bits, boxed: f}
	}
	return e.boxed
}

// raw reads a string's bytes, which stay valid until the next item is read.
func (d *decoder) raw() []byte {
	n := d.uint()
	if n > len(d.b) {
		d.fail()
		return nil
	}
	b := d.b[:n]
	d.b = d.b[n:]
	return b
}

// sym reads a string that is likely to repeat.
func (d *decoder) sym() string { return d.intern(d.raw()) }

// intern returns b as a string, from the cache when it is short enough.
func (d *decoder) intern(b []byte) string {
	if len(b) == 0 || len(b) > maxSymbolBytes {
		return string(b)
	}
	return d.syms.slot(b).s
}

// symField reads a field likely to repeat, often as the item before had it.
func (d *decoder) symField(f int) string {
	b := d.raw()
	if last := d.syms.last[f]; last == string(b) {
		return last
	}
	s := d.intern(b)
	d.syms.last[f] = s
	return s
}

// symAny reads a string likely to repeat, boxed.
func (d *decoder) symAny() any {
	b := d.raw()
	if len(b) > maxSymbolBytes {
		return string(b)
	}
	e := d.syms.slot(b)
	if e.boxed == nil {
		e.boxed = e.s
	}
	return e.boxed
}

func (d *decoder) uint() int {
	n, k := binary.Uvarint(d.b)
	if k <= 0 || n > math.MaxInt32 {
		d.fail()
		return 0
	}
	d.b = d.b[k:]
	return int(n)
}

func (d *decoder) fail() { d.err, d.b = errCorrupt, nil }

func (d *decoder) f64() float64 {
	if len(d.b) < 8 {
		d.fail()
		return 0
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return f
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) str() string { return string(d.raw()) }

// count reads a length and checks that at least size bytes per item remain.
func (d *decoder) count(size int) int {
	n := d.uint()
	if n*size > len(d.b) {
		d.fail()
		return 0
	}
	return n
}

func (d *decoder) ring() geom.Ring {
	n := d.count(16)
	if n == 0 {
		return nil
	}
	r := make(geom.Ring, n)
	for i := range r {
		r[i] = geom.Vec2{d.f64(), d.f64()}
	}
	return r
}

func (d *decoder) rings() []geom.Ring {
	n := d.count(1)
	if n == 0 {
		return nil
	}
	rs := make([]geom.Ring, n)
	for i := range rs {
		rs[i] = d.ring()
	}
	return rs
}

func (d *decoder) props() Properties {
	n := d.count(2)
	if n == 0 {
		return nil
	}
	p := make(Properties, n)
	for range n {
		k := d.sym()
		switch d.byte() {
		case 's':
			p[k] = d.symAny()
		case 'n':
			p[k] = d.numAny()
		case 'b':
			p[k] = d.byte() == 1
		default:
			d.fail()
			return p
		}
	}
	return p
}

// elementPoints holds an element's optional points in one allocation.
type elementPoints struct {
	start, end     geom.Vec2
	position, size geom.Vec3
}

// points returns *p, allocating it the first time.
func points(p **elementPoints) *elementPoints {
	if *p == nil {
		*p = new(elementPoints)
	}
	return *p
}

// propList reads properties into list, reusing its room; they come in key order.
func (d *decoder) propList(list []Prop) []Prop {
	list = list[:0]
	n := d.count(2)
	for range n {
		k := d.sym()
		switch d.byte() {
		case 's':
			list = append(list, Prop{k, d.symAny()})
		case 'n':
			list = append(list, Prop{k, d.numAny()})
		case 'b':
			list = append(list, Prop{k, d.byte() == 1})
		default:
			d.fail()
			return list
		}
	}
	return list
}

func (d *decoder) room(r *Room) {
	*r = Room{Floor: d.sym(), ID: d.str(), Name: d.str(), Type: d.sym()}
	r.Boundary = d.ring()
	r.Holes = d.rings()
	r.Height = d.f64()
	r.Properties = d.props()
}

func (d *decoder) element(el *Element) {
	d.elementOnly(el)
	el.Properties = d.props()
}

// elementOnly reads an element up to its properties.
func (d *decoder) elementOnly(el *Element) {
	floor, id, typ, name := d.symField(fieldFloor), d.raw(), d.symField(fieldType), d.raw()
	material, system, status := d.symField(fieldMaterial), d.symField(fieldSystem), d.symField(fieldStatus)
	room, host := d.symField(fieldRoom), d.raw()
	// The id, name and host, which rarely repeat, share one allocation.
	d.text = append(append(append(d.text[:0], id...), name...), host...)
	text := string(d.text)
	*el = Element{Floor: floor, ID: text[:len(id)], Type: typ, Name: text[len(id) : len(id)+len(name)],
		Material: material, System: system, Status: status, Room: room, Host: text[len(id)+len(name):]}
	g := &el.Geometry
	g.Kind = d.symField(fieldKind)
	var pts *elementPoints
	if d.byte() == 1 {
		p := points(&pts)
		p.start = geom.Vec2{d.f64(), d.f64()}
		g.Start = &p.start
	}
	if d.byte() == 1 {
		p := points(&pts)
		p.end = geom.Vec2{d.f64(), d.f64()}
		g.End = &p.end
	}
	g.Thickness, g.Height, g.Base, g.Rotation = d.f64(), d.f64(), d.f64(), d.f64()
	g.Offset, g.Width, g.Sill = d.f64(), d.f64(), d.f64()
	g.Profile = d.ring()
	g.Holes = d.rings()
	if d.byte() == 1 {
		p := points(&pts)
		p.position = geom.Vec3{d.f64(), d.f64(), d.f64()}
		g.Position = &p.position
	}
	if d.byte() == 1 {
		p := points(&pts)
		p.size = geom.Vec3{d.f64(), d.f64(), d.f64()}
		g.Size = &p.size
	}
	if n := d.count(24); n > 0 {
		g.Vertices = make([]geom.Vec3, n)
		for i := range g.Vertices {
			g.Vertices[i] = geom.Vec3{d.f64(), d.f64(), d.f64()}
		}
	}
	if n := d.count(3); n > 0 {
		g.Triangles = make([][3]int, n)
		for i := range g.Triangles {
			g.Triangles[i] = [3]int{d.uint(), d.uint(), d.uint()}
		}
	}
}

// elementProps reads an element with its properties as a list.
func (d *decoder) elementProps(ep *elementProps) {
	d.elementOnly(&ep.el)
	ep.props = d.propList(ep.props)
}

func (d *decoder) connection(c *Connection) {
	*c = Connection{From: d.str(), To: d.str(), Type: d.sym(), Spec: d.sym()}
}
