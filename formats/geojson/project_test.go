package geojson

import (
	"fmt"
	"math"
	"testing"
)

// The reference below is independent of Vincenty's series: it integrates the
// differential equations of a geodesic on the WGS84 ellipsoid numerically,
//
//	dφ/ds = cos α / M(φ),  dλ/ds = sin α / (N(φ) cos φ),  dα/ds = sin α tan φ / N(φ),
//
// with M and N the meridional and prime-vertical radii of curvature, by the
// classical fourth-order Runge-Kutta method in steps of at most 5 m (the
// truncation error is far below a micrometre over 5 km).

const e2 = wgs84F * (2 - wgs84F)

func radii(phi float64) (m, n float64) {
	s := math.Sin(phi)
	w := 1 - e2*s*s
	n = wgs84A / math.Sqrt(w)
	m = wgs84A * (1 - e2) / (w * math.Sqrt(w))
	return m, n
}

type geoState struct{ phi, lambda, alpha float64 }

func deriv(y geoState) geoState {
	m, n := radii(y.phi)
	sa, ca := math.Sincos(y.alpha)
	return geoState{ca / m, sa / (n * math.Cos(y.phi)), sa * math.Tan(y.phi) / n}
}

// integrate follows the geodesic from lat, lon (degrees) at azimuth az
// (degrees) for s metres and returns where it ends, in degrees.
func integrate(lat, lon, az, s float64) (float64, float64) {
	y := geoState{lat * math.Pi / 180, lon * math.Pi / 180, az * math.Pi / 180}
	steps := int(math.Ceil(s / 5))
	h := s / float64(steps)
	add := func(a, d geoState, k float64) geoState {
		return geoState{a.phi + k*d.phi, a.lambda + k*d.lambda, a.alpha + k*d.alpha}
	}
	for range steps {
		k1 := deriv(y)
		k2 := deriv(add(y, k1, h/2))
		k3 := deriv(add(y, k2, h/2))
		k4 := deriv(add(y, k3, h))
		y.phi += h / 6 * (k1.phi + 2*k2.phi + 2*k3.phi + k4.phi)
		y.lambda += h / 6 * (k1.lambda + 2*k2.lambda + 2*k3.lambda + k4.lambda)
		y.alpha += h / 6 * (k1.alpha + 2*k2.alpha + 2*k3.alpha + k4.alpha)
	}
	return y.phi * 180 / math.Pi, y.lambda * 180 / math.Pi
}

// metresApart is the distance between two nearby positions (degrees), from
// the local radii of curvature: exact enough for the millimetres compared here.
func metresApart(lat1, lon1, lat2, lon2 float64) float64 {
	phi := (lat1 + lat2) / 2 * math.Pi / 180
	m, n := radii(phi)
	dn := (lat2 - lat1) * math.Pi / 180 * m
	dl := lon2 - lon1
	if dl > 180 {
		dl -= 360
	} else if dl < -180 {
		dl += 360
	}
	de := dl * math.Pi / 180 * n * math.Cos(phi)
	return math.Hypot(dn, de)
}

// Points 5 km (and nearer) from the origin, in every direction, at several
// latitudes and rotations, land within 1 cm of the true position: the point
// reached by the geodesic of that length and bearing.
func TestProjectionAccuracy(t *testing.T) {
	worst := 0.0
	for _, lat := range []float64{0, 40.7128, 60, -33.8688, 75} {
		for _, rot := range []float64{0, 29, -137.5} {
			p := NewProjection(lat, -74.006, rot)
			for _, dist := range []float64{1, 100, 1000, 5000} {
				for bearing := 0.0; bearing < 360; bearing += 22.5 {
					// A point at this bearing from the model's +Y axis...
					b := bearing * math.Pi / 180
					x, y := dist*math.Sin(b), dist*math.Cos(b)
					got := p.Project(x, y)
					// ...lies at azimuth bearing + rotation from true north.
					wantLat, wantLon := integrate(lat, -74.006, bearing+rot, dist)
					off := metresApart(got[1], got[0], wantLat, wantLon)
					worst = math.Max(worst, off)
					if off > 0.01 {
						t.Errorf("lat %v rot %v: (%.3f, %.3f) m is %.4f m from the true position", lat, rot, x, y, off)
					}
				}
			}
		}
	}
	t.Logf("largest error within 5 km: %.2e m", worst)
	if worst > 1e-3 {
		t.Errorf("largest error %.2e m: expected well under a millimetre", worst)
	}
}

