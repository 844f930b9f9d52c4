package csv_test

import (
	"archive/zip"
	"bytes"
	"context"
	stdcsv "encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/arxos/arxport/converters/tables"
	"github.com/arxos/arxport/converters/tables/tablestest"
	"github.com/arxos/arxport/formats"
	_ "github.com/arxos/arxport/formats/csv"
	"github.com/arxos/arxport/formats/formattest"
	"github.com/arxos/arxport/model"
)

func TestContract(t *testing.T) {
	formattest.Run(t, "csv", tablestest.Sample, tablestest.FuzzModel("n", "k", "v", 5, true))
}

// readTables reads every CSV of an output: the zip's entries, or a single file.
// It checks RFC 4180 on the way (CRLF ends, same field count on every record).
func readTables(t testing.TB, out *formattest.Memory, crlfOnly bool) map[string][][]string {
	t.Helper()
	got := map[string][][]string{}
	for _, name := range out.Names() {
		data := out.Files[name].Bytes()
		switch {
		case strings.HasSuffix(name, ".csv.zip"):
			zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range zr.File {
				if !f.Modified.Equal(formattest.Time) {
					t.Errorf("%s: modified %v, want the job's time", f.Name, f.Modified)
				}
				rc, err := f.Open()
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(rc)
				if err != nil {
					t.Fatal(err)
				}
				got[strings.TrimSuffix(f.Name, ".csv")] = parse(t, f.Name, b, crlfOnly)
			}
		case strings.HasSuffix(name, ".csv"):
			table := strings.TrimSuffix(strings.TrimPrefix(name, "model."), ".csv")
			got[table] = parse(t, name, data, crlfOnly)
		default:
			t.Fatalf("unexpected file %s", name)
		}
	}
	return got
}

// parse reads one CSV. With crlfOnly, for models whose text holds no line
// feed, it also checks that every line feed is part of a CRLF.
func parse(t testing.TB, name string, b []byte, crlfOnly bool) [][]string {
	t.Helper()
	b = bytes.TrimPrefix(b, []byte("\uFEFF"))
	r := stdcsv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = 0 // every record as long as the header
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Errorf("%s: does not end in CRLF", name)
	}
	if crlfOnly && bytes.Count(b, []byte("\n")) != bytes.Count(b, []byte("\r\n")) {
		t.Errorf("%s: line ends are not CRLF", name)
	}
	return recs
}

// checkTables compares what was read with the model's counts and the table
// declarations: header, row count, and every value parses as its column's kind.
func checkTables(t testing.TB, m *model.Model, got map[string][][]string, want []*tables.Table) {
	t.Helper()
	counts := tablestest.Counts(m)
	if len(got) != len(want) {
		t.Errorf("%d tables, want %d", len(got), len(want))
	}
	for _, tb := range want {
		recs := got[tb.Name]
		if len(recs) == 0 {
			t.Errorf("%s: no header", tb.Name)
			continue
		}
		var header []string
		for _, c := range tb.Columns {
			header = append(header, c.Name)
		}
		if !slices.Equal(recs[0], header) {
			t.Errorf("%s: header %v", tb.Name, recs[0])
		}
		if n := int64(len(recs) - 1); n != counts[tb.Name] {
			t.Errorf("%s: %d rows, want %d", tb.Name, n, counts[tb.Name])
		}
		for _, rec := range recs[1:] {
			for i, c := range tb.Columns {
				v := rec[i]
				if v == "" {
					if !c.Nullable && c.Kind != tables.String {
						t.Errorf("%s.%s: empty", tb.Name, c.Name)
					}
					continue
				}
				var err error
				switch c.Kind {
				case tables.Int:
					_, err = strconv.ParseInt(v, 10, 64)
				case tables.Float:
					_, err = strconv.ParseFloat(v, 64)
					if strings.ContainsAny(v, "InfNa") {
						t.Errorf("%s.%s: %q is not a finite number", tb.Name, c.Name, v)
					}
				case tables.Bool:
					if v != "true" && v != "false" {
						t.Errorf("%s.%s: boolean %q", tb.Name, c.Name, v)
					}
				}
				if err != nil {
					t.Errorf("%s.%s: %v", tb.Name, c.Name, err)
				}
			}
		}
	}
}

func column(recs [][]string, name string) []string {
	i := slices.Index(recs[0], name)
	var out []string
	for _, r := range recs[1:] {
		out = append(out, r[i])
	}
	return out
}

