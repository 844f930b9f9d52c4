package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/arxos/arxport/client"
	"github.com/arxos/arxport/exports"
	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/jobstore"
)

// remoteFlags are how the client commands reach a running API.
type remoteFlags struct{ url, key string }

func (r *remoteFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&r.url, "api", envOr("ARXPORT_API_URL", "http://127.0.0.1:8080"), "API base URL (ARXPORT_API_URL)")
	cmd.Flags().StringVar(&r.key, "key", os.Getenv("ARXPORT_API_KEY"), "API key (ARXPORT_API_KEY)")
}

func (r *remoteFlags) client() (*client.Client, error) {
	if r.key == "" {
		return nil, usagef("no API key: --key or ARXPORT_API_KEY (arxport dev prints one)")
	}
	return client.New(r.url, r.key), nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func submitCmd() *cobra.Command {
	var rf remoteFlags
	var formatList, priority, outDir string
	var wait bool
	cmd := &cobra.Command{
		Use:   "submit MODEL -f FORMATS|all",
		Short: "Submit an export job to a running service; --wait follows it, -o downloads the files",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := rf.client()
			if err != nil {
				return err
			}
			return remoteExport(cmd.Context(), cmd.OutOrStdout(), c, args[0], formatList, priority, wait || outDir != "", outDir)
		},
	}
	rf.add(cmd)
	cmd.Flags().StringVarP(&formatList, "formats", "f", "", "comma-separated formats, or all")
	cmd.Flags().StringVar(&priority, "priority", "normal", "critical, high, normal or low")
	cmd.Flags().BoolVar(&wait, "wait", false, "follow the job until it ends")
	cmd.Flags().StringVarP(&outDir, "output", "o", "", "download the files here when the job ends (implies --wait)")
	return cmd
}

func watchCmd() *cobra.Command {
	var rf remoteFlags
	cmd := &cobra.Command{
		Use:   "watch JOB",
		Short: "Follow a job's progress and events until it ends",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := rf.client()
			if err != nil {
				return err
			}
			j, err := follow(cmd.Context(), cmd.ErrOrStderr(), c, args[0])
			if err != nil {
				return err
			}
			printJob(cmd.OutOrStdout(), j)
			return jobResult(j)
		},
	}
	rf.add(cmd)
	return cmd
}

// remoteExport submits a model, and when asked follows the job and downloads its files.
func remoteExport(ctx context.Context, out io.Writer, c *client.Client, modelPath, formatList, priority string, wait bool, outDir string) error {
	if strings.TrimSpace(formatList) == "" {
		return usagef("no format given: -f FORMATS or -f all")
	}
	req := exports.Request{Priority: priority}
	if formatList == "all" {
		for _, n := range formats.Names() {
			req.Formats = append(req.Formats, exports.FormatRequest{Format: n})
		}
	} else {
		for _, n := range strings.Split(formatList, ",") {
			req.Formats = append(req.Formats, exports.FormatRequest{Format: strings.TrimSpace(n)})
		}
	}
	body, err := os.ReadFile(modelPath)
	if err != nil {
		return err
	}
	req.Name = strings.TrimSuffix(filepath.Base(modelPath), filepath.Ext(modelPath))
	if len(body) < 16<<20 && json.Valid(body) {
		req.Model = body
	} else {
		// Large, NDJSON or gzipped models travel through storage.
		if req.ModelRef, err = c.UploadModel(ctx, bytes.NewReader(body)); err != nil {
			return err
		}
	}
	start := time.Now()
	j, err := c.Submit(ctx, req, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "job %s %s (%d formats)\n", j.ID, j.Status, len(j.Formats))
	if !wait {
		return nil
	}
	if j, err = follow(ctx, os.Stderr, c, j.ID); err != nil {
		return err
	}
	if outDir != "" {
		if err := download(ctx, out, c, j, outDir); err != nil {
			return err
		}
	}
	printJob(out, j)
	fmt.Fprintf(out, "%s in %s\n", j.Status, time.Since(start).Round(time.Millisecond))
	return jobResult(j)
}