// Vincenty's own worked example, as published by Geoscience Australia:
// Flinders Peak to Buninyong.
func TestProjectionKnownGeodesic(t *testing.T) {
	dms := func(d, m, s float64) float64 { return math.Copysign(math.Abs(d)+m/60+s/3600, d) }
	lat1, lon1 := dms(-37, 57, 3.72030), dms(144, 25, 29.52440)
	az, s := dms(306, 52, 5.37), 54972.271
	wantLat, wantLon := dms(-37, 39, 10.15610), dms(143, 55, 35.38390)
	p := NewProjection(lat1, lon1, 0)
	b := az * math.Pi / 180
	got := p.Project(s*math.Sin(b), s*math.Cos(b))
	// The azimuth is given to 0.01″, which is 1.3 mm across 55 km.
	if off := metresApart(got[1], got[0], wantLat, wantLon); off > 0.005 {
		t.Errorf("Buninyong at %.9f, %.9f: %.4f m from the published %.9f, %.9f", got[1], got[0], off, wantLat, wantLon)
	}
}

// Large local coordinates keep millimetres: a millimetre step 10^6–10^7 m from
// the origin moves the projected point by a millimetre times the projection's
// local scale, the same as a metre step does per millimetre.
func TestProjectionLargeCoordinates(t *testing.T) {
	p := NewProjection(40.7128, -74.006, 29)
	for _, base := range [][2]float64{{5e5, 4.5e6}, {-3e6, 2e6}, {1e6, -1e6}, {9e6, 1e6}} {
		for _, dir := range [][2]float64{{1, 0}, {0, 1}, {0.6, -0.8}} {
			t.Run(fmt.Sprint(base, dir), func(t *testing.T) {
				at := func(k float64) (lat, lon float64) {
					q := p.Project(base[0]+k*dir[0], base[1]+k*dir[1])
					return q[1], q[0]
				}
				lat0, lon0 := at(0)
				latM, lonM := at(1)
				perMetre := metresApart(lat0, lon0, latM, lonM)
				if perMetre < 0.5 || perMetre > 2 {
					t.Fatalf("a metre became %v m", perMetre)
				}
				for _, mm := range []float64{0.001, 0.002, 0.005} {
					lat, lon := at(mm)
					got := metresApart(lat0, lon0, lat, lon)
					if want := mm * perMetre; math.Abs(got-want) > 2e-5 {
						t.Errorf("a step of %g m moved %.6f m, want %.6f m (±0.02 mm)", mm, got, want)
					}
				}
			})
		}
	}
	// And 100 km out the projection is still the geodesic, to the millimetre.
	lat, lon := p.Project(0, 1e5)[1], p.Project(0, 1e5)[0]
	wantLat, wantLon := integrate(40.7128, -74.006, 29, 1e5)
	if off := metresApart(lat, lon, wantLat, wantLon); off > 1e-3 {
		t.Errorf("100 km out: %.4f m off", off)
	}
}

func TestProjectionEdges(t *testing.T) {
	for _, c := range []struct{ lat, lon float64 }{{90, 0}, {-90, 45}, {0, 179.9999}, {0, -180}, {89.9999, 10}} {
		p := NewProjection(c.lat, c.lon, 10)
		for _, xy := range [][2]float64{{0, 0}, {30, 40}, {-5000, 1}, {1e7, -1e7}} {
			q := p.Project(xy[0], xy[1])
			if math.IsNaN(q[0]) || math.IsNaN(q[1]) || math.Abs(q[0]) > 180 || math.Abs(q[1]) > 90 {
				t.Errorf("origin %v, point %v: %v", c, xy, q)
			}
		}
	}
	if got := wrapLon(190); math.Abs(got+170) > 1e-12 {
		t.Errorf("wrapLon(190) = %v", got)
	}
	if got := wrapLon(-540); got != -180 {
		t.Errorf("wrapLon(-540) = %v", got)
	}
}

func BenchmarkProject(b *testing.B) {
	p := NewProjection(40.7128, -74.006, 29)
	for i := range b.N {
		p.Project(float64(i%1000), float64(i%777))
	}
}