func TestZip(t *testing.T) {
	m := formattest.Open(t, tablestest.Sample)
	out := formattest.Write(t, "csv", m, nil)
	if !slices.Equal(out.Names(), []string{"model.csv.zip"}) || out.Types["model.csv.zip"] != "application/zip" {
		t.Fatalf("files %v %v", out.Names(), out.Types)
	}
	data := out.Files["model.csv.zip"].Bytes()
	zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if want := []string{"floors.csv", "rooms.csv", "elements.csv", "equipment.csv", "properties.csv", "connections.csv"}; !slices.Equal(names, want) {
		t.Errorf("entries %v, want %v", names, want)
	}
	got := readTables(t, out, true)
	checkTables(t, m, got, tables.All)

	names = column(got["rooms"], "name")
	if !slices.Contains(names, "'"+tablestest.Formula) || !slices.Contains(names, tablestest.Unicode) {
		t.Errorf("room names %q: want the formula guarded and the Unicode name intact", names)
	}
	for _, tb := range got {
		for _, rec := range tb {
			for _, v := range rec {
				if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
					if _, err := strconv.ParseFloat(v, 64); err != nil {
						t.Errorf("unguarded text %q", v)
					}
				}
			}
		}
	}
	if !slices.Contains(column(got["elements"], "name"), "'\tTab") || !slices.Contains(column(got["elements"], "name"), "'@door") {
		t.Errorf("element names %q", column(got["elements"], "name"))
	}
	// Numbers that are text stay as written; numbers are plain numbers.
	vals := column(got["properties"], "value")
	if !slices.Contains(vals, "0012") || !slices.Contains(vals, "'-2+3") || !slices.Contains(vals, "-3.5") || !slices.Contains(vals, "1200.5") {
		t.Errorf("property values %q", vals)
	}
	if !slices.Contains(column(got["elements"], "max_y"), "5000000.3") {
		t.Errorf("large coordinates lost precision: %q", column(got["elements"], "max_y"))
	}
	raw := out.Files["model.csv.zip"].Bytes()
	if bytes.HasPrefix(raw, []byte("\uFEFF")) {
		t.Error("BOM without the option")
	}
}

func TestOneTable(t *testing.T) {
	m := formattest.Open(t, tablestest.Sample)
	out := formattest.Write(t, "csv", m, map[string]any{"tables": "rooms", "bom": true})
	if !slices.Equal(out.Names(), []string{"model.rooms.csv"}) || !strings.HasPrefix(out.Types["model.rooms.csv"], "text/csv") {
		t.Fatalf("files %v", out.Names())
	}
	if !bytes.HasPrefix(out.Files["model.rooms.csv"].Bytes(), []byte("\uFEFFid,floor,name,")) {
		t.Errorf("no BOM or header: %q", out.Files["model.rooms.csv"].Bytes()[:20])
	}
	checkTables(t, m, readTables(t, out, true), []*tables.Table{tables.Rooms})

	out = formattest.Write(t, "csv", m, map[string]any{"tables": "connections,equipment"})
	checkTables(t, m, readTables(t, out, true), []*tables.Table{tables.Equipment, tables.Connections})
}

func TestBadOption(t *testing.T) {
	m := formattest.Open(t, tablestest.Sample)
	f, _ := formats.Lookup("csv")
	// Refused when the options are checked, before any work starts...
	if _, err := f.ParseOptions(map[string]any{"tables": "rooms,walls"}); err == nil || !strings.Contains(err.Error(), "walls") {
		t.Errorf("unknown table accepted by ParseOptions: %v", err)
	}
	// ...and by the writer too, should unchecked values reach it.
	out := &formattest.Memory{}
	err := f.Write(context.Background(), &formats.Job{Model: m, Out: out, Base: "model", Options: formats.Values{"tables": "rooms,walls"}})
	if err == nil || !strings.Contains(err.Error(), "walls") || len(out.Names()) != 0 {
		t.Errorf("unknown table: %v, files %v", err, out.Names())
	}
}

func TestGenerated(t *testing.T) {
	m := formattest.Generated(t, 3000)
	checkTables(t, m, readTables(t, formattest.Write(t, "csv", m, nil), true), tables.All)
}

// TestFlatMemory checks that memory does not grow with the model: a model ten
// times larger must not need much more heap while it is converted.
func TestFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	peak := func(n int) uint64 {
		m := formattest.Generated(t, n)
		f, _ := formats.Lookup("csv")
		vals, _ := f.ParseOptions(nil)
		return tablestest.PeakHeap(func() {
			j := &formats.Job{Model: m, Out: &formattest.Discard{}, Base: "b", Options: vals, TempDir: t.TempDir()}
			if err := f.Write(context.Background(), j); err != nil {
				t.Fatal(err)
			}
		})
	}
	small, large := peak(5000), peak(50000)
	t.Logf("peak heap: %d KiB for 5k elements, %d KiB for 50k", small>>10, large>>10)
	if large > 2*small+8<<20 {
		t.Errorf("memory grows with the model: %d KiB for 5k elements, %d KiB for 50k", small>>10, large>>10)
	}
}

func FuzzWrite(f *testing.F) {
	f.Add("Lobby", "finish", "stone", 12.5, true)
	f.Add(tablestest.Formula, "=k", "-2+3", -0.001, false)
	f.Add(tablestest.Unicode, "ключ", "\"quoted\", with comma\r\nand lines", 1e6, true)
	f.Add(" lead", "@", "\t", 3.0, false)
	f.Fuzz(func(t *testing.T, name, key, text string, num float64, flag bool) {
		m := tablestest.OpenFuzz(name, key, text, num, flag)
		if m == nil {
			return
		}
		defer m.Close()
		for _, opts := range []map[string]any{nil, {"tables": "properties"}} {
			out := formattest.Write(t, "csv", m, opts)
			got := readTables(t, out, false)
			want := tables.All
			if opts != nil {
				want = []*tables.Table{tables.Properties}
			}
			checkTables(t, m, got, want)
		}
	})
}

func BenchmarkWrite(b *testing.B) {
	for kind, m := range map[string]*model.Model{"ndjson": formattest.Generated(b, 10000), "json": formattest.GeneratedDoc(b, 10000)} {
		b.Run(kind, func(b *testing.B) { formattest.Bench(b, "csv", m, nil) })
	}
}
