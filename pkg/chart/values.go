package chart

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/strvals"
)

// mergeValues merges the user's values the way `helm template` does: values
// files in order, then --set-json, --set, --set-string, --set-file and
// --set-literal, each later one overriding earlier ones.
func mergeValues(ctx context.Context, v Values, src Source, s *settings) (map[string]any, error) {
	base := map[string]any{}
	var hc *httpClient
	read := func(ref string) ([]byte, error) {
		if strings.TrimSpace(ref) == "-" {
			return nil, errors.New(`reading values from stdin ("-") is not supported here; pass a file`)
		}
		if isHTTPURL(ref) {
			if hc == nil {
				c, err := newHTTPClient(Source{
					CAFile: src.CAFile, CertFile: src.CertFile, KeyFile: src.KeyFile,
					InsecureSkipTLSVerify: src.InsecureSkipTLSVerify,
				}, "", s.log)
				if err != nil {
					return nil, err
				}
				hc = c
			}
			return hc.get(ctx, ref)
		}
		data, err := os.ReadFile(ref)
		if err != nil {
			return nil, unwrapPathError(err)
		}
		return data, nil
	}

	for _, file := range v.Files {
		raw, err := read(file)
		if err != nil {
			return nil, valuesFileError(file, err)
		}
		current, err := loader.LoadValues(bytes.NewReader(raw))
		if err != nil {
			return nil, valuesFileError(file, err)
		}
		base = loader.MergeMaps(base, current)
	}

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
			data, err := read(string(rs))
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
