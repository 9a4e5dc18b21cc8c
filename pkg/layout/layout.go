package layout

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/content/oci"
	"oras.land/oras-go/v2/errdef"

	"github.com/airlift-cli/airlift/internal/atomicfile"
)

// Annotations airlift writes on the tagged entries of index.json.
const (
	// AnnotationSource is the reference the image was copied from.
	AnnotationSource = "io.airlift.source"
	// AnnotationContainerdName is containerd's image name annotation: its
	// import names images by it.
	AnnotationContainerdName = "io.containerd.image.name"
)

// store is what a Layout reads and writes through: an oras-go OCI store,
// writable (a directory) or read-only (an archive).
type store interface {
	content.ReadOnlyStorage
	Resolve(ctx context.Context, reference string) (ocispec.Descriptor, error)
	Predecessors(ctx context.Context, node ocispec.Descriptor) ([]ocispec.Descriptor, error)
}

// Layout is an OCI image layout holding the images of many repositories.
// It is safe for concurrent use.
type Layout struct {
	dir     string     // the directory of a writable layout
	rw      *oci.Store // nil for an archive
	st      store
	archive *archive // nil for a directory

	mu       sync.Mutex
	tagged   map[string]ocispec.Descriptor // ref name -> entry of index.json
	subjects map[digest.Digest]ocispec.Descriptor
}

// OpenDir opens the layout in directory dir, creating it when missing.
// What an interrupted write left there (blobs, index.json) is kept: a
// copy into it sends only what is missing.
func OpenDir(ctx context.Context, dir string) (*Layout, error) {
	s, err := oci.NewWithContext(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("opening OCI layout %s: %w", dir, err)
	}
	s.AutoSaveIndex = false
	s.AutoGC = false
	l := &Layout{dir: dir, rw: s, st: s}
	if err := l.readIndex(os.DirFS(dir)); err != nil {
		return nil, err
	}
	return l, nil
}

// OpenArchive opens an OCI layout in a tar archive, read in place; parts
// are the files of an archive split in numbered parts, in order. The
// archive is not extracted; Close closes it.
func OpenArchive(ctx context.Context, parts ...string) (*Layout, error) {
	a, err := openArchive(parts)
	if err != nil {
		return nil, err
	}
	for _, need := range []string{ocispec.ImageLayoutFile, ocispec.ImageIndexFile} {
		if _, ok := a.entries[need]; !ok {
			a.Close()
			return nil, fmt.Errorf("%w: %s has no %s: not an OCI layout", ErrBadArchive, parts[0], need)
		}
	}
	l := &Layout{archive: a}
	if err := l.readIndex(fsys{a}); err != nil {
		a.Close()
		return nil, err
	}
	if err := l.checkIndexBlobs(); err != nil {
		a.Close()
		return nil, err
	}
	s, err := oci.NewFromFS(ctx, fsys{a})
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrBadArchive, parts[0], err)
	}
	l.st = s
	return l, nil
}

// Close releases an archive's files.
func (l *Layout) Close() error {
	if l.archive != nil {
		return l.archive.Close()
	}
	return nil
}

// readIndex reads the tagged entries of index.json (and the subjects of
// its untagged ones).
func (l *Layout) readIndex(f fs.FS) error {
	l.tagged = map[string]ocispec.Descriptor{}
	l.subjects = map[digest.Digest]ocispec.Descriptor{}
	data, err := fs.ReadFile(f, ocispec.ImageIndexFile)
	if err != nil {
		return fmt.Errorf("reading index.json: %w", err)
	}
	var idx ocispec.Index
	if err := json.Unmarshal(data, &idx); err != nil {
		return fmt.Errorf("%w: index.json: %w", ErrBadArchive, err)
	}
	for _, d := range idx.Manifests {
		if err := d.Digest.Validate(); err != nil {
			return fmt.Errorf("%w: index.json: entry %q: %w", ErrBadArchive, d.Digest, err)
		}
		if ref := d.Annotations[ocispec.AnnotationRefName]; ref != "" {
			l.tagged[ref] = d
		} else {
			l.subjects[d.Digest] = d
		}
	}
	return nil
}

// checkIndexBlobs makes sure every manifest index.json names is in the
// archive, before anything is read from it.
func (l *Layout) checkIndexBlobs() error {
	for _, list := range []map[string]ocispec.Descriptor{l.tagged, digestKeyed(l.subjects)} {
		for name, d := range list {
			e, ok := l.archive.entries[blobPath(d.Digest)]
			switch {
			case !ok:
				return fmt.Errorf("%w: index.json names %s (%s), which is not in the archive", ErrBadArchive, d.Digest, name)
			case e.size != d.Size:
				return fmt.Errorf("%w: %s is %d bytes in the archive, index.json says %d", ErrBadArchive, blobPath(d.Digest), e.size, d.Size)
			}
		}
	}
	return nil
}

