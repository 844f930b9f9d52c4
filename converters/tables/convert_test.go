package tables_test

import (
	"context"
	"errors"
	"github.com/arxos/arxport/formats/formattest"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/arxos/arxport/converters/tables"
	"github.com/arxos/arxport/converters/tables/tablestest"
	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/model"
)

// collected keeps every row of every table, as text keyed by column name.
type collected struct {
	t    *testing.T
	rows map[string][]map[string]tables.Value
	seq  []string // table of each row, in the order received
}

func (c *collected) Row(t *tables.Table, row []tables.Value) error {
	if len(row) != len(t.Columns) {
		c.t.Fatalf("%s: row of %d values for %d columns", t.Name, len(row), len(t.Columns))
	}
	r := map[string]tables.Value{}
	for i, col := range t.Columns {
		v := row[i]
		switch {
		case v.IsNull() && !col.Nullable:
			c.t.Errorf("%s.%s: null in a column that is not nullable", t.Name, col.Name)
		case !v.IsNull() && v.Kind != col.Kind:
			c.t.Errorf("%s.%s: %s value in a %s column", t.Name, col.Name, v.Kind, col.Kind)
		}
		r[col.Name] = v
	}
	if c.rows == nil {
		c.rows = map[string][]map[string]tables.Value{}
	}
	c.rows[t.Name] = append(c.rows[t.Name], r)
	c.seq = append(c.seq, t.Name)
	return nil
}

func convert(t *testing.T, m *model.Model, only ...*tables.Table) (*collected, *formats.Job) {
	t.Helper()
	c := &collected{t: t}
	j := &formats.Job{Model: m}
	if err := tables.Convert(context.Background(), j, c, only...); err != nil {
		t.Fatal(err)
	}
	return c, j
}

