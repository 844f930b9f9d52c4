// Package gen writes synthetic buildings in Building Model v1 (MODEL.md): realistic,
// valid and deterministic, from ten elements to ten million, as a JSON document or an
// NDJSON stream. Tests, benchmarks and demos use it instead of hand-made models.
//
// A building is a stack of floors over one footprint (a rectangle, or an L on some
// seeds). Each floorplate is a set of strips: rooms on both sides of a corridor,
// divided by partitions on a structural grid. Floors are generated one after the
// other, each from its own random stream, and written as they are made, so memory
// stays flat however large the building.
package gen

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/arxos/arxport/model"
)

// Options say what to generate.
type Options struct {
	// Elements is the number of elements wanted; the result is within a few per cent
	// for 1,000 and more. Zero or less means 1,000.
	Elements int
	// Floors is the number of storeys; 0 chooses about one per 800 elements (1 to 200).
	Floors int
	// Seed picks the building; the same options always give the same bytes.
	Seed int64
	// NDJSON writes the stream form (header line, then room, element and connection
	// lines) instead of one JSON document.
	NDJSON bool
	// Units is the unit every length is written in: m (default), mm, cm, ft or in.
	Units model.Unit
}

// Stats count what Write wrote.
type Stats struct {
	Floors, Rooms, Elements, Connections int
	// ByType counts elements by type (wall, door, equipment...).
	ByType map[string]int
}

// Write writes a building of about opts.Elements elements to w.
func Write(w io.Writer, opts Options) (Stats, error) {
	p, err := newPlan(opts)
	if err != nil {
		return Stats{}, err
	}
	g := &gen{p: p, bw: bufio.NewWriterSize(w, 256<<10), write: true,
		stats: Stats{Floors: len(p.floors), ByType: map[string]int{}}}
	g.header()
	for i := range p.floors {
		g.floor(i)
		if err := g.err(); err != nil {
			return g.stats, err
		}
	}
	if !p.ndjson {
		// The document lists connections after every floor. Rather than hold them
		// all, a second pass regenerates each floor without writing it and writes
		// only its connections: the floors are deterministic, so the ids match.
		g.bw.WriteString("],\n\"connections\":[")
		g.write, g.connsOnly, g.first = false, true, true
		for i := range p.floors {
			g.floor(i)
			if err := g.err(); err != nil {
				return g.stats, err
			}
		}
		g.bw.WriteString("\n]}\n")
	}
	if err := g.bw.Flush(); err != nil {
		return g.stats, err
	}
	return g.stats, nil
}

// gen is one run of Write.
type gen struct {
	p         *plan
	bw        *bufio.Writer
	write     bool // write rooms and elements (false in the document's connection pass)
	connsOnly bool // write the floor's connections as document array items
	first     bool // no item written yet in the current JSON array
	stats     Stats
	fg        floorGen // reused from floor to floor

	// The building's own plant, on the ground floor: every floor's panels,
	// switches, fire panels and water heaters are fed from these.
	mains [4]int // main switchboard, core switch, fire alarm control panel, booster pump
}

func (g *gen) err() error {
	// bufio.Writer keeps its first error; a Write of nothing reports it.
	_, err := g.bw.Write(nil)
	return err
}

// plan is what every floor shares: the footprint, the grid and the floor stack.
type plan struct {
	seed   uint64
	ndjson bool
	units  model.Unit
	len    lengths

	id, name, address string
	lat, lon, elev    float64
	rotation          float64
	yearBuilt         int
	mainsVolts        string // spec of a socket circuit: 120V/1PH/20A...

	bx, dr, corr float64 // bay width, room depth, corridor width
	nx, ns       int     // bays along x, strips along y
	sd           float64 // strip depth: room, corridor, room
	width, depth float64 // the rectangle of the strips
	lshape       bool    // a hall wing on the north-east corner
	hallBays     int
	hallDepth    float64
	shaft        bool // a riser shaft through every floor
	lean         bool // a tiny building: no columns, beams or plant rooms
	footprint    [][2]float64
	exterior     string // exterior wall material

	floors []floorPlan
}

type floorPlan struct {
	id, name  string
	level     int
	elevation float64
	height    float64
	budget    int // elements wanted on this floor
}

type city struct {
	name, street   string
	lat, lon, elev float64
	volts          string
	country        string
}

var cities = []city{
	{"New York", "Innovation Drive", 40.7128, -74.0060, 10, "120V/1PH/20A", "US"},
	{"London", "Bishopsgate", 51.5074, -0.1278, 11, "230V/1PH/32A", "UK"},
	{"Berlin", "Friedrichstraße", 52.5200, 13.4050, 34, "230V/1PH/16A", "DE"},
	{"Tokyo", "Marunouchi", 35.6762, 139.6503, 40, "100V/1PH/20A", "JP"},
	{"São Paulo", "Avenida Paulista", -23.5505, -46.6333, 760, "127V/1PH/20A", "BR"},
	{"Sydney", "George Street", -33.8688, 151.2093, 3, "230V/1PH/10A", "AU"},
	{"Nairobi", "Kenyatta Avenue", -1.2921, 36.8219, 1795, "240V/1PH/13A", "KE"},
	{"Zürich", "Bahnhofstrasse", 47.3769, 8.5417, 408, "230V/1PH/16A", "CH"},
	{"Singapore", "Raffles Place", 1.2840, 103.8510, 15, "230V/1PH/13A", "SG"},
	{"Toronto", "Bay Street", 43.6532, -79.3832, 76, "120V/1PH/15A", "CA"},
	{"Montréal", "Rue Sainte-Catherine", 45.5019, -73.5674, 36, "120V/1PH/15A", "CA"},
	{"Shanghai", "Lujiazui Ring Road", 31.2304, 121.4737, 4, "220V/1PH/16A", "CN"},
}

