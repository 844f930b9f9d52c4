# syntax=docker/dockerfile:1
#
# One image for every role of the export service (README, "Deployment"):
#   arxport-api, arxport-worker, arxport-scheduler  the service (docker-compose.yml picks one)
#   arxport                                         the CLI (export, validate, submit, dev, ...)
#   arxport-healthcheck                             the containers' healthcheck (no shell here)
#
#   docker build -t arxport .
#   docker run --rm arxport arxport-api --help

# ---- build ------------------------------------------------------------------
FROM golang:1.26-bookworm AS build
# The PDF writer's fallback font for characters DejaVu lacks (CJK...): the
# Debian file the tests use, copied into the runtime image below.
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends fonts-droid-fallback \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-trimpath
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    mkdir -p /out \
 && go build -ldflags='-s -w' -o /out/arxport-api ./cmd/api \
 && go build -ldflags='-s -w' -o /out/arxport-worker ./cmd/worker \
 && go build -ldflags='-s -w' -o /out/arxport-scheduler ./cmd/scheduler \
 && go build -ldflags='-s -w' -o /out/arxport ./cmd/arxport \
 && go build -ldflags='-s -w' -o /out/arxport-healthcheck ./cmd/healthcheck

# ---- run --------------------------------------------------------------------
# distroless static: CA certificates, tzdata, /etc/passwd with the nonroot user
# (65532), a world-writable /tmp, and no shell or package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf /usr/share/fonts/truetype/droid/
COPY --from=build /out/ /usr/local/bin/
USER 65532:65532
WORKDIR /home/nonroot
# Conversions spool models and files under /tmp (ARXPORT_TEMP_DIR to move them).
ENV TMPDIR=/tmp
EXPOSE 8080 9090
CMD ["arxport-api"]
