package analyzer

import (
	"bytes"
	"fmt"
	"net/netip"
)

// proxyHandshake recognizes a SOCKS5 (RFC 1928, with RFC 1929 user and
// password) or HTTP CONNECT (RFC 9110 §9.3.6) handshake at the start of
// the client's bytes cli and the proxy's srv, and returns how many bytes
// of each it takes and where the tunnel leads.
func proxyHandshake(cli, srv []byte) (skipCli, skipSrv int, via string, ok bool) {
	if bytes.HasPrefix(cli, []byte("CONNECT ")) {
		ce := bytes.Index(cli, []byte("\r\n\r\n"))
		se := bytes.Index(srv, []byte("\r\n\r\n"))
		if ce < 0 || se < 0 || !bytes.HasPrefix(srv, []byte("HTTP/1.")) || len(srv) < 12 || srv[9] != '2' {
			return 0, 0, "", false
		}
		target, _, _ := bytes.Cut(cli[len("CONNECT "):], []byte(" "))
		return ce + 4, se + 4, "http-connect to " + string(target), true
	}
	// SOCKS5: method selection, optional user/password, then CONNECT.
	if len(cli) < 2 || cli[0] != 5 || len(srv) < 2 || srv[0] != 5 {
		return 0, 0, "", false
	}
	c, s := 2+int(cli[1]), 2
	if srv[1] == 2 { // user and password
		if len(cli) < c+2 {
			return 0, 0, "", false
		}
		ulen := int(cli[c+1])
		if len(cli) < c+2+ulen+1 {
			return 0, 0, "", false
		}
		c += 2 + ulen + 1 + int(cli[c+2+ulen])
		s += 2
	} else if srv[1] != 0 {
		return 0, 0, "", false
	}
	req, n := socksAddress(cli, c)
	if n == 0 || cli[c] != 5 || cli[c+1] != 1 {
		return 0, 0, "", false
	}
	_, m := socksAddress(srv, s)
	if m == 0 || srv[s] != 5 || srv[s+1] != 0 {
		return 0, 0, "", false
	}
	return c + n, s + m, "socks5 to " + req, true
}

// socksAddress reads a SOCKS5 request or reply at b[at:] (VER CMD RSV
// ATYP ADDR PORT) and returns its address and length, 0 if incomplete.
func socksAddress(b []byte, at int) (string, int) {
	if len(b) < at+5 {
		return "", 0
	}
	var host string
	end := at + 4
	switch b[at+3] {
	case 1:
		end += 4
		if len(b) >= end {
			host = netip.AddrFrom4([4]byte(b[at+4 : end])).String()
		}
	case 3:
		end += 1 + int(b[at+4])
		if len(b) >= end {
			host = string(b[at+5 : end])
		}
	case 4:
		end += 16
		if len(b) >= end {
			host = "[" + netip.AddrFrom16([16]byte(b[at+4:end])).String() + "]"
		}
	default:
		return "", 0
	}
	if len(b) < end+2 {
		return "", 0
	}
	return fmt.Sprintf("%s:%d", host, int(b[end])<<8|int(b[end+1])), end + 2 - at
}
