package ifc

import "crypto/sha1"

// guidNamespace is the UUID namespace of arxport's IFC GlobalIds (a random
// UUID fixed once; changing it would change every GlobalId).
var guidNamespace = [16]byte{0x6b, 0x1e, 0x2c, 0x55, 0x3a, 0x90, 0x4d, 0x21, 0x9e, 0x0f, 0x71, 0xc4, 0x58, 0x2d, 0xa3, 0x17}

const guidAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$"

// GlobalID returns the IFC GlobalId of an item of a building: the name-based
// UUID (version 5, SHA-1) of building id, role and item id, in the 22-character
// IFC base64 form. Role says which entity of the item it is ("element",
// "opening", "pset:Pset_WallCommon"...), so the same element keeps its GlobalId
// across exports and each entity derived from it gets its own.
func GlobalID(building, role, id string) string {
	var dst [22]byte
	return string(appendGlobalID(dst[:0], building, role, id))
}

func appendGlobalID(dst []byte, building, role, id string) []byte {
	h := sha1.New()
	h.Write(guidNamespace[:])
	h.Write([]byte(building))
	h.Write([]byte{0})
	h.Write([]byte(role))
	h.Write([]byte{0})
	h.Write([]byte(id))
	var sum [sha1.Size]byte
	h.Sum(sum[:0])
	u := sum[:16]
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return appendCompressed(dst, u)
}

// appendCompressed writes 128 bits as IFC base64: the first character holds
// the top 2 bits (so it is 0-3), each of the other 21 the next 6.
func appendCompressed(dst []byte, u []byte) []byte {
	hi := uint64(u[0])<<56 | uint64(u[1])<<48 | uint64(u[2])<<40 | uint64(u[3])<<32 |
		uint64(u[4])<<24 | uint64(u[5])<<16 | uint64(u[6])<<8 | uint64(u[7])
	lo := uint64(u[8])<<56 | uint64(u[9])<<48 | uint64(u[10])<<40 | uint64(u[11])<<32 |
		uint64(u[12])<<24 | uint64(u[13])<<16 | uint64(u[14])<<8 | uint64(u[15])
	var out [22]byte
	for i := 21; i >= 0; i-- {
		out[i] = guidAlphabet[lo&63]
		lo = lo>>6 | hi<<58
		hi >>= 6
	}
	return append(dst, out[:]...)
}
