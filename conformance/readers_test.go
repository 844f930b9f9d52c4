package conformance

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/arxos/arxport/converters/tables"
	"github.com/arxos/arxport/converters/tables/tablestest"
	"github.com/arxos/arxport/formats"
	_ "github.com/arxos/arxport/formats/all"
	"github.com/arxos/arxport/formats/asciibim"
	"github.com/arxos/arxport/formats/dxf/dxftest"
	"github.com/arxos/arxport/formats/formattest"
	"github.com/arxos/arxport/formats/ifc/ifctest"
	"github.com/arxos/arxport/gen"
	"github.com/arxos/arxport/model"
	"github.com/arxos/arxport/processors"
)

const readers = "../test/readers"

// need skips the test when a reader is missing, or fails it when the CI says
// every reader must be there.
func need(t *testing.T, what string, ok bool) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("ARXPORT_REQUIRE_READERS") == "1" {
		t.Fatalf("independent reader missing: %s (run .ci/install-readers.sh)", what)
	}
	t.Skipf("independent reader missing: %s (run .ci/install-readers.sh)", what)
}

func have(cmd string) bool { _, err := exec.LookPath(cmd); return err == nil }

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

func checkReaders(t *testing.T) {
	need(t, "node", have("node"))
	need(t, "test/readers/node_modules", exists(filepath.Join(readers, "node_modules")))
	need(t, "xmllint", have("xmllint"))
	need(t, "ogrinfo", have("ogrinfo"))
	need(t, "csvclean", have("csvclean"))
	need(t, "assimp", have("assimp"))
	need(t, "qpdf", have("qpdf"))
	need(t, "occt-draw", have("occt-draw") || have("DRAWEXE"))
	need(t, "pdftotext", have("pdftotext"))
	need(t, "ezdxf", exec.Command("/usr/bin/python3", "-c", "import ezdxf").Run() == nil)
	need(t, "openpyxl", exec.Command("/usr/bin/python3", "-c", "import openpyxl").Run() == nil)
}

// source is a model the conformance run exports.
type source struct {
	name string
	path string
}

// sources are the examples and generated buildings in several forms and units.
func sources(t *testing.T) []source {
	var out []source
	paths, _ := filepath.Glob("../examples/*.*json")
	for _, p := range paths {
		out = append(out, source{filepath.Base(p), p})
	}
	dir := t.TempDir()
	// Names a spreadsheet would run as formulas, CJK, a room with a hole.
	sample := filepath.Join(dir, "tables-sample.json")
	if err := os.WriteFile(sample, []byte(tablestest.Sample), 0o644); err != nil {
		t.Fatal(err)
	}
	out = append(out, source{"tables-sample.json", sample})
	for _, o := range []gen.Options{
		{Elements: 3000, Seed: 7, NDJSON: true},
		{Elements: 1200, Seed: 8, Units: "mm"},
		{Elements: 600, Floors: 2, Seed: 9, Units: "ft", NDJSON: true},
	} {
		name := fmt.Sprintf("gen-%d-%s-s%d.json", o.Elements, o.Units, o.Seed)
		if o.NDJSON {
			name += "l" // .jsonl: an NDJSON stream
		}
		path := filepath.Join(dir, name)
		var buf bytes.Buffer
		if _, err := gen.Write(&buf, o); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, source{name, path})
	}
	return out
}

// expectation is what the readers must find, computed from the model alone.
type expectation struct {
	Tables    map[string]int64             `json:"tables"`
	Types     map[string]map[string]string `json:"types"`
	RoomNames []string                     `json:"room_names"`
	Features  int                          `json:"features"`
}

var readerType = map[tables.Kind]string{tables.String: "string", tables.Int: "int64", tables.Float: "double", tables.Bool: "boolean"}