var buildingKinds = []string{"Tower", "Centre", "House", "Plaza", "Works", "Exchange", "Court", "Hub"}

// unitLengths gives the scale of a unit and the decimals that keep 0.1 mm or finer.
var unitLengths = map[model.Unit]lengths{
	"m":  {1, 4},
	"cm": {100, 2},
	"mm": {1000, 1},
	"ft": {1 / 0.3048, 4},
	"in": {1 / 0.0254, 3},
}

func newPlan(o Options) (*plan, error) {
	if o.Units == "" {
		o.Units = "m"
	}
	l, ok := unitLengths[o.Units]
	if !ok {
		return nil, fmt.Errorf("gen: unknown units %q (want m, mm, cm, ft or in)", o.Units)
	}
	n := o.Elements
	if n <= 0 {
		n = 1000
	}
	if o.Floors < 0 || o.Floors > 1000 {
		return nil, fmt.Errorf("gen: %d floors is outside 0..1000", o.Floors)
	}
	p := &plan{seed: uint64(o.Seed), ndjson: o.NDJSON, units: o.Units, len: l}
	rng := rand.New(rand.NewPCG(p.seed, 0x5eed_b1d9))

	c := cities[rng.IntN(len(cities))]
	p.lat = round(c.lat+(rng.Float64()-0.5)*0.04, 1e6)
	p.lon = round(c.lon+(rng.Float64()-0.5)*0.04, 1e6)
	p.elev = round(c.elev+rng.Float64()*8, 10)
	p.rotation = round(rng.Float64()*360, 10)
	p.mainsVolts = c.volts
	p.yearBuilt = 1965 + rng.IntN(60)
	kind := buildingKinds[rng.IntN(len(buildingKinds))]
	p.name = c.name + " " + kind
	if rng.IntN(4) == 0 {
		p.name = c.street + " " + kind + " & Annex"
	}
	p.id = "ARXOS-GEN-" + c.country + "-" + string(appendHex(nil, p.seed^p.seed>>32))
	p.address = strconv.Itoa(1+rng.IntN(480)) + " " + c.street + ", " + c.name
	p.exterior = []string{"concrete", "brick", "curtain wall", "precast concrete"}[rng.IntN(4)]

	// Floors: about 800 elements each; past 200 floors the floorplates grow.
	floors := o.Floors
	if floors == 0 {
		floors = min(max(int(math.Round(float64(n)/800)), 1), 200)
	}
	per := float64(n) / float64(floors)
	p.lean = per < 120

	// The grid: contents per room rise with the floor's size (open-plan floors are
	// dense); structure costs about six elements per room.
	p.bx = []float64{5.4, 6.0, 6.6, 7.2}[rng.IntN(4)]
	p.dr = []float64{5.4, 6.0, 6.6, 7.2}[rng.IntN(4)]
	p.corr = []float64{2.0, 2.4, 2.8}[rng.IntN(3)]
	perRoom := min(max(per/70, 8), 24) + 6
	rooms := per / perRoom
	bayStrips := max(rooms/2.1, 1)
	p.ns = max(int(math.Round(math.Sqrt(bayStrips/5))), 1)
	p.nx = max(int(math.Round(bayStrips/float64(p.ns))), 1)
	p.sd = 2*p.dr + p.corr
	p.width = float64(p.nx) * p.bx
	p.depth = float64(p.ns) * p.sd
	p.shaft = p.nx >= 3
	if p.nx >= 4 && rng.IntN(5) < 2 {
		p.lshape = true
		p.hallBays = max(2, p.nx/4)
		p.hallDepth = p.dr
	}
	if p.lshape {
		xh := p.width - float64(p.hallBays)*p.bx
		p.footprint = [][2]float64{{0, 0}, {p.width, 0}, {p.width, p.depth + p.hallDepth},
			{xh, p.depth + p.hallDepth}, {xh, p.depth}, {0, p.depth}}
	} else {
		p.footprint = [][2]float64{{0, 0}, {p.width, 0}, {p.width, p.depth}, {0, p.depth}}
	}

	typical := []float64{3.5, 3.6, 3.75, 3.8}[rng.IntN(4)]
	elev := 0.0
	for i := range floors {
		fp := floorPlan{id: "L" + strconv.Itoa(i+1), level: i, elevation: elev, height: typical,
			budget: n / floors}
		if i < n%floors {
			fp.budget++
		}
		switch {
		case i == 0:
			fp.name, fp.height = "Ground Floor", 4.0
		case i%15 == 0:
			fp.name, fp.height = "Plant Level "+strconv.Itoa(i), 4.0
		case i == floors-1 && floors > 2:
			fp.name = "Top Floor"
		default:
			fp.name = "Level " + strconv.Itoa(i)
		}
		p.floors = append(p.floors, fp)
		elev += fp.height
	}
	return p, nil
}

func round(v, steps float64) float64 { return math.Round(v*steps) / steps }
