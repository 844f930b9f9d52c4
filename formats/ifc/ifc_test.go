package ifc_test

import (
	"bytes"
	"encoding/json"
	"github.com/arxos/arxport/formats/ifc/ifctest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/arxos/arxport/formats/formattest"
	"github.com/arxos/arxport/formats/ifc"
	"github.com/arxos/arxport/formats/json/fixture"
	"github.com/arxos/arxport/model"
)

func TestConformance(t *testing.T) {
	formattest.Run(t, "ifc", fixture.Lobby, fixture.Mixed, fixture.MixedNDJSON)
}

func write(t testing.TB, m *model.Model, opts map[string]any) ([]byte, []model.Problem) {
	t.Helper()
	return formattest.Single(t, "ifc", m, opts, "model.ifc", ifc.ContentType)
}

// readersDir is test/readers, with its node_modules, or "" when the readers
// are not installed (a failure when ARXPORT_REQUIRE_READERS=1).
func readersDir(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "test", "readers")
	for _, p := range []string{"web-ifc", "@ifc-lite/parser"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", p, "package.json")); err != nil {
			if os.Getenv("ARXPORT_REQUIRE_READERS") == "1" {
				t.Fatalf("reader %s not installed (ARXPORT_REQUIRE_READERS=1): %v", p, err)
			}
			t.Skipf("reader %s not installed: run .ci/install-readers.sh", p)
		}
	}
	if _, err := exec.LookPath("node"); err != nil {
		if os.Getenv("ARXPORT_REQUIRE_READERS") == "1" {
			t.Fatal("node not found")
		}
		t.Skip("node not found")
	}
	return dir
}

// checkReaders runs check_ifc.mjs on the file.
func checkReaders(t *testing.T, file []byte, x ifctest.Expectation) {
	t.Helper()
	dir := readersDir(t)
	tmp := t.TempDir()
	path := filepath.Join(tmp, "model.ifc")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	ex, _ := json.Marshal(x)
	if keep := os.Getenv("ARXPORT_IFC_KEEP"); keep != "" {
		// Keep the file and its expectation, to run check_ifc.mjs by hand.
		stem := filepath.Join(keep, strings.ReplaceAll(t.Name(), "/", "_"))
		os.WriteFile(stem+".ifc", file, 0o644)
		os.WriteFile(stem+".expect.json", ex, 0o644)
	}
	expPath := filepath.Join(tmp, "expect.json")
	if err := os.WriteFile(expPath, ex, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "--max-old-space-size=4096", filepath.Join(dir, "check_ifc.mjs"), path, expPath)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("check_ifc: %v\n%s", err, out)
	} else if testing.Verbose() {
		t.Logf("%s", lastLines(out, 400))
	}
}

func lastLines(b []byte, n int) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return bytes.Join(lines, []byte("\n"))
}

func examples(t testing.TB) map[string]string {
	t.Helper()
	dir := filepath.Join("..", "..", "examples")
	out := map[string]string{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if n := e.Name(); strings.HasSuffix(n, ".json") || strings.HasSuffix(n, ".ndjson") {
			b, err := os.ReadFile(filepath.Join(dir, n))
			if err != nil {
				t.Fatal(err)
			}
			out[n] = string(b)
		}
	}
	return out
}

func TestReaders(t *testing.T) {
	models := map[string]string{}
	for k, v := range fixture.Models {
		models[k] = v
	}
	for k, v := range examples(t) {
		models["examples/"+k] = v
	}
	gen, err := fixture.Generated(3000)
	if err != nil {
		t.Fatal(err)
	}
	models["generated-3000.ndjson"] = gen
	models["shapes.json"] = shapes
	models["shapes-mm.json"] = shapesScaled(t, "mm", 1000, 0)
	models["shapes-offset.json"] = shapesScaled(t, "m", 1, 5_000_000)
	for name, text := range models {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := formattest.Open(t, text)
			file, warnings := write(t, m, nil)
			for _, w := range warnings {
				if w.Code != ifc.CodeNoGeometry || !strings.Contains(w.Path, "open") {
					t.Errorf("warning: %v", w)
				}
			}
			checkReaders(t, file, ifctest.Expect(t, m))
		})
	}
}
