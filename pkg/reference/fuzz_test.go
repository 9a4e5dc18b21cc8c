package reference

import (
	"errors"
	"strings"
	"testing"
)

const maxFuzzLen = 512

func FuzzParse(f *testing.F) {
	for _, tc := range validCases {
		f.Add(tc.in)
	}
	for _, tc := range invalidCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		// Long inputs add nothing past the 200-byte quote limit and the
		// 255-character name limit, and minimising them stalls the fuzzer.
		if len(in) > maxFuzzLen {
			t.Skip()
		}
		r, err := Parse(in)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q): error %T is not *Error", in, err)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q): error does not wrap ErrInvalid", in)
			}
			if e.Input != in {
				t.Fatalf("Parse(%q): Input = %q", in, e.Input)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") {
				t.Fatalf("Parse(%q): Error() has a newline: %q", in, msg)
			}
			return
		}
		if r.IsZero() || r.Registry == "" || r.Repository == "" || (r.Tag == "" && r.Digest == "") {
			t.Fatalf("Parse(%q) = %#v: incomplete", in, r)
		}
		s := r.String()
		withoutTag := strings.Replace(s, ":"+r.Tag, "", 1)
		if r.Tag == "" {
			withoutTag = s
		}
		if strings.ToLower(withoutTag) != withoutTag {
			t.Fatalf("Parse(%q).String() = %q has upper case outside the tag", in, s)
		}
		for _, again := range []string{s, r.Familiar()} {
			r2, err := Parse(again)
			if err != nil {
				t.Fatalf("Parse(%q) = %q does not re-parse: %v", in, again, err)
			}
			r2.TagImplied = r.TagImplied
			if r2 != r {
				t.Fatalf("Parse(%q) = %#v, but Parse(%q) = %#v", in, r, again, r2)
			}
		}
	})
}
