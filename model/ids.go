package model

import (
	"encoding/binary"
	"hash/maphash"
)

// elementIDs knows every element id read, with the element's key (its
// sequence number when kept, -1, -2... for those the filters leave out) and,
// for line walls, what openings need of the wall. A model may have millions of
// elements, so it holds no pointers and no string headers: the ids' bytes one
// after another in chunks, a dense slice of entries, and an open-addressing
// table of entry numbers. It takes about a third of the memory of maps keyed
// by id, and the garbage collector has nothing in it to scan.
type elementIDs struct {
	seed   maphash.Seed
	chunks [][]byte   // ids, each a uvarint length then its bytes; never moved
	ents   []idEntry  // in insertion order
	slots  []idSlot   // len is a power of two; an empty slot has entry 0
	walls  []wallLine // by idEntry.wall - 1
}

type idEntry struct {
	at   uint32 // chunk<<chunkBits | offset of the id in its chunk
	key  int32
	wall int32 // 1 + index in walls; 0 when not a line wall
}

// idSlot is an entry number plus one, and bits of the id's hash that spare
// most comparisons of a probe.
type idSlot struct {
	tag   uint32
	entry uint32
}

const chunkBits = 20 // 1 MiB chunks; an id is at most a few KiB

func newElementIDs() *elementIDs {
	return &elementIDs{seed: maphash.MakeSeed(), slots: make([]idSlot, 1024)}
}

// find returns the slot holding id, or the empty slot where it would go, and
// the tag id has in a slot.
func (x *elementIDs) find(id string) (*idSlot, uint32) {
	h := maphash.String(x.seed, id)
	tag, mask := uint32(h>>32), uint64(len(x.slots)-1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.entry == 0 || (s.tag == tag && string(x.id(s.entry-1)) == id) { // no copy for a comparison
			return s, tag
		}
	}
}

// id returns the bytes of entry e's id.
func (x *elementIDs) id(e uint32) []byte {
	at := x.ents[e].at
	c := x.chunks[at>>chunkBits][at&(1<<chunkBits-1):]
	n, k := binary.Uvarint(c)
	return c[k : k+int(n)]
}

// get returns the key of element id.
func (x *elementIDs) get(id string) (int, bool) {
	s, _ := x.find(id)
	if s.entry == 0 {
		return 0, false
	}
	return int(x.ents[s.entry-1].key), true
}

// add records a new element id with its key, and its wall when it is a line wall.
func (x *elementIDs) add(id string, key int, wall *wallLine) {
	if (len(x.ents)+1)*4 > len(x.slots)*3 {
		x.grow()
	}
	s, tag := x.find(id)
	if s.entry != 0 {
		panic("model: element id added twice: " + id) // the builder checks for duplicates first
	}
	e := idEntry{at: x.store(id), key: int32(key)}
	if wall != nil {
		x.walls = append(x.walls, *wall)
		e.wall = int32(len(x.walls))
	}
	x.ents = append(x.ents, e)
	*s = idSlot{tag: tag, entry: uint32(len(x.ents))}
}

// wall returns what openings need of line wall id.
func (x *elementIDs) wall(id string) (wallLine, bool) {
	s, _ := x.find(id)
	if s.entry == 0 || x.ents[s.entry-1].wall == 0 {
		return wallLine{}, false
	}
	return x.walls[x.ents[s.entry-1].wall-1], true
}

// store appends id's bytes to the last chunk, or to a new one when it is full.
func (x *elementIDs) store(id string) uint32 {
	need := binary.MaxVarintLen64 + len(id)
	last := len(x.chunks) - 1
	if last < 0 || len(x.chunks[last])+need > cap(x.chunks[last]) {
		x.chunks = append(x.chunks, make([]byte, 0, max(1<<chunkBits, need)))
		last++
	}
	c := x.chunks[last]
	at := uint32(last)<<chunkBits | uint32(len(c))
	c = binary.AppendUvarint(c, uint64(len(id)))
	x.chunks[last] = append(c, id...)
	return at
}

// grow doubles the table and puts every entry back.
func (x *elementIDs) grow() {
	x.slots = make([]idSlot, 2*len(x.slots))
	mask := uint64(len(x.slots) - 1)
	for e := range x.ents {
		h := maphash.Bytes(x.seed, x.id(uint32(e)))
		i := h & mask
		for x.slots[i].entry != 0 {
			i = (i + 1) & mask
		}
		x.slots[i] = idSlot{tag: uint32(h >> 32), entry: uint32(e + 1)}
	}
}
