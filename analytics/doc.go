// Package analytics will hold the export analytics: roll-ups into Postgres, the
// report and the estimates (issue 6).
package analytics
