package ifc

import (
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/arxos/arxport/model"
)

// propertySet writes an IfcPropertySet of the given property instances and
// relates it to the object. role and id name the object, for the GlobalIds.
func (w *writer) propertySet(object int, role, id, name string, props []int32) {
	if len(props) == 0 {
		return
	}
	e := w.e
	ps := e.Begin("IFCPROPERTYSET")
	w.guid("pset:"+name+":"+role, id)
	e.Null()
	e.Str(name)
	e.Null()
	e.Refs32(props)
	e.End()
	e.Begin("IFCRELDEFINESBYPROPERTIES")
	w.guid("defines:"+name+":"+role, id)
	e.Null()
	e.Null()
	e.Null()
	e.Open()
	e.Ref(object)
	e.Close()
	e.Ref(ps)
	e.End()
}

// single begins an IfcPropertySingleValue; the caller writes the value and ends it.
func (w *writer) single(name string) int {
	e := w.e
	id := e.Begin("IFCPROPERTYSINGLEVALUE")
	e.Str(name)
	e.Null()
	return id
}

// endSingle writes the property's Unit ($: the project's) and ends it.
func (w *writer) endSingle() {
	w.e.Null()
	w.e.End()
}

// labelLimit is IfcLabel's length; longer strings are written as IfcText.
const labelLimit = 255

func (w *writer) text(s string) {
	e := w.e
	if utf8.RuneCountInString(s) > labelLimit {
		e.Typed("IFCTEXT")
	} else {
		e.Typed("IFCLABEL")
	}
	e.Str(s)
	e.Close()
}

// value writes a model property value: IfcLabel (IfcText when long), IfcReal, IfcBoolean.
func (w *writer) value(v any) {
	e := w.e
	switch v := v.(type) {
	case string:
		w.text(v)
	case bool:
		e.Typed("IFCBOOLEAN")
		e.Bool(v)
		e.Close()
	case float64:
		e.Typed("IFCREAL")
		e.Real(v)
		e.Close()
	case int:
		e.Typed("IFCREAL")
		e.Real(float64(v))
		e.Close()
	case nil:
		e.Null()
	default:
		w.text(fmt.Sprint(v))
	}
}

// ownProps writes the model's own properties of an object as Arxos_Properties.
func (w *writer) ownProps(object int, role, id string, props model.Properties) {
	if len(props) == 0 {
		return
	}
	ids := w.ids[:0]
	for _, k := range props.Keys() {
		p := w.single(k)
		w.value(props[k])
		w.endSingle()
		ids = append(ids, int32(p))
	}
	w.ids = ids
	w.propertySet(object, role, id, "Arxos_Properties", ids)
}

// elementProps writes an element's model attributes that IFC has no place for
// as Arxos_Element: its type, system, status, room and host.
func (w *writer) elementProps(object int, el *model.Element) {
	ids := w.ids[:0]
	for _, kv := range [...][2]string{{"Type", el.Type}, {"System", el.System}, {"Status", el.Status}, {"Room", el.Room}, {"Host", el.Host}} {
		if kv[1] == "" {
			continue
		}
		p := w.single(kv[0])
		w.text(kv[1])
		w.endSingle()
		ids = append(ids, int32(p))
	}
	w.ids = ids
	w.propertySet(object, "element", el.ID, "Arxos_Element", ids)
}

// commonPset writes the standard set's properties that the model's own
// properties fill (commonProps), if any.
func (w *writer) commonPset(object int, role, id, set string, props model.Properties) {
	if len(props) == 0 {
		return
	}
	e := w.e
	ids := w.ids[:0]
	for _, k := range props.Keys() {
		c, ok := commonProps[k]
		if !ok || !contains(c.Sets, set) {
			continue
		}
		v := props[k]
		switch v := v.(type) {
		case bool:
			if c.Type != "IFCBOOLEAN" {
				continue
			}
			p := w.single(c.Name)
			e.Typed("IFCBOOLEAN")
			e.Bool(v)
			e.Close()
			w.endSingle()
			ids = append(ids, int32(p))
		case string:
			if c.Type == "IFCBOOLEAN" || utf8.RuneCountInString(v) > labelLimit {
				continue
			}
			p := w.single(c.Name)
			e.Typed(c.Type)
			e.Str(v)
			e.Close()
			w.endSingle()
			ids = append(ids, int32(p))
		}
	}
	w.ids = ids
	w.propertySet(object, role, id, set, ids)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

type quantityKind int

const (
	qLength quantityKind = iota
	qArea
	qVolume
)

var quantityEntities = [...]string{"IFCQUANTITYLENGTH", "IFCQUANTITYAREA", "IFCQUANTITYVOLUME"}

type quantity struct {
	kind  quantityKind
	name  string
	value float64
}

// quantities writes an IfcElementQuantity and relates it to the object.
func (w *writer) quantities(object int, role, id, name string, qs []quantity) {
	if len(qs) == 0 {
		return
	}
	e := w.e
	ids := w.ids[:0]
	for _, q := range qs {
		p := e.Begin(quantityEntities[q.kind])
		e.Str(q.name)
		e.Null()
		e.Null()
		e.Real(roundTo(q.value, 1e9))
		e.Null()
		e.End()
		ids = append(ids, int32(p))
	}
	w.ids = ids
	qt := e.Begin("IFCELEMENTQUANTITY")
	w.guid("qto:"+role, id)
	e.Null()
	e.Str(name)
	e.Null()
	e.Null()
	e.Refs32(ids)
	e.End()
	e.Begin("IFCRELDEFINESBYPROPERTIES")
	w.guid("defines-qto:"+role, id)
	e.Null()
	e.Null()
	e.Null()
	e.Open()
	e.Ref(object)
	e.Close()
	e.Ref(qt)
	e.End()
}

// roundTo rounds v to 1/scale, so quantities computed from rounded floats
// print without noise digits (2.4000000000000004 → 2.4).
func roundTo(v, scale float64) float64 {
	if r := math.Round(v * scale); math.Abs(r) < 1<<53 {
		return r / scale
	}
	return v
}
