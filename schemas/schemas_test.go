package schemas_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/arxos/arxport/schemas"
)

// The embedded bytes are the published files.
func TestEmbedded(t *testing.T) {
	for name, b := range map[string][]byte{schemas.ExportJSONName: schemas.ExportJSON, schemas.ExportXSDName: schemas.ExportXSD} {
		file, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(file, b) {
			t.Errorf("%s: embedded copy differs", name)
		}
	}
}

func TestJSONSchemaCompiles(t *testing.T) {
	var raw map[string]any
	if err := json.Unmarshal(schemas.ExportJSON, &raw); err != nil {
		t.Fatal(err)
	}
	if raw["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema %v", raw["$schema"])
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemas.ExportJSON))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertVocabs()
	if err := c.AddResource(schemas.ExportJSONName, doc); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Compile(schemas.ExportJSONName); err != nil {
		t.Fatal(err)
	}
}

func TestXSDWellFormed(t *testing.T) {
	d := xml.NewDecoder(bytes.NewReader(schemas.ExportXSD))
	var root *xml.StartElement
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == nil {
			root = &se
		}
	}
	if root == nil || root.Name.Local != "schema" || root.Name.Space != "http://www.w3.org/2001/XMLSchema" {
		t.Fatalf("root %v", root)
	}
	for _, a := range root.Attr {
		if a.Name.Local == "targetNamespace" && a.Value != "urn:arxport:export:1" {
			t.Errorf("targetNamespace %q", a.Value)
		}
	}
}
