package storage

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"
	"golang.org/x/sync/errgroup"
)

// S3Config configures an S3-compatible store.
type S3Config struct {
	Endpoint string // host[:port], e.g. "s3.amazonaws.com" or "minio:9000"
	Secure   bool   // HTTPS
	Region   string // e.g. "us-east-1"; empty asks the server
	Bucket   string
	// Prefix is prepended to every key inside the bucket ("arxport" keeps
	// key "a/b" at "arxport/a/b"); empty uses the bucket's root.
	Prefix string
	// AccessKey and SecretKey sign requests; both empty sends anonymous ones.
	AccessKey string
	SecretKey string
	// CreateBucket creates the bucket when it does not exist.
	CreateBucket bool
}

// S3 keeps objects in an S3-compatible bucket through minio-go.
//
// S3 sets an object's metadata only when it writes the object, so the
// SHA-256 (user metadata "sha256") must be known before the final write.
// Put takes one of three ways, each ending in a single atomic write to the
// key (a PUT, the completion of a multipart upload, or a server-side copy):
//
//   - a regular *os.File is read once to hash it, then uploaded from the same
//     offset with its size known (it must not change meanwhile);
//   - a stream shorter than one part (16 MiB) is held in memory, hashed, and
//     uploaded the same way;
//   - a longer stream is uploaded in 16 MiB parts to a hidden temporary key
//     under "<prefix>.put/", hashed on the way (memory stays at about two
//     parts; at most 10,000 parts, so 160 GiB), then copied server-side to
//     the key with its metadata (one CopyObject up to 5 GiB, ranged part
//     copies above), and the temporary object deleted.
//
// Stores that cannot copy server-side are not supported. Objects written by
// other tools are read as well, with an empty SHA256 unless they carry the
// metadata; keys that are not valid (see CheckKey) are not listed.
//
// A failed or cancelled Put aborts its multipart upload (minio-go does) and
// deletes its temporary object. A process killed in the middle of the third
// way leaves the temporary object behind: a lifecycle rule expiring
// "<prefix>.put/" after a day cleans those up.
type S3 struct {
	client *minio.Client
	bucket string
	prefix string // "" or ending in "/"
}

const (
	partSize = 16 << 20
	// maxCopySize is the most one CopyObject request copies.
	maxCopySize = 5 << 30
	tempDir     = ".put/"
	metaSHA     = "sha256"
	statLimit   = 16 // concurrent HEAD requests in List
)

// NewS3 connects to an S3-compatible store. It touches the network only to
// create a missing bucket when cfg.CreateBucket is set; Ping checks access.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.Endpoint == "" {
		return nil, errors.New("storage: s3: no endpoint")
	}
	if err := s3utils.CheckValidBucketNameStrict(cfg.Bucket); err != nil {
		return nil, fmt.Errorf("storage: s3: bucket %q: %w", cfg.Bucket, err)
	}
	prefix := strings.Trim(cfg.Prefix, "/")
	if prefix != "" {
		if err := CheckKey(prefix); err != nil {
			return nil, fmt.Errorf("storage: s3: prefix: %w", err)
		}
		prefix += "/"
	}
	if (cfg.AccessKey == "") != (cfg.SecretKey == "") {
		return nil, errors.New("storage: s3: give both an access key and a secret key, or neither")
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.Secure,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("storage: s3: %w", err)
	}
	s := &S3{client: client, bucket: cfg.Bucket, prefix: prefix}
	if cfg.CreateBucket {
		if err := s.createBucket(ctx, cfg.Region); err != nil {
			return nil, fmt.Errorf("storage: s3: create bucket %q: %w", cfg.Bucket, err)
		}
	}
	return s, nil
}

func (s *S3) createBucket(ctx context.Context, region string) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil || ok {
		return err
	}
	err = s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: region})
	if code := minio.ToErrorResponse(err).Code; code == "BucketAlreadyOwnedByYou" {
		return nil // created meanwhile by another process
	}
	return err
}

func (s *S3) Put(ctx context.Context, key string, r io.Reader, contentType string) (Object, error) {
	if err := CheckKey(key); err != nil {
		return Object{}, err
	}
	obj, err := s.put(ctx, key, r, contentTypeOr(contentType))
	if err != nil {
		return Object{}, fmt.Errorf("storage: put %s: %w", key, err)
	}
	return obj, nil
}

