package model

import (
	"context"
	"path/filepath"
	"testing"
)

// Every bundled example is a valid model, without warnings.
func TestExamples(t *testing.T) {
	paths, _ := filepath.Glob("../examples/*.*json")
	if len(paths) < 3 {
		t.Fatalf("found %d examples", len(paths))
	}
	for _, p := range paths {
		m, err := OpenFile(context.Background(), p, nil)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if len(m.Warnings) > 0 {
			t.Errorf("%s: warnings %v", p, m.Warnings)
		}
		if m.Stats.Elements == 0 || m.Stats.Rooms == 0 {
			t.Errorf("%s: %+v", p, m.Stats)
		}
		m.Close()
	}
}
