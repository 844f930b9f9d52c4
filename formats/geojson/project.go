package geojson

import (
	"math"

	"github.com/paulmach/orb"
)

// WGS84 ellipsoid.
const (
	wgs84A = 6378137.0
	wgs84F = 1 / 298.257223563
	wgs84B = wgs84A * (1 - wgs84F)
)

// Projection maps the model's local plane (metres; x and y along the model's
// axes, the +Y axis Rotation degrees clockwise from true north) to WGS84
// longitude and latitude.
//
// It is the ellipsoidal azimuthal equidistant projection centred on the origin:
// a local point at distance s and bearing α from the origin goes to the end of
// the geodesic of length s that leaves the origin at azimuth α, found with
// Vincenty's direct formula (accurate to well under a millimetre at any
// distance). Distances and bearings from the origin are therefore exact, and
// within 5 km of the origin any distance is kept to far better than 1 cm (the
// scale error grows as (s/R)²/6: 1e-7 at 5 km).
//
// Local coordinates only ever enter as a distance and a bearing, computed in
// float64 from x and y directly, so offsets of 10^7 m keep sub-millimetre
// resolution: nothing is scaled into degrees before the geodesic is solved.
type Projection struct {
	lat0, lon0 float64 // radians
	sinRot     float64
	cosRot     float64
	// tanU1, cosU1, sinU1 depend only on the origin's latitude.
	cosU1, sinU1, tanU1 float64
}

// NewProjection returns the projection for an origin at lat, lon (degrees) with
// the model's +Y axis rotation degrees clockwise from true north.
func NewProjection(lat, lon, rotation float64) *Projection {
	p := &Projection{lat0: lat * math.Pi / 180, lon0: lon * math.Pi / 180}
	p.sinRot, p.cosRot = math.Sincos(rotation * math.Pi / 180)
	p.tanU1 = (1 - wgs84F) * math.Tan(p.lat0)
	p.cosU1 = 1 / math.Sqrt(1+p.tanU1*p.tanU1)
	p.sinU1 = p.tanU1 * p.cosU1
	if math.Abs(lat) == 90 {
		// At a pole tan overflows to a huge finite number; take the limit.
		p.cosU1, p.sinU1 = 0, math.Copysign(1, lat)
		p.tanU1 = math.Copysign(math.Inf(1), lat)
	}
	return p
}

// Project returns the longitude and latitude, in degrees, of the local point
// (x, y). Longitudes are wrapped into [-180, 180].
func (p *Projection) Project(x, y float64) orb.Point {
	east := x*p.cosRot + y*p.sinRot
	north := -x*p.sinRot + y*p.cosRot
	s := math.Hypot(east, north)
	if s == 0 {
		return orb.Point{p.lon0 * 180 / math.Pi, p.lat0 * 180 / math.Pi}
	}
	lat, lon := p.direct(math.Atan2(east, north), s)
	return orb.Point{wrapLon(lon * 180 / math.Pi), lat * 180 / math.Pi}
}

// wrapLon brings a longitude in degrees into [-180, 180].
func wrapLon(lon float64) float64 {
	if lon >= -180 && lon <= 180 {
		return lon
	}
	lon = math.Mod(lon+180, 360)
	if lon < 0 {
		lon += 360
	}
	return lon - 180
}

// direct solves the direct geodesic problem on WGS84 by Vincenty's method
// (T. Vincenty, Survey Review XXIII(176), 1975): from the origin, along
// azimuth alpha1 (radians, clockwise from north), for s metres. It returns
// latitude and longitude in radians.
func (p *Projection) direct(alpha1, s float64) (lat, lon float64) {
	const f = wgs84F
	sinA1, cosA1 := math.Sincos(alpha1)
	sigma1 := math.Atan2(p.tanU1, cosA1)
	if math.IsInf(p.tanU1, 0) {
		sigma1 = math.Copysign(math.Pi/2, p.tanU1)
	}
	sinAlpha := p.cosU1 * sinA1
	cosSqAlpha := 1 - sinAlpha*sinAlpha
	uSq := cosSqAlpha * (wgs84A*wgs84A - wgs84B*wgs84B) / (wgs84B * wgs84B)
	a := 1 + uSq/16384*(4096+uSq*(-768+uSq*(320-175*uSq)))
	b := uSq / 1024 * (256 + uSq*(-128+uSq*(74-47*uSq)))

	s0 := s / (wgs84B * a)
	sigma := s0
	var sinSigma, cosSigma, cos2SigmaM float64
	for range 200 {
		cos2SigmaM = math.Cos(2*sigma1 + sigma)
		sinSigma, cosSigma = math.Sincos(sigma)
		deltaSigma := b * sinSigma * (cos2SigmaM + b/4*(cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)-
			b/6*cos2SigmaM*(-3+4*sinSigma*sinSigma)*(-3+4*cos2SigmaM*cos2SigmaM)))
		next := s0 + deltaSigma
		done := math.Abs(next-sigma) < 1e-15
		sigma = next
		if done {
			break
		}
	}
	cos2SigmaM = math.Cos(2*sigma1 + sigma)
	sinSigma, cosSigma = math.Sincos(sigma)

	t := p.sinU1*sinSigma - p.cosU1*cosSigma*cosA1
	lat = math.Atan2(p.sinU1*cosSigma+p.cosU1*sinSigma*cosA1, (1-f)*math.Hypot(sinAlpha, t))
	lambda := math.Atan2(sinSigma*sinA1, p.cosU1*cosSigma-p.sinU1*sinSigma*cosA1)
	c := f / 16 * cosSqAlpha * (4 + f*(4-3*cosSqAlpha))
	l := lambda - (1-c)*f*sinAlpha*(sigma+c*sinSigma*(cos2SigmaM+c*cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)))
	return lat, p.lon0 + l
}
