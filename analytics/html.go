package analytics

import (
	"bytes"
	_ "embed"
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"
)

//go:embed report.html
var reportHTML string

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"int":      fmtInt,
	"dur":      fmtDuration,
	"bytes":    fmtBytes,
	"pct":      fmtRate,
	"rate":     fmtPerSecond,
	"when":     fmtWhen,
	"date":     func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04") },
	"share":    func(v float64) string { return fmt.Sprintf("%.1f %%", v*100) },
	"seconds":  fmtSeconds,
	"statuses": func() []statusStyle { return statusStyles },
	"span":     fmtSpan,
}).Parse(reportHTML))

// page is what the template renders.
type page struct {
	*Report
	Scope       string
	JobsChart   template.HTML
	DurChart    template.HTML
	ErrorChart  template.HTML
	ThruChart   template.HTML
	TopErrors   []ErrorFigures
	TopUsers    []UserFigures
	MoreUsers   int
	JSONQuery   string
	HasDuration bool
}

// statusStyle is how a job status is drawn.
type statusStyle struct{ Name, Label, Color string }

var statusStyles = []statusStyle{
	{"completed", "Completed", "#2f9e44"},
	{"partial", "Partial", "#f59f00"},
	{"failed", "Failed", "#e03131"},
	{"cancelled", "Cancelled", "#adb5bd"},
}

