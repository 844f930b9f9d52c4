package storage_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/arxos/arxport/storage"
	"github.com/arxos/arxport/storage/storagetest"
)

const bucket = "arxport"

// fakeS3 is an in-process S3 server (gofakes3, in memory) and a client of
// its own to look behind the store's back.
type fakeS3 struct {
	endpoint string
	client   *minio.Client
}

func newFakeS3(t *testing.T) *fakeS3 {
	t.Helper()
	faker := gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.DiscardLog()))
	srv := httptest.NewUnstartedServer(expiring(unchunk(faker.Server())))
	// gofakes3 complains to the server's log about uploads cut short.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	endpoint := strings.TrimPrefix(srv.URL, "http://")
	client, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4("key", "secret", ""), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	return &fakeS3{endpoint: endpoint, client: client}
}

func (f *fakeS3) config(prefix string) storage.S3Config {
	return storage.S3Config{
		Endpoint: f.endpoint, Region: "us-east-1", Bucket: bucket, Prefix: prefix,
		AccessKey: "key", SecretKey: "secret", CreateBucket: true,
	}
}

func (f *fakeS3) open(t *testing.T, prefix string) *storage.S3 {
	t.Helper()
	s, err := storage.NewS3(t.Context(), f.config(prefix))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rawKeys answers every key in the bucket.
func (f *fakeS3) rawKeys(t *testing.T) []string {
	t.Helper()
	var keys []string
	for o := range f.client.ListObjects(t.Context(), bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

// expiring refuses presigned requests past their expiry, which gofakes3
// does not check (it checks no signature at all).
func expiring(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if date, expires := q.Get("X-Amz-Date"), q.Get("X-Amz-Expires"); date != "" || expires != "" {
			signed, err := time.Parse("20060102T150405Z", date)
			secs, err2 := strconv.Atoi(expires)
			if err != nil || err2 != nil || time.Now().After(signed.Add(time.Duration(secs)*time.Second)) {
				w.WriteHeader(http.StatusForbidden)
				io.WriteString(w, "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// unchunk decodes the aws-chunked bodies minio-go sends over plain HTTP
// (X-Amz-Content-Sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD), as S3 and MinIO
// do: gofakes3 decodes them only for single PUTs with a Content-Length, so
// it would keep chunk headers in multipart parts and refuse empty objects.
func unchunk(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Content-Sha256") == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" {
			body, err := decodeChunks(r.Body)
			if err != nil || strconv.Itoa(len(body)) != r.Header.Get("X-Amz-Decoded-Content-Length") {
				http.Error(w, fmt.Sprintf("aws-chunked body: %v", err), http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			r.TransferEncoding = nil
			r.Header.Set("Content-Length", strconv.Itoa(len(body)))
			r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		}
		next.ServeHTTP(w, r)
	})
}

// decodeChunks reads "<hex size>;chunk-signature=...\r\n<data>\r\n" chunks
// up to the empty one.
func decodeChunks(r io.Reader) ([]byte, error) {
	br := bufio.NewReader(r)
	var out []byte
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		hexSize, _, _ := strings.Cut(strings.TrimSpace(line), ";")
		n, err := strconv.ParseInt(hexSize, 16, 32)
		if err != nil || n == 0 {
			return out, err
		}
		chunk := make([]byte, n+2) // and its CRLF
		if _, err := io.ReadFull(br, chunk); err != nil {
			return nil, err
		}
		out = append(out, chunk[:n]...)
	}
}

// TestS3 runs the suite with a key prefix; the tests below use none.
func TestS3(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Storage { return newFakeS3(t).open(t, "tenant/a") })
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestS3LeavesNothingBehind: a stream longer than a part goes through a
// temporary object; whatever happens, neither it nor a multipart upload
// stays, and the object carries its checksum as metadata.
func TestS3LeavesNothingBehind(t *testing.T) {
	f := newFakeS3(t)
	s := f.open(t, "")
	ctx := t.Context()
	big := bytes.Repeat([]byte("0123456789abcdef"), 20<<20/16)

	obj, err := s.Put(ctx, "big", struct{ io.Reader }{bytes.NewReader(big)}, "text/plain")
	if err != nil {
		t.Fatal(err)
	}
	if obj.SHA256 != sha(big) || obj.Size != int64(len(big)) {
		t.Fatalf("Put = %+v", obj)
	}
	info, err := f.client.StatObject(ctx, bucket, "big", minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if info.UserMetadata["Sha256"] != sha(big) || info.ContentType != "text/plain" {
		t.Errorf("stored metadata %v, content type %q", info.UserMetadata, info.ContentType)
	}

	broken := io.MultiReader(bytes.NewReader(big[:17<<20]), iotest.ErrReader(errors.New("broken")))
	if _, err := s.Put(ctx, "broken", broken, ""); err == nil {
		t.Fatal("Put from a broken reader succeeded")
	}
	cctx, cancel := context.WithCancel(ctx)
	head := bytes.NewReader(big[:17<<20])
	cancelling := readFunc(func(p []byte) (int, error) {
		if head.Len() == 0 {
			cancel() // and go on, as if the producer did not notice
			return copy(p, big), nil
		}
		return head.Read(p)
	})
	if _, err := s.Put(cctx, "cancelled", cancelling, ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Put = %v", err)
	}

	if keys := f.rawKeys(t); !slices.Equal(keys, []string{"big"}) {
		t.Errorf("bucket holds %q, want big alone", keys)
	}
	checkList(t, s, "big")
	for u := range f.client.ListIncompleteUploads(ctx, bucket, "", true) {
		t.Errorf("multipart upload left: %+v", u)
	}
}

func checkList(t *testing.T, s storage.Storage, want ...string) {
	t.Helper()
	objs, err := s.List(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range objs {
		keys = append(keys, o.Key)
	}
	if !slices.Equal(keys, want) {
		t.Errorf("List = %q, want %q", keys, want)
	}
}

type readFunc func([]byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }

// TestS3ForeignObjects: objects other tools put in the bucket are listed
// when their keys are valid (without a checksum if they carry none) and
// skipped otherwise, as are temporary objects a killed Put left.
func TestS3ForeignObjects(t *testing.T) {
	f := newFakeS3(t)
	s := f.open(t, "")
	ctx := t.Context()
	for _, key := range []string{"ok/plain.txt", "ok/with space.txt", "ok/.hidden", "ok/dir/", ".put/LEFTOVER"} {
		if _, err := f.client.PutObject(ctx, bucket, key, strings.NewReader("x"), 1, minio.PutObjectOptions{ContentType: "text/plain"}); err != nil {
			t.Fatal(err)
		}
	}
	objs, err := s.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 || objs[0].Key != "ok/plain.txt" || objs[0].SHA256 != "" || objs[0].Size != 1 {
		t.Errorf("List = %+v, want ok/plain.txt alone, with no checksum", objs)
	}
}

func TestNewS3(t *testing.T) {
	f := newFakeS3(t)
	ctx := t.Context()
	bad := map[string]func(*storage.S3Config){
		"no endpoint":   func(c *storage.S3Config) { c.Endpoint = "" },
		"bad bucket":    func(c *storage.S3Config) { c.Bucket = "No_Such" },
		"bad prefix":    func(c *storage.S3Config) { c.Prefix = "a/../b" },
		"half the keys": func(c *storage.S3Config) { c.SecretKey = "" },
	}
	for name, change := range bad {
		cfg := f.config("")
		change(&cfg)
		if _, err := storage.NewS3(ctx, cfg); err == nil {
			t.Errorf("%s: NewS3 succeeded", name)
		}
	}

	// A missing bucket is created only when asked; Ping tells.
	cfg := f.config("")
	cfg.CreateBucket = false
	s, err := storage.NewS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping of a missing bucket succeeded")
	}
	s = f.open(t, "/slashes/around/")
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "k", strings.NewReader("x"), ""); err != nil {
		t.Fatal(err)
	}
	if keys := f.rawKeys(t); !slices.Equal(keys, []string{"slashes/around/k"}) {
		t.Errorf("bucket holds %q", keys)
	}
	// Creating an existing bucket is fine.
	f.open(t, "")
}
