package ifc

import (
	"math"
	"strconv"
	"testing"
)

// Known points: the central meridian at the equator, and the meridian arc to
// 45° (4,984,944.378 m on WGS 84) scaled by k0.
func TestUTM(t *testing.T) {
	e, n := toUTM(0, 3, 31)
	if math.Abs(e-500000) > 1e-6 || math.Abs(n) > 1e-6 {
		t.Errorf("equator on the central meridian: %v %v", e, n)
	}
	_, n = toUTM(45, 9, 32)
	if want := 0.9996 * 4984944.378; math.Abs(n-want) > 0.01 {
		t.Errorf("45°N: northing %v, want %v", n, want)
	}
	e1, _ := toUTM(0, 2, 31)
	e2, _ := toUTM(0, 4, 31)
	if math.Abs((e1-500000)+(e2-500000)) > 1e-6 {
		t.Errorf("not symmetric about the central meridian: %v %v", e1, e2)
	}
	// Rotation 0 on the central meridian: +X is grid east.
	u := projectOrigin(45, 9, 0)
	if math.Abs(u.XAbscissa-1) > 1e-9 || math.Abs(u.XOrdinat) > 1e-9 || u.EPSG() != "EPSG:32632" {
		t.Errorf("%+v", u)
	}
	// Rotation 90: +Y points east, so +X points south.
	u = projectOrigin(45, 9, 90)
	if math.Abs(u.XAbscissa) > 1e-9 || math.Abs(u.XOrdinat+1) > 1e-9 {
		t.Errorf("rotation 90: %+v", u)
	}
	if z := utmZone(180); z != 60 {
		t.Errorf("zone of 180° = %d", z)
	}
	_ = strconv.Itoa
}