func find(rows []map[string]tables.Value, col, want string) map[string]tables.Value {
	for _, r := range rows {
		if r[col].Str == want {
			return r
		}
	}
	return nil
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestConvertSample(t *testing.T) {
	m := formattest.Open(t, tablestest.Sample)
	c, j := convert(t, m)
	var total int64
	for name, want := range tablestest.Counts(m) {
		if got := int64(len(c.rows[name])); got != want {
			t.Errorf("%s: %d rows, want %d", name, got, want)
		}
		total += want
	}
	if got := j.Metrics()["rows"]; got != total {
		t.Errorf("rows metric %d, want %d", got, total)
	}

	floors := c.rows["floors"]
	if floors[0]["id"].Str != "L1" || floors[1]["id"].Str != "L2" || floors[1]["level"].Int != 1 ||
		floors[0]["rooms"].Int != 3 || floors[0]["elements"].Int != 5 || floors[1]["elevation_m"].Float != 4 {
		t.Errorf("floors %v", floors)
	}

	lobby := find(c.rows["rooms"], "id", "101")
	if !near(lobby["area_m2"].Float, 96) || !near(lobby["perimeter_m"].Float, 40) ||
		!near(lobby["volume_m3"].Float, 96*3.5) || lobby["holes"].Int != 1 || lobby["max_x"].Float != 10 {
		t.Errorf("room 101: %v", lobby)
	}
	if r := find(c.rows["rooms"], "id", "103"); r["type"].Kind != 0 || r["height_m"].Float != 4 {
		t.Errorf("room 103: type %v (want null), height %v (want the floor's 4)", r["type"], r["height_m"])
	}
	if find(c.rows["rooms"], "name", tablestest.Formula) == nil || find(c.rows["rooms"], "name", tablestest.Unicode) == nil {
		t.Error("room names are not passed through unchanged")
	}

	wall := find(c.rows["elements"], "id", "W-1")
	if !near(wall["length_m"].Float, 20) || !near(wall["volume_m3"].Float, 20*0.3*4-0.3*2.1) || wall["geometry_kind"].Str != "line" {
		t.Errorf("wall: %v", wall)
	}
	col := find(c.rows["elements"], "id", "C-1")
	if !near(col["min_y"].Float, 5000000) || !near(col["max_x"].Float, 1000000.3) {
		t.Errorf("large coordinates: %v", col)
	}
	door := find(c.rows["elements"], "id", "D-1")
	if door["host"].Str != "W-1" || door["room"].Kind != 0 || door["system"].Kind != 0 {
		t.Errorf("door: %v", door)
	}

	eq := c.rows["equipment"]
	if eq[0]["id"].Str != "HVAC_01" || eq[0]["manufacturer"].Str != "Google" || eq[0]["model"].Str != "Nest Pro" ||
		!near(eq[0]["x"].Float, 3) || !near(eq[0]["z"].Float, 1.55) || eq[0]["room"].Str != "101" {
		t.Errorf("equipment 0: %v", eq[0])
	}
	if eq[1]["status"].Str != "unknown" || eq[1]["manufacturer"].Kind != 0 || eq[1]["room"].Kind != 0 {
		t.Errorf("equipment 1: %v", eq[1])
	}

	props := c.rows["properties"]
	var keys []string
	for _, p := range props {
		if p["owner_kind"].Str == "building" {
			keys = append(keys, p["key"].Str)
		}
	}
	if !slices.Equal(keys, []string{"listed", "occupancy", "owner", "year_built"}) {
		t.Errorf("building property keys %v, want sorted", keys)
	}
	year := find(props, "key", "year_built")
	if year["value"].Str != "2018" || year["value_type"].Str != "number" || year["number"].Float != 2018 || year["boolean"].Kind != 0 {
		t.Errorf("year_built: %v", year)
	}
	if p := find(props, "key", "occupancy"); p["value"].Str != "1200.5" {
		t.Errorf("occupancy: %v", p)
	}
	if p := find(props, "key", "listed"); p["value"].Str != "false" || p["value_type"].Str != "boolean" ||
		p["boolean"].Kind != tables.Bool || p["boolean"].Bool || p["number"].Kind != 0 {
		t.Errorf("listed: %v", p)
	}
	if p := find(props, "key", "serial"); p["value"].Str != "0012" || p["value_type"].Str != "string" || p["owner_id"].Str != "HVAC_01" {
		t.Errorf("serial: %v", p)
	}

	conns := c.rows["connections"]
	if conns[0]["spec"].Str != "120V/1PH/20A" || conns[1]["spec"].Kind != 0 || conns[1]["to"].Str != "M-1" {
		t.Errorf("connections %v", conns)
	}

	// Input order: floors, building properties, rooms, elements, connections.
	if c.seq[0] != "floors" || c.seq[len(c.seq)-1] != "connections" {
		t.Errorf("row order %v", c.seq)
	}
}

func TestConvertSubset(t *testing.T) {
	m := formattest.Open(t, tablestest.Sample)
	c, _ := convert(t, m, tables.Equipment)
	if len(c.rows) != 1 || len(c.rows["equipment"]) != 2 {
		t.Errorf("equipment only: got tables %v", c.seq)
	}
}

func TestConvertNDJSON(t *testing.T) {
	m := formattest.Generated(t, 2000)
	c, _ := convert(t, m)
	for name, want := range tablestest.Counts(m) {
		if got := int64(len(c.rows[name])); got != want {
			t.Errorf("%s: %d rows, want %d", name, got, want)
		}
	}
}

type progress struct{ calls, last, total int64 }

func (p *progress) Progress(stage string, done, total int64) {
	p.calls++
	p.last, p.total = done, total
}

func TestConvertProgress(t *testing.T) {
	m := formattest.Generated(t, 10000)
	p := &progress{}
	j := &formats.Job{Model: m, Progress: p}
	n := 0
	err := tables.Convert(context.Background(), j, tables.SinkFunc(func(*tables.Table, []tables.Value) error { n++; return nil }))
	if err != nil {
		t.Fatal(err)
	}
	if p.last != p.total || p.calls < p.total/4096 {
		t.Errorf("progress: %d calls, last %d of %d", p.calls, p.last, p.total)
	}
}

func TestConvertStops(t *testing.T) {
	m := formattest.Open(t, tablestest.Sample)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := tables.Convert(ctx, &formats.Job{Model: m}, tables.SinkFunc(func(*tables.Table, []tables.Value) error {
		t.Error("row handed over after cancellation")
		return nil
	}))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}

	big := formattest.Generated(t, 20000)
	ctx, cancel = context.WithCancel(context.Background())
	rows := 0
	err = tables.Convert(ctx, &formats.Job{Model: big}, tables.SinkFunc(func(*tables.Table, []tables.Value) error {
		if rows++; rows == 100 {
			cancel()
		}
		return nil
	}))
	if !errors.Is(err, context.Canceled) || rows > 100+2*4096 {
		t.Errorf("cancelled midway: %v after %d rows", err, rows)
	}

	boom := errors.New("boom")
	err = tables.Convert(context.Background(), &formats.Job{Model: m}, tables.SinkFunc(func(t *tables.Table, _ []tables.Value) error {
		if t == tables.Elements {
			return boom
		}
		return nil
	}))
	if !errors.Is(err, boom) {
		t.Errorf("sink error: got %v", err)
	}
}

