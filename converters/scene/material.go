package scene

import (
	"strings"

	"github.com/arxos/arxport/model"
)

// MaterialKey names the material an element is drawn with: its type, and its
// material name when it has one ("wall", "wall/concrete").
func MaterialKey(e *model.Element) string {
	if e.Material == "" {
		return e.Type
	}
	return e.Type + "/" + e.Material
}

// Appearance is how a material looks, in glTF's PBR metallic-roughness terms.
type Appearance struct {
	// Color is linear RGBA, each in [0, 1].
	Color     [4]float64
	Metallic  float64
	Roughness float64
	// Transparent is true for glass: the colour's alpha is blended.
	Transparent bool
}

// byType are the colours of element types, a calm architectural palette.
var byType = map[string]Appearance{
	"wall":      {Color: [4]float64{0.80, 0.78, 0.74, 1}, Roughness: 0.9},
	"slab":      {Color: [4]float64{0.62, 0.62, 0.60, 1}, Roughness: 0.9},
	"roof":      {Color: [4]float64{0.45, 0.22, 0.18, 1}, Roughness: 0.8},
	"door":      {Color: [4]float64{0.45, 0.30, 0.18, 1}, Roughness: 0.7},
	"window":    {Color: [4]float64{0.60, 0.80, 0.90, 0.3}, Roughness: 0.05, Transparent: true},
	"column":    {Color: [4]float64{0.70, 0.70, 0.68, 1}, Roughness: 0.8},
	"beam":      {Color: [4]float64{0.55, 0.55, 0.58, 1}, Metallic: 0.5, Roughness: 0.5},
	"stair":     {Color: [4]float64{0.66, 0.64, 0.60, 1}, Roughness: 0.8},
	"railing":   {Color: [4]float64{0.35, 0.35, 0.38, 1}, Metallic: 0.8, Roughness: 0.4},
	"equipment": {Color: [4]float64{0.20, 0.45, 0.70, 1}, Metallic: 0.3, Roughness: 0.5},
	"furniture": {Color: [4]float64{0.60, 0.45, 0.30, 1}, Roughness: 0.7},
	"generic":   {Color: [4]float64{0.60, 0.60, 0.60, 1}, Roughness: 0.8},
}

// Look returns the appearance of a material key: the element type's colour,
// changed where the material name says what it is made of (glass, steel,
// wood, concrete, brick).
func Look(key string) Appearance {
	typ, mat, _ := strings.Cut(key, "/")
	a, ok := byType[typ]
	if !ok {
		a = byType["generic"]
	}
	mat = strings.ToLower(mat)
	switch {
	case strings.Contains(mat, "glass") || strings.Contains(mat, "glaz"):
		a = byType["window"]
	case strings.Contains(mat, "steel") || strings.Contains(mat, "alumin") || strings.Contains(mat, "metal"):
		a.Metallic, a.Roughness = 0.9, 0.35
	case strings.Contains(mat, "wood") || strings.Contains(mat, "timber") || strings.Contains(mat, "oak"):
		a.Color = [4]float64{0.55, 0.38, 0.22, a.Color[3]}
	case strings.Contains(mat, "brick"):
		a.Color = [4]float64{0.60, 0.28, 0.20, a.Color[3]}
	case strings.Contains(mat, "concrete"):
		a.Color = [4]float64{0.65, 0.65, 0.63, a.Color[3]}
	}
	return a
}
