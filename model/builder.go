package model

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	json "github.com/goccy/go-json"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/arxos/arxport/geom"
)

// builder reads a model once: it checks every item, indexes ids and references,
// keeps document items in memory and spools NDJSON items, then resolves the
// references in finish.
type builder struct {
	ctx  context.Context
	opts Options
	main *problems // the model's problems
	ps   *problems // where the item being read reports: main, or a scratch one when skipping
	chk  checker
	m    *Model

	floors  []Floor        // every floor, normalised; Building.Floors holds the selected ones
	floorAt map[string]int // index in floors by id
	roomIDs map[string]int
	// elemIDs knows every element read, kept or not, with its key, and the
	// line walls (in metres) openings need.
	elemIDs *elementIDs
	refs    []ref        // references of elements still to check
	pending map[int]bool // elements (by key) with a reference still to check
	conns   []connRef
	skipped int // items left out, for the warning past maxWarnings

	// Options.Floors and Options.Types: keepFloor by index in floors, nil when
	// every floor is kept; keepType nil when every type is.
	filtering bool
	keepFloor []bool
	keepType  map[string]bool
	nFiltered int          // elements left out by the filters
	dropped   map[int]bool // elements left out by the filters that were then found invalid
	// cuts holds every opening checked so far by host, kept or not, for
	// fitting the next ones; without filters it is m.openings itself.
	cuts     map[string][]geom.Opening
	detached int // openings kept whose host is left out by the filters
}

// ref is what remains to check of an element once every id is known: a room
// that was not seen yet, or the wall a door or window cuts. It is kept small
// (and its path is rebuilt only for a problem), as a model may have millions.
type ref struct {
	seq     int32 // key in elemIDs
	floor   int32
	at      where
	typ     uint8 // index in ElementTypes
	room    string
	host    string
	opening geom.Opening
}

type connRef struct {
	seq      int32 // -1 for a connection not kept (an end is left out by the filters)
	at       where
	from, to string
}

// where locates an item for its path: an NDJSON line, or a place in the document.
type where struct {
	line, floor, index int32
}

func (w where) path(field string) string {
	switch {
	case w.line > 0:
		return linePath(int(w.line))
	case w.floor < 0:
		return itemPath("", "connections", int(w.index))
	}
	return itemPath(itemPath("", "floors", int(w.floor)), field, int(w.index))
}

// wallLine is what openings need of their host wall.
type wallLine struct {
	start, end              geom.Vec2
	thickness, height, base float64
}

func (w wallLine) geometry() Geometry {
	start, end := w.start, w.end
	return Geometry{Kind: KindLine, Start: &start, End: &end, Thickness: w.thickness, Height: w.height, Base: w.base}
}

func (w wallLine) length() float64 { return w.end.Sub(w.start).Len() }

func newBuilder(ctx context.Context, o Options) *builder {
	main := &problems{max: o.MaxProblems, warns: &warnings{seen: map[string]bool{}}}
	b := &builder{ctx: ctx, opts: o, main: main, ps: main,
		m:       &Model{floorIndex: map[string]int{}, openings: map[string][]geom.Opening{}},
		floorAt: map[string]int{}, roomIDs: map[string]int{}, elemIDs: newElementIDs(),
		pending: map[int]bool{}, dropped: map[int]bool{}}
	b.cuts = b.m.openings
	if len(o.Types) > 0 {
		b.filtering = true
		b.keepType = map[string]bool{}
		for _, t := range o.Types {
			b.keepType[t] = true
		}
	}
	b.chk = checker{ps: main, limits: o.Limits}
	for k := range b.m.skip {
		b.m.skip[k] = map[int]bool{}
	}
	b.m.Stats.ByType = map[string]int{}
	b.m.Stats.ByFloor = map[string]FloorStats{}
	b.m.Stats.Min = geom.Vec3{math.Inf(1), math.Inf(1), math.Inf(1)}
	b.m.Stats.Max = geom.Vec3{math.Inf(-1), math.Inf(-1), math.Inf(-1)}
	return b
}

func (b *builder) cleanup() { b.m.Close() }

