// Package analytics keeps the export analytics (issue 6, API.md "Analytics"):
//
//   - Roll-ups: Rollup recomputes, in one transaction, the hour and day buckets
//     touched by the formats and jobs that finished in a range, from the job
//     store's jobs and job_formats rows: counts, duration and queue-wait
//     histograms over fixed log-spaced bounds (so percentiles merge), bytes,
//     elements and least-squares sums per (bucket, tenant, user, format, status,
//     priority); jobs per status; errors per code; peak concurrency per hour.
//     Running it twice, or over overlapping ranges, leaves the same tables. The
//     tables are created by the job store's migrations (00002_analytics.sql),
//     in Postgres and in SQLite alike.
//   - The report (ServeReport, GET /v1/analytics/report): totals, durations,
//     per-format, error, per-user and system figures, time series, and a fitted
//     estimate per format; as JSON or as a self-contained HTML page with SVG
//     charts (?format=html).
//   - Estimates (ServeEstimate, GET /v1/analytics/estimate, and Estimator for
//     exports.Service.Estimator): duration and output size fitted on elements by
//     least squares, from the day roll-ups, cached for a minute.
package analytics
