// Package conformance holds the tests that export real models through every
// registered format and hand the files to the independent readers of
// ../shared/FORMATS.md (test/readers). It has no code of its own.
package conformance
