// Package deploy holds what the export service's deployment needs beside
// ../docker-compose.yml and ../Dockerfile: the OpenTelemetry collector's
// configuration (otel-collector.yaml), and the tests that hold the compose
// file to the binaries. The stack itself cannot be started where it was
// written (a docker client, no engine), so it is checked three ways:
// `docker-compose config -q` (scripts/test.sh), the compose file loaded
// through compose-go with the services, healthchecks and environment the
// binaries expect (compose_test.go), and the real api, worker and scheduler
// binaries started with the compose file's own environment, only the
// addresses of Redis, Postgres, S3 and the listeners swapped for test ones
// (binaries_test.go).
package deploy
