package chart

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/strvals"
)

// userValues are the user's values options, read once: the values files
// merged in order, and the --set style flags, applied again on every merge
// so that extra values can be layered between the files and the flags.
type userValues struct {
	files map[string]any
	flags Values
	read  func(ref string) ([]byte, error)
	raw   []ValuesFile // the values files as read, in order
}

// ValuesFile is a values file as it was read.
type ValuesFile struct {
	// Name is the path or URL it was given as.
	Name string
	Data []byte
}

// readUserValues reads the user's values files (local paths or http(s)
// URLs) and checks the flags by applying them once. Files named by
// --set-file are read once and remembered.
func readUserValues(ctx context.Context, v Values, src Source, s *settings) (*userValues, error) {
	var hc *httpClient
	var mu sync.Mutex
	cache := map[string][]byte{}
	read := func(ref string) ([]byte, error) {
		if strings.TrimSpace(ref) == "-" {
			return nil, errors.New(`reading values from stdin ("-") is not supported here; pass a file`)
		}
		mu.Lock()
		defer mu.Unlock()
		if data, ok := cache[ref]; ok {
			return data, nil
		}
		var data []byte
		if isHTTPURL(ref) {
			if hc == nil {
				c, err := newHTTPClient(s)
				if err != nil {
					return nil, err
				}
				hc = c
			}
			got, err := hc.get(ctx, ref)
			if err != nil {
				return nil, err
			}
			data = got
		} else {
			got, err := os.ReadFile(ref)
			if err != nil {
				return nil, unwrapPathError(err)
			}
			data = got
		}
		cache[ref] = data
		return data, nil
	}

	u := &userValues{files: map[string]any{}, flags: v, read: read}
	for _, file := range v.Files {
		raw, err := read(file)
		if err != nil {
			return nil, valuesFileError(file, err)
		}
		current, err := loader.LoadValues(bytes.NewReader(raw))
		if err != nil {
			return nil, valuesFileError(file, err)
		}
		u.raw = append(u.raw, ValuesFile{Name: file, Data: raw})
		u.files = loader.MergeMaps(u.files, current)
	}
	if _, err := u.merge(); err != nil {
		return nil, err
	}
	return u, nil
}

// merge returns a fresh copy of the user's values in Helm's order: values
// files, then extra (each later map wins, like further -f files), then
// --set-json, --set, --set-string, --set-file and --set-literal. Neither the
// stored values nor extra are modified.
func (u *userValues) merge(extra ...map[string]any) (map[string]any, error) {
	base := plainMap(u.files)
	for _, e := range extra {
		if len(e) > 0 {
			base = loader.MergeMaps(base, plainMap(e))
		}
	}
	return u.applyFlags(base)
}

// applyFlags applies the --set style flags to base, in Helm's order.
func (u *userValues) applyFlags(base map[string]any) (map[string]any, error) {
	v := u.flags
	for _, expr := range v.SetJSON {
		trimmed := strings.TrimSpace(expr)
		if strings.HasPrefix(trimmed, "{") {
			var obj map[string]any
			if err := json.Unmarshal([]byte(trimmed), &obj); err != nil {
				return nil, flagError("--set-json", expr, err)
			}
			base = loader.MergeMaps(base, obj)
			continue
		}
		if err := strvals.ParseJSON(expr, base); err != nil {
			return nil, flagError("--set-json", expr, err)
		}
	}
	for _, expr := range v.Set {
		if err := strvals.ParseInto(expr, base); err != nil {
			return nil, flagError("--set", expr, err)
		}
	}
	for _, expr := range v.SetString {
		if err := strvals.ParseIntoString(expr, base); err != nil {
			return nil, flagError("--set-string", expr, err)
		}
	}
	for _, expr := range v.SetFile {
		reader := func(rs []rune) (any, error) {
			data, err := u.read(string(rs))
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", string(rs), err)
			}
			return string(data), nil
		}
		if err := strvals.ParseIntoFile(expr, base, reader); err != nil {
			return nil, flagError("--set-file", expr, err)
		}
	}
	for _, expr := range v.SetLiteral {
		if err := strvals.ParseLiteralInto(expr, base); err != nil {
			return nil, flagError("--set-literal", expr, err)
		}
	}
	return base, nil
}

// valuesFileError reports an unreadable or unparseable values file; a
// FetchError (values file given as a URL) is returned as is.
func valuesFileError(file string, err error) error {
	var fe *FetchError
	if errors.As(err, &fe) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &ValuesError{Source: file, Err: err, kind: valuesFromFile}
}

// flagError reports a malformed --set style expression.
func flagError(flag, expr string, err error) error {
	var fe *FetchError
	if errors.As(err, &fe) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &ValuesError{Source: flag + " " + expr, Err: err, kind: valuesFromFlag}
}