// item runs fn for one room, element or connection. When skipping invalid items,
// the problems fn finds become one warning and the item is left out.
func (b *builder) item(what, path string, fn func() bool) bool {
	if !b.opts.SkipInvalid {
		return fn()
	}
	scratch := &problems{max: b.opts.MaxProblems, warns: b.main.warns}
	b.ps, b.chk.ps = scratch, scratch
	ok := fn()
	b.ps, b.chk.ps = b.main, b.main
	if ok && len(scratch.errs) == 0 {
		return true
	}
	b.leaveOut(what, path, scratch.errs)
	return false
}

func (b *builder) leaveOut(what, path string, errs []Problem) {
	b.skipped++
	first := Problem{Code: CodeInvalidValue, Message: "invalid"}
	if len(errs) > 0 {
		first = errs[0]
	}
	w := b.main.warns
	if len(w.list) < maxWarnings {
		w.list = append(w.list, Problem{Path: path, Code: CodeSkipped,
			Message: fmt.Sprintf("%s left out: %s at %s: %s", what, first.Code, first.Path, first.Message)})
	}
}

// wireDoc is the document (or NDJSON header) with its items left raw, so each is
// decoded on its own and its problems carry its path.
type wireDoc struct {
	Schema      string            `json:"schema"`
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Address     string            `json:"address"`
	Units       Unit              `json:"units"`
	Georef      *Georef           `json:"georef"`
	Properties  Properties        `json:"properties"`
	Floors      []wireFloor       `json:"floors"`
	Connections []json.RawMessage `json:"connections"`
}

type wireFloor struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Level     int               `json:"level"`
	Elevation float64           `json:"elevation"`
	Height    float64           `json:"height"`
	Rooms     []json.RawMessage `json:"rooms"`
	Elements  []json.RawMessage `json:"elements"`
}

