package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// dist is a set of latencies.
type dist []time.Duration

// pct answers the p-th percentile (nearest rank) of a sorted dist.
func (d dist) pct(p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(p/100*float64(len(d))+0.999999) - 1
	return d[max(0, min(i, len(d)-1))]
}

func (d dist) sorted() dist {
	s := slices.Clone(d)
	slices.Sort(s)
	return s
}

func (d dist) mean() time.Duration {
	if len(d) == 0 {
		return 0
	}
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	return sum / time.Duration(len(d))
}

// ms renders a duration in milliseconds with enough digits for sub-ms figures.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 10:
		return fmt.Sprintf("%.2f", v)
	case v < 100:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.0f", v)
}

func ratio(a, b float64) string {
	if b == 0 {
		return "–"
	}
	r := a / b
	if r >= 10 {
		return fmt.Sprintf("%.0f×", r)
	}
	return fmt.Sprintf("%.2f×", r)
}

func dratio(a, b time.Duration) string { return ratio(float64(a), float64(b)) }

func mb(kb int64) string {
	if kb <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f", float64(kb)/1024)
}

// table is a Markdown table printed to stdout as a whole.
type table struct {
	title string
	notes []string
	head  []string
	align []string
	rows  [][]string
}

func newTable(title string, cols ...string) *table {
	t := &table{title: title}
	for _, c := range cols {
		// A leading '<' left-aligns a column; the rest are numbers.
		if a, ok := strings.CutPrefix(c, "<"); ok {
			t.head, t.align = append(t.head, a), append(t.align, "---")
		} else {
			t.head, t.align = append(t.head, c), append(t.align, "---:")
		}
	}
	return t
}

func (t *table) add(cells ...any) {
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = fmt.Sprint(c)
	}
	t.rows = append(t.rows, row)
}

func (t *table) note(format string, args ...any) {
	t.notes = append(t.notes, fmt.Sprintf(format, args...))
}

func (t *table) print(w io.Writer) {
	fmt.Fprintf(w, "\n### %s\n\n", t.title)
	fmt.Fprintf(w, "| %s |\n|%s|\n", strings.Join(t.head, " | "), strings.Join(t.align, "|"))
	for _, r := range t.rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
	}
	if len(t.notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range t.notes {
			fmt.Fprintln(w, n)
		}
	}
}

// say reports progress on stderr; the tables go to stdout.
func say(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}