func digestKeyed(m map[digest.Digest]ocispec.Descriptor) map[string]ocispec.Descriptor {
	out := make(map[string]ocispec.Descriptor, len(m))
	for k, v := range m {
		out[k.String()] = v
	}
	return out
}

// blobPath is where a blob lives in a layout.
func blobPath(d digest.Digest) string {
	return path.Join(ocispec.ImageBlobsDir, d.Algorithm().String(), d.Encoded())
}

// Entry is a tagged entry of the layout.
type Entry struct {
	// Name is the full reference name: REPOSITORY:TAG.
	Name string
	// Source is the reference the image was copied from, if recorded.
	Source string
	// Descriptor is what the tag points to, with its annotations.
	Descriptor ocispec.Descriptor
}

// Entries lists the tagged images, sorted by name.
func (l *Layout) Entries() []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Entry, 0, len(l.tagged))
	for name, d := range l.tagged {
		out = append(out, Entry{Name: name, Source: d.Annotations[AnnotationSource], Descriptor: d})
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Fetch reads content by descriptor: from an archive, checked against its
// digest as it is read.
func (l *Layout) Fetch(ctx context.Context, d ocispec.Descriptor) (io.ReadCloser, error) {
	if l.archive != nil {
		if _, ok := l.archive.entries[blobPath(d.Digest)]; !ok {
			return nil, fmt.Errorf("blob %s is not in the archive %s: %w", d.Digest, l.archive.parts[0].name, errdef.ErrNotFound)
		}
	}
	rc, err := l.st.Fetch(ctx, d)
	if err != nil || l.archive == nil {
		return rc, err
	}
	e := l.archive.entries[blobPath(d.Digest)]
	if e.size != d.Size {
		rc.Close()
		return nil, fmt.Errorf("%w: %s: entry %s is %d bytes, want %d", ErrBadArchive, l.archive.partName(e.offset), e.name, e.size, d.Size)
	}
	return &verifier{rc: rc, d: d, h: d.Digest.Algorithm().Hash(), where: func() string {
		return fmt.Sprintf("%s: entry %s", l.archive.partName(e.offset), e.name)
	}}, nil
}

// verifier checks what is read against a digest when the end is reached.
type verifier struct {
	rc io.ReadCloser
	d  ocispec.Descriptor
	h  interface {
		io.Writer
		Sum([]byte) []byte
	}
	n     int64
	where func() string
}

func (v *verifier) Read(b []byte) (int, error) {
	n, err := v.rc.Read(b)
	v.h.Write(b[:n])
	v.n += int64(n)
	if errors.Is(err, io.EOF) || v.n == v.d.Size && err == nil {
		if got := digest.NewDigestFromBytes(v.d.Digest.Algorithm(), v.h.Sum(nil)); v.n != v.d.Size || got != v.d.Digest {
			return n, fmt.Errorf("%w: %s: blob %s is corrupted (its content has digest %s)", ErrBadArchive, v.where(), v.d.Digest, got)
		}
	}
	return n, err
}

func (v *verifier) Close() error { return v.rc.Close() }

// Save writes index.json (a writable layout only): the tagged entries
// sorted by name, then the manifests with a subject sorted by digest;
// atomically, so that an interrupted write leaves the previous one.
func (l *Layout) Save() error {
	if l.rw == nil {
		return errors.New("the layout is read-only")
	}
	l.mu.Lock()
	idx := ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex, Manifests: []ocispec.Descriptor{}}
	names := make([]string, 0, len(l.tagged))
	for n := range l.tagged {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		idx.Manifests = append(idx.Manifests, l.tagged[n])
	}
	subjects := make([]digest.Digest, 0, len(l.subjects))
	for d := range l.subjects {
		subjects = append(subjects, d)
	}
	slices.Sort(subjects)
	for _, d := range subjects {
		idx.Manifests = append(idx.Manifests, l.subjects[d])
	}
	l.mu.Unlock()
	data, err := json.Marshal(idx)
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(l.dir, ocispec.ImageIndexFile), data, 0o644)
}

