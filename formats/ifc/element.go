package ifc

import (
	"math"

	"github.com/arxos/arxport/geom"
	"github.com/arxos/arxport/model"
)

func (w *writer) storeyOf(floor string) *storey {
	return &w.storeys[w.floorIndex[floor]]
}

func (w *writer) room(r *model.Room) {
	e := w.e
	st := w.storeyOf(r.Floor)
	origin := r.Boundary[0]
	pl := w.localPlacement(st.placement, w.axis3(w.point(origin[0], origin[1], 0), 0))
	shape := w.prismShape(r.Boundary, r.Holes, origin, 0, r.Height)
	id := e.Begin("IFCSPACE")
	w.guid("room", r.ID)
	e.Null()
	e.Str(r.ID)
	e.Null()
	e.OptStr(r.Type)
	e.Ref(pl)
	if shape != 0 {
		e.Ref(shape)
	} else {
		e.Null()
	}
	e.OptStr(r.Name)
	e.Enum("ELEMENT")
	e.Enum("SPACE")
	e.Null()
	e.End()
	if shape == 0 {
		w.j.Warning("rooms."+r.ID, CodeNoGeometry, "room %q is too small for the file's precision: written without a shape", r.ID)
	}
	st.spaces = append(st.spaces, int32(id))
	area := geom.Area(r.Boundary)
	for _, h := range r.Holes {
		area -= geom.Area(h)
	}
	if w.props {
		w.commonPset(id, "room", r.ID, "Pset_SpaceCommon", r.Properties)
		w.ownProps(id, "room", r.ID, r.Properties)
	}
	if w.qtos {
		w.quantities(id, "room", r.ID, "Qto_SpaceBaseQuantities", []quantity{
			{qLength, "Height", r.Height}, {qArea, "NetFloorArea", area}, {qVolume, "NetVolume", area * r.Height}})
	}
}

func (w *writer) element(el *model.Element) error {
	e := w.e
	m := w.m
	st := w.storeyOf(el.Floor)
	cls := classOf(el)
	g := &el.Geometry

	var wall model.Geometry
	var hostOK, hostWritten bool
	if g.Kind == model.KindOpening {
		// The host's geometry places the opening even when a filter left the
		// wall out; the void and fill relations need the wall written.
		wall, hostOK = m.HostGeometry(el.Host)
		_, hostWritten = m.Wall(el.Host)
	}
	ref, shape := w.elementShape(el, &wall, hostOK)
	pl := w.localPlacement(st.placement, w.axis3(w.point(ref[0], ref[1], 0), 0))

	var id int
	if _, hosts := m.Wall(el.ID); hosts && g.Kind == model.KindLine {
		h := w.host(el.ID)
		h.written = true
		id = h.id
		e.BeginAt(id, cls.Entity)
	} else {
		id = e.Begin(cls.Entity)
	}
	w.guid("element", el.ID)
	e.Null()
	e.Str(label(el.Name, el.ID))
	e.Null()
	e.Str(el.Type)
	e.Ref(pl)
	if shape != 0 {
		e.Ref(shape)
	} else {
		e.Null()
	}
	e.Str(el.ID)
	if cls.overall {
		if g.Kind == model.KindOpening && g.Height > 0 && g.Width > 0 {
			e.Length(g.Height)
			e.Length(g.Width)
		} else {
			e.Null()
			e.Null()
		}
	}
	if cls.Predefined != "" {
		e.Enum(cls.Predefined)
	}
	if cls.overall {
		e.Null() // OperationType / PartitioningType
		e.Null()
	}
	e.End()
	if shape == 0 {
		w.j.Warning("elements."+el.ID, CodeNoGeometry, "element %q has no shape the file can hold (an open mesh without triangles, or a size below the file's precision)", el.ID)
	}
	st.contained = append(st.contained, int32(id))

	if hostWritten {
		w.opening(el, &wall, st, id, ref)
	}
	if el.Material != "" {
		w.materials[el.Material] = append(w.materials[el.Material], int32(id))
	}
	ms := m.Measure(el)
	if w.props {
		pset := cls.Pset
		if el.Type == "equipment" {
			pset = ""
		}
		if pset != "" {
			w.commonPset(id, "element", el.ID, pset, el.Properties)
		}
		w.commonPset(id, "element", el.ID, "Pset_ManufacturerTypeInformation", el.Properties)
		w.commonPset(id, "element", el.ID, "Pset_ManufacturerOccurrence", el.Properties)
		w.elementProps(id, el)
		w.ownProps(id, "element", el.ID, el.Properties)
	}
	if w.qtos {
		qto := cls.Qto
		if qto == "" {
			qto = "Arxos_BaseQuantities"
		}
		w.quantities(id, "element", el.ID, qto, elementQuantities(el, &ms, &wall))
	}
	return e.Err()
}

