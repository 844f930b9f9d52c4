package storage_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/arxos/arxport/storage"
	"github.com/arxos/arxport/storage/storagetest"
)

func TestLocal(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Storage {
		s, err := storage.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// files answers every file and directory under dir, hidden ones included.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			rel += "/"
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func checkFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	if got := files(t, dir); !slices.Equal(got, want) {
		t.Errorf("files = %q, want %q", got, want)
	}
}

func newLocal(t *testing.T) (*storage.Local, string) {
	dir := t.TempDir()
	s, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func TestLocalLeavesNoTempFiles(t *testing.T) {
	s, dir := newLocal(t)
	ctx := t.Context()
	if _, err := s.Put(ctx, "a/b/c.glb", strings.NewReader("whole"), "model/gltf-binary"); err != nil {
		t.Fatal(err)
	}
	broken := io.MultiReader(strings.NewReader("part"), iotest.ErrReader(errors.New("broken")))
	if _, err := s.Put(ctx, "a/b/d.glb", broken, ""); err == nil {
		t.Fatal("Put from a broken reader succeeded")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Put(cancelled, "a/x/y.glb", strings.NewReader("never"), ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with a cancelled context = %v", err)
	}
	// Only the finished object and its sidecar; failed Puts took away the
	// directories they made.
	checkFiles(t, dir, "a/", "a/b/", "a/b/.c.glb.meta", "a/b/c.glb")

	// A Put killed mid-write leaves its temporary file: never listed, never
	// opened.
	if err := os.WriteFile(filepath.Join(dir, "a/b/.put-123"), []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	objs, err := s.List(ctx, "")
	if err != nil || len(objs) != 1 || objs[0].Key != "a/b/c.glb" {
		t.Fatalf("List = %+v, %v; want a/b/c.glb alone", objs, err)
	}
	for _, key := range []string{"a/b/.put-123", "a/b/.c.glb.meta"} {
		if _, _, err := s.Open(ctx, key); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Open(%q) = %v, want ErrInvalidKey", key, err)
		}
	}
}

func TestLocalDeletePrefixRemovesEmptiedDirs(t *testing.T) {
	s, dir := newLocal(t)
	ctx := t.Context()
	for _, key := range []string{"x/y/z/1", "x/y/2", "x/3"} {
		if _, err := s.Put(ctx, key, strings.NewReader(key), ""); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.DeletePrefix(ctx, "x/y/"); n != 2 || err != nil {
		t.Fatalf("DeletePrefix = %d, %v; want 2", n, err)
	}
	checkFiles(t, dir, "x/", "x/.3.meta", "x/3")
	if err := s.Delete(ctx, "x/3"); err != nil {
		t.Fatal(err)
	}
	checkFiles(t, dir)
}

// TestLocalChangedFile: a file that no longer matches its sidecar is an
// error, never described with the old checksum; it can still be deleted.
func TestLocalChangedFile(t *testing.T) {
	s, dir := newLocal(t)
	ctx := t.Context()
	if _, err := s.Put(ctx, "k", strings.NewReader("original"), ""); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "k"), []byte("changed behind the store's back"), 0o644); err != nil {
		t.Fatal(err)
	}
	if obj, err := s.Stat(ctx, "k"); err == nil || errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat of a changed file = %+v, %v; want an error", obj, err)
	}
	if _, _, err := s.Open(ctx, "k"); err == nil {
		t.Error("Open of a changed file succeeded")
	}
	if _, err := s.List(ctx, ""); err == nil {
		t.Error("List with a changed file succeeded")
	}
	if n, err := s.DeletePrefix(ctx, ""); n != 1 || err != nil {
		t.Fatalf("DeletePrefix = %d, %v; want 1", n, err)
	}
	checkFiles(t, dir)
}

// TestLocalFileWithoutSidecar: a file without a sidecar (a commit cut short,
// a file dropped in by hand) is no object; Put and Delete replace or remove it.
func TestLocalFileWithoutSidecar(t *testing.T) {
	s, dir := newLocal(t)
	ctx := t.Context()
	if err := os.WriteFile(filepath.Join(dir, "dropped"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, "dropped"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat = %v, want ErrNotFound", err)
	}
	if objs, err := s.List(ctx, ""); len(objs) != 0 || err != nil {
		t.Errorf("List = %+v, %v; want nothing", objs, err)
	}
	if _, err := s.Put(ctx, "dropped", strings.NewReader("put"), "text/plain"); err != nil {
		t.Fatal(err)
	}
	if obj, err := s.Stat(ctx, "dropped"); err != nil || obj.Size != 3 {
		t.Errorf("Stat after Put = %+v, %v", obj, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dropped2"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "dropped2"); err != nil {
		t.Fatal(err)
	}
	checkFiles(t, dir, ".dropped.meta", "dropped")
}

func TestLocalOpenAnswersTheFile(t *testing.T) {
	s, _ := newLocal(t)
	ctx := t.Context()
	if _, err := s.Put(ctx, "f", bytes.NewReader([]byte("abc")), ""); err != nil {
		t.Fatal(err)
	}
	r, _, err := s.Open(ctx, "f")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, ok := r.(*os.File); !ok {
		t.Errorf("Open answered a %T, want an *os.File", r)
	}
}
