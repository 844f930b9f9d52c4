package geom

import (
	"math"
	"testing"
)

func TestVec2(t *testing.T) {
	a, b := Vec2{3, 4}, Vec2{1, -2}
	tests := []struct {
		name      string
		got, want any
	}{
		{"Add", a.Add(b), Vec2{4, 2}},
		{"Sub", a.Sub(b), Vec2{2, 6}},
		{"Scale", a.Scale(2), Vec2{6, 8}},
		{"Dot", a.Dot(b), -5.0},
		{"Cross", a.Cross(b), -10.0},
		{"Len", a.Len(), 5.0},
		{"Norm", a.Norm(), Vec2{0.6, 0.8}},
		{"Norm zero", Vec2{}.Norm(), Vec2{}},
		{"Vec3", a.Vec3(7), Vec3{3, 4, 7}},
		{"Less x", b.Less(a), true},
		{"Less y", Vec2{3, 1}.Less(a), true},
		{"Less equal", a.Less(a), false},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestVec3(t *testing.T) {
	x, y, z := Vec3{1, 0, 0}, Vec3{0, 1, 0}, Vec3{0, 0, 1}
	a := Vec3{2, 3, 6}
	tests := []struct {
		name      string
		got, want any
	}{
		{"Add", a.Add(x), Vec3{3, 3, 6}},
		{"Sub", a.Sub(z), Vec3{2, 3, 5}},
		{"Scale", a.Scale(-1), Vec3{-2, -3, -6}},
		{"Dot", a.Dot(Vec3{1, 1, 1}), 11.0},
		{"Cross x y", x.Cross(y), z},
		{"Cross y z", y.Cross(z), x},
		{"Cross z x", z.Cross(x), y},
		{"Cross anti", y.Cross(x), Vec3{0, 0, -1}},
		{"Len", a.Len(), 7.0},
		{"Norm", a.Norm(), Vec3{2.0 / 7, 3.0 / 7, 6.0 / 7}},
		{"Norm zero", Vec3{}.Norm(), Vec3{}},
		{"XY", a.XY(), Vec2{2, 3}},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if n := (Vec3{1e-200, 0, 0}).Norm(); math.Abs(n.Len()-1) > 1e-15 {
		t.Errorf("tiny vector normalised to %v", n)
	}
}
