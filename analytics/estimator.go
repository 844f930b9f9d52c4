package analytics

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/arxos/arxport/exports"
)

// ErrInsufficientData is the answer for a format whose history holds no
// completed conversion with a known number of elements.
var ErrInsufficientData = errors.New("analytics: not enough history to estimate")

// Estimator fits, per format, duration and output size on elements from the
// day roll-ups of completed formats of every tenant over the store's
// EstimateWindow. It keeps the fits in memory and reads them again at most
// once per EstimateTTL (a minute), also after a failure, so it costs the
// database at most one query a minute however often it is asked. It
// implements exports.Estimator.
type Estimator struct {
	s          *Store
	mu         sync.Mutex
	fits       map[string]Fit
	err        error // of the last refresh
	loaded     time.Time
	refreshing bool
}

var _ exports.Estimator = (*Estimator)(nil)

func newEstimator(s *Store) *Estimator { return &Estimator{s: s} }

// Estimate answers what converting items elements into format is expected to
// take; false when history does not support an estimate (or the roll-ups
// cannot be read).
func (e *Estimator) Estimate(ctx context.Context, format string, items int64) (exports.Estimate, bool) {
	f, err := e.Fit(ctx, format)
	if err != nil {
		return exports.Estimate{}, false
	}
	secs, bytes := f.At(items)
	return exports.Estimate{DurationSeconds: secs, OutputBytes: bytes, BasedOnJobs: int(f.BasedOnJobs)}, true
}

// Fit answers the format's fit: ErrInsufficientData when history holds none,
// another error when the roll-ups could not be read.
func (e *Estimator) Fit(ctx context.Context, format string) (Fit, error) {
	fits, err := e.current(ctx)
	if err != nil {
		return Fit{}, err
	}
	f, ok := fits[format]
	if !ok {
		return Fit{}, ErrInsufficientData
	}
	return f, nil
}

// current answers the cached fits, reading them again when they are older
// than the TTL. While one caller refreshes, the others get the fits as they
// were.
func (e *Estimator) current(ctx context.Context) (map[string]Fit, error) {
	now := e.s.now()
	e.mu.Lock()
	if !e.loaded.IsZero() && now.Sub(e.loaded) < e.s.cfg.EstimateTTL || e.refreshing && e.fits != nil {
		fits, err := e.fits, e.err
		e.mu.Unlock()
		if fits != nil {
			err = nil // stale fits beat none
		}
		return fits, err
	}
	e.refreshing = true
	e.mu.Unlock()

	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	fits, err := e.s.Fits(rctx, time.Time{})
	cancel()

	e.mu.Lock()
	defer e.mu.Unlock()
	e.refreshing, e.loaded, e.err = false, now, err
	if err != nil {
		e.s.cfg.Log.Warn("analytics: reading the estimates", "err", err)
		if e.fits != nil {
			return e.fits, nil
		}
		return nil, err
	}
	e.fits = fits
	return fits, nil
}

// Fits reads the fit of every format from the day roll-ups of completed
// formats, every tenant's, since the given time (zero: the store's
// EstimateWindow before now).
func (s *Store) Fits(ctx context.Context, since time.Time) (map[string]Fit, error) {
	if since.IsZero() {
		since = s.now().Add(-s.cfg.EstimateWindow)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT format, CAST(sum(fit_n) AS BIGINT), sum(fit_x), sum(fit_y), sum(fit_b),
		sum(fit_xx), sum(fit_xy), sum(fit_xb)
		FROM analytics_formats WHERE grain = $1 AND bucket >= $2 AND status = 'completed' AND fit_n > 0
		GROUP BY format`, dayGrain, micros(floorDay(since)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	fits := map[string]Fit{}
	for rows.Next() {
		var format string
		var s Sums
		if err := rows.Scan(&format, &s.N, &s.X, &s.Y, &s.B, &s.XX, &s.XY, &s.XB); err != nil {
			return nil, err
		}
		if f, ok := s.Fit(); ok {
			fits[format] = f
		}
	}
	return fits, rows.Err()
}
