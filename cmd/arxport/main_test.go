package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/arxos/arxport/formats"
)

func runCLI(t *testing.T, args ...string) int {
	t.Helper()
	return run(context.Background(), args)
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestExportAll(t *testing.T) {
	out := t.TempDir()
	if code := runCLI(t, "export", "../../examples/tech-tower.json", "-f", "all", "-o", out, "-q", "--time", "0"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	// Every format writes at least one file (the conformance tests check
	// each format's files with its readers).
	names := listDir(t, out)
	if len(names) < len(formats.Names()) {
		t.Errorf("%d files for %d formats: %v", len(names), len(formats.Names()), names)
	}
	for _, n := range names {
		if strings.HasPrefix(n, ".") {
			t.Errorf("staging file left behind: %s", n)
		}
	}
}

func TestExportInvalidWritesNothing(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"schema":"arxos.building/v1","id":"x","name":"y","floors":[{"id":"L1","height":3,
		"elements":[{"id":"S","type":"slab","geometry":{"kind":"extrusion","profile":[[0,0],[1,1],[1,0],[0,1]],"height":1}}]}]}`), 0o644)
	out := filepath.Join(dir, "out")
	cases := [][]string{
		{"export", bad, "-f", "csv", "-o", out, "-q"},
		{"export", filepath.Join(dir, "empty.json"), "-f", "csv", "-o", out, "-q"},
		{"export", "../../examples/tech-tower.json", "-f", "nope", "-o", out, "-q"},
		{"export", "../../examples/tech-tower.json", "-f", "csv", "--opt", "csv.nope=1", "-o", out, "-q"},
		{"export", "../../examples/tech-tower.json", "-o", out, "-q"},
		{"validate", bad},
		{"gen", "--elements", "0"},
		{"export", "--no-such-flag"},
	}
	os.WriteFile(filepath.Join(dir, "empty.json"), nil, 0o644)
	for _, args := range cases {
		if code := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if names := listDir(t, out); len(names) != 0 {
		t.Errorf("invalid input left files: %v", names)
	}
	if code := runCLI(t, "validate", filepath.Join(dir, "missing.json")); code != 1 {
		t.Errorf("missing file: exit %d, want 1", code)
	}
}

func TestExportFromStdin(t *testing.T) {
	f, err := os.Open("../../examples/tech-tower.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	old := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = old }()
	out := t.TempDir()
	if code := runCLI(t, "export", "-", "-f", "json", "-o", out, "-q"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if names := listDir(t, out); len(names) != 1 || !strings.HasSuffix(names[0], ".json") {
		t.Errorf("files %v", names)
	}
}

func TestGenValidates(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"m.json", "m.ndjson.gz"} {
		path := filepath.Join(dir, name)
		args := []string{"gen", "--elements", "500", "-o", path}
		if strings.Contains(name, "ndjson") {
			args = append(args, "--ndjson")
		}
		if code := runCLI(t, args...); code != 0 {
			t.Fatalf("gen %s: exit %d", name, code)
		}
		if code := runCLI(t, "validate", path); code != 0 {
			t.Errorf("validate %s: exit %d", name, code)
		}
	}
}

func TestBaseName(t *testing.T) {
	for in, want := range map[string]string{
		"examples/tech-tower.json": "tech-tower", "big.ndjson.gz": "big", "-": "ARXOS-1", "a b/c d.json": "c-d",
	} {
		if got := baseName(in, "ARXOS-1"); got != want {
			t.Errorf("baseName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestASCIIBIMReadBack(t *testing.T) {
	out := t.TempDir()
	if code := runCLI(t, "export", "../../examples/tech-tower.json", "-f", "asciibim", "-o", out, "-q", "--time", "0"); code != 0 {
		t.Fatalf("export: exit %d", code)
	}
	path := filepath.Join(out, "tech-tower.bim.txt")
	if code := runCLI(t, "asciibim", path); code != 0 {
		t.Fatalf("read: exit %d", code)
	}
	data, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(data), "OPERATIONAL", "FAILED", 1)), 0o644)
	if code := runCLI(t, "asciibim", path); code != 1 {
		t.Errorf("edited file: exit %d, want 1", code)
	}
}
