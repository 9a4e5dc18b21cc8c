package blobindex

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/airlift-cli/airlift/internal/atomicfile"
)

// DefaultMaxEntries bounds the entries kept in the file (about 150 bytes
// each): the most recently seen win.
const DefaultMaxEntries = 200_000

// Index is a blob index read from a file. It is safe for concurrent use.
type Index struct {
	path string
	max  int

	loaded  chan struct{} // closed when the file has been read
	loadErr error

	mu      sync.Mutex
	entries map[key]entry
	dirty   bool
}

type key struct {
	registry string
	digest   digest.Digest
}

type entry struct {
	repository string
	seen       int64 // Unix seconds
}

// fileFormat is the file's content.
type fileFormat struct {
	Version int         `json:"version"`
	Blobs   []fileEntry `json:"blobs"`
}

type fileEntry struct {
	Registry   string        `json:"registry"`
	Digest     digest.Digest `json:"digest"`
	Repository string        `json:"repository"`
	Seen       int64         `json:"seen"`
}

// Open reads the index at path. A file that does not exist is an empty
// index; so is one that cannot be parsed, reported in the error alongside
// a usable (empty) index: a cache must not stop a copy.
func Open(path string) (*Index, error) {
	x := Load(path)
	return x, x.Err()
}

// Load returns the index at path at once and reads the file in the
// background (a large index takes milliseconds to parse, which a copy that
// finds every image present need not wait for): Lookup, Record and Save
// wait for it, Err returns what Open would have.
func Load(path string) *Index {
	x := &Index{path: path, max: DefaultMaxEntries, entries: map[key]entry{}, loaded: make(chan struct{})}
	go func() {
		defer close(x.loaded)
		m := map[key]entry{}
		x.loadErr = x.read(m)
		x.mu.Lock()
		defer x.mu.Unlock()
		for k, e := range m { // entries recorded meanwhile are newer
			if _, ok := x.entries[k]; !ok {
				x.entries[k] = e
			}
		}
	}()
	return x
}

// Err waits for the file to be read and returns why it could not be, or
// nil.
func (x *Index) Err() error {
	<-x.loaded
	return x.loadErr
}

// read merges the file's entries into m, newer wins.
func (x *Index) read(m map[key]entry) error {
	data, err := os.ReadFile(x.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the blob index: %w", err)
	}
	var f fileFormat
	if err := json.Unmarshal(data, &f); err != nil || f.Version != 1 {
		if err == nil {
			err = fmt.Errorf("version %d", f.Version)
		}
		return fmt.Errorf("blob index %s ignored: %w", x.path, err)
	}
	for _, e := range f.Blobs {
		if e.Registry == "" || e.Repository == "" || !validDigest(e.Digest) {
			continue
		}
		k := key{e.Registry, e.Digest}
		if old, ok := m[k]; !ok || old.seen < e.Seen {
			m[k] = entry{repository: e.Repository, seen: e.Seen}
		}
	}
	return nil
}

// Lookup returns a repository of registry that held d when last seen.
func (x *Index) Lookup(registry string, d digest.Digest) (string, bool) {
	<-x.loaded
	x.mu.Lock()
	defer x.mu.Unlock()
	e, ok := x.entries[key{registry, d}]
	return e.repository, ok
}

// Record notes that registry/repository holds d.
func (x *Index) Record(registry, repository string, d digest.Digest) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.entries[key{registry, d}] = entry{repository: repository, seen: time.Now().Unix()}
	x.dirty = true
}

// Save writes the index back, atomically, when something was recorded:
// merged with what the file holds now (another run may have saved since),
// the most recently seen entries kept up to the bound.
func (x *Index) Save() error {
	<-x.loaded
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.dirty {
		return nil
	}
	merged := map[key]entry{}
	_ = x.read(merged) // an unreadable file is replaced
	for k, e := range x.entries {
		if old, ok := merged[k]; !ok || old.seen <= e.seen {
			merged[k] = e
		}
	}
	f := fileFormat{Version: 1, Blobs: make([]fileEntry, 0, len(merged))}
	for k, e := range merged {
		f.Blobs = append(f.Blobs, fileEntry{Registry: k.registry, Digest: k.digest, Repository: e.repository, Seen: e.seen})
	}
	slices.SortFunc(f.Blobs, func(a, b fileEntry) int {
		return cmp.Or(cmp.Compare(b.Seen, a.Seen), cmp.Compare(a.Registry, b.Registry), cmp.Compare(a.Digest, b.Digest))
	})
	if len(f.Blobs) > x.max {
		f.Blobs = f.Blobs[:x.max]
	}
	data, err := json.Marshal(f)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(x.path), 0o755); err != nil {
		return fmt.Errorf("saving the blob index: %w", err)
	}
	if err := atomicfile.Write(x.path, data, 0o644); err != nil {
		return fmt.Errorf("saving the blob index: %w", err)
	}
	x.dirty = false
	return nil
}

// validDigest is digest.Validate without its regular expression for
// sha256, the digest registries use (the index is read on every copy, up
// to DefaultMaxEntries entries); others are left to digest.Validate.
func validDigest(d digest.Digest) bool {
	hex, ok := strings.CutPrefix(string(d), "sha256:")
	if !ok {
		return d.Validate() == nil
	}
	if len(hex) != 64 {
		return false
	}
	for i := 0; i < len(hex); i++ {
		if c := hex[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
