package model

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