// Tag records name (REPOSITORY:TAG) for d in index.json, with extra
// annotations (AnnotationSource: the reference it was copied from). A
// name tagged again keeps the annotations it had for the same digest.
func (l *Layout) Tag(ctx context.Context, d ocispec.Descriptor, name string, annotations map[string]string) error {
	if l.rw == nil {
		return fmt.Errorf("tagging %s: %w", name, errdef.ErrUnsupported)
	}
	if err := l.rw.Tag(ctx, d, name); err != nil {
		return err
	}
	e := ocispec.Descriptor{MediaType: d.MediaType, ArtifactType: d.ArtifactType, Digest: d.Digest, Size: d.Size, Platform: d.Platform,
		Annotations: map[string]string{}}
	l.mu.Lock()
	defer l.mu.Unlock()
	if old, ok := l.tagged[name]; ok && old.Digest == d.Digest {
		maps.Copy(e.Annotations, old.Annotations)
	}
	for k, v := range annotations {
		if v != "" {
			e.Annotations[k] = v
		}
	}
	e.Annotations[ocispec.AnnotationRefName] = name
	e.Annotations[AnnotationContainerdName] = name
	l.tagged[name] = e
	return nil
}

// push stores content; a manifest with a subject is remembered for
// index.json.
func (l *Layout) push(ctx context.Context, d ocispec.Descriptor, r io.Reader) error {
	if l.rw == nil {
		return fmt.Errorf("pushing %s: %w", d.Digest, errdef.ErrUnsupported)
	}
	if !IsManifest(d.MediaType) {
		err := l.rw.Push(ctx, d, r)
		if errors.Is(err, errdef.ErrAlreadyExists) {
			return nil
		}
		return err
	}
	body, err := content.ReadAll(r, d)
	if err != nil {
		return err
	}
	if err := l.rw.Push(ctx, d, bytes.NewReader(body)); err != nil && !errors.Is(err, errdef.ErrAlreadyExists) {
		return err
	}
	var m struct {
		ArtifactType string              `json:"artifactType"`
		Config       ocispec.Descriptor  `json:"config"`
		Subject      *ocispec.Descriptor `json:"subject"`
	}
	if json.Unmarshal(body, &m) == nil && m.Subject != nil {
		at := m.ArtifactType
		if at == "" {
			at = m.Config.MediaType
		}
		l.mu.Lock()
		l.subjects[d.Digest] = ocispec.Descriptor{MediaType: d.MediaType, ArtifactType: at, Digest: d.Digest, Size: d.Size}
		l.mu.Unlock()
	}
	return nil
}

// HasBlob reports whether an archive holds the blob d (manifests
// included); a directory is asked through its store.
func (l *Layout) HasBlob(ctx context.Context, d digest.Digest) bool {
	if l.archive != nil {
		_, ok := l.archive.entries[blobPath(d)]
		return ok
	}
	ok, _ := l.st.Exists(ctx, ocispec.Descriptor{Digest: d})
	return ok
}

// Import copies everything src holds that is reachable from its
// index.json, and its tags, into l (a directory): an archive carried
// before becomes the start of its update. Blobs l has already are not
// copied again; with manifestsOnly, no blob but the manifests is (a pack
// copies the others from src straight into its new archive).
func (l *Layout) Import(ctx context.Context, src *Layout, manifestsOnly bool) error {
	reach, err := src.Reachable(ctx)
	if err != nil {
		return err
	}
	for _, d := range reach {
		if manifestsOnly && !IsManifest(d.MediaType) {
			continue
		}
		if ok, _ := l.st.Exists(ctx, d); ok {
			continue
		}
		rc, err := src.Fetch(ctx, d)
		if err != nil {
			return err
		}
		err = l.push(ctx, d, rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("importing %s: %w", d.Digest, err)
		}
	}
	for _, e := range src.Entries() {
		if err := l.Tag(ctx, e.Descriptor, e.Name, e.Descriptor.Annotations); err != nil {
			return err
		}
	}
	src.mu.Lock()
	subjects := maps.Clone(src.subjects)
	src.mu.Unlock()
	l.mu.Lock()
	maps.Copy(l.subjects, subjects)
	l.mu.Unlock()
	return nil
}

// Section returns the bytes of blob d in an archive, for reads at any
// offset (an HTTP range). Unlike Fetch it does not check the digest: a
// part of a blob cannot be checked; whoever reads it whole checks it.
func (l *Layout) Section(d digest.Digest) (*io.SectionReader, error) {
	if l.archive == nil {
		return nil, errors.New("only an archive has sections")
	}
	e, ok := l.archive.entries[blobPath(d)]
	if !ok {
		return nil, fmt.Errorf("blob %s is not in the archive: %w", d, errdef.ErrNotFound)
	}
	return io.NewSectionReader(l.archive, e.offset, e.size), nil
}
