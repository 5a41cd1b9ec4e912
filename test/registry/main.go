// The OCI registry of the release test (build.sh): CNCF Distribution's own server and command line, with only the
// filesystem storage driver registered (the cloud drivers of its cmd/registry would triple the build).
package main

import (
	"os"

	"github.com/distribution/distribution/v3/registry"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
)

func main() {
	if err := registry.RootCmd.Execute(); err != nil {
		os.Exit(1)
	}
}
