package e2e

import (
	"net/http"
	"testing"

	"github.com/arxos/arxport/api/apitest"
)

// validating checks every answer against api/openapi.yaml.
func validating(t *testing.T, next http.RoundTripper) http.RoundTripper {
	return apitest.New(t).Transport(t, next)
}
