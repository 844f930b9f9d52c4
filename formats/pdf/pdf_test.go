package pdf_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/arxos/arxport/converters/plan"
	"github.com/arxos/arxport/converters/plan/plantest"
	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/formats/formattest"
	"github.com/arxos/arxport/formats/pdf"
	"github.com/arxos/arxport/gen"
	"github.com/arxos/arxport/model"
)

func example(t testing.TB, name string) string {
	t.Helper()
	text, err := plantest.Example(name)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func generated(t testing.TB, opts gen.Options) string {
	t.Helper()
	var b bytes.Buffer
	if _, err := gen.Write(&b, opts); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestConformance(t *testing.T) {
	formattest.Run(t, "pdf", example(t, "tech-tower.json"), plantest.Awkward(model.Unit("mm"), false),
		generated(t, gen.Options{Elements: 600, Floors: 3, Seed: 2}))
}

// result is one written PDF with what the writer said about it.
type result struct {
	pdf      []byte
	warnings []model.Problem
	pages    int64
}

func write(t testing.TB, m *model.Model, opts map[string]any) result {
	t.Helper()
	f, _ := formats.Lookup("pdf")
	vals, err := f.ParseOptions(opts)
	if err != nil {
		t.Fatal(err)
	}
	var res result
	out := &formattest.Memory{}
	j := &formats.Job{Model: m, Out: out, Base: "model", Time: formattest.Time, Options: vals,
		Warn: func(p model.Problem) { res.warnings = append(res.warnings, p) }}
	if err := f.Write(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	if got := out.Names(); len(got) != 1 || got[0] != "model.pdf" || out.Types["model.pdf"] != "application/pdf" {
		t.Fatalf("files %v, types %v", got, out.Types)
	}
	res.pdf = out.Files["model.pdf"].Bytes()
	res.pages = j.Metrics()["pages"]
	if keep := os.Getenv("ARXPORT_PDF_KEEP"); keep != "" {
		name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + ".pdf"
		_ = os.WriteFile(filepath.Join(keep, name), res.pdf, 0o644)
	}
	return res
}

func hasWarning(ws []model.Problem, code string) bool {
	for _, w := range ws {
		if w.Code == code {
			return true
		}
	}
	return false
}

// readers reports whether qpdf and poppler are installed; with
// ARXPORT_REQUIRE_READERS=1 their absence fails the test.
func readers(t *testing.T) bool {
	t.Helper()
	for _, tool := range []string{"qpdf", "pdftotext", "pdffonts", "pdfinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("ARXPORT_REQUIRE_READERS") == "1" {
				t.Fatalf("%s is not installed (run .ci/install-readers.sh)", tool)
			}
			t.Skipf("%s is not installed", tool)
			return false
		}
	}
	return true
}

// pdftotext extracts the text of a PDF.
func pdftotext(t *testing.T, doc []byte, args ...string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(file, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", append(append([]string{"-enc", "UTF-8"}, args...), file, "-")...).Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// check runs test/readers/check_pdf.sh on a PDF.
func check(t *testing.T, doc []byte, names []string, pages int) {
	t.Helper()
	dir := t.TempDir()
	file, list := filepath.Join(dir, "doc.pdf"), filepath.Join(dir, "names.txt")
	if err := os.WriteFile(file, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(list, []byte(strings.Join(names, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("bash", "../../test/readers/check_pdf.sh", file, list, strconv.Itoa(pages)).CombinedOutput()
	if err != nil {
		t.Fatalf("check_pdf.sh: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// expectedPages counts the pages a model should get: contents, one per floor,
// and the schedules (at least one page each).
func roomNames(p *plan.Plan) []string {
	var out []string
	for _, fl := range p.Floors {
		for _, r := range fl.Rooms {
			out = append(out, r.Name)
		}
	}
	return out
}

// models are the test models by name.
func models(t testing.TB) map[string]string {
	return map[string]string{
		"tech-tower":       example(t, "tech-tower.json"),
		"clinic-mm":        example(t, "clinic-mm.json"),
		"pavilion":         example(t, "pavilion.ndjson"),
		"awkward-m":        plantest.Awkward("m", true),
		"awkward-mm":       plantest.Awkward("mm", false),
		"awkward-ft":       plantest.Awkward("ft", true),
		"generated":        generated(t, gen.Options{Elements: 3000, Floors: 4, Seed: 7}),
		"generated-ft":     generated(t, gen.Options{Elements: 1500, Floors: 2, Seed: 3, Units: "ft"}),
		"generated-ndjson": generated(t, gen.Options{Elements: 1000, Floors: 2, Seed: 5, NDJSON: true}),
	}
}

var pageOf = regexp.MustCompile(`page (\d+) of (\d+)`)

func TestReaders(t *testing.T) {
	readers(t)
	for name, text := range models(t) {
		t.Run(name, func(t *testing.T) {
			m := formattest.Open(t, text)
			p, err := plan.Build(context.Background(), m, nil)
			if err != nil {
				t.Fatal(err)
			}
			res := write(t, m, nil)
			var names []string
			for _, n := range roomNames(p) {
				if strings.ContainsFunc(n, func(r rune) bool { return r > 0xFFFF }) {
					continue // emoji: no font has them (warned, checked in TestUnicode)
				}
				names = append(names, n)
			}
			check(t, res.pdf, names, int(res.pages))
			// pages: contents + floors + schedules; every page numbered
			text := pdftotext(t, res.pdf)
			nums := pageOf.FindAllStringSubmatch(text, -1)
			if len(nums) < int(res.pages) {
				t.Errorf("%d page labels for %d pages", len(nums), res.pages)
			}
			for _, n := range nums {
				if n[2] != strconv.Itoa(int(res.pages)) {
					t.Errorf("label %q: want n = %d", n[0], res.pages)
					break
				}
			}
			if int(res.pages) < 1+len(p.Floors)+2 {
				t.Errorf("%d pages for %d floors", res.pages, len(p.Floors))
			}
		})
	}
}

// TestPageCount checks pages = contents + floors + schedule pages.
func TestPageCount(t *testing.T) {
	m := formattest.Open(t, example(t, "tech-tower.json"))
	res := write(t, m, nil)
	p, _ := plan.Build(context.Background(), m, nil)
	if want := int64(1 + len(p.Floors) + 2); res.pages != want {
		t.Errorf("tech-tower: %d pages, want %d (contents, %d floors, rooms, equipment)", res.pages, want, len(p.Floors))
	}
	if got := bytes.Count(res.pdf, []byte("/Type /Page\n")) + bytes.Count(res.pdf, []byte("/Type /Page ")); got != 0 && int64(got) != res.pages {
		t.Logf("page objects: %d", got)
	}
	// a big building: schedules span pages, with the header on each
	big := formattest.Open(t, generated(t, gen.Options{Elements: 8000, Floors: 6, Seed: 4}))
	res = write(t, big, map[string]any{"paper": "A4"})
	pb, _ := plan.Build(context.Background(), big, nil)
	rooms, equip := 0, 0
	for _, fl := range pb.Floors {
		rooms += len(fl.Rooms)
		equip += len(fl.Equipment)
	}
	if res.pages <= int64(1+len(pb.Floors)+2) {
		t.Errorf("%d rooms, %d equipment on A4 in %d pages: schedules should span pages", rooms, equip, res.pages)
	}
	if readers(t) {
		text := pdftotext(t, res.pdf)
		pages := strings.Split(text, "\f")
		headers := 0
		for _, pg := range pages {
			if strings.Contains(pg, "Room schedule") && strings.Contains(pg, "Area m²") {
				headers++
			}
		}
		if headers < 2 {
			t.Errorf("room schedule header on %d pages, want it repeated", headers)
		}
		if !strings.Contains(text, "Contents") {
			t.Error("no contents page")
		}
	}
}

func TestUnicode(t *testing.T) {
	readers(t)
	m := formattest.Open(t, plantest.Awkward("m", true))
	res := write(t, m, nil)
	text := pdftotext(t, res.pdf)
	flat := strings.Join(strings.Fields(text), " ")
	for _, want := range []string{"会议室", "Кабинет директора", "Café", "Étage 2 — Верхний", "摄像头 №1",
		`Reception & Waiting "A" <Ground>`, plantest.LongName} {
		if !strings.Contains(flat, want) {
			t.Errorf("%q not extracted", want)
		}
	}
	if !hasWarning(res.warnings, pdf.CodeGlyphMissing) {
		t.Errorf("no %s warning for the emoji: %v", pdf.CodeGlyphMissing, res.warnings)
	}
	// fonts are subset: the 4 MB CJK font must not be embedded whole
	if len(res.pdf) > 1<<20 {
		t.Errorf("PDF of a small model is %d bytes: fonts not subset?", len(res.pdf))
	}
	out, err := exec.Command("pdffonts", writeTemp(t, res.pdf)).Output()
	if err != nil {
		t.Fatal(err)
	}
	if fonts := strings.ToLower(string(out)); !strings.Contains(fonts, "droidsansfallback") || !strings.Contains(fonts, "dejavusanscondensed") {
		t.Errorf("fonts:\n%s", out)
	}
}

func TestMissingFallbackFont(t *testing.T) {
	t.Setenv(pdf.FontDirEnv, t.TempDir())
	m := formattest.Open(t, plantest.Awkward("m", true))
	res := write(t, m, nil)
	found := false
	for _, w := range res.warnings {
		if w.Code == pdf.CodeGlyphMissing && strings.Contains(w.Message, "U+4F1A") && strings.Contains(w.Message, pdf.FontDirEnv) {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning naming the CJK characters and %s: %v", pdf.FontDirEnv, res.warnings)
	}
}

func writeTemp(t *testing.T, b []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestNoGeoref(t *testing.T) {
	for _, georef := range []bool{true, false} {
		m := formattest.Open(t, plantest.Awkward("m", georef))
		res := write(t, m, nil)
		if hasWarning(res.warnings, plan.CodeNoNorth) == georef {
			t.Errorf("georef %v: warnings %v", georef, res.warnings)
		}
		if _, err := exec.LookPath("pdftotext"); err != nil {
			continue
		}
		text := pdftotext(t, res.pdf)
		if strings.Contains(text, "no georef") == georef {
			t.Errorf("georef %v: north arrow note wrong", georef)
		}
	}
}

func TestEmptyFloor(t *testing.T) {
	readers(t)
	m := formattest.Open(t, plantest.Awkward("m", true))
	res := write(t, m, nil)
	pages := strings.Split(pdftotext(t, res.pdf), "\f")
	// contents, L0, L1 (empty), L2, ...
	if len(pages) < 3 || !strings.Contains(pages[2], "Empty floor") || !strings.Contains(pages[2], "Empty Mezzanine") {
		t.Errorf("page 3 is not the empty floor's:\n%s", pages[2])
	}
	if !strings.Contains(pages[0], "Empty Mezzanine (level 1) — empty") {
		t.Errorf("contents do not mark the empty floor:\n%s", pages[0])
	}
}

func TestScaleOption(t *testing.T) {
	m := formattest.Open(t, example(t, "tech-tower.json"))
	for _, tc := range []struct {
		opts map[string]any
		warn bool
	}{
		{map[string]any{"scale": "1:1000"}, false},
		{map[string]any{"scale": "1:50", "paper": "A4"}, true},
		{map[string]any{"paper": "A0", "orientation": "portrait"}, false},
		{map[string]any{"paper": "Letter"}, false},
		{map[string]any{"paper": "Tabloid"}, false},
	} {
		res := write(t, m, tc.opts)
		if hasWarning(res.warnings, pdf.CodeScale) != tc.warn {
			t.Errorf("%v: warnings %v", tc.opts, res.warnings)
		}
		if tc.opts["scale"] == "1:1000" && bytes.Contains(res.pdf, []byte("1:1000")) {
			// the scale is in compressed content; pdftotext checks it below
		}
		if _, err := exec.LookPath("pdftotext"); err == nil {
			text := pdftotext(t, res.pdf)
			if s, ok := tc.opts["scale"].(string); ok && !tc.warn && !strings.Contains(text, "Scale "+s) {
				t.Errorf("%v: scale not stated", tc.opts)
			}
			if !regexp.MustCompile(`Scale 1:\d+ on `).MatchString(text) {
				t.Errorf("%v: no scale text", tc.opts)
			}
		}
	}
}

func FuzzWrite(f *testing.F) {
	f.Add("Tower", "Lobby", "AHU-1", 0.0, 0.0, 1.0, 0.0)
	f.Add("東館", "会议室", "Кабинет", 512345.0, 6654321.0, 3.0, 45.0)
	f.Add("", " ", "\x00\ufffd", -1e6, 1e6, 0.01, -720.0)
	f.Add(plantest.LongName, "é\u0301🛋️", "<&>", 1e7, -1e7, 100.0, 12.5)
	f.Fuzz(func(t *testing.T, building, room, equipment string, x, y, size, rot float64) {
		text := plantest.Fuzz(building, room, equipment, x, y, size, rot)
		m, err := model.Open(context.Background(), strings.NewReader(text), nil)
		if err != nil {
			return
		}
		defer m.Close()
		f, _ := formats.Lookup("pdf")
		vals, _ := f.ParseOptions(nil)
		out := &formattest.Memory{}
		j := &formats.Job{Model: m, Out: out, Base: "f", Time: formattest.Time, Options: vals}
		if err := f.Write(context.Background(), j); err != nil {
			t.Fatal(err)
		}
		b := out.Files["f.pdf"].Bytes()
		if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.HasSuffix(bytes.TrimRight(b, "\r\n"), []byte("%%EOF")) {
			t.Fatalf("not a PDF: %q … %q", b[:min(20, len(b))], b[max(0, len(b)-20):])
		}
	})
}

// BenchmarkWrite writes a generated 20-floor building of 16,000 elements.
func BenchmarkWrite(b *testing.B) {
	m := formattest.Open(b, generated(b, gen.Options{Elements: 16000, Floors: 20, Seed: 1}))
	wall := time.Now()
	j := formattest.Bench(b, "pdf", m, nil)
	b.ReportMetric(float64(j.Metrics()["pages"])*float64(b.N)/time.Since(wall).Seconds(), "pages/s")
}
