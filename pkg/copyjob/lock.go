package copyjob

import (
	"fmt"
	"os"

	"sigs.k8s.io/yaml"

	"github.com/airlift-cli/airlift/internal/atomicfile"

	"github.com/airlift-cli/airlift/pkg/mirror"
)

// Lock records where every image went: source, the digest it resolved
// to, target, and the target digest when it differs (a platform-filtered
// index). It is what an air-gapped site or an audit needs to trust the
// copy.
type Lock struct {
	Version     int         `json:"version"`
	Destination string      `json:"destination"`
	Images      []LockImage `json:"images"`
}

// LockImage is one line of the lock.
type LockImage struct {
	Source       string `json:"source"`
	Digest       string `json:"digest"`
	Target       string `json:"target"`
	TargetDigest string `json:"targetDigest,omitempty"`
}

// NewLock makes the lock of the images that are in the target (copied or
// already present).
func NewLock(destination string, results []mirror.Result) Lock {
	l := Lock{Version: 1, Destination: destination, Images: []LockImage{}}
	for _, r := range results {
		if r.Status == mirror.Failed {
			continue
		}
		li := LockImage{Source: r.Image.Source.String(), Digest: r.SourceDigest.String(), Target: r.Image.Target.String()}
		if r.TargetDigest != "" && r.TargetDigest != r.SourceDigest {
			li.TargetDigest = r.TargetDigest.String()
		}
		l.Images = append(l.Images, li)
	}
	return l
}

// WriteFile writes the lock as YAML, atomically: a reader sees the old
// file or the new one, never half of one.
func (l Lock) WriteFile(path string) error {
	b, err := yaml.Marshal(l)
	if err != nil {
		return err
	}
	b = append([]byte("# Written by airlift copy: source -> digest -> target for every image in the target.\n"), b...)
	return atomicfile.Write(path, b, 0o644)
}

// ReadLock reads a lock file written by WriteFile.
func ReadLock(path string) (*Lock, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading lock: %w", err)
	}
	var l Lock
	if err := yaml.UnmarshalStrict(data, &l); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if l.Version != 1 {
		return nil, fmt.Errorf("%s: lock version %d, want 1", path, l.Version)
	}
	return &l, nil
}
