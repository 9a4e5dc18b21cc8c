package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/pkg/copyjob"
	"github.com/airlift-cli/airlift/pkg/mirror"
)

// TestSummary: the summary line of a run. An interrupted run names the
// command to run again to finish; a pack fetches and shares blobs, a copy
// or an unpack sends and mounts them.
func TestSummary(t *testing.T) {
	interrupted := mirror.Result{Status: mirror.Failed, Err: &mirror.ImageError{Err: context.Canceled}}
	copied := mirror.Result{Status: mirror.Copied, Bytes: 1000, Mounted: 3}
	for _, tc := range []struct {
		name, command string
		result        mirror.Result
		want          string
	}{
		{"copy interrupted", "", interrupted, "interrupted: 0 of 1 images copied, 0 already present, 0 failed, 1 not finished (run the copy again to finish)"},
		{"pack interrupted", "pack", interrupted, "(run the pack again to finish)"},
		{"unpack interrupted", "unpack", interrupted, "(run the unpack again to finish)"},
		{"copy", "", copied, "1.0 kB sent, 3 blobs mounted"},
		{"unpack", "unpack", copied, "1.0 kB sent, 3 blobs mounted"},
		{"pack", "pack", copied, "1.0 kB fetched, 3 blobs shared by images"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := &copyjob.Report{Results: []mirror.Result{tc.result}}
			var out, errOut bytes.Buffer
			if err := printCopy(&out, &errOut, &copyOutput{format: "text", command: tc.command}, rep, false, false); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(errOut.String(), tc.want) {
				t.Errorf("summary %q, want %q", errOut.String(), tc.want)
			}
		})
	}
}
