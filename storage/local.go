package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Local keeps objects as plain files under a directory: key "a/b.glb" is the
// file dir/a/b.glb. Each object has a sidecar, dir/a/.b.glb.meta, holding its
// SHA-256 and content type. Names starting with '.' belong to the store (keys
// cannot hold them): sidecars, and writes in progress (".put-*").
//
// Put writes to a temporary file in the object's directory, syncs it, then
// renames the file and its sidecar into place, so readers see the previous
// object or the new one, whole. A file without a sidecar (a commit cut short
// by a crash, a file dropped in by hand) is not an object: it is neither
// listed nor opened. The sidecar records the file's size too, and a file of
// another size (changed behind the store's back) is reported as an error
// rather than described wrongly. (Modification times are not compared, so a
// copied directory stays readable.)
//
// A directory belongs to one process: the lock that keeps each file and its
// sidecar together is in memory. A process killed during Put can leave a
// hidden ".put-*" file behind; it is never listed or opened. As files cannot
// be directories, "a" and "a/b" cannot both be keys here (S3 allows it): the
// second Put fails.
type Local struct {
	dir string
	// mu pairs every file with its sidecar: renaming or removing them holds it
	// exclusively, reading them shares it.
	mu sync.RWMutex
}

const (
	tempPattern = ".put-*"
	metaSuffix  = ".meta"
)

// sidecar is the metadata file stored beside each object.
type sidecar struct {
	SHA256      string `json:"sha256"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"` // checked against the file's
}

// NewLocal opens (creating it if needed) a store in dir.
func NewLocal(dir string) (*Local, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("storage: local dir %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("storage: local dir: %w", err)
	}
	return &Local{dir: abs}, nil
}

// paths answers where key's file and sidecar live.
func (l *Local) paths(key string) (file, meta string) {
	file = filepath.Join(l.dir, filepath.FromSlash(key))
	dir, name := filepath.Split(file)
	return file, filepath.Join(dir, "."+name+metaSuffix)
}

func (l *Local) Put(ctx context.Context, key string, r io.Reader, contentType string) (Object, error) {
	if err := CheckKey(key); err != nil {
		return Object{}, err
	}
	obj, err := l.put(ctx, key, r, contentTypeOr(contentType))
	if err != nil {
		return Object{}, fmt.Errorf("storage: put %s: %w", key, err)
	}
	return obj, nil
}

func (l *Local) put(ctx context.Context, key string, r io.Reader, contentType string) (Object, error) {
	file, meta := l.paths(key)
	dir := filepath.Dir(file)
	tmp, err := createTemp(dir)
	if err != nil {
		return Object{}, err
	}
	tmpName := tmp.Name()
	committed := false
	defer func() {
		if !committed {
			tmp.Close() // a second Close only reports an error
			os.Remove(tmpName)
			l.prune(dir)
		}
	}()

	h := sha256.New()
	size, err := io.CopyBuffer(io.MultiWriter(tmp, h), ctxReader{ctx, r}, make([]byte, 256<<10))
	if err != nil {
		return Object{}, err
	}
	if err := tmp.Chmod(0o644); err != nil { // CreateTemp makes files private
		return Object{}, err
	}
	if err := tmp.Sync(); err != nil {
		return Object{}, err
	}
	fi, err := tmp.Stat()
	if err != nil {
		return Object{}, err
	}
	if err := tmp.Close(); err != nil {
		return Object{}, err
	}
	sc := sidecar{SHA256: hex.EncodeToString(h.Sum(nil)), ContentType: contentType, Size: size}
	metaTmp, err := writeTemp(dir, sc)
	if err != nil {
		return Object{}, err
	}
	defer os.Remove(metaTmp)
	if err := ctx.Err(); err != nil {
		return Object{}, err
	}

	// Old sidecar out, file in, new sidecar in: a process dying in between
	// leaves a file without a sidecar, which reads take for a write that never
	// finished, never a file with the wrong sidecar.
	l.mu.Lock()
	err = os.Remove(meta)
	if notExist(err) {
		err = nil
	}
	if err == nil {
		err = os.Rename(tmpName, file)
	}
	if err == nil {
		err = os.Rename(metaTmp, meta)
	}
	l.mu.Unlock()
	if err != nil {
		return Object{}, err
	}
	committed = true
	if err := syncDir(dir); err != nil {
		return Object{}, err
	}
	return Object{Key: key, Size: size, SHA256: sc.SHA256, ContentType: contentType, ModTime: fi.ModTime().UTC()}, nil
}

// createTemp creates a hidden file to write in dir, creating dir as needed.
func createTemp(dir string) (*os.File, error) {
	for attempt := 0; ; attempt++ {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		f, err := os.CreateTemp(dir, tempPattern)
		// A concurrent Delete may remove the directory it has just emptied
		// between the two calls: make it again.
		if err == nil || !errors.Is(err, fs.ErrNotExist) || attempt == 2 {
			return f, err
		}
	}
}