// host returns the instance number of a wall that hosts openings, reserving
// it on first use.
func (w *writer) host(wallID string) *host {
	h := w.hosts[wallID]
	if h == nil {
		h = &host{id: w.e.Reserve()}
		w.hosts[wallID] = h
	}
	return h
}

// opening writes the IfcOpeningElement a door or window fills, and its
// relations to the wall and to the door.
func (w *writer) opening(el *model.Element, wall *model.Geometry, st *storey, filler int, ref geom.Vec2) {
	e := w.e
	shape := w.openingShape(el, wall, ref, openingMargin)
	pl := w.localPlacement(st.placement, w.axis3(w.point(ref[0], ref[1], 0), 0))
	op := e.Begin("IFCOPENINGELEMENT")
	w.guid("opening", el.ID)
	e.Null()
	e.Str("Opening of " + el.ID)
	e.Null()
	e.Null()
	e.Ref(pl)
	if shape != 0 {
		e.Ref(shape)
	} else {
		e.Null()
	}
	e.Null()
	e.Enum("OPENING")
	e.End()
	e.Begin("IFCRELVOIDSELEMENT")
	w.guid("voids", el.ID)
	e.Null()
	e.Null()
	e.Null()
	e.Ref(w.host(el.Host).id)
	e.Ref(op)
	e.End()
	e.Begin("IFCRELFILLSELEMENT")
	w.guid("fills", el.ID)
	e.Null()
	e.Null()
	e.Null()
	e.Ref(op)
	e.Ref(filler)
	e.End()
}

// openingMargin is how far an opening stands proud of each wall face.
const openingMargin = 0.01

// elementQuantities lists the base quantities of an element by geometry kind.
func elementQuantities(el *model.Element, ms *model.Measures, wall *model.Geometry) []quantity {
	g := &el.Geometry
	switch g.Kind {
	case model.KindLine:
		return []quantity{{qLength, "Length", ms.Length}, {qLength, "Width", g.Thickness}, {qLength, "Height", g.Height},
			{qArea, "GrossFootprintArea", ms.Area}, {qVolume, "GrossVolume", ms.Area * g.Height}, {qVolume, "NetVolume", ms.Volume}}
	case model.KindExtrusion:
		return []quantity{{qLength, "Height", g.Height}, {qArea, "NetArea", ms.Area}, {qVolume, "NetVolume", ms.Volume}}
	case model.KindBox:
		return []quantity{{qLength, "Length", math.Abs(g.Size[0])}, {qLength, "Width", math.Abs(g.Size[1])},
			{qLength, "Height", math.Abs(g.Size[2])}, {qVolume, "NetVolume", ms.Volume}}
	case model.KindOpening:
		return []quantity{{qLength, "Width", g.Width}, {qLength, "Height", g.Height}, {qArea, "Area", ms.Area}}
	case model.KindMesh:
		q := []quantity{{qArea, "NetSurfaceArea", ms.Area}}
		if ms.Closed {
			q = append(q, quantity{qVolume, "NetVolume", ms.Volume})
		}
		return q
	}
	return nil
}
