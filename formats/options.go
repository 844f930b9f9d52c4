package formats

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/arxos/arxport/model"
)

// OptionKind is the type of an option's value.
type OptionKind string

// Option kinds.
const (
	String OptionKind = "string"
	Int    OptionKind = "int"
	Float  OptionKind = "float"
	Bool   OptionKind = "bool"
)

// Option declares one option of a format: its name, type, default and bounds.
type Option struct {
	Name    string
	Kind    OptionKind
	Default any // string, int, float64 or bool, matching Kind
	Doc     string
	// Enum lists the allowed values of a String option; empty allows any.
	Enum []string
	// Min and Max bound Int and Float options when Max > Min.
	Min, Max float64
	// Check, when set, checks a value of the right type further (a list of
	// names, say), so bad options are refused before any work starts.
	Check func(v any) error
}

func (o Option) check() error {
	if o.Name == "" {
		return fmt.Errorf("an option has no name")
	}
	if _, err := o.value(o.Default); err != nil {
		return fmt.Errorf("option %s: default: %v", o.Name, err)
	}
	return nil
}

// value converts v (as decoded from JSON or given in Go) to the option's type and checks it.
func (o Option) value(v any) (any, error) {
	out, err := o.typed(v)
	if err == nil && o.Check != nil {
		err = o.Check(out)
	}
	return out, err
}

func (o Option) typed(v any) (any, error) {
	switch o.Kind {
	case String:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("must be a string")
		}
		if len(o.Enum) > 0 && !slices.Contains(o.Enum, s) {
			return nil, fmt.Errorf("%q is not one of %v", s, o.Enum)
		}
		return s, nil
	case Bool:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("must be true or false")
		}
		return b, nil
	case Int, Float:
		var f float64
		switch n := v.(type) {
		case int:
			f = float64(n)
		case int64:
			f = float64(n)
		case float64:
			f = n
		default:
			return nil, fmt.Errorf("must be a number")
		}
		if o.Kind == Int && f != math.Trunc(f) {
			return nil, fmt.Errorf("must be a whole number")
		}
		if o.Max > o.Min && (f < o.Min || f > o.Max) {
			return nil, fmt.Errorf("%v is outside [%v, %v]", f, o.Min, o.Max)
		}
		if o.Kind == Int {
			return int(f), nil
		}
		return f, nil
	}
	return nil, fmt.Errorf("unknown kind %q", o.Kind)
}

// Values are a format's options, checked, with every default filled in.
type Values map[string]any

// String returns a String option.
func (v Values) String(name string) string { s, _ := v[name].(string); return s }

// Int returns an Int option.
func (v Values) Int(name string) int { n, _ := v[name].(int); return n }

// Float returns a Float option.
func (v Values) Float(name string) float64 { f, _ := v[name].(float64); return f }

// Bool returns a Bool option.
func (v Values) Bool(name string) bool { b, _ := v[name].(bool); return b }

// CodeInvalidOption marks a problem with a format's options.
const CodeInvalidOption = "INVALID_OPTION"

// ParseOptions checks raw options against the format's declarations and fills in
// defaults. Every problem is reported, with the path options.<name>.
func (f *Format) ParseOptions(raw map[string]any) (Values, error) {
	out := Values{}
	var problems []model.Problem
	for _, o := range f.Options {
		out[o.Name] = o.Default
	}
	names := make([]string, 0, len(raw))
	for k := range raw {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		i := slices.IndexFunc(f.Options, func(o Option) bool { return o.Name == k })
		if i < 0 {
			problems = append(problems, model.Problem{Path: "options." + k, Code: CodeInvalidOption,
				Message: fmt.Sprintf("%s has no option %q", f.Name, k)})
			continue
		}
		v, err := f.Options[i].value(raw[k])
		if err != nil {
			problems = append(problems, model.Problem{Path: "options." + k, Code: CodeInvalidOption,
				Message: err.Error()})
			continue
		}
		out[k] = v
	}
	if len(problems) > 0 {
		return nil, &model.InvalidError{Problems: problems}
	}
	return out, nil
}
