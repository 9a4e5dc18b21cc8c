package oneline

import (
	"strings"
	"unicode"
)

// Flatten returns s on one line: each line is trimmed and its runs of white
// space collapse to one space, empty lines are dropped, and the lines are
// joined with "; " (with a space alone after a line ending in ':', which
// introduces the next). "\r\n", a lone "\r" and the other vertical
// separators (\v, \f, U+0085, U+2028, U+2029) end lines too. A message that
// is one line already (no white space but single spaces between words) is
// returned as is.
//
//	Flatten("a/templates/cm.yaml:6:19\n  executing \"cm\" at <.Values.x>:\n    nil pointer")
//	  == `a/templates/cm.yaml:6:19; executing "cm" at <.Values.x>: nil pointer`
//
// Flatten does not mask credentials: see package redact.
func Flatten(s string) string {
	if flat(s) {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for line := range strings.FieldsFuncSeq(s, isLineEnd) {
		line = strings.Join(strings.Fields(line), " ")
		if line == "" {
			continue
		}
		if b.Len() > 0 {
			if strings.HasSuffix(b.String(), ":") {
				b.WriteString(" ")
			} else {
				b.WriteString("; ")
			}
		}
		b.WriteString(line)
	}
	return b.String()
}

// isLineEnd reports whether r ends a line.
func isLineEnd(r rune) bool {
	switch r {
	case '\n', '\r', '\v', '\f', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
}

// flat reports whether Flatten would return s unchanged: its only white
// space is single spaces between words.
func flat(s string) bool {
	prev := ' ' // a leading space is not flat
	for _, r := range s {
		if unicode.IsSpace(r) && (r != ' ' || prev == ' ') {
			return false
		}
		prev = r
	}
	return prev != ' ' || s == ""
}