// RenderHTML renders a report as a self-contained page: inline CSS and
// server-drawn SVG charts, no script, font or image fetched.
func RenderHTML(r *Report) ([]byte, error) {
	p := page{Report: r}
	if r.AllTenants {
		p.Scope = "All tenants"
	} else {
		p.Scope = "Tenant " + r.Tenant
	}
	p.JobsChart = jobsChart(r)
	p.DurChart = durationChart(r.Formats)
	p.ErrorChart = errorChart(r.Errors)
	p.ThruChart = throughputChart(r)
	p.TopErrors = r.Errors[:min(10, len(r.Errors))]
	p.TopUsers = r.Users[:min(25, len(r.Users))]
	p.MoreUsers = len(r.Users) - len(p.TopUsers)
	p.HasDuration = r.Durations.Count > 0
	q := fmt.Sprintf("period=%s&from=%s&to=%s", r.Period, r.From.Format(time.RFC3339), r.To.Format(time.RFC3339))
	if !r.AllTenants {
		q += "&tenant=" + r.Tenant
	}
	p.JSONQuery = q
	var b bytes.Buffer
	if err := reportTemplate.Execute(&b, p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ---- charts -----------------------------------------------------------------

// svgBuilder writes SVG; text goes through esc.
type svgBuilder struct{ strings.Builder }

func (b *svgBuilder) f(format string, args ...any) { fmt.Fprintf(&b.Builder, format, args...) }

func esc(s string) string { return html.EscapeString(s) }

// nice answers a round number ≥ v for an axis maximum, and a tick step.
func nice(v float64, ticks int) (top, step float64) {
	if v <= 0 {
		return 1, 1.0 / float64(ticks)
	}
	raw := v / float64(ticks)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if step = m * mag; step >= raw {
			break
		}
	}
	top = math.Ceil(v/step) * step
	return top, step
}

// bucketLabel names a bucket on an axis.
func bucketLabel(t time.Time, period string) string {
	switch period {
	case Hour:
		if t.Hour() == 0 {
			return t.Format("2 Jan")
		}
		return t.Format("15:04")
	case Month:
		return t.Format("Jan 2006")
	}
	return t.Format("2 Jan")
}

// bucketName names a bucket in a tooltip.
func bucketName(t time.Time, period string) string {
	switch period {
	case Hour:
		return t.Format("Mon 2 Jan 2006 15:04") + " UTC"
	case Week:
		return "week of " + t.Format("Mon 2 Jan 2006")
	case Month:
		return t.Format("January 2006")
	}
	return t.Format("Mon 2 Jan 2006")
}

const (
	chartFont = `font-family="system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"`
	axisColor = "#868e96"
	gridColor = "#e9ecef"
	textColor = "#343a40"
)

// emptyChart is a placeholder of the chart's size.
func emptyChart(id string, w, h int, msg string) template.HTML {
	var b svgBuilder
	b.f(`<svg id="%s" class="chart empty" role="img" aria-label="%s" viewBox="0 0 %d %d" width="100%%" %s>`, id, esc(msg), w, h, chartFont)
	b.f(`<rect x="0.5" y="0.5" width="%d" height="%d" rx="8" fill="#f8f9fa" stroke="%s" stroke-dasharray="4 4"/>`, w-1, h-1, gridColor)
	b.f(`<text x="%d" y="%d" text-anchor="middle" font-size="14" fill="%s">%s</text></svg>`, w/2, h/2+5, axisColor, esc(msg))
	return template.HTML(b.String())
}

// jobsChart draws finished jobs per bucket as bars stacked by status.
func jobsChart(r *Report) template.HTML {
	const w, h, left, right, top, bottom = 1120, 230, 52, 16, 12, 34
	if r.Totals.TotalJobs == 0 {
		return emptyChart("chart-jobs", w, 120, "No job finished in this range")
	}
	var peak int64
	for _, p := range r.Series {
		peak = max(peak, p.Total)
	}
	ymax, ystep := nice(float64(peak), 5)
	pw, ph := float64(w-left-right), float64(h-top-bottom)
	y := func(v float64) float64 { return float64(top) + ph - v/ymax*ph }
	var b svgBuilder
	b.f(`<svg id="chart-jobs" class="chart" role="img" aria-label="Jobs over time by status" viewBox="0 0 %d %d" width="100%%" %s>`, w, h, chartFont)
	for v := 0.0; v <= ymax+ystep/2; v += ystep {
		b.f(`<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s"/>`, left, w-right, y(v), y(v), gridColor)
		b.f(`<text x="%d" y="%.1f" text-anchor="end" font-size="12" fill="%s">%s</text>`, left-8, y(v)+4, axisColor, fmtInt(int64(v)))
	}
	n := len(r.Series)
	band := pw / float64(n)
	bw := math.Max(1, band*0.72)
	labelEvery := int(math.Ceil(float64(n) / 14))
	for i, p := range r.Series {
		x := float64(left) + float64(i)*band + (band-bw)/2
		base := 0.0
		counts := map[string]int64{"completed": p.Completed, "partial": p.Partial, "failed": p.Failed, "cancelled": p.Cancelled}
		b.f(`<g class="bucket" data-start="%s" data-total="%d">`, p.Start.Format(time.RFC3339), p.Total)
		for _, s := range statusStyles {
			c := counts[s.Name]
			if c == 0 {
				continue
			}
			y0, y1 := y(base), y(base+float64(c))
			b.f(`<rect class="bar status-%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" data-count="%d"><title>%s: %s %s</title></rect>`,
				s.Name, x, y1, bw, y0-y1, s.Color, c, esc(bucketName(p.Start, r.Period)), fmtInt(c), strings.ToLower(s.Label))
			base += float64(c)
		}
		b.f(`</g>`)
		if i%labelEvery == 0 {
			b.f(`<text x="%.1f" y="%d" text-anchor="middle" font-size="12" fill="%s">%s</text>`, x+bw/2, h-bottom+18, axisColor, esc(bucketLabel(p.Start, r.Period)))
		}
	}
	b.f(`<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s"/>`, left, w-right, y(0), y(0), axisColor)
	b.f(`</svg>`)
	return template.HTML(b.String())
}

// durationChart draws p50 and p95 conversion durations per format as bars.
func durationChart(formats []FormatFigures) template.HTML {
	const w, left, right, rowH, top = 540, 70, 92, 38, 4
	var rows []FormatFigures
	var peak float64
	for _, f := range formats {
		if f.Duration.Count > 0 {
			rows = append(rows, f)
			peak = math.Max(peak, f.Duration.P95MS)
		}
	}
	if len(rows) == 0 {
		return emptyChart("chart-durations", w, 120, "No completed conversion in this range")
	}
	h := top + rowH*len(rows) + 30
	xmax, xstep := nice(peak, 4)
	pw := float64(w - left - right)
	x := func(v float64) float64 { return float64(left) + v/xmax*pw }
	var b svgBuilder
	b.f(`<svg id="chart-durations" class="chart" role="img" aria-label="Duration percentiles by format" viewBox="0 0 %d %d" width="100%%" %s>`, w, h, chartFont)
	for v := 0.0; v <= xmax+xstep/2; v += xstep {
		b.f(`<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="%s"/>`, x(v), x(v), top, h-24, gridColor)
		b.f(`<text x="%.1f" y="%d" text-anchor="middle" font-size="12" fill="%s">%s</text>`, x(v), h-8, axisColor, esc(axisDuration(v)))
	}
	for i, f := range rows {
		y0 := float64(top + i*rowH)
		b.f(`<g class="format" data-format="%s">`, esc(f.Format))
		b.f(`<text x="%d" y="%.1f" text-anchor="end" font-size="13" font-weight="600" fill="%s">%s</text>`, left-10, y0+rowH/2+4, textColor, esc(f.Format))
		for j, q := range []struct {
			name, color string
			v           float64
		}{{"p50", "#74c0fc", f.Duration.P50MS}, {"p95", "#1864ab", f.Duration.P95MS}} {
			by := y0 + 3 + float64(j)*15
			bw := math.Max(1, x(q.v)-float64(left))
			b.f(`<rect class="bar %s" x="%d" y="%.1f" width="%.1f" height="13" rx="2" fill="%s" data-ms="%.1f"><title>%s %s: %s</title></rect>`,
				q.name, left, by, bw, q.color, q.v, esc(f.Format), q.name, esc(fmtDuration(q.v)))
			b.f(`<text x="%.1f" y="%.1f" font-size="12" fill="%s">%s %s</text>`, float64(left)+bw+6, by+10.5, textColor, q.name, esc(fmtDuration(q.v)))
		}
		b.f(`</g>`)
	}
	b.f(`<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s"/>`, left, left, top, h-24, axisColor)
	b.f(`</svg>`)
	return template.HTML(b.String())
}

// errorChart draws the most frequent error codes as bars.
func errorChart(errs []ErrorFigures) template.HTML {
	const w, left, right, rowH, top = 540, 150, 100, 30, 4
	if len(errs) == 0 {
		return emptyChart("chart-errors", w, 120, "No failed conversion in this range")
	}
	errs = errs[:min(8, len(errs))]
	h := top + rowH*len(errs) + 4
	peak := float64(errs[0].Count)
	pw := float64(w - left - right)
	var b svgBuilder
	b.f(`<svg id="chart-errors" class="chart" role="img" aria-label="Top errors" viewBox="0 0 %d %d" width="100%%" %s>`, w, h, chartFont)
	for i, e := range errs {
		y0 := float64(top + i*rowH)
		bw := math.Max(1, float64(e.Count)/peak*pw)
		b.f(`<g class="error" data-code="%s">`, esc(e.Code))
		b.f(`<text x="%d" y="%.1f" text-anchor="end" font-size="13" font-family="ui-monospace, 'DejaVu Sans Mono', monospace" fill="%s">%s</text>`,
			left-10, y0+rowH/2+3, textColor, esc(e.Code))
		b.f(`<rect class="bar" x="%d" y="%.1f" width="%.1f" height="18" rx="3" fill="#e8590c" data-count="%d"><title>%s: %s (%.1f %%)</title></rect>`,
			left, y0+5, bw, e.Count, esc(e.Code), fmtInt(e.Count), e.Share*100)
		b.f(`<text x="%.1f" y="%.1f" font-size="13" fill="%s">%s · %.1f %%</text>`, float64(left)+bw+6, y0+rowH/2+3, textColor, fmtInt(e.Count), e.Share*100)
		b.f(`</g>`)
	}
	b.f(`</svg>`)
	return template.HTML(b.String())
}

// throughputChart draws the elements converted per bucket, with the peak
// concurrency of each bucket as a line.
func throughputChart(r *Report) template.HTML {
	const w, h, left, right, top, bottom = 760, 210, 56, 44, 12, 34
	var peakE, peakC int64
	for _, p := range r.System.Throughput {
		peakE = max(peakE, p.Elements)
		peakC = max(peakC, p.PeakConcurrency)
	}
	if peakE == 0 && peakC == 0 {
		return emptyChart("chart-throughput", w, 100, "No conversion in this range")
	}
	ymax, ystep := nice(float64(peakE), 4)
	// Concurrency counts formats: whole ticks on the right axis.
	cstep := math.Max(1, math.Ceil(float64(peakC)/4))
	cmax := math.Max(cstep, math.Ceil(float64(peakC)/cstep)*cstep)
	pw, ph := float64(w-left-right), float64(h-top-bottom)
	y := func(v float64) float64 { return float64(top) + ph - v/ymax*ph }
	yc := func(v float64) float64 { return float64(top) + ph - v/cmax*ph }
	var b svgBuilder
	b.f(`<svg id="chart-throughput" class="chart" role="img" aria-label="Throughput over time" viewBox="0 0 %d %d" width="100%%" %s>`, w, h, chartFont)
	for v := 0.0; v <= ymax+ystep/2; v += ystep {
		b.f(`<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s"/>`, left, w-right, y(v), y(v), gridColor)
		b.f(`<text x="%d" y="%.1f" text-anchor="end" font-size="12" fill="%s">%s</text>`, left-8, y(v)+4, axisColor, esc(fmtCompact(v)))
	}
	for v := 0.0; v <= cmax+cstep/2; v += cstep {
		b.f(`<text x="%d" y="%.1f" font-size="12" fill="#ae3ec9">%s</text>`, w-right+8, yc(v)+4, fmtInt(int64(v)))
	}
	n := len(r.System.Throughput)
	band := pw / float64(n)
	bw := math.Max(1, band*0.72)
	labelEvery := int(math.Ceil(float64(n) / 14))
	var line []string
	for i, p := range r.System.Throughput {
		x := float64(left) + float64(i)*band + (band-bw)/2
		if p.Elements > 0 {
			b.f(`<rect class="bar throughput" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#4dabf7" data-elements="%d"><title>%s: %s elements in %s conversions (%s elements/s)</title></rect>`,
				x, y(float64(p.Elements)), bw, y(0)-y(float64(p.Elements)), p.Elements, esc(bucketName(p.Start, r.Period)),
				fmtInt(p.Elements), fmtInt(p.Conversions), fmtPerSecond(p.ElementsPerSecond))
		}
		line = append(line, fmt.Sprintf("%.1f,%.1f", x+bw/2, yc(float64(p.PeakConcurrency))))
		if i%labelEvery == 0 {
			b.f(`<text x="%.1f" y="%d" text-anchor="middle" font-size="12" fill="%s">%s</text>`, x+bw/2, h-bottom+18, axisColor, esc(bucketLabel(p.Start, r.Period)))
		}
	}
	b.f(`<polyline class="concurrency" points="%s" fill="none" stroke="#ae3ec9" stroke-width="1.75" stroke-opacity="0.85" stroke-linejoin="round"/>`, strings.Join(line, " "))
	b.f(`<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s"/>`, left, w-right, y(0), y(0), axisColor)
	b.f(`</svg>`)
	return template.HTML(b.String())
}

// ---- figures ----------------------------------------------------------------

// fmtInt writes n with thousands separators.
func fmtInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// fmtCompact writes an axis figure: 1.5k, 2M.
func fmtCompact(v float64) string {
	switch {
	case v >= 1e9:
		return strconv.FormatFloat(v/1e9, 'f', -1, 64) + "G"
	case v >= 1e6:
		return strconv.FormatFloat(math.Round(v/1e5)/10, 'f', -1, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(math.Round(v/1e2)/10, 'f', -1, 64) + "k"
	}
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// fmtDuration writes milliseconds for a person.
func fmtDuration(ms float64) string {
	switch {
	case ms <= 0:
		return "0"
	case ms < 1000:
		return fmt.Sprintf("%.0f ms", ms)
	case ms < 10_000:
		return fmt.Sprintf("%.2f s", ms/1000)
	case ms < 60_000:
		return fmt.Sprintf("%.1f s", ms/1000)
	case ms < 3_600_000:
		m := math.Floor(ms / 60_000)
		return fmt.Sprintf("%.0f min %.0f s", m, math.Floor((ms-m*60_000)/1000))
	}
	return fmt.Sprintf("%.1f h", ms/3_600_000)
}

// axisDuration writes a round duration of an axis: "5 s", not "5.00 s".
func axisDuration(ms float64) string {
	d := fmtDuration(ms)
	for _, z := range []string{".00 s", ".0 s"} {
		d = strings.Replace(d, z, " s", 1)
	}
	return d
}

// fmtSeconds writes seconds for a person.
func fmtSeconds(s float64) string { return fmtDuration(s * 1000) }

// fmtBytes writes a size in decimal units.
func fmtBytes(v any) string {
	var n float64
	switch x := v.(type) {
	case int64:
		n = float64(x)
	case float64:
		n = x
	}
	for _, u := range []struct {
		unit string
		size float64
	}{{"GB", 1e9}, {"MB", 1e6}, {"kB", 1e3}} {
		if n >= u.size {
			return fmt.Sprintf("%.1f %s", n/u.size, u.unit)
		}
	}
	return fmt.Sprintf("%.0f B", n)
}

// fmtRate writes a success rate, or an en dash when there is none.
func fmtRate(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", *v*100)
}

// fmtPerSecond writes a rate per second.
func fmtPerSecond(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

// fmtSpan writes a range [from, to): whole days as the days they hold.
func fmtSpan(from, to time.Time) string {
	if floorDay(from).Equal(from) && floorDay(to).Equal(to) {
		last := to.AddDate(0, 0, -1)
		if last.Equal(from) {
			return from.Format("2 Jan 2006")
		}
		return from.Format("2 Jan 2006") + " – " + last.Format("2 Jan 2006")
	}
	return from.Format("2 Jan 2006 15:04") + " – " + to.Format("2 Jan 2006 15:04") + " UTC"
}

// fmtWhen writes a time, or an en dash for none.
func fmtWhen(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("2 Jan 15:04")
}