func expect(t *testing.T, m *model.Model) expectation {
	e := expectation{Tables: map[string]int64{}, Types: map[string]map[string]string{}}
	for _, tb := range tables.All {
		e.Tables[tb.Name] = tables.Count(m, tb)
		types := map[string]string{}
		for _, c := range tb.Columns {
			types[c.Name] = readerType[c.Kind]
		}
		e.Types[tb.Name] = types
	}
	err := m.Rooms(context.Background(), func(r *model.Room) error {
		if r.Name != "" && len(e.RoomNames) < 40 {
			e.RoomNames = append(e.RoomNames, r.Name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// GeoJSON: one feature per room and per element.
	e.Features = m.Stats.Rooms + m.Stats.Elements
	return e
}

func TestIndependentReaders(t *testing.T) {
	checkReaders(t)
	schema, _ := filepath.Abs("../schemas/arxport-export.schema.json")
	xsd, _ := filepath.Abs("../schemas/arxport-export.xsd")
	for _, src := range sources(t) {
		t.Run(src.name, func(t *testing.T) {
			m, err := model.OpenFile(context.Background(), src.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			dir := t.TempDir()
			exp := expect(t, m)
			expPath := writeJSON(t, dir, "expect.json", exp)
			// Spreadsheets guard text that would run as a formula, so csv and
			// xlsx must hold the guarded names.
			sheet := exp
			sheet.RoomNames = nil
			for _, n := range exp.RoomNames {
				sheet.RoomNames = append(sheet.RoomNames, tables.SafeText(n))
			}
			sheetPath := writeJSON(t, dir, "expect-sheet.json", sheet)

			for _, f := range formats.List() {
				t.Run(f.Name, func(t *testing.T) {
					out := filepath.Join(dir, f.Name)
					files, metrics := export(t, f, m, out)
					switch f.Name {
					case "csv":
						unzipped := filepath.Join(dir, "csv-tables")
						unzip(t, filepath.Join(out, files[0].Name), unzipped)
						run(t, "node", filepath.Join(readers, "check_csv.mjs"), unzipped, sheetPath)
						run(t, "bash", filepath.Join(readers, "check_csv.sh"), unzipped)
					case "parquet":
						byTable := filepath.Join(dir, "parquet-tables")
						os.MkdirAll(byTable, 0o755)
						for _, file := range files {
							parts := strings.Split(file.Name, ".") // model.<table>.parquet
							table := parts[len(parts)-2]
							os.Symlink(filepath.Join(out, file.Name), filepath.Join(byTable, table+".parquet"))
						}
						run(t, "node", filepath.Join(readers, "check_parquet.mjs"), byTable, expPath)
					case "xlsx":
						file := filepath.Join(out, files[0].Name)
						run(t, "/usr/bin/python3", filepath.Join(readers, "check_xlsx.py"), file, sheetPath)
						run(t, "node", filepath.Join(readers, "check_xlsx.mjs"), file, sheetPath)
					case "json":
						run(t, "node", "--max-old-space-size=8192", filepath.Join(readers, "check_json.mjs"),
							filepath.Join(out, files[0].Name), schema, expPath)
					case "xml":
						run(t, "bash", filepath.Join(readers, "check_xml.sh"), filepath.Join(out, files[0].Name), xsd)
					case "geojson":
						run(t, "node", filepath.Join(readers, "check_geojson.mjs"), filepath.Join(out, files[0].Name), expPath)
					case "ifc":
						ifcExp := writeJSON(t, dir, "expect-ifc.json", ifctest.Expect(t, m))
						run(t, "node", "--max-old-space-size=4096", filepath.Join(readers, "check_ifc.mjs"),
							filepath.Join(out, files[0].Name), ifcExp)
					case "dxf":
						dxfExp := writeJSON(t, dir, "expect-dxf.json", dxftest.Expect(t, m))
						run(t, "/usr/bin/python3", filepath.Join(readers, "check_dxf.py"), filepath.Join(out, files[0].Name), dxfExp)
					case "pdf":
						names := filepath.Join(dir, "room-names.txt")
						os.WriteFile(names, []byte(strings.Join(exp.RoomNames, "\n")+"\n"), 0o644)
						pages := fmt.Sprint(metrics["pages"])
						run(t, "bash", filepath.Join(readers, "check_pdf.sh"), filepath.Join(out, files[0].Name), names, pages)
					case "asciibim":
						// The project's own reader: floors, equipment and connections
						// come back, and the checksum matches.
						readASCIIBIM(t, filepath.Join(out, files[0].Name), m)
					case "step", "iges":
						occt := writeJSON(t, dir, "expect-occt.json", formattest.SolidsOf(t, m))
						run(t, "bash", filepath.Join(readers, "check_occt.sh"), filepath.Join(out, files[0].Name), occt)
					case "gltf", "glb":
						run(t, "node", filepath.Join(readers, "check_gltf.mjs"), filepath.Join(out, files[0].Name))
					default:
						t.Errorf("format %s has no independent reader in this test", f.Name)
					}
				})
			}
		})
	}
}

func writeJSON(t *testing.T, dir, name string, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func export(t *testing.T, f *formats.Format, m *model.Model, dir string) ([]processors.File, map[string]int64) {
	t.Helper()
	vals, err := f.ParseOptions(nil)
	if err != nil {
		t.Fatal(err)
	}
	j := &formats.Job{Model: m, Base: "model", Time: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC), Options: vals}
	res, err := processors.ExportDir(context.Background(), f, j, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) == 0 {
		t.Fatal("no files")
	}
	return res.Files, res.Metrics
}

func readASCIIBIM(t *testing.T, path string, m *model.Model) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := asciibim.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if !doc.ChecksumOK {
		t.Error("checksum does not match")
	}
	if len(doc.Floors) != m.Stats.Floors || doc.Rooms() != m.Stats.Rooms ||
		len(doc.EquipmentIDs()) != m.Stats.ByType["equipment"] || doc.Connections() != m.Stats.Connections {
		t.Errorf("read back %d floors, %d rooms, %d equipment, %d connections; model has %+v",
			len(doc.Floors), doc.Rooms(), len(doc.EquipmentIDs()), doc.Connections(), m.Stats)
	}
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(out, 40))
	}
}

func tail(b []byte, n int) []byte {
	lines := bytes.Split(b, []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return bytes.Join(lines, []byte("\n"))
}

func unzip(t *testing.T, path, dir string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	os.MkdirAll(dir, 0o755)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, filepath.Base(f.Name)), data, 0o644)
	}
}
