package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	storagedriver "github.com/distribution/distribution/v3/registry/storage/driver"
	"github.com/distribution/distribution/v3/registry/storage/driver/factory"
	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlift-cli/airlift/pkg/layout"
	"github.com/airlift-cli/airlift/pkg/reference"
)

// driverName is the storage driver that serves archives.
const driverName = "airlift-archive"

// archives holds the drivers made for running servers, by id: the
// distribution app makes its driver from its configuration, by name.
var (
	archivesMu sync.Mutex
	archives   = map[string]*archiveDriver{}
	archiveSeq int
)

func init() { factory.Register(driverName, archiveFactory{}) }

type archiveFactory struct{}

func (archiveFactory) Create(_ context.Context, params map[string]any) (storagedriver.StorageDriver, error) {
	id, _ := params["id"].(string)
	archivesMu.Lock()
	defer archivesMu.Unlock()
	d, ok := archives[id]
	if !ok {
		return nil, fmt.Errorf("%s: no archive %q", driverName, id)
	}
	return d, nil
}

const root = "/docker/registry/v2"

// vfile is a file of the virtual tree: small content, or a blob of the
// archive.
type vfile struct {
	data []byte
	blob *ocispec.Descriptor
}

// archiveDriver is a read-only storage driver presenting an archive's
// layout in distribution's storage layout.
type archiveDriver struct {
	l     *layout.Layout
	files map[string]vfile
	dirs  map[string][]string // directory -> its entries' full paths, sorted
	extra map[digest.Digest][]byte
}

// newArchiveDriver builds the tree of l.
func newArchiveDriver(ctx context.Context, l *layout.Layout) (*archiveDriver, error) {
	d := &archiveDriver{l: l, files: map[string]vfile{}, dirs: map[string][]string{}, extra: map[digest.Digest][]byte{}}
	repo := l.Repository("", nil)
	tags := map[string]map[string]bool{} // repository -> its tags
	for _, e := range l.Entries() {
		name, tag, _ := split(e.Name)
		if tags[name] == nil {
			tags[name] = map[string]bool{}
		}
		if tag != "" {
			tags[name][tag] = true
		}
	}
	for _, e := range l.Entries() {
		name, tag, _ := split(e.Name)
		top := ocispec.Descriptor{MediaType: e.Descriptor.MediaType, Digest: e.Descriptor.Digest, Size: e.Descriptor.Size}
		if err := d.link(ctx, repo, name, top, 0); err != nil {
			return nil, fmt.Errorf("serving %s: %w", e.Name, err)
		}
		if tag != "" {
			d.tag(name, tag, top.Digest)
		}
		if err := d.referrersTag(ctx, repo, name, top, tags[name]); err != nil {
			return nil, err
		}
	}
	for dir := range d.dirs {
		slices.Sort(d.dirs[dir])
		d.dirs[dir] = slices.Compact(d.dirs[dir])
	}
	return d, nil
}

// split splits an entry name into the repository it is served as, its
// tag and digest. A source host's port is written with "_" (a colon may
// not be in a repository name), as the keep-host layout of a copy does:
// registry.lan:5000/team/app is served as registry.lan_5000/team/app.
func split(name string) (repo, tag, dgst string) {
	repo, tag, dgst = layout.SplitName(name)
	return reference.HostPath(repo), tag, dgst
}

// add puts a file into the tree.
func (d *archiveDriver) add(p string, f vfile) {
	if _, ok := d.files[p]; ok {
		return
	}
	d.files[p] = f
	for child, dir := p, path.Dir(p); ; child, dir = dir, path.Dir(dir) {
		_, existed := d.dirs[dir]
		d.dirs[dir] = append(d.dirs[dir], child)
		if existed || dir == "/" {
			return // the rest of the path is in the tree already
		}
	}
}

func blobData(dg digest.Digest) string {
	return path.Join(root, "blobs", dg.Algorithm().String(), dg.Encoded()[:2], dg.Encoded(), "data")
}

func digestLink(dg digest.Digest) []byte { return []byte(dg.String()) }

// link makes repository name hold desc and everything under it: manifests
// as revisions, other blobs as layers, and the referrers of manifests.
func (d *archiveDriver) link(ctx context.Context, repo *layout.Repo, name string, desc ocispec.Descriptor, depth int) error {
	if depth > 8 {
		return errors.New("the manifest tree is too deep")
	}
	dc := desc
	d.add(blobData(desc.Digest), vfile{blob: &dc})
	if !layout.IsManifest(desc.MediaType) {
		d.add(path.Join(root, "repositories", name, "_layers", desc.Digest.Algorithm().String(), desc.Digest.Encoded(), "link"), vfile{data: digestLink(desc.Digest)})
		return nil
	}
	d.add(path.Join(root, "repositories", name, "_manifests", "revisions", desc.Digest.Algorithm().String(), desc.Digest.Encoded(), "link"), vfile{data: digestLink(desc.Digest)})
	body, err := readAll(ctx, repo, desc)
	if err != nil {
		return err
	}
	children, err := layout.Successors(body)
	if err != nil {
		return fmt.Errorf("manifest %s: %w", desc.Digest, err)
	}
	for _, c := range children {
		if err := d.link(ctx, repo, name, ocispec.Descriptor{MediaType: c.MediaType, Digest: c.Digest, Size: c.Size}, depth+1); err != nil {
			return err
		}
	}
	return repo.Referrers(ctx, desc, "", func(refs []ocispec.Descriptor) error {
		for _, r := range refs {
			if err := d.link(ctx, repo, name, ocispec.Descriptor{MediaType: r.MediaType, Digest: r.Digest, Size: r.Size}, depth+1); err != nil {
				return err
			}
		}
		return nil
	})
}

