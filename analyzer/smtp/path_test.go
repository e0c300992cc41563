package smtp

import (
	"fmt"
	"testing"
)

func TestParsePath(t *testing.T) {
	tests := []struct {
		args, prefix string
		want         string // addr|route|params
	}{
		{"FROM:<a@b>", "FROM:", "a@b||map[]"},
		{"from: <alumnoimap@redes.unlp.edu.ar>", "FROM:", "alumnoimap@redes.unlp.edu.ar||map[]"},
		{"FROM:pepe@redes.unlp.edu.ar", "FROM:", "pepe@redes.unlp.edu.ar||map[]"},
		{"FROM:<>", "FROM:", "||map[]"},
		{`FROM:<"<b x>"@example.test> SIZE=10`, "FROM:", `"<b x>"@example.test||map[SIZE:10]`},
		{`TO:<"a\"b>c"@example.test>`, "TO:", `"a\"b>c"@example.test||map[]`},
		{"TO:<@relay1,@relay2:user@example.test>", "TO:", "user@example.test|@relay1,@relay2|map[]"},
		{"FROM:<jack> SIZE=1080894 BODY=8BITMIME smtputf8 AUTH=<>", "FROM:", "jack||map[AUTH:<> BODY:8BITMIME SIZE:1080894 SMTPUTF8:]"},
		{"FROM:<josé@ejemplo.test> SMTPUTF8", "FROM:", "josé@ejemplo.test||map[SMTPUTF8:]"},
		{"FROM:<unterminated", "FROM:", "unterminated||map[]"},
	}
	for _, tc := range tests {
		p := parsePath(tc.args, tc.prefix)
		if got := fmt.Sprintf("%s|%s|%v", p.addr, p.route, p.params); got != tc.want {
			t.Errorf("parsePath(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}
