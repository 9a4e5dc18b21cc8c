// Package depsanchor is a temporary anchor that keeps the modules chosen for
// the copy engine in go.mod while the packages that use them are written. It
// is removed once pkg/registry and pkg/mirror import them.
package depsanchor

import (
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/service/ecr"
	_ "github.com/distribution/distribution/v3/registry/handlers"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
	_ "github.com/vbauerster/mpb/v8"
	_ "oras.land/oras-go/v2"
	_ "oras.land/oras-go/v2/content/oci"
	_ "oras.land/oras-go/v2/registry/remote"
	_ "oras.land/oras-go/v2/registry/remote/credentials"
	_ "oras.land/oras-go/v2/registry/remote/retry"
)
