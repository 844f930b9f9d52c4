package storage

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Open opens the store that location names, as configuration gives it:
//
//   - a path ("./data", "/var/lib/arxport") or file:///abs/dir: a local
//     directory (NewLocal);
//   - s3://bucket[/prefix][?endpoint=host:port&region=us-east-1&secure=false&create=true]:
//     an S3-compatible bucket (NewS3). endpoint defaults to s3.amazonaws.com,
//     secure to true, create to false. Credentials come from the user info
//     (s3://KEY:SECRET@bucket, percent-encoded) or else from
//     AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
//
// Errors never repeat the secret.
func Open(ctx context.Context, location string) (Storage, error) {
	if location == "" {
		return nil, errors.New("storage: no location (a directory, file:///dir or s3://bucket/prefix)")
	}
	if !strings.Contains(location, "://") {
		if strings.HasPrefix(location, "s3:") || strings.HasPrefix(location, "file:") {
			return nil, fmt.Errorf("storage: %q: write s3://bucket/prefix or file:///abs/dir", location)
		}
		return openLocal(location)
	}
	u, err := url.Parse(location)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // ue.URL would repeat a secret
		}
		return nil, fmt.Errorf("storage: invalid location URL: %w", err)
	}
	switch u.Scheme {
	case "file":
		if (u.Host != "" && u.Host != "localhost") || u.Path == "" || u.User != nil || u.RawQuery != "" {
			return nil, fmt.Errorf("storage: %q: a file URL is file:///absolute/dir", u.Redacted())
		}
		return openLocal(u.Path)
	case "s3":
		cfg, err := parseS3URL(u)
		if err != nil {
			return nil, fmt.Errorf("storage: %q: %w", u.Redacted(), err)
		}
		s, err := NewS3(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return s, nil
	default:
		return nil, fmt.Errorf("storage: %q: unsupported scheme %q (want file or s3)", u.Redacted(), u.Scheme)
	}
}

func openLocal(dir string) (Storage, error) {
	l, err := NewLocal(dir)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// parseS3URL reads an s3:// URL into a config (see Open).
func parseS3URL(u *url.URL) (S3Config, error) {
	cfg := S3Config{
		Endpoint: "s3.amazonaws.com",
		Secure:   true,
		Bucket:   u.Host,
		Prefix:   strings.Trim(u.Path, "/"),
	}
	if cfg.Bucket == "" {
		return cfg, errors.New("no bucket: write s3://bucket/prefix")
	}
	q := u.Query()
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if len(q[name]) > 1 {
			return cfg, fmt.Errorf("%s given %d times", name, len(q[name]))
		}
		v := q.Get(name)
		var err error
		switch name {
		case "endpoint":
			if strings.Contains(v, "/") {
				return cfg, fmt.Errorf("endpoint=%q: give host:port (secure=false for http)", v)
			}
			cfg.Endpoint = v
		case "region":
			cfg.Region = v
		case "secure":
			cfg.Secure, err = strconv.ParseBool(v)
		case "create":
			cfg.CreateBucket, err = strconv.ParseBool(v)
		default:
			return cfg, fmt.Errorf("unknown parameter %q (want endpoint, region, secure, create)", name)
		}
		if err != nil {
			return cfg, fmt.Errorf("%s=%q: want true or false", name, v)
		}
	}
	if u.User != nil {
		secret, ok := u.User.Password()
		if u.User.Username() == "" || !ok || secret == "" {
			return cfg, errors.New("user info must be ACCESS_KEY:SECRET_KEY")
		}
		cfg.AccessKey, cfg.SecretKey = u.User.Username(), secret
	} else {
		cfg.AccessKey, cfg.SecretKey = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	}
	return cfg, nil
}