// put picks one of the three ways the S3 type describes.
func (s *S3) put(ctx context.Context, key string, r io.Reader, contentType string) (Object, error) {
	if f, ok := r.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			return s.putFile(ctx, key, f, contentType)
		}
	}
	h := sha256.New()
	in := io.TeeReader(ctxReader{ctx, r}, h)
	head, err := io.ReadAll(io.LimitReader(in, partSize))
	if err != nil {
		return Object{}, err
	}
	if len(head) < partSize {
		return s.putWhole(ctx, key, bytes.NewReader(head), int64(len(head)), hex.EncodeToString(h.Sum(nil)), contentType)
	}
	return s.putStream(ctx, key, io.MultiReader(bytes.NewReader(head), in), h, contentType)
}

// putFile hashes f from its offset to its end, then uploads that section.
func (s *S3) putFile(ctx context.Context, key string, f *os.File, contentType string) (Object, error) {
	off, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return Object{}, err
	}
	h := sha256.New()
	n, err := io.Copy(h, ctxReader{ctx, f})
	if err != nil {
		return Object{}, err
	}
	return s.putWhole(ctx, key, io.NewSectionReader(f, off, n), n, hex.EncodeToString(h.Sum(nil)), contentType)
}

// putWhole uploads size bytes whose SHA-256 is known straight to key.
func (s *S3) putWhole(ctx context.Context, key string, body io.Reader, size int64, sum, contentType string) (Object, error) {
	info, err := s.client.PutObject(ctx, s.bucket, s.prefix+key, body, size, minio.PutObjectOptions{
		ContentType:  contentType,
		UserMetadata: map[string]string{metaSHA: sum},
		PartSize:     partSize,
	})
	if err != nil {
		return Object{}, err
	}
	return Object{Key: key, Size: size, SHA256: sum, ContentType: contentType, ModTime: modTime(info)}, nil
}

// putStream uploads body (hashed into h as it is read) to a temporary key,
// then copies it to key with its SHA-256.
func (s *S3) putStream(ctx context.Context, key string, body io.Reader, h hash.Hash, contentType string) (Object, error) {
	tmp := s.prefix + tempDir + rand.Text()
	up, err := s.client.PutObject(ctx, s.bucket, tmp, body, -1, minio.PutObjectOptions{
		ContentType: contentType,
		PartSize:    partSize,
	})
	if err != nil {
		return Object{}, err
	}
	defer func() {
		// Even when ctx is done; a failure only leaves garbage behind.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		s.client.RemoveObject(ctx, s.bucket, tmp, minio.RemoveObjectOptions{})
	}()
	if err := ctx.Err(); err != nil {
		return Object{}, err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	dst := minio.CopyDestOptions{
		Bucket:          s.bucket,
		Object:          s.prefix + key,
		ReplaceMetadata: true,
		UserMetadata:    map[string]string{metaSHA: sum},
		ContentType:     contentType,
	}
	src := minio.CopySrcOptions{Bucket: s.bucket, Object: tmp}
	var info minio.UploadInfo
	if up.Size <= maxCopySize {
		info, err = s.client.CopyObject(ctx, dst, src)
	} else {
		info, err = s.client.ComposeObject(ctx, dst, src) // copies ranged parts
	}
	if err != nil {
		return Object{}, err
	}
	return Object{Key: key, Size: up.Size, SHA256: sum, ContentType: contentType, ModTime: modTime(info)}, nil
}

// modTime is the server's time of a write when it tells (copies do), else
// the local clock's.
func modTime(info minio.UploadInfo) time.Time {
	if info.LastModified.IsZero() {
		return time.Now().UTC()
	}
	return info.LastModified.UTC()
}

// Open answers a reader over the object (minio's *Object: Seek issues ranged
// GETs, all pinned to the version described). It reads within ctx.
func (s *S3) Open(ctx context.Context, key string) (Reader, Object, error) {
	if err := CheckKey(key); err != nil {
		return nil, Object{}, err
	}
	o, err := s.client.GetObject(ctx, s.bucket, s.prefix+key, minio.GetObjectOptions{})
	if err != nil {
		return nil, Object{}, s.objectErr(key, err)
	}
	// The request is lazy: Stat makes it, so a missing object fails here.
	info, err := o.Stat()
	if err != nil {
		o.Close()
		return nil, Object{}, s.objectErr(key, err)
	}
	return o, s.object(key, info), nil
}

func (s *S3) Stat(ctx context.Context, key string) (Object, error) {
	if err := CheckKey(key); err != nil {
		return Object{}, err
	}
	info, err := s.client.StatObject(ctx, s.bucket, s.prefix+key, minio.StatObjectOptions{})
	if err != nil {
		return Object{}, s.objectErr(key, err)
	}
	return s.object(key, info), nil
}

func (s *S3) object(key string, info minio.ObjectInfo) Object {
	obj := Object{Key: key, Size: info.Size, ContentType: info.ContentType, ModTime: info.LastModified.UTC()}
	for k, v := range info.UserMetadata { // minio canonicalizes: "Sha256"
		if strings.EqualFold(k, metaSHA) {
			obj.SHA256 = v
		}
	}
	return obj
}

// objectErr maps a missing object to ErrNotFound.
func (s *S3) objectErr(key string, err error) error {
	var er minio.ErrorResponse
	if errors.As(err, &er) && (er.Code == "NoSuchKey" || er.StatusCode == http.StatusNotFound && er.Code != "NoSuchBucket") {
		return fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return fmt.Errorf("storage: %s: %w", key, err)
}

func (s *S3) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, s.prefix+key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("storage: delete %s: %w", key, err)
	}
	return nil
}

