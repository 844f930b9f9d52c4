package deploy

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"
)

const (
	composeFile   = "../docker-compose.yml"
	dockerfile    = "../Dockerfile"
	collectorFile = "otel-collector.yaml"
	healthcheck   = "arxport-healthcheck"
)

// roles are the arxport services of the compose file: one image, one binary each.
var roles = []string{"api", "worker", "scheduler"}

// bin holds the binaries, built once, named as in the image (Dockerfile).
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "arxport-deploy-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = dir
	build := exec.Command("go", "build", "-o", dir, "../cmd/api", "../cmd/worker", "../cmd/scheduler", "../cmd/healthcheck")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the service:", err)
		os.Exit(1)
	}
	for _, name := range []string{"api", "worker", "scheduler", "healthcheck"} {
		if err := os.Rename(filepath.Join(dir, name), filepath.Join(dir, "arxport-"+name)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// load reads the compose file as `docker compose` does, with no environment:
// every ${VAR:-default} takes its documented placeholder.
func load(t *testing.T) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{composeFile}, cli.WithName("arxport"), cli.WithWorkingDirectory(".."))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("loading %s: %v", composeFile, err)
	}
	return p
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, ok := p.Services[name]
	if !ok {
		t.Fatalf("%s has no service %q", composeFile, name)
	}
	return s
}

// environment answers a service's environment as the container gets it.
func environment(s types.ServiceConfig) map[string]string {
	out := map[string]string{}
	for k, v := range s.Environment {
		if v != nil {
			out[k] = *v
		} else {
			out[k] = ""
		}
	}
	return out
}

// setting is one configuration variable a binary documents in --help.
type setting struct {
	flag, def string
}

var usageLine = regexp.MustCompile(`^\s+(?:-\w, )?--([\w-]+)\b.*\(([A-Z][A-Z0-9_]+)\)(?: \(default "?(.*?)"?\))?\s*$`)

// settings runs `arxport-ROLE --help` with an empty environment and answers
// the variables its flags name, "(VAR)", with their defaults.
func settings(t *testing.T, role string) map[string]setting {
	t.Helper()
	cmd := exec.Command(filepath.Join(bin, "arxport-"+role), "--help")
	cmd.Env = []string{"HOME=" + t.TempDir()}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("arxport-%s --help: %v\n%s", role, err, out)
	}
	vars := map[string]setting{}
	for _, line := range strings.Split(string(out), "\n") {
		if m := usageLine.FindStringSubmatch(line); m != nil {
			vars[m[2]] = setting{flag: m[1], def: m[3]}
		}
	}
	if len(vars) < 10 {
		t.Fatalf("arxport-%s --help names %d variables:\n%s", role, len(vars), out)
	}
	return vars
}

// standard are the variables the binaries read without a flag: the S3
// credentials (storage.Open) and the OpenTelemetry SDK's own.
var standard = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
	"OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_SDK_DISABLED", "OTEL_PROPAGATORS",
	"OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER",
	"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
	"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
	"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_INSECURE",
	"OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_CERTIFICATE",
}

func TestServices(t *testing.T) {
	p := load(t)
	want := []string{"redis", "postgres", "minio", "api", "worker", "scheduler", "asynqmon", "otel-collector"}
	for _, name := range want {
		service(t, p, name)
	}
	for name := range p.Services {
		if !slices.Contains(want, name) {
			t.Errorf("service %q is not one this test knows: add it to the list and check it", name)
		}
	}
}

func TestRedisKeepsWhatItAccepts(t *testing.T) {
	s := service(t, load(t), "redis")
	args := strings.Join(s.Command, " ")
	for _, want := range []string{"--appendonly yes", "--maxmemory-policy noeviction"} {
		if !strings.Contains(" "+args+" ", " "+want+" ") {
			t.Errorf("redis command %q lacks %q", args, want)
		}
	}
	if !strings.HasPrefix(s.Image, "redis:7") {
		t.Errorf("redis image %q, want redis:7", s.Image)
	}
	if !hasVolume(s, "/data") {
		t.Errorf("redis keeps /data (the AOF) in no volume: %+v", s.Volumes)
	}
	checkHealthcheck(t, s)
}

