package ifc_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/arxos/arxport/formats/formattest"
	"github.com/arxos/arxport/formats/ifc"
	"github.com/arxos/arxport/formats/json/fixture"
	"github.com/arxos/arxport/model"
)

var guidRE = regexp.MustCompile(`^[0-3][0-9A-Za-z_$]{21}$`)

func TestGlobalID(t *testing.T) {
	a := ifc.GlobalID("B", "element", "W-1")
	if !guidRE.MatchString(a) {
		t.Fatalf("%q is not IFC base64", a)
	}
	if a != ifc.GlobalID("B", "element", "W-1") {
		t.Error("not deterministic")
	}
	seen := map[string]bool{}
	for _, k := range [][3]string{{"B", "element", "W-1"}, {"B", "opening", "W-1"}, {"C", "element", "W-1"},
		{"B", "element", "W-2"}, {"B", "elemen", "tW-1"}, {"Be", "lement", "W-1"}} {
		g := ifc.GlobalID(k[0], k[1], k[2])
		if !guidRE.MatchString(g) || seen[g] {
			t.Errorf("%v: %q invalid or repeated", k, g)
		}
		seen[g] = true
	}
}

// TestStructure reads the file back with the test's own STEP parser and
// checks the spatial tree, the relations and the strings.
func TestStructure(t *testing.T) {
	m := formattest.Open(t, shapes)
	file, _ := write(t, m, nil)
	f, err := parseStep(string(file))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string][]int{}
	for _, id := range f.Order {
		byName[f.Entities[id].Name] = append(byName[f.Entities[id].Name], id)
	}
	for name, n := range map[string]int{"IFCPROJECT": 1, "IFCSITE": 1, "IFCBUILDING": 1, "IFCBUILDINGSTOREY": 2,
		"IFCSPACE": 2, "IFCWALL": 2, "IFCDOOR": 2, "IFCWINDOW": 1, "IFCOPENINGELEMENT": 3, "IFCRELVOIDSELEMENT": 3,
		"IFCRELFILLSELEMENT": 3, "IFCRELCONTAINEDINSPATIALSTRUCTURE": 2, "IFCMAPCONVERSION": 1, "IFCPROJECTEDCRS": 1,
		"IFCMATERIAL": 2, "IFCRELASSOCIATESMATERIAL": 2, "IFCTRIANGULATEDFACESET": 1, "IFCARBITRARYPROFILEDEFWITHVOIDS": 2} {
		if got := len(byName[name]); got != n {
			t.Errorf("%d %s, want %d", got, name, n)
		}
	}
	// Strings read back identical.
	b := f.Entities[byName["IFCBUILDING"][0]]
	if b.Attrs[2] != m.Building.Name {
		t.Errorf("building name %q, want %q", b.Attrs[2], m.Building.Name)
	}
	// The door that comes before its wall voids the wall written later.
	walls := map[ref]bool{}
	for _, id := range byName["IFCWALL"] {
		walls[ref(id)] = true
	}
	for _, id := range byName["IFCRELVOIDSELEMENT"] {
		if r := f.Entities[id].Attrs[4].(ref); !walls[r] {
			t.Errorf("#%d voids #%d, not a wall", id, r)
		}
	}
	// Every element is contained in a storey, once.
	contained := map[ref]int{}
	for _, id := range byName["IFCRELCONTAINEDINSPATIALSTRUCTURE"] {
		for _, r := range f.Entities[id].Attrs[4].([]any) {
			contained[r.(ref)]++
		}
	}
	if len(contained) != m.Stats.Elements {
		t.Errorf("%d elements contained, want %d", len(contained), m.Stats.Elements)
	}
	// Map conversion: Sydney is in UTM zone 56 south.
	crs := f.Entities[byName["IFCPROJECTEDCRS"][0]]
	if crs.Attrs[0] != "EPSG:32756" || crs.Attrs[5] != "56S" {
		t.Errorf("CRS %v", crs.Attrs)
	}
	mc := f.Entities[byName["IFCMAPCONVERSION"][0]]
	if e, n := mc.Attrs[2].(float64), mc.Attrs[3].(float64); e < 334000 || e > 335000 || n < 6250000 || n > 6252000 {
		t.Errorf("Sydney at E %v N %v", e, n)
	}
	// GlobalIds: valid, distinct, and the same in a second export of the
	// same building read from NDJSON.
	guids := globalIDs(t, f)
	for g := range guids {
		if !guidRE.MatchString(g) {
			t.Errorf("GlobalId %q", g)
		}
	}
	if g := ifc.GlobalID("SHAPES-1", "element", "W-diag"); guids[g] != "IFCWALL" {
		t.Errorf("W-diag's GlobalId %s is on %q", g, guids[g])
	}
}

