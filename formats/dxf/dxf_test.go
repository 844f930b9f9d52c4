package dxf_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/arxos/arxport/formats/dxf/dxftest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/arxos/arxport/converters/plan"
	"github.com/arxos/arxport/converters/plan/plantest"
	"github.com/arxos/arxport/formats/dxf"
	"github.com/arxos/arxport/formats/formattest"
	"github.com/arxos/arxport/model"
)

func models(t testing.TB) []plantest.Model {
	t.Helper()
	ms, err := plantest.Models()
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func TestConformance(t *testing.T) {
	var texts []string
	for _, m := range models(t) {
		texts = append(texts, m.Text)
	}
	formattest.Run(t, "dxf", texts...)
}

// write converts m and returns the file and the warnings.
func write(t testing.TB, m *model.Model, opts map[string]any) ([]byte, []model.Problem) {
	t.Helper()
	return formattest.Single(t, "dxf", m, opts, "model.dxf", dxf.ContentType)
}

// pair is one group code and its value.
type pair struct {
	code  int
	value string
}

// parse is a minimal DXF reader of our own: it checks the file is well-formed
// group code/value pairs, ASCII only, and returns them.
func parse(b []byte) ([]pair, error) {
	if len(b) == 0 || b[len(b)-1] != '\n' {
		return nil, fmt.Errorf("the file does not end with a newline")
	}
	lines := strings.Split(string(b[:len(b)-1]), "\n")
	if len(lines)%2 != 0 {
		return nil, fmt.Errorf("odd number of lines (%d)", len(lines))
	}
	out := make([]pair, 0, len(lines)/2)
	for i := 0; i < len(lines); i += 2 {
		c, err := strconv.Atoi(strings.TrimSpace(lines[i]))
		if err != nil || c < 0 || c > 1071 {
			return nil, fmt.Errorf("line %d: bad group code %q", i+1, lines[i])
		}
		v := lines[i+1]
		for _, r := range []byte(v) {
			if r < 0x20 || r > 0x7e {
				return nil, fmt.Errorf("line %d: byte %#x in a value", i+2, r)
			}
		}
		if (c >= 10 && c < 60) || (c >= 110 && c < 150) || (c >= 210 && c < 240) || (c >= 1010 && c < 1060) {
			if _, err := strconv.ParseFloat(v, 64); err != nil || strings.ContainsAny(v, "eEnN") {
				return nil, fmt.Errorf("line %d: code %d needs a decimal number, got %q", i+2, c, v)
			}
		}
		if (c >= 60 && c < 100) || (c >= 170 && c < 180) || (c >= 270 && c < 290) || (c >= 370 && c < 390) {
			if _, err := strconv.Atoi(v); err != nil {
				return nil, fmt.Errorf("line %d: code %d needs an integer, got %q", i+2, c, v)
			}
		}
		out = append(out, pair{c, v})
	}
	if last := out[len(out)-1]; last.code != 0 || last.value != "EOF" {
		return nil, fmt.Errorf("the file does not end with EOF")
	}
	return out, nil
}

// structure checks sections, unique handles, owners that exist, and that the
// HEADER's $HANDSEED is above every handle.
func structure(t testing.TB, pairs []pair) map[string]int {
	t.Helper()
	handles := map[string]bool{}
	var owners []string
	var seed uint64
	counts := map[string]int{}
	var sections []string
	for i, p := range pairs {
		switch p.code {
		case 0:
			counts[p.value]++
			if p.value == "SECTION" && i+1 < len(pairs) {
				sections = append(sections, pairs[i+1].value)
			}
		case 5, 105:
			if i > 0 && pairs[i-1].value == "$HANDSEED" {
				continue
			}
			if handles[p.value] {
				t.Errorf("handle %s used twice", p.value)
			}
			handles[p.value] = true
			if h, err := strconv.ParseUint(p.value, 16, 64); err != nil || h == 0 {
				t.Errorf("bad handle %q", p.value)
			}
		case 330:
			owners = append(owners, p.value)
		}
		if p.code == 9 && p.value == "$HANDSEED" {
			seed, _ = strconv.ParseUint(pairs[i+1].value, 16, 64)
		}
	}
	if want := []string{"HEADER", "CLASSES", "TABLES", "BLOCKS", "ENTITIES", "OBJECTS"}; !slices.Equal(sections, want) {
		t.Errorf("sections %v, want %v", sections, want)
	}
	for h := range handles {
		if v, _ := strconv.ParseUint(h, 16, 64); v >= seed {
			t.Errorf("handle %s is not below $HANDSEED %X", h, seed)
		}
	}
	for _, o := range owners {
		if o != "0" && !handles[o] {
			t.Errorf("owner %s does not exist", o)
		}
	}
	return counts
}

var (
	readersOnce sync.Once
	readersOK   bool
)

// readers reports whether ezdxf and ogrinfo can run; without them the test is
// skipped, unless ARXPORT_REQUIRE_READERS=1 makes it fail.
func readers(t *testing.T) {
	t.Helper()
	readersOnce.Do(func() {
		readersOK = exec.Command("/usr/bin/python3", "-c", "import ezdxf").Run() == nil
		if _, err := exec.LookPath("ogrinfo"); err != nil {
			readersOK = false
		}
	})
	if readersOK {
		return
	}
	if os.Getenv("ARXPORT_REQUIRE_READERS") == "1" {
		t.Fatal("ezdxf (python3-ezdxf) or ogrinfo (gdal-bin) is missing: run .ci/install-readers.sh")
	}
	t.Skip("ezdxf or ogrinfo is missing (set ARXPORT_REQUIRE_READERS=1 to fail instead)")
}

func checker() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "test", "readers", "check_dxf.py")
}