// follow shows a job's progress from its events (a bar on a terminal, else
// the events as lines) until it ends, and answers the final job.
func follow(ctx context.Context, w io.Writer, c *client.Client, id string) (exports.Job, error) {
	j, err := c.Get(ctx, id)
	if err != nil {
		return j, err
	}
	n := max(1, len(j.Formats))
	fraction := map[string]float64{}
	var pb *progressbar.ProgressBar
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		pb = progressbar.NewOptions(1000, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(id),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	err = c.Events(ctx, id, 0, func(e jobstore.Event) error {
		switch e.Type {
		case "progress":
			var p struct {
				Fraction float64 `json:"fraction"`
			}
			json.Unmarshal(e.Data, &p)
			fraction[e.Format] = p.Fraction
		case "format.completed", "format.failed":
			fraction[e.Format] = 1
		}
		if pb != nil {
			var sum float64
			for _, f := range fraction {
				sum += f
			}
			pb.Set(int(1000 * sum / float64(n)))
			if e.Type != "progress" {
				pb.Describe(fmt.Sprintf("%s %s %s", id, e.Type, e.Format))
			}
			return nil
		}
		if e.Type != "progress" {
			fmt.Fprintf(w, "%s %-17s %-8s %s\n", e.Time.Format("15:04:05.000"), e.Type, e.Format, e.Message)
		}
		return nil
	})
	if pb != nil {
		pb.Finish()
	}
	if err != nil {
		return j, err
	}
	return c.Get(ctx, id)
}

// download fetches every file of a job into dir and checks its SHA-256.
func download(ctx context.Context, out io.Writer, c *client.Client, j exports.Job, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range j.Formats {
		for _, file := range f.Files {
			path := filepath.Join(dir, file.Name)
			dst, err := os.Create(path)
			if err != nil {
				return err
			}
			h := sha256.New()
			_, err = c.Download(ctx, j.ID, file.Name, io.MultiWriter(dst, h))
			if cerr := dst.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("downloading %s: %w", file.Name, err)
			}
			if got := hex.EncodeToString(h.Sum(nil)); got != file.SHA256 {
				return fmt.Errorf("downloading %s: SHA-256 %s, the service says %s", file.Name, got, file.SHA256)
			}
		}
	}
	return nil
}

func printJob(w io.Writer, j exports.Job) {
	fs := append([]exports.Format(nil), j.Formats...)
	sort.Slice(fs, func(a, b int) bool { return fs[a].Format < fs[b].Format })
	for _, f := range fs {
		if f.Error != nil {
			fmt.Fprintf(w, "%-8s %-9s %s: %s\n", f.Format, f.Status, f.Error.Code, f.Error.Message)
			continue
		}
		for _, file := range f.Files {
			fmt.Fprintf(w, "%-8s %-9s %-36s %10s  %d ms\n", f.Format, f.Status, file.Name, humanBytes(file.Size), f.Metrics["duration_ms"])
		}
		if len(f.Files) == 0 {
			fmt.Fprintf(w, "%-8s %s\n", f.Format, f.Status)
		}
	}
	for _, wn := range j.Warnings {
		fmt.Fprintf(w, "warning: %s %s: %s\n", wn.Path, wn.Code, wn.Message)
	}
}

func jobResult(j exports.Job) error {
	if j.Status == jobstore.Completed {
		return nil
	}
	if j.Error != nil {
		return fmt.Errorf("job %s %s: %s: %s", j.ID, j.Status, j.Error.Code, j.Error.Message)
	}
	return fmt.Errorf("job %s %s", j.ID, j.Status)
}

// runDemo exports the example through the embedded service's API.
func runDemo(ctx context.Context, cmd *cobra.Command, url, key, modelPath, formatList, outDir string) error {
	fmt.Fprintf(cmd.ErrOrStderr(), "demo: submitting %s in %s formats through %s\n", modelPath, formatList, url)
	return remoteExport(ctx, cmd.OutOrStdout(), client.New(url, key), modelPath, formatList, "normal", true, outDir)
}
