// Package gltf writes a model as glTF 2.0: "gltf" (<base>.gltf, JSON with the
// binary buffer embedded as a data URI, or beside it as <base>.bin) and "glb"
// (<base>.glb, one binary file).
//
// The node tree is building → floor → element:
//   - the root node "building" carries the re-centring offset (scene.Offset) as
//     its translation and in extras.offset ([x east, y north, z up], metres,
//     model axes), so positions below it are small numbers that float32 holds to
//     better than a millimetre while the tree as a whole stays georeferenced;
//   - one node per floor: name = floor id, translation = its elevation, extras
//     level and name;
//   - one node per element: name = element id, extras type, name, material,
//     system, status, room, host when set, and properties; translation and
//     rotation place the element's mesh, which is element-local.
//
// glTF is Y up and the model Z up: model x (east) → +X, z (up) → +Y, y (north)
// → −Z, a rotation, so triangle winding is kept. Units are metres.
//
// Meshes: POSITION (with min and max) and NORMAL, flat shaded, indexed
// triangles (uint16 when the mesh has fewer than 65,535 vertices, else uint32).
// Identical element-local geometry is stored once and shared by every node that
// uses it (instancing: boxes of one size, walls of one length and openings,
// doors and windows of one size...). All vertices live in one interleaved
// buffer view and all indices in another, in one buffer.
//
// Materials: one per element type and material name (scene.MaterialKey), PBR
// metallic-roughness; glass (windows) is alpha-blended. Doors and windows are
// drawn as thin panels filling their opening. An open mesh is drawn as a
// surface, each triangle on both sides.
//
// glTF is not a streaming format: the document grows with the model, but
// elements are visited one by one and only the document is held.
package gltf

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/url"

	"github.com/arxos/arxport/formats"
)

// Content types of the files written.
const (
	ContentTypeGLTF = "model/gltf+json"
	ContentTypeGLB  = "model/gltf-binary"
	ContentTypeBin  = "application/octet-stream"
)

// GLTF is the "gltf" format.
var GLTF = &formats.Format{
	Name:   "gltf",
	Title:  "3D model as glTF 2.0 JSON: building → floor → element nodes, meshes with POSITION and NORMAL, a material per element type",
	Family: "scene",
	Options: []formats.Option{
		{Name: "buffer", Kind: formats.String, Default: "embedded", Enum: []string{"embedded", "separate"},
			Doc: `where the binary buffer goes: "embedded" in the .gltf as a base64 data URI (one file), ` +
				`or "separate" as <name>.bin beside it (a third smaller)`},
	},
	Write: func(ctx context.Context, j *formats.Job) error { return write(ctx, j, false) },
}

// GLB is the "glb" format.
var GLB = &formats.Format{
	Name:   "glb",
	Title:  "3D model as binary glTF 2.0 (GLB): building → floor → element nodes, meshes with POSITION and NORMAL, a material per element type",
	Family: "scene",
	Write:  func(ctx context.Context, j *formats.Job) error { return write(ctx, j, true) },
}

func init() {
	formats.Register(GLTF)
	formats.Register(GLB)
}

func write(ctx context.Context, j *formats.Job, binary bool) error {
	doc, err := Build(ctx, j)
	if err != nil {
		return err
	}
	var bin []byte
	if len(doc.Buffers) > 0 {
		bin = doc.Buffers[0].Data
	}
	if binary {
		text, err := encodeJSON(doc)
		if err != nil {
			return fmt.Errorf("gltf: %w", err)
		}
		return create(ctx, j, j.Base+".glb", ContentTypeGLB, func(w io.Writer) error { return writeGLB(w, text, bin) })
	}
	if len(bin) > 0 {
		buf := doc.Buffers[0]
		if j.Options.String("buffer") == "separate" {
			name := j.Base + ".bin"
			buf.URI = url.PathEscape(name)
			if err := create(ctx, j, name, ContentTypeBin, func(w io.Writer) error {
				_, err := w.Write(bin)
				return err
			}); err != nil {
				return err
			}
		} else {
			buf.EmbeddedResource()
		}
	}
	text, err := encodeJSON(doc)
	if err != nil {
		return fmt.Errorf("gltf: %w", err)
	}
	return create(ctx, j, j.Base+".gltf", ContentTypeGLTF, func(w io.Writer) error {
		_, err := w.Write(text)
		return err
	})
}

// create writes one file through a buffered writer, whose first error sticks,
// so a failed write surfaces however the encoding went on.
func create(ctx context.Context, j *formats.Job, name, contentType string, fill func(io.Writer) error) error {
	err := j.WriteFile(ctx, name, contentType, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 256<<10)
		if err := fill(bw); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("gltf: %s: %w", name, err)
	}
	return nil
}
