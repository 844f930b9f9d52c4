package pdf

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
)

// The Latin, Greek and Cyrillic font, embedded in the binary (DejaVu licence in fonts/LICENSE).
var (
	//go:embed fonts/DejaVuSansCondensed.ttf
	dejaVu []byte
	//go:embed fonts/DejaVuSansCondensed-Bold.ttf
	dejaVuBold []byte
)

const (
	// FontDirEnv names the directory searched for the CJK fallback font.
	FontDirEnv = "ARXPORT_FONT_DIR"
	// DefaultFontDir is where Debian's fonts-droid-fallback puts it.
	DefaultFontDir = "/usr/share/fonts/truetype/droid"
	// FallbackFont is the file name of the fallback font in the font directory.
	FallbackFont = "DroidSansFallbackFull.ttf"

	famLatin    = "DejaVuSansCondensed"
	famFallback = "DroidSansFallback"
	// replacement is written for a character no font covers (DejaVu has it).
	replacement = '\uFFFD'
)

// coverage is the set of BMP characters a font maps to a glyph. fpdf reads only
// the format 4 (BMP) cmap of a TrueType font, so characters outside the BMP are
// never covered, whatever the font holds.
type coverage [65536 / 64]uint64

func (c *coverage) has(r rune) bool {
	return r >= 0 && r < 65536 && c[r>>6]&(1<<(uint(r)&63)) != 0
}

func (c *coverage) set(r int) { c[r>>6] |= 1 << (uint(r) & 63) }

var errCmap = errors.New("no usable format 4 cmap")

// parseCoverage reads the format 4 cmap subtable (Windows Unicode BMP, or
// Unicode) of a TrueType font.
func parseCoverage(ttf []byte) (*coverage, error) {
	u16 := func(o int) (int, bool) {
		if o < 0 || o+2 > len(ttf) {
			return 0, false
		}
		return int(binary.BigEndian.Uint16(ttf[o:])), true
	}
	u32 := func(o int) (int, bool) {
		if o < 0 || o+4 > len(ttf) {
			return 0, false
		}
		return int(binary.BigEndian.Uint32(ttf[o:])), true
	}
	n, ok := u16(4)
	if !ok {
		return nil, errCmap
	}
	cmap := -1
	for i := range n {
		rec := 12 + 16*i
		if rec+16 > len(ttf) {
			return nil, errCmap
		}
		if string(ttf[rec:rec+4]) == "cmap" {
			cmap, _ = u32(rec + 8)
		}
	}
	if cmap < 0 {
		return nil, errCmap
	}
	nsub, ok := u16(cmap + 2)
	if !ok {
		return nil, errCmap
	}
	sub := -1
	for i := range nsub {
		rec := cmap + 4 + 8*i
		pid, _ := u16(rec)
		eid, _ := u16(rec + 2)
		off, ok := u32(rec + 4)
		if !ok {
			return nil, errCmap
		}
		if format, _ := u16(cmap + off); format == 4 && (pid == 3 && eid == 1 || pid == 0) {
			sub = cmap + off
			if pid == 3 {
				break
			}
		}
	}
	if sub < 0 {
		return nil, errCmap
	}
	segX2, ok := u16(sub + 6)
	if !ok {
		return nil, errCmap
	}
	ends, starts := sub+14, sub+16+segX2
	deltas, ranges := starts+segX2, starts+2*segX2
	if ranges+segX2 > len(ttf) {
		return nil, errCmap
	}
	c := &coverage{}
	for s := 0; s < segX2; s += 2 {
		end, _ := u16(ends + s)
		start, _ := u16(starts + s)
		delta, _ := u16(deltas + s)
		ro, _ := u16(ranges + s)
		for r := start; r <= end && r < 0xFFFF; r++ {
			g := 0
			if ro == 0 {
				g = (r + delta) & 0xFFFF
			} else if gv, ok := u16(ranges + s + ro + 2*(r-start)); ok && gv != 0 {
				g = (gv + delta) & 0xFFFF
			}
			if g != 0 {
				c.set(r)
			}
		}
	}
	return c, nil
}

var latinCoverage = sync.OnceValues(func() (*coverage, error) { return parseCoverage(dejaVu) })

// fallbackFont is the CJK font read from the font directory.
type fallbackFont struct {
	path  string
	bytes []byte
	cover *coverage
	err   error
}

var (
	fallbackMu    sync.Mutex
	fallbackCache = map[string]*fallbackFont{}
)

// fontDir is the directory of the fallback font: $ARXPORT_FONT_DIR or the Debian one.
func fontDir() string {
	if d := os.Getenv(FontDirEnv); d != "" {
		return d
	}
	return DefaultFontDir
}

// loadFallback reads (once per path) the fallback font and its coverage.
func loadFallback() *fallbackFont {
	path := filepath.Join(fontDir(), FallbackFont)
	fallbackMu.Lock()
	defer fallbackMu.Unlock()
	if f, ok := fallbackCache[path]; ok {
		return f
	}
	f := &fallbackFont{path: path}
	f.bytes, f.err = os.ReadFile(path)
	if f.err == nil {
		f.cover, f.err = parseCoverage(f.bytes)
	}
	fallbackCache[path] = f
	return f
}

// fonts chooses a font for every character and draws text run by run.
type fonts struct {
	pdf      *fpdf.Fpdf
	latin    *coverage
	fallback *fallbackFont // nil until a character needs it
	added    bool          // fallback registered with pdf
	// missing are the characters no font covers, reported once at the end.
	missing map[rune]bool
	// fallbackMissing is set when a character needed the fallback font and it
	// could not be read.
	fallbackMissing error
}

