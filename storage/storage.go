// Package storage keeps models and export files in object storage: an
// S3-compatible bucket (AWS S3, MinIO, R2, GCS interop) or a local directory.
// Both backends pass the same conformance suite (storage/storagetest).
package storage

import (
	"context"
	"errors"
	"io"
	"time"
)

// Object describes a stored object.
type Object struct {
	Key         string
	Size        int64
	SHA256      string // hex; computed while writing
	ContentType string
	ModTime     time.Time
}

// Reader reads an object; Seek makes range requests possible.
type Reader interface {
	io.ReadSeekCloser
}

var (
	ErrNotFound = errors.New("storage: not found")
	// ErrNotSupported is returned by SignedURL on backends without signed URLs.
	ErrNotSupported = errors.New("storage: not supported")
	// ErrInvalidKey is returned for keys that are empty, absolute, hold "..", or
	// characters outside [A-Za-z0-9._/-]; also for empty segments ("a//b",
	// "a/") and segments starting with '.', which the backends keep for
	// themselves (see CheckKey).
	ErrInvalidKey = errors.New("storage: invalid key")
)

// Storage is an object store. Keys are slash-separated paths such as
// "exports/exp_01J.../glb/tower.glb". Safe for concurrent use.
type Storage interface {
	// Put stores r under key, computing its SHA-256 and size as it streams. The
	// object becomes visible only whole: a failed or cancelled Put leaves the
	// previous object (or none) in place, never a partial one. Put overwrites.
	// An empty contentType stores DefaultContentType.
	Put(ctx context.Context, key string, r io.Reader, contentType string) (Object, error)
	// Open opens an object for reading.
	Open(ctx context.Context, key string) (Reader, Object, error)
	// Stat describes an object.
	Stat(ctx context.Context, key string) (Object, error)
	// Delete removes an object; a missing one is not an error.
	Delete(ctx context.Context, key string) error
	// DeletePrefix removes every object whose key starts with prefix and
	// answers how many it removed.
	DeletePrefix(ctx context.Context, prefix string) (int, error)
	// List describes every object whose key starts with prefix, in key order.
	List(ctx context.Context, prefix string) ([]Object, error)
	// SignedURL answers a URL that downloads the object without credentials
	// until ttl passes, as an attachment named filename. Local storage answers
	// ErrNotSupported.
	SignedURL(ctx context.Context, key string, ttl time.Duration, filename string) (string, error)
	// Ping checks the store is reachable.
	Ping(ctx context.Context) error
}