func (b *builder) document(raw []byte) error {
	var d wireDoc
	if !b.decodeStrict(raw, &d, "", documentKeys) {
		return b.main.err()
	}
	c := &b.chk
	c.base = ""
	switch {
	case d.Schema == "":
		b.ps.add("schema", CodeRequired, "required; supported: [%s]", SchemaV1)
	case d.Schema != SchemaV1:
		b.ps.add("schema", CodeUnsupportedSchema, "%q is not supported; supported: [%s]", d.Schema, SchemaV1)
	}
	c.str("id", d.ID, true, 256)
	c.str("name", d.Name, true, 256)
	c.str("address", d.Address, false, 0)
	f, ok := d.Units.Metres()
	if !ok {
		b.ps.add("units", CodeInvalidValue, "%q is not one of [m mm cm ft in]", d.Units)
	}
	if d.Units == "" {
		d.Units = "m"
	}
	b.m.norm = normaliser{f: f}
	if g := d.Georef; g != nil {
		if c.num("georef.lat", g.Lat) && math.Abs(g.Lat) > 90 {
			b.ps.add("georef.lat", CodeOutOfRange, "latitude %v is outside [-90, 90]", g.Lat)
		}
		if c.num("georef.lon", g.Lon) && math.Abs(g.Lon) > 180 {
			b.ps.add("georef.lon", CodeOutOfRange, "longitude %v is outside [-180, 180]", g.Lon)
		}
		c.num("georef.elevation", g.Elevation)
		c.num("georef.rotation", g.Rotation)
	}
	c.props("properties", d.Properties)
	c.base = ""
	switch {
	case len(d.Floors) == 0:
		b.ps.add("floors", CodeRequired, "a building needs at least one floor")
	case len(d.Floors) > b.opts.Limits.Floors:
		b.ps.add("floors", CodeLimitExceeded, "%d floors is over the limit of %d", len(d.Floors), b.opts.Limits.Floors)
		return b.main.err()
	}
	floors := make([]Floor, len(d.Floors))
	for i, wf := range d.Floors {
		fl := Floor{ID: wf.ID, Name: wf.Name, Level: wf.Level, Elevation: wf.Elevation, Height: wf.Height}
		path := itemPath("", "floors", i)
		c.floor(path, &fl)
		if _, dup := b.floorAt[fl.ID]; dup && fl.ID != "" {
			b.ps.add(path+".id", CodeDuplicateID, "floor id %q is used twice", fl.ID)
		}
		b.floorAt[fl.ID] = i
		b.m.norm.floor(&fl)
		floors[i] = fl
	}
	b.floors = floors
	b.selectFloors()
	if len(b.main.errs) > 0 {
		return b.main.err() // items cannot be placed in a broken header
	}
	kept := floors
	if b.keepFloor != nil {
		kept = nil
		for i, fl := range floors {
			if b.keepFloor[i] {
				kept = append(kept, fl)
			}
		}
	}
	for i, fl := range kept {
		b.m.floorIndex[fl.ID] = i
		b.m.Stats.ByFloor[fl.ID] = FloorStats{Min: geom.Vec2{math.Inf(1), math.Inf(1)}, Max: geom.Vec2{math.Inf(-1), math.Inf(-1)}}
	}
	if b.filtering {
		b.cuts = map[string][]geom.Opening{}
	}
	b.m.Building = Building{Schema: d.Schema, ID: d.ID, Name: d.Name, Address: d.Address, Units: d.Units,
		Georef: d.Georef, Properties: d.Properties, Floors: kept}
	b.m.Stats.Floors = len(kept)
	b.m.Stats.Properties += len(d.Properties)

	var nRooms, nElems int
	for i, wf := range d.Floors {
		if b.floorKept(i) {
			nRooms += len(wf.Rooms)
			nElems += len(wf.Elements)
		}
	}
	b.m.rooms = make([]Room, 0, nRooms)
	b.m.elements = make([]Element, 0, nElems)
	for i, wf := range d.Floors {
		for j, raw := range wf.Rooms {
			path := itemPath(itemPath("", "floors", i), "rooms", j)
			var r Room
			b.item("room", path, func() bool {
				return b.decodeStrict(raw, &r, path, roomKeys) && b.addRoom(&r, wf.ID, path, false)
			})
		}
		for j, raw := range wf.Elements {
			path := itemPath(itemPath("", "floors", i), "elements", j)
			var e Element
			b.item("element", path, func() bool {
				return b.decodeStrict(raw, &e, path, elementKeys) &&
					b.addElement(&e, wf.ID, path, where{floor: int32(i), index: int32(j)}, false)
			})
			if b.fatal() {
				return b.main.err()
			}
		}
	}
	for i, raw := range d.Connections {
		path := itemPath("", "connections", i)
		var cn Connection
		b.item("connection", path, func() bool {
			return b.decodeStrict(raw, &cn, path, connectionKeys) &&
				b.addConnection(&cn, path, where{floor: -1, index: int32(i)}, false)
		})
	}
	return nil
}

// selectFloors applies Options.Floors to the floors just read: an id that is
// not among them is a problem.
func (b *builder) selectFloors() {
	if len(b.opts.Floors) == 0 {
		return
	}
	want := map[string]bool{}
	for i, id := range b.opts.Floors {
		if _, ok := b.floorAt[id]; !ok {
			b.main.add(itemPath("options", "floors", i), CodeUnknownFloor,
				"floor %q is not in the model; its floors are %s", id, floorList(b.floors))
			continue
		}
		want[id] = true
	}
	b.filtering = true
	b.keepFloor = make([]bool, len(b.floors))
	for i, fl := range b.floors {
		b.keepFloor[i] = want[fl.ID]
	}
}

// floorList names a model's floors for a message, the first 20 of them.
func floorList(floors []Floor) string {
	const most = 20
	ids := make([]string, 0, min(len(floors), most))
	for _, fl := range floors[:min(len(floors), most)] {
		ids = append(ids, strconv.Quote(fl.ID))
	}
	list := "[" + strings.Join(ids, " ") + "]"
	if len(floors) > most {
		list = fmt.Sprintf("%s... (%d in all)", list[:len(list)-1], len(floors))
	}
	return list
}

// floorKept reports whether the filters keep the floor at index i of b.floors.
func (b *builder) floorKept(i int) bool { return b.keepFloor == nil || b.keepFloor[i] }

// fatal reports whether reading should stop: too many problems, a limit, or cancellation.
func (b *builder) fatal() bool {
	return b.main.full || b.ctx.Err() != nil || b.elemCount() > b.opts.Limits.Elements
}

