// etcd built from go.etcd.io/etcd/server/v3: the same entry point as the
// upstream etcd binary (the root module's main.go calls etcdmain.Main).
// See ../build.sh.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
