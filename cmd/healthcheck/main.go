// Command healthcheck is the container healthcheck of the arxport image, which
// has no shell, curl or wget (distroless): it checks every target given and
// exits 0 when all answer, 1 otherwise.
//
//	arxport-healthcheck [-timeout 3s] TARGET...
//
// A target is
//
//   - an http:// or https:// URL: healthy when a GET answers 2xx;
//   - tcp://host:port: healthy when a connection opens;
//   - asynq: healthy when an asynq server running on this host (a worker or a
//     scheduler: its hostname, which is the container's) is active and sending
//     heartbeats to the Redis of REDIS_URL. asynq writes a heartbeat every 5 s
//     that expires after 10 s, so a hung or disconnected process fails this.
//
// See docker-compose.yml.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

func main() {
	timeout := flag.Duration("timeout", 3*time.Second, "time each target gets to answer")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: arxport-healthcheck [-timeout 3s] http://host:port/path | tcp://host:port ...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	code := 0
	for _, target := range flag.Args() {
		if err := check(target, *timeout); err != nil {
			fmt.Fprintf(os.Stderr, "arxport-healthcheck: %s: %v\n", target, err)
			code = 1
		}
	}
	os.Exit(code)
}

func check(target string, timeout time.Duration) error {
	u, err := url.Parse(target)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	switch u.Scheme {
	case "http", "https":
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return err
		}
		// No proxy: the target is the container itself or its network peers.
		client := &http.Client{Transport: &http.Transport{Proxy: nil}}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("%s: %s", resp.Status, body)
		}
		return nil
	case "asynq":
		return checkAsynq(ctx)
	case "tcp":
		if u.Host == "" || u.Port() == "" {
			return fmt.Errorf("want tcp://host:port")
		}
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", u.Host)
		if err != nil {
			return err
		}
		return c.Close()
	default:
		return fmt.Errorf("unsupported scheme %q (want http, https or tcp)", u.Scheme)
	}
}

// checkAsynq looks for an active asynq server of this host in Redis.
func checkAsynq(ctx context.Context) error {
	redisURL := os.Getenv("REDIS_URL")
	if redisURL == "" {
		redisURL = "redis://127.0.0.1:6379/0"
	}
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		return fmt.Errorf("REDIS_URL: %w", err)
	}
	host, err := os.Hostname()
	if err != nil {
		return err
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	servers, err := asynq.NewInspectorFromRedisClient(rdb).Servers()
	if err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	for _, s := range servers {
		if s.Host == host && s.Status == "active" {
			return nil
		}
	}
	return fmt.Errorf("no active asynq server of host %q in Redis (%d servers seen)", host, len(servers))
}
