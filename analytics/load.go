package analytics

import (
	"context"
	"strings"
)

// Readers of the roll-up tables, in key order. tenant "" reads every tenant.

type formatRow struct {
	key formatKey
	agg *formatAgg
}

type jobRow struct {
	key jobKey
	agg jobAgg
}

type errorRow struct {
	key errorKey
	agg errorAgg
}

// where is the condition on grain, bucket range and (unless "") tenant.
func where(grain string, b0, b1 int64, tenant string) (string, []any) {
	cond := "grain = $1 AND bucket >= $2 AND bucket < $3"
	args := []any{grain, b0, b1}
	if tenant != "" {
		cond += " AND tenant = $4"
		args = append(args, tenant)
	}
	return cond, args
}

func loadFormats(ctx context.Context, q querier, grain string, b0, b1 int64, tenant string) ([]formatRow, error) {
	cond, args := where(grain, b0, b1, tenant)
	rows, err := q.QueryContext(ctx, "SELECT "+strings.Join(formatColumns[1:], ", ")+" FROM analytics_formats WHERE "+cond+
		" ORDER BY bucket, tenant, user_name, format, status, priority", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []formatRow
	for rows.Next() {
		var (
			k      formatKey
			a      = new(formatAgg)
			dh, wh string
		)
		if err := rows.Scan(&k.Bucket, &k.Tenant, &k.User, &k.Format, &k.Status, &k.Priority, &a.Formats,
			&a.DurationSum, &a.DurationMin, &a.DurationMax, &dh, &a.WaitCount, &a.WaitSum, &a.WaitMax, &wh,
			&a.Bytes, &a.Elements, &a.Fit.N, &a.Fit.X, &a.Fit.Y, &a.Fit.B, &a.Fit.XX, &a.Fit.XY, &a.Fit.XB, &a.LastAt); err != nil {
			return nil, err
		}
		if a.DurationHist, err = decodeHist(dh); err != nil {
			return nil, err
		}
		if a.WaitHist, err = decodeHist(wh); err != nil {
			return nil, err
		}
		out = append(out, formatRow{k, a})
	}
	return out, rows.Err()
}

func loadJobs(ctx context.Context, q querier, grain string, b0, b1 int64, tenant string) ([]jobRow, error) {
	cond, args := where(grain, b0, b1, tenant)
	rows, err := q.QueryContext(ctx, "SELECT bucket, tenant, user_name, status, jobs, last_at FROM analytics_jobs WHERE "+cond+
		" ORDER BY bucket, tenant, user_name, status", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []jobRow
	for rows.Next() {
		var r jobRow
		if err := rows.Scan(&r.key.Bucket, &r.key.Tenant, &r.key.User, &r.key.Status, &r.agg.Jobs, &r.agg.LastAt); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func loadErrors(ctx context.Context, q querier, grain string, b0, b1 int64, tenant string) ([]errorRow, error) {
	cond, args := where(grain, b0, b1, tenant)
	rows, err := q.QueryContext(ctx, "SELECT bucket, tenant, format, error_code, count, last_seen FROM analytics_errors WHERE "+cond+
		" ORDER BY bucket, tenant, format, error_code", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []errorRow
	for rows.Next() {
		var r errorRow
		if err := rows.Scan(&r.key.Bucket, &r.key.Tenant, &r.key.Format, &r.key.Code, &r.agg.Count, &r.agg.LastSeen); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// loadPeaks reads the hourly peak concurrency of [b0, b1) for the tenant ("":
// every tenant together).
func loadPeaks(ctx context.Context, q querier, b0, b1 int64, tenant string) ([]peak, error) {
	rows, err := q.QueryContext(ctx, "SELECT bucket, peak FROM analytics_concurrency WHERE tenant = $1 AND bucket >= $2 AND bucket < $3 ORDER BY bucket",
		tenant, b0, b1)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []peak
	for rows.Next() {
		var p peak
		if err := rows.Scan(&p.Bucket, &p.Peak); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