// check runs test/readers/check_dxf.py on the file.
func check(t *testing.T, b []byte, ex dxftest.Expectation) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "model.dxf")
	js, _ := json.Marshal(ex)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "expect.json"), js, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("/usr/bin/python3", checker(), path, filepath.Join(dir, "expect.json")).CombinedOutput()
	if err != nil {
		t.Errorf("check_dxf.py: %v\n%s", err, out)
	}
}

// TestReaders writes every test model in both layouts and has ezdxf and
// GDAL read it.
func TestReaders(t *testing.T) {
	readers(t)
	for _, tm := range models(t) {
		t.Run(tm.Name, func(t *testing.T) {
			t.Parallel()
			m := formattest.Open(t, tm.Text)
			b, _ := write(t, m, nil)
			ex := dxftest.Expect(t, m)
			check(t, b, ex)

			b, _ = write(t, m, map[string]any{"layout": "modelspace"})
			ex.GDALConfig, ex.Blocks = nil, nil
			check(t, b, ex)
		})
	}
}

// TestReadersOddText has ezdxf and GDAL read names that MTEXT, caret
// notation and \U+ escapes make hard, and checks that ezdxf decodes each back.
func TestReadersOddText(t *testing.T) {
	readers(t)
	for _, name := range []string{
		`Café\n"A" %%d %%%c 100% ^J ^^ {x} \P \U+0041 \u+00e9 \\`,
		"会议室 🛋️ e\u0301 Ärztezimmer Кабинет",
		"tab\tctl\x1b\u0085 end",
		strings.Repeat("long 会议室 ", 25),
	} {
		m := formattest.Open(t, plantest.Fuzz("B", name, name+" 2", 0, 0, 1, 15))
		b, _ := write(t, m, nil)
		ex := dxftest.Expectation{InsUnits: 6, Texts: []string{name, name + " 2"}}
		check(t, b, ex)
	}
}

// TestStructure checks every test model with the package's own pair reader.
func TestStructure(t *testing.T) {
	for _, tm := range models(t) {
		t.Run(tm.Name, func(t *testing.T) {
			m := formattest.Open(t, tm.Text)
			b, _ := write(t, m, nil)
			pairs, err := parse(b)
			if err != nil {
				t.Fatal(err)
			}
			counts := structure(t, pairs)
			if counts["BLOCK"] != len(m.Building.Floors)+10 {
				t.Errorf("%d blocks for %d floors", counts["BLOCK"], len(m.Building.Floors))
			}
		})
	}
}

