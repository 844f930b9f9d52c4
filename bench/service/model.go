package main

import (
	"encoding/json"

	"github.com/arxos/arxport/exports"
)

// tinyModel is the model every benchmark job carries inline: one floor, one
// room, four walls, a door, a window, a slab and a thermostat (MODEL.md).
const tinyModel = `{
  "schema": "arxos.building/v1",
  "id": "BENCH-0001",
  "name": "Bench Kiosk",
  "units": "m",
  "floors": [
    {"id": "L1", "name": "Ground", "level": 0, "elevation": 0, "height": 3.5,
     "rooms": [
       {"id": "R1", "name": "Kiosk", "type": "office", "boundary": [[0,0],[6,0],[6,4],[0,4]], "height": 3.0}
     ],
     "elements": [
       {"id": "W-S", "type": "wall", "material": "concrete", "geometry": {"kind": "line", "start": [0,0], "end": [6,0], "thickness": 0.2, "height": 3.5}},
       {"id": "W-E", "type": "wall", "material": "concrete", "geometry": {"kind": "line", "start": [6,0], "end": [6,4], "thickness": 0.2, "height": 3.5}},
       {"id": "W-N", "type": "wall", "material": "concrete", "geometry": {"kind": "line", "start": [6,4], "end": [0,4], "thickness": 0.2, "height": 3.5}},
       {"id": "W-W", "type": "wall", "material": "concrete", "geometry": {"kind": "line", "start": [0,4], "end": [0,0], "thickness": 0.2, "height": 3.5}},
       {"id": "D-1", "type": "door", "host": "W-S", "geometry": {"kind": "opening", "offset": 2.5, "width": 1.0, "height": 2.1}},
       {"id": "WIN-1", "type": "window", "host": "W-N", "geometry": {"kind": "opening", "offset": 2.0, "width": 1.5, "height": 1.2, "sill": 0.9}},
       {"id": "S-1", "type": "slab", "geometry": {"kind": "extrusion", "profile": [[0,0],[6,0],[6,4],[0,4]], "base": -0.2, "height": 0.2}},
       {"id": "T-1", "type": "equipment", "system": "hvac", "room": "R1", "status": "operational", "name": "Thermostat",
        "geometry": {"kind": "box", "position": [1,1,1.5], "size": [0.1,0.1,0.1], "rotation": 0},
        "properties": {"manufacturer": "Acme", "setpoint_c": 21}}
     ]}
  ]
}`

// request is the job every benchmark submits: the tiny model to csv.
func request() exports.Request {
	return exports.Request{Model: json.RawMessage(tinyModel), Formats: []exports.FormatRequest{{Format: "csv"}}}
}