func TestPostgres(t *testing.T) {
	p := load(t)
	s := service(t, p, "postgres")
	if !strings.HasPrefix(s.Image, "postgres:16") {
		t.Errorf("postgres image %q, want postgres:16", s.Image)
	}
	if !hasVolume(s, "/var/lib/postgresql/data") {
		t.Errorf("postgres data is in no volume: %+v", s.Volumes)
	}
	checkHealthcheck(t, s)
	if !slices.Contains(s.HealthCheck.Test, "pg_isready") {
		t.Errorf("postgres healthcheck %q does not use pg_isready", s.HealthCheck.Test)
	}
	// DATABASE_URL names the user, password and database the server is given.
	env := environment(s)
	for _, role := range roles {
		u, err := url.Parse(environment(service(t, p, role))["DATABASE_URL"])
		if err != nil {
			t.Fatalf("%s: DATABASE_URL: %v", role, err)
		}
		pw, _ := u.User.Password()
		if u.Scheme != "postgres" || u.Host != "postgres:5432" || u.User.Username() != env["POSTGRES_USER"] ||
			pw != env["POSTGRES_PASSWORD"] || strings.TrimPrefix(u.Path, "/") != env["POSTGRES_DB"] {
			t.Errorf("%s: DATABASE_URL %s does not match the postgres service", role, u.Redacted())
		}
	}
}

// TestMinio: the bucket is created at start by the binaries (create=true in
// ARXPORT_STORAGE), with MinIO's root credentials.
func TestMinio(t *testing.T) {
	p := load(t)
	s := service(t, p, "minio")
	checkHealthcheck(t, s)
	if !hasVolume(s, "/data") {
		t.Errorf("minio data is in no volume: %+v", s.Volumes)
	}
	env := environment(s)
	if len(env["MINIO_ROOT_PASSWORD"]) < 8 {
		t.Errorf("MINIO_ROOT_PASSWORD %q: MinIO wants 8 characters at least", env["MINIO_ROOT_PASSWORD"])
	}
	for _, role := range roles {
		renv := environment(service(t, p, role))
		u, err := url.Parse(renv["ARXPORT_STORAGE"])
		if err != nil {
			t.Fatalf("%s: ARXPORT_STORAGE: %v", role, err)
		}
		q := u.Query()
		if u.Scheme != "s3" || q.Get("endpoint") != "minio:9000" || q.Get("secure") != "false" || q.Get("create") != "true" {
			t.Errorf("%s: ARXPORT_STORAGE %s: want s3://… on minio:9000, secure=false, create=true", role, u.Redacted())
		}
		if renv["AWS_ACCESS_KEY_ID"] != env["MINIO_ROOT_USER"] || renv["AWS_SECRET_ACCESS_KEY"] != env["MINIO_ROOT_PASSWORD"] {
			t.Errorf("%s: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not MinIO's credentials", role)
		}
	}
}