// writeTemp writes sc to a synced hidden file in dir and answers its name.
func writeTemp(dir string, sc sidecar) (string, error) {
	b, err := json.Marshal(sc)
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, tempPattern)
	if err != nil {
		return "", err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// syncDir makes the renames in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func (l *Local) Open(ctx context.Context, key string) (Reader, Object, error) {
	if err := CheckKey(key); err != nil {
		return nil, Object{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, Object{}, err
	}
	file, _ := l.paths(key)
	l.mu.RLock()
	defer l.mu.RUnlock()
	f, err := os.Open(file)
	if err != nil {
		return nil, Object{}, l.pathErr(key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, Object{}, err
	}
	obj, err := l.describe(key, fi)
	if err != nil {
		f.Close()
		return nil, Object{}, err
	}
	return f, obj, nil
}

func (l *Local) Stat(ctx context.Context, key string) (Object, error) {
	if err := CheckKey(key); err != nil {
		return Object{}, err
	}
	if err := ctx.Err(); err != nil {
		return Object{}, err
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.stat(key)
}

// stat describes key; the caller holds l.mu.
func (l *Local) stat(key string) (Object, error) {
	file, _ := l.paths(key)
	fi, err := os.Stat(file)
	if err != nil {
		return Object{}, l.pathErr(key, err)
	}
	return l.describe(key, fi)
}

// describe reads the sidecar of key, whose file is fi; the caller holds l.mu.
func (l *Local) describe(key string, fi fs.FileInfo) (Object, error) {
	if !fi.Mode().IsRegular() {
		return Object{}, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	_, meta := l.paths(key)
	b, err := os.ReadFile(meta)
	if notExist(err) {
		return Object{}, fmt.Errorf("%w: %s (a file without metadata)", ErrNotFound, key)
	}
	if err != nil {
		return Object{}, fmt.Errorf("storage: %s: metadata: %w", key, err)
	}
	var sc sidecar
	if err := json.Unmarshal(b, &sc); err != nil {
		return Object{}, fmt.Errorf("storage: %s: metadata: %w", key, err)
	}
	if sc.Size != fi.Size() {
		return Object{}, fmt.Errorf("storage: %s: file of %d bytes, metadata says %d (changed outside the store?); put or delete it again", key, fi.Size(), sc.Size)
	}
	return Object{Key: key, Size: fi.Size(), SHA256: sc.SHA256, ContentType: sc.ContentType, ModTime: fi.ModTime().UTC()}, nil
}

// pathErr maps a missing file (or a file where a directory should be) to
// ErrNotFound.
func (l *Local) pathErr(key string, err error) error {
	if notExist(err) {
		return fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return fmt.Errorf("storage: %s: %w", key, err)
}

func notExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

func (l *Local) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := l.remove(key)
	return err
}

// remove deletes key's file and sidecar, then the directories that leaves
// empty, and reports whether there was a file.
func (l *Local) remove(key string) (bool, error) {
	file, meta := l.paths(key)
	removed, err := l.removePair(file, meta)
	if err != nil {
		return false, fmt.Errorf("storage: delete %s: %w", key, err)
	}
	l.prune(filepath.Dir(file))
	return removed, nil
}

// prune removes dir and its parents up to the store's root while they are
// empty.
func (l *Local) prune(dir string) {
	for ; dir != l.dir && strings.HasPrefix(dir, l.dir); dir = filepath.Dir(dir) {
		// Rmdir only ever removes an empty directory.
		if syscall.Rmdir(dir) != nil {
			return
		}
	}
}

func (l *Local) removePair(file, meta string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	removed := false
	if fi, err := os.Lstat(file); err == nil && !fi.IsDir() {
		if err := os.Remove(file); err != nil && !notExist(err) {
			return false, err
		}
		removed = true
	} else if err != nil && !notExist(err) {
		return false, err
	}
	if err := os.Remove(meta); err != nil && !notExist(err) {
		return removed, err
	}
	return removed, nil
}

func (l *Local) DeletePrefix(ctx context.Context, prefix string) (int, error) {
	if err := checkPrefix(prefix); err != nil {
		return 0, err
	}
	n := 0
	err := l.walk(ctx, prefix, func(key string) error {
		removed, err := l.remove(key)
		if removed {
			n++
		}
		return err
	})
	return n, err
}

func (l *Local) List(ctx context.Context, prefix string) ([]Object, error) {
	if err := checkPrefix(prefix); err != nil {
		return nil, err
	}
	var out []Object
	err := l.walk(ctx, prefix, func(key string) error {
		l.mu.RLock()
		defer l.mu.RUnlock()
		obj, err := l.stat(key)
		switch {
		case errors.Is(err, ErrNotFound): // deleted since the walk saw it
		case err != nil:
			return err
		default:
			out = append(out, obj)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The walk goes directory by directory: "a/b" comes before "a-c".
	slices.SortFunc(out, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// walk calls fn with the key of every object file whose key starts with
// prefix, descending only into directories that can hold such keys.
func (l *Local) walk(ctx context.Context, prefix string, fn func(key string) error) error {
	start := l.dir
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = filepath.Join(l.dir, filepath.FromSlash(prefix[:i]))
	}
	return filepath.WalkDir(start, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if notExist(err) { // nothing under prefix, or removed while walking
				return nil
			}
			return fmt.Errorf("storage: list %q: %w", prefix, err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if path == start && d.IsDir() {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(l.dir, path)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if d.IsDir() {
			if !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(key, prefix) || CheckKey(key) != nil {
			return nil
		}
		return fn(key)
	})
}

// SignedURL answers ErrNotSupported: a local directory has no URLs.
func (l *Local) SignedURL(ctx context.Context, key string, ttl time.Duration, filename string) (string, error) {
	if err := CheckKey(key); err != nil {
		return "", err
	}
	return "", ErrNotSupported
}

// Ping checks the directory is still there.
func (l *Local) Ping(ctx context.Context) error {
	fi, err := os.Stat(l.dir)
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("storage: %s is not a directory", l.dir)
	}
	return nil
}
