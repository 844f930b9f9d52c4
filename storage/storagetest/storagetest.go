// Package storagetest is the conformance suite of storage.Storage: every
// backend runs it from its own tests.
package storagetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/arxos/arxport/storage"
)

// bigSize is more than one upload part of the S3 backend (16 MiB).
const bigSize = 20 << 20

// Run runs the suite. open answers a new, empty store for each subtest (they
// run in parallel); it may register cleanups on t.
func Run(t *testing.T, open func(t *testing.T) storage.Storage) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s storage.Storage)
	}{
		{"PutOpen", testPutOpen},
		{"Overwrite", testOverwrite},
		{"Stat", testStat},
		{"NotFound", testNotFound},
		{"Seek", testSeek},
		{"List", testList},
		{"Delete", testDelete},
		{"DeletePrefix", testDeletePrefix},
		{"InvalidKeys", testInvalidKeys},
		{"FailingReader", testFailingReader},
		{"Cancel", testCancel},
		{"ConcurrentPuts", testConcurrentPuts},
		{"Large", testLarge},
		{"PutFile", testPutFile},
		{"SignedURL", testSignedURL},
		{"Ping", testPing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

// content answers n deterministic pseudo-random bytes.
func content(seed byte, n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{seed}).Read(b)
	return b
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// plain hides every method but Read, as a stream from a network would.
type plain struct{ io.Reader }

func put(t *testing.T, s storage.Storage, key string, b []byte, contentType string) storage.Object {
	t.Helper()
	obj, err := s.Put(t.Context(), key, plain{bytes.NewReader(b)}, contentType)
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	return obj
}

// read answers the object's bytes and the description Open gave.
func read(t *testing.T, s storage.Storage, key string) ([]byte, storage.Object) {
	t.Helper()
	r, obj, err := s.Open(t.Context(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading %q: %v", key, err)
	}
	return b, obj
}

// check compares an object's description with what was stored.
func check(t *testing.T, what string, got storage.Object, key string, b []byte, contentType string) {
	t.Helper()
	want := storage.Object{Key: key, Size: int64(len(b)), SHA256: sum(b), ContentType: contentType}
	mt := got.ModTime
	got.ModTime = time.Time{}
	if got != want {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
	if d := time.Since(mt); d < -time.Minute || d > time.Hour {
		t.Errorf("%s: ModTime %v is not about now", what, mt)
	}
}

// checkStored checks key holds b, through Stat and Open.
func checkStored(t *testing.T, s storage.Storage, key string, b []byte, contentType string) {
	t.Helper()
	obj, err := s.Stat(t.Context(), key)
	if err != nil {
		t.Fatalf("Stat(%q): %v", key, err)
	}
	check(t, "Stat", obj, key, b, contentType)
	got, obj := read(t, s, key)
	check(t, "Open", obj, key, b, contentType)
	if !bytes.Equal(got, b) {
		t.Errorf("%q holds %d bytes (sha256 %s), want %d (%s)", key, len(got), sum(got), len(b), sum(b))
	}
}

func checkKeys(t *testing.T, s storage.Storage, prefix string, want ...string) {
	t.Helper()
	objs, err := s.List(t.Context(), prefix)
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	got := []string{}
	for _, o := range objs {
		got = append(got, o.Key)
	}
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("List(%q) = %q, want %q", prefix, got, want)
	}
}

func testPutOpen(t *testing.T, s storage.Storage) {
	key := "exports/exp_01J/glb/tower.glb"
	b := content(1, 100<<10)
	obj := put(t, s, key, b, "model/gltf-binary")
	check(t, "Put", obj, key, b, "model/gltf-binary")
	checkStored(t, s, key, b, "model/gltf-binary")

	t.Run("empty, no content type", func(t *testing.T) {
		obj := put(t, s, "empty", nil, "")
		check(t, "Put", obj, "empty", nil, storage.DefaultContentType)
		checkStored(t, s, "empty", nil, storage.DefaultContentType)
	})
}

func testOverwrite(t *testing.T, s storage.Storage) {
	put(t, s, "k", content(1, 5000), "text/plain")
	b := content(2, 3000)
	obj := put(t, s, "k", b, "application/json")
	check(t, "Put", obj, "k", b, "application/json")
	checkStored(t, s, "k", b, "application/json")
	checkKeys(t, s, "", "k")
}

func testStat(t *testing.T, s storage.Storage) {
	b := content(3, 777)
	p := put(t, s, "a/b/c.csv", b, "text/csv")
	obj, err := s.Stat(t.Context(), "a/b/c.csv")
	if err != nil {
		t.Fatal(err)
	}
	check(t, "Stat", obj, "a/b/c.csv", b, "text/csv")
	if d := obj.ModTime.Sub(p.ModTime); d < -time.Minute || d > time.Minute {
		t.Errorf("Stat ModTime %v, Put said %v", obj.ModTime, p.ModTime)
	}
}

func testNotFound(t *testing.T, s storage.Storage) {
	put(t, s, "dir/file", []byte("x"), "")
	// "dir" and "dir/fi" are prefixes of a key, not keys.
	for _, key := range []string{"missing", "dir", "dir/fi", "dir/file/deeper", "other/missing"} {
		if _, err := s.Stat(t.Context(), key); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Stat(%q) = %v, want ErrNotFound", key, err)
		}
		r, _, err := s.Open(t.Context(), key)
		if !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Open(%q) = %v, want ErrNotFound", key, err)
		}
		if r != nil {
			t.Errorf("Open(%q) answered a reader", key)
			r.Close()
		}
	}
}

func testSeek(t *testing.T, s storage.Storage) {
	b := content(4, 64<<10)
	put(t, s, "seek", b, "")
	r, _, err := s.Open(t.Context(), "seek")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n := int64(len(b))
	steps := []struct {
		offset int64
		whence int
		pos    int64 // where the seek lands
		read   int   // then read this many bytes
	}{
		{1000, io.SeekStart, 1000, 500},
		{10, io.SeekCurrent, 1510, 100},
		{-100, io.SeekEnd, n - 100, 100},
		{0, io.SeekStart, 0, 10},
		{n - 5, io.SeekStart, n - 5, 5},
		{40000, io.SeekStart, 40000, 20000},
	}
	for _, st := range steps {
		pos, err := r.Seek(st.offset, st.whence)
		if err != nil || pos != st.pos {
			t.Fatalf("Seek(%d, %d) = %d, %v; want %d", st.offset, st.whence, pos, err, st.pos)
		}
		got := make([]byte, st.read)
		if _, err := io.ReadFull(r, got); err != nil {
			t.Fatalf("after Seek(%d, %d), reading %d bytes: %v", st.offset, st.whence, st.read, err)
		}
		if !bytes.Equal(got, b[pos:pos+int64(st.read)]) {
			t.Errorf("bytes %d..%d differ", pos, pos+int64(st.read))
		}
	}
	if pos, err := r.Seek(0, io.SeekEnd); err != nil || pos != n {
		t.Fatalf("Seek(0, SeekEnd) = %d, %v; want %d", pos, err, n)
	}
	if k, err := r.Read(make([]byte, 10)); k != 0 || err != io.EOF {
		t.Errorf("Read at the end = %d, %v; want 0, EOF", k, err)
	}
}

func testList(t *testing.T, s storage.Storage) {
	keys := []string{"list/bz", "list/a", "lis", "list/b/c", "other/x", "list/b-d"}
	data := map[string][]byte{}
	for i, k := range keys {
		data[k] = content(byte(10+i), 100*(i+1))
		put(t, s, k, data[k], "text/plain")
	}
	objs, err := s.List(t.Context(), "list/")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		check(t, "List", o, o.Key, data[o.Key], "text/plain")
	}
	checkKeys(t, s, "list/", "list/a", "list/b-d", "list/b/c", "list/bz")
	checkKeys(t, s, "list/b", "list/b-d", "list/b/c", "list/bz")
	checkKeys(t, s, "list/b/", "list/b/c")
	checkKeys(t, s, "lis", "lis", "list/a", "list/b-d", "list/b/c", "list/bz")
	checkKeys(t, s, "", "lis", "list/a", "list/b-d", "list/b/c", "list/bz", "other/x")
	checkKeys(t, s, "nothing/")
	checkKeys(t, s, "list/a/")
	checkKeys(t, s, "other/x", "other/x")
	checkKeys(t, s, "other/x/")
}

