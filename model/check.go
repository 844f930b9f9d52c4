package model

import (
	"fmt"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/arxos/arxport/geom"
)

// maxCoord bounds every number of a model, in its own units (MODEL.md).
const maxCoord = 1e7

// checker runs the local rules of MODEL.md: everything that can be decided by
// looking at one object. Cross-references are the builder's job. Paths are
// relative to base and joined only when a problem is reported, so checking a
// valid model allocates no path strings.
type checker struct {
	ps     *problems
	limits Limits
	base   string
}

func (c *checker) add(rel, code, format string, args ...any) {
	c.ps.add(joinPath(c.base, rel), code, format, args...)
}

func (c *checker) str(rel, s string, required bool, maxRunes int) bool {
	if s == "" {
		if required {
			c.add(rel, CodeRequired, "required, must not be empty")
			return false
		}
		return true
	}
	if len(s) > c.limits.StringBytes {
		c.add(rel, CodeStringTooLong, "string of %d bytes is over the limit of %d", len(s), c.limits.StringBytes)
		return false
	}
	if maxRunes > 0 && len(s) > maxRunes && utf8.RuneCountInString(s) > maxRunes {
		c.add(rel, CodeStringTooLong, "longer than %d characters", maxRunes)
		return false
	}
	return true
}

func (c *checker) oneOf(rel, s string, allowed []string) bool {
	if !slices.Contains(allowed, s) {
		c.add(rel, CodeInvalidValue, "%q is not one of %v", s, allowed)
		return false
	}
	return true
}

func inRange(v float64) bool { return math.Abs(v) <= maxCoord } // false for NaN too

func (c *checker) num(rel string, v float64) bool {
	if !inRange(v) {
		c.add(rel, CodeOutOfRange, "%v is beyond ±1e7", v)
		return false
	}
	return true
}

func (c *checker) positive(rel string, v float64) bool {
	if !c.num(rel, v) {
		return false
	}
	if v <= 0 {
		c.add(rel, CodeInvalidValue, "must be greater than 0 (is %v)", v)
		return false
	}
	return true
}

func (c *checker) nonNegative(rel string, v float64) bool {
	if !c.num(rel, v) {
		return false
	}
	if v < 0 {
		c.add(rel, CodeInvalidValue, "must not be negative (is %v)", v)
		return false
	}
	return true
}

func (c *checker) props(rel string, p Properties) bool {
	ok := true
	for k, v := range p {
		bad := func(code, format string, args ...any) {
			c.add(rel+"."+k, code, format, args...)
			ok = false
		}
		switch {
		case k == "":
			bad(CodeRequired, "a property needs a name")
			continue
		case len(k) > c.limits.StringBytes:
			bad(CodeStringTooLong, "name of %d bytes is over the limit of %d", len(k), c.limits.StringBytes)
			continue
		}
		switch v := v.(type) {
		case string:
			if len(v) > c.limits.StringBytes {
				bad(CodeStringTooLong, "string of %d bytes is over the limit of %d", len(v), c.limits.StringBytes)
			}
		case float64:
			if !inRange(v) {
				bad(CodeOutOfRange, "%v is beyond ±1e7", v)
			}
		case bool:
		case map[string]any, []any:
			bad(CodeNestedProperty, "properties must be flat: string, number or boolean")
		default:
			bad(CodeWrongType, "must be a string, number or boolean (is null)")
		}
	}
	return ok
}

// ring checks a polygon ring and returns it cleaned (no repeated closing point).
func (c *checker) ring(rel string, r geom.Ring) (geom.Ring, bool) {
	if len(r) > c.limits.MeshVertices {
		c.add(rel, CodeLimitExceeded, "%d points is over the limit of %d", len(r), c.limits.MeshVertices)
		return nil, false
	}
	for i, p := range r {
		for k := range 2 {
			if !inRange(p[k]) {
				c.add(fmt.Sprintf("%s[%d][%d]", rel, i, k), CodeOutOfRange, "%v is beyond ±1e7", p[k])
				return nil, false
			}
		}
	}
	r = geom.CleanRing(r)
	switch {
	case geom.DistinctPoints(r) < 3:
		c.add(rel, CodeTooFewPoints, "a polygon needs at least 3 distinct points")
	case geom.Area(r) == 0:
		c.add(rel, CodeZeroArea, "the polygon has zero area")
	case geom.SelfIntersects(r):
		c.add(rel, CodeSelfIntersecting, "the polygon's edges cross or touch each other")
	default:
		return r, true
	}
	return nil, false
}