func newFonts(pdf *fpdf.Fpdf) (*fonts, error) {
	cov, err := latinCoverage()
	if err != nil {
		return nil, fmt.Errorf("pdf: embedded font: %w", err)
	}
	pdf.AddUTF8FontFromBytes(famLatin, "", dejaVu)
	pdf.AddUTF8FontFromBytes(famLatin, "B", dejaVuBold)
	return &fonts{pdf: pdf, latin: cov, missing: map[rune]bool{}}, nil
}

// run is a piece of text in one font family.
type run struct {
	family string
	text   string
}

// runs splits s into runs of one font each. Characters that no font covers are
// replaced by U+FFFD and remembered for a warning; control characters become spaces.
func (f *fonts) runs(s string) []run {
	var out []run
	var b strings.Builder
	fam := ""
	flush := func() {
		if b.Len() > 0 {
			out = append(out, run{fam, b.String()})
			b.Reset()
		}
	}
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			r = ' '
		}
		want := famLatin
		switch {
		case f.latin.has(r):
		case f.fallbackHas(r):
			want = famFallback
		default:
			// Variation selectors and zero-width joiners have no glyph of their
			// own: leave them out of the drawing but note them.
			f.missing[r] = true
			if unicode.Is(unicode.Variation_Selector, r) || r == '\u200d' {
				continue
			}
			r = replacement
		}
		if want != fam {
			flush()
			fam = want
		}
		b.WriteRune(r)
	}
	flush()
	return out
}

func (f *fonts) fallbackHas(r rune) bool {
	if r > 0xFFFF {
		return false
	}
	if f.fallback == nil {
		f.fallback = loadFallback()
		if f.fallback.err != nil {
			f.fallbackMissing = f.fallback.err
		}
	}
	if f.fallback.err != nil || !f.fallback.cover.has(r) {
		return false
	}
	if !f.added {
		f.pdf.AddUTF8FontFromBytes(famFallback, "", f.fallback.bytes)
		f.added = true
	}
	return true
}

// set selects a family at a size (points); the fallback has no bold.
func (f *fonts) set(family string, bold bool, size float64) {
	style := ""
	if bold && family == famLatin {
		style = "B"
	}
	f.pdf.SetFont(family, style, size)
}

// width is the width of s in mm at size points.
func (f *fonts) width(s string, bold bool, size float64) float64 {
	w := 0.0
	for _, r := range f.runs(s) {
		f.set(r.family, bold, size)
		w += f.pdf.GetStringWidth(r.text)
	}
	return w
}

// text draws s with its baseline starting at (x, y), and returns its width.
func (f *fonts) text(x, y float64, s string, bold bool, size float64) float64 {
	w := 0.0
	for _, r := range f.runs(s) {
		f.set(r.family, bold, size)
		f.pdf.Text(x+w, y, r.text)
		w += f.pdf.GetStringWidth(r.text)
	}
	return w
}

// Alignment of text about its x.
const (
	alignLeft = iota
	alignCentre
	alignRight
)

// textAt draws s aligned about x.
func (f *fonts) textAt(x, y float64, s string, bold bool, size float64, align int) {
	switch align {
	case alignCentre:
		x -= f.width(s, bold, size) / 2
	case alignRight:
		x -= f.width(s, bold, size)
	}
	f.text(x, y, s, bold, size)
}

// fit shortens s with an ellipsis until it is at most w mm wide.
func (f *fonts) fit(s string, bold bool, size, w float64) string {
	if f.width(s, bold, size) <= w {
		return s
	}
	rs := []rune(s)
	for len(rs) > 0 {
		rs = rs[:len(rs)-1]
		t := strings.TrimRight(string(rs), " ") + "…"
		if f.width(t, bold, size) <= w {
			return t
		}
	}
	return "…"
}

// wrap breaks s into lines at most w mm wide: at spaces, and inside a word (or
// a run of CJK, which has no spaces) only when the word alone is too wide.
func (f *fonts) wrap(s string, bold bool, size, w float64) []string {
	words := strings.Fields(s)
	if len(words) == 0 {
		return nil
	}
	var lines []string
	line := ""
	for _, word := range words {
		try := word
		if line != "" {
			try = line + " " + word
		}
		if f.width(try, bold, size) <= w {
			line = try
			continue
		}
		if line != "" {
			lines = append(lines, line)
		}
		line = ""
		for f.width(word, bold, size) > w {
			rs := []rune(word)
			n := len(rs) - 1
			for n > 1 && f.width(string(rs[:n]), bold, size) > w {
				n--
			}
			lines = append(lines, string(rs[:n]))
			word = string(rs[n:])
		}
		line = word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// missingList is the sorted list of characters no font covered, as U+XXXX.
func (f *fonts) missingList() []string {
	rs := make([]rune, 0, len(f.missing))
	for r := range f.missing {
		rs = append(rs, r)
	}
	slices.Sort(rs)
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = fmt.Sprintf("U+%04X", r)
	}
	return out
}

// safeUTF16 keeps what fpdf can encode in document metadata and bookmarks
// (UTF-16 of the BMP only): other characters become U+FFFD.
func safeUTF16(s string) string {
	return strings.Map(func(r rune) rune {
		if r > 0xFFFF || r == utf8.RuneError || unicode.IsControl(r) {
			return replacement
		}
		return r
	}, s)
}
