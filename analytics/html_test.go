package analytics

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/arxos/arxport/api"
	"github.com/arxos/arxport/exports"
)

var update = flag.Bool("update", false, "write the page's screenshot to docs/analytics-report.png")

// chromium finds headless Chromium (Debian package chromium); without it the
// test is skipped, unless ARXPORT_REQUIRE_READERS=1 (as in CI) makes it fail.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("ARXPORT_REQUIRE_READERS") == "1" {
		t.Fatal("chromium is not installed (apt-get install chromium; .ci/install-readers.sh) and ARXPORT_REQUIRE_READERS=1")
	}
	t.Skip("chromium is not installed (apt-get install chromium)")
	return ""
}

// runChromium runs headless Chromium on a URL with extra flags and answers
// its standard output.
func runChromium(t *testing.T, bin, url string, flags ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--user-data-dir=" + t.TempDir()}, flags...)
	cmd := exec.CommandContext(ctx, bin, append(args, url)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(flags, " "), err, stderr.Bytes())
	}
	return stdout.Bytes()
}

// TestReportPageInChromium renders the report page in headless Chromium,
// served by the API behind its keys, and checks what the browser built: the
// charts' SVG elements and the figures; then takes a screenshot.
func TestReportPageInChromium(t *testing.T) {
	bin := chromium(t)
	e := rolledEnv(t, "sqlite:"+filepath.Join(t.TempDir(), "jobs.db"))
	ctx := context.Background()
	const key = "key-admin-0123456789"
	srv, err := api.New(ctx, &exports.Service{Store: e.jobs, Log: slog.New(slog.DiscardHandler)}, api.Config{AdminKeys: []string{key}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle("GET /v1/analytics/report", srv.Authed(e.an.ServeReport))
	// A browser sends no bearer key: the test's server adds it.
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+key)
		srv.ServeHTTP(w, r)
	}))
	defer hs.Close()
	from, to := seedStart.Format(time.DateOnly), seedStart.AddDate(0, 0, seedDays-1).Format(time.DateOnly)
	url := hs.URL + "/v1/analytics/report?format=html&from=" + from + "&to=" + to
	rep, err := e.an.Report(ctx, Query{Period: Day, From: seedStart, To: seedStart.AddDate(0, 0, seedDays)})
	if err != nil {
		t.Fatal(err)
	}

	dom := string(runChromium(t, bin, url, "--dump-dom"))
	count := func(pattern string) int { return len(regexp.MustCompile(pattern).FindAllStringIndex(dom, -1)) }
	for _, id := range []string{"chart-jobs", "chart-durations", "chart-errors", "chart-throughput"} {
		if count(`<svg id="`+id+`" class="chart"`) != 1 {
			t.Errorf("the rendered page has no chart %s", id)
		}
	}
	// Jobs over time: one bar segment per bucket and status with jobs.
	for _, s := range statusStyles {
		want := 0
		for _, p := range rep.Series {
			if map[string]int64{"completed": p.Completed, "partial": p.Partial, "failed": p.Failed, "cancelled": p.Cancelled}[s.Name] > 0 {
				want++
			}
		}
		if got := count(`<rect class="bar status-` + s.Name + `"`); got != want || want == 0 && s.Name == "completed" {
			t.Errorf("%d %s bar segments, want %d", got, s.Name, want)
		}
	}
	if got := count(`<g class="bucket" `); got != len(rep.Series) {
		t.Errorf("%d buckets drawn, want %d", got, len(rep.Series))
	}
	// Durations: a p50 and a p95 bar per format, labelled with the figures.
	for _, f := range rep.Formats {
		for _, q := range []struct {
			name string
			ms   float64
		}{{"p50", f.Duration.P50MS}, {"p95", f.Duration.P95MS}} {
			if count(fmt.Sprintf(`<rect class="bar %s" [^>]*data-ms="%.1f"><title>%s %s: `, q.name, q.ms, f.Format, q.name)) != 1 {
				t.Errorf("no %s bar of %.1f ms for %s", q.name, q.ms, f.Format)
			}
		}
	}
	// Errors: a bar per code (top 8) and a table row per code (top 10).
	if got, want := count(`<g class="error" data-code="`), min(8, len(rep.Errors)); got != want || want == 0 {
		t.Errorf("%d error bars, want %d", got, want)
	}
	for _, ef := range rep.Errors {
		if count(`<td><code>`+ef.Code+`</code></td><td class="n">`+fmtInt(ef.Count)+`</td>`) != 1 {
			t.Errorf("no table row for error %s (%d)", ef.Code, ef.Count)
		}
	}
	// Figures.
	for id, want := range map[string]string{
		"total-jobs":     fmtInt(rep.Totals.TotalJobs),
		"completed-jobs": fmtInt(rep.Totals.CompletedJobs),
		"failed-jobs":    fmtInt(rep.Totals.FailedJobs),
		"success-rate":   fmtRate(rep.Totals.SuccessRate),
		"duration":       fmtDuration(rep.Durations.P50MS),
	} {
		if count(`id="`+id+`">`+regexp.QuoteMeta(want)+`<`) != 1 {
			t.Errorf("figure %s is not %s on the page", id, want)
		}
	}
	for _, f := range rep.Formats {
		if count(`<tr data-format="`+f.Format+`"><td><strong>`+f.Format+`</strong></td><td class="n">`+fmtInt(f.Jobs)+`</td>`) != 1 {
			t.Errorf("no table row for format %s", f.Format)
		}
	}
	if count(`<table id="users">`) != 1 || count(`<span class="tag">`) < 3 {
		t.Error("no users table with preferred formats")
	}
	if count(`<polyline class="concurrency"`) != 1 {
		t.Error("no peak concurrency line")
	}

	// The screenshot.
	shot := filepath.Join(t.TempDir(), "report.png")
	runChromium(t, bin, url, "--screenshot="+shot, "--window-size=1280,2000", "--hide-scrollbars")
	b, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if sz := img.Bounds().Size(); sz.X != 1280 || sz.Y != 2000 {
		t.Errorf("screenshot %v, want 1280×2000", sz)
	}
	colours := map[uint32]bool{}
	for y := 0; y < img.Bounds().Dy(); y += 7 {
		for x := 0; x < img.Bounds().Dx(); x += 7 {
			r, g, b, _ := img.At(x, y).RGBA()
			colours[r>>12<<8|g>>12<<4|b>>12] = true
		}
	}
	if len(colours) < 20 {
		t.Errorf("the screenshot has %d colours: blank?", len(colours))
	}
	if *update {
		if err := os.WriteFile(filepath.Join("..", "docs", "analytics-report.png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
