package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/airlift-cli/airlift/pkg/copyjob"
	"github.com/airlift-cli/airlift/pkg/mirror"
)

// TestInterruptedSummary: an interrupted run names the command to run
// again to finish.
func TestInterruptedSummary(t *testing.T) {
	for _, tc := range []struct{ name, command, want string }{
		{"copy", "", "run the copy again to finish"},
		{"pack", "pack", "run the pack again to finish"},
		{"unpack", "unpack", "run the unpack again to finish"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := &copyjob.Report{Results: []mirror.Result{{Status: mirror.Failed, Err: &mirror.ImageError{Err: context.Canceled}}}}
			var out, errOut bytes.Buffer
			if err := printCopy(&out, &errOut, &copyOutput{format: "text", command: tc.command}, rep, false, false); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(errOut.String(), "interrupted: ") || !strings.Contains(errOut.String(), tc.want) {
				t.Errorf("summary %q, want %q", errOut.String(), tc.want)
			}
		})
	}
}

// TestSummaryWords: a pack fetches and shares blobs; a copy, an unpack
// and a relocate send and mount them.
func TestSummaryWords(t *testing.T) {
	for _, tc := range []struct{ name, command, want string }{
		{"copy", "", "1.0 kB sent, 3 blobs mounted"},
		{"unpack", "unpack", "1.0 kB sent, 3 blobs mounted"},
		{"pack", "pack", "1.0 kB fetched, 3 blobs shared by images"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := &copyjob.Report{Results: []mirror.Result{{Status: mirror.Copied, Bytes: 1000, Mounted: 3}}}
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
