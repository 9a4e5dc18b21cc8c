package yamlstream

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// MaxExpandedNodes is how many nodes a document may have once its aliases
// are followed, when that is more than ten times the nodes it is written
// with. Rendered manifests use anchors rarely and never to multiply a
// document; a walk that follows aliases through a "billion laughs" document
// of a few hundred bytes would visit hundreds of thousands of nodes per byte.
const MaxExpandedNodes = 1 << 20

// AliasError is a document whose aliases expand it beyond the budget.
type AliasError struct {
	Written  int // nodes as written
	Expanded int // nodes counted with aliases followed, when counting stopped
}

func (e *AliasError) Error() string {
	return fmt.Sprintf("yaml: excessive aliasing: %d nodes expand to more than %d through aliases (an alias bomb?)", e.Written, e.Expanded)
}

// CheckAliases returns an *AliasError when following the aliases of the
// document rooted at n visits more than MaxExpandedNodes nodes and more than
// ten times the nodes it is written with. It runs in time linear in the
// written nodes: the expanded size of each node is counted once.
func CheckAliases(n *yaml.Node) error {
	if n == nil {
		return nil
	}
	written := 0
	hasAlias := false
	var count func(*yaml.Node)
	count = func(n *yaml.Node) {
		written++
		if n.Kind == yaml.AliasNode {
			hasAlias = true
			return
		}
		for _, c := range n.Content {
			count(c)
		}
	}
	count(n)
	if !hasAlias {
		return nil
	}
	limit := max(MaxExpandedNodes, 10*written)
	memo := map[*yaml.Node]int{}
	var size func(*yaml.Node, int) int
	size = func(n *yaml.Node, depth int) int {
		if n.Kind == yaml.AliasNode {
			if n.Alias == nil || depth > 10000 {
				return 1
			}
			return 1 + size(n.Alias, depth+1)
		}
		if s, ok := memo[n]; ok {
			return s
		}
		memo[n] = 1 // a cycle counts once (the parser rejects them; defence only)
		s := 1
		for _, c := range n.Content {
			if s += size(c, depth+1); s > limit {
				s = limit + 1
				break
			}
		}
		memo[n] = s
		return s
	}
	if s := size(n, 0); s > limit {
		return &AliasError{Written: written, Expanded: limit}
	}
	return nil
}
