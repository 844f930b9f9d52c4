package processors

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestDirCommit(t *testing.T) {
	dir := t.TempDir()
	d, err := NewDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := d.Create("a.txt", "text/plain")
	b, _ := d.Create("b.txt", "text/plain")
	io.WriteString(a, "hello")
	io.WriteString(b, "world!")
	if entries, _ := os.ReadDir(dir); len(entries) != 2 || entries[0].Name()[0] != '.' {
		t.Fatalf("staged files should be hidden: %v", entries)
	}
	if _, err := d.Commit(); err == nil {
		t.Fatal("commit with open files succeeded")
	}
	a.Close()
	b.Close()
	files, err := d.Commit()
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("hello"))
	if len(files) != 2 || files[0].Size != 5 || files[0].SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("files %+v", files)
	}
	data, err := os.ReadFile(filepath.Join(dir, "b.txt"))
	if err != nil || string(data) != "world!" {
		t.Errorf("b.txt = %q, %v", data, err)
	}
	if info, _ := os.Stat(filepath.Join(dir, "a.txt")); info.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", info.Mode())
	}
}

func TestDirAbortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	d, _ := NewDir(dir)
	w, _ := d.Create("x.bin", "application/octet-stream")
	w.Write(make([]byte, 100<<10))
	if err := d.Abort(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left %v", entries)
	}
}

func TestDirRejectsBadNames(t *testing.T) {
	d, _ := NewDir(t.TempDir())
	for _, n := range []string{"", "../x", "a/b", ".hidden", `c:\x`} {
		if _, err := d.Create(n, "x"); err == nil {
			t.Errorf("name %q accepted", n)
		}
	}
	d.Create("same", "x")
	if _, err := d.Create("same", "x"); err == nil {
		t.Error("duplicate name accepted")
	}
}

func TestSpool(t *testing.T) {
	s, err := NewSpool("")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range 1000 {
		io.WriteString(s, "0123456789")
	}
	var out countingWriter
	n, err := s.WriteTo(&out)
	if err != nil || n != 10000 || int64(out) != 10000 || s.Size() != 10000 {
		t.Errorf("copied %d (%d), err %v", n, out, err)
	}
}

type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}
