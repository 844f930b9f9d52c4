// Package dxftest derives what the independent DXF readers must find in an
// export (test/readers/check_dxf.py's EXPECT.json), for the dxf package's tests
// and the conformance tests.
package dxftest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/arxos/arxport/converters/plan"
	"github.com/arxos/arxport/model"
)

// Expectation is what test/readers/check_dxf.py checks.
type Expectation struct {
	InsUnits     int                       `json:"insunits"`
	Layers       []string                  `json:"layers"`
	Blocks       []string                  `json:"blocks,omitempty"`
	Counts       map[string]map[string]int `json:"counts"`
	Texts        []string                  `json:"texts"`
	EntityLayers []string                  `json:"entity_layers"`
	GDALConfig   map[string]string         `json:"gdal_config,omitempty"`
}

// Expect derives what a file in the default layout must hold from the plan.
func Expect(t testing.TB, m *model.Model) Expectation {
	p, err := plan.Build(context.Background(), m, nil)
	if err != nil {
		t.Fatal(err)
	}
	ex := Expectation{InsUnits: 6, Counts: map[string]map[string]int{},
		Layers: []string{"A-WALL", "A-DOOR", "A-GLAZ", "A-AREA", "A-AREA-IDEN", "A-FLOR", "S-COLS", "A-FURN",
			"E-EQPM", "M-EQPM", "P-EQPM", "F-EQPM", "T-EQPM", "A-ANNO-NPLT"}}
	walls, areas, arcs := 0, 0, 0
	layers := map[string]bool{"A-ANNO-TEXT": true}
	for i, fl := range p.Floors {
		ex.Blocks = append(ex.Blocks, fmt.Sprintf("ARX_FLOOR_%d_", i+1))
		for _, s := range fl.Walls {
			walls += 1 + len(s.Holes)
			layers["A-WALL"] = true
		}
		for _, r := range fl.Rooms {
			areas += 1 + len(r.Holes)
			layers["A-AREA"], layers["A-AREA-IDEN"] = true, true
			if r.Name != "" {
				ex.Texts = append(ex.Texts, r.Name)
			}
			ex.Texts = append(ex.Texts, r.ID)
		}
		for _, d := range fl.Doors {
			if d.Swing.Radius > 0 {
				arcs++
			}
			layers["A-DOOR"] = true
		}
		if len(fl.Windows) > 0 {
			layers["A-GLAZ"] = true
		}
		if len(fl.Equipment) > 0 {
			ex.Texts = append(ex.Texts, fl.Equipment[0].ID)
		}
		ex.Texts = append(ex.Texts, fl.Name)
	}
	// block names carry a sanitised id: compare by prefix through the full name
	for i, fl := range p.Floors {
		ex.Blocks[i] += sanitise(fl.ID)
	}
	ex.Counts["A-WALL"] = map[string]int{"LWPOLYLINE": walls}
	ex.Counts["A-AREA"] = map[string]int{"LWPOLYLINE": areas}
	ex.Counts["A-DOOR"] = map[string]int{"ARC": arcs}
	for l := range layers {
		ex.EntityLayers = append(ex.EntityLayers, l)
	}
	slices.Sort(ex.EntityLayers)
	// The default layout draws each floor in a block; GDAL merges a block's
	// entities into one feature unless told not to.
	ex.GDALConfig = map[string]string{"DXF_MERGE_BLOCK_GEOMETRIES": "FALSE"}
	return ex
}

func sanitise(s string) string {
	b := []byte{}
	for i := 0; i < len(s) && len(b) < 64; i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b = append(b, c)
		} else {
			b = append(b, '_')
		}
	}
	return string(b)
}
