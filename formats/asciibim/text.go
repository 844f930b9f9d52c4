package asciibim

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// escape makes a value safe on one line: a backslash becomes \\, a newline \n,
// a carriage return \r, a tab \t, any other control or line-breaking character
// (and a trailing space, which editors strip) \u{HEX}. The extra runes (for
// connections: > [ ]) are written \u{HEX} too. Everything else, UTF-8
// included, is written as it is.
func escape(s string, extra string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c == '\\' || c >= 0x80 || strings.IndexByte(extra, c) >= 0 {
			clean = false
			break
		}
	}
	if clean && !strings.HasSuffix(s, " ") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(`\u{FFFD}`)
			i++
			continue
		}
		i += size
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\ufeff' ||
			(r < utf8.RuneSelf && strings.ContainsRune(extra, r)) ||
			(r == ' ' && i == len(s)):
			fmt.Fprintf(&b, `\u{%X}`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unescape reverses escape; a malformed escape is kept as it is.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		switch s[i+1] {
		case '\\':
			b.WriteByte('\\')
			i++
		case 'n':
			b.WriteByte('\n')
			i++
		case 'r':
			b.WriteByte('\r')
			i++
		case 't':
			b.WriteByte('\t')
			i++
		case 'u':
			end := strings.IndexByte(s[i:], '}')
			if strings.HasPrefix(s[i:], `\u{`) && end > 3 {
				if v, err := strconv.ParseUint(s[i+3:i+end], 16, 32); err == nil && utf8.ValidRune(rune(v)) {
					b.WriteRune(rune(v))
					i += end
					continue
				}
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// translit spells s in the characters a LAYOUT label may hold: upper-case
// ASCII letters, digits, spaces and - & ' " ( ) / , _ < >. Accented Latin letters
// lose their accents (é → E, ß → SS, Æ → AE), typographic dashes and quotes
// become ASCII, combining marks are dropped and other punctuation becomes a
// space. ok is false when s holds a letter or symbol with no such spelling
// (CJK, Cyrillic, emoji...): such a name is not written into the layout, only
// into the ROOMS section.
func translit(s string) (out string, ok bool) {
	var b strings.Builder
	space := false
	put := func(t string) {
		for _, c := range t {
			if c == ' ' {
				space = b.Len() > 0
				continue
			}
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(c)
		}
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			put(string(r - 32))
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			put(string(r))
		case strings.ContainsRune(`-&'"()/,_<>`, r):
			put(string(r))
		case r < utf8.RuneSelf:
			put(" ") // space, control characters and the layout's symbols
		case unicode.Is(unicode.Mn, r) || r == '\ufe0f' || r == '\u200d':
			// combining marks, variation selectors and joiners add nothing
		case unicode.IsSpace(r):
			put(" ")
		default:
			t, found := latin[r]
			if !found {
				return "", false
			}
			put(t)
		}
	}
	return b.String(), true
}

// latin spells accented Latin letters and typographic marks in ASCII (upper case).
var latin = func() map[rune]string {
	m := map[rune]string{}
	add := func(to string, from string) {
		for _, r := range from {
			m[r] = to
		}
	}
	add("A", "ÀÁÂÃÄÅàáâãäåĀāĂăĄą")
	add("AE", "Ææ")
	add("C", "ÇçĆćĈĉĊċČč")
	add("D", "ÐðĎďĐđ")
	add("E", "ÈÉÊËèéêëĒēĔĕĖėĘęĚě")
	add("G", "ĜĝĞğĠġĢģ")
	add("H", "ĤĥĦħ")
	add("I", "ÌÍÎÏìíîïĨĩĪīĬĭĮįİı")
	add("IJ", "Ĳĳ")
	add("J", "Ĵĵ")
	add("K", "Ķķĸ")
	add("L", "ĹĺĻļĽľĿŀŁł")
	add("N", "ÑñŃńŅņŇňŉŊŋ")
	add("O", "ÒÓÔÕÖØòóôõöøŌōŎŏŐő")
	add("OE", "Œœ")
	add("R", "ŔŕŖŗŘř")
	add("S", "ŚśŜŝŞşŠšſ")
	add("SS", "ß")
	add("T", "ŢţŤťŦŧ")
	add("TH", "Þþ")
	add("U", "ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲų")
	add("W", "Ŵŵ")
	add("Y", "ÝýÿŶŷŸ")
	add("Z", "ŹźŻżŽž")
	add("-", "‐‑‒–—―−")
	add("'", "‘’‚′")
	add(`"`, "“”„″«»")
	add(" ", "\u00a0\u2007\u202f·•…№°")
	return m
}()
