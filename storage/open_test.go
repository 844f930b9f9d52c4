package storage

import (
	"net/url"
	"strings"
	"testing"
)

func TestOpenLocal(t *testing.T) {
	dir := t.TempDir()
	for _, loc := range []string{dir, "file://" + dir, "file://localhost" + dir} {
		s, err := Open(t.Context(), loc)
		if err != nil {
			t.Fatalf("Open(%q): %v", loc, err)
		}
		if l, ok := s.(*Local); !ok || l.dir != dir {
			t.Errorf("Open(%q) = %#v, want a Local store in %s", loc, s, dir)
		}
	}
}

func TestOpenS3(t *testing.T) {
	s, err := Open(t.Context(), "s3://AKID:se%2Fcret@my-bucket/some/prefix/?endpoint=minio:9000&region=eu-west-1&secure=false")
	if err != nil {
		t.Fatal(err)
	}
	s3, ok := s.(*S3)
	if !ok || s3.bucket != "my-bucket" || s3.prefix != "some/prefix/" || s3.client.EndpointURL().String() != "http://minio:9000" {
		t.Errorf("Open = %#v", s)
	}
}

func TestParseS3URL(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "envkey")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "envsecret")
	for _, tc := range []struct {
		url  string
		want S3Config
	}{
		{"s3://bucket", S3Config{Endpoint: "s3.amazonaws.com", Secure: true, Bucket: "bucket", AccessKey: "envkey", SecretKey: "envsecret"}},
		{"s3://AKID:se%2Fcret@bucket/a/b/?endpoint=minio:9000&region=us-east-1&secure=false&create=true",
			S3Config{Endpoint: "minio:9000", Region: "us-east-1", Bucket: "bucket", Prefix: "a/b", AccessKey: "AKID", SecretKey: "se/cret", CreateBucket: true}},
		{"s3://bucket/p?secure=1&create=0", S3Config{Endpoint: "s3.amazonaws.com", Secure: true, Bucket: "bucket", Prefix: "p", AccessKey: "envkey", SecretKey: "envsecret"}},
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseS3URL(u)
		if err != nil || got != tc.want {
			t.Errorf("parseS3URL(%q) = %+v, %v; want %+v", tc.url, got, err, tc.want)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	for _, tc := range []struct{ loc, want string }{
		{"", "no location"},
		{"file://host/dir", "file:///absolute/dir"},
		{"file:///dir?x=1", "file:///absolute/dir"},
		{"file:data", "file:///abs/dir"},
		{"s3:bucket", "s3://bucket/prefix"},
		{"ftp://host/dir", `unsupported scheme "ftp"`},
		{"s3:///prefix", "no bucket"},
		{"s3://bucket?secure=maybe", `secure="maybe": want true or false`},
		{"s3://bucket?create=", `create="": want true or false`},
		{"s3://bucket?bogus=1", `unknown parameter "bogus"`},
		{"s3://bucket?region=a&region=b", "region given 2 times"},
		{"s3://bucket?endpoint=http://minio:9000", "give host:port"},
		{"s3://AKID@bucket", "ACCESS_KEY:SECRET_KEY"},
		{"s3://Bad_Bucket", `bucket "Bad_Bucket"`},
		{"s3://bucket/a/../b", "invalid key"},
		{"s3://AKID:topsecret@bucket?bogus=1", `unknown parameter "bogus"`},
		{"s3://AKID:topsecret@bucket:x", "invalid"},
	} {
		_, err := Open(t.Context(), tc.loc)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%q) = %v, want an error saying %q", tc.loc, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "topsecret") {
			t.Errorf("Open(%q): the error repeats the secret: %v", tc.loc, err)
		}
	}
}
