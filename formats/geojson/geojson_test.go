package geojson_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/formats/formattest"
	egeo "github.com/arxos/arxport/formats/geojson"
	"github.com/arxos/arxport/formats/json/fixture"
	"github.com/arxos/arxport/model"
)

// The mixed fixture has no georef; these variants place it in Oslo.
var (
	mixedGeo       = strings.Replace(fixture.Mixed, `"units": "cm",`, `"units": "cm", "georef": {"lat": 59.9139, "lon": 10.7522, "elevation": 23, "rotation": -12.5},`, 1)
	mixedGeoNDJSON = strings.Replace(fixture.MixedNDJSON, `"units": "cm",`, `"units": "cm", "georef": {"lat": 59.9139, "lon": 10.7522, "elevation": 23, "rotation": -12.5},`, 1)
)

func TestConformance(t *testing.T) {
	if mixedGeo == fixture.Mixed || mixedGeoNDJSON == fixture.MixedNDJSON {
		t.Fatal("could not add a georef to the mixed fixture")
	}
	formattest.Run(t, "geojson", fixture.Lobby, mixedGeo, mixedGeoNDJSON)
}

func write(t testing.TB, m *model.Model, opts map[string]any) (*formattest.Memory, []model.Problem, error) {
	t.Helper()
	return formattest.Convert(t, "geojson", m, opts)
}

// signedArea is the shoelace area of a closed ring in degrees², positive
// counter-clockwise (x = longitude east, y = latitude north).
func signedArea(r orb.Ring) float64 {
	s := 0.0
	for i := 0; i+1 < len(r); i++ {
		ax, ay := r[i][0]-r[0][0], r[i][1]-r[0][1]
		bx, by := r[i+1][0]-r[0][0], r[i+1][1]-r[0][1]
		s += ax*by - bx*ay
	}
	return s / 2
}

