package model

import (
	"fmt"
	"slices"
)

// Options steer Open. The zero value (or nil) means MODEL.md's defaults.
type Options struct {
	// SkipInvalid leaves out invalid rooms, elements and connections with a
	// warning each, instead of rejecting the model (the job option on_invalid: skip).
	SkipInvalid bool
	Limits      Limits
	// MaxProblems caps the problems reported at once; default 100.
	MaxProblems int
	// TempDir holds the spool files of NDJSON models; os.TempDir() when empty.
	TempDir string

	// Floors and Types export part of a model (the job options floors and
	// types); empty means all. Floors are floor ids, Types element types as
	// MODEL.md names them (ElementTypes). The whole model is still read and
	// checked, but only what they select is kept, as if the rest were not there:
	//   - a floor not selected is left out of Building.Floors, with its rooms
	//     and elements;
	//   - an element whose type is not selected is left out; Types does not
	//     apply to rooms, which stay unless Floors leaves out their floor;
	//   - a connection is kept only when both its ends are;
	//   - a door or window kept without its host wall stands on its own: it keeps
	//     its host id, HostGeometry (and so Measure and Solids) still place it in
	//     that wall, Wall reports false, and the model carries one warning
	//     (CodeHostFilteredOut) for all of them. Openings not kept do not cut
	//     the walls that are: those are exported whole;
	//   - an element's room may be a room left out (its floor not selected):
	//     the id stays as it is.
	// Stats describe what was kept. References to items left out are not
	// problems; references to ids that do not exist at all still are. Unknown
	// types are an *InvalidError (CodeUnknownType at options.types[i]) before
	// anything is read, unknown floors one (CodeUnknownFloor at options.floors[i])
	// as soon as the model's floors are read.
	Floors []string
	Types  []string
}

// Check reports the option values that are wrong whatever the model: element
// types not in ElementTypes, as an *InvalidError with a CodeUnknownType problem
// at options.types[i] for each. Open runs it first; callers may run it earlier
// (before accepting a job, say). Floors can only be checked against a model,
// which Open does.
func (o *Options) Check() error {
	if o == nil {
		return nil
	}
	var ps []Problem
	for i, t := range o.Types {
		if !slices.Contains(ElementTypes, t) {
			ps = append(ps, Problem{Path: fmt.Sprintf("options.types[%d]", i), Code: CodeUnknownType,
				Message: fmt.Sprintf("%q is not an element type; types are %v", t, ElementTypes)})
		}
	}
	if len(ps) == 0 {
		return nil
	}
	return &InvalidError{Problems: ps}
}

// Limits bound what a model may hold. Zero fields take the defaults of MODEL.md.
type Limits struct {
	Elements     int   // default 10,000,000
	MeshVertices int   // vertices of a mesh or points of a polygon; default 100,000
	Floors       int   // default 1,000
	InputBytes   int64 // decompressed; default 4 GiB
	StringBytes  int   // default 64 KiB
	LineBytes    int   // one NDJSON line; default 64 MiB
}

// DefaultLimits are MODEL.md's limits.
func DefaultLimits() Limits {
	return Limits{
		Elements:     10_000_000,
		MeshVertices: 100_000,
		Floors:       1_000,
		InputBytes:   4 << 30,
		StringBytes:  64 << 10,
		LineBytes:    64 << 20,
	}
}

func (o *Options) withDefaults() Options {
	var out Options
	if o != nil {
		out = *o
	}
	d := DefaultLimits()
	l := &out.Limits
	if l.Elements <= 0 {
		l.Elements = d.Elements
	}
	if l.MeshVertices <= 0 {
		l.MeshVertices = d.MeshVertices
	}
	if l.Floors <= 0 {
		l.Floors = d.Floors
	}
	if l.InputBytes <= 0 {
		l.InputBytes = d.InputBytes
	}
	if l.StringBytes <= 0 {
		l.StringBytes = d.StringBytes
	}
	if l.LineBytes <= 0 {
		l.LineBytes = d.LineBytes
	}
	if out.MaxProblems <= 0 {
		out.MaxProblems = 100
	}
	return out
}