// TestAwkward checks the awkward model's particulars: the warning without
// georef, no north arrow then, the empty floor's block, encoded text.
func TestAwkward(t *testing.T) {
	m := formattest.Open(t, plantest.Awkward("mm", false))
	b, warnings := write(t, m, nil)
	if len(warnings) != 1 || warnings[0].Code != plan.CodeNoNorth {
		t.Errorf("warnings %v", warnings)
	}
	arrow := []byte("\nA-ANNO-SYMB\n100\nAcDbPolyline\n")
	if bytes.Contains(b, arrow) {
		t.Error("a north arrow without georef")
	}
	for _, s := range []string{
		`\U+4F1A\U+8BAE\U+5BA4`, // 会议室
		`Caf\U+00E9`,
		`\U+D83D\U+DECB`, // 🛋
		`(empty)`,
		`ARX_FLOOR_2_L1`,
	} {
		if !bytes.Contains(b, []byte(s)) {
			t.Errorf("the file lacks %q", s)
		}
	}
	m2 := formattest.Open(t, plantest.Awkward("ft", true))
	b2, warnings := write(t, m2, nil)
	if len(warnings) != 0 {
		t.Errorf("warnings %v", warnings)
	}
	if !bytes.Contains(b2, arrow) {
		t.Error("no north arrow with a georef")
	}
}

func TestMTextEncoding(t *testing.T) {
	for s, want := range map[string]string{
		"plain":         "plain",
		`a\b{c}`:        `a\\b\{c\}`,
		"50% %%d ^J":    "50% %{}%d ^ J",
		"line\nbreak\t": `line\Pbreak\U+0009`,
		"é😀":            `\U+00E9\U+D83D\U+DE00`,
		`\U+0041`:       `\\\U+0055+0041`,
	} {
		got := dxf.MTextForTest(s)
		if got != want {
			t.Errorf("%q: %q, want %q", s, got, want)
		}
	}
	long := strings.Repeat("会", 300)
	b := dxf.MTextValueForTest(long)
	sc := bufio.NewScanner(bytes.NewReader(b))
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if n%2 == 1 {
			if len(line) > 250 || len(line)%7 != 0 {
				t.Errorf("chunk of %d bytes splits an escape", len(line))
			}
		}
		n++
	}
}

func FuzzWrite(f *testing.F) {
	f.Add("Tech Tower", "Lobby", "Thermostat", 0.0, 0.0, 1.0, 30.0)
	f.Add("会议室 🛋️", "Café\n\"A\"%%d^J{}", "x\\U+0041", 500000.0, -4e6, 0.01, -400.0)
	f.Add("", "a", "", -1e6, 1e6, 1000.0, 90.0)
	f.Fuzz(func(t *testing.T, building, room, equipment string, x, y, size, rot float64) {
		m, err := model.Open(context.Background(), strings.NewReader(plantest.Fuzz(building, room, equipment, x, y, size, rot)), nil)
		if err != nil {
			return
		}
		defer m.Close()
		b, _ := write(t, m, nil)
		pairs, err := parse(b)
		if err != nil {
			t.Fatal(err)
		}
		structure(t, pairs)
		// Every room's name comes back from the MTEXT it was written into.
		texts := decodeTexts(pairs)
		m.Rooms(context.Background(), func(r *model.Room) error {
			if !strings.Contains(texts, r.Name) {
				t.Errorf("room name %q not found in the texts", r.Name)
			}
			return nil
		})
	})
}

// decodeTexts undoes the MTEXT encoding of every text in the file, joined.
func decodeTexts(pairs []pair) string {
	var sb strings.Builder
	in := false
	var cur strings.Builder
	for _, p := range pairs {
		if p.code == 0 {
			if in {
				sb.WriteString(dxf.DecodeMTextForTest(cur.String()))
				sb.WriteByte(0)
				cur.Reset()
			}
			in = p.value == "MTEXT"
		}
		if in && (p.code == 1 || p.code == 3) {
			cur.WriteString(p.value)
		}
	}
	return sb.String()
}

// BenchmarkWrite converts a generated building of about 100,000 elements.
func BenchmarkWrite(b *testing.B) {
	formattest.Bench(b, "dxf", formattest.Generated(b, 100_000), nil)
}