func testDelete(t *testing.T, s storage.Storage) {
	put(t, s, "d/k", []byte("x"), "")
	put(t, s, "d/keep", []byte("y"), "")
	for range 2 { // deleting a missing key is fine
		if err := s.Delete(t.Context(), "d/k"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Stat(t.Context(), "d/k"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("Stat after Delete = %v, want ErrNotFound", err)
		}
	}
	if err := s.Delete(t.Context(), "never/was"); err != nil {
		t.Fatal(err)
	}
	checkKeys(t, s, "", "d/keep")
	// The key can be written again.
	put(t, s, "d/k", []byte("z"), "")
	checkStored(t, s, "d/k", []byte("z"), storage.DefaultContentType)
}

func testDeletePrefix(t *testing.T, s storage.Storage) {
	for _, k := range []string{"dp/a/1", "dp/a/2", "dp/b", "dpx", "keep/1"} {
		put(t, s, k, []byte(k), "")
	}
	deletePrefix := func(prefix string, want int) {
		t.Helper()
		n, err := s.DeletePrefix(t.Context(), prefix)
		if err != nil || n != want {
			t.Fatalf("DeletePrefix(%q) = %d, %v; want %d", prefix, n, err, want)
		}
	}
	deletePrefix("dp/", 3)
	checkKeys(t, s, "", "dpx", "keep/1")
	deletePrefix("dp/", 0)
	deletePrefix("dp", 1)
	checkKeys(t, s, "", "keep/1")
	put(t, s, "dp/a/1", []byte("again"), "")
	checkStored(t, s, "dp/a/1", []byte("again"), storage.DefaultContentType)
}

func testInvalidKeys(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	keys := []string{
		"", "/abs", "..", "../a", "a/..", "a/../b", ".", "./a", "a/./b", "a//b", "a/",
		".hidden", "a/.hidden", "a b", `a\b`, "a:b", "a?b", "a%2Fb", "a\x00b", "ü",
		strings.Repeat("a", storage.MaxKeyLen+1),
	}
	for _, key := range keys {
		if _, err := s.Put(ctx, key, strings.NewReader("x"), ""); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Put(%q) = %v, want ErrInvalidKey", key, err)
		}
		if _, _, err := s.Open(ctx, key); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Open(%q) = %v, want ErrInvalidKey", key, err)
		}
		if _, err := s.Stat(ctx, key); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Stat(%q) = %v, want ErrInvalidKey", key, err)
		}
		if err := s.Delete(ctx, key); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Delete(%q) = %v, want ErrInvalidKey", key, err)
		}
		if _, err := s.SignedURL(ctx, key, time.Minute, "f"); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("SignedURL(%q) = %v, want ErrInvalidKey", key, err)
		}
	}
	for _, prefix := range []string{"/", "/a", "..", "../", "a/../", "a//", ".x", "a/.x", "a/./", "a b", `a\`} {
		if _, err := s.List(ctx, prefix); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("List(%q) = %v, want ErrInvalidKey", prefix, err)
		}
		if _, err := s.DeletePrefix(ctx, prefix); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("DeletePrefix(%q) = %v, want ErrInvalidKey", prefix, err)
		}
	}
	checkKeys(t, s, "")
	// Every allowed character.
	key := "Az09._-/x_Y-z.9"
	put(t, s, key, []byte("ok"), "")
	checkKeys(t, s, "Az09._-/", key)
}

var errBroken = errors.New("storagetest: broken reader")

// interrupted runs write, a Put that stops after 1 KiB or after more than
// one S3 part, on a key that exists and on one that does not, and checks it
// fails with wantErr and leaves the old object, or none, in place.
func interrupted(t *testing.T, s storage.Storage, write func(t *testing.T, key string, head []byte) error, wantErr error) {
	for _, tc := range []struct {
		name string
		n    int
	}{{"1KiB", 1 << 10}, {"17MiB", 17 << 20}} {
		t.Run(tc.name, func(t *testing.T) {
			old := content(20, 3000)
			put(t, s, "old", old, "text/plain")
			head := content(21, tc.n)
			for _, key := range []string{"old", "new"} {
				if err := write(t, key, head); !errors.Is(err, wantErr) {
					t.Errorf("Put(%q) = %v, want %v", key, err, wantErr)
				}
			}
			checkStored(t, s, "old", old, "text/plain")
			if _, err := s.Stat(t.Context(), "new"); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("Stat(new) after a failed Put = %v, want ErrNotFound", err)
			}
			checkKeys(t, s, "", "old")
		})
	}
}

func testFailingReader(t *testing.T, s storage.Storage) {
	interrupted(t, s, func(t *testing.T, key string, head []byte) error {
		_, err := s.Put(t.Context(), key, io.MultiReader(bytes.NewReader(head), iotest.ErrReader(errBroken)), "")
		return err
	}, errBroken)
}

// cancelReader cancels its context once head is read, then goes on with up
// to 64 MiB (so a backend that ignores the context fails instead of hanging).
type cancelReader struct {
	head   io.Reader
	cancel context.CancelFunc
	rest   int
}

func (r *cancelReader) Read(p []byte) (int, error) {
	if n, err := r.head.Read(p); n > 0 || err != io.EOF {
		return n, err
	}
	r.cancel()
	if r.rest <= 0 {
		return 0, io.EOF
	}
	n := min(len(p), r.rest)
	r.rest -= n
	clear(p[:n])
	return n, nil
}

func testCancel(t *testing.T, s storage.Storage) {
	interrupted(t, s, func(t *testing.T, key string, head []byte) error {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		_, err := s.Put(ctx, key, &cancelReader{head: bytes.NewReader(head), cancel: cancel, rest: 64 << 20}, "")
		return err
	}, context.Canceled)

	t.Run("before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := s.Put(ctx, "before", strings.NewReader("x"), ""); !errors.Is(err, context.Canceled) {
			t.Errorf("Put with a cancelled context = %v, want context.Canceled", err)
		}
		if _, err := s.Stat(t.Context(), "before"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Stat = %v, want ErrNotFound", err)
		}
	})
}

func testConcurrentPuts(t *testing.T, s storage.Storage) {
	const writers = 8
	sums := map[string]bool{}
	var wg sync.WaitGroup
	for i := range writers {
		b := content(byte(30+i), 256<<10)
		sums[sum(b)] = true
		wg.Go(func() {
			if _, err := s.Put(t.Context(), "same", plain{bytes.NewReader(b)}, "application/octet-stream"); err != nil {
				t.Errorf("Put %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	obj, err := s.Stat(t.Context(), "same")
	if err != nil {
		t.Fatal(err)
	}
	if !sums[obj.SHA256] || obj.Size != 256<<10 {
		t.Fatalf("after concurrent Puts, Stat = %+v: not one of the objects written", obj)
	}
	got, obj2 := read(t, s, "same")
	if sum(got) != obj.SHA256 || obj2.SHA256 != obj.SHA256 {
		t.Errorf("bytes have sha256 %s, Open says %s, Stat says %s", sum(got), obj2.SHA256, obj.SHA256)
	}
	checkKeys(t, s, "", "same")
}

func testLarge(t *testing.T, s storage.Storage) {
	b := content(40, bigSize)
	obj := put(t, s, "large/model.bin", b, "application/x-ndjson")
	check(t, "Put", obj, "large/model.bin", b, "application/x-ndjson")
	checkStored(t, s, "large/model.bin", b, "application/x-ndjson")

	r, _, err := s.Open(t.Context(), "large/model.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	const at = 17<<20 + 3
	if _, err := r.Seek(at, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 4096)
	if _, err := io.ReadFull(r, got); err != nil || !bytes.Equal(got, b[at:at+4096]) {
		t.Errorf("reading 4096 bytes at %d: %v, equal: %v", at, err, bytes.Equal(got, b[at:at+4096]))
	}
}

// testPutFile stores open files, which a backend may read twice; Put takes
// them from their current offset, as any reader.
func testPutFile(t *testing.T, s storage.Storage) {
	for _, tc := range []struct {
		size, offset int
	}{{100, 0}, {bigSize, 12345}} {
		b := content(50, tc.size)
		name := filepath.Join(t.TempDir(), "out.bin")
		if err := os.WriteFile(name, b, 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.Seek(int64(tc.offset), io.SeekStart); err != nil {
			t.Fatal(err)
		}
		obj, err := s.Put(t.Context(), "file", f, "model/gltf-binary")
		if err != nil {
			t.Fatal(err)
		}
		check(t, "Put", obj, "file", b[tc.offset:], "model/gltf-binary")
		checkStored(t, s, "file", b[tc.offset:], "model/gltf-binary")
	}
}

func testSignedURL(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	b := content(60, 10<<10)
	put(t, s, "signed/plan.pdf", b, "application/pdf")
	u, err := s.SignedURL(ctx, "signed/plan.pdf", time.Minute, "Tower plan ü.pdf")
	if errors.Is(err, storage.ErrNotSupported) {
		t.Skip("no signed URLs")
	}
	if err != nil {
		t.Fatal(err)
	}
	get := func(u string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}
	checkAttachment := func(u, filename string) {
		t.Helper()
		resp, body := get(u)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, b) {
			t.Fatalf("GET signed URL: %s, %d bytes (want %d)", resp.Status, len(body), len(b))
		}
		cd := resp.Header.Get("Content-Disposition")
		disp, params, err := mime.ParseMediaType(cd)
		if err != nil || disp != "attachment" || params["filename"] != filename {
			t.Errorf("Content-Disposition %q, want an attachment named %q", cd, filename)
		}
	}
	checkAttachment(u, "Tower plan ü.pdf")

	// Without a file name, the key's last segment.
	u, err = s.SignedURL(ctx, "signed/plan.pdf", time.Minute, "")
	if err != nil {
		t.Fatal(err)
	}
	checkAttachment(u, "plan.pdf")

	if _, err := s.SignedURL(ctx, "signed/missing.pdf", time.Minute, "x.pdf"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("SignedURL of a missing object = %v, want ErrNotFound", err)
	}

	// Expiry: the date in a signature counts whole seconds.
	u, err = s.SignedURL(ctx, "signed/plan.pdf", time.Second, "")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond)
	if resp, _ := get(u); resp.StatusCode == http.StatusOK {
		t.Errorf("GET of a signed URL past its ttl: %s", resp.Status)
	}
}

func testPing(t *testing.T, s storage.Storage) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
}
