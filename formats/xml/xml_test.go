package xml_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/formats/formattest"
	"github.com/arxos/arxport/formats/json/fixture"
	exml "github.com/arxos/arxport/formats/xml"
	"github.com/arxos/arxport/model"
	"github.com/arxos/arxport/schemas"
)

func TestConformance(t *testing.T) {
	formattest.Run(t, "xml", fixture.Lobby, fixture.Mixed, fixture.MixedNDJSON)
}

// xmllint returns the path of xmllint, skipping the test when it is missing
// unless ARXPORT_REQUIRE_READERS is set (as CI does), which makes it a failure.
func xmllint(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("ARXPORT_REQUIRE_READERS") != "" {
			t.Fatal("xmllint is not installed (apt-get install libxml2-utils) and ARXPORT_REQUIRE_READERS is set")
		}
		t.Skip("xmllint is not installed (apt-get install libxml2-utils)")
	}
	return path
}

// lint validates an XML document against the published XSD with xmllint.
func lint(t *testing.T, doc []byte) error {
	t.Helper()
	bin := xmllint(t)
	dir := t.TempDir()
	xsd := filepath.Join(dir, schemas.ExportXSDName)
	file := filepath.Join(dir, "out.xml")
	if err := os.WriteFile(xsd, schemas.ExportXSD, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--noout", "--schema", xsd, file).CombinedOutput()
	if err != nil {
		return errors.New(string(out))
	}
	if !strings.Contains(string(out), "validates") {
		return errors.New("xmllint did not say the file validates: " + string(out))
	}
	return nil
}

func TestXSD(t *testing.T) {
	for _, name := range fixture.Names {
		t.Run(name, func(t *testing.T) {
			m := formattest.Open(t, fixture.Models[name])
			out := formattest.Write(t, "xml", m, nil)
			if got := out.Names(); len(got) != 1 || got[0] != "model.xml" || out.Types["model.xml"] != "application/xml" {
				t.Fatalf("files %v types %v", got, out.Types)
			}
			if err := lint(t, out.Files["model.xml"].Bytes()); err != nil {
				t.Fatalf("xmllint: %v", err)
			}
		})
	}
	t.Run("synthetic", func(t *testing.T) {
		m := formattest.Open(t, fixture.Synth(3000))
		if err := lint(t, formattest.Write(t, "xml", m, nil).Files["model.xml"].Bytes()); err != nil {
			t.Fatalf("xmllint: %v", err)
		}
	})
	t.Run("generated", func(t *testing.T) {
		m := formattest.Open(t, generated(t, 3000))
		doc := formattest.Write(t, "xml", m, nil).Files["model.xml"].Bytes()
		if err := lint(t, doc); err != nil {
			t.Fatalf("xmllint: %v", err)
		}
		_, _, rooms, elements, conns := readBack(t, doc)
		if len(rooms) != m.Stats.Rooms || len(elements) != m.Stats.Elements || len(conns) != m.Stats.Connections {
			t.Errorf("read back %d rooms %d elements %d connections; model %+v", len(rooms), len(elements), len(conns), m.Stats)
		}
	})
	// The fuzz targets' seeds: awkward names, large coordinates, every unit.
	for i, s := range fixture.FuzzSeeds {
		t.Run(fmt.Sprint("fuzz seed ", i), func(t *testing.T) {
			m, err := model.Open(context.Background(), bytes.NewReader(fixture.Fuzz(s.Name, s.Key, s.Value, s.X, s.Y, s.Thick, s.Rot, s.Units)), nil)
			if err != nil {
				t.Skipf("model rejected: %v", err)
			}
			defer m.Close()
			if err := lint(t, formattest.Write(t, "xml", m, nil).Files["model.xml"].Bytes()); err != nil {
				t.Fatalf("xmllint: %v", err)
			}
		})
	}
}

// The XSD is strict: documents that stray from the shape are rejected.
func TestXSDRejects(t *testing.T) {
	m := formattest.Open(t, fixture.Lobby)
	good := formattest.Write(t, "xml", m, nil).Files["model.xml"].String()
	for name, edit := range map[string][2]string{
		"bad element type": {`type="slab"`, `type="floor"`},
		"bad system":       {`system="hvac"`, `system="steam"`},
		"not a number":     {`height="3.5"`, `height="tall"`},
		"negative area":    {`area_m2="200"`, `area_m2="-200"`},
		"short vector":     {`position="3 4 1.5"`, `position="3 4"`},
		"short ring":       {`<boundary>0 0 20 0 20 10 0 10</boundary>`, `<boundary>0 0 20 0</boundary>`},
		"unknown element":  {`<connections>`, `<connections><pipe/>`},
		"bad boolean":      {`closed="true"`, `closed="yes"`},
		"wrong namespace":  {`xmlns="urn:arxport:export:1"`, `xmlns="urn:other"`},
		"missing computed": {`<computed length_m="0" area_m2="0.1" volume_m3="0.12" closed="true"><bbox min="0.75 0.9 0" max="1.25 1.1 1.2"/></computed>`, ``},
	} {
		bad := strings.Replace(good, edit[0], edit[1], 1)
		if bad == good {
			t.Errorf("%s: edit %q did not apply", name, edit[0])
			continue
		}
		if lint(t, []byte(bad)) == nil {
			t.Errorf("%s: the XSD accepted it", name)
		}
	}
}

// item is what the tests read back of an item.
type item struct {
	XMLName xml.Name
	ID      string `xml:"id,attr"`
	Name    string `xml:"name,attr"`
	From    string `xml:"from,attr"`
}

// readBack decodes the whole document with encoding/xml, an independent
// parser, and returns the rooms, elements and connections it holds.
func readBack(t testing.TB, doc []byte) (building item, props map[string]string, rooms, elements, conns []item) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	props = map[string]string{}
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			depth++
			if tk.Name.Space != exml.Namespace {
				t.Fatalf("element %s outside the namespace", tk.Name.Local)
			}
			var it item
			switch tk.Name.Local {
			case "building", "room", "element", "connection":
				if err := d.DecodeElement(&it, &tk); err != nil {
					t.Fatal(err)
				}
				depth--
			}
			switch tk.Name.Local {
			case "building":
				building = it
				// Building properties are read by a second pass below.
			case "room":
				rooms = append(rooms, it)
			case "element":
				elements = append(elements, it)
			case "connection":
				conns = append(conns, it)
			}
		case xml.EndElement:
			depth--
		}
	}
	if depth != 0 {
		t.Fatalf("unbalanced document (depth %d)", depth)
	}
	var b struct {
		Props []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:",chardata"`
		} `xml:"building>properties>string"`
	}
	if err := xml.Unmarshal(doc, &b); err != nil {
		t.Fatal(err)
	}
	for _, p := range b.Props {
		props[p.Name] = p.Value
	}
	return
}

func TestReadBack(t *testing.T) {
	for _, name := range fixture.Names {
		t.Run(name, func(t *testing.T) {
			m := formattest.Open(t, fixture.Models[name])
			var warnings []model.Problem
			f, _ := formats.Lookup("xml")
			vals, _ := f.ParseOptions(nil)
			out := &formattest.Memory{}
			j := &formats.Job{Model: m, Out: out, Base: "model", Time: formattest.Time, Options: vals,
				Warn: func(p model.Problem) { warnings = append(warnings, p) }}
			if err := f.Write(context.Background(), j); err != nil {
				t.Fatal(err)
			}
			doc := out.Files["model.xml"].Bytes()
			building, props, rooms, elements, conns := readBack(t, doc)
			if len(rooms) != m.Stats.Rooms || len(elements) != m.Stats.Elements || len(conns) != m.Stats.Connections {
				t.Errorf("read back %d rooms %d elements %d connections; model %+v", len(rooms), len(elements), len(conns), m.Stats)
			}
			if building.Name != m.Building.Name {
				t.Errorf("building name %q, want %q", building.Name, m.Building.Name)
			}
			if name == "lobby.json" {
				if len(warnings) != 0 {
					t.Errorf("warnings on a clean model: %v", warnings)
				}
				return
			}
			// Markup characters, CJK and emoji survive; tab, line feed and
			// carriage return survive in text.
			if props["note"] != "line1\nline2\ttab\rcr" {
				t.Errorf("property note = %q", props["note"])
			}
			for _, e := range elements {
				switch e.ID {
				case "WIN-1":
					if e.Name != `Window ' "` {
						t.Errorf("window name %q", e.Name)
					}
				case "MESH-closed":
					// \x01 \x1f \uffff and a lone surrogate (which the model's JSON
					// decoder already made U+FFFD) each become U+FFFD.
					if e.Name != "tetra\uFFFD\uFFFD\uFFFD\uFFFD!" {
						t.Errorf("mesh name %q", e.Name)
					}
				}
			}
			if len(warnings) != 1 || warnings[0].Code != exml.CodeInvalidChar ||
				!strings.Contains(warnings[0].Message, "MESH-closed") || !strings.Contains(warnings[0].Message, "name") {
				t.Errorf("warnings: %v, want one %s for MESH-closed's name", warnings, exml.CodeInvalidChar)
			}
		})
	}
}