// polygon checks an outer ring and its holes: holes must lie strictly inside the
// outer ring and apart from each other.
func (c *checker) polygon(outerRel, holesRel string, outer geom.Ring, holes []geom.Ring) (geom.Ring, []geom.Ring, bool) {
	outer, ok := c.ring(outerRel, outer)
	if !ok {
		return nil, nil, false
	}
	cleaned := make([]geom.Ring, 0, len(holes))
	for i, h := range holes {
		hp := fmt.Sprintf("%s[%d]", holesRel, i)
		h, ok := c.ring(hp, h)
		if !ok {
			return nil, nil, false
		}
		if geom.RingsIntersect(h, outer) || !geom.PointInRing(h[0], outer) {
			c.add(hp, CodeHoleOutside, "a hole must lie strictly inside its outer boundary")
			return nil, nil, false
		}
		for j, o := range cleaned {
			if geom.RingsIntersect(h, o) || geom.PointInRing(h[0], o) || geom.PointInRing(o[0], h) {
				c.add(hp, CodeHoleOutside, "holes must not touch or contain each other (see %s[%d])", holesRel, j)
				return nil, nil, false
			}
		}
		cleaned = append(cleaned, h)
	}
	return outer, cleaned, true
}

func (c *checker) floor(path string, f *Floor) bool {
	c.base = path
	ok := c.str("id", f.ID, true, 256)
	ok = c.str("name", f.Name, false, 256) && ok
	ok = c.num("elevation", f.Elevation) && ok
	ok = c.positive("height", f.Height) && ok
	return ok
}

func (c *checker) room(path string, r *Room) bool {
	c.base = path
	ok := c.str("id", r.ID, true, 256)
	ok = c.str("name", r.Name, false, 256) && ok
	ok = c.str("type", r.Type, false, 256) && ok
	ok = c.nonNegative("height", r.Height) && ok
	ok = c.props("properties", r.Properties) && ok
	b, h, pok := c.polygon("boundary", "holes", r.Boundary, r.Holes)
	if pok {
		r.Boundary, r.Holes = b, h
	}
	return ok && pok
}

func (c *checker) element(path string, e *Element) bool {
	c.base = path
	ok := c.str("id", e.ID, true, 256)
	ok = c.str("name", e.Name, false, 256) && ok
	ok = c.str("material", e.Material, false, 256) && ok
	ok = c.str("room", e.Room, false, 256) && ok
	ok = c.str("host", e.Host, false, 256) && ok
	ok = c.props("properties", e.Properties) && ok
	if !c.oneOf("type", e.Type, ElementTypes) {
		return false
	}
	if e.Type == "equipment" {
		// Empty takes the defaults "other" and "unknown" when normalised.
		if e.System != "" {
			ok = c.oneOf("system", e.System, Systems) && ok
		}
		if e.Status != "" {
			ok = c.oneOf("status", e.Status, Statuses) && ok
		}
	} else {
		if e.System != "" {
			c.add("system", CodeInvalidValue, "system is for equipment only")
			ok = false
		}
		if e.Status != "" {
			c.add("status", CodeInvalidValue, "status is for equipment only")
			ok = false
		}
	}
	if e.Type == "door" || e.Type == "window" {
		if e.Geometry.Kind != KindOpening {
			c.add("geometry.kind", CodeInvalidGeometry, "a %s needs geometry of kind %q", e.Type, KindOpening)
			return false
		}
		if e.Host == "" {
			c.add("host", CodeRequired, "a %s needs the id of the wall it cuts", e.Type)
			ok = false
		}
	} else {
		if e.Geometry.Kind == KindOpening {
			c.add("geometry.kind", CodeInvalidGeometry, "only doors and windows are openings")
			return false
		}
		if e.Host != "" {
			c.add("host", CodeInvalidValue, "only doors and windows have a host")
			ok = false
		}
	}
	return c.geometry(&e.Geometry) && ok
}

