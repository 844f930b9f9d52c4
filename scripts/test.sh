#!/usr/bin/env bash
# The test suite: formatting, vet, race-enabled tests (including the conformance
# tests that run the independent readers of FORMATS.md), then a short run of
# every fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME="${FUZZTIME:-10s}"

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './test/readers/node_modules/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
# The compose file as Docker Compose reads it (Debian's docker-compose; there is
# no engine here: deploy/ tests the rest).
docker-compose -f docker-compose.yml config -q
go test -race -count=1 -timeout 25m ./...

# Each fuzz target runs on its own for FUZZTIME.
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "fuzz $pkg $target ($FUZZTIME)"
    for try in 1 2 3; do
      # Minimising new inputs is bounded, so that it cannot hold the engine
      # past its time.
      if go test -run='^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" -fuzzminimizetime=10x "$pkg" > /tmp/arxport-fuzz.log 2>&1; then
        break
      fi
      cat /tmp/arxport-fuzz.log
      # A finding always leaves its input under testdata/fuzz: that fails.
      # "context deadline exceeded" with no input is the fuzzing engine
      # itself, when a worker is busy as the time runs out (seen here on a
      # loaded machine): that target runs again, up to three times.
      if grep -q "Failing input written to" /tmp/arxport-fuzz.log ||
        ! grep -q "context deadline exceeded" /tmp/arxport-fuzz.log || [ "$try" = 3 ]; then
        exit 1
      fi
      echo "fuzz $pkg $target: the engine timed out without a failing input; running it once more"
    done
  done
done
echo "fuzzing: every target ran for $FUZZTIME without a failure"
