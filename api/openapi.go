package api

import (
	_ "embed"
	"net/http"
)

// OpenAPI is the API's description, served at /openapi.yaml; a test holds it to
// what the server does.
//
//go:embed openapi.yaml
var OpenAPI []byte

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.Write(OpenAPI)
}