func TestArxportServices(t *testing.T) {
	p := load(t)
	image := service(t, p, "api").Image
	for _, role := range roles {
		t.Run(role, func(t *testing.T) {
			s := service(t, p, role)
			if s.Image != image || s.Build == nil || s.Build.Context != filepath.Dir(mustAbs(t, composeFile)) {
				t.Errorf("image %q build %+v: every role runs the one image built from ../Dockerfile", s.Image, s.Build)
			}
			if want := []string{"arxport-" + role}; !slices.Equal(s.Command, want) {
				t.Errorf("command %q, want %q", s.Command, want)
			}
			checkHealthcheck(t, s)
			if len(s.HealthCheck.Test) < 3 || s.HealthCheck.Test[0] != "CMD" || s.HealthCheck.Test[1] != healthcheck {
				t.Errorf("healthcheck %q: want [CMD %s TARGET...] (the image has no shell)", s.HealthCheck.Test, healthcheck)
			}
			if s.Restart == "" || s.Restart == "no" {
				t.Errorf("restart policy %q: want unless-stopped or always", s.Restart)
			}
			for _, dep := range []string{"redis", "postgres", "minio"} {
				if d, ok := s.DependsOn[dep]; !ok || d.Condition != types.ServiceConditionHealthy {
					t.Errorf("depends_on %s: %+v, want condition service_healthy", dep, d)
				}
			}
			// Docker's SIGKILL must come after the binary's own shutdown timeout.
			env := environment(s)
			shutdown, err := time.ParseDuration(env["ARXPORT_SHUTDOWN_TIMEOUT"])
			if err != nil {
				t.Fatalf("ARXPORT_SHUTDOWN_TIMEOUT: %v", err)
			}
			if s.StopGracePeriod == nil || time.Duration(*s.StopGracePeriod) <= shutdown {
				t.Errorf("stop_grace_period %v is not longer than ARXPORT_SHUTDOWN_TIMEOUT %v", s.StopGracePeriod, shutdown)
			}
		})
	}
}

func TestWorkerScales(t *testing.T) {
	s := service(t, load(t), "worker")
	if s.ContainerName != "" {
		t.Errorf("worker has container_name %q: `--scale worker=N` needs none", s.ContainerName)
	}
	for _, port := range s.Ports {
		if port.Published != "" {
			t.Errorf("worker publishes host port %s: `--scale worker=N` needs none", port.Published)
		}
	}
	if len(s.Ports) > 0 {
		t.Errorf("worker ports %+v: the worker serves no one outside the compose network", s.Ports)
	}
}

// TestEnvironment: every variable the compose file gives api, worker and
// scheduler is one the binaries read (their --help, plus AWS_* and OTEL_*),
// and the ones they require are set.
func TestEnvironment(t *testing.T) {
	p := load(t)
	for _, role := range roles {
		t.Run(role, func(t *testing.T) {
			known := settings(t, role)
			env := environment(service(t, p, role))
			for name := range env {
				if _, ok := known[name]; !ok && !slices.Contains(standard, name) {
					t.Errorf("%s is set but arxport-%s does not read it (--help names no such variable)", name, role)
				}
			}
			required := []string{"REDIS_URL", "DATABASE_URL", "ARXPORT_STORAGE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_ENDPOINT"}
			if role == "api" {
				required = append(required, "ARXPORT_API_KEYS", "ARXPORT_ADMIN_KEYS")
			}
			if role == "worker" {
				required = append(required, "ARXPORT_WEBHOOK_SECRET")
			}
			for _, name := range required {
				if env[name] == "" {
					t.Errorf("%s is not set", name)
				}
			}
			if got := env["OTEL_SERVICE_NAME"]; got != "arxport-"+role {
				t.Errorf("OTEL_SERVICE_NAME %q, want arxport-%s", got, role)
			}
		})
	}
}

// TestAPIPorts: the published port, the listen address and the healthcheck
// agree.
func TestAPIPorts(t *testing.T) {
	s := service(t, load(t), "api")
	_, port, err := net.SplitHostPort(environment(s)["ARXPORT_ADDR"])
	if err != nil {
		t.Fatalf("ARXPORT_ADDR: %v", err)
	}
	if len(s.Ports) != 1 || fmt.Sprint(s.Ports[0].Target) != port {
		t.Errorf("api ports %+v: want the one ARXPORT_ADDR listens on (%s)", s.Ports, port)
	}
	u, err := url.Parse(s.HealthCheck.Test[len(s.HealthCheck.Test)-1])
	if err != nil || u.Port() != port || u.Path != "/readyz" {
		t.Errorf("api healthcheck %q: want http://127.0.0.1:%s/readyz", s.HealthCheck.Test, port)
	}
}

