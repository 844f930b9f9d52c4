package ifc

import (
	"fmt"
	"math"
)

// utm is the position of the model's origin in its UTM zone (WGS 84), the
// projected CRS IfcMapConversion points to.
type utm struct {
	Zone                int
	North               bool
	Easting, Northing   float64
	XAbscissa, XOrdinat float64 // the model's +X axis in grid coordinates, unit length
}

// EPSG is the code of the zone's CRS: 326zz north of the equator, 327zz south.
func (u utm) EPSG() string {
	if u.North {
		return fmt.Sprintf("EPSG:326%02d", u.Zone)
	}
	return fmt.Sprintf("EPSG:327%02d", u.Zone)
}

// Name is the CRS's EPSG name.
func (u utm) Name() string {
	h := "N"
	if !u.North {
		h = "S"
	}
	return fmt.Sprintf("WGS 84 / UTM zone %d%s", u.Zone, h)
}

// MapZone is the zone as IfcProjectedCRS.MapZone writes it, "33N".
func (u utm) MapZone() string {
	if u.North {
		return fmt.Sprintf("%dN", u.Zone)
	}
	return fmt.Sprintf("%dS", u.Zone)
}

// WGS 84 ellipsoid and the UTM constants.
const (
	wgsA  = 6378137.0
	wgsF  = 1 / 298.257223563
	utmK0 = 0.9996
)

// utmZone is the standard 6° zone of a longitude. The Norway and Svalbard
// exceptions are not applied: any zone is exact near its own meridian, and
// the plain rule is what a reader recomputes from the EPSG code.
func utmZone(lon float64) int {
	z := int(math.Floor((lon+180)/6)) + 1
	return min(max(z, 1), 60)
}

// toUTM projects a WGS 84 position into the given zone (Krüger's series to
// the 6th order in n, as in Karney 2011: better than a millimetre within
// 3,900 km of the central meridian).
func toUTM(lat, lon float64, zone int) (e, n float64) {
	n1 := wgsF / (2 - wgsF)
	A := wgsA / (1 + n1) * (1 + n1*n1/4 + n1*n1*n1*n1/64 + n1*n1*n1*n1*n1*n1/256)
	alpha := [6]float64{
		n1/2 - 2*n1*n1/3 + 5*n1*n1*n1/16 + 41*math.Pow(n1, 4)/180 - 127*math.Pow(n1, 5)/288 + 7891*math.Pow(n1, 6)/37800,
		13*n1*n1/48 - 3*n1*n1*n1/5 + 557*math.Pow(n1, 4)/1440 + 281*math.Pow(n1, 5)/630 - 1983433*math.Pow(n1, 6)/1935360,
		61*n1*n1*n1/240 - 103*math.Pow(n1, 4)/140 + 15061*math.Pow(n1, 5)/26880 + 167603*math.Pow(n1, 6)/181440,
		49561*math.Pow(n1, 4)/161280 - 179*math.Pow(n1, 5)/168 + 6601661*math.Pow(n1, 6)/7257600,
		34729*math.Pow(n1, 5)/80640 - 3418889*math.Pow(n1, 6)/1995840,
		212378941 * math.Pow(n1, 6) / 319334400,
	}
	lon0 := float64(zone*6-183) * math.Pi / 180
	phi := lat * math.Pi / 180
	lam := lon*math.Pi/180 - lon0
	e2 := wgsF * (2 - wgsF)
	ecc := math.Sqrt(e2)
	t := math.Sinh(math.Atanh(math.Sin(phi)) - ecc*math.Atanh(ecc*math.Sin(phi)))
	xi := math.Atan2(t, math.Cos(lam))
	eta := math.Atanh(math.Sin(lam) / math.Sqrt(1+t*t))
	x, y := eta, xi
	for j, a := range alpha {
		k := float64(2 * (j + 1))
		x += a * math.Cos(k*xi) * math.Sinh(k*eta)
		y += a * math.Sin(k*xi) * math.Cosh(k*eta)
	}
	e = 500000 + utmK0*A*x
	n = utmK0 * A * y
	if lat < 0 {
		n += 10000000
	}
	return e, n
}

// projectOrigin places the model's origin (lat, lon) in its UTM zone and turns
// the model's +X axis, rotationDeg clockwise from true east, into grid
// coordinates: true north in the grid is found by projecting a point a
// little north of the origin, which takes the meridian convergence into account.
func projectOrigin(lat, lon, rotationDeg float64) utm {
	zone := utmZone(lon)
	u := utm{Zone: zone, North: lat >= 0}
	u.Easting, u.Northing = toUTM(lat, lon, zone)
	const d = 1e-5 // degrees of latitude, about 1 m
	la2 := lat + d
	if la2 > 89.9 {
		la2 = lat - d
	}
	e2, n2 := toUTM(la2, lon, zone)
	nx, ny := e2-u.Easting, n2-u.Northing
	if la2 < lat {
		nx, ny = -nx, -ny
	}
	l := math.Hypot(nx, ny)
	nx, ny = nx/l, ny/l
	// The model's +X is at azimuth rotation + 90° (clockwise from north).
	a := (rotationDeg + 90) * math.Pi / 180
	s, c := math.Sincos(a)
	u.XAbscissa = nx*c + ny*s
	u.XOrdinat = -nx*s + ny*c
	return u
}
