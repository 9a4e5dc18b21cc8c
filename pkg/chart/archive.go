package chart

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
)

// Archive returns the chart as a .tgz, as `helm package` makes one: the
// archive that was downloaded or loaded, as it was, or, for a chart
// directory, its files (those Helm loaded: .helmignore applied, the
// dependencies in charts/ included) packed deterministically, with fixed
// times and owners, so that the same chart gives the same bytes.
func (l *Loaded) Archive() ([]byte, error) {
	if l.archive != nil {
		return l.archive, nil
	}
	files := l.ch.Raw
	names := make([]string, 0, len(files))
	byName := map[string][]byte{}
	for _, f := range files {
		name := path.Clean(strings.TrimPrefix(f.Name, "./"))
		if name == ".." || strings.HasPrefix(name, "../") || path.IsAbs(name) {
			return nil, fmt.Errorf("packaging chart %s: file %q is outside the chart", l.Name(), f.Name)
		}
		if _, dup := byName[name]; !dup {
			names = append(names, name)
		}
		byName[name] = f.Data
	}
	slices.Sort(names)
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(zw)
	for _, name := range names {
		full := l.Name() + "/" + name
		data := byName[name]
		h := &tar.Header{Name: full, Mode: 0o644, Size: int64(len(data)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