// TestImageBuildsWhatComposeRuns: every binary the compose file runs
// (commands and healthchecks) is built by the Dockerfile from its cmd/.
func TestImageBuildsWhatComposeRuns(t *testing.T) {
	df, err := os.ReadFile(dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	built := map[string]string{}
	for _, m := range regexp.MustCompile(`-o /out/(\S+) \./cmd/(\S+)`).FindAllStringSubmatch(string(df), -1) {
		built[m[1]] = m[2]
		if _, err := os.Stat(filepath.Join("../cmd", m[2], "main.go")); err != nil {
			t.Errorf("Dockerfile builds ./cmd/%s: %v", m[2], err)
		}
	}
	want := map[string]string{"arxport-api": "api", "arxport-worker": "worker", "arxport-scheduler": "scheduler", "arxport": "arxport", healthcheck: "healthcheck"}
	for name, dir := range want {
		if built[name] != dir {
			t.Errorf("Dockerfile does not build /out/%s from ./cmd/%s (it builds %v)", name, dir, built)
		}
	}
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
	if goVersion == nil || !strings.Contains(string(df), "FROM golang:"+string(goVersion[1])+"-") {
		t.Errorf("the Dockerfile's builder is not golang:%s (go.mod)", goVersion[1])
	}
	for _, line := range []string{"CGO_ENABLED=0", "USER 65532:65532", "COPY --from=build /out/ /usr/local/bin/"} {
		if !strings.Contains(string(df), line) {
			t.Errorf("Dockerfile lacks %q", line)
		}
	}
}

// TestCollector: the collector's configuration is mounted where its command
// reads it, every component a pipeline names is defined, OTLP arrives where
// the roles send it, and the scrape targets are the api's listener and every
// worker's metrics listener.
func TestCollector(t *testing.T) {
	p := load(t)
	s := service(t, p, "otel-collector")
	config := ""
	for _, arg := range s.Command {
		if v, ok := strings.CutPrefix(arg, "--config="); ok {
			config = v
		}
	}
	mounted := false
	for _, v := range s.Volumes {
		if v.Target == config && v.Source == mustAbs(t, collectorFile) {
			mounted = true
		}
	}
	if config == "" || !mounted {
		t.Fatalf("otel-collector: --config=%q is not deploy/%s mounted (%+v)", config, collectorFile, s.Volumes)
	}

	raw, err := os.ReadFile(collectorFile)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Receivers struct {
			OTLP struct {
				Protocols map[string]struct {
					Endpoint string `yaml:"endpoint"`
				} `yaml:"protocols"`
			} `yaml:"otlp"`
			Prometheus struct {
				Config struct {
					ScrapeConfigs []struct {
						JobName       string `yaml:"job_name"`
						MetricsPath   string `yaml:"metrics_path"`
						StaticConfigs []struct {
							Targets []string `yaml:"targets"`
						} `yaml:"static_configs"`
						DNSSDConfigs []struct {
							Names []string `yaml:"names"`
							Type  string   `yaml:"type"`
							Port  int      `yaml:"port"`
						} `yaml:"dns_sd_configs"`
					} `yaml:"scrape_configs"`
				} `yaml:"config"`
			} `yaml:"prometheus"`
		} `yaml:"receivers"`
		Service struct {
			Pipelines map[string]map[string][]string `yaml:"pipelines"`
		} `yaml:"service"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("%s: %v", collectorFile, err)
	}
	var generic map[string]map[string]any
	if err := yaml.Unmarshal(raw, &generic); err != nil {
		t.Fatalf("%s: %v", collectorFile, err)
	}
	for name, pipe := range cfg.Service.Pipelines {
		for kind, ids := range pipe {
			if len(ids) == 0 && kind != "processors" {
				t.Errorf("pipeline %s has no %s", name, kind)
			}
			for _, id := range ids {
				if _, ok := generic[kind][id]; !ok {
					t.Errorf("pipeline %s: %s %q is not defined", name, kind, id)
				}
			}
		}
	}
	if !slices.Contains(cfg.Service.Pipelines["traces"]["receivers"], "otlp") {
		t.Error("the traces pipeline does not receive OTLP")
	}

	// OTLP: the roles' endpoint and protocol meet a receiver.
	for _, role := range roles {
		env := environment(service(t, p, role))
		u, err := url.Parse(env["OTEL_EXPORTER_OTLP_ENDPOINT"])
		if err != nil {
			t.Fatalf("%s: OTEL_EXPORTER_OTLP_ENDPOINT: %v", role, err)
		}
		proto := "grpc"
		if strings.HasPrefix(env["OTEL_EXPORTER_OTLP_PROTOCOL"], "http/") {
			proto = "http"
		}
		recv, ok := cfg.Receivers.OTLP.Protocols[proto]
		if u.Hostname() != "otel-collector" || !ok || !strings.HasSuffix(recv.Endpoint, ":"+u.Port()) {
			t.Errorf("%s: OTLP to %s (%s) meets no receiver of the collector (%+v)", role, u, proto, cfg.Receivers.OTLP.Protocols)
		}
	}

	// Scrapes: api:PORT of ARXPORT_ADDR; the worker by DNS (every replica) on
	// the port of its metrics listener.
	_, apiPort, _ := net.SplitHostPort(environment(service(t, p, "api"))["ARXPORT_ADDR"])
	metrics, ok := environment(service(t, p, "worker"))["ARXPORT_METRICS_ADDR"]
	if !ok {
		metrics = settings(t, "worker")["ARXPORT_METRICS_ADDR"].def
	}
	_, workerPort, err := net.SplitHostPort(metrics)
	if err != nil {
		t.Fatalf("worker: ARXPORT_METRICS_ADDR %q: %v", metrics, err)
	}
	var api, worker bool
	for _, sc := range cfg.Receivers.Prometheus.Config.ScrapeConfigs {
		if sc.MetricsPath != "/metrics" {
			t.Errorf("scrape %s: metrics_path %q", sc.JobName, sc.MetricsPath)
		}
		for _, st := range sc.StaticConfigs {
			api = api || slices.Contains(st.Targets, "api:"+apiPort)
		}
		for _, d := range sc.DNSSDConfigs {
			worker = worker || (slices.Contains(d.Names, "worker") && d.Type == "A" && fmt.Sprint(d.Port) == workerPort)
		}
	}
	if !api {
		t.Errorf("the collector does not scrape api:%s/metrics", apiPort)
	}
	if !worker {
		t.Errorf("the collector does not scrape every worker replica (dns_sd_configs A worker, port %s)", workerPort)
	}
	if !slices.Contains(cfg.Service.Pipelines["metrics"]["receivers"], "prometheus") {
		t.Error("the metrics pipeline does not receive the Prometheus scrapes")
	}
}

func checkHealthcheck(t *testing.T, s types.ServiceConfig) {
	t.Helper()
	if s.HealthCheck == nil || s.HealthCheck.Disable || len(s.HealthCheck.Test) < 2 {
		t.Fatalf("%s has no healthcheck", s.Name)
	}
	if s.HealthCheck.Interval == nil || s.HealthCheck.Timeout == nil || s.HealthCheck.Retries == nil {
		t.Errorf("%s healthcheck: set interval, timeout and retries", s.Name)
	}
}

func hasVolume(s types.ServiceConfig, target string) bool {
	for _, v := range s.Volumes {
		if v.Target == target && v.Type == types.VolumeTypeVolume && v.Source != "" {
			return true
		}
	}
	return false
}

func mustAbs(t *testing.T, path string) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}
