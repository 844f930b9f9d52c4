package gen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/arxos/arxport/geom"
	"github.com/arxos/arxport/model"
)

func generate(t testing.TB, o Options) ([]byte, Stats) {
	t.Helper()
	var buf bytes.Buffer
	st, err := Write(&buf, o)
	if err != nil {
		t.Fatalf("Write(%+v): %v", o, err)
	}
	return buf.Bytes(), st
}

// building is a parsed model, whichever form it came in.
type building struct {
	head     model.Building
	rooms    map[string][]model.Room    // by floor
	elements map[string][]model.Element // by floor
	conns    []model.Connection
}

func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}

func parse(t testing.TB, data []byte, ndjson bool) *building {
	t.Helper()
	b := &building{rooms: map[string][]model.Room{}, elements: map[string][]model.Element{}}
	if !ndjson {
		if err := strictDecode(data, &b.head); err != nil {
			t.Fatalf("document does not parse: %v", err)
		}
		for i := range b.head.Floors {
			f := &b.head.Floors[i]
			b.rooms[f.ID], b.elements[f.ID] = f.Rooms, f.Elements
			f.Rooms, f.Elements = nil, nil
		}
		b.conns, b.head.Connections = b.head.Connections, nil
		return b
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if n == 1 {
			if err := strictDecode(line, &b.head); err != nil {
				t.Fatalf("header does not parse: %v", err)
			}
			continue
		}
		var k struct{ Kind string }
		if err := json.Unmarshal(line, &k); err != nil {
			t.Fatalf("line %d does not parse: %v", n, err)
		}
		switch k.Kind {
		case "room":
			var r model.Room
			if err := strictDecode(line, &r); err != nil {
				t.Fatalf("line %d: %v", n, err)
			}
			b.rooms[r.Floor] = append(b.rooms[r.Floor], r)
		case "connection":
			var c model.Connection
			if err := strictDecode(line, &c); err != nil {
				t.Fatalf("line %d: %v", n, err)
			}
			b.conns = append(b.conns, c)
		case "":
			var e model.Element
			if err := strictDecode(line, &e); err != nil {
				t.Fatalf("line %d: %v", n, err)
			}
			b.elements[e.Floor] = append(b.elements[e.Floor], e)
		default:
			t.Fatalf("line %d: unknown kind %q", n, k.Kind)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *building) counts() (rooms, elements int) {
	for _, rs := range b.rooms {
		rooms += len(rs)
	}
	for _, es := range b.elements {
		elements += len(es)
	}
	return rooms, elements
}

// problems checks the rules of MODEL.md that the validator enforces, independently
// of package model's own checks; it returns what it finds.
func (b *building) problems() []string {
	var out []string
	add := func(format string, args ...any) {
		if len(out) < 50 {
			out = append(out, fmt.Sprintf(format, args...))
		}
	}
	if b.head.Schema != model.SchemaV1 || b.head.ID == "" || b.head.Name == "" || len(b.head.Floors) == 0 {
		add("bad header: %+v", b.head)
	}
	if _, ok := b.head.Units.Metres(); !ok {
		add("bad units %q", b.head.Units)
	}
	num := func(where string, vs ...float64) {
		for _, v := range vs {
			if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e7 {
				add("%s: number %v out of range", where, v)
			}
		}
	}
	roomIDs := map[string]string{} // id -> floor
	elems := map[string]*model.Element{}
	floorIDs := map[string]bool{}
	for _, f := range b.head.Floors {
		if floorIDs[f.ID] {
			add("duplicate floor %s", f.ID)
		}
		floorIDs[f.ID] = true
		num(f.ID, f.Elevation, f.Height)
		if f.Height <= 0 {
			add("floor %s height %v", f.ID, f.Height)
		}
	}
	for _, f := range b.head.Floors {
		for i := range b.rooms[f.ID] {
			r := &b.rooms[f.ID][i]
			if _, dup := roomIDs[r.ID]; dup {
				add("duplicate room id %s", r.ID)
			}
			roomIDs[r.ID] = f.ID
			if r.Name == "" || len(r.Name) > 256 {
				add("room %s name %q", r.ID, r.Name)
			}
			if msg := polygonProblem(r.Boundary, r.Holes); msg != "" {
				add("room %s: %s", r.ID, msg)
			}
			checkProps(r.ID, r.Properties, add)
		}
		for i := range b.elements[f.ID] {
			e := &b.elements[f.ID][i]
			if _, dup := elems[e.ID]; dup {
				add("duplicate element id %s", e.ID)
			}
			if _, clash := roomIDs[e.ID]; clash {
				add("element id %s is also a room id", e.ID)
			}
			elems[e.ID] = e
			e.Floor = f.ID
		}
	}
	type span struct{ a, b float64 }
	openings := map[string][]span{}
	for _, f := range b.head.Floors {
		for i := range b.elements[f.ID] {
			e := &b.elements[f.ID][i]
			if !slices.Contains(model.ElementTypes, e.Type) {
				add("%s: type %q", e.ID, e.Type)
			}
			if e.Type == "equipment" {
				if !slices.Contains(model.Systems, e.System) || !slices.Contains(model.Statuses, e.Status) {
					add("%s: system %q status %q", e.ID, e.System, e.Status)
				}
			} else if e.System != "" || e.Status != "" {
				add("%s: system/status on a %s", e.ID, e.Type)
			}
			if e.Room != "" && roomIDs[e.Room] != f.ID {
				add("%s: room %q not on floor %s", e.ID, e.Room, f.ID)
			}
			checkProps(e.ID, e.Properties, add)
			g := &e.Geometry
			num(e.ID, g.Thickness, g.Height, g.Base, g.Rotation, g.Offset, g.Width, g.Sill)
			opening := e.Type == "door" || e.Type == "window"
			if opening != (g.Kind == model.KindOpening) {
				add("%s: a %s with geometry %s", e.ID, e.Type, g.Kind)
			}
			switch g.Kind {
			case model.KindLine:
				if g.Start == nil || g.End == nil || *g.Start == *g.End || g.Thickness <= 0 || g.Height <= 0 {
					add("%s: bad line %+v", e.ID, g)
					continue
				}
				num(e.ID, g.Start[0], g.Start[1], g.End[0], g.End[1])
			case model.KindExtrusion:
				if g.Height <= 0 {
					add("%s: extrusion height %v", e.ID, g.Height)
				}
				if msg := polygonProblem(g.Profile, g.Holes); msg != "" {
					add("%s: profile: %s", e.ID, msg)
				}
			case model.KindBox:
				if g.Position == nil || g.Size == nil || g.Size[0] <= 0 || g.Size[1] <= 0 || g.Size[2] <= 0 {
					add("%s: bad box", e.ID)
					continue
				}
				num(e.ID, g.Position[:]...)
				num(e.ID, g.Size[:]...)
			case model.KindMesh:
				if msg := meshProblem(g.Vertices, g.Triangles); msg != "" {
					add("%s: mesh: %s", e.ID, msg)
				}
			case model.KindOpening:
				host, ok := elems[e.Host]
				if !ok || host.Type != "wall" || host.Geometry.Kind != model.KindLine || host.Floor != f.ID {
					add("%s: host %q is not a line wall on %s", e.ID, e.Host, f.ID)
					continue
				}
				hg := host.Geometry
				length := math.Hypot(hg.End[0]-hg.Start[0], hg.End[1]-hg.Start[1])
				if g.Offset < 0 || g.Width <= 0 || g.Offset+g.Width > length+1e-9 {
					add("%s: opening %v+%v outside wall %s of length %v", e.ID, g.Offset, g.Width, e.Host, length)
				}
				if g.Height <= 0 || g.Sill < 0 || g.Sill+g.Height >= hg.Height+hg.Base {
					add("%s: opening height %v sill %v in a wall of height %v", e.ID, g.Height, g.Sill, hg.Height)
				}
				if e.Type == "window" && g.Sill <= 0 {
					add("%s: window without a sill", e.ID)
				}
				if e.Type == "door" && g.Sill != 0 {
					add("%s: door with a sill", e.ID)
				}
				for _, s := range openings[e.Host] {
					if g.Offset < s.b && s.a < g.Offset+g.Width {
						add("%s: overlaps another opening in %s", e.ID, e.Host)
					}
				}
				openings[e.Host] = append(openings[e.Host], span{g.Offset, g.Offset + g.Width})
			default:
				add("%s: geometry kind %q", e.ID, g.Kind)
			}
		}
	}
	for i, c := range b.conns {
		if elems[c.From] == nil || elems[c.To] == nil || c.From == c.To {
			add("connection %d: %s -> %s does not resolve", i, c.From, c.To)
		}
		if !slices.Contains(model.ConnectionTypes, c.Type) {
			add("connection %d: type %q", i, c.Type)
		}
	}
	return out
}

func checkProps(id string, p model.Properties, add func(string, ...any)) {
	for _, k := range p.Keys() {
		switch v := p[k].(type) {
		case string:
			if len(v) > 64<<10 {
				add("%s.%s: string too long", id, k)
			}
		case float64:
			if math.Abs(v) > 1e7 {
				add("%s.%s: %v out of range", id, k, v)
			}
		case bool:
		default:
			add("%s.%s: value %T", id, k, v)
		}
	}
}

// polygonProblem checks a ring and its holes: at least three distinct points,
// non-zero area, no crossing or touching edges, holes strictly inside and apart.
func polygonProblem(outer geom.Ring, holes []geom.Ring) string {
	if msg := ringProblem(outer); msg != "" {
		return msg
	}
	for i, h := range holes {
		if msg := ringProblem(h); msg != "" {
			return fmt.Sprintf("hole %d: %s", i, msg)
		}
		if ringsTouch(h, outer) || !inside(h[0], outer) {
			return fmt.Sprintf("hole %d not strictly inside", i)
		}
		for j := range i {
			if ringsTouch(h, holes[j]) || inside(h[0], holes[j]) || inside(holes[j][0], h) {
				return fmt.Sprintf("holes %d and %d touch", j, i)
			}
		}
	}
	return ""
}

func ringProblem(r geom.Ring) string {
	if len(r) < 3 {
		return "fewer than 3 points"
	}
	for i, p := range r {
		for _, q := range r[:i] {
			if p == q {
				return "repeated point"
			}
		}
	}
	a := 0.0
	for i := range r {
		j := (i + 1) % len(r)
		a += r[i][0]*r[j][1] - r[j][0]*r[i][1]
	}
	if a == 0 {
		return "zero area"
	}
	n := len(r)
	for i := range n {
		for j := i + 1; j < n; j++ {
			if j == i+1 || (i == 0 && j == n-1) {
				continue // neighbours share a point
			}
			if segmentsTouch(r[i], r[(i+1)%n], r[j], r[(j+1)%n]) {
				return fmt.Sprintf("edges %d and %d cross", i, j)
			}
		}
	}
	return ""
}

func ringsTouch(a, b geom.Ring) bool {
	for i := range a {
		for j := range b {
			if segmentsTouch(a[i], a[(i+1)%len(a)], b[j], b[(j+1)%len(b)]) {
				return true
			}
		}
	}
	return false
}

func orient(a, b, c geom.Vec2) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

func onSegment(a, b, p geom.Vec2) bool {
	return min(a[0], b[0]) <= p[0] && p[0] <= max(a[0], b[0]) && min(a[1], b[1]) <= p[1] && p[1] <= max(a[1], b[1])
}

func segmentsTouch(a, b, c, d geom.Vec2) bool {
	d1, d2 := orient(c, d, a), orient(c, d, b)
	d3, d4 := orient(a, b, c), orient(a, b, d)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return d1 == 0 && onSegment(c, d, a) || d2 == 0 && onSegment(c, d, b) ||
		d3 == 0 && onSegment(a, b, c) || d4 == 0 && onSegment(a, b, d)
}

func inside(p geom.Vec2, r geom.Ring) bool {
	in := false
	for i := range r {
		a, b := r[i], r[(i+1)%len(r)]
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < a[0]+(p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1]) {
			in = !in
		}
	}
	return in
}

// meshProblem checks a mesh is closed (every edge used once each way) and wound
// outward (positive volume).
func meshProblem(v []geom.Vec3, tris [][3]int) string {
	if len(v) < 4 || len(tris) < 4 {
		return "too small to be closed"
	}
	edges := map[[2]int]int{}
	vol := 0.0
	for _, t := range tris {
		for k := range 3 {
			if t[k] < 0 || t[k] >= len(v) {
				return "index out of range"
			}
			edges[[2]int{t[k], t[(k+1)%3]}]++
		}
		a, b, c := v[t[0]], v[t[1]], v[t[2]]
		vol += a[0]*(b[1]*c[2]-b[2]*c[1]) - a[1]*(b[0]*c[2]-b[2]*c[0]) + a[2]*(b[0]*c[1]-b[1]*c[0])
	}
	for e, n := range edges {
		if n != 1 || edges[[2]int{e[1], e[0]}] != 1 {
			return "not closed"
		}
	}
	if vol <= 0 {
		return "wound inward"
	}
	return ""
}

func TestValid(t *testing.T) {
	for _, o := range []Options{
		{Elements: 10, Seed: 1, NDJSON: true},
		{Elements: 10, Seed: 2},
		{Elements: 60, Seed: 3, NDJSON: true},
		{Elements: 300, Seed: 4},
		{Elements: 2000, Seed: 5, NDJSON: true},
		{Elements: 2000, Seed: 6},
		{Elements: 5000, Seed: 7, NDJSON: true, Units: "mm"},
		{Elements: 5000, Seed: 8, Units: "ft"},
		{Elements: 3000, Seed: 9, Floors: 1, NDJSON: true},
		{Elements: 3000, Seed: 10, Floors: 12},
		{Elements: 30000, Seed: -11, Floors: 2, NDJSON: true, Units: "in"},
	} {
		t.Run(fmt.Sprintf("%d-%d-%v-%s", o.Elements, o.Seed, o.NDJSON, o.Units), func(t *testing.T) {
			t.Parallel()
			data, st := generate(t, o)
			b := parse(t, data, o.NDJSON)
			for _, p := range b.problems() {
				t.Error(p)
			}
			rooms, elements := b.counts()
			if rooms != st.Rooms || elements != st.Elements || len(b.conns) != st.Connections || len(b.head.Floors) != st.Floors {
				t.Errorf("stats %+v, parsed %d rooms %d elements %d connections %d floors",
					st, rooms, elements, len(b.conns), len(b.head.Floors))
			}
			if o.Floors > 0 && st.Floors != o.Floors {
				t.Errorf("%d floors, want %d", st.Floors, o.Floors)
			}
			sum := 0
			for _, n := range st.ByType {
				sum += n
			}
			if sum != st.Elements {
				t.Errorf("ByType sums to %d, not %d", sum, st.Elements)
			}
		})
	}
}

// TestManySeeds runs the layout through many seeds and small sizes, where the
// odd features (L-shaped rooms, diagonal walls, the hall wing) combine differently.
func TestManySeeds(t *testing.T) {
	for seed := range int64(40) {
		o := Options{Elements: 400 + int(seed)*97, Seed: seed * 7919, NDJSON: seed%2 == 0}
		data, _ := generate(t, o)
		b := parse(t, data, o.NDJSON)
		for _, p := range b.problems() {
			t.Errorf("seed %d: %s", o.Seed, p)
		}
	}
}

func TestDeterministic(t *testing.T) {
	for _, o := range []Options{{Elements: 3000, Seed: 42}, {Elements: 3000, Seed: 42, NDJSON: true, Units: "ft"}} {
		a, _ := generate(t, o)
		b, _ := generate(t, o)
		if !bytes.Equal(a, b) {
			t.Errorf("%+v: two runs differ", o)
		}
		o.Seed++
		c, _ := generate(t, o)
		if bytes.Equal(a, c) {
			t.Errorf("%+v: seeds %d and %d give the same building", o, o.Seed-1, o.Seed)
		}
	}
}

func TestFormsAgree(t *testing.T) {
	o := Options{Elements: 4000, Seed: 3}
	docData, docStats := generate(t, o)
	o.NDJSON = true
	ndData, ndStats := generate(t, o)
	if fmt.Sprint(docStats) != fmt.Sprint(ndStats) {
		t.Fatalf("document %+v, NDJSON %+v", docStats, ndStats)
	}
	doc, nd := parse(t, docData, false), parse(t, ndData, true)
	for i := range nd.conns {
		nd.conns[i].Kind = ""
	}
	if !slices.Equal(doc.conns, nd.conns) {
		t.Error("connections differ between the forms")
	}
	for _, f := range doc.head.Floors {
		de, ne := doc.elements[f.ID], nd.elements[f.ID]
		if len(de) != len(ne) {
			t.Fatalf("floor %s: %d elements in the document, %d in NDJSON", f.ID, len(de), len(ne))
		}
		for i := range de {
			ne[i].Floor = ""
			x, _ := json.Marshal(de[i])
			y, _ := json.Marshal(ne[i])
			if !bytes.Equal(x, y) {
				t.Fatalf("floor %s element %d differs:\n%s\n%s", f.ID, i, x, y)
			}
		}
	}
}

// TestConnectionFlush forces the connections out in many small blocks, as on a
// huge floor, and checks both forms stay valid and agree.
func TestConnectionFlush(t *testing.T) {
	defer func(n int) { maxPendingConns = n }(maxPendingConns)
	maxPendingConns = 37
	var conns [2][]model.Connection
	for i, nd := range []bool{false, true} {
		data, st := generate(t, Options{Elements: 6000, Floors: 2, Seed: 4, NDJSON: nd})
		b := parse(t, data, nd)
		for _, p := range b.problems() {
			t.Error(p)
		}
		if len(b.conns) != st.Connections || st.Connections < 1000 {
			t.Errorf("NDJSON=%v: %d connections parsed, stats say %d", nd, len(b.conns), st.Connections)
		}
		for _, c := range b.conns {
			c.Kind = ""
			conns[i] = append(conns[i], c)
		}
	}
	if !slices.Equal(conns[0], conns[1]) {
		t.Error("the forms carry different connections")
	}
}

func TestSize(t *testing.T) {
	sizes := []int{1000, 1500, 5000, 20000, 100000}
	if testing.Short() {
		sizes = sizes[:3]
	}
	for _, n := range sizes {
		st, err := Write(io.Discard, Options{Elements: n, Seed: int64(n), NDJSON: true})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(float64(st.Elements-n)) > 0.1*float64(n) {
			t.Errorf("asked for %d elements, got %d", n, st.Elements)
		}
		t.Logf("N=%d: %d elements, %d floors, %d rooms, %d connections", n, st.Elements, st.Floors, st.Rooms, st.Connections)
	}
}

func TestCoverage(t *testing.T) {
	data, st := generate(t, Options{Elements: 2000, Seed: 11, NDJSON: true})
	b := parse(t, data, true)
	systems, statuses, kinds, props := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	connTypes := map[string]bool{}
	nonASCII, markup := false, false
	holedSlab, holedRoom, lRoom, diagonal, rotated := false, false, false, false, false
	for _, es := range b.elements {
		for _, e := range es {
			if e.Type == "equipment" {
				systems[e.System], statuses[e.Status] = true, true
				for _, k := range []string{"manufacturer", "model", "serial"} {
					if _, ok := e.Properties[k].(string); !ok {
						t.Errorf("%s has no %s", e.ID, k)
					}
				}
				if e.Room == "" {
					t.Errorf("%s is in no room", e.ID)
				}
			}
			kinds[e.Type+"/"+e.Geometry.Kind] = true
			for _, v := range e.Properties {
				props[fmt.Sprintf("%T", v)] = true
			}
			if strings.ContainsAny(e.Name, "<&\"") {
				markup = true
			}
			if e.Type == "slab" && len(e.Geometry.Holes) > 0 {
				holedSlab = true
			}
			if e.Type == "wall" && e.Geometry.Start[0] != e.Geometry.End[0] && e.Geometry.Start[1] != e.Geometry.End[1] {
				diagonal = true
			}
			if e.Type == "furniture" && int(e.Geometry.Rotation)%90 != 0 {
				rotated = true
			}
		}
	}
	for _, rs := range b.rooms {
		for _, r := range rs {
			for _, c := range r.Name {
				if c > 127 {
					nonASCII = true
				}
			}
			if len(r.Holes) > 0 {
				holedRoom = true
			}
			if len(r.Boundary) == 6 {
				lRoom = true
			}
		}
	}
	for _, c := range b.conns {
		connTypes[c.Type] = true
	}
	for _, s := range model.Systems {
		if !systems[s] {
			t.Errorf("no %s equipment", s)
		}
	}
	for _, s := range model.Statuses {
		if !statuses[s] {
			t.Errorf("no equipment %s", s)
		}
	}
	for _, k := range []string{"wall/line", "slab/extrusion", "roof/extrusion", "door/opening", "window/opening",
		"column/box", "column/extrusion", "beam/box", "stair/extrusion", "railing/line", "equipment/box",
		"furniture/box", "generic/mesh", "generic/extrusion"} {
		if !kinds[k] {
			t.Errorf("no %s", k)
		}
	}
	for _, k := range []string{"string", "float64", "bool"} {
		if !props[k] {
			t.Errorf("no %s property", k)
		}
	}
	for _, k := range model.ConnectionTypes {
		if !connTypes[k] {
			t.Errorf("no %s connection", k)
		}
	}
	for what, ok := range map[string]bool{"non-ASCII room name": nonASCII, "name with markup": markup,
		"slab with a hole": holedSlab, "room with a hole": holedRoom, "L-shaped room": lRoom,
		"diagonal wall": diagonal, "rotated furniture": rotated, "georef": b.head.Georef != nil} {
		if !ok {
			t.Errorf("no %s", what)
		}
	}
	t.Logf("%+v", st)
}

// TestUnits checks that other units describe the same building, scaled.
func TestUnits(t *testing.T) {
	metres, _ := generate(t, Options{Elements: 1500, Seed: 5, NDJSON: true})
	m := parse(t, metres, true)
	for _, u := range []model.Unit{"mm", "cm", "ft", "in"} {
		data, _ := generate(t, Options{Elements: 1500, Seed: 5, NDJSON: true, Units: u})
		b := parse(t, data, true)
		if b.head.Units != u {
			t.Fatalf("units %q, want %q", b.head.Units, u)
		}
		f, _ := u.Metres()
		close := func(what string, got, want float64) {
			if math.Abs(got*f-want) > 1e-3 {
				t.Errorf("%s: %s is %v %s = %v m, want %v m", u, what, got, u, got*f, want)
			}
		}
		for i, fl := range b.head.Floors {
			close(fl.ID+" elevation", fl.Elevation, m.head.Floors[i].Elevation)
			close(fl.ID+" height", fl.Height, m.head.Floors[i].Height)
		}
		for id, es := range b.elements {
			for i, e := range es {
				want := m.elements[id][i]
				if e.Geometry.Kind == model.KindLine {
					close(e.ID+" start", e.Geometry.Start[0], want.Geometry.Start[0])
					close(e.ID+" thickness", e.Geometry.Thickness, want.Geometry.Thickness)
				}
				if e.Geometry.Kind == model.KindBox {
					close(e.ID+" z", e.Geometry.Position[2], want.Geometry.Position[2])
					close(e.ID+" size", e.Geometry.Size[0], want.Geometry.Size[0])
				}
				if e.Geometry.Kind == model.KindOpening {
					close(e.ID+" offset", e.Geometry.Offset, want.Geometry.Offset)
				}
			}
		}
	}
	if _, err := Write(io.Discard, Options{Elements: 10, Units: "yd"}); err == nil {
		t.Error("unknown units accepted")
	}
}

// TestFlatMemory writes a large stream and checks the heap does not grow with it.
func TestFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 400k elements")
	}
	heap := func(n int) uint64 {
		w := &peakWriter{}
		if _, err := Write(w, Options{Elements: n, Seed: 1, NDJSON: true}); err != nil {
			t.Fatal(err)
		}
		return w.peak
	}
	small, large := heap(40_000), heap(400_000)
	t.Logf("peak heap: %d MB at 40k elements, %d MB at 400k", small>>20, large>>20)
	if large > 2*small+16<<20 {
		t.Errorf("heap grows with the model: %d MB at 40k, %d MB at 400k", small>>20, large>>20)
	}
}