func TestSelect(t *testing.T) {
	for _, list := range []string{"", "all", " all "} {
		if got, err := tables.Select(list); err != nil || len(got) != len(tables.All) {
			t.Errorf("Select(%q) = %v, %v", list, got, err)
		}
	}
	got, err := tables.Select("connections, rooms,rooms")
	if err != nil || len(got) != 2 || got[0] != tables.Rooms || got[1] != tables.Connections {
		t.Errorf("Select subset = %v, %v", got, err)
	}
	_, err = tables.Select("rooms,walls")
	var inv *model.InvalidError
	if !errors.As(err, &inv) || !strings.Contains(err.Error(), "walls") {
		t.Errorf("unknown table: %v", err)
	}
}

func TestTablesWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, tb := range tables.All {
		if seen[tb.Name] || tb.Title == "" || tb.Doc == "" {
			t.Errorf("table %q: duplicate or undocumented", tb.Name)
		}
		seen[tb.Name] = true
		cols := map[string]bool{}
		for _, c := range tb.Columns {
			if cols[c.Name] || c.Doc == "" || c.Kind == 0 {
				t.Errorf("%s.%s: duplicate, untyped or undocumented", tb.Name, c.Name)
			}
			cols[c.Name] = true
		}
		if tb.Index(tb.Columns[len(tb.Columns)-1].Name) != len(tb.Columns)-1 || tb.Index("nope") != -1 {
			t.Errorf("%s: Index", tb.Name)
		}
	}
}

func TestSafeText(t *testing.T) {
	for in, want := range map[string]string{
		"":                 "",
		"Lobby":            "Lobby",
		tablestest.Formula: "'" + tablestest.Formula,
		"+1 555 0100":      "'+1 555 0100",
		"-2+3":             "'-2+3",
		"@SUM(A1)":         "'@SUM(A1)",
		"\tTab":            "'\tTab",
		"\rCR":             "'\rCR",
		"-12.5":            "-12.5",
		"+3":               "+3",
		"-1e5":             "-1e5",
		"-":                "'-",
		"-.":               "'-.",
		"-1e":              "'-1e",
		"a=b":              "a=b",
		" =x":              " =x",
		"会议室":              "会议室",
		"=":                "'=",
		"-0x10":            "'-0x10",
		"-Inf":             "'-Inf",
		"=1+1":             "'=1+1",
	} {
		if got := tables.SafeText(in); got != want {
			t.Errorf("SafeText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValueText(t *testing.T) {
	for _, tc := range []struct {
		v    tables.Value
		want string
	}{
		{tables.Null(), ""},
		{tables.Text("x"), "x"},
		{tables.OptText(""), ""},
		{tables.Int64(-42), "-42"},
		{tables.Float64(0.1), "0.1"},
		{tables.Float64(1e21), "1e+21"},
		{tables.Float64(1e-7), "1e-07"},
		{tables.Float64(5000000.123), "5000000.123"},
		{tables.Float64(math.Copysign(0, -1)), "0"},
		{tables.Float64(math.NaN()), ""},
		{tables.Boolean(true), "true"},
	} {
		if got := tc.v.String(); got != tc.want {
			t.Errorf("%+v as text = %q, want %q", tc.v, got, tc.want)
		}
	}
	if !tables.OptText("").IsNull() || !tables.Float64(math.Inf(1)).IsNull() {
		t.Error("empty text and infinity must be null")
	}
}