// checkCollection reads a file back with orb/geojson and checks RFC 7946's
// rules on every geometry: rings closed, of four positions or more, the
// exterior counter-clockwise and holes clockwise; positions in range.
func checkCollection(t testing.TB, b []byte) *geojson.FeatureCollection {
	t.Helper()
	if !json.Valid(b) {
		t.Fatalf("not JSON:\n%s", b)
	}
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil {
		t.Fatalf("orb/geojson cannot read it: %v", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["crs"]; ok {
		t.Error("RFC 7946 has no crs member")
	}
	inRange := func(p orb.Point) {
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.Abs(p[0]) > 180 || math.Abs(p[1]) > 90 {
			t.Errorf("position %v out of range", p)
		}
	}
	for i, f := range fc.Features {
		switch g := f.Geometry.(type) {
		case orb.Point:
			inRange(g)
		case orb.LineString:
			if len(g) < 2 {
				t.Errorf("feature %d: LineString of %d positions", i, len(g))
			}
			for _, p := range g {
				inRange(p)
			}
		case orb.Polygon:
			for k, r := range g {
				for _, p := range r {
					inRange(p)
				}
				if len(r) < 4 || r[0] != r[len(r)-1] {
					t.Errorf("feature %d (%v) ring %d: not closed or too short: %v", i, f.Properties["id"], k, r)
					continue
				}
				a := signedArea(r)
				if k == 0 && !(a > 0) {
					t.Errorf("feature %d (%v): exterior ring not counter-clockwise (area %g)", i, f.Properties["id"], a)
				}
				if k > 0 && !(a < 0) {
					t.Errorf("feature %d (%v): hole %d not clockwise (area %g)", i, f.Properties["id"], k-1, a)
				}
			}
		case nil:
			t.Errorf("feature %d (%v) has no geometry", i, f.Properties["id"])
		default:
			t.Errorf("feature %d: unexpected geometry %T", i, g)
		}
	}
	return fc
}

func TestFeatures(t *testing.T) {
	for name, text := range map[string]string{"lobby": fixture.Lobby, "mixed": mixedGeo, "mixed.ndjson": mixedGeoNDJSON} {
		t.Run(name, func(t *testing.T) {
			m := formattest.Open(t, text)
			out, warnings, err := write(t, m, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) > 0 {
				t.Errorf("warnings: %v", warnings)
			}
			if got := out.Names(); len(got) != 1 || got[0] != "model.geojson" || out.Types["model.geojson"] != "application/geo+json" {
				t.Fatalf("files %v types %v", got, out.Types)
			}
			fc := checkCollection(t, out.Files["model.geojson"].Bytes())
			if len(fc.Features) != m.Stats.Rooms+m.Stats.Elements {
				t.Errorf("%d features, want %d rooms + %d elements", len(fc.Features), m.Stats.Rooms, m.Stats.Elements)
			}
			rooms := 0
			for _, f := range fc.Features {
				p := f.Properties
				typ, _ := p["type"].(string)
				want := "Polygon"
				switch {
				case p["kind"] == "room":
					rooms++
				case typ == "door" || typ == "window":
					want = "LineString"
				case typ == "equipment":
					want = "Point"
				case p["id"] == "MESH-open":
					want = "LineString" // a vertical sheet: its plan is a line
				}
				if f.Geometry.GeoJSONType() != want {
					t.Errorf("%s %v: %s, want %s", p["kind"], p["id"], f.Geometry.GeoJSONType(), want)
				}
				for _, k := range []string{"id", "kind", "floor", "level", "elevation", "height"} {
					if _, ok := p[k]; !ok {
						t.Errorf("%v: no property %s", p["id"], k)
					}
				}
			}
			if rooms != m.Stats.Rooms {
				t.Errorf("%d room features, want %d", rooms, m.Stats.Rooms)
			}
		})
	}
}

func TestGenerated(t *testing.T) {
	m := formattest.Open(t, generated(t, 3000))
	var opts map[string]any
	if m.Building.Georef == nil {
		opts = map[string]any{"origin": "40.7128,-74.006"}
	}
	out, warnings, err := write(t, m, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	fc := checkCollection(t, out.Files["model.geojson"].Bytes())
	if len(fc.Features) != m.Stats.Rooms+m.Stats.Elements {
		t.Errorf("%d features, want %d", len(fc.Features), m.Stats.Rooms+m.Stats.Elements)
	}
}

func featureByID(fc *geojson.FeatureCollection, id string) *geojson.Feature {
	for _, f := range fc.Features {
		if f.Properties["id"] == id {
			return f
		}
	}
	return nil
}

func TestProperties(t *testing.T) {
	m := formattest.Open(t, mixedGeo)
	out, _, err := write(t, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	fc := checkCollection(t, out.Files["model.geojson"].Bytes())
	ahu := featureByID(fc, "AHU-1")
	if ahu == nil {
		t.Fatal("no AHU-1")
	}
	for k, want := range map[string]any{
		"kind": "element", "type": "equipment", "system": "hvac", "status": "warning", "floor": "L1/east",
		"level": 1.0, "elevation": 23.0, "base": 0.0, "height": 0.5,
		// Own properties named like the writer's own are renamed, never lost.
		"property:type": "AHU", "property:id": "shadow", "property:kind": "clash", "property:property:x": 1.0,
	} {
		if got := ahu.Properties[k]; got != want {
			t.Errorf("AHU-1 %s = %#v, want %#v", k, got, want)
		}
	}
	// The equipment point is the box centre: 4.5 m, 3.5 m from the origin.
	ring := featureByID(fc, "R-ring")
	if p := ring.Properties; p["elevation"] != 23-3.5 || p["area_m2"] != 96.0 || p["name"] != "Courtyard ring" {
		t.Errorf("R-ring properties %v", p)
	}
	if poly := ring.Geometry.(orb.Polygon); len(poly) != 2 {
		t.Errorf("R-ring has %d rings, want outline and hole", len(poly))
	}
	if poly := featureByID(fc, "COL-1").Geometry.(orb.Polygon); len(poly) != 2 {
		t.Errorf("COL-1 has %d rings, want profile and hole", len(poly))
	}
	if name := featureByID(fc, "MESH-closed").Properties["name"]; name != "tetra\x01\x1f\uffff\ufffd!" {
		t.Errorf("name %q", name)
	}
	b := out.Files["model.geojson"].String()
	if !strings.Contains(b, `"name":"Ünïcödé <Tower> & \"Annex\" 'B' 東京タワー 🏢"`) {
		t.Error("collection name missing")
	}
}

// Positions: the lobby's corners, computed independently: the model's +Y axis
// is 29° east of north, so local (0, 10) lies 10 m away at azimuth 29°.
func TestPositions(t *testing.T) {
	m := formattest.Open(t, fixture.Lobby)
	out, _, err := write(t, m, map[string]any{"decimals": 12})
	if err != nil {
		t.Fatal(err)
	}
	fc := checkCollection(t, out.Files["model.geojson"].Bytes())
	lobby := featureByID(fc, "101").Geometry.(orb.Polygon)[0]
	if lobby[0] != (orb.Point{-74.006, 40.7128}) {
		t.Errorf("origin corner at %v", lobby[0])
	}
	p := egeo.NewProjection(40.7128, -74.006, 0)
	rad := 29 * math.Pi / 180
	want := p.Project(10*math.Sin(rad), 10*math.Cos(rad)) // (0, 10) of the model, rotation applied by hand
	if !slices.ContainsFunc(lobby, func(q orb.Point) bool {
		return math.Abs(q[0]-want[0]) < 1e-11 && math.Abs(q[1]-want[1]) < 1e-11
	}) {
		t.Errorf("corner (0, 10) not at %v: %v", want, lobby)
	}
	// The thermostat is a point at its box centre, 3 m x 4 m from the origin.
	pt := featureByID(fc, "HVAC_01").Geometry.(orb.Point)
	if got := egeo.NewProjection(40.7128, -74.006, 29).Project(3, 4); math.Abs(pt[0]-got[0]) > 1e-11 || math.Abs(pt[1]-got[1]) > 1e-11 {
		t.Errorf("thermostat at %v, want %v", pt, got)
	}
}

func TestNoGeoref(t *testing.T) {
	m := formattest.Open(t, fixture.Mixed)
	out, _, err := write(t, m, nil)
	var inv *model.InvalidError
	if !errors.As(err, &inv) || len(inv.Problems) != 1 || inv.Problems[0].Code != egeo.CodeNoGeoref {
		t.Fatalf("got %v, want a %s problem", err, egeo.CodeNoGeoref)
	}
	if len(out.Names()) != 0 {
		t.Errorf("files written: %v", out.Names())
	}
	for _, bad := range []string{"abc", "91,0", "0,181", "1;2", "NaN,0"} {
		_, _, err := write(t, m, map[string]any{"origin": bad})
		if !errors.As(err, &inv) || inv.Problems[0].Code != formats.CodeInvalidOption {
			t.Errorf("origin %q: got %v", bad, err)
		}
	}
	out, _, err = write(t, m, map[string]any{"origin": " 59.9139, 10.7522 "})
	if err != nil {
		t.Fatal(err)
	}
	fc := checkCollection(t, out.Files["model.geojson"].Bytes())
	if first := featureByID(fc, "R-ring").Geometry.(orb.Polygon)[0][0]; first != (orb.Point{10.7522, 59.9139}) {
		t.Errorf("origin corner at %v", first)
	}
	// The option overrides a georef's position.
	out, _, err = write(t, formattest.Open(t, fixture.Lobby), map[string]any{"origin": "1,2"})
	if err != nil {
		t.Fatal(err)
	}
	if first := featureByID(checkCollection(t, out.Files["model.geojson"].Bytes()), "101").Geometry.(orb.Polygon)[0][0]; first != (orb.Point{2, 1}) {
		t.Errorf("origin corner at %v", first)
	}
}

func TestPerFloor(t *testing.T) {
	m := formattest.Open(t, mixedGeoNDJSON)
	out, _, err := write(t, m, map[string]any{"per_floor": true, "bbox": true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"model.B1.geojson", "model.L1_east.geojson"}
	if !slices.Equal(out.Names(), want) {
		t.Fatalf("files %v, want %v", out.Names(), want)
	}
	for i, name := range want {
		b := out.Files[name].Bytes()
		fc := checkCollection(t, b)
		fl := m.Building.Floors[i]
		fs := m.Stats.ByFloor[fl.ID]
		if len(fc.Features) != fs.Rooms+fs.Elements {
			t.Errorf("%s: %d features, want %d", name, len(fc.Features), fs.Rooms+fs.Elements)
		}
		for _, f := range fc.Features {
			if f.Properties["floor"] != fl.ID {
				t.Errorf("%s holds a feature of floor %v", name, f.Properties["floor"])
			}
			// Each feature's bbox holds its geometry, and the collection's every feature's.
			fb := f.BBox.Bound()
			if !f.BBox.Valid() || !fb.Contains(f.Geometry.Bound().Min) || !fb.Contains(f.Geometry.Bound().Max) {
				t.Errorf("%v: bbox %v does not hold %v", f.Properties["id"], f.BBox, f.Geometry.Bound())
			}
			if !fc.BBox.Bound().Contains(fb.Min) || !fc.BBox.Bound().Contains(fb.Max) {
				t.Errorf("collection bbox %v does not hold %v", fc.BBox, fb)
			}
		}
	}
}

func TestFloorFileNames(t *testing.T) {
	text := strings.Replace(fixture.Lobby, `{"id": "L1", "name": "Ground Floor", "level": 0, "elevation": 0.0, "height": 4.0,`,
		`{"id": "L/1", "height": 3}, {"id": "L:1", "height": 3}, {"id": ".hidden", "height": 3}, {"id": "東京", "height": 3},
		 {"id": "L1", "name": "Ground Floor", "level": 0, "elevation": 0.0, "height": 4.0,`, 1)
	m := formattest.Open(t, text)
	out, _, err := write(t, m, map[string]any{"per_floor": true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"model.L_1.geojson", "model.L_1_2.geojson", "model._hidden.geojson", "model.東京.geojson", "model.L1.geojson"}
	if !slices.Equal(out.Names(), want) {
		t.Errorf("files %v, want %v", out.Names(), want)
	}
	for _, n := range out.Names() {
		fc := checkCollection(t, out.Files[n].Bytes())
		if n != "model.L1.geojson" && len(fc.Features) != 0 {
			t.Errorf("%s: %d features on an empty floor", n, len(fc.Features))
		}
	}
}

// Coordinates are written with the asked-for decimals, and rounding never
// breaks a ring: a sliver thinner than the precision becomes a Point.
func TestDecimalsAndSlivers(t *testing.T) {
	text := strings.Replace(fixture.Lobby, `"size": [0.5,0.2,1.2]}}`, `"size": [0.5,0.2,1.2]}},
       {"id": "SLIVER", "type": "furniture", "geometry": {"kind": "box", "position": [5,5,0], "size": [1e-6,1e-6,1], "rotation": 0}}`, 1)
	m := formattest.Open(t, text)
	out, warnings, err := write(t, m, map[string]any{"decimals": 7})
	if err != nil {
		t.Fatal(err)
	}
	b := out.Files["model.geojson"].Bytes()
	fc := checkCollection(t, b)
	if g := featureByID(fc, "SLIVER").Geometry; g.GeoJSONType() != "Point" {
		t.Errorf("sliver written as %s", g.GeoJSONType())
	}
	if len(warnings) != 1 || warnings[0].Code != egeo.CodeDegenerate {
		t.Errorf("warnings %v", warnings)
	}
	for _, f := range fc.Features {
		for _, p := range allPoints(f.Geometry) {
			for _, v := range p {
				if math.Abs(v*1e7-math.Round(v*1e7)) > 1e-6 {
					t.Errorf("%v has more than 7 decimals", v)
				}
			}
		}
	}
}

func allPoints(g orb.Geometry) []orb.Point {
	switch g := g.(type) {
	case orb.Point:
		return []orb.Point{g}
	case orb.LineString:
		return g
	case orb.Polygon:
		var out []orb.Point
		for _, r := range g {
			out = append(out, r...)
		}
		return out
	}
	return nil
}

func FuzzWrite(f *testing.F) {
	for _, s := range fixture.FuzzSeeds {
		f.Add(s.Name, s.Key, s.Value, s.X, s.Y, s.Thick, s.Rot, s.Units, false)
	}
	f.Fuzz(func(t *testing.T, name, key, value string, x, y, thick, rot float64, units string, perFloor bool) {
		text := fixture.Fuzz(name, key, value, x, y, thick, rot, units)
		if text == nil {
			return
		}
		m, err := model.Open(context.Background(), bytes.NewReader(text), nil)
		if err != nil {
			return
		}
		defer m.Close()
		out, _, err := write(t, m, map[string]any{"per_floor": perFloor, "bbox": true})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, file := range out.Names() {
			n += len(checkCollection(t, out.Files[file].Bytes()).Features)
		}
		if n != m.Stats.Rooms+m.Stats.Elements {
			t.Fatalf("%d features, want %d", n, m.Stats.Rooms+m.Stats.Elements)
		}
	})
}

// BenchmarkWrite converts a generated building of 10,000 elements, streamed
// from NDJSON as the service does for large models.
func BenchmarkWrite(b *testing.B) {
	formattest.Bench(b, "geojson", formattest.Generated(b, 10000), nil)
}

// generated is a building of about n elements from the project's generator.
func generated(t testing.TB, n int) string {
	t.Helper()
	text, err := fixture.Generated(n)
	if err != nil {
		t.Fatal(err)
	}
	return text
}
