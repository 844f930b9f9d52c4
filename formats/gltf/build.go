package gltf

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"hash/maphash"
	"math"

	"github.com/qmuntal/gltf"

	"github.com/arxos/arxport/converters/scene"
	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/geom"
	"github.com/arxos/arxport/model"
)

// CodeNoGeometry is the warning code for an element drawn without a mesh: its
// geometry has no triangles (a degenerate solid, a door in a missing wall).
const CodeNoGeometry = "GLTF_NO_GEOMETRY"

const (
	vertexStride = 24 // float32 POSITION then float32 NORMAL
	reportEvery  = 4096
	viewVertices = 0
	viewIndices  = 1
)

// Build converts the job's model into a glTF document with one buffer: the
// node tree, meshes, materials and the buffer's data, ready to encode.
func Build(ctx context.Context, j *formats.Job) (*gltf.Document, error) {
	sc := scene.New(j.Model, scene.Options{Local: true, Panels: true, Warn: j.Warn})
	b := newBuilder(j, sc)
	var done int64
	err := sc.Elements(ctx, func(it *scene.Item) error {
		b.element(it)
		if done++; done%reportEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			j.Report("elements", done)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	j.Report("elements", done)
	j.AddMetric("triangles", b.triangles)
	j.AddMetric("meshes", int64(len(b.doc.Meshes)))
	return b.finish(), nil
}

// geometry is one distinct element-local triangulation in the buffer.
type geometry struct {
	vOff, vLen, iOff, iLen  int
	position, normal, index int // accessors
}

type meshKey struct{ geometry, material int }

// builder accumulates the document. Vertices and indices grow in two byte
// slices that become the two buffer views of the one buffer.
type builder struct {
	j      *formats.Job
	doc    *gltf.Document
	offset geom.Vec3
	floors []int // node of each floor

	verts, idx []byte
	vtmp, itmp []byte // the current element's, before deduplication
	seed       maphash.Seed
	geoms      map[uint64][]int
	geomList   []geometry
	meshes     map[meshKey]int
	materials  map[string]int
	triangles  int64
}

func newBuilder(j *formats.Job, sc *scene.Scene) *builder {
	b := &builder{j: j, offset: sc.Offset(), seed: maphash.MakeSeed(),
		geoms: map[uint64][]int{}, meshes: map[meshKey]int{}, materials: map[string]int{}}
	bld := &j.Model.Building
	doc := &gltf.Document{
		Asset:  gltf.Asset{Version: "2.0", Generator: "arxport"},
		Scene:  gltf.Index(0),
		Scenes: []*gltf.Scene{{Name: bld.Name, Nodes: []int{0}}},
	}
	root := &gltf.Node{
		Name:        "building",
		Translation: yUp(b.offset),
		Extras: raw(map[string]any{
			"id": bld.ID, "name": bld.Name, "offset": b.offset, "units": "m", "up": "Y",
			"properties": bld.Properties,
		}),
	}
	doc.Nodes = append(doc.Nodes, root)
	for _, f := range sc.Floors() {
		b.floors = append(b.floors, len(doc.Nodes))
		root.Children = append(root.Children, len(doc.Nodes))
		doc.Nodes = append(doc.Nodes, &gltf.Node{
			Name:        f.ID,
			Translation: [3]float64{0, f.Elevation, 0},
			Extras:      raw(map[string]any{"level": f.Level, "name": f.Name, "elevation": f.Elevation, "height": f.Height}),
		})
	}
	b.doc = doc
	return b
}

// element adds the node of one element, and its mesh unless an identical one
// exists.
func (b *builder) element(it *scene.Item) {
	e := it.Element
	n := &gltf.Node{Name: e.ID, Extras: elementExtras(e)}
	o := it.Place.Origin
	n.Translation = yUp(geom.Vec3{o[0] - b.offset[0], o[1] - b.offset[1], o[2] - b.offset[2]})
	if it.Place.Angle != 0 {
		s, c := math.Sincos(it.Place.Angle / 2)
		n.Rotation = [4]float64{0, s, 0, c}
	}
	if t := it.Tris.Count(); t > 0 {
		g := b.geometry(&it.Tris)
		mat := b.material(it.Material)
		k := meshKey{g, mat}
		m, ok := b.meshes[k]
		if !ok {
			m = len(b.doc.Meshes)
			b.meshes[k] = m
			gm := &b.geomList[g]
			b.doc.Meshes = append(b.doc.Meshes, &gltf.Mesh{Primitives: []*gltf.Primitive{{
				Attributes: gltf.PrimitiveAttributes{gltf.POSITION: gm.position, gltf.NORMAL: gm.normal},
				Indices:    gltf.Index(gm.index),
				Material:   gltf.Index(mat),
			}}})
		}
		n.Mesh = gltf.Index(m)
		b.triangles += int64(t)
	} else {
		b.j.Warning("elements."+e.ID, CodeNoGeometry, "element %s has no geometry to draw", e.ID)
	}
	floor := b.doc.Nodes[b.floors[it.Floor]]
	floor.Children = append(floor.Children, len(b.doc.Nodes))
	b.doc.Nodes = append(b.doc.Nodes, n)
}

// geometry returns the index of the triangulation in geomList, adding it (its
// bytes and accessors) when it is new.
func (b *builder) geometry(t *scene.Triangles) int {
	lo := [3]float32{math.MaxFloat32, math.MaxFloat32, math.MaxFloat32}
	hi := [3]float32{-math.MaxFloat32, -math.MaxFloat32, -math.MaxFloat32}
	v := b.vtmp[:0]
	for i, p := range t.Positions {
		q := yUp32(p)
		for k := range 3 {
			lo[k], hi[k] = min(lo[k], q[k]), max(hi[k], q[k])
		}
		v = appendVec(v, q)
		v = appendVec(v, yUp32(t.Normals[i]))
	}
	small := len(t.Positions) < math.MaxUint16 // 65535 is the primitive restart value
	ix := b.itmp[:0]
	for _, i := range t.Indices {
		if small {
			ix = binary.LittleEndian.AppendUint16(ix, uint16(i))
		} else {
			ix = binary.LittleEndian.AppendUint32(ix, i)
		}
	}
	b.vtmp, b.itmp = v, ix

	h := maphash.Bytes(b.seed, v) ^ maphash.Bytes(b.seed, ix)*31
	for _, g := range b.geoms[h] {
		gm := &b.geomList[g]
		if bytes.Equal(b.verts[gm.vOff:gm.vOff+gm.vLen], v) && bytes.Equal(b.idx[gm.iOff:gm.iOff+gm.iLen], ix) {
			return g
		}
	}
	gm := geometry{vOff: len(b.verts), vLen: len(v), iOff: len(b.idx), iLen: len(ix)}
	b.verts = append(b.verts, v...)
	b.idx = append(b.idx, ix...)
	for len(b.idx)%4 != 0 { // keeps every index accessor aligned
		b.idx = append(b.idx, 0)
	}
	nv := len(t.Positions)
	acc := &b.doc.Accessors
	gm.position = len(*acc)
	*acc = append(*acc, &gltf.Accessor{
		BufferView: gltf.Index(viewVertices), ByteOffset: gm.vOff, ComponentType: gltf.ComponentFloat,
		Count: nv, Type: gltf.AccessorVec3,
		Min: []float64{float64(lo[0]), float64(lo[1]), float64(lo[2])},
		Max: []float64{float64(hi[0]), float64(hi[1]), float64(hi[2])},
	})
	gm.normal = len(*acc)
	*acc = append(*acc, &gltf.Accessor{
		BufferView: gltf.Index(viewVertices), ByteOffset: gm.vOff + 12, ComponentType: gltf.ComponentFloat,
		Count: nv, Type: gltf.AccessorVec3,
	})
	gm.index = len(*acc)
	ct := gltf.ComponentUint
	if small {
		ct = gltf.ComponentUshort
	}
	*acc = append(*acc, &gltf.Accessor{
		BufferView: gltf.Index(viewIndices), ByteOffset: gm.iOff, ComponentType: ct,
		Count: len(t.Indices), Type: gltf.AccessorScalar,
	})
	b.geomList = append(b.geomList, gm)
	b.geoms[h] = append(b.geoms[h], len(b.geomList)-1)
	return len(b.geomList) - 1
}

func (b *builder) material(key string) int {
	if m, ok := b.materials[key]; ok {
		return m
	}
	a := scene.Look(key)
	c := a.Color
	mat := &gltf.Material{
		Name: key,
		PBRMetallicRoughness: &gltf.PBRMetallicRoughness{
			BaseColorFactor: &c,
			MetallicFactor:  gltf.Float(a.Metallic),
			RoughnessFactor: gltf.Float(a.Roughness),
		},
	}
	if a.Transparent {
		mat.AlphaMode = gltf.AlphaBlend
	}
	m := len(b.doc.Materials)
	b.materials[key] = m
	b.doc.Materials = append(b.doc.Materials, mat)
	return m
}

// finish joins vertices and indices into the one buffer.
func (b *builder) finish() *gltf.Document {
	doc := b.doc
	if len(b.verts) == 0 {
		return doc // no geometry at all: no buffer, views or accessors
	}
	vl := len(b.verts)
	data := append(b.verts, b.idx...)
	b.verts, b.idx = nil, nil
	doc.Buffers = []*gltf.Buffer{{ByteLength: len(data), Data: data}}
	doc.BufferViews = []*gltf.BufferView{
		{Buffer: 0, ByteLength: vl, ByteStride: vertexStride, Target: gltf.TargetArrayBuffer},
		{Buffer: 0, ByteOffset: vl, ByteLength: len(data) - vl, Target: gltf.TargetElementArrayBuffer},
	}
	return doc
}

// yUp converts model coordinates (z up) to glTF's (y up): x → X, z → Y, y → −Z.
func yUp(v geom.Vec3) [3]float64 { return [3]float64{v[0], v[2], zero(-v[1])} }

// zero turns −0 into 0, so that no "-0" is written.
func zero(f float64) float64 {
	if f == 0 {
		return 0
	}
	return f
}

func yUp32(v geom.Vec3) [3]float32 {
	return [3]float32{float32(v[0]), float32(v[2]), float32(zero(-v[1]))}
}

func appendVec(b []byte, v [3]float32) []byte {
	for _, f := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	return b
}

// elementExtras are an element's extras, encoded once.
func elementExtras(e *model.Element) json.RawMessage {
	x := struct {
		Type       string           `json:"type"`
		Name       string           `json:"name,omitempty"`
		Material   string           `json:"material,omitempty"`
		System     string           `json:"system,omitempty"`
		Status     string           `json:"status,omitempty"`
		Room       string           `json:"room,omitempty"`
		Host       string           `json:"host,omitempty"`
		Properties model.Properties `json:"properties,omitempty"`
	}{e.Type, e.Name, e.Material, e.System, e.Status, e.Room, e.Host, e.Properties}
	return raw(x)
}

func raw(v any) json.RawMessage {
	out, err := json.Marshal(v)
	if err != nil {
		// Model values are strings, finite numbers and booleans: not reached.
		return json.RawMessage("{}")
	}
	return out
}
