// Command api is the export service's api role (../shared/DESIGN.md). The service
// arrives with issue 3 (api, worker) and issue 6 (scheduler); until then this
// binary says so and exits, and `arxport export` converts models locally.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "arxport-api: the export service is not built yet; use `arxport export MODEL -f FORMATS -o DIR`")
	os.Exit(1)
}