func globalIDs(t *testing.T, f *stepFile) map[string]string {
	out := map[string]string{}
	for _, id := range f.Order {
		e := f.Entities[id]
		if !strings.HasPrefix(e.Name, "IFC") || len(e.Attrs) < 4 {
			continue
		}
		g, ok := e.Attrs[0].(string)
		if !ok || len(g) != 22 || e.Attrs[1] != nil {
			continue
		}
		if prev, dup := out[g]; dup {
			t.Errorf("GlobalId %s on %s and %s", g, prev, e.Name)
		}
		out[g] = e.Name
	}
	return out
}

// The same building from JSON and NDJSON gives the same GlobalIds.
func TestGlobalIDsStable(t *testing.T) {
	a, _ := write(t, formattest.Open(t, fixture.Mixed), nil)
	b, _ := write(t, formattest.Open(t, fixture.MixedNDJSON), nil)
	fa, err := parseStep(string(a))
	if err != nil {
		t.Fatal(err)
	}
	fb, err := parseStep(string(b))
	if err != nil {
		t.Fatal(err)
	}
	ga, gb := globalIDs(t, fa), globalIDs(t, fb)
	if len(ga) == 0 || len(ga) != len(gb) {
		t.Fatalf("%d vs %d GlobalIds", len(ga), len(gb))
	}
	for g, cls := range ga {
		if gb[g] != cls {
			t.Errorf("%s: %s vs %s", g, cls, gb[g])
		}
	}
}

func TestOptions(t *testing.T) {
	m := formattest.Open(t, shapes)
	full, _ := write(t, m, nil)
	bare, _ := write(t, m, map[string]any{"properties": false, "quantities": false, "decimals": 3})
	if _, err := parseStep(string(bare)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(bare), "IFCPROPERTYSET(") || strings.Contains(string(bare), "IFCELEMENTQUANTITY(") {
		t.Error("properties or quantities written although switched off")
	}
	if !strings.Contains(string(full), "'Pset_WallCommon'") || !strings.Contains(string(full), "'Qto_WallBaseQuantities'") ||
		!strings.Contains(string(full), "'Arxos_Properties'") || !strings.Contains(string(full), "'Pset_SpaceCommon'") {
		t.Error("standard sets missing")
	}
}

func FuzzWrite(f *testing.F) {
	f.Add("Tower", "k", "v", 1.0, 2.0, 0.5, 10.0, "m")
	f.Add("It's \\ é 東 🏢 \x01", "fire_rating", "REI 60", -5e6, 5e6, 0.001, -370.0, "mm")
	f.Add("", "", "", 0.0, 0.0, 0.0, 0.0, "ft")
	f.Fuzz(func(t *testing.T, name, key, value string, x, y, thick, rot float64, units string) {
		doc := fixture.Fuzz(name, key, value, x, y, thick, rot, units)
		m, err := model.Open(context.Background(), strings.NewReader(string(doc)), nil)
		if err != nil {
			return
		}
		defer m.Close()
		file, _ := write(t, m, nil)
		sf, err := parseStep(string(file))
		if err != nil {
			t.Fatalf("%v\n%s", err, file)
		}
		for _, id := range sf.Order {
			if e := sf.Entities[id]; e.Name == "IFCBUILDING" && m.Building.Name != "" && e.Attrs[2] != m.Building.Name {
				t.Fatalf("building name %q, want %q", e.Attrs[2], m.Building.Name)
			}
		}
	})
}