// Cancelling while the model is being written stops the work.
func TestCancelMidway(t *testing.T) {
	m := formattest.Open(t, fixture.Synth(20000))
	f, _ := formats.Lookup("xml")
	vals, _ := f.ParseOptions(nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	j := &formats.Job{Model: m, Out: &formattest.Memory{}, Base: "m", Time: formattest.Time, Options: vals,
		Progress: progressFunc(func(string, int64, int64) { cancel() })}
	if err := f.Write(ctx, j); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

type progressFunc func(string, int64, int64)

func (f progressFunc) Progress(stage string, done, total int64) { f(stage, done, total) }

func FuzzWrite(f *testing.F) {
	for _, s := range fixture.FuzzSeeds {
		f.Add(s.Name, s.Key, s.Value, s.X, s.Y, s.Thick, s.Rot, s.Units)
	}
	f.Fuzz(func(t *testing.T, name, key, value string, x, y, thick, rot float64, units string) {
		text := fixture.Fuzz(name, key, value, x, y, thick, rot, units)
		if text == nil {
			return
		}
		m, err := model.Open(context.Background(), bytes.NewReader(text), nil)
		if err != nil {
			return
		}
		defer m.Close()
		doc := formattest.Write(t, "xml", m, nil).Files["model.xml"].Bytes()
		building, _, rooms, elements, conns := readBack(t, doc)
		if len(rooms) != m.Stats.Rooms || len(elements) != m.Stats.Elements || len(conns) != m.Stats.Connections {
			t.Fatalf("read back %d rooms %d elements %d connections; model %+v", len(rooms), len(elements), len(conns), m.Stats)
		}
		if want := exml.Clean(m.Building.Name); building.Name != want {
			t.Fatalf("building name %q read back as %q, want %q", m.Building.Name, building.Name, want)
		}
	})
}

// BenchmarkWrite converts a generated building of 10,000 elements, streamed
// from NDJSON as the service does for large models.
func BenchmarkWrite(b *testing.B) {
	formattest.Bench(b, "xml", formattest.Generated(b, 10000), nil)
}

// generated is a building of about n elements from the project's generator.
func generated(t testing.TB, n int) string {
	t.Helper()
	text, err := fixture.Generated(n)
	if err != nil {
		t.Fatal(err)
	}
	return text
}
