package communityid

import (
	"net/netip"
	"testing"
)

// The spec's own baseline (baseline/baseline_deflt.json): both
// directions of each flow give its ID.
func TestBaseline(t *testing.T) {
	for _, tc := range []struct {
		proto  uint8
		a, b   string
		wantID string
	}{
		{6, "128.232.110.120:34855", "66.35.250.204:80", "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
		{6, "[2001:470:e5bf:dead:4957:2174:e82c:4887]:63943", "[2607:f8b0:400c:c03::1a]:25", "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
		{17, "192.168.1.52:54585", "8.8.8.8:53", "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
		{132, "192.168.170.8:7", "192.168.170.56:7", "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
	} {
		a, b := netip.MustParseAddrPort(tc.a), netip.MustParseAddrPort(tc.b)
		if got := Seeded(0, tc.proto, a, b); got != tc.wantID {
			t.Errorf("%s %s: %s, want %s", tc.a, tc.b, got, tc.wantID)
		}
		if got := Seeded(0, tc.proto, b, a); got != tc.wantID {
			t.Errorf("%s %s reversed: %s, want %s", tc.a, tc.b, got, tc.wantID)
		}
	}
	// A v4-mapped address is its IPv4 address, as the capture said it.
	if Of(netip.MustParseAddrPort("[::ffff:128.232.110.120]:34855"), netip.MustParseAddrPort("66.35.250.204:80")) != "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" {
		t.Error("v4-mapped address hashed as IPv6")
	}
}
