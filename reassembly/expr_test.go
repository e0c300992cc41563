package reassembly

import (
	"net/netip"
	"strings"
	"testing"
)

// TestFilter: what each expression keeps of a few packets, as tcpdump
// would.
func TestFilter(t *testing.T) {
	type pkt struct {
		proto    uint8
		src, dst string
	}
	smtp := pkt{6, "10.0.0.1:40000", "10.0.0.2:25"}
	reply := pkt{6, "10.0.0.2:25", "10.0.0.1:40000"}
	imap6 := pkt{6, "[2001:db8::1]:50000", "[2001:db8::2]:143"}
	dns := pkt{17, "10.0.0.1:5353", "10.0.0.53:53"}
	sub := pkt{6, "192.168.1.7:41000", "192.168.1.1:587"}
	all := []pkt{smtp, reply, imap6, dns, sub}
	for _, tc := range []struct {
		expr string
		keep []pkt
	}{
		{"port 25", []pkt{smtp, reply}},
		{"tcp port smtp", []pkt{smtp, reply}},
		{"udp port 25", nil},
		{"port 25 or 587", []pkt{smtp, reply, sub}},
		{"dst port 25", []pkt{smtp}},
		{"src port 25", []pkt{reply}},
		{"portrange 100-200", []pkt{imap6}},
		{"host 10.0.0.2", []pkt{smtp, reply}},
		{"src host 10.0.0.1", []pkt{smtp, dns}},
		{"dst 10.0.0.1", []pkt{reply}},
		{"net 192.168.0.0/16", []pkt{sub}},
		{"net 192.168", []pkt{sub}},
		{"net 2001:db8::/32", []pkt{imap6}},
		{"ip6", []pkt{imap6}},
		{"ip and not udp", []pkt{smtp, reply, sub}},
		{"udp", []pkt{dns}},
		{"tcp and (port 143 or port 587)", []pkt{imap6, sub}},
		{"!port 25 && !udp", []pkt{imap6, sub}},
		{"not (host 10.0.0.1 or host 192.168.1.1)", []pkt{imap6}},
		{"host 10.0.0.1 and port domain", []pkt{dns}},
	} {
		f, err := ParseFilter(tc.expr)
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		var got []pkt
		for _, p := range all {
			if f.Match(p.proto, netip.MustParseAddrPort(p.src), netip.MustParseAddrPort(p.dst)) {
				got = append(got, p)
			}
		}
		if len(got) != len(tc.keep) {
			t.Errorf("%q kept %v, want %v", tc.expr, got, tc.keep)
			continue
		}
		for i := range got {
			if got[i] != tc.keep[i] {
				t.Errorf("%q kept %v, want %v", tc.expr, got, tc.keep)
				break
			}
		}
	}
}

// TestFilterErrors: what the filter cannot read is said, with the word.
func TestFilterErrors(t *testing.T) {
	for expr, want := range map[string]string{
		"":                                   "empty",
		"host mail.example":                  `"mail.example" is no address`,
		"port 25 and":                        "ends where a primitive should come",
		"(port 25":                           "parenthesis not closed",
		"port 99999":                         `"99999" is no port`,
		"ether host 1:2:3":                   `unknown word "ether"`,
		"port 25 port 26":                    `"port" where the filter should end`,
		"portrange 10":                       "want LOW-HIGH",
		"net 10.0.0.0/99":                    "is no network",
		"vlan and port 25":                   `unknown word "vlan"`,
		strings.Repeat("not ", 2000) + "tcp": "longer than",
	} {
		_, err := ParseFilter(expr)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.40q: %v, want %q", expr, err, want)
		}
	}
}

// FuzzFilter: any text parses or is refused, never a panic; a filter
// that parses matches without one.
func FuzzFilter(f *testing.F) {
	for _, s := range []string{"port 25", "tcp and (host 10.0.0.1 or net 10.1)", "not not !port 25 or 587", "portrange 1-2 && ip6", "src"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := ParseFilter(s)
		if err != nil {
			return
		}
		flt.Match(6, netip.MustParseAddrPort("10.0.0.1:25"), netip.MustParseAddrPort("[::1]:1"))
	})
}
