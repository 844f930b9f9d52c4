// Package all registers every output format: import it for its side effect.
package all

import (
	_ "github.com/arxos/arxport/formats/asciibim"
	_ "github.com/arxos/arxport/formats/csv"
	_ "github.com/arxos/arxport/formats/dxf"
	_ "github.com/arxos/arxport/formats/geojson"
	_ "github.com/arxos/arxport/formats/gltf"
	_ "github.com/arxos/arxport/formats/ifc"
	_ "github.com/arxos/arxport/formats/iges"
	_ "github.com/arxos/arxport/formats/json"
	_ "github.com/arxos/arxport/formats/parquet"
	_ "github.com/arxos/arxport/formats/pdf"
	_ "github.com/arxos/arxport/formats/step"
	_ "github.com/arxos/arxport/formats/xlsx"
	_ "github.com/arxos/arxport/formats/xml"
)
