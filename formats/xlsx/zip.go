package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"sort"
	"time"

	"github.com/arxos/arxport/processors"
)

// sortedZip is the excelize.ZipWriter the workbook is saved through. excelize
// writes the parts of streamed sheets in map order, which changes from run to
// run, and it builds the whole file in memory before handing it over. sortedZip
// fixes both: it keeps each part (on disk once it grows past memLimit) and on
// Close writes them to out in a fixed order, each with the job's time, so the
// same model gives the same bytes and memory does not grow with the sheets.
type sortedZip struct {
	out     io.Writer
	time    time.Time
	tempDir string
	parts   []*part
	// replace holds parts written instead of what excelize gives.
	replace map[string][]byte
}

// memLimit is how much of a part is kept in memory before it moves to a spool file.
const memLimit = 1 << 20

type part struct {
	z    *sortedZip
	name string
	mem  bytes.Buffer
	sp   *processors.Spool
}

func newSortedZip(out io.Writer, t time.Time, tempDir string) *sortedZip {
	return &sortedZip{out: out, time: t.UTC(), tempDir: tempDir, replace: map[string][]byte{}}
}

// Create implements excelize.ZipWriter.
func (z *sortedZip) Create(name string) (io.Writer, error) {
	p := &part{z: z, name: name}
	z.parts = append(z.parts, p)
	return p, nil
}

func (p *part) Write(b []byte) (int, error) {
	if p.sp == nil && p.mem.Len()+len(b) > memLimit {
		sp, err := processors.NewSpool(p.z.tempDir)
		if err != nil {
			return 0, err
		}
		p.sp = sp
		if _, err := p.mem.WriteTo(sp); err != nil {
			return 0, err
		}
	}
	if p.sp != nil {
		return p.sp.Write(b)
	}
	return p.mem.Write(b)
}

// AddFS implements excelize.ZipWriter; excelize does not use it when saving.
func (z *sortedZip) AddFS(fs.FS) error {
	return errors.New("xlsx: AddFS is not supported")
}

// Close writes the zip: [Content_Types].xml first, as Office writes it, then
// every other part by name.
func (z *sortedZip) Close() error {
	sort.SliceStable(z.parts, func(i, j int) bool {
		a, b := z.parts[i].name, z.parts[j].name
		if (a == "[Content_Types].xml") != (b == "[Content_Types].xml") {
			return a == "[Content_Types].xml"
		}
		return a < b
	})
	zw := zip.NewWriter(z.out)
	for _, p := range z.parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: z.time})
		if err != nil {
			return err
		}
		if b, ok := z.replace[p.name]; ok {
			_, err = w.Write(b)
		} else if p.sp != nil {
			_, err = p.sp.WriteTo(w)
		} else {
			_, err = p.mem.WriteTo(w)
		}
		if err != nil {
			return err
		}
	}
	return zw.Close()
}

// cleanup releases the spool files.
func (z *sortedZip) cleanup() {
	for _, p := range z.parts {
		if p.sp != nil {
			p.sp.Close()
		}
	}
}
