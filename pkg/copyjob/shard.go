package copyjob

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/airlift-cli/airlift/pkg/reference"
)

// Shard is this run's share of the image set: Index of Count, 1-based.
// The zero value is the whole set.
type Shard struct{ Index, Count int }

// ParseShard parses "i/n" as given to --shard.
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(s, "/")
	idx, err1 := strconv.Atoi(i)
	cnt, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || cnt < 1 || idx < 1 || idx > cnt {
		return Shard{}, fmt.Errorf("invalid shard %q: want i/n with 1 <= i <= n, e.g. 2/4", s)
	}
	return Shard{Index: idx, Count: cnt}, nil
}

// String returns "i/n".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// take returns this shard's pairs: every n-th pair of the list sorted by
// source, so shards are balanced and the same input always splits the
// same way (n Kubernetes Job pods each run one shard).
func (s Shard) take(pairs []reference.Pair) []reference.Pair {
	if s.Count <= 1 {
		return pairs
	}
	var out []reference.Pair
	for k, p := range pairs {
		if k%s.Count == s.Index-1 {
			out = append(out, p)
		}
	}
	return out
}
