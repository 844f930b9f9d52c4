package xml

import (
	"encoding/xml"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAppendEscaped(t *testing.T) {
	for _, c := range []struct {
		in         string
		attr, text string // expected escapes
		bad        bool
	}{
		{"plain", "plain", "plain", false},
		{`<&>"'`, "&lt;&amp;&gt;&quot;'", `&lt;&amp;&gt;"'`, false},
		{"a\tb\nc\rd", "a&#9;b&#10;c&#13;d", "a\tb\nc&#13;d", false},
		{"x\x00y\x01z\x1f", "x\uFFFDy\uFFFDz\uFFFD", "x\uFFFDy\uFFFDz\uFFFD", true},
		{"\uFFFE\uFFFF", "\uFFFD\uFFFD", "\uFFFD\uFFFD", true},
		{"bad\xffutf8\xed\xa0\x80", "bad\uFFFDutf8\uFFFD\uFFFD\uFFFD", "bad\uFFFDutf8\uFFFD\uFFFD\uFFFD", true},
		{"東京🏢é\u0085\uFFFD", "東京🏢é\u0085\uFFFD", "東京🏢é\u0085\uFFFD", false},
		{"]]>", "]]&gt;", "]]&gt;", false},
	} {
		attr, bad := appendEscaped(nil, c.in, true)
		if string(attr) != c.attr || bad != c.bad {
			t.Errorf("attr %q: got %q %v, want %q %v", c.in, attr, bad, c.attr, c.bad)
		}
		text, bad := appendEscaped(nil, c.in, false)
		if string(text) != c.text || bad != c.bad {
			t.Errorf("text %q: got %q %v, want %q %v", c.in, text, bad, c.text, c.bad)
		}
		if !utf8.Valid(attr) || !utf8.Valid(text) {
			t.Errorf("%q: output is not UTF-8", c.in)
		}
		// Read back by encoding/xml, an attribute and text give Clean(in).
		doc := `<a v="` + string(attr) + `">` + string(text) + `</a>`
		var got struct {
			V    string `xml:"v,attr"`
			Text string `xml:",chardata"`
		}
		if err := xml.Unmarshal([]byte(doc), &got); err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if want := Clean(c.in); got.V != want || got.Text != want {
			t.Errorf("%q read back as %q / %q, want %q", c.in, got.V, got.Text, want)
		}
	}
}

func FuzzEscape(f *testing.F) {
	f.Add("a<b>&\"'\x00\x01\t\n\r\uFFFF\xff东")
	f.Fuzz(func(t *testing.T, s string) {
		attr, _ := appendEscaped(nil, s, true)
		text, _ := appendEscaped(nil, s, false)
		doc := `<a v="` + string(attr) + `">` + string(text) + `</a>`
		var got struct {
			V    string `xml:"v,attr"`
			Text string `xml:",chardata"`
		}
		if err := xml.Unmarshal([]byte(doc), &got); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if want := Clean(s); got.V != want || got.Text != want {
			t.Fatalf("%q read back as %q / %q, want %q", s, got.V, got.Text, want)
		}
		if strings.ContainsAny(string(attr), "<\"\t\n\r") {
			t.Fatalf("raw markup in attribute %q", attr)
		}
	})
}
