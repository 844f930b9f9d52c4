// Package ifctest computes what the independent IFC readers must find in an
// export (test/readers/check_ifc.mjs's EXPECT.json) from the model alone, for
// the ifc package's tests and the conformance tests.
package ifctest

import (
	"context"
	"testing"

	"github.com/arxos/arxport/formats/ifc"
	"github.com/arxos/arxport/model"
)

// Expectation is check_ifc.mjs's EXPECT.json.
type Expectation struct {
	Classes   map[string]int    `json:"classes"`
	Meshes    int               `json:"meshes"`
	Strings   []String          `json:"strings,omitempty"`
	GlobalIDs map[string]string `json:"global_ids,omitempty"`
}

// String is an attribute value a reader must decode back.
type String struct {
	Class     string `json:"class"`
	Attribute string `json:"attribute"`
	Value     string `json:"value"`
}

// Expect counts what the file must hold, from the model alone.
func Expect(t testing.TB, m *model.Model) Expectation {
	t.Helper()
	x := Expectation{Classes: map[string]int{
		"IFCPROJECT": 1, "IFCSITE": 1, "IFCBUILDING": 1,
		"IFCBUILDINGSTOREY": len(m.Building.Floors), "IFCSPACE": m.Stats.Rooms,
		"IFCOPENINGELEMENT": 0,
	}, GlobalIDs: map[string]string{}}
	for _, c := range []string{"IFCWALL", "IFCSLAB", "IFCROOF", "IFCDOOR", "IFCWINDOW", "IFCCOLUMN", "IFCBEAM", "IFCSTAIR",
		"IFCRAILING", "IFCFURNITURE", "IFCBUILDINGELEMENTPROXY", "IFCUNITARYEQUIPMENT", "IFCELECTRICDISTRIBUTIONBOARD",
		"IFCSANITARYTERMINAL", "IFCFIRESUPPRESSIONTERMINAL", "IFCCOMMUNICATIONSAPPLIANCE", "IFCSENSOR", "IFCLIGHTFIXTURE",
		"IFCDISTRIBUTIONELEMENT"} {
		x.Classes[c] = 0
	}
	n := 0
	err := m.Elements(context.Background(), func(e *model.Element) error {
		c := ifc.ClassOf(e)
		x.Classes[c]++
		if _, ok := m.Wall(e.Host); ok && e.Geometry.Kind == model.KindOpening {
			x.Classes["IFCOPENINGELEMENT"]++
		}
		if e.Geometry.Kind != model.KindMesh || len(e.Geometry.Triangles) > 0 {
			x.Meshes++
		}
		if n < 20 {
			x.GlobalIDs[ifc.GlobalID(m.Building.ID, "element", e.ID)] = c
			if e.Name != "" {
				x.Strings = append(x.Strings, String{c, "Name", e.Name})
			}
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = m.Rooms(context.Background(), func(r *model.Room) error {
		if r.Name != "" && len(x.Strings) < 40 {
			x.Strings = append(x.Strings, String{"IFCSPACE", "LongName", r.Name})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.Building.Name != "" {
		x.Strings = append(x.Strings, String{"IFCBUILDING", "Name", m.Building.Name})
	}
	return x
}
