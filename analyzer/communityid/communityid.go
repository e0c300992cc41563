// Package communityid computes a connection's Community ID (Corelight's
// community-id-spec, version 1), the flow hash Zeek, Suricata, Arkime and
// Malcolm log, so that a session of mailtrace can be found in their
// records and theirs in its: "1:" and the base64 of a SHA-1 over the seed,
// both endpoints in a fixed order, the protocol and the ports.
package communityid

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"net/netip"
)

// TCP is the IP protocol number of TCP.
const TCP = 6

// Of returns the Community ID of a TCP connection between a and b, with
// the default seed 0; the same whichever side is given first.
func Of(a, b netip.AddrPort) string { return Seeded(0, TCP, a, b) }

// Seeded returns the Community ID of a flow of protocol proto between a
// and b with seed. Both addresses must be of one family.
func Seeded(seed uint16, proto uint8, a, b netip.AddrPort) string {
	a = netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
	b = netip.AddrPortFrom(b.Addr().Unmap(), b.Port())
	// The spec orders the endpoints by address, then port, so that both
	// directions give the same hash.
	if c := a.Addr().Compare(b.Addr()); c > 0 || c == 0 && a.Port() > b.Port() {
		a, b = b, a
	}
	buf := binary.BigEndian.AppendUint16(make([]byte, 0, 40), seed)
	buf = append(buf, a.Addr().AsSlice()...)
	buf = append(buf, b.Addr().AsSlice()...)
	buf = append(buf, proto, 0)
	buf = binary.BigEndian.AppendUint16(buf, a.Port())
	buf = binary.BigEndian.AppendUint16(buf, b.Port())
	sum := sha1.Sum(buf)
	return "1:" + base64.StdEncoding.EncodeToString(sum[:])
}
