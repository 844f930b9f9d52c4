package storage

import (
	"context"
	"fmt"
	"io"
	"strings"
)

const (
	// MaxKeyLen is the longest key accepted, in bytes (S3's own limit).
	MaxKeyLen = 1024
	// maxSegmentLen keeps file names (plus the local backend's sidecar
	// decoration) under the 255 bytes most file systems allow.
	maxSegmentLen = 200

	// DefaultContentType is stored when Put is given no content type.
	DefaultContentType = "application/octet-stream"
)

// CheckKey reports whether key is a valid object key: slash-separated
// segments of [A-Za-z0-9._-], none empty, none starting with '.' (which also
// rules out "." and ".."; names starting with '.' are the backends' own), at
// most MaxKeyLen bytes. The error wraps ErrInvalidKey.
func CheckKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty key", ErrInvalidKey)
	}
	if len(key) > MaxKeyLen {
		return fmt.Errorf("%w: key longer than %d bytes", ErrInvalidKey, MaxKeyLen)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if err := checkSegment(seg); err != nil {
			return fmt.Errorf("%w: %q: %s", ErrInvalidKey, key, err)
		}
	}
	return nil
}

// checkPrefix accepts what List and DeletePrefix take: "" (everything), a
// valid key, or a valid key followed by '/'.
func checkPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if err := CheckKey(strings.TrimSuffix(prefix, "/")); err != nil {
		return fmt.Errorf("%w (as a prefix)", err)
	}
	return nil
}

func checkSegment(seg string) error {
	switch {
	case seg == "":
		return fmt.Errorf("empty segment (leading, trailing or doubled '/')")
	case seg[0] == '.':
		return fmt.Errorf("segment %q starts with '.'", seg)
	case len(seg) > maxSegmentLen:
		return fmt.Errorf("segment longer than %d bytes", maxSegmentLen)
	}
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("character %q outside [A-Za-z0-9._/-]", c)
		}
	}
	return nil
}

// ctxReader fails reads once ctx is done, so a cancelled Put stops streaming
// at its next read.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func contentTypeOr(ct string) string {
	if ct == "" {
		return DefaultContentType
	}
	return ct
}
