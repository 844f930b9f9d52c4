package model

import (
	"fmt"
	"strings"
)

// Stable problem codes. Callers match on these; messages may change, codes may not.
const (
	CodeInvalidJSON       = "INVALID_JSON"
	CodeEmptyInput        = "EMPTY_INPUT"
	CodeUnsupportedSchema = "UNSUPPORTED_SCHEMA"
	CodeRequired          = "REQUIRED"
	CodeWrongType         = "WRONG_TYPE"
	CodeInvalidValue      = "INVALID_VALUE"
	CodeOutOfRange        = "NUMBER_OUT_OF_RANGE"
	CodeStringTooLong     = "STRING_TOO_LONG"
	CodeTooFewPoints      = "TOO_FEW_POINTS"
	CodeZeroArea          = "ZERO_AREA"
	CodeSelfIntersecting  = "SELF_INTERSECTING"
	CodeHoleOutside       = "HOLE_OUTSIDE"
	CodeDuplicateID       = "DUPLICATE_ID"
	CodeUnknownReference  = "UNKNOWN_REFERENCE"
	CodeInvalidHost       = "INVALID_HOST"
	CodeOpeningOutside    = "OPENING_OUTSIDE_HOST"
	CodeInvalidGeometry   = "INVALID_GEOMETRY"
	CodeNestedProperty    = "NESTED_PROPERTY"
	CodeLimitExceeded     = "LIMIT_EXCEEDED"
	CodeUnknownField      = "UNKNOWN_FIELD"
	CodeSkipped           = "ELEMENT_SKIPPED"
	CodeTooManyProblems   = "TOO_MANY_PROBLEMS"
	// Problems with Options.Floors and Options.Types, at options.floors[i] and
	// options.types[i].
	CodeUnknownFloor = "UNKNOWN_FLOOR"
	CodeUnknownType  = "UNKNOWN_TYPE"
	// CodeHostFilteredOut is the one warning of a model whose filters keep doors
	// or windows but leave out their host walls.
	CodeHostFilteredOut = "HOST_FILTERED_OUT"
)

// Problem is one thing wrong with a model, located by a JSON path such as
// floors[2].elements[17].geometry.profile. In NDJSON the path starts with the
// line number: line[12].geometry.profile.
type Problem struct {
	Path    string `json:"path"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Code + ": " + p.Message
	}
	return p.Path + ": " + p.Code + ": " + p.Message
}

// InvalidError is returned by Open when the model breaks MODEL.md. It lists every
// problem found, up to the limit.
type InvalidError struct {
	Problems []Problem
}

func (e *InvalidError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid: %d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	for i, p := range e.Problems {
		if i == 3 {
			fmt.Fprintf(&b, "; ...")
			break
		}
		b.WriteString("; ")
		b.WriteString(p.String())
	}
	return b.String()
}

// maxWarnings caps the warnings kept for one model; past it, a count stands for the rest.
const maxWarnings = 1000

// problems collects errors up to a cap, and warnings with one per distinct key.
type problems struct {
	max   int
	errs  []Problem
	full  bool
	warns *warnings
}

// warnings are shared by every collector of one Open, so each is reported once.
type warnings struct {
	list []Problem
	seen map[string]bool
}

func (ps *problems) add(path, code, format string, args ...any) {
	if ps.full {
		return
	}
	if len(ps.errs) >= ps.max {
		ps.errs = append(ps.errs, Problem{Code: CodeTooManyProblems,
			Message: fmt.Sprintf("stopped after %d problems", ps.max)})
		ps.full = true
		return
	}
	ps.errs = append(ps.errs, Problem{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
}

// warnOnce records a warning unless one with the same key was already recorded.
func (ps *problems) warnOnce(key string, p Problem) {
	w := ps.warns
	if w.seen[key] || len(w.list) >= maxWarnings {
		return
	}
	w.seen[key] = true
	w.list = append(w.list, p)
}

func (ps *problems) err() error {
	if len(ps.errs) == 0 {
		return nil
	}
	return &InvalidError{Problems: ps.errs}
}
