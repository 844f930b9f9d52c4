package gltf

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/qmuntal/gltf"
)

// The document is encoded here rather than by gltf.Encoder, which goes through
// reflection and a custom marshaller per node, then compacts every node's
// output again: a 100k-element building has 30 MB of nodes and spent two
// seconds there. Everything but the nodes is marshalled from qmuntal/gltf's
// types by encoding/json as the encoder would; the nodes, which writers of
// this package fill with names, translations, rotations, children, meshes and
// pre-encoded extras only, are appended directly.

// encodeJSON returns the document's JSON text.
func encodeJSON(doc *gltf.Document) ([]byte, error) {
	nodes := doc.Nodes
	doc.Nodes = nil
	head, err := json.Marshal(doc)
	doc.Nodes = nodes
	if err != nil {
		return nil, err
	}
	if len(nodes) == 0 {
		return head, nil
	}
	out := make([]byte, 0, len(head)+len(nodes)*320)
	out = append(out, head[:len(head)-1]...) // without the closing brace
	out = append(out, `,"nodes":[`...)
	for i, n := range nodes {
		if i > 0 {
			out = append(out, ',')
		}
		if out, err = appendNode(out, n); err != nil {
			return nil, fmt.Errorf("node %d: %w", i, err)
		}
	}
	return append(out, "]}"...), nil
}

func appendNode(b []byte, n *gltf.Node) ([]byte, error) {
	b = append(b, '{')
	sep := false
	key := func(k string) {
		if sep {
			b = append(b, ',')
		}
		sep = true
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, `":`...)
	}
	if n.Name != "" {
		key("name")
		b = appendString(b, n.Name)
	}
	if len(n.Children) > 0 {
		key("children")
		b = append(b, '[')
		for i, c := range n.Children {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(c), 10)
		}
		b = append(b, ']')
	}
	if n.Mesh != nil {
		key("mesh")
		b = strconv.AppendInt(b, int64(*n.Mesh), 10)
	}
	if n.Rotation != [4]float64{} && n.Rotation != [4]float64{0, 0, 0, 1} {
		key("rotation")
		b = appendFloats(b, n.Rotation[:])
	}
	if n.Translation != [3]float64{} {
		key("translation")
		b = appendFloats(b, n.Translation[:])
	}
	if n.Extras != nil {
		raw, ok := n.Extras.(json.RawMessage)
		if !ok {
			var err error
			if raw, err = json.Marshal(n.Extras); err != nil {
				return b, err
			}
		}
		key("extras")
		b = append(b, raw...)
	}
	return append(b, '}'), nil
}

func appendFloats(b []byte, fs []float64) []byte {
	b = append(b, '[')
	for i, f := range fs {
		if i > 0 {
			b = append(b, ',')
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			f = 0 // not reached: the model holds finite numbers
		}
		b = strconv.AppendFloat(b, f, 'g', -1, 64)
	}
	return append(b, ']')
}

// appendString appends s as a JSON string: quotes, backslashes and control
// characters escaped, invalid UTF-8 replaced by U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else if r == '\u2028' || r == '\u2029' {
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// GLB framing (glTF 2.0 §4.4): a 12-byte header, the JSON chunk padded with
// spaces and the BIN chunk padded with zeros, both to 4 bytes.
const (
	glbMagic    = 0x46546C67 // "glTF"
	chunkJSON   = 0x4E4F534A // "JSON"
	chunkBIN    = 0x004E4942 // "BIN\0"
	glbMaxBytes = math.MaxUint32
)

func writeGLB(w io.Writer, jsonText, bin []byte) error {
	jl := pad4(len(jsonText))
	total := 12 + 8 + jl
	if len(bin) > 0 {
		total += 8 + pad4(len(bin))
	}
	if total > glbMaxBytes {
		return fmt.Errorf("the model needs %d bytes, more than GLB's 4 GiB", total)
	}
	var hdr []byte
	hdr = binary.LittleEndian.AppendUint32(hdr, glbMagic)
	hdr = binary.LittleEndian.AppendUint32(hdr, 2)
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(total))
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(jl))
	hdr = binary.LittleEndian.AppendUint32(hdr, chunkJSON)
	w.Write(hdr)
	w.Write(jsonText)
	w.Write(bytes.Repeat([]byte{' '}, jl-len(jsonText)))
	if len(bin) > 0 {
		bl := pad4(len(bin))
		hdr = binary.LittleEndian.AppendUint32(hdr[:0], uint32(bl))
		hdr = binary.LittleEndian.AppendUint32(hdr, chunkBIN)
		w.Write(hdr)
		w.Write(bin)
		w.Write(make([]byte, bl-len(bin)))
	}
	// w is a bufio.Writer: its first error sticks and Flush reports it.
	return nil
}

func pad4(n int) int { return (n + 3) &^ 3 }
