// etcd for the real-cluster test tier, at the version the Kubernetes module itself requires.
package main

import (
	"os"
	"strings"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	// kube-api-test asks etcd to listen on 0.0.0.0; the tests need it on loopback only.
	args := make([]string, len(os.Args))
	for i, arg := range os.Args {
		args[i] = strings.ReplaceAll(arg, "0.0.0.0", "127.0.0.1")
	}
	etcdmain.Main(args)
}
