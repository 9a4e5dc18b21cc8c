package catalog_test

import (
	"fmt"

	"github.com/airlift-cli/airlift/pkg/catalog"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// Lookup finds the release of an operator image and the images that
// release pulls by default, each citing the operator's source.
func ExampleCatalog_Lookup() {
	m, ok := catalog.Default().Lookup(reference.MustParse("ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0"))
	if !ok || m.Release == nil {
		return
	}
	for _, img := range m.Release.Images {
		ref, _ := img.Reference(m.Tag)
		fmt.Println(ref, "-", img.Use)
	}
	fmt.Println(m.Release.Source.URL())
	// Output:
	// ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie - PostgreSQL of a Cluster without spec.imageName or spec.imageCatalogRef
	// ghcr.io/cloudnative-pg/pgbouncer:1.25.1 - PgBouncer of a Pooler without an image in spec.template
	// ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0 - bootstrap init container of every PostgreSQL pod
	// https://github.com/cloudnative-pg/cloudnative-pg/blob/v1.30.0/pkg/versions/versions.go
}