// elemCount counts the elements read, kept or not: the limit is on the model.
func (b *builder) elemCount() int {
	return len(b.m.elements) + spoolLen(b.m.spools[kindElement]) + b.nFiltered
}

func spoolLen(s *spool) int {
	if s == nil {
		return 0
	}
	return s.n
}

// elementLine is an NDJSON element line, which may say "kind": "element".
type elementLine struct {
	Kind string `json:"kind"`
	Element
}

var kindKey = []byte(`"kind"`)

func (b *builder) lines(r *bufio.Reader) error {
	lineNo := 1
	for first := true; ; first = false {
		line, err := readLine(r, b.opts.Limits.LineBytes)
		if errors.Is(err, io.EOF) {
			break
		}
		if !first {
			lineNo++
		}
		path := linePath(lineNo)
		if errors.Is(err, errLineTooLong) {
			b.item("line", path, func() bool {
				b.ps.add(path, CodeLimitExceeded, "the line is over the limit of %d bytes", b.opts.Limits.LineBytes)
				return false
			})
			continue
		}
		if err != nil {
			return b.inputError(path, err)
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if first {
			b.ps.add(path, CodeInvalidJSON, "the NDJSON header must be alone on line 1")
			return b.main.err()
		}
		b.m.Source = "ndjson"
		kind := ""
		if bytes.Contains(line, kindKey) {
			var k struct {
				Kind string `json:"kind"`
			}
			json.Unmarshal(line, &k) // a broken line is reported by the decode below
			kind = k.Kind
		}
		switch kind {
		case "", "element":
			var e elementLine
			b.item("element", path, func() bool {
				return b.decodeStrict(line, &e, path, elementKeys) &&
					b.addElement(&e.Element, e.Floor, path, where{line: int32(lineNo)}, true)
			})
		case "room":
			var rm Room
			b.item("room", path, func() bool {
				return b.decodeStrict(line, &rm, path, roomKeys) && b.addRoom(&rm, rm.Floor, path, true)
			})
		case "connection":
			var cn Connection
			b.item("connection", path, func() bool {
				return b.decodeStrict(line, &cn, path, connectionKeys) &&
					b.addConnection(&cn, path, where{line: int32(lineNo)}, true)
			})
		default:
			b.item("line", path, func() bool {
				b.ps.add(path+".kind", CodeInvalidValue, "%q is not one of [element room connection]", kind)
				return false
			})
		}
		if b.fatal() {
			break
		}
	}
	if err := b.ctx.Err(); err != nil {
		return err
	}
	if b.elemCount() > b.opts.Limits.Elements {
		b.main.add("", CodeLimitExceeded, "more than %d elements", b.opts.Limits.Elements)
	}
	return b.main.err()
}

// floorOf checks an item's floor reference and returns the floor's index.
func (b *builder) floorOf(path, floor string) (int, bool) {
	if floor == "" {
		b.ps.add(path+".floor", CodeRequired, "an NDJSON line needs the id of its floor")
		return 0, false
	}
	i, ok := b.floorAt[floor]
	if !ok {
		b.ps.add(path+".floor", CodeUnknownReference, "floor %q does not exist", floor)
	}
	return i, ok
}

// store keeps a checked, normalised item: in memory when it came with the
// header (spool is false), else encoded in a spool file.
func store[T any](b *builder, kind int, mem *[]T, item *T, spooled bool, encode func(*encoder, *T)) (int, error) {
	if !spooled {
		*mem = append(*mem, *item)
		return len(*mem) - 1, nil
	}
	sp := b.m.spools[kind]
	if sp == nil {
		var err error
		if sp, err = newSpool(b.opts.TempDir); err != nil {
			return 0, err
		}
		b.m.spools[kind] = sp
	}
	seq := len(*mem) + sp.n
	return seq, sp.add(func(e *encoder) { encode(e, item) })
}

func (b *builder) addRoom(r *Room, floor, path string, fromLine bool) bool {
	fi, ok := b.floorOf(path, floor)
	ok = b.chk.room(path, r) && ok
	if _, dup := b.roomIDs[r.ID]; dup {
		b.ps.add(path+".id", CodeDuplicateID, "room id %q is used twice", r.ID)
		ok = false
	}
	if !ok {
		return false
	}
	fl := b.floors[fi]
	b.m.norm.room(r, fl.ID, fl.Height)
	if !b.floorKept(fi) {
		b.roomIDs[r.ID] = -1 // known, so references to it resolve, but not kept
		return true
	}
	seq, err := store(b, kindRoom, &b.m.rooms, r, fromLine, (*encoder).room)
	if err != nil {
		b.main.add(path, CodeInvalidValue, "cannot keep the room: %v", err)
		return false
	}
	b.roomIDs[r.ID] = seq
	st := &b.m.Stats
	st.Rooms++
	st.Properties += len(r.Properties)
	fs := st.ByFloor[fl.ID]
	fs.Rooms++
	min, max := geom.BBox2(r.Boundary)
	b.grow(&fs, fl.Elevation, geom.Vec3{min[0], min[1], 0}, geom.Vec3{max[0], max[1], r.Height})
	st.ByFloor[fl.ID] = fs
	return true
}

func (b *builder) grow(fs *FloorStats, elevation float64, min, max geom.Vec3) {
	st := &b.m.Stats
	for k := range 2 {
		fs.Min[k] = math.Min(fs.Min[k], min[k])
		fs.Max[k] = math.Max(fs.Max[k], max[k])
	}
	for k := range 3 {
		lo, hi := min[k], max[k]
		if k == 2 {
			lo, hi = lo+elevation, hi+elevation
		}
		st.Min[k] = math.Min(st.Min[k], lo)
		st.Max[k] = math.Max(st.Max[k], hi)
	}
}

func (b *builder) addElement(e *Element, floor, path string, at where, fromLine bool) bool {
	fi, ok := b.floorOf(path, floor)
	ok = b.chk.element(path, e) && ok
	if _, dup := b.elemIDs.get(e.ID); dup {
		b.ps.add(path+".id", CodeDuplicateID, "element id %q is used twice", e.ID)
		ok = false
	}
	if !ok {
		return false
	}
	fl := b.floors[fi]
	b.m.norm.element(e, fl.ID)
	keep := b.floorKept(fi) && (b.keepType == nil || b.keepType[e.Type])
	g := &e.Geometry
	// References to items already settled are checked now; the rest (forward
	// references, or to items that may still be dropped) wait for finish. Rooms
	// are never dropped later, so a known room settles its reference.
	_, roomKnown := b.roomIDs[e.Room]
	pendingRoom := e.Room != "" && !roomKnown
	pendingHost := false
	var opening geom.Opening
	if e.Host != "" {
		opening = geom.Opening{Offset: g.Offset, Width: g.Width, Sill: g.Sill, Height: g.Height}
		// An element that may still be dropped must not cut its wall yet.
		if b.settled(e.Host) && !pendingRoom {
			if !b.checkHost(path, e.Host, opening) {
				return false
			}
		} else {
			pendingHost = true
		}
	}
	// An element the filters leave out is checked in full all the same, and
	// known by its id, but not kept.
	var key int
	if keep {
		seq, err := store(b, kindElement, &b.m.elements, e, fromLine, (*encoder).element)
		if err != nil {
			b.main.add(path, CodeInvalidValue, "cannot keep the element: %v", err)
			return false
		}
		key = seq
	} else {
		b.nFiltered++
		key = -b.nFiltered
	}
	var wall *wallLine
	if e.Type == "wall" && g.Kind == KindLine {
		wall = &wallLine{start: *g.Start, end: *g.End, thickness: g.Thickness, height: g.Height, base: g.Base}
	}
	b.elemIDs.add(e.ID, key, wall)
	if e.Host != "" && !pendingHost {
		b.cut(fi, e.Host, opening, keep)
	}
	if pendingRoom || pendingHost {
		r := ref{seq: int32(key), floor: int32(fi), at: at, typ: uint8(slices.Index(ElementTypes, e.Type)), opening: opening}
		if pendingRoom {
			r.room = e.Room
		}
		if pendingHost {
			r.host = e.Host
		}
		b.refs = append(b.refs, r)
		b.pending[key] = true
	}
	if !keep {
		return true
	}
	st := &b.m.Stats
	st.Elements++
	st.ByType[e.Type]++
	st.Properties += len(e.Properties)
	fs := st.ByFloor[fl.ID]
	fs.Elements++
	if min, max, ok := g.Bounds(); ok {
		b.grow(&fs, fl.Elevation, min, max)
	}
	st.ByFloor[fl.ID] = fs
	return true
}

// settled reports whether an element exists and can no longer be dropped.
func (b *builder) settled(id string) bool {
	key, ok := b.elemIDs.get(id)
	return ok && !b.pending[key] && !b.isDropped(key)
}

// isDropped reports whether the element with the given key in elemIDs was
// left out as invalid.
func (b *builder) isDropped(key int) bool {
	if key < 0 {
		return b.dropped[key]
	}
	return b.m.skip[kindElement][key]
}

// cut records an opening that fits its host. Only kept openings cut the
// model's walls; an opening kept whose host the filters leave out stands on
// its own, and is counted in the stats' bounds (with its host it is not: the
// wall's bounds hold it).
func (b *builder) cut(fi int, host string, o geom.Opening, kept bool) {
	b.cuts[host] = append(b.cuts[host], o)
	if !kept || !b.filtering {
		return // without filters, b.cuts is m.openings
	}
	b.m.openings[host] = append(b.m.openings[host], o)
	if key, _ := b.elemIDs.get(host); key >= 0 {
		return
	}
	b.detached++
	line, _ := b.elemIDs.wall(host)
	wall := line.geometry()
	part := openingPart(&wall, o)
	if min, max, ok := part.Bounds(); ok {
		fl := b.floors[fi]
		fs := b.m.Stats.ByFloor[fl.ID]
		b.grow(&fs, fl.Elevation, min, max)
		b.m.Stats.ByFloor[fl.ID] = fs
	}
}

// checkHost checks that an opening fits its host wall and the wall's other openings.
func (b *builder) checkHost(path, host string, o geom.Opening) bool {
	wall, isWall := b.elemIDs.wall(host)
	if !isWall {
		b.ps.add(path+".host", CodeInvalidHost, "host %q is not a wall with line geometry", host)
		return false
	}
	if why := geom.WallOpeningProblem(wall.length(), wall.height, o, b.cuts[host]); why != "" {
		b.ps.add(path+".geometry", CodeOpeningOutside, "does not fit host wall %q: %s", host, why)
		return false
	}
	return true
}

func (b *builder) addConnection(cn *Connection, path string, at where, fromLine bool) bool {
	c := &b.chk
	c.base = path
	ok := c.str("from", cn.From, true, 256)
	ok = c.str("to", cn.To, true, 256) && ok
	ok = c.oneOf("type", cn.Type, ConnectionTypes) && ok
	ok = c.str("spec", cn.Spec, false, 0) && ok
	if !ok {
		return false
	}
	cn.Kind = ""
	fk, fok := b.elemIDs.get(cn.From)
	tk, tok := b.elemIDs.get(cn.To)
	if (fok && fk < 0) || (tok && tk < 0) {
		// An end is left out by the filters, so the connection is too; an end
		// not read yet must exist all the same.
		if !fok || !tok {
			b.conns = append(b.conns, connRef{seq: -1, at: at, from: cn.From, to: cn.To})
		}
		return true
	}
	seq, err := store(b, kindConnection, &b.m.conns, cn, fromLine, (*encoder).connection)
	if err != nil {
		b.main.add(path, CodeInvalidValue, "cannot keep the connection: %v", err)
		return false
	}
	if !b.settled(cn.From) || !b.settled(cn.To) {
		b.conns = append(b.conns, connRef{seq: int32(seq), at: at, from: cn.From, to: cn.To})
	}
	b.m.Stats.Connections++
	return true
}

// finish resolves references in dependency order (rooms, then hosts, then
// connections), so an item left out takes the items that need it along.
func (b *builder) finish() (*Model, error) {
	m := b.m
	st := &m.Stats
	dropElement := func(r ref) {
		if r.seq < 0 {
			b.dropped[int(r.seq)] = true // not kept anyway
			return
		}
		m.skip[kindElement][int(r.seq)] = true
		st.Elements--
		st.ByType[ElementTypes[r.typ]]--
		id := b.floors[r.floor].ID
		fs := st.ByFloor[id]
		fs.Elements--
		st.ByFloor[id] = fs
	}
	elementOK := func(id string) bool {
		key, ok := b.elemIDs.get(id)
		return ok && !b.isDropped(key)
	}
	for _, r := range b.refs {
		if r.room == "" {
			continue
		}
		path := r.at.path("elements")
		if !b.item("element", path, func() bool {
			if _, ok := b.roomIDs[r.room]; !ok {
				b.ps.add(path+".room", CodeUnknownReference, "room %q does not exist", r.room)
				return false
			}
			return true
		}) {
			dropElement(r)
		}
	}
	for _, r := range b.refs {
		if r.host == "" || b.isDropped(int(r.seq)) {
			continue
		}
		path := r.at.path("elements")
		if !b.item("element", path, func() bool {
			if !elementOK(r.host) {
				b.ps.add(path+".host", CodeUnknownReference, "host wall %q does not exist", r.host)
				return false
			}
			if !b.checkHost(path, r.host, r.opening) {
				return false
			}
			b.cut(int(r.floor), r.host, r.opening, r.seq >= 0)
			return true
		}) {
			dropElement(r)
		}
	}
	for _, c := range b.conns {
		path := c.at.path("")
		filtered := false
		ok := b.item("connection", path, func() bool {
			ok := true
			for _, end := range []struct{ field, id string }{{"from", c.from}, {"to", c.to}} {
				key, exists := b.elemIDs.get(end.id)
				switch {
				case exists && key < 0:
					filtered = true // left out by the filters: not a problem
				case !exists || b.isDropped(key):
					b.ps.add(path+"."+end.field, CodeUnknownReference, "element %q does not exist", end.id)
					ok = false
				}
			}
			return ok
		})
		if (!ok || filtered) && c.seq >= 0 {
			m.skip[kindConnection][int(c.seq)] = true
			st.Connections--
		}
	}
	for _, sp := range m.spools {
		if sp != nil {
			if err := sp.finish(); err != nil {
				return nil, fmt.Errorf("model spool: %w", err)
			}
		}
	}
	if err := b.main.err(); err != nil {
		return nil, err
	}
	for typ, n := range st.ByType {
		if n == 0 {
			delete(st.ByType, typ)
		}
	}
	if st.Min[0] > st.Max[0] {
		st.Min, st.Max = geom.Vec3{}, geom.Vec3{}
	}
	for id, fs := range st.ByFloor {
		if fs.Min[0] > fs.Max[0] {
			fs.Min, fs.Max = geom.Vec2{}, geom.Vec2{}
			st.ByFloor[id] = fs
		}
	}
	m.Warnings = slices.Clone(b.main.warns.list)
	if b.skipped > 0 && len(m.Warnings) >= maxWarnings {
		m.Warnings = append(m.Warnings, Problem{Code: CodeSkipped,
			Message: fmt.Sprintf("%d items left out in all; the first are listed", b.skipped)})
	}
	if b.detached > 0 {
		m.Warnings = append(m.Warnings, Problem{Path: "options", Code: CodeHostFilteredOut,
			Message: fmt.Sprintf("%d doors and windows are kept without their host walls, which options.floors "+
				"or options.types leave out; each keeps its place and size in its wall", b.detached)})
	}
	m.walls = map[string]Geometry{}
	for id := range m.openings {
		line, _ := b.elemIDs.wall(id)
		if key, _ := b.elemIDs.get(id); key < 0 {
			// The host is left out: its openings stand on their own.
			if m.hosts == nil {
				m.hosts = map[string]Geometry{}
			}
			m.hosts[id] = line.geometry()
			delete(m.openings, id)
			continue
		}
		m.walls[id] = line.geometry()
	}
	b.refs, b.conns, b.elemIDs, b.cuts = nil, nil, nil, nil
	return m, nil
}