func (c *checker) vec(rel string, v []float64) bool {
	if v == nil {
		c.add(rel, CodeRequired, "required")
		return false
	}
	for k, x := range v {
		if !inRange(x) {
			c.add(fmt.Sprintf("%s[%d]", rel, k), CodeOutOfRange, "%v is beyond ±1e7", x)
			return false
		}
	}
	return true
}

func (c *checker) vec2(rel string, v *geom.Vec2) bool {
	if v == nil {
		return c.vec(rel, nil)
	}
	return c.vec(rel, v[:])
}

func (c *checker) vec3(rel string, v *geom.Vec3) bool {
	if v == nil {
		return c.vec(rel, nil)
	}
	return c.vec(rel, v[:])
}

func (c *checker) geometry(g *Geometry) bool {
	switch g.Kind {
	case KindLine:
		ok := c.vec2("geometry.start", g.Start)
		ok = c.vec2("geometry.end", g.End) && ok
		ok = c.positive("geometry.thickness", g.Thickness) && ok
		ok = c.positive("geometry.height", g.Height) && ok
		ok = c.num("geometry.base", g.Base) && ok
		if ok && *g.Start == *g.End {
			c.add("geometry.end", CodeInvalidGeometry, "a line needs distinct start and end")
			ok = false
		}
		return ok
	case KindExtrusion:
		ok := c.positive("geometry.height", g.Height)
		ok = c.num("geometry.base", g.Base) && ok
		p, h, pok := c.polygon("geometry.profile", "geometry.holes", g.Profile, g.Holes)
		if pok {
			g.Profile, g.Holes = p, h
		}
		return ok && pok
	case KindBox:
		ok := c.vec3("geometry.position", g.Position)
		ok = c.vec3("geometry.size", g.Size) && ok
		ok = c.num("geometry.rotation", g.Rotation) && ok
		if ok {
			for i, s := range g.Size {
				if s <= 0 {
					c.add(fmt.Sprintf("geometry.size[%d]", i), CodeInvalidValue, "must be greater than 0 (is %v)", s)
					ok = false
				}
			}
		}
		return ok
	case KindOpening:
		ok := c.nonNegative("geometry.offset", g.Offset)
		ok = c.positive("geometry.width", g.Width) && ok
		ok = c.positive("geometry.height", g.Height) && ok
		ok = c.nonNegative("geometry.sill", g.Sill) && ok
		return ok
	case KindMesh:
		return c.mesh(g)
	case "":
		c.add("geometry.kind", CodeRequired, "required, one of %v", geometryKinds)
		return false
	default:
		c.add("geometry.kind", CodeInvalidValue, "%q is not one of %v", g.Kind, geometryKinds)
		return false
	}
}

var geometryKinds = []string{KindLine, KindExtrusion, KindBox, KindOpening, KindMesh}

func (c *checker) mesh(g *Geometry) bool {
	switch {
	case len(g.Vertices) > c.limits.MeshVertices:
		c.add("geometry.vertices", CodeLimitExceeded, "%d vertices is over the limit of %d", len(g.Vertices), c.limits.MeshVertices)
		return false
	case len(g.Vertices) < 3:
		c.add("geometry.vertices", CodeTooFewPoints, "a mesh needs at least 3 vertices")
		return false
	case len(g.Triangles) == 0:
		c.add("geometry.triangles", CodeRequired, "a mesh needs at least one triangle")
		return false
	case len(g.Triangles) > 2*c.limits.MeshVertices:
		c.add("geometry.triangles", CodeLimitExceeded, "%d triangles is over the limit of %d", len(g.Triangles), 2*c.limits.MeshVertices)
		return false
	}
	for i, v := range g.Vertices {
		for k := range 3 {
			if !inRange(v[k]) {
				c.add(fmt.Sprintf("geometry.vertices[%d][%d]", i, k), CodeOutOfRange, "%v is beyond ±1e7", v[k])
				return false
			}
		}
	}
	for i, t := range g.Triangles {
		for k, ix := range t {
			if ix < 0 || ix >= len(g.Vertices) {
				c.add(fmt.Sprintf("geometry.triangles[%d][%d]", i, k), CodeInvalidGeometry,
					"vertex index %d is outside 0..%d", ix, len(g.Vertices)-1)
				return false
			}
		}
	}
	return true
}