// tag makes tag of repository name point at dg.
func (d *archiveDriver) tag(name, tag string, dg digest.Digest) {
	base := path.Join(root, "repositories", name, "_manifests", "tags", tag)
	d.add(path.Join(base, "current", "link"), vfile{data: digestLink(dg)})
	d.add(path.Join(base, "index", dg.Algorithm().String(), dg.Encoded(), "link"), vfile{data: digestLink(dg)})
}

// referrersTag lists the referrers of each manifest of the tree under
// the referrers tag schema's tag, "sha256-<hex>", unless the archive has
// that tag already.
func (d *archiveDriver) referrersTag(ctx context.Context, repo *layout.Repo, name string, desc ocispec.Descriptor, tags map[string]bool) error {
	if !layout.IsManifest(desc.MediaType) {
		return nil
	}
	var refs []ocispec.Descriptor
	if err := repo.Referrers(ctx, desc, "", func(r []ocispec.Descriptor) error { refs = append(refs, r...); return nil }); err != nil {
		return err
	}
	tag := desc.Digest.Algorithm().String() + "-" + desc.Digest.Encoded()
	if len(refs) > 0 && !tags[tag] {
		idx, err := json.Marshal(ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex, Manifests: refs})
		if err != nil {
			return err
		}
		dg := digest.FromBytes(idx)
		d.extra[dg] = idx
		d.add(blobData(dg), vfile{data: idx})
		d.add(path.Join(root, "repositories", name, "_manifests", "revisions", dg.Algorithm().String(), dg.Encoded(), "link"), vfile{data: digestLink(dg)})
		d.tag(name, tag, dg)
		tags[tag] = true
	}
	body, err := readAll(ctx, repo, desc)
	if err != nil {
		return err
	}
	var m struct {
		Manifests []ocispec.Descriptor `json:"manifests"`
	}
	_ = json.Unmarshal(body, &m)
	for _, c := range m.Manifests {
		if err := d.referrersTag(ctx, repo, name, ocispec.Descriptor{MediaType: c.MediaType, Digest: c.Digest, Size: c.Size}, tags); err != nil {
			return err
		}
	}
	return nil
}

func readAll(ctx context.Context, repo *layout.Repo, d ocispec.Descriptor) ([]byte, error) {
	if d.Size > 4<<20 {
		return nil, fmt.Errorf("manifest %s of %d bytes is too large", d.Digest, d.Size)
	}
	rc, err := repo.Fetch(ctx, d)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func (d *archiveDriver) Name() string { return driverName }

func (d *archiveDriver) notFound(p string) error {
	return storagedriver.PathNotFoundError{Path: p, DriverName: driverName}
}

func (d *archiveDriver) GetContent(ctx context.Context, p string) ([]byte, error) {
	f, ok := d.files[p]
	if !ok {
		return nil, d.notFound(p)
	}
	if f.blob == nil {
		return f.data, nil
	}
	rc, err := d.l.Fetch(ctx, *f.blob) // checked against its digest
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func (d *archiveDriver) Reader(ctx context.Context, p string, offset int64) (io.ReadCloser, error) {
	f, ok := d.files[p]
	if !ok {
		return nil, d.notFound(p)
	}
	if f.blob == nil {
		if offset > int64(len(f.data)) {
			offset = int64(len(f.data))
		}
		return io.NopCloser(bytes.NewReader(f.data[offset:])), nil
	}
	// Blobs are served as they are in the archive, as a registry serves
	// them from its storage: the client checks each against its digest
	// (hashing here too cost a fifth of a pull's throughput on two cores).
	// `airlift inspect --verify` checks a whole archive.
	s, err := d.l.Section(f.blob.Digest)
	if err != nil {
		return nil, err
	}
	if offset > s.Size() {
		offset = s.Size()
	}
	return io.NopCloser(io.NewSectionReader(s, offset, s.Size()-offset)), nil
}

func (d *archiveDriver) Stat(_ context.Context, p string) (storagedriver.FileInfo, error) {
	if f, ok := d.files[p]; ok {
		size := int64(len(f.data))
		if f.blob != nil {
			size = f.blob.Size
		}
		return storagedriver.FileInfoInternal{FileInfoFields: storagedriver.FileInfoFields{Path: p, Size: size, ModTime: time.Unix(0, 0)}}, nil
	}
	if _, ok := d.dirs[p]; ok {
		return storagedriver.FileInfoInternal{FileInfoFields: storagedriver.FileInfoFields{Path: p, IsDir: true, ModTime: time.Unix(0, 0)}}, nil
	}
	return nil, d.notFound(p)
}

func (d *archiveDriver) List(_ context.Context, p string) ([]string, error) {
	if p != "/" {
		p = strings.TrimSuffix(p, "/")
	}
	children, ok := d.dirs[p]
	if !ok {
		return nil, d.notFound(p)
	}
	return slices.Clone(children), nil
}

func (d *archiveDriver) Walk(ctx context.Context, p string, f storagedriver.WalkFn, options ...func(*storagedriver.WalkOptions)) error {
	return storagedriver.WalkFallback(ctx, d, p, f, options...)
}

var errReadOnly = errors.New("the archive is served read-only")

func (d *archiveDriver) PutContent(context.Context, string, []byte) error { return errReadOnly }
func (d *archiveDriver) Writer(context.Context, string, bool) (storagedriver.FileWriter, error) {
	return nil, errReadOnly
}
func (d *archiveDriver) Move(context.Context, string, string) error { return errReadOnly }
func (d *archiveDriver) Delete(context.Context, string) error       { return errReadOnly }
func (d *archiveDriver) RedirectURL(*http.Request, string) (string, error) {
	return "", nil
}
