package oneline

import "testing"

func TestFlatten(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{name: "empty", in: "", want: ""},
		{name: "single line unchanged", in: "template: a.yaml:1:2: boom", want: "template: a.yaml:1:2: boom"},
		{
			name: "schema message",
			in:   "values don't meet the specifications of the schema(s) in the following chart(s):\napp:\n- at '/replicaCount': got string, want integer\n",
			want: "values don't meet the specifications of the schema(s) in the following chart(s): app: - at '/replicaCount': got string, want integer",
		},
		{
			name: "engine error",
			in:   "a/templates/cm.yaml:6:19\n  executing \"a/templates/cm.yaml\" at <.Values.x>:\n    nil pointer",
			want: "a/templates/cm.yaml:6:19; executing \"a/templates/cm.yaml\" at <.Values.x>: nil pointer",
		},
		{name: "spaces and CRLF", in: "a   b\r\n\r\n\tc", want: "a b; c"},
		{name: "lone CR", in: "a\rb", want: "a; b"},
		{name: "unicode line separator", in: "a\u2028b", want: "a; b"},
		{name: "leading and trailing space", in: "  a b ", want: "a b"},
		{name: "tab inside a line", in: "a\tb", want: "a b"},
		{name: "no-break space collapses", in: "a\u00a0 b", want: "a b"},
		{name: "only white space", in: " \n\t ", want: ""},
		{name: "URL kept (no redaction here)", in: "Get https://user:pass@example.com/x: 401", want: "Get https://user:pass@example.com/x: 401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Flatten(tt.in); got != tt.want {
				t.Errorf("Flatten(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