// peakWriter samples the live heap every few megabytes written.
type peakWriter struct {
	n, peak uint64
}

func (w *peakWriter) Write(p []byte) (int, error) {
	w.n += uint64(len(p))
	if w.n > 8<<20 {
		w.n = 0
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		w.peak = max(w.peak, ms.HeapAlloc)
	}
	return len(p), nil
}

// failWriter fails after n bytes.
type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, io.ErrShortWrite
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	for _, nd := range []bool{false, true} {
		if _, err := Write(&failWriter{n: 100_000}, Options{Elements: 50_000, NDJSON: nd}); err == nil {
			t.Errorf("NDJSON=%v: no error from a failing writer", nd)
		}
	}
}

func BenchmarkWriteNDJSON(b *testing.B) {
	const n = 100_000
	b.ReportAllocs()
	var bytes int64
	for b.Loop() {
		w := &countWriter{}
		if _, err := Write(w, Options{Elements: n, Seed: 1, NDJSON: true}); err != nil {
			b.Fatal(err)
		}
		bytes = w.n
	}
	b.SetBytes(bytes)
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "elements/s")
}

func BenchmarkWriteDocument(b *testing.B) {
	const n = 100_000
	for b.Loop() {
		if _, err := Write(io.Discard, Options{Elements: n, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "elements/s")
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// TestValidatorCatches makes sure the checks above fail on broken models, so
// their passing means something.
func TestValidatorCatches(t *testing.T) {
	data, _ := generate(t, Options{Elements: 1000, Seed: 2, NDJSON: true})
	floor := "L1"
	find := func(b *building, typ string) *model.Element {
		for i := range b.elements[floor] {
			if e := &b.elements[floor][i]; e.Type == typ {
				return e
			}
		}
		t.Fatalf("no %s", typ)
		return nil
	}
	for name, breakIt := range map[string]func(b *building){
		"duplicate id":     func(b *building) { b.elements[floor][1].ID = b.elements[floor][0].ID },
		"missing room":     func(b *building) { find(b, "furniture").Room = "nowhere" },
		"missing host":     func(b *building) { find(b, "door").Host = "L1-W-9999" },
		"host not a wall":  func(b *building) { find(b, "window").Host = find(b, "slab").ID },
		"opening past end": func(b *building) { find(b, "window").Geometry.Offset = 1000 },
		"window on floor":  func(b *building) { find(b, "window").Geometry.Sill = 0 },
		"dangling link":    func(b *building) { b.conns[0].To = "L9-X-0001" },
		"bow-tie room": func(b *building) {
			r := &b.rooms[floor][0]
			r.Boundary[0], r.Boundary[1] = r.Boundary[1], r.Boundary[0]
		},
		"hole on the edge": func(b *building) { s := find(b, "slab"); s.Geometry.Holes = []geom.Ring{s.Geometry.Profile[:3]} },
		"open mesh": func(b *building) {
			g := &find(b, "generic").Geometry
			g.Kind, g.Vertices, g.Triangles = "mesh", []geom.Vec3{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, [][3]int{{0, 2, 1}, {0, 1, 3}, {1, 2, 3}, {2, 0, 3}}[:3]
		},
		"inside-out mesh": func(b *building) {
			g := &find(b, "generic").Geometry
			g.Kind, g.Vertices, g.Triangles = "mesh", []geom.Vec3{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, [][3]int{{0, 1, 2}, {0, 3, 1}, {1, 3, 2}, {2, 3, 0}}
		},
		"number out of range": func(b *building) { find(b, "beam").Geometry.Position[0] = 2e7 },
	} {
		b := parse(t, data, true)
		if ps := b.problems(); len(ps) > 0 {
			t.Fatalf("the model is broken before %s: %v", name, ps)
		}
		breakIt(b)
		if len(b.problems()) == 0 {
			t.Errorf("%s: not caught", name)
		}
	}
}

func TestAppendFixed(t *testing.T) {
	for _, l := range unitLengths {
		for i := range 200000 {
			v := float64(i*7919%2000003-1000000) / 997 * math.Pow(10, float64(i%5-2))
			got := string(l.add(nil, v))
			want := string(appendNum(nil, l.of(v)))
			if got != want {
				t.Fatalf("%v in %+v: %s, want %s", v, l, got, want)
			}
		}
	}
}

// TestExamples checks the hand-written models in ../examples against the same
// rules, and that together they show every geometry kind and element type.
func TestExamples(t *testing.T) {
	files := map[string]bool{"tech-tower.json": false, "clinic-mm.json": false, "pavilion.ndjson": true}
	kinds, types := map[string]bool{}, map[string]bool{}
	units := map[model.Unit]bool{}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		data, err := os.ReadFile(filepath.Join("..", "examples", name))
		if err != nil {
			t.Fatal(err)
		}
		b := parse(t, data, files[name])
		for _, p := range b.problems() {
			t.Errorf("%s: %s", name, p)
		}
		units[b.head.Units] = true
		for _, es := range b.elements {
			for _, e := range es {
				kinds[e.Geometry.Kind], types[e.Type] = true, true
			}
		}
		rooms, elements := b.counts()
		t.Logf("%s: %d floors, %d rooms, %d elements, %d connections", name, len(b.head.Floors), rooms, elements, len(b.conns))
	}
	for _, k := range []string{model.KindLine, model.KindExtrusion, model.KindBox, model.KindOpening, model.KindMesh} {
		if !kinds[k] {
			t.Errorf("no example shows geometry %s", k)
		}
	}
	for _, typ := range model.ElementTypes {
		if !types[typ] {
			t.Errorf("no example has a %s", typ)
		}
	}
	for _, u := range []model.Unit{"m", "mm", "ft"} {
		if !units[u] {
			t.Errorf("no example in %s", u)
		}
	}
}