func (s *S3) DeletePrefix(ctx context.Context, prefix string) (int, error) {
	if err := checkPrefix(prefix); err != nil {
		return 0, err
	}
	var listErr error
	objects := func(yield func(minio.ObjectInfo) bool) {
		listErr = s.eachKey(ctx, prefix, func(_ string, o minio.ObjectInfo) bool { return yield(o) })
	}
	results, err := s.client.RemoveObjectsWithIter(ctx, s.bucket, objects, minio.RemoveObjectsOptions{})
	if err != nil {
		return 0, fmt.Errorf("storage: delete prefix %q: %w", prefix, err)
	}
	n := 0
	for res := range results { // batches of 1,000 keys
		if res.Err != nil {
			// Stopping here stops the removal and, through it, the listing.
			return n, fmt.Errorf("storage: delete prefix %q: %s: %w", prefix, res.ObjectName, res.Err)
		}
		n++
	}
	return n, listErr
}

func (s *S3) List(ctx context.Context, prefix string) ([]Object, error) {
	if err := checkPrefix(prefix); err != nil {
		return nil, err
	}
	var keys []string
	err := s.eachKey(ctx, prefix, func(key string, _ minio.ObjectInfo) bool {
		keys = append(keys, key)
		return true
	})
	if err != nil {
		return nil, err
	}
	// Listings carry neither user metadata nor content types: HEAD each.
	objs := make([]Object, len(keys))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(statLimit)
	for i, key := range keys {
		g.Go(func() error {
			obj, err := s.Stat(gctx, key)
			if errors.Is(err, ErrNotFound) { // deleted since listed
				return nil
			}
			objs[i] = obj
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	objs = slices.DeleteFunc(objs, func(o Object) bool { return o.Key == "" })
	// S3 lists in byte order already; not every S3-compatible store does.
	slices.SortFunc(objs, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
	return objs, nil
}

// eachKey calls fn, while it answers true, for every object under prefix
// whose key (the store's prefix stripped) is valid, which leaves out
// temporary objects.
func (s *S3) eachKey(ctx context.Context, prefix string, fn func(key string, o minio.ObjectInfo) bool) error {
	ctx, cancel := context.WithCancel(ctx) // ends the listing if fn stops early
	defer cancel()
	for o := range s.client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix + prefix, Recursive: true}) {
		if o.Err != nil {
			return fmt.Errorf("storage: list %q: %w", prefix, o.Err)
		}
		key := strings.TrimPrefix(o.Key, s.prefix)
		if CheckKey(key) == nil && !fn(key, o) {
			break
		}
	}
	return nil
}

// SignedURL presigns a GET of the object that answers it as an attachment
// named filename (the key's last segment when empty). ttl runs from 1s to
// 7 days.
func (s *S3) SignedURL(ctx context.Context, key string, ttl time.Duration, filename string) (string, error) {
	if err := CheckKey(key); err != nil {
		return "", err
	}
	if filename == "" {
		filename = path.Base(key)
	}
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": filename})
	if disposition == "" {
		return "", fmt.Errorf("storage: signed url: invalid file name %q", filename)
	}
	if _, err := s.Stat(ctx, key); err != nil {
		return "", err
	}
	u, err := s.client.PresignedGetObject(ctx, s.bucket, s.prefix+key, ttl,
		url.Values{"response-content-disposition": {disposition}})
	if err != nil {
		return "", fmt.Errorf("storage: signed url %s: %w", key, err)
	}
	return u.String(), nil
}

// Ping checks the bucket exists and the credentials reach it.
func (s *S3) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("storage: s3 ping: %w", err)
	}
	if !ok {
		return fmt.Errorf("storage: s3: bucket %q does not exist", s.bucket)
	}
	return nil
}
