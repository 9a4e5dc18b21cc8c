package discover

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/airlift-cli/airlift/internal/oneline"
	"github.com/airlift-cli/airlift/internal/yamlstream"
)

// SyntaxError is a document of the input that is not valid YAML or JSON.
type SyntaxError struct {
	File string // template or input file
	Line int    // line of the input stream (where the document starts if the parser gave none)
	Err  error
}

func (e *SyntaxError) Error() string {
	msg := oneline.Flatten(e.Err.Error())
	if e.File == "" {
		return fmt.Sprintf("input line %d: %s", e.Line, msg)
	}
	return fmt.Sprintf("%s (input line %d): %s", e.File, e.Line, msg)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// newSyntaxError places a parser error on the line of the whole input.
func newSyntaxError(file string, d yamlstream.Document, err error) *SyntaxError {
	line := d.Line
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		line += n - 1
		err = fmt.Errorf("yaml: %s", msg[len(m[0]):])
	}
	return &SyntaxError{File: file, Line: line, Err: err}
}

func (e *SyntaxError) Unwrap() error { return e.Err }
