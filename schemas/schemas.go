// Package schemas holds the published schemas of arxport's own output formats,
// embedded so that tests, the API and the CLI serve the same bytes as the files.
//
//   - arxport-export.schema.json: JSON Schema (draft 2020-12) of the json format.
//   - arxport-export.xsd: XML Schema 1.0 of the xml format (namespace urn:arxport:export:1).
package schemas

import _ "embed"

// ExportJSON is the JSON Schema of the json format's document.
//
//go:embed arxport-export.schema.json
var ExportJSON []byte

// ExportXSD is the XML Schema of the xml format's document.
//
//go:embed arxport-export.xsd
var ExportXSD []byte

// Names of the schema files, as published beside this package.
const (
	ExportJSONName = "arxport-export.schema.json"
	ExportXSDName  = "arxport-export.xsd"
)
