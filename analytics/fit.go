package analytics

import "math"

// Fitting methods.
const (
	LeastSquares = "least_squares" // y = a + b·x, fitted with an intercept
	Proportional = "proportional"  // y = b·x, through the origin
)

// Line is y = Intercept + Slope·x, fitted by Method.
type Line struct {
	Intercept float64 `json:"intercept"`
	Slope     float64 `json:"slope"`
	Method    string  `json:"method"`
}

// At answers the line at x, never below 0.
func (l Line) At(x float64) float64 { return math.Max(0, l.Intercept+l.Slope*x) }

// fitLine fits y (Σy = sy, Σxy = sxy) on x by least squares with an
// intercept; when there are fewer than two points, every x is the same, or
// the slope comes out negative (more elements taking less), through the
// origin instead. false when there is nothing to fit.
func fitLine(n int64, sx, sxx, sy, sxy float64) (Line, bool) {
	if n <= 0 || sxx <= 0 {
		return Line{}, false
	}
	fn := float64(n)
	if den := fn*sxx - sx*sx; n >= 2 && den > 1e-9*fn*sxx {
		slope := (fn*sxy - sx*sy) / den
		if slope >= 0 {
			return Line{Intercept: (sy - slope*sx) / fn, Slope: slope, Method: LeastSquares}, true
		}
	}
	return Line{Slope: sxy / sxx, Method: Proportional}, true
}

// Fit is what the history of a format says about its next conversion.
type Fit struct {
	Duration    Line  // milliseconds by elements
	Bytes       Line  // output bytes by elements
	BasedOnJobs int64 // formats the fit rests on
}

// Fit fits duration and output size on elements; false when the sums hold no
// format with elements.
func (s Sums) Fit() (Fit, bool) {
	d, ok := fitLine(s.N, s.X, s.XX, s.Y, s.XY)
	if !ok {
		return Fit{}, false
	}
	b, _ := fitLine(s.N, s.X, s.XX, s.B, s.XB)
	return Fit{Duration: d, Bytes: b, BasedOnJobs: s.N}, true
}

// Method is LeastSquares when both lines are, Proportional otherwise.
func (f Fit) Method() string {
	if f.Duration.Method == LeastSquares && f.Bytes.Method == LeastSquares {
		return LeastSquares
	}
	return Proportional
}

// At answers the expected duration (seconds) and output size (bytes) of
// converting the given number of elements.
func (f Fit) At(elements int64) (seconds float64, bytes int64) {
	x := float64(elements)
	return f.Duration.At(x) / 1000, int64(math.Round(f.Bytes.At(x)))
}
